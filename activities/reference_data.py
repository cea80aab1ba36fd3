"""Reference data loaded by migrations: the WSIS taxonomy and the SDGs.

English titles are the official ones (Geneva Plan of Action, 2003; the
report's headings); Chinese titles are those of the Chinese edition of
A/79/62-E/2024/12.
"""

# (code, parent code, English title, Chinese title), in report order.
ACTION_LINES = [
    (
        "C1",
        None,
        "The role of public governance authorities and all stakeholders "
        "in the promotion of ICTs for development",
        "公共治理当局和所有利益攸关方在推动信息和通信技术促进发展方面的作用",
    ),
    ("C2", None, "Information and communication infrastructure", "信息和通信基础设施"),
    ("C3", None, "Access to information and knowledge", "获取信息和知识"),
    ("C4", None, "Capacity building", "能力建设"),
    (
        "C5",
        None,
        "Building confidence and security in the use of ICTs",
        "建立信息和通信技术使用中的信任和安全",
    ),
    ("C6", None, "Enabling environment", "扶持性环境"),
    ("C7", None, "ICT applications: benefits in all aspects of life", "信息和通信技术应用"),
    ("C7.e-government", "C7", "E-government", "电子政务"),
    ("C7.e-business", "C7", "E-business", "电子商务"),
    ("C7.e-learning", "C7", "E-learning", "电子学习"),
    ("C7.e-health", "C7", "E-health", "电子卫生"),
    ("C7.e-employment", "C7", "E-employment", "电子就业"),
    ("C7.e-environment", "C7", "E-environment", "电子环境"),
    ("C7.e-agriculture", "C7", "E-agriculture", "电子农业"),
    ("C7.e-science", "C7", "E-science", "电子科学"),
    (
        "C8",
        None,
        "Cultural diversity and identity, linguistic diversity and local content",
        "文化多样性与认同、语言多样性与本地内容",
    ),
    ("C9", None, "Media", "媒体"),
    ("C10", None, "Ethical dimensions of the Information Society", "信息社会的道德层面"),
    ("C11", None, "International and regional cooperation", "国际和区域合作"),
]

# (key, English title, Chinese title)
THEMES = [
    ("financing", "Financing mechanisms", "融资机制"),
    ("internet_governance", "Internet governance", "互联网治理"),
    (
        "measurement",
        "Measuring information and communications technologies for development",
        "衡量信息和通信技术促进发展",
    ),
]

TRENDS = [
    (
        "digital_cooperation_security",
        "Digital cooperation and the security environment",
        "数字合作与安全环境",
    ),
    ("digital_inclusion", "Digital inclusion", "数字包容"),
    ("artificial_intelligence", "Rapid development of artificial intelligence", "人工智能快速发展"),
    ("platform_regulation", "Platform regulation", "平台监管"),
    ("data_governance", "Data governance", "数据治理"),
    ("sustainable_digitalization", "Sustainable digitalization", "可持续数字化发展"),
]

REGIONS = [
    ("africa", "Africa", "非洲"),
    ("asia_pacific", "Asia and the Pacific", "亚洲和太平洋"),
    ("western_asia", "Western Asia", "西亚"),
    ("europe", "Europe", "欧洲"),
    ("latin_america_caribbean", "Latin America and the Caribbean", "拉丁美洲和加勒比"),
    ("global", "Global", "全球"),
]

# (number, English title, Chinese title)
SDGS = [
    (1, "No poverty", "无贫穷"),
    (2, "Zero hunger", "零饥饿"),
    (3, "Good health and well-being", "良好健康与福祉"),
    (4, "Quality education", "优质教育"),
    (5, "Gender equality", "性别平等"),
    (6, "Clean water and sanitation", "清洁饮水和卫生设施"),
    (7, "Affordable and clean energy", "经济适用的清洁能源"),
    (8, "Decent work and economic growth", "体面工作和经济增长"),
    (9, "Industry, innovation and infrastructure", "产业、创新和基础设施"),
    (10, "Reduced inequalities", "减少不平等"),
    (11, "Sustainable cities and communities", "可持续城市和社区"),
    (12, "Responsible consumption and production", "负责任消费和生产"),
    (13, "Climate action", "气候行动"),
    (14, "Life below water", "水下生物"),
    (15, "Life on land", "陆地生物"),
    (16, "Peace, justice and strong institutions", "和平、正义与强大机构"),
    (17, "Partnerships for the goals", "促进目标实现的伙伴关系"),
]


def load(apps, schema_editor=None):
    """Create or update every reference record (used by the data migration)."""
    ActionLine = apps.get_model("activities", "ActionLine")
    by_code = {}
    for position, (code, parent, title_en, title_zh) in enumerate(ACTION_LINES, start=1):
        line, _ = ActionLine.objects.update_or_create(
            code=code,
            defaults={
                "parent": by_code.get(parent),
                "position": position,
                "title_en": title_en,
                "title_zh": title_zh,
            },
        )
        by_code[code] = line
    for model_name, rows in (("Theme", THEMES), ("Trend", TRENDS), ("Region", REGIONS)):
        model = apps.get_model("activities", model_name)
        for position, (key, title_en, title_zh) in enumerate(rows, start=1):
            model.objects.update_or_create(
                key=key,
                defaults={"position": position, "title_en": title_en, "title_zh": title_zh},
            )
    SDG = apps.get_model("activities", "SDG")
    for number, title_en, title_zh in SDGS:
        SDG.objects.update_or_create(
            number=number, defaults={"title_en": title_en, "title_zh": title_zh}
        )
