"""What the listing needs at a million activities: copies kept current, streaming exports."""

import gc
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from activities import caching, exports, facets
from activities.db import is_postgresql
from activities.filters import ActivityFilter
from activities.importer import import_dataset
from activities.models import ActionLine, Activity, Region
from wsis_site import db_router
from wsis_site.paging import Paginator

from .factories import ActivityFactory, EntityFactory, ReferenceFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    not is_postgresql(), reason="the copies are kept by PostgreSQL triggers"
)


def matches(activity, words):
    from django.contrib.postgres.search import SearchQuery

    query = SearchQuery(words, search_type="websearch", config="english")
    return Activity.objects.filter(pk=activity.pk, search_vector=query).exists()


def arrays(activity):
    activity.refresh_from_db()
    return {
        "action_line_ids": sorted(activity.action_line_ids),
        "region_ids": sorted(activity.region_ids),
        "entity_ids": activity.entity_ids,
    }


@postgres_only
class TestCopiesKeptByTheDatabase:
    def test_search_vector_follows_the_orm(self):
        activity = ActivityFactory(title="Satellite broadband", summary="Schools connected.")
        assert matches(activity, "satellites")

        activity.title = "Fibre backbone"
        activity.save()

        assert matches(activity, "fibre")
        assert not matches(activity, "satellite")

    def test_search_vector_follows_bulk_updates(self):
        activity = ActivityFactory(title="Old words")

        Activity.objects.filter(pk=activity.pk).update(description="Drones mapping farms")

        assert matches(activity, "drone")

    def test_search_vector_follows_the_import(self, dataset):
        import_dataset(dataset)
        activity = Activity.objects.get(source_id="A041")

        assert matches(activity, "broadband commission")

    def test_search_vector_follows_the_api(self, client, contributor, submission):
        from rest_framework.test import APIClient

        submission.start(by=contributor)
        api = APIClient()
        api.force_authenticate(contributor)
        created = api.post(
            "/api/activities/",
            {
                "submission": submission.pk,
                "title": "Telemedicine hubs",
                "summary": "Clinics linked.",
                "year": 2024,
                "action_lines": ["C7.e-health"],
            },
            format="json",
        ).json()
        activity = Activity.objects.get(pk=created["id"])
        assert matches(activity, "telemedicine")

        api.patch(f"/api/activities/{activity.pk}/", {"summary": "Hospitals"}, format="json")

        assert matches(activity, "hospital")

    def test_search_vector_follows_the_contributor_form(self, client, contributor, submission):
        submission.start(by=contributor)
        client.force_login(contributor)
        client.post(
            f"/contribute/{submission.cycle.slug}/ENTA/activities/new/",
            {
                "title": "Coding clubs for girls",
                "summary": "Weekly clubs.",
                "language": "en",
                "action_lines": [str(ActionLine.objects.get(code="C4").pk)],
                "year": "2024",
                "references-TOTAL_FORMS": "0",
                "references-INITIAL_FORMS": "0",
            },
        )

        assert matches(Activity.objects.get(), "coding clubs")

    def test_search_vector_follows_the_admin(self, client, manager):
        activity = ActivityFactory(title="Before", action_lines=["C1"])
        activity.title = "Cybersecurity drills"
        activity._history_user = manager
        activity.save()  # the admin saves through the model like this

        assert matches(activity, "drill")

    def test_arrays_follow_relations(self):
        itu, unesco = EntityFactory(acronym="ITU"), EntityFactory(acronym="UNESCO")
        activity = ActivityFactory(entity=itu, action_lines=["C7.e-health"], regions=["africa"])
        c7 = ActionLine.objects.get(code="C7")
        health = ActionLine.objects.get(code="C7.e-health")
        africa, europe = Region.objects.get(key="africa"), Region.objects.get(key="europe")

        first = arrays(activity)
        activity.regions.add(europe)
        activity.partners.add(unesco)
        activity.action_lines.remove(health)
        second = arrays(activity)
        activity.entity = unesco
        activity.save()
        third = arrays(activity)

        assert first == {
            "action_line_ids": sorted([c7.pk, health.pk]),
            "region_ids": [africa.pk],
            "entity_ids": [itu.pk],
        }
        assert second == {
            "action_line_ids": [],
            "region_ids": sorted([africa.pk, europe.pk]),
            "entity_ids": [itu.pk, unesco.pk],
        }
        assert third["entity_ids"] == [unesco.pk]

    def test_bulk_generated_rows_get_their_copies(self):
        call_command("generate_synthetic", activities=40, entities=3, verbosity=0)
        written = list(
            Activity.objects.order_by("pk").values_list(
                "action_line_ids", "region_ids", "sdg_ids", "theme_ids", "trend_ids", "entity_ids"
            )
        )

        # What the triggers compute from the join tables is what the generator wrote.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wsis_refresh_activity_arrays(ARRAY(SELECT id FROM activities_activity))"
            )
        recomputed = list(
            Activity.objects.order_by("pk").values_list(
                "action_line_ids", "region_ids", "sdg_ids", "theme_ids", "trend_ids", "entity_ids"
            )
        )
        assert written == recomputed
        assert not Activity.objects.filter(action_line_ids=[]).exists()
        assert not Activity.objects.filter(search_vector__isnull=True).exists()


