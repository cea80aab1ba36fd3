"""The six UN languages: catalogues, language choice, translated pages and data.

The catalogue checks read the project's own code and templates the way
``makemessages`` does (Django's ``templatize`` for templates, the gettext
calls for Python) and compare them with the committed ``.po`` and ``.mo``
files, so they need no gettext tools. When one fails, run ``make messages``,
translate what it added and commit ``locale/`` (see docs/translating.md).
"""

import ast
import datetime as dt
import gettext as gettext_module
import io
import re
import tokenize
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

from activities.models import SDG, ActionLine, Activity, Region
from entities.models import Entity
from entities.official_names import fill_official_names

from .factories import ActivityFactory, EntityFactory

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
# What makemessages leaves out (see `make messages`).
IGNORED_DIRS = {".venv", "venv", "locale", "staticfiles", "node_modules", "__pycache__"}
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

# The gettext functions makemessages knows, and where their arguments are:
# (context, singular, plural) positions, None where there is none.
GETTEXT_CALLS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


# --- Extracting the project's messages ------------------------------------------------


def project_files(*suffixes):
    for path in sorted(BASE_DIR.rglob("*")):
        relative = path.relative_to(BASE_DIR)
        if any(part in IGNORED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and path.suffix in suffixes:
            yield path


def message(args, positions):
    """(context, msgid, msgid_plural) from literal arguments, or None if not literal."""
    values = []
    for position in positions:
        if position is None:
            values.append(None)
        elif position < len(args) and isinstance(args[position], str):
            values.append(args[position])
        else:
            return None
    return tuple(values)


def python_messages(source):
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        found.add(message(args, GETTEXT_CALLS[name]))
    return found - {None}


def template_messages(source, origin="template"):
    """The messages of a template, read from what templatize makes of it."""
    found = set()
    tokens = list(tokenize.generate_tokens(io.StringIO(templatize(source, origin)).readline))
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in GETTEXT_CALLS:
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].string != "(":
            continue
        args, j = [], i + 2
        while j < len(tokens) and tokens[j].string != ")":
            if tokens[j].type == tokenize.STRING:
                args.append(ast.literal_eval(tokens[j].string))
            elif tokens[j].string != ",":
                args.append(None)
            j += 1
        found.add(message(args, GETTEXT_CALLS[token.string]))
    return found - {None}


def project_messages():
    found = {}
    for path in project_files(".py"):
        for msg in python_messages(path.read_text(encoding="utf-8")):
            found.setdefault(msg, path.relative_to(BASE_DIR))
    for path in project_files(".html", ".txt"):
        for msg in template_messages(path.read_text(encoding="utf-8"), str(path)):
            found.setdefault(msg, path.relative_to(BASE_DIR))
    return found


@pytest.fixture(scope="module")
def messages():
    return project_messages()


def catalogue(code, suffix):
    return LOCALE_DIR / to_locale(code) / "LC_MESSAGES" / f"django.{suffix}"


def read_po(code):
    return polib.pofile(str(catalogue(code, "po")))


# --- The extractor itself --------------------------------------------------------------


def test_extractor_reads_template_tags():
    source = (
        '{% load i18n %}{% translate "Alpha" %}{% translate "May" context "month" %}'
        "{% blocktranslate count n=3 trimmed %}\n  {{ n }} item\n"
        "{% plural %}{{ n }} items{% endblocktranslate %}"
    )

    assert template_messages(source) == {
        (None, "Alpha", None),
        ("month", "May", None),
        (None, "%(n)s item", "%(n)s items"),
    }


def test_extractor_reads_python_calls():
    source = (
        "from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n"
        "a = _('Alpha')\nb = ngettext('%(n)s day', '%(n)s days', 2)\n"
        "c = pgettext('month', 'May')\nd = _(variable)\n"
    )

    assert python_messages(source) == {
        (None, "Alpha", None),
        (None, "%(n)s day", "%(n)s days"),
        ("month", "May", None),
    }


def test_extractor_finds_the_project_strings(messages):
    assert (None, "Language of the text", None) in messages  # activities/filters.py
    assert (None, "Apply filters", None) in messages  # templates
    assert (None, "%(shown)s activity", "%(shown)s activities") in messages


