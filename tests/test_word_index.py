"""The word index (activities/words.py): a search answered from bitmaps finds
exactly what the database finds, in the same order, at every version of the
public data, and never anything unpublished."""

import random

import pytest
from pyroaring import BitMap

from activities import db, facets, words
from activities.filters import ActivityFilter
from activities.models import Activity

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    not db.is_postgresql(), reason="the word index is made of PostgreSQL's search vectors"
)

TEXTS = [
    ("en", "Broadband for schools", "Rural connectivity and skills.", ""),
    ("en", "Schools online", "Broadband in every school of the region.", "Open data portal."),
    ("en", "Open data for health", "Health statistics published as open data.", ""),
    ("en", "Cyber security week", "Security of networks; broadband operators joined.", ""),
    ("en", "Data protection", "Privacy rules.", "Open standards for data exchange."),
    ("fr", "Stratégies numériques nationales", "Données ouvertes et écoles.", ""),
    ("fr", "Le haut débit dans les écoles", "Connectivité rurale.", "Stratégie numérique."),
    ("es", "Datos abiertos", "Estrategias digitales y escuelas.", ""),
    ("zh-hans", "宽带连接在非洲", "学校的宽带。", ""),
    ("zh-hans", "非洲的学校", "开放数据和宽带接入。", ""),
    ("ru", "Цифровые навыки", "Школы и широкополосный доступ.", ""),
    ("en", "E-government services", "Online e-government portals.", ""),
    ("en", "Government online", "The e government of schools.", "E-health records."),
]
QUERIES = [
    "broadband",
    "schools",
    "broadband schools",
    "broadband or security",
    "broadband -schools",
    '"open data"',
    "open data",
    "numérique",
    "données écoles",
    "宽带",
    "宽带连接",
    "非洲宽带",
    "宽",
    "school 宽带",
    "-broadband",
    "the",
    "security or 非洲",
    "e-government",
    "e-government portals",
    '"e-government services"',
    "e-health -schools",
]


@pytest.fixture
def texts():
    rng = random.Random(19)
    made = []
    for i in range(60):
        language, title, summary, description = TEXTS[i % len(TEXTS)]
        made.append(
            ActivityFactory(
                status=Activity.Status.DRAFT if i % 7 == 3 else Activity.Status.PUBLISHED,
                language=language,
                title=title if i % 3 else f"{title} {i}",
                summary=summary,
                description=description,
                year=rng.choice([2019, 2020, 2024]),
                source_paragraph=rng.choice([None, None, 4, 9]),
            )
        )
    # Drafts holding every word searched for: they must never be found.
    for language, title, summary, _description in TEXTS:
        ActivityFactory(
            status=Activity.Status.DRAFT, language=language, title=title, summary=summary
        )
    return made


@pytest.fixture(autouse=True)
def _fresh_word_index():
    words.reset()
    words.snapshot_path().unlink(missing_ok=True)
    yield
    words.reset()
    words.snapshot_path().unlink(missing_ok=True)


def database_order(text, **filters):
    """What the database alone finds for ``text`` and ``filters``, in its order."""
    filterset = ActivityFilter({"q": text, **filters})
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("id", flat=True))


def index_order(text, **filters):
    filterset = ActivityFilter({"q": text, **filters})
    assert filterset.is_valid(), filterset.errors
    count = filterset.count()
    ids = filterset.page_ids(0, 10_000)
    return ids, count, filterset


@postgres_only
@pytest.mark.parametrize("min_docs", [1, 4, 10_000])
def test_a_search_from_the_index_equals_the_database(texts, monkeypatch, min_docs):
    # 1: every word in the index; 10,000: none (every word asked of the database).
    monkeypatch.setattr(words, "MIN_DOCS", min_docs)
    published = set(Activity.objects.published().values_list("id", flat=True))
    for text in QUERIES:
        for filters in ({}, {"year": ["2020", "2024"]}, {"language": ["en", "zh-hans"]}):
            expected = database_order(text, **filters)
            ids, count, filterset = index_order(text, **filters)

            assert filterset._match is not None, text
            assert ids == expected, (text, filters)
            assert count == len(expected), (text, filters)
            assert set(ids) <= published
            for start in (0, 3, 7):
                assert filterset.page_ids(start, start + 5) == expected[start : start + 5]