def test_export_is_streamed_and_its_memory_does_not_grow_with_rows(client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 100)
    monkeypatch.setattr(exports, "LINES_PER_WRITE", 50)
    call_command("generate_synthetic", activities=1200, entities=5, verbosity=0)
    response = client.get("/activities/export.csv")
    assert response.streaming

    tracemalloc.start()
    held = {}
    rows = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        for mark in (300, 1200):
            if rows >= mark and mark not in held:
                gc.collect()  # what is still held, not garbage waiting for the collector
                held[mark] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    assert rows == 1201  # the header and every row
    assert held[1200] < 1.5 * held[300] + 200_000


def test_json_export_of_generated_rows_is_valid(client):
    call_command("generate_synthetic", activities=50, entities=3, verbosity=0)

    data = json.loads(b"".join(client.get("/activities/export.json").streaming_content))

    assert data["count"] == len(data["results"]) == 50
    assert all(record["action_lines"] and record["regions"] for record in data["results"])


def test_health(client):
    response = client.get("/health/")

    assert (response.status_code, response.content) == (200, b"ok")


class TestReplica:
    def decide(self, monkeypatch, **request):
        monkeypatch.setattr(db_router, "has_replica", lambda: True)
        seen = {}

        def view(req):
            seen["db"] = db_router.PublicReadsToReplica().db_for_read(Activity)
            return None

        db_router.PublicReadsMiddleware(view)(RequestFactory().generic(**request))
        return seen["db"]

    def test_anonymous_reads_go_to_the_replica(self, monkeypatch):
        assert self.decide(monkeypatch, method="GET", path="/activities/") == "replica"

    def test_writes_and_logged_in_users_stay_on_the_primary(self, monkeypatch):
        assert self.decide(monkeypatch, method="POST", path="/api/activities/") is None
        assert (
            self.decide(monkeypatch, method="GET", path="/api/", HTTP_AUTHORIZATION="Token abc")
            is None
        )

    def test_without_a_replica_everything_stays_on_the_primary(self):
        seen = {}

        def view(req):
            seen["db"] = db_router.PublicReadsToReplica().db_for_read(Activity)

        db_router.PublicReadsMiddleware(view)(RequestFactory().get("/"))
        assert seen["db"] is None


