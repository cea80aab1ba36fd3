import csv
import io
import json

import pytest
from django.urls import reverse

from activities import facets
from activities.db import is_postgresql
from activities.models import Activity

from .factories import (
    ActivityFactory,
    EntityFactory,
    ReferenceFactory,
    ReviewCycleFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("activities:activity-list")
CSV = reverse("activities:activity-export-csv")
JSON = reverse("activities:activity-export-json")


def page_titles(response):
    return sorted(a.title for a in response.context["page"].object_list)


def export_titles(client, query=""):
    data = b"".join(client.get(JSON + query).streaming_content)
    return sorted(r["title"] for r in json.loads(data)["results"])


@pytest.fixture
def secret_draft():
    """Unpublished work that would leak if any public path forgot `published()`."""
    entity = EntityFactory(acronym="SECRET")
    return ActivityFactory(
        title="Secret draft broadband plan",
        entity=entity,
        action_lines=["C2"],
        regions=["africa"],
        sdgs=[9],
        status=Activity.Status.DRAFT,
    )


class TestHome:
    def test_home_shows_counts_and_latest(self, client, secret_draft):
        ActivityFactory(title="Visible work", action_lines=["C2"])
        ReviewCycleFactory(state="open", title="2025 call", deadline="2099-01-31T00:00Z")

        response = client.get("/")

        assert response.status_code == 200
        assert response.context["activity_count"] == 1
        assert [a.title for a in response.context["latest"]] == ["Visible work"]
        assert [c.title for c in response.context["open_cycles"]] == ["2025 call"]
        assert b"Secret draft" not in response.content


class TestListing:
    def test_listing_shows_published_only(self, client, secret_draft):
        ActivityFactory(title="Visible", action_lines=["C2"])

        response = client.get(LIST)

        assert response.status_code == 200
        assert page_titles(response) == ["Visible"]
        assert b"Secret draft" not in response.content
        assert b"SECRET" not in response.content

    def test_counts_never_include_drafts(self, client, secret_draft):
        ActivityFactory(action_lines=["C2"], regions=["europe"])

        response = client.get(LIST)

        counts = {
            (f["name"], o["value"]): o["count"]
            for f in response.context["facets"]
            for o in f["options"]
        }
        assert counts[("action_line", "C2")] == 1
        assert counts[("region", "africa")] == 0
        assert counts[("sdg", "9")] == 0
        assert ("entity", "SECRET") not in counts

    def test_filters_in_the_url_and_chips(self, client):
        ActivityFactory(title="Health", action_lines=["C7.e-health"], regions=["africa"])
        ActivityFactory(title="Other", action_lines=["C5"], regions=["africa"])

        response = client.get(LIST, {"action_line": "C7", "region": "africa"})

        assert page_titles(response) == ["Health"]
        chips = [(c["name"], c["value"]) for c in response.context["chips"]]
        assert chips == [("action_line", "C7"), ("region", "africa")]
        # Removing one chip keeps the other filter.
        assert b'href="?region=africa"' in response.content
        assert b'name="action_line" value="C7" id="f-action_line-7" checked' in response.content

    @pytest.mark.parametrize(
        ("query", "parameter"),
        [
            ("action_line=C99", b"action_line"),
            ("sdg=banana", b"sdg"),
            ("year=1200", b"year"),
            ("ordering=secret", b"ordering"),
        ],
    )
    def test_bad_parameter_gives_the_page_back_with_a_message(self, client, query, parameter):
        response = client.get(f"{LIST}?{query}")

        assert response.status_code == 400
        assert b"Some of the filters could not be used" in response.content
        assert b"<code>" + parameter + b"</code>" in response.content

    def test_page_past_the_end_is_a_404_with_a_message(self, client):
        ActivityFactory()

        response = client.get(LIST, {"page": "7"})

        assert response.status_code == 404
        assert b"There is no page 7; the results have 1." in response.content

    def test_page_not_a_number(self, client):
        response = client.get(LIST, {"page": "x"})

        assert response.status_code == 404
        assert b"The page number must be a whole number." in response.content

    def test_pagination_walks_all_results(self, client, settings):
        settings.ACTIVITIES_PER_PAGE = 2
        for n in range(5):
            ActivityFactory(title=f"A{n}")

        seen = []
        for number in (1, 2, 3):
            seen += page_titles(client.get(LIST, {"page": number, "ordering": "title"}))

        assert seen == ["A0", "A1", "A2", "A3", "A4"]

    def test_empty_result_shows_the_empty_state(self, client):
        response = client.get(LIST, {"year": "1999"})

        assert response.status_code == 200
        assert b"No published activity matches these filters." in response.content


def make_activities(n):
    entity = EntityFactory()
    for i in range(n):
        activity = ActivityFactory(
            entity=entity,
            partners=[EntityFactory()],
            action_lines=["C1", "C7.e-health"],
            regions=["africa", "global"],
            themes=["financing"],
            sdgs=[i % 17 + 1],
        )
        ReferenceFactory(activity=activity)


# A listing page's queries, when nothing is cached yet: the reference records for
# labels and filter values (action lines, regions, entities, SDGs, themes, trends: 6);
# the facet counts with the number of results, from the facet index, which only
# checks the version of the public data (1); the page and its action lines and
# regions (3). Then the whole page is cached for anonymous visitors until something
# changes: no query at all.
COLD = 6 + 1 + 3
WARM = 0


@pytest.mark.parametrize("n", [1, 3, 25])
def test_listing_query_count_does_not_grow_with_results(client, django_assert_num_queries, n):
    make_activities(n)
    facets.current()  # as in a process that has counted since the last change

    with django_assert_num_queries(COLD):
        response = client.get(LIST)
    with django_assert_num_queries(WARM):
        client.get(LIST)

    assert response.status_code == 200


@pytest.mark.parametrize("per_page", [2, 20])
def test_listing_query_count_does_not_grow_with_page_size(
    client, settings, django_assert_num_queries, per_page
):
    settings.ACTIVITIES_PER_PAGE = per_page
    make_activities(5)
    facets.current()
    query = {"action_line": "C1", "region": "africa", "sdg": "1"}

    with django_assert_num_queries(COLD):
        client.get(LIST, query)
    with django_assert_num_queries(WARM):
        client.get(LIST, query)


def test_logged_in_users_get_a_fresh_page_with_indexed_counts(
    client, contributor, django_assert_num_queries
):
    make_activities(3)
    client.get(LIST)
    client.force_login(contributor)

    # session and user; the version of the public data (the counts come from the facet
    # index, the reference records from the cache); the page and its action lines and
    # regions
    with django_assert_num_queries(6):
        response = client.get(LIST)

    assert b"alice" in response.content


def test_publishing_forgets_the_cached_counts(client):
    ActivityFactory(action_lines=["C5"])
    assert client.get(LIST).context["page"].paginator.count == 1

    ActivityFactory(action_lines=["C5"])

    assert client.get(LIST).context["page"].paginator.count == 2


class TestActivityDetail:
    def test_published_activity(self, client):
        activity = ActivityFactory(title="Open data portal", action_lines=["C3"])
        ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132", label="Resolution")

        response = client.get(activity.get_absolute_url())

        assert response.status_code == 200
        assert b"Open data portal" in response.content
        assert b"A/RES/78/132" in response.content
        assert b"?action_line=C3" in response.content

    def test_draft_is_not_found(self, client, secret_draft):
        response = client.get(secret_draft.get_absolute_url())

        assert response.status_code == 404
        assert secret_draft.title.encode() not in response.content

    def test_unknown_id_is_not_found(self, client):
        response = client.get("/activities/999999/")

        assert response.status_code == 404
        assert b"Not Found" in response.content


class TestEntities:
    def test_list_counts_published_only(self, client, secret_draft):
        itu = EntityFactory(acronym="ITU")
        ActivityFactory(entity=itu)

        response = client.get(reverse("entities:entity-list"))

        counts = {e.acronym: e.published_count for e in response.context["entities"]}
        assert counts == {"ITU": 1, "SECRET": 0}

    def test_list_filters_by_kind(self, client):
        EntityFactory(acronym="APC", kind="civil_society")
        EntityFactory(acronym="ITU", kind="un_specialized_agency")

        response = client.get(reverse("entities:entity-list"), {"kind": "civil_society"})

        assert [e.acronym for e in response.context["entities"]] == ["APC"]

    def test_list_bad_kind(self, client):
        response = client.get(reverse("entities:entity-list"), {"kind": "guild"})

        assert response.status_code == 400
        assert b"guild is not a known kind of entity." in response.content

    def test_detail_lists_led_and_partnered_work_apart(self, client, secret_draft):
        itu = EntityFactory(acronym="ITU", name_en="International Telecommunication Union")
        ActivityFactory(title="Led", entity=itu)
        ActivityFactory(title="Joined", entity=EntityFactory(acronym="APC"), partners=[itu])
        ActivityFactory(title="Draft", entity=itu, status=Activity.Status.DRAFT)
        ActivityFactory(title="Draft joined", partners=[itu], status=Activity.Status.DRAFT)

        response = client.get(itu.get_absolute_url())

        assert response.status_code == 200
        assert page_titles(response) == ["Led"]
        assert [a.title for a in response.context["partnered"]] == ["Joined"]
        assert response.context["partnered_count"] == 1
        content = response.content.decode()
        assert "Draft" not in content
        assert f'href="{LIST}?entity=ITU"' in content

    def test_detail_shows_website_description_and_published_reports_only(self, client):
        itu = EntityFactory(
            acronym="ITU", website="https://www.itu.int/", description="The UN agency for ICTs."
        )
        shown = ReviewCycleFactory(slug="report-2024", title="2024 report", symbol="A/79/62")
        SubmissionFactory(cycle=shown, entity=itu, state="published")
        # Work that could leak: a report not yet public, and a published report the
        # entity's submission never reached.
        open_cycle = ReviewCycleFactory(slug="report-2026", title="Open 2026 call", state="open")
        SubmissionFactory(cycle=open_cycle, entity=itu, state="published")
        other = ReviewCycleFactory(slug="report-2023", title="Report without ITU")
        SubmissionFactory(cycle=other, entity=itu, state="accepted")

        response = client.get(itu.get_absolute_url())

        content = response.content.decode()
        assert [c.slug for c in response.context["reports"]] == ["report-2024"]
        assert '<a href="https://www.itu.int/" rel="noopener noreferrer" dir="ltr">' in content
        assert "The UN agency for ICTs." in content
        assert 'href="/reports/report-2024/"' in content
        assert "Open 2026 call" not in content and "Report without ITU" not in content
        assert f"{LIST}?entity=ITU&amp;cycle=report-2024" in content

    @pytest.mark.parametrize("n", [1, 3])
    def test_detail_query_count_is_fixed(self, client, django_assert_num_queries, n):
        itu = EntityFactory(acronym="ITU")
        for _ in range(n):
            cycle = ReviewCycleFactory()
            SubmissionFactory(cycle=cycle, entity=itu, state="published")
            ActivityFactory(entity=itu, cycle=cycle, action_lines=["C5"], regions=["africa"])
            ActivityFactory(partners=[itu])

        # the entity; its children; the led page's count, rows, action lines and
        # regions; the partnered rows; the reports
        with django_assert_num_queries(8):
            response = client.get(itu.get_absolute_url())

        assert len(response.context["page"].object_list) == n
        assert response.context["partnered_count"] == n

    def test_acronym_with_a_slash(self, client):
        entity = EntityFactory(acronym="UN/CEFACT")

        response = client.get(entity.get_absolute_url())

        assert entity.get_absolute_url() == "/entities/UN/CEFACT/"
        assert response.status_code == 200

    def test_draft_only_entity_page_shows_no_drafts(self, client, secret_draft):
        response = client.get(secret_draft.entity.get_absolute_url())

        assert response.status_code == 200
        assert b"Secret draft" not in response.content

    def test_unknown_entity(self, client):
        response = client.get("/entities/NOBODY/")

        assert response.status_code == 404
        assert b"Not Found" in response.content


class TestExports:
    def test_exports_equal_the_listing(self, client, secret_draft):
        ActivityFactory(title="Health", action_lines=["C7.e-health"], regions=["africa"])
        ActivityFactory(title="Infra", action_lines=["C2"], regions=["africa"])
        ActivityFactory(title="Europe", action_lines=["C2"], regions=["europe"])
        query = "?action_line=C2&action_line=C7&region=africa"

        listed = page_titles(client.get(LIST + query))
        rows = list(
            csv.DictReader(
                io.StringIO(b"".join(client.get(CSV + query).streaming_content).decode("utf-8-sig"))
            )
        )

        assert listed == ["Health", "Infra"]
        assert sorted(r["title"] for r in rows) == listed
        assert export_titles(client, query) == listed

    def test_json_export_uses_public_keys(self, client):
        itu = EntityFactory(acronym="ITU")
        cycle = ReviewCycleFactory(slug="report-2024")
        activity = ActivityFactory(
            entity=EntityFactory(acronym="APC"),
            partners=[itu],
            action_lines=["C7.e-health"],
            regions=["africa"],
            themes=["financing"],
            trends=["digital_inclusion"],
            sdgs=[3],
            cycle=cycle,
        )
        ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132")

        data = json.loads(b"".join(client.get(JSON).streaming_content))

        record = data["results"][0]
        assert data["count"] == 1
        assert {
            k: record[k]
            for k in (
                "entity",
                "partners",
                "action_lines",
                "regions",
                "themes",
                "trends",
                "sdgs",
                "cycle",
                "status",
            )
        } == {
            "entity": "APC",
            "partners": ["ITU"],
            "action_lines": ["C7.e-health"],
            "regions": ["africa"],
            "themes": ["financing"],
            "trends": ["digital_inclusion"],
            "sdgs": [3],
            "cycle": "report-2024",
            "status": "published",
        }
        assert record["references"] == [{"url": None, "symbol": "A/RES/78/132", "label": ""}]
        assert record["url"] == f"http://testserver/activities/{activity.pk}/"

    def test_exports_never_contain_drafts(self, client, secret_draft):
        csv_text = b"".join(client.get(CSV).streaming_content)
        json_text = b"".join(client.get(JSON).streaming_content)

        assert b"Secret" not in csv_text
        assert json.loads(json_text) == {"count": 0, "filters": {}, "results": []}

    def test_csv_neutralises_formulas(self, client):
        ActivityFactory(title='=HYPERLINK("http://evil")', summary="+1+1")

        text = b"".join(client.get(CSV).streaming_content).decode("utf-8-sig")

        row = next(csv.DictReader(io.StringIO(text)))
        assert row["title"] == '\'=HYPERLINK("http://evil")'
        assert row["summary"] == "'+1+1"

    def test_bad_filter_answers_400_with_json(self, client):
        response = client.get(CSV, {"region": "atlantis"})

        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "region": ["Select a valid choice. atlantis is not one of the available choices."]
            }
        }

    def test_export_query_count_is_fixed(self, client, django_assert_num_queries):
        make_activities(3)
        facets.current()
        # The count (the facet index's version); the reference records (entities,
        # action lines, themes, trends, regions, SDGs: 6) and the cycles. SQLite: the
        # rows; for each chunk of them, partners, action lines, themes, trends,
        # regions, SDGs and references (7).
        # PostgreSQL: the rows, with their action lines and references, in one query;
        # and the savepoint of the export's transaction, taken and released (2).
        expected = 1 + 6 + 1 + (1 + 7 if not is_postgresql() else 1 + 2)
        with django_assert_num_queries(expected):
            b"".join(client.get(JSON).streaming_content)


def test_demo_dataset_listing_counts_match_the_dataset(client, report_2024, dataset_2024):
    def count(query):
        return client.get(LIST, query).context["page"].paginator.count

    records = dataset_2024["activities"]
    expected_c7 = sum(any(c.startswith("C7") for c in a["action_lines"]) for a in records)
    expected_health = sum("C7.e-health" in a["action_lines"] for a in records)
    expected_europe_c5 = sum(
        "europe" in a["regions"] and "C5" in a["action_lines"] for a in records
    )

    assert count({}) == 271
    assert count({"action_line": "C7"}) == expected_c7
    assert count({"action_line": "C7.e-health"}) == expected_health
    assert count({"action_line": "C5", "region": "europe"}) == expected_europe_c5
    assert expected_health < expected_c7 < 271
