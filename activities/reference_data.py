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

# The words that sort a sentence of the contributors' answers under a trend
# (``Trend.vocabulary``, editable in the admin); see reviews/report_answers.py.
TREND_VOCABULARY = {
    "digital_cooperation_security": (
        "digital cooperation, international cooperation, global cooperation, global digital "
        "compact, summit of the future, multilateral, multi-stakeholder, intergovernmental, "
        "forum, security, cybersecurity, cyberattack, conflict, stability, geopolit, world "
        "summit, wsis+20"
    ),
    "digital_inclusion": (
        "inclusion, inclusive, divide, connectivity, connected, online, offline, internet use, "
        "access to icts, afford, gender, women, girls, rural, low-income, least developed, "
        "literacy, left behind, mobile broadband, coverage, usage gap"
    ),
    "artificial_intelligence": (
        "artificial intelligence, ai, ai-related, generative, large language model, machine "
        "learning, algorithmic, automation, quantum, emerging technolog"
    ),
    "platform_regulation": (
        "platform, social media, content, misinformation, disinformation, hate speech, "
        "influencer, moderation, market concentration, freedom of expression"
    ),
    "data_governance": (
        "data governance, data, data protection, privacy, personal data, cross-border data, "
        "data flow, data sovereignty, data centre"
    ),
    "sustainable_digitalization": (
        "sustainability, environmentally sustainable, sustainable digital, sustainable "
        "production, environment, climate, energy, emission, e-waste, electronic waste, "
        "circular, green, renewable, natural resources, recycl, pollution"
    ),
}


def load_trend_vocabulary(apps, schema_editor=None):
    """Give the known trends their vocabulary where they have none (data migration)."""
    Trend = apps.get_model("activities", "Trend")
    for key, words in TREND_VOCABULARY.items():
        Trend.objects.filter(key=key, vocabulary="").update(vocabulary=words)


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


