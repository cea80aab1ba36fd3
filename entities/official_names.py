"""Official names of the main UN system entities in French, Spanish, Russian and Arabic.

The report dataset gives English and Chinese names only. For the entities
below the official names in the other languages are well established (the
names the organizations use for themselves in each official language); for
every other entity the name falls back to English until the secretariat
enters it in the admin.
"""

from django.db.models import Q

# acronym -> {language suffix: official name}
OFFICIAL_NAMES = {
    "ITU": {
        "fr": "Union internationale des télécommunications",
        "es": "Unión Internacional de Telecomunicaciones",
        "ru": "Международный союз электросвязи",
        "ar": "الاتحاد الدولي للاتصالات",
    },
    "UNESCO": {
        "fr": "Organisation des Nations Unies pour l'éducation, la science et la culture",
        "es": "Organización de las Naciones Unidas para la Educación, la Ciencia y la Cultura",
        "ru": "Организация Объединенных Наций по вопросам образования, науки и культуры",
        "ar": "منظمة الأمم المتحدة للتربية والعلم والثقافة",
    },
    "UNDP": {
        "fr": "Programme des Nations Unies pour le développement",
        "es": "Programa de las Naciones Unidas para el Desarrollo",
        "ru": "Программа развития Организации Объединенных Наций",
        "ar": "برنامج الأمم المتحدة الإنمائي",
    },
    "UNCTAD": {
        "fr": "Conférence des Nations Unies sur le commerce et le développement",
        "es": "Conferencia de las Naciones Unidas sobre Comercio y Desarrollo",
        "ru": "Конференция Организации Объединенных Наций по торговле и развитию",
        "ar": "مؤتمر الأمم المتحدة للتجارة والتنمية",
    },
    "FAO": {
        "fr": "Organisation des Nations Unies pour l'alimentation et l'agriculture",
        "es": "Organización de las Naciones Unidas para la Alimentación y la Agricultura",
        "ru": "Продовольственная и сельскохозяйственная организация Объединенных Наций",
        "ar": "منظمة الأغذية والزراعة للأمم المتحدة",
    },
    "WHO": {
        "fr": "Organisation mondiale de la Santé",
        "es": "Organización Mundial de la Salud",
        "ru": "Всемирная организация здравоохранения",
        "ar": "منظمة الصحة العالمية",
    },
    "ILO": {
        "fr": "Organisation internationale du Travail",
        "es": "Organización Internacional del Trabajo",
        "ru": "Международная организация труда",
        "ar": "منظمة العمل الدولية",
    },
    "UNICEF": {
        "fr": "Fonds des Nations Unies pour l'enfance",
        "es": "Fondo de las Naciones Unidas para la Infancia",
        "ru": "Детский фонд Организации Объединенных Наций",
        "ar": "منظمة الأمم المتحدة للطفولة",
    },
    "UNEP": {
        "fr": "Programme des Nations Unies pour l'environnement",
        "es": "Programa de las Naciones Unidas para el Medio Ambiente",
        "ru": "Программа Организации Объединенных Наций по окружающей среде",
        "ar": "برنامج الأمم المتحدة للبيئة",
    },
    "WIPO": {
        "fr": "Organisation mondiale de la propriété intellectuelle",
        "es": "Organización Mundial de la Propiedad Intelectual",
        "ru": "Всемирная организация интеллектуальной собственности",
        "ar": "المنظمة العالمية للملكية الفكرية",
    },
    "WMO": {
        "fr": "Organisation météorologique mondiale",
        "es": "Organización Meteorológica Mundial",
        "ru": "Всемирная метеорологическая организация",
        "ar": "المنظمة العالمية للأرصاد الجوية",
    },
    "UPU": {
        "fr": "Union postale universelle",
        "es": "Unión Postal Universal",
        "ru": "Всемирный почтовый союз",
        "ar": "الاتحاد البريدي العالمي",
    },
    "UNIDO": {
        "fr": "Organisation des Nations Unies pour le développement industriel",
        "es": "Organización de las Naciones Unidas para el Desarrollo Industrial",
        "ru": "Организация Объединенных Наций по промышленному развитию",
        "ar": "منظمة الأمم المتحدة للتنمية الصناعية",
    },
    "ECA": {
        "fr": "Commission économique pour l'Afrique",
        "es": "Comisión Económica para África",
        "ru": "Экономическая комиссия для Африки",
        "ar": "اللجنة الاقتصادية لأفريقيا",
    },
    "ECE": {
        "fr": "Commission économique pour l'Europe",
        "es": "Comisión Económica para Europa",
        "ru": "Европейская экономическая комиссия",
        "ar": "اللجنة الاقتصادية لأوروبا",
    },
    "ECLAC": {
        "fr": "Commission économique pour l'Amérique latine et les Caraïbes",
        "es": "Comisión Económica para América Latina y el Caribe",
        "ru": "Экономическая комиссия для Латинской Америки и Карибского бассейна",
        "ar": "اللجنة الاقتصادية لأمريكا اللاتينية ومنطقة البحر الكاريبي",
    },
    "ESCAP": {
        "fr": "Commission économique et sociale pour l'Asie et le Pacifique",
        "es": "Comisión Económica y Social para Asia y el Pacífico",
        "ru": "Экономическая и социальная комиссия для Азии и Тихого океана",
        "ar": "اللجنة الاقتصادية والاجتماعية لآسيا والمحيط الهادئ",
    },
    "ESCWA": {
        "fr": "Commission économique et sociale pour l'Asie occidentale",
        "es": "Comisión Económica y Social para Asia Occidental",
        "ru": "Экономическая и социальная комиссия для Западной Азии",
        "ar": "اللجنة الاقتصادية والاجتماعية لغربي آسيا",
    },
    "DESA": {
        "fr": "Département des affaires économiques et sociales",
        "es": "Departamento de Asuntos Económicos y Sociales",
        "ru": "Департамент по экономическим и социальным вопросам",
        "ar": "إدارة الشؤون الاقتصادية والاجتماعية",
    },
    "UN-Women": {
        "fr": "Entité des Nations Unies pour l'égalité des sexes et l'autonomisation des femmes",
        "es": "Entidad de las Naciones Unidas para la Igualdad de Género "
        "y el Empoderamiento de las Mujeres",
        "ru": "Структура Организации Объединенных Наций по вопросам гендерного равенства "
        "и расширения прав и возможностей женщин",
        "ar": "هيئة الأمم المتحدة للمساواة بين الجنسين وتمكين المرأة",
    },
    "World Bank": {
        "fr": "Banque mondiale",
        "es": "Banco Mundial",
        "ru": "Всемирный банк",
        "ar": "البنك الدولي",
    },
}

_BY_LOWER = {acronym.lower(): names for acronym, names in OFFICIAL_NAMES.items()}


def names_for(acronym):
    """The known official names of one entity as model fields (``name_fr``…), or {}."""
    names = _BY_LOWER.get((acronym or "").lower(), {})
    return {f"name_{suffix}": name for suffix, name in names.items()}


def fill_official_names(entity_model):
    """Fill the empty name fields of the entities above; names already entered are kept.

    Takes the model class so that a data migration can pass its historical model.
    """
    match = Q()
    for acronym in OFFICIAL_NAMES:
        match |= Q(acronym__iexact=acronym)
    for entity in entity_model.objects.filter(match):
        names = names_for(entity.acronym)
        changed = [field for field in names if not getattr(entity, field)]
        for field in changed:
            setattr(entity, field, names[field])
        if changed:
            entity.save(update_fields=changed)