@postgres_only
def test_title_matches_come_first_then_the_usual_order(texts):
    ids, _count, _filterset = index_order("broadband")
    rows = {a.pk: a for a in Activity.objects.filter(pk__in=ids)}
    in_title = ["broadband" in rows[pk].title.lower() for pk in ids]

    assert in_title == sorted(in_title, reverse=True)
    assert any(in_title) and not all(in_title)


@postgres_only
def test_what_changed_since_the_index_was_made_is_searched_in_the_database(texts):
    index = words.update()
    made_at = (index.version, index.token)
    # After the index: a new publication, a withdrawal, an edited title.
    ActivityFactory(title="Broadband everywhere", year=2024)
    withdrawn = Activity.objects.published().filter(title__icontains="broadband").first()
    withdrawn.status = Activity.Status.DRAFT
    withdrawn.save()
    edited = Activity.objects.published().filter(title="Open data for health").first()
    edited.title = "Broadband and health"
    edited.save()
    facet_index = facets.current()
    assert (facet_index.version, facet_index.token) != made_at

    for text in ("broadband", "health", "open data", "broadband -schools"):
        match = words.search(index, text, facet_index, "default")
        filterset = ActivityFilter({"q": text})
        assert filterset.is_valid()
        assert set(match.ids) == set(database_order(text)), text
        tiers = facet_index.windows(match.tiers(match.ids), 0, 1000, db.nulls_last())
        assert tiers == database_order(text), text
    assert withdrawn.pk not in words.search(index, "broadband", facet_index, "default").ids


@postgres_only
def test_the_patched_index_equals_one_made_afresh(texts, monkeypatch):
    monkeypatch.setattr(words, "MIN_DOCS", 1)
    old = words.update()
    ActivityFactory(title="Satellite broadband", summary="Nouvelles écoles.", language="fr")
    first = Activity.objects.published().order_by("pk").first()
    first.title = "Renamed entirely"
    first.save()
    Activity.objects.published().order_by("-pk").first().delete()

    patched = words.update()
    built = words.WordIndex.build(Activity.objects.published(), patched.version, patched.token)

    assert patched is not old and patched.version > old.version
    assert patched.words == built.words
    assert patched.titles == built.titles
    assert patched.everything == built.everything


@postgres_only
def test_the_snapshot_starts_another_process(texts):
    written = words.update()
    words.reset()  # another process, started later

    loaded = words.load()

    assert loaded is not written
    assert (loaded.version, loaded.token) == (written.version, written.token)
    assert loaded.words == written.words and loaded.titles == written.titles


@postgres_only
def test_a_phrase_with_too_many_candidates_is_left_to_the_database(texts, monkeypatch):
    monkeypatch.setattr(words, "MAX_CHECKED", 1)
    filterset = ActivityFilter({"q": '"open data"'})
    assert filterset.is_valid()
    expected = list(filterset.qs.values_list("id", flat=True))

    assert filterset.count() == len(expected) > 1
    assert filterset._match is None
    assert filterset.page_ids(0, 20) is None  # the database orders the page


@postgres_only
def test_too_many_changes_since_the_index_leave_the_search_to_the_database(texts, monkeypatch):
    index = words.update()
    monkeypatch.setattr(words, "MAX_STALE", 0)
    ActivityFactory(title="Broadband again")

    assert words.search(index, "broadband", facets.current(), "default") is None


def test_the_listing_page_shows_the_same_search_either_way(client, texts):
    """The page (index or database) shows the database's rows in its order."""
    expected = database_order("broadband")
    response = client.get("/activities/", {"q": "broadband"})

    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].object_list] == expected[:20]
    assert response.context["page"].paginator.count == len(expected)