def test_redis_url_selects_the_shared_cache():
    env = {**os.environ, "SECRET_KEY": "x", "REDIS_URL": "redis://127.0.0.1:6379/3"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import wsis_site.settings as s; print(s.CACHES['default']['BACKEND'])",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )

    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


class TestDeepPages:
    """Pages are chosen by their ids first (wsis_site/paging.py): same rows, same order."""

    @pytest.mark.parametrize(
        "query",
        [
            {},
            {"ordering": "title"},
            {"ordering": "-published"},
            {"ordering": "entity"},
            {"q": "digital"},
            {"region": "global", "ordering": "-year"},
        ],
    )
    def test_a_page_holds_the_rows_of_a_plain_slice(self, query):
        call_command("generate_synthetic", activities=90, entities=4, verbosity=0)
        filterset = ActivityFilter(query)
        assert filterset.is_valid()
        expected = list(filterset.qs.values_list("pk", flat=True))
        assert len(expected) > 8
        paginator = Paginator(filterset.qs.with_card_data(), 8)

        for number in paginator.page_range:
            page = paginator.page(number)
            rows = list(page)
            assert [a.pk for a in rows] == expected[page.start_index() - 1 : page.end_index()]
        assert rows[0].entity.acronym  # the queryset's select_related is kept

    def test_a_deep_page_costs_the_queries_of_the_first(self, django_assert_num_queries):
        call_command("generate_synthetic", activities=60, entities=3, verbosity=0)
        paginator = Paginator(Activity.objects.published().with_card_data(), 5, count=60)

        # The page with entity and cycle; its action lines; its regions.
        for number in (1, 12):
            with django_assert_num_queries(3):
                assert len(list(paginator.page(number))) == 5


class TestCounts:
    def test_facets_of_related_pages_agree(self):
        call_command("generate_synthetic", activities=200, entities=5, verbosity=0)
        combinations = [
            {},
            {"region": "africa"},
            {"action_line": "C5"},
            {"region": "africa", "action_line": "C5"},
            {"region": ["africa", "europe"], "year": ["2020", "2024"]},
            {"year": "2024", "action_line": "C5"},
        ]

        def counts(query):
            filterset = ActivityFilter(query)
            assert filterset.is_valid()
            return filterset.facet_counts()

        shared = [counts(query) for query in combinations]

        for query, expected in zip(combinations, shared, strict=True):
            cache.clear()
            assert counts(query) == expected
        # A facet does not depend on its own filter.
        assert shared[1]["region"] == shared[0]["region"]
        assert shared[3]["region"] == shared[2]["region"]
        assert shared[3]["total"] == ActivityFilter(combinations[3]).qs.count()


class TestRefreshAfterChanges:
    def test_a_refreshed_snapshot_starts_a_process_without_building(
        self, client, django_assert_num_queries
    ):
        call_command("generate_synthetic", activities=30, entities=3, verbosity=0)
        facets.refresh()
        facets.reset()  # a process that starts now

        # The reference records for the sidebar (6), the version of the public data,
        # which the snapshot holds already (1), and the page with its action lines and
        # regions (3): no building.
        with django_assert_num_queries(6 + 1 + 3):
            response = client.get("/activities/")
        assert response.context["page"].paginator.count == 30

    def test_a_committed_change_schedules_a_refresh(
        self, monkeypatch, django_capture_on_commit_callbacks
    ):
        scheduled = []
        monkeypatch.setattr(facets, "refresh_soon", lambda: scheduled.append(1))

        entity = EntityFactory()
        with django_capture_on_commit_callbacks(execute=True):
            ActivityFactory(entity=entity, status=Activity.Status.DRAFT)
        assert not scheduled  # a draft: nothing public changed

        with django_capture_on_commit_callbacks(execute=True):
            ActivityFactory(entity=entity)
        assert scheduled

    def test_refreshing_waits_for_changes_to_stop_and_catches_up(self, settings, monkeypatch):
        settings.WARM_CACHE_AFTER_CHANGES = True
        monkeypatch.setattr(facets, "REFRESH_DELAY", 0.05)
        runs, release = [], threading.Event()

        def fake_refresh():
            runs.append(time.monotonic())
            if len(runs) == 1:
                facets.refresh_soon()  # a change while refreshing: again after it
                release.wait(5)

        monkeypatch.setattr(facets, "refresh", fake_refresh)
        monkeypatch.setattr(facets, "connections", type("C", (), {"close_all": lambda: None}))

        for _ in range(5):  # a burst of changes: one refresh
            facets.refresh_soon()
        for _ in range(100):
            if runs:
                break
            time.sleep(0.02)
        release.set()
        thread = facets._refreshing["thread"]
        if thread is not None:
            thread.join(5)

        assert len(runs) == 2
        assert facets._refreshing["thread"] is None

    def test_refreshing_is_off_unless_configured(self, settings, monkeypatch):
        settings.WARM_CACHE_AFTER_CHANGES = False
        monkeypatch.setattr(facets, "refresh", lambda: pytest.fail("refreshed"))

        facets.refresh_soon()

        assert facets._refreshing["thread"] is None


class TestWhatMovesTheCacheOn:
    """Only writes that can change what the public sees forget its cached pages."""

    def moved(self, write):
        before = caching.generation()
        write()
        return caching.generation() != before

    def test_contributors_drafts_leave_the_public_caches_alone(self):
        africa = Region.objects.get(key="africa")
        entity = EntityFactory()  # a new entity is a new filter value: that moves it on
        assert not self.moved(lambda: ActivityFactory(entity=entity, status=Activity.Status.DRAFT))
        draft = Activity.objects.get(status=Activity.Status.DRAFT)

        draft.title = "Renamed"
        assert not self.moved(draft.save)
        assert not self.moved(lambda: draft.regions.set([africa]))
        assert not self.moved(lambda: ReferenceFactory(activity=draft))
        assert not self.moved(draft.references.get().delete)
        assert not self.moved(draft.delete)

    def test_publishing_editing_withdrawing_and_deleting_published_work_do(self):
        africa = Region.objects.get(key="africa")
        draft = ActivityFactory(status=Activity.Status.DRAFT)

        draft.status, draft.published_at = Activity.Status.PUBLISHED, timezone.now()
        assert self.moved(draft.save)
        published = Activity.objects.get(pk=draft.pk)
        published.title = "Renamed"
        assert self.moved(published.save)
        assert self.moved(lambda: published.regions.set([africa]))
        assert self.moved(lambda: ReferenceFactory(activity=published))
        withdrawn = Activity.objects.get(pk=draft.pk)
        withdrawn.status, withdrawn.published_at = Activity.Status.DRAFT, None
        assert self.moved(withdrawn.save)

        # From the other side of a relation, or when the stored status is not known.
        assert self.moved(lambda: africa.activities.add(withdrawn))
        unknown = Activity.objects.only("id", "title").get(pk=draft.pk)
        unknown.title = "Again"
        assert self.moved(unknown.save)
        again = ActivityFactory()
        assert self.moved(again.delete)

    def test_a_withdrawn_activity_leaves_the_public_counts(self, client):
        activity = ActivityFactory(regions=["africa"])
        assert client.get("/activities/", {"region": "africa"}).context["page"].paginator.count == 1
        assert client.get("/api/activities/").json()["count"] == 1
        assert client.get("/stats/", {"region": "africa"}).context["total"] == 1

        activity = Activity.objects.get(pk=activity.pk)
        activity.status, activity.published_at = Activity.Status.DRAFT, None
        activity.save()

        assert client.get("/activities/", {"region": "africa"}).context["page"].paginator.count == 0
        assert client.get("/api/activities/").json()["count"] == 0
        assert client.get("/stats/", {"region": "africa"}).context["total"] == 0