# Titles in the other official languages, keyed by model and public key.
# Action lines follow the Geneva Plan of Action (WSIS-03/GENEVA/DOC/5) in each
# language; C1 follows the current English wording ("public governance
# authorities") used in the report. SDG titles are the UN's short titles in
# each language; regions use the names of the UN regional commissions' regions.
TRANSLATIONS = {
    "ActionLine": {
        "C1": {
            "fr": "Le rôle des autorités publiques et de toutes les parties prenantes "
            "dans la promotion des TIC pour le développement",
            "es": "El papel de las autoridades públicas y de todas las partes interesadas "
            "en la promoción de las TIC para el desarrollo",
            "ru": "Роль органов государственного управления и всех заинтересованных сторон "
            "в содействии использованию ИКТ в целях развития",
            "ar": "دور السلطات العامة وجميع أصحاب المصلحة في النهوض بتكنولوجيا المعلومات "
            "والاتصالات من أجل التنمية",
        },
        "C2": {
            "fr": "Infrastructure de l'information et de la communication",
            "es": "Infraestructura de la información y la comunicación",
            "ru": "Информационная и коммуникационная инфраструктура",
            "ar": "البنية التحتية للمعلومات والاتصالات",
        },
        "C3": {
            "fr": "Accès à l'information et au savoir",
            "es": "Acceso a la información y al conocimiento",
            "ru": "Доступ к информации и знаниям",
            "ar": "النفاذ إلى المعلومات والمعرفة",
        },
        "C4": {
            "fr": "Renforcement des capacités",
            "es": "Creación de capacidad",
            "ru": "Создание потенциала",
            "ar": "بناء القدرات",
        },
        "C5": {
            "fr": "Établir la confiance et la sécurité dans l'utilisation des TIC",
            "es": "Crear confianza y seguridad en la utilización de las TIC",
            "ru": "Укрепление доверия и безопасности при использовании ИКТ",
            "ar": "بناء الثقة والأمن في استعمال تكنولوجيا المعلومات والاتصالات",
        },
        "C6": {
            "fr": "Créer un environnement propice",
            "es": "Entorno habilitador",
            "ru": "Благоприятная среда",
            "ar": "البيئة التمكينية",
        },
        "C7": {
            "fr": "Les applications TIC et leur apport dans tous les domaines",
            "es": "Aplicaciones de las TIC: ventajas en todos los aspectos de la vida",
            "ru": "Применение ИКТ: выгоды во всех аспектах жизни",
            "ar": "تطبيقات تكنولوجيا المعلومات والاتصالات: المنافع في جميع جوانب الحياة",
        },
        "C7.e-government": {
            "fr": "Administration électronique",
            "es": "Gobierno electrónico",
            "ru": "Электронное правительство",
            "ar": "الحكومة الإلكترونية",
        },
        "C7.e-business": {
            "fr": "Commerce électronique",
            "es": "Negocios electrónicos",
            "ru": "Электронный бизнес",
            "ar": "الأعمال التجارية الإلكترونية",
        },
        "C7.e-learning": {
            "fr": "Téléenseignement",
            "es": "Aprendizaje electrónico",
            "ru": "Электронное обучение",
            "ar": "التعلم الإلكتروني",
        },
        "C7.e-health": {
            "fr": "Télésanté",
            "es": "Cibersalud",
            "ru": "Электронное здравоохранение",
            "ar": "الصحة الإلكترونية",
        },
        "C7.e-employment": {
            "fr": "Télétravail",
            "es": "Ciberempleo",
            "ru": "Электронная занятость",
            "ar": "التوظيف الإلكتروني",
        },
        "C7.e-environment": {
            "fr": "Cyberécologie",
            "es": "Ciberecología",
            "ru": "Электронная охрана окружающей среды",
            "ar": "البيئة الإلكترونية",
        },
        "C7.e-agriculture": {
            "fr": "Cyberagriculture",
            "es": "Ciberagricultura",
            "ru": "Электронное сельское хозяйство",
            "ar": "الزراعة الإلكترونية",
        },
        "C7.e-science": {
            "fr": "Cyberscience",
            "es": "Ciberciencia",
            "ru": "Электронная наука",
            "ar": "العلوم الإلكترونية",
        },
        "C8": {
            "fr": "Diversité et identité culturelles, diversité linguistique et contenus locaux",
            "es": "Diversidad e identidad culturales, diversidad lingüística y contenido local",
            "ru": "Культурное разнообразие и самобытность, языковое разнообразие и местный контент",
            "ar": "التنوع الثقافي والهوية الثقافية والتنوع اللغوي والمحتوى المحلي",
        },
        "C9": {
            "fr": "Médias",
            "es": "Medios de comunicación",
            "ru": "Средства массовой информации",
            "ar": "وسائط الإعلام",
        },
        "C10": {
            "fr": "Dimensions éthiques de la société de l'information",
            "es": "Dimensiones éticas de la sociedad de la información",
            "ru": "Этические аспекты информационного общества",
            "ar": "الأبعاد الأخلاقية لمجتمع المعلومات",
        },
        "C11": {
            "fr": "Coopération internationale et régionale",
            "es": "Cooperación internacional y regional",
            "ru": "Международное и региональное сотрудничество",
            "ar": "التعاون الدولي والإقليمي",
        },
    },
    "Theme": {
        "financing": {
            "fr": "Mécanismes de financement",
            "es": "Mecanismos de financiación",
            "ru": "Механизмы финансирования",
            "ar": "آليات التمويل",
        },
        "internet_governance": {
            "fr": "Gouvernance de l'Internet",
            "es": "Gobernanza de Internet",
            "ru": "Управление использованием интернета",
            "ar": "إدارة الإنترنت",
        },
        "measurement": {
            "fr": "Mesure des technologies de l'information et des communications "
            "au service du développement",
            "es": "Medición de las tecnologías de la información y las comunicaciones "
            "para el desarrollo",
            "ru": "Измерение информационно-коммуникационных технологий в целях развития",
            "ar": "قياس تكنولوجيا المعلومات والاتصالات لأغراض التنمية",
        },
    },
    "Trend": {
        "digital_cooperation_security": {
            "fr": "Coopération numérique et environnement de sécurité",
            "es": "Cooperación digital y entorno de seguridad",
            "ru": "Цифровое сотрудничество и обстановка в сфере безопасности",
            "ar": "التعاون الرقمي والبيئة الأمنية",
        },
        "digital_inclusion": {
            "fr": "Inclusion numérique",
            "es": "Inclusión digital",
            "ru": "Цифровая инклюзивность",
            "ar": "الشمول الرقمي",
        },
        "artificial_intelligence": {
            "fr": "Développement rapide de l'intelligence artificielle",
            "es": "Rápido desarrollo de la inteligencia artificial",
            "ru": "Стремительное развитие искусственного интеллекта",
            "ar": "التطور السريع للذكاء الاصطناعي",
        },
        "platform_regulation": {
            "fr": "Réglementation des plateformes",
            "es": "Regulación de las plataformas",
            "ru": "Регулирование платформ",
            "ar": "تنظيم المنصات",
        },
        "data_governance": {
            "fr": "Gouvernance des données",
            "es": "Gobernanza de datos",
            "ru": "Управление данными",
            "ar": "حوكمة البيانات",
        },
        "sustainable_digitalization": {
            "fr": "Numérisation durable",
            "es": "Digitalización sostenible",
            "ru": "Устойчивая цифровизация",
            "ar": "الرقمنة المستدامة",
        },
    },
    "Region": {
        "africa": {"fr": "Afrique", "es": "África", "ru": "Африка", "ar": "أفريقيا"},
        "asia_pacific": {
            "fr": "Asie et Pacifique",
            "es": "Asia y el Pacífico",
            "ru": "Азиатско-Тихоокеанский регион",
            "ar": "آسيا والمحيط الهادئ",
        },
        "western_asia": {
            "fr": "Asie occidentale",
            "es": "Asia Occidental",
            "ru": "Западная Азия",
            "ar": "غربي آسيا",
        },
        "europe": {"fr": "Europe", "es": "Europa", "ru": "Европа", "ar": "أوروبا"},
        "latin_america_caribbean": {
            "fr": "Amérique latine et Caraïbes",
            "es": "América Latina y el Caribe",
            "ru": "Латинская Америка и Карибский бассейн",
            "ar": "أمريكا اللاتينية ومنطقة البحر الكاريبي",
        },
        "global": {
            "fr": "Niveau mondial",
            "es": "Nivel mundial",
            "ru": "Глобальный уровень",
            "ar": "المستوى العالمي",
        },
    },
    "SDG": {
        1: {
            "fr": "Pas de pauvreté",
            "es": "Fin de la pobreza",
            "ru": "Ликвидация нищеты",
            "ar": "القضاء على الفقر",
        },
        2: {
            "fr": "Faim «\u00a0zéro\u00a0»",
            "es": "Hambre cero",
            "ru": "Ликвидация голода",
            "ar": "القضاء التام على الجوع",
        },
        3: {
            "fr": "Bonne santé et bien-être",
            "es": "Salud y bienestar",
            "ru": "Хорошее здоровье и благополучие",
            "ar": "الصحة الجيدة والرفاه",
        },
        4: {
            "fr": "Éducation de qualité",
            "es": "Educación de calidad",
            "ru": "Качественное образование",
            "ar": "التعليم الجيد",
        },
        5: {
            "fr": "Égalité entre les sexes",
            "es": "Igualdad de género",
            "ru": "Гендерное равенство",
            "ar": "المساواة بين الجنسين",
        },
        6: {
            "fr": "Eau propre et assainissement",
            "es": "Agua limpia y saneamiento",
            "ru": "Чистая вода и санитария",
            "ar": "المياه النظيفة والنظافة الصحية",
        },
        7: {
            "fr": "Énergie propre et d'un coût abordable",
            "es": "Energía asequible y no contaminante",
            "ru": "Недорогостоящая и чистая энергия",
            "ar": "طاقة نظيفة وبأسعار معقولة",
        },
        8: {
            "fr": "Travail décent et croissance économique",
            "es": "Trabajo decente y crecimiento económico",
            "ru": "Достойная работа и экономический рост",
            "ar": "العمل اللائق ونمو الاقتصاد",
        },
        9: {
            "fr": "Industrie, innovation et infrastructure",
            "es": "Industria, innovación e infraestructura",
            "ru": "Индустриализация, инновации и инфраструктура",
            "ar": "الصناعة والابتكار والهياكل الأساسية",
        },
        10: {
            "fr": "Inégalités réduites",
            "es": "Reducción de las desigualdades",
            "ru": "Уменьшение неравенства",
            "ar": "الحد من أوجه عدم المساواة",
        },
        11: {
            "fr": "Villes et communautés durables",
            "es": "Ciudades y comunidades sostenibles",
            "ru": "Устойчивые города и населенные пункты",
            "ar": "مدن ومجتمعات محلية مستدامة",
        },
        12: {
            "fr": "Consommation et production responsables",
            "es": "Producción y consumo responsables",
            "ru": "Ответственное потребление и производство",
            "ar": "الاستهلاك والإنتاج المسؤولان",
        },
        13: {
            "fr": "Mesures relatives à la lutte contre les changements climatiques",
            "es": "Acción por el clima",
            "ru": "Борьба с изменением климата",
            "ar": "العمل المناخي",
        },
        14: {
            "fr": "Vie aquatique",
            "es": "Vida submarina",
            "ru": "Сохранение морских экосистем",
            "ar": "الحياة تحت الماء",
        },
        15: {
            "fr": "Vie terrestre",
            "es": "Vida de ecosistemas terrestres",
            "ru": "Сохранение экосистем суши",
            "ar": "الحياة في البر",
        },
        16: {
            "fr": "Paix, justice et institutions efficaces",
            "es": "Paz, justicia e instituciones sólidas",
            "ru": "Мир, правосудие и эффективные институты",
            "ar": "السلام والعدل والمؤسسات القوية",
        },
        17: {
            "fr": "Partenariats pour la réalisation des objectifs",
            "es": "Alianzas para lograr los objetivos",
            "ru": "Партнерство в интересах устойчивого развития",
            "ar": "عقد الشراكات لتحقيق الأهداف",
        },
    },
}

