"""The facet index (activities/facets.py): its counts are plain SQL counts, it holds
published work only, and it follows publications and withdrawals in every process."""

import random

import pytest
from django.db import transaction

from activities import changes, facets
from activities.filters import ActivityFilter
from activities.models import SDG, ActionLine, Activity, PublicDataChange, Region, Theme, Trend
from entities.models import Entity
from reviews.models import ReviewCycle

from .factories import ActivityFactory, EntityFactory, ReviewCycleFactory, move

pytestmark = pytest.mark.django_db

LINES = ["C1", "C2", "C5", "C7", "C7.e-health", "C7.e-learning", "C11"]
REGIONS = ["africa", "europe", "global", "asia_pacific"]
THEMES = ["internet_governance", "financing"]
TRENDS = ["artificial_intelligence", "digital_inclusion"]


@pytest.fixture
def varied():
    """Published activities with varied facets, and drafts just like them that
    could leak into the counts."""
    rng = random.Random(18)
    kinds = [Entity.Kind.UN_SPECIALIZED_AGENCY, Entity.Kind.CIVIL_SOCIETY, Entity.Kind.GOVERNMENT]
    entities = [EntityFactory(acronym=f"VAR{i}", kind=kinds[i % 3]) for i in range(6)]
    cycles = [ReviewCycleFactory(slug=f"varied-{i}") for i in range(2)]
    for i in range(40):
        ActivityFactory(
            status=Activity.Status.PUBLISHED if i % 4 else Activity.Status.DRAFT,
            entity=rng.choice(entities),
            partners=rng.sample(entities, rng.choice([0, 0, 1, 2])),
            action_lines=rng.sample(LINES, rng.choice([1, 1, 2])),
            regions=rng.sample(REGIONS, rng.choice([0, 1, 2])),
            themes=rng.sample(THEMES, rng.choice([0, 0, 1])),
            trends=rng.sample(TRENDS, rng.choice([0, 1])),
            sdgs=rng.sample(range(1, 18), rng.choice([0, 1, 3])),
            year=rng.choice([2019, 2020, 2023, 2024]),
            language=rng.choice(["en", "fr", "zh-hans"]),
            cycle=rng.choice([*cycles, None]),
            title=rng.choice(["Broadband for schools", "Cyber security", "Open data"]),
        )
    return entities, cycles


def random_filters(rng, entities, cycles):
    choices = {
        "action_line": LINES,
        "region": REGIONS,
        "sdg": [str(n) for n in range(1, 18)],
        "theme": THEMES,
        "trend": TRENDS,
        "year": ["2019", "2020", "2023", "2024"],
        "entity": [e.acronym for e in entities],
        "entity_kind": [e.kind for e in entities],
        "language": ["en", "fr", "zh-hans"],
        "cycle": [c.slug for c in cycles],
        "q": ["broadband", "security"],
    }
    data = {}
    for name in rng.sample(sorted(choices), rng.choice([1, 2, 3])):
        data[name] = rng.sample(choices[name], 1 if name == "q" else rng.choice([1, 1, 2]))
    return {name: values[0] if name == "q" else values for name, values in data.items()}


def sql_count(data):
    """The plain SQL count of what ``data`` selects: the FilterSet's queryset."""
    filterset = ActivityFilter(data)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


FACET_VALUES = {
    "action_line": lambda: [(line.pk, line.code) for line in ActionLine.objects.all()],
    "region": lambda: [(r.pk, r.key) for r in Region.objects.all()],
    "sdg": lambda: [(s.pk, str(s.number)) for s in SDG.objects.all()],
    "theme": lambda: [(t.pk, t.key) for t in Theme.objects.all()],
    "trend": lambda: [(t.pk, t.key) for t in Trend.objects.all()],
    "entity": lambda: [(e.pk, e.acronym) for e in Entity.objects.all()],
    "entity_kind": lambda: [(k, k) for k in Entity.Kind.values],
    "year": lambda: [(y, str(y)) for y in (2019, 2020, 2023, 2024)],
    "language": lambda: [(c, c) for c in ("en", "fr", "zh-hans", "ar")],
}


def test_index_counts_equal_plain_sql_counts_on_random_filter_combinations(varied):
    entities, cycles = varied
    rng = random.Random(2026)
    values = {facet: make() for facet, make in FACET_VALUES.items()}

    for _ in range(12):
        data = random_filters(rng, entities, cycles)
        filterset = ActivityFilter(data)
        assert filterset.is_valid(), (data, filterset.errors)
        counts = filterset.facet_counts()

        assert counts["total"] == sql_count(data), data
        for facet, pairs in values.items():
            others = {name: value for name, value in data.items() if name != facet}
            expected = {key: sql_count({**others, facet: [value]}) for key, value in pairs}
            got = {key: counts[facet].get(key, 0) for key, _value in pairs}
            assert got == expected, (data, facet)


def test_index_holds_published_work_only(varied):
    draft = ActivityFactory(status=Activity.Status.DRAFT, regions=["europe"], year=1999)

    index = facets.current()

    assert draft.pk not in index.everything
    assert all(draft.pk not in b for keyed in index.bitmaps.values() for b in keyed.values())
    assert len(index) == Activity.objects.published().count()
    assert ActivityFilter({"year": ["1999"]}).count() == 0


