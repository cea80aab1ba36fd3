"""The listing's page from the facet index: the same rows, in the same order, as
the database gives them."""

import random
import re

import pytest

from activities import db, facets
from activities.filters import ActivityFilter
from activities.models import Activity

from .factories import ActivityFactory
from .test_facet_index import random_filters, varied  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered(varied):  # noqa: F811
    """The varied activities, some with the paragraph of their report (some
    sharing one), most without, as imported and synthetic work are."""
    rng = random.Random(7)
    for activity in Activity.objects.order_by("pk"):
        paragraph = rng.choice([None, None, None, 3, 3, 12, 40])
        Activity.objects.filter(pk=activity.pk).update(source_paragraph=paragraph)
    facets.reset()  # update() bypasses the signals: read the index afresh
    return varied


def sql_order(filterset):
    return list(filterset.qs.values_list("id", flat=True))


def test_index_pages_equal_the_database_order_on_random_filters(numbered):
    entities, cycles = numbered
    rng = random.Random(2027)
    checked = 0
    while checked < 15:
        data = random_filters(rng, entities, cycles)
        data.pop("q", None)
        if not data:
            continue
        filterset = ActivityFilter(data)
        assert filterset.is_valid(), filterset.errors
        expected = sql_order(filterset)

        assert filterset.page_ids(0, len(expected) + 5) == expected, data
        for start in range(0, len(expected), 3):
            assert filterset.page_ids(start, start + 4) == expected[start : start + 4], data
        checked += 1


def test_index_pages_without_filters_hold_every_published_activity_in_order(numbered):
    filterset = ActivityFilter({})
    assert filterset.is_valid()
    expected = sql_order(filterset)

    assert filterset.page_ids(0, 1000) == expected
    assert set(expected) == set(Activity.objects.published().values_list("id", flat=True))


def test_another_order_is_left_to_the_database(numbered):
    for data in (
        {"ordering": "title"},
        {"ordering": "-year"},
        {"q": "broadband", "ordering": "title"},
    ):
        filterset = ActivityFilter(data)
        assert filterset.is_valid()

        assert filterset.page_ids(0, 20) is None, data


def test_a_search_is_ordered_by_the_word_index_where_there_is_one(numbered):
    filterset = ActivityFilter({"q": "broadband"})
    assert filterset.is_valid()
    expected = sql_order(filterset)

    if db.has_word_index():
        assert filterset.page_ids(0, 20) == expected[:20]
    else:  # SQLite: the database searches and orders
        assert filterset.page_ids(0, 20) is None


def test_listing_pages_show_the_database_order(client, numbered, settings):
    settings.ACTIVITIES_PER_PAGE = 4
    draft = ActivityFactory(status=Activity.Status.DRAFT, year=2024, title="Draft never listed")
    expected = sql_order(ActivityFilter({"year": ["2024", "2020"]}))
    shown = []
    for page in range(1, len(expected) // 4 + 2):
        response = client.get("/activities/", {"year": ["2024", "2020"], "page": page})
        assert response.status_code == 200
        shown += [int(pk) for pk in re.findall(r'id="activity-(\d+)"', response.content.decode())]

    assert shown == expected
    assert draft.pk not in shown


def test_a_search_ranked_among_its_results_keeps_the_order_and_the_rows(numbered, settings):
    entities, cycles = numbered
    rng = random.Random(2028)
    for _ in range(10):
        data = random_filters(rng, entities, cycles)
        data["q"] = rng.choice(["broadband", "security", "open data"])
        filterset = ActivityFilter(data)
        assert filterset.is_valid(), filterset.errors
        expected = list(filterset.qs.values_list("id", flat=True))

        narrowed = filterset.narrowed(filterset.qs)

        assert list(narrowed.values_list("id", flat=True)) == expected, data
        assert filterset.count() == len(expected), data


def test_the_sidebar_options_are_escaped_and_numbered_as_before():
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils.html import format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.translation import override

    from activities.templatetags.listing import facet_options

    facet = {
        "name": "entity",
        "options": [
            {
                "value": 'A&B "x"',
                "label": "<b>A</b>",
                "count": 5,
                "selected": True,
                "indent": False,
            },
            {
                "value": "C7.e-health",
                "label": "e-health",
                "count": 1234567,
                "selected": False,
                "indent": True,
            },
            {
                "value": "Z",
                "label": mark_safe("<i>safe</i>"),
                "count": 999,
                "selected": False,
                "indent": False,
            },
        ],
    }

    def before(facet):  # the template tag as it was written with format_html_join
        name = facet["name"]
        return format_html_join(
            "\n",
            '<li{}><input type="checkbox" name="{}" value="{}" id="f-{}-{}"{}>'
            '<label for="f-{}-{}"><span class="option-label">{}</span> '
            '<span class="count">{}</span></label></li>',
            (
                (
                    mark_safe(' class="indent"') if o["indent"] else "",
                    name,
                    o["value"],
                    name,
                    n,
                    mark_safe(" checked") if o["selected"] else "",
                    name,
                    n,
                    o["label"],
                    intcomma(o["count"]),
                )
                for n, o in enumerate(facet["options"], start=1)
            ),
        )

    for language in ("en", "fr", "ru", "ar", "zh-hans", "es"):
        with override(language):
            assert facet_options(facet) == before(facet), language
    assert "&lt;b&gt;A&lt;/b&gt;" in facet_options(facet)