# The Chinese titles above, by the same keys, to complete any left empty.
_CHINESE = {
    "ActionLine": {code: title_zh for code, _parent, _en, title_zh in ACTION_LINES},
    "Theme": {key: title_zh for key, _en, title_zh in THEMES},
    "Trend": {key: title_zh for key, _en, title_zh in TRENDS},
    "Region": {key: title_zh for key, _en, title_zh in REGIONS},
    "SDG": {number: title_zh for number, _en, title_zh in SDGS},
}


def load_translations(apps, schema_editor=None):
    """Fill the French, Spanish, Russian, Arabic and missing Chinese titles.

    Only empty fields are filled, so titles the secretariat has edited in the
    admin are kept. Used by a data migration; safe to run again.
    """
    for model_name, rows in TRANSLATIONS.items():
        model = apps.get_model("activities", model_name)
        key_field = {"ActionLine": "code", "SDG": "number"}.get(model_name, "key")
        for obj in model.objects.filter(**{f"{key_field}__in": list(rows)}):
            key = getattr(obj, key_field)
            titles = {"zh": _CHINESE[model_name].get(key, ""), **rows[key]}
            changed = [
                f"title_{language}"
                for language, text in titles.items()
                if text and not getattr(obj, f"title_{language}")
            ]
            for field in changed:
                setattr(obj, field, titles[field.removeprefix("title_")])
            if changed:
                obj.save(update_fields=changed)
