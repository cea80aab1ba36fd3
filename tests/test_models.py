import pytest
from django.db import IntegrityError, transaction

from activities.models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend
from entities.models import Entity

from .factories import ActivityFactory, EntityFactory, ReferenceFactory

pytestmark = pytest.mark.django_db


def test_reference_data_is_loaded_by_migrations():
    top = ActionLine.objects.top_level()

    assert [line.code for line in top] == [f"C{n}" for n in range(1, 12)]
    assert ActionLine.objects.get(code="C7").children.count() == 8
    assert ActionLine.objects.get(code="C7.e-health").parent.code == "C7"
    assert Theme.objects.count() == 3
    assert Trend.objects.count() == 6
    assert list(Region.objects.values_list("key", flat=True)) == [
        "africa",
        "asia_pacific",
        "western_asia",
        "europe",
        "latin_america_caribbean",
        "global",
    ]
    assert SDG.objects.count() == 17


def test_reference_titles_in_english_and_chinese():
    line = ActionLine.objects.get(code="C2")

    assert line.title_en == "Information and communication infrastructure"
    assert line.title_zh == "信息和通信基础设施"


def test_title_follows_the_active_language():
    from django.utils import translation

    region = Region.objects.get(key="africa")
    trend = Trend.objects.create(key="evolving_internet", title_en="The evolving Internet")
    with translation.override("zh-hans"):
        zh = region.title
    with translation.override("fr"):
        fr = region.title
        fallback = trend.title  # no French title: falls back to English

    assert (zh, fr, fallback) == ("非洲", "Afrique", "The evolving Internet")


def test_published_excludes_drafts():
    published = ActivityFactory()
    ActivityFactory(status=Activity.Status.DRAFT)

    assert list(Activity.objects.published()) == [published]


def test_for_action_line_parent_includes_sub_areas():
    health = ActivityFactory(action_lines=["C7.e-health"])
    c7 = ActivityFactory(action_lines=["C7"])
    ActivityFactory(action_lines=["C5"])

    assert set(Activity.objects.for_action_line("C7")) == {health, c7}
    assert list(Activity.objects.for_action_line("C7.e-health")) == [health]


def test_for_entity_matches_lead_and_partners():
    itu = EntityFactory(acronym="ITU")
    led = ActivityFactory(entity=itu)
    joined = ActivityFactory(partners=[itu])
    ActivityFactory()

    assert set(Activity.objects.for_entity("ITU")) == {led, joined}


def test_published_activity_needs_a_publication_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(status=Activity.Status.PUBLISHED, published_at=None)


def test_year_outside_range_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(year=1800)


def test_reference_needs_url_or_symbol():
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferenceFactory(url="", symbol="")


def test_entity_acronym_is_unique_ignoring_case():
    EntityFactory(acronym="ITU")

    with pytest.raises(IntegrityError), transaction.atomic():
        Entity.objects.create(acronym="itu", name_en="Other", kind=Entity.Kind.ACADEMIA)


def test_entity_published_counts_cover_lead_and_partner_work():
    itu = EntityFactory(acronym="ITU")
    ActivityFactory(entity=itu)
    ActivityFactory(partners=[itu])
    ActivityFactory(entity=itu, status=Activity.Status.DRAFT)

    assert Entity.objects.with_published_counts().get(pk=itu.pk).published_count == 2


def test_reference_str_prefers_label():
    assert str(Reference(label="Report", url="https://example.org")) == "Report"
    assert str(Reference(symbol="A/RES/78/132")) == "A/RES/78/132"