def test_a_count_reads_only_the_version_when_the_index_is_current(
    varied, django_assert_num_queries
):
    facets.current()
    filterset = ActivityFilter({"region": ["africa"], "year": ["2023"]})
    filterset.is_valid()

    with django_assert_num_queries(1):  # the version of the public data
        counts = filterset.facet_counts()

    assert counts["total"] == sql_count({"region": ["africa"], "year": ["2023"]})


def test_publication_and_withdrawal_reach_an_index_built_before_them(
    submission, contributor, reviewer, manager
):
    move(submission, "draft", contributor=contributor, reviewer=reviewer, manager=manager)
    activity = ActivityFactory(
        status=Activity.Status.DRAFT, submission=submission, entity=submission.entity, year=1998
    )
    before = facets.current()  # as another process would hold it
    submission.save_answers({"trends": "T", "achievements": "A", "obstacles": "O"}, by=contributor)
    submission.submit(by=contributor)
    submission.take_up(by=reviewer)
    submission.accept(by=reviewer)

    submission.publish(by=manager)

    after = facets.current()
    assert activity.pk in after.everything
    assert activity.pk not in before.everything  # the old one was left as it was
    assert ActivityFilter({"year": ["1998"]}).count() == 1

    submission.reopen(by=manager, comment="A figure is wrong.")

    assert activity.pk not in facets.current().everything
    assert ActivityFilter({"year": ["1998"]}).count() == 0


def test_another_process_catches_up_by_patching_the_changed_ids(varied):
    old = facets.current()
    activity = Activity.objects.published().first()

    activity.year = 1997
    activity.save()
    facets._state["index"] = old  # a process that has not counted since

    index = facets.current()
    assert index is not old
    assert activity.pk in index.select("year", [1997])
    assert activity.pk not in index.select("year", [2019, 2020, 2023, 2024])
    assert index.version == old.version + 1


def test_a_rolled_back_change_is_never_taken_for_a_committed_one(varied):
    facets.current()
    try:
        with transaction.atomic():
            ActivityFactory(year=1996)
            assert ActivityFilter({"year": ["1996"]}).count() == 1  # read inside
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    ActivityFactory(year=1995)  # the same version number again, with another token

    assert ActivityFilter({"year": ["1996"]}).count() == 0
    assert ActivityFilter({"year": ["1995"]}).count() == 1


def test_changes_within_a_transaction_after_a_count_get_a_version_of_their_own(varied):
    with transaction.atomic():
        activity = ActivityFactory(year=1994)
        assert ActivityFilter({"year": ["1994"]}).count() == 1
        activity.regions.set(Region.objects.filter(key="europe"))

        assert ActivityFilter({"year": ["1994"], "region": ["europe"]}).count() == 1


def test_a_process_behind_the_kept_log_rebuilds(varied):
    old = facets.current()
    ActivityFactory(year=1993)
    PublicDataChange.objects.all().delete()  # as if pruned
    facets._state["index"] = old

    assert ActivityFilter({"year": ["1993"]}).count() == 1


def test_a_change_of_anything_rebuilds(varied):
    facets.current()
    Activity.objects.filter(year=2019).update(year=1992)  # no signals: the writer says so
    changes.published_work_changed()

    assert ActivityFilter({"year": ["1992"]}).count() == sql_count({"year": ["1992"]}) > 0


def test_an_entity_changing_kind_moves_its_activities(varied):
    entities, _cycles = varied
    facets.current()
    entity = entities[0]

    entity.kind = Entity.Kind.ACADEMIA
    entity.save()

    data = {"entity_kind": [Entity.Kind.ACADEMIA]}
    assert ActivityFilter(data).count() == sql_count(data) > 0


def test_the_snapshot_starts_a_process_with_the_same_counts(varied, django_assert_num_queries):
    data = {"action_line": ["C7"], "region": ["global"]}
    expected = ActivityFilter(data)
    expected.is_valid()
    expected = expected.facet_counts()
    facets.save_snapshot()
    facets.reset()  # a new process

    filterset = ActivityFilter(data)
    filterset.is_valid()
    with django_assert_num_queries(1):  # the version: the snapshot is current
        counts = filterset.facet_counts()

    assert counts == expected


def test_a_damaged_snapshot_is_built_again(varied, settings):
    facets.snapshot_path().parent.mkdir(parents=True, exist_ok=True)
    facets.snapshot_path().write_bytes(b"not a snapshot")
    facets.reset()

    assert ActivityFilter({}).count() == Activity.objects.published().count()


def test_an_old_snapshot_is_patched_forward(varied):
    facets.save_snapshot()
    ActivityFactory(year=1991)
    facets.reset()

    assert ActivityFilter({"year": ["1991"]}).count() == 1


def test_cycles_are_counted_for_the_twenty_year_view(varied):
    from activities import stats

    _entities, cycles = varied
    filterset = ActivityFilter({"year": ["2023"]})
    filterset.is_valid()

    counts = stats.trend_counts(filterset)

    expected = [
        (c.slug, c.title, c.reporting_year, sql_count({"cycle": [c.slug]}))
        for c in ReviewCycle.objects.filter(activities__status="published")
        .distinct()
        .order_by("reporting_year", "slug")
    ]
    assert counts["cycle"] == expected
    assert counts["year"] == {
        y: sql_count({"year": [str(y)]})
        for y in (2019, 2020, 2023, 2024)
        if sql_count({"year": [str(y)]})
    }