# --- The catalogues --------------------------------------------------------------------


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_has_every_project_string(code, messages):
    po = read_po(code)
    entries = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}

    missing = sorted(
        f"{path}: {msgid!r}"
        for (context, msgid, plural), path in messages.items()
        if (context, msgid) not in entries
        or (entries[(context, msgid)].msgid_plural or None) != plural
    )

    assert missing == [], f"not in {catalogue(code, 'po')}; run `make messages`"


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalogue_has_no_fuzzy_or_empty_entries(code):
    po = read_po(code)
    plurals = int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))

    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags and not e.obsolete]
    empty = [
        e.msgid
        for e in po
        if not e.obsolete
        and (
            (
                e.msgid_plural
                and (len(e.msgstr_plural) != plurals or not all(e.msgstr_plural.values()))
            )
            or (not e.msgid_plural and not e.msgstr)
        )
    ]

    assert not po.metadata_is_fuzzy
    assert (fuzzy, empty) == ([], [])


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders(code):
    """A translation may not name a placeholder the English does not have.

    Plural forms may leave the number out ("one activity"), other messages
    keep every placeholder.
    """
    wrong = []
    for entry in read_po(code):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
            if any(
                not set(PLACEHOLDER.findall(s)) <= allowed for s in entry.msgstr_plural.values()
            ):
                wrong.append(entry.msgid)
        elif set(PLACEHOLDER.findall(entry.msgstr)) != set(PLACEHOLDER.findall(entry.msgid)):
            wrong.append(entry.msgid)

    assert wrong == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_compiled_catalogue_matches_its_source(code):
    """The committed .mo holds exactly the translations of the .po (compiled after editing)."""
    expected = {}
    for entry in read_po(code):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                expected[(key, int(index))] = text
        else:
            expected[key] = entry.msgstr

    with open(catalogue(code, "mo"), "rb") as handle:
        compiled = dict(gettext_module.GNUTranslations(handle)._catalog)
    compiled.pop("", None)  # the header

    assert compiled == expected, f"run `make messages` to compile {catalogue(code, 'mo')}"


# --- Pages in each language ------------------------------------------------------------