def test_sqlite_has_no_word_index(texts):
    if db.has_word_index():
        pytest.skip("PostgreSQL has one")
    filterset = ActivityFilter({"q": "broadband"})
    assert filterset.is_valid()
    filterset.count()

    assert filterset._match is None
    assert words.current() is None


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("'a'", ("word", "a", "'a'")),
        ("'a' & 'b'", ("and", [("word", "a", "'a'"), ("word", "b", "'b'")])),
        (
            "'a' | 'b' & !'c'",
            (
                "or",
                [
                    ("word", "a", "'a'"),
                    ("and", [("word", "b", "'b'"), ("not", ("word", "c", "'c'"))]),
                ],
            ),
        ),
        (
            "( 'a' | 'b' ) & 'c' <-> 'd'",
            (
                "and",
                [
                    ("or", [("word", "a", "'a'"), ("word", "b", "'b'")]),
                    ("phrase", [("word", "c", "'c'"), ("word", "d", "'d'")], ["<->"]),
                ],
            ),
        ),
        ("'宽':*", ("word", None, "'宽':*")),
        (
            "'it''s' <2> 'x'",
            ("phrase", [("word", "it's", "'it''s'"), ("word", "x", "'x'")], ["<2>"]),
        ),
    ],
)
def test_queries_are_read_as_postgresql_prints_them(query, tree):
    assert words.parse(query) == tree


@pytest.mark.parametrize("query", ["'a' &", "( 'a'", "'a' 'b'", "&", "'a' )"])
def test_a_query_that_cannot_be_read_is_refused(query):
    with pytest.raises(words.QuerySyntaxError):
        words.parse(query)


@postgres_only
def test_bitmaps_of_a_search_are_those_of_published_work_only(texts):
    facet_index = facets.current()
    index = words.update()
    for text in QUERIES:
        match = words.search(index, text, facet_index, "default")
        if match is not None:
            assert match.ids <= facet_index.everything
            assert match.titles <= match.ids or not match.ids
            assert isinstance(match.ids, BitMap)


@postgres_only
def test_a_hyphenated_word_is_searched_as_the_whole_word(texts):
    query = db.search_query("e-government")
    assert "( 'e-govern' )" in query and "<->" not in query  # no phrase of its parts
    found = {a.title for a in Activity.objects.published().search("e-government")}

    assert "E-government services" in found
    assert "Government online" not in found  # "e government", two words: as before


def test_a_node_is_written_back_as_the_query_it_was():
    for query in ("'a' <2> 'b' <-> !'c'", "( 'a' | 'b' ) & 'c':*", "!( 'a' & 'b' )"):
        tree = words.parse(query)
        assert words.parse(words._text(tree)) == tree


def test_the_api_lists_a_search_in_the_same_order(client, texts, settings):
    settings.API_PAGE_SIZE = 5
    expected = database_order("broadband")
    shown = []
    for page in (1, 2, 3):
        response = client.get("/api/activities/", {"q": "broadband", "page": page})
        if response.status_code == 404:
            break
        assert response.status_code == 200
        assert response.json()["count"] == len(expected)
        shown += [row["id"] for row in response.json()["results"]]

    assert shown == expected[:15]


@postgres_only
def test_after_a_change_the_refresh_brings_the_word_index_and_its_snapshot_forward(texts):
    old = words.update()
    ActivityFactory(title="Broadband satellites")

    facets.refresh()  # what the process that saw the change runs in the background

    index = facets.current()
    assert (words.current().version, words.current().token) == (index.version, index.token)
    words.reset()
    assert words.load().version == index.version > old.version


@postgres_only
def test_the_words_the_index_leaves_out_are_asked_of_the_database_in_one_query(
    texts, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(words, "MIN_DOCS", 10_000)  # every word left out
    index = words.update()
    facet_index = facets.current()
    for text in ("broadband", "broadband schools security data online"):
        with django_assert_max_num_queries(2):  # the readings of the words, then their rows
            match = words.search(index, text, facet_index, "default")
        assert sorted(match.ids) == sorted(database_order(text)), text