SITE_NAME = {
    "ar": "أداة تتبع تنفيذ نتائج القمة العالمية لمجتمع المعلومات",
    "zh-hans": "信息社会世界峰会成果落实追踪系统",
    "en": "WSIS Implementation Tracker",
    "fr": "Suivi de la mise en œuvre du SMSI",
    "ru": "Мониторинг выполнения решений ВВУИО",
    "es": "Seguimiento de la aplicación de la CMSI",
}
APPLY_FILTERS = {
    "ar": "تطبيق عوامل التصفية",
    "zh-hans": "应用筛选条件",
    "en": "Apply filters",
    "fr": "Appliquer les filtres",
    "ru": "Применить фильтры",
    "es": "Aplicar los filtros",
}
HTML_LANG = {"ar": "ar", "zh-hans": "zh-Hans", "en": "en", "fr": "fr", "ru": "ru", "es": "es"}


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def in_language(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_home_and_listing_in_each_language(client, code):
    ActivityFactory(action_lines=["C2"], regions=["africa"])
    in_language(client, code)
    direction = "rtl" if code == "ar" else "ltr"

    home = client.get("/")
    listing = client.get(reverse("activities:activity-list"))

    for response in (home, listing):
        assert response.status_code == 200
        assert html_tag(response) == f'<html lang="{HTML_LANG[code]}" dir="{direction}">'
        assert f'<span class="brand-name">{SITE_NAME[code]}</span>' in response.content.decode()
    assert APPLY_FILTERS[code] in listing.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_admin_login_in_each_language(client, code):
    in_language(client, code)
    direction = "rtl" if code == "ar" else "ltr"

    response = client.get("/admin/login/")

    assert response.status_code == 200
    # The admin's own templates write Django's code (zh-hans).
    assert html_tag(response) == f'<html lang="{code}" dir="{direction}">'
    assert SITE_NAME[code] in response.content.decode()


@pytest.mark.django_db
def test_language_switch_posts_the_current_address_with_its_filters(client):
    response = client.get(reverse("activities:activity-list"), {"region": "africa", "q": "a b"})

    # The filters in the order every address of the listing is kept in (by name).
    assert (
        '<input type="hidden" name="next" value="/activities/?q=a+b&amp;region=africa">'
        in response.content.decode()
    )


@pytest.mark.django_db
def test_switching_language_keeps_the_page_and_its_filters(client):
    ActivityFactory(title="Health", action_lines=["C7.e-health"], regions=["africa"])
    ActivityFactory(title="Other", action_lines=["C5"], regions=["africa"])
    address = "/activities/?region=africa&action_line=C7"

    switched = client.post(reverse("set_language"), {"language": "fr", "next": address})
    page = client.get(switched["Location"])

    assert switched.status_code == 302
    assert switched["Location"] == address
    assert html_tag(page).startswith('<html lang="fr"')
    assert [a.title for a in page.context["page"].object_list] == ["Health"]
    chips = [(c["name"], c["value"], c["text"]) for c in page.context["chips"]]
    assert chips == [
        ("action_line", "C7", "C7 Les applications TIC et leur apport dans tous les domaines"),
        ("region", "africa", "Afrique"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("ar-EG", "ar"),
        ("es-419,es;q=0.8", "es"),
        ("de-CH,de;q=0.9", "en"),  # not one of the six: English
        ("", "en"),
    ],
)
def test_browser_preference_chooses_the_language(client, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)

    assert f'lang="{expected}"' in html_tag(response)


@pytest.mark.django_db
def test_the_switch_wins_over_the_browser_preference(client):
    in_language(client, "es")

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr")

    assert html_tag(response) == '<html lang="es" dir="ltr">'
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_urls_have_no_language_prefix(client):
    in_language(client, "fr")

    listing = client.get("/activities/")

    assert listing.status_code == 200
    assert listing.context["LANGUAGE_CODE"] == "fr"
    assert client.get("/fr/activities/").status_code == 404


# --- Reference data and names ------------------------------------------------------------

REFERENCE_TITLES = {
    "ar": ("أفريقيا", "البنية التحتية للمعلومات والاتصالات", "الصحة الجيدة والرفاه"),
    "zh-hans": ("非洲", "信息和通信基础设施", "良好健康与福祉"),
    "en": ("Africa", "Information and communication infrastructure", "Good health and well-being"),
    "fr": (
        "Afrique",
        "Infrastructure de l'information et de la communication",
        "Bonne santé et bien-être",
    ),
    "ru": (
        "Африка",
        "Информационная и коммуникационная инфраструктура",
        "Хорошее здоровье и благополучие",
    ),
    "es": ("África", "Infraestructura de la información y la comunicación", "Salud y bienestar"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_reference_titles_in_each_language(code):
    from django.utils import translation

    with translation.override(code):
        titles = (
            Region.objects.get(key="africa").title,
            ActionLine.objects.get(code="C2").title,
            SDG.objects.get(number=3).title,
        )

    assert titles == REFERENCE_TITLES[code]


@pytest.mark.django_db
@pytest.mark.parametrize("model", [ActionLine, SDG])
def test_every_reference_record_has_all_six_titles(model):
    incomplete = [
        str(obj.pk)
        for obj in model.objects.all()
        if not all(getattr(obj, f"title_{s}") for s in ("en", "fr", "es", "ru", "ar", "zh"))
    ]

    assert incomplete == []


@pytest.mark.django_db
def test_listing_shows_reference_titles_in_the_active_language(client):
    ActivityFactory(action_lines=["C2"], regions=["africa"], sdgs=[3])
    in_language(client, "ru")

    response = client.get(reverse("activities:activity-list"))

    labels = {
        (f["name"], o["value"]): o["label"]
        for f in response.context["facets"]
        for o in f["options"]
    }
    assert labels[("region", "africa")] == "Африка"
    assert labels[("sdg", "3")] == "3. Хорошее здоровье и благополучие"
    assert labels[("action_line", "C2")] == "C2 Информационная и коммуникационная инфраструктура"


@pytest.mark.django_db
def test_official_names_fill_only_empty_fields():
    itu = EntityFactory(acronym="ITU", name_en="International Telecommunication Union")
    who = EntityFactory(acronym="who", name_fr="OMS (nom saisi à la main)")

    fill_official_names(Entity)

    itu.refresh_from_db()
    who.refresh_from_db()
    assert itu.name_fr == "Union internationale des télécommunications"
    assert itu.name_ar == "الاتحاد الدولي للاتصالات"
    assert who.name_fr == "OMS (nom saisi à la main)"
    assert who.name_es == "Organización Mundial de la Salud"


@pytest.mark.django_db
def test_imported_entities_get_their_official_names(client, report_2024):
    in_language(client, "es")

    response = client.get(reverse("entities:entity-detail", args=["UNCTAD"]))
    apc = Entity.objects.get(acronym="APC")

    assert "Conferencia de las Naciones Unidas sobre Comercio y Desarrollo" in (
        response.content.decode()
    )
    assert (apc.name_es, apc.name_zh) == ("", "进步通信协会")  # not known: falls back


# --- The language of the text -----------------------------------------------------------


@pytest.mark.django_db
def test_language_filter_and_its_facet_counts(client):
    ActivityFactory(title="fr-1", language="fr", regions=["africa"])
    ActivityFactory(title="fr-2", language="fr", regions=["europe"])
    ActivityFactory(title="ar-1", language="ar", regions=["africa"])
    ActivityFactory(title="en-1", language="en", regions=["africa"])
    ActivityFactory(title="draft", language="ru", status=Activity.Status.DRAFT)
    listing = reverse("activities:activity-list")

    french = client.get(listing, {"language": "fr"})
    any_of = client.get(f"{listing}?language=fr&language=ar&language=fr")
    africa = client.get(listing, {"language": "fr", "region": "africa"})

    def titles(response):
        return sorted(a.title for a in response.context["page"].object_list)

    def language_counts(response):
        facet = next(f for f in response.context["facets"] if f["name"] == "language")
        return {o["value"]: (o["count"], o["selected"]) for o in facet["options"]}

    assert titles(french) == ["fr-1", "fr-2"]
    assert titles(any_of) == ["ar-1", "fr-1", "fr-2"]
    assert titles(africa) == ["fr-1"]
    # Counted over the other filters (region), never over drafts.
    assert language_counts(africa) == {"ar": (1, False), "en": (1, False), "fr": (1, True)}
    assert language_counts(french) == {"ar": (1, False), "en": (1, False), "fr": (2, True)}


@pytest.mark.django_db
def test_unknown_language_value_is_a_message(client):
    response = client.get(reverse("activities:activity-list"), {"language": "klingon"})

    assert response.status_code == 400
    assert "<code>language</code>" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "attributes", "name"),
    [
        ("zh-hans", 'lang="zh-Hans" dir="ltr"', "Chinois"),
        ("ar", 'lang="ar" dir="rtl"', "Arabe"),
        ("en", 'lang="en" dir="ltr"', "Anglais"),
    ],
)
def test_activity_page_marks_the_language_of_the_text(client, language, attributes, name):
    activity = ActivityFactory(language=language)
    in_language(client, "fr")

    content = client.get(activity.get_absolute_url()).content.decode()

    assert f'<article class="activity" {attributes}>' in content
    assert (
        f'<dt>Langue du texte</dt>\n  <dd><a href="/activities/?language={language}">{name}</a>'
        in (content)
    )


@pytest.mark.django_db
def test_cards_mark_the_language_of_the_text(client):
    ActivityFactory(title="Réseaux ruraux", language="fr")
    in_language(client, "ar")

    content = client.get(reverse("activities:activity-list")).content.decode()

    assert re.search(r'<h3 class="card-title" id="activity-\d+" lang="fr" dir="ltr">', content)


# --- Dates and numbers -------------------------------------------------------------------

PUBLISHED_ON = {
    "fr": "5 février 2024",
    "es": "5 de febrero de 2024",
    "ru": "5 февраля 2024 г.",
    "zh-hans": "2024年2月5日",
    "en": "5 February 2024",
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(PUBLISHED_ON))
def test_dates_follow_the_active_language(client, code):
    published = dt.datetime(2024, 2, 5, 12, tzinfo=dt.UTC)
    activity = ActivityFactory(published_at=published)
    in_language(client, code)

    content = client.get(activity.get_absolute_url()).content.decode()

    assert f"<dd>{PUBLISHED_ON[code]}</dd>" in content


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "12\xa0345 activités"), ("en", "12,345 activities"), ("ru", "12\xa0345 мероприятий")],
)
def test_result_count_is_grouped_in_the_active_language(code, expected):
    """The listing's headline: one number, used for the plural and shown grouped."""
    from django.utils import translation

    headline = Template(
        "{% load i18n humanize %}"
        "{% blocktranslate count counter=n with shown=n|intcomma trimmed %}"
        "{{ shown }} activity{% plural %}{{ shown }} activities{% endblocktranslate %}"
    )

    with translation.override(code):
        text = headline.render(Context({"n": 12345}))

    assert text == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "fr"}, "Afrique"),
        ({"QUERY_STRING": "lang=zh-hans"}, "非洲"),
        ({"QUERY_STRING": "lang=es", "HTTP_ACCEPT_LANGUAGE": "fr"}, "África"),
        ({}, "Africa"),
    ],
)
def test_api_gives_reference_titles_in_the_language_asked(client, how, expected):
    response = client.get("/api/regions/africa/", **how)

    assert response.json()["title"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_contributor_login_in_each_language(client, code):
    from django.utils import translation

    in_language(client, code)
    direction = "rtl" if code == "ar" else "ltr"

    response = client.get(reverse("accounts:login"))

    with translation.override(code):
        log_in = translation.gettext("Log in")
    assert response.status_code == 200
    assert html_tag(response) == f'<html lang="{HTML_LANG[code]}" dir="{direction}">'
    assert f"<h1>{log_in}</h1>" in response.content.decode()
    assert code == "en" or log_in != "Log in"


# --- English text on pages in other languages --------------------------------------------


@pytest.mark.django_db
def test_english_names_and_titles_are_marked_on_an_arabic_page(client):
    from .factories import ReviewCycleFactory

    english_only = EntityFactory(acronym="APC", name_en="Association for Progressive Comms")
    EntityFactory(acronym="ITU", name_en="ITU", name_ar="الاتحاد الدولي للاتصالات")
    cycle = ReviewCycleFactory(slug="report-2024", title="2024 report")
    activity = ActivityFactory(entity=english_only, cycle=cycle, language="en")
    in_language(client, "ar")

    detail = client.get(activity.get_absolute_url()).content.decode()
    entities = client.get(reverse("entities:entity-list")).content.decode()
    listing = client.get(reverse("activities:activity-list")).content.decode()

    assert '<bdi lang="en" dir="ltr">Association for Progressive Comms</bdi>' in detail
    assert '<bdi lang="en" dir="ltr">2024 report</bdi>' in detail
    assert '<article class="activity" lang="en" dir="ltr">' in detail
    assert '<bdi lang="en" dir="ltr">Association for Progressive Comms</bdi>' in entities
    assert "<bdi>الاتحاد الدولي للاتصالات</bdi>" in entities
    assert re.search(r'<h3 class="card-title" id="activity-\d+" lang="en" dir="ltr">', listing)


@pytest.mark.django_db
def test_english_text_is_not_marked_on_an_english_page(client):
    entity = EntityFactory(acronym="APC", name_en="Association for Progressive Comms")
    in_language(client, "en")

    content = client.get(entity.get_absolute_url()).content.decode()

    assert "<h1><bdi>Association for Progressive Comms</bdi>" in content
    assert 'lang="en" dir="ltr"' not in content.split("<main", 1)[1].split("</main>")[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "prefix"),
    [("ar", "ar"), ("zh-hans", "zh"), ("en", "en"), ("fr", "fr"), ("ru", "ru"), ("es", "es")],
)
def test_document_symbols_link_to_the_un_in_the_page_language(client, code, prefix):
    from .factories import ReferenceFactory

    activity = ActivityFactory()
    ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132", label="Resolution")
    ReferenceFactory(activity=activity, url="https://example.org/r", symbol="E/2024/12")
    in_language(client, code)

    content = client.get(activity.get_absolute_url()).content.decode()

    assert (
        f'<a class="symbol" href="https://docs.un.org/{prefix}/A/RES/78/132" '
        'rel="noopener noreferrer" lang="en" dir="ltr">A/RES/78/132</a>'
    ) in content
    assert f'href="https://docs.un.org/{prefix}/E/2024/12"' in content
    assert 'href="https://example.org/r"' in content
