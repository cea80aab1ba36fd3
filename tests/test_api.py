import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from activities import exports, facets
from activities.exports import activity_record
from activities.filters import ActivityFilter
from activities.models import Activity
from entities.models import Entity
from reviews.models import ReviewCycle

from .factories import ActivityFactory, EntityFactory, ReferenceFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/activities/"
PAGE = reverse("activities:activity-list")
PROFILE = reverse("account-profile")
REGENERATE = reverse("account-token-regenerate")


@pytest.fixture(autouse=True)
def _api_settings(settings):
    # Throttling counts live in the cache: start every test with none, and
    # with rates no test reaches unless it means to.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "10000/minute"},
    }
    settings.API_PAGE_SIZE = 20
    settings.API_MAX_PAGE_SIZE = 100
    cache.clear()
    yield
    cache.clear()


def ids(response):
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def staff():
    """A secretariat reviewer: sees everything, changes nothing."""
    from reviews.rules import REVIEWERS

    from .factories import UserFactory

    return UserFactory(username="secretariat", groups=[REVIEWERS], is_staff=True)


@pytest.fixture
def member():
    """A logged-in user who is not secretariat staff."""
    return get_user_model().objects.create_user("focal", password="x" * 12)


@pytest.fixture
def secret_draft():
    """Unpublished work that would leak if the API forgot `visible_to`."""
    return ActivityFactory(
        title="Secret draft broadband plan",
        entity=EntityFactory(acronym="SECRET"),
        action_lines=["C2"],
        regions=["africa"],
        status=Activity.Status.DRAFT,
    )


# --- Shapes ------------------------------------------------------------------


@pytest.fixture
def full_activity():
    itu = EntityFactory(acronym="ITU")
    partner = EntityFactory(acronym="UN/CEFACT")
    cycle = ReviewCycleFactory(slug="report-2024")
    activity = ActivityFactory(
        title="Broadband for schools",
        summary="Connected 300 schools.",
        description="Longer text.",
        entity=itu,
        partners=[partner],
        action_lines=["C2", "C7.e-learning"],
        themes=["financing"],
        trends=["digital_inclusion"],
        regions=["africa"],
        sdgs=[4, 9],
        year=2023,
        start_date="2023-01-01",
        end_date="2023-12-31",
        activity_type=Activity.Type.PROGRAMME,
        implementation=Activity.Implementation.COMPLETED,
        cycle=cycle,
    )
    ReferenceFactory(activity=activity, url="https://example.org/a", label="Site", position=0)
    ReferenceFactory(
        activity=activity, url="", symbol="A/RES/78/132", label="Resolution", position=1
    )
    return Activity.objects.get(pk=activity.pk)


def test_activity_list_shape(client, full_activity):
    response = client.get(ACTIVITIES)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert body["results"] == [
        {
            "id": full_activity.pk,
            "title": "Broadband for schools",
            "summary": "Connected 300 schools.",
            "description": "Longer text.",
            "entity": "ITU",
            "partners": ["UN/CEFACT"],
            "action_lines": ["C2", "C7.e-learning"],
            "themes": ["financing"],
            "trends": ["digital_inclusion"],
            "regions": ["africa"],
            "sdgs": [4, 9],
            "year": 2023,
            "start_date": "2023-01-01",
            "end_date": "2023-12-31",
            "activity_type": "programme",
            "implementation": "completed",
            "language": "en",
            "references": [
                {"url": "https://example.org/a", "symbol": None, "label": "Site"},
                {"url": None, "symbol": "A/RES/78/132", "label": "Resolution"},
            ],
            "status": "published",
            "submission": None,
            "cycle": "report-2024",
            "url": f"http://testserver/activities/{full_activity.pk}/",
            "published_at": body["results"][0]["published_at"],
            "updated_at": body["results"][0]["updated_at"],
        }
    ]


def test_activity_detail_is_the_list_record(client, full_activity):
    listed = client.get(ACTIVITIES).json()["results"][0]

    response = client.get(f"{ACTIVITIES}{full_activity.pk}/")

    assert response.status_code == 200
    assert response.json() == listed


def test_activity_agrees_with_the_json_export(client, full_activity):
    record = activity_record(
        Activity.objects.with_export_data().get(pk=full_activity.pk),
        lambda path: f"http://testserver{path}",
    )

    data = client.get(f"{ACTIVITIES}{full_activity.pk}/").json()

    shared = set(record) - {"published_at"}
    assert {k: data[k] for k in shared} == {k: record[k] for k in shared}
    assert data["published_at"].replace("Z", "+00:00") == record["published_at"]


def test_the_streamed_export_records_are_the_activity_records(full_activity):
    # On PostgreSQL the export reads arrays, JSON and cached records instead of
    # model instances; what it writes must not differ.
    ActivityFactory(
        title="=SUM(A1)",
        action_lines=["C7.e-health", "C1", "C7"],
        regions=["global", "africa", "europe"],
        sdgs=[17, 3],
        # Listed by acronym, whatever the order of their ids.
        partners=[EntityFactory(acronym="ZZZ"), EntityFactory(acronym="AAA")],
        cycle=None,
    )
    ActivityFactory(regions=[], partners=[], action_lines=["C3"], cycle=None)
    published = Activity.objects.published()

    def build_url(path):
        return f"http://testserver{path}"

    expected = [activity_record(a, build_url) for a in published.with_export_data()]
    assert list(exports._records(published, build_url)) == expected
    assert len(expected) == 3
    assert any(record["partners"] == ["AAA", "ZZZ"] for record in expected)

    # The CSV, which PostgreSQL writes straight from the rows.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exports.FIELDS)
    writer.writerows(exports._cells(record) for record in expected)
    expected_file = ("\ufeff" + buffer.getvalue()).encode()
    assert b"".join(exports.csv_lines(published, build_url)) == expected_file
    assert "'=SUM(A1)" in buffer.getvalue()


def test_activity_has_no_personal_data(client, full_activity, staff):
    Activity.objects.filter(pk=full_activity.pk).update(created_by=staff, updated_by=staff)

    response = client.get(f"{ACTIVITIES}{full_activity.pk}/")

    assert b"secretariat" not in response.content
    assert "created_by" not in response.json()


def test_api_root_lists_the_endpoints(client):
    response = client.get("/api/")

    assert sorted(response.json()) == [
        "action-lines",
        "activities",
        "cycles",
        "entities",
        "mandate-updates",
        "mandates",
        "regions",
        "sdgs",
        "submissions",
        "themes",
        "trends",
    ]


@pytest.mark.parametrize(
    ("acronym", "path"),
    [
        ("UN/CEFACT", "UN/CEFACT"),
        ("UN/CEFACT", "UN%2FCEFACT"),
        ("World Bank", "World Bank"),
        ("World Bank", "World%20Bank"),
        ("ITU", "ITU"),
    ],
)
def test_entity_detail_by_acronym(client, acronym, path):
    entity = EntityFactory(
        acronym=acronym, name_en=f"The {acronym}", kind=Entity.Kind.UN_SPECIALIZED_AGENCY
    )
    ActivityFactory(entity=entity)
    ActivityFactory(entity=entity, status=Activity.Status.DRAFT)

    response = client.get(f"/api/entities/{path}/")

    assert response.status_code == 200
    assert response.json() == {
        "acronym": acronym,
        "name": f"The {acronym}",
        "short_name": acronym,
        "kind": "un_specialized_agency",
        "parent": None,
        "website": "",
        "description": "",
        "is_active": True,
        "published_count": 1,
        "url": "http://testserver" + entity.get_absolute_url(),
    }


def test_entity_list_gives_parents_by_acronym_and_no_focal_points(client, member):
    un = EntityFactory(acronym="UN")
    desa = EntityFactory(acronym="DESA", parent=un)
    desa.memberships.create(user=member)

    response = client.get("/api/entities/")

    rows = {row["acronym"]: row for row in response.json()["results"]}
    assert (rows["DESA"]["parent"], rows["UN"]["parent"]) == ("UN", None)
    assert b"focal" not in response.content


def test_entity_unknown_is_a_json_404(client):
    response = client.get("/api/entities/NOPE/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No Entity matches the given query."}


def test_action_lines_nest_sub_areas(client):
    response = client.get("/api/action-lines/")

    rows = response.json()["results"]
    assert [row["code"] for row in rows] == [f"C{n}" for n in range(1, 12)]
    c7 = rows[6]
    assert c7["parent"] is None
    assert [area["code"] for area in c7["sub_areas"]] == [
        "C7.e-government",
        "C7.e-business",
        "C7.e-learning",
        "C7.e-health",
        "C7.e-employment",
        "C7.e-environment",
        "C7.e-agriculture",
        "C7.e-science",
    ]
    assert c7["sub_areas"][3] == {"code": "C7.e-health", "title": "E-health"}


def test_action_line_detail_by_code(client):
    response = client.get("/api/action-lines/C7.e-health/")

    assert response.json() == {
        "code": "C7.e-health",
        "title": "E-health",
        "parent": "C7",
        "sub_areas": [],
    }


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("/api/themes/", "key", ["financing", "internet_governance", "measurement"]),
        (
            "/api/regions/",
            "key",
            [
                "africa",
                "asia_pacific",
                "western_asia",
                "europe",
                "latin_america_caribbean",
                "global",
            ],
        ),
        ("/api/sdgs/", "number", list(range(1, 18))),
    ],
)
def test_taxonomy_lists(client, path, key, expected):
    response = client.get(path)

    assert [row[key] for row in response.json()["results"]] == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/themes/internet_governance/", {"key": "internet_governance"}),
        ("/api/trends/artificial_intelligence/", {"key": "artificial_intelligence"}),
        ("/api/regions/africa/", {"key": "africa", "title": "Africa"}),
        ("/api/sdgs/3/", {"number": 3, "title": "Good health and well-being"}),
    ],
)
def test_taxonomy_detail_by_key(client, path, expected):
    response = client.get(path)

    assert response.status_code == 200
    assert expected.items() <= response.json().items()


def test_titles_come_in_the_language_asked_for(client):
    response = client.get("/api/action-lines/C7.e-health/", headers={"accept-language": "zh-hans"})

    assert response.json()["title"] == "电子卫生"
    assert response["Content-Language"] == "zh-hans"


def test_cycles_show_public_fields_and_summary_once_published(client):
    ReviewCycleFactory(
        slug="report-2024",
        state=ReviewCycle.State.PUBLISHED,
        summary="Published summary",
        introduction="Published introduction",
        reporting_year=2023,
    )
    ReviewCycleFactory(
        slug="call-2025",
        state=ReviewCycle.State.OPEN,
        summary="Draft summary",
        conclusions="Draft conclusions",
        reporting_year=2024,
        deadline="2099-01-31T00:00Z",
    )

    response = client.get("/api/cycles/")

    rows = response.json()["results"]
    assert [(row["slug"], row["summary"]) for row in rows] == [
        ("call-2025", None),
        ("report-2024", "Published summary"),
    ]
    assert sorted(rows[0]) == [
        "deadline",
        "kind",
        "opens_on",
        "questions",
        "report_date",
        "reporting_year",
        "slug",
        "state",
        "summary",
        "symbol",
        "title",
    ]
    assert rows[0]["deadline"] == "2099-01-31T00:00:00Z"
    assert b"Draft" not in response.content
    assert b"introduction" not in response.content


def test_cycle_detail_by_slug(client):
    ReviewCycleFactory(slug="report-2024", title="2024 report")

    response = client.get("/api/cycles/report-2024/")

    assert response.json()["title"] == "2024 report"


@pytest.mark.parametrize("path", ["/api/nothing/", "/api/activities/abc/", "/api/sdgs/x/"])
def test_unknown_api_address_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_writes_are_refused(client, full_activity):
    response = client.delete(f"{ACTIVITIES}{full_activity.pk}/")

    assert response.status_code == 401
    assert Activity.objects.filter(pk=full_activity.pk).exists()


# --- Filters: the same as the page --------------------------------------------


@pytest.fixture
def listing():
    itu = EntityFactory(acronym="ITU", kind=Entity.Kind.UN_SPECIALIZED_AGENCY)
    apc = EntityFactory(acronym="APC", kind=Entity.Kind.CIVIL_SOCIETY)
    cycle = ReviewCycleFactory(slug="report-2024")
    ActivityFactory(
        title="Telemedicine",
        entity=itu,
        action_lines=["C7.e-health"],
        regions=["africa"],
        sdgs=[3],
        year=2023,
        cycle=cycle,
        summary="Telemedicine in rural clinics over broadband",
    )
    ActivityFactory(
        title="Cyber drills",
        entity=apc,
        partners=[itu],
        action_lines=["C5"],
        regions=["europe", "global"],
        themes=["internet_governance"],
        trends=["digital_cooperation_security"],
        year=2022,
        summary="Broadband and cybersecurity",
    )
    ActivityFactory(
        title="Applications",
        entity=apc,
        action_lines=["C7"],
        regions=["global"],
        sdgs=[3, 9],
        year=2023,
        cycle=cycle,
        summary="Applications",
    )
    ActivityFactory(
        title="Access",
        entity=itu,
        action_lines=["C2"],
        regions=["asia_pacific"],
        sdgs=[9],
        year=2021,
        summary="Rural broadband access",
    )
    ActivityFactory(title="Draft", entity=itu, action_lines=["C5"], status=Activity.Status.DRAFT)


@pytest.mark.usefixtures("listing")
@pytest.mark.parametrize(
    "query",
    [
        "",
        "action_line=C7&region=global",
        "entity=ITU&year=2023",
        "entity=ITU&ordering=-title",
        "entity_kind=civil_society&ordering=title",
        "q=broadband",
        "q=broadband&ordering=year",
        "sdg=3&sdg=9&ordering=-year",
        "cycle=report-2024&region=africa&region=global",
        "trend=digital_cooperation_security&entity=ITU",
        "action_line=C5&action_line=C7.e-health&ordering=-entity",
        "theme=internet_governance&year=2022&year=2023",
        "year=2020",
    ],
)
def test_filters_give_what_the_page_gives(client, settings, query):
    settings.ACTIVITIES_PER_PAGE = 100
    page = client.get(f"{PAGE}?{query}")
    filterset = ActivityFilter(page.wsgi_request.GET)
    assert filterset.is_valid()

    response = client.get(f"{ACTIVITIES}?{query}&page_size=100")

    assert response.status_code == 200
    page_ids = [a.pk for a in page.context["page"].object_list]
    assert ids(response) == page_ids
    assert ids(response) == [a.pk for a in filterset.qs]
    assert response.json()["count"] == len(page_ids)


@pytest.mark.usefixtures("listing")
def test_filters_combine_as_documented(client):
    response = client.get(ACTIVITIES, {"action_line": "C7", "ordering": "title"})

    assert [row["title"] for row in response.json()["results"]] == [
        "Applications",
        "Telemedicine",
    ]


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("action_line=C99", "action_line", "C99"),
        ("entity=NOPE", "entity", "NOPE"),
        ("sdg=banana", "sdg", "banana"),
        ("year=1200", "year", "1990"),
        ("ordering=secret", "ordering", "secret"),
        ("entity_kind=alien", "entity_kind", "alien"),
        ("sdg=" + "9" * 40, "sdg", "9" * 40),
    ],
)
def test_invalid_filter_is_a_400_naming_the_parameter(client, query, parameter, message):
    response = client.get(f"{ACTIVITIES}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == [parameter]
    assert message in body[parameter][0]


def test_invalid_filters_are_all_named(client):
    response = client.get(ACTIVITIES, {"action_line": "C99", "year": "x"})

    assert response.json() == {
        "action_line": ["Select a valid choice. C99 is not one of the available choices."],
        "year": ["Enter a whole number."],
    }


# --- Pagination ----------------------------------------------------------------


def test_pagination_walks_all_results(client):
    made = [ActivityFactory(title=f"A{n}").pk for n in range(5)]

    seen, url, pages = [], f"{ACTIVITIES}?ordering=title&page_size=2", []
    while url:
        body = client.get(url).json()
        pages.append((body["count"], body["previous"] is not None, len(body["results"])))
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == made
    assert pages == [(5, False, 2), (5, True, 2), (5, True, 1)]


def test_next_link_keeps_the_filters(client):
    for _ in range(3):
        ActivityFactory(regions=["africa"])

    body = client.get(ACTIVITIES, {"region": "africa", "page_size": 2}).json()

    assert body["next"] == "http://testserver/api/activities/?page=2&page_size=2&region=africa"


@pytest.mark.parametrize("page", ["3", "0", "x"])
def test_page_past_the_end_is_a_json_404(client, page):
    ActivityFactory()
    ActivityFactory()

    response = client.get(ACTIVITIES, {"page": page, "page_size": 1})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_page_size_comes_from_settings_and_is_capped(client, settings):
    settings.API_PAGE_SIZE = 2
    settings.API_MAX_PAGE_SIZE = 3
    for _ in range(5):
        ActivityFactory()

    default = client.get(ACTIVITIES)
    capped = client.get(ACTIVITIES, {"page_size": 50})

    assert len(ids(default)) == 2
    assert len(ids(capped)) == 3


# --- Visibility -----------------------------------------------------------------


def test_anonymous_sees_published_only(client, secret_draft):
    visible = ActivityFactory(action_lines=["C2"], regions=["africa"])

    listed = client.get(ACTIVITIES)
    filtered = client.get(ACTIVITIES, {"action_line": "C2", "region": "africa"})
    by_entity = client.get(ACTIVITIES, {"entity": "SECRET"})
    detail = client.get(f"{ACTIVITIES}{secret_draft.pk}/")

    assert ids(listed) == [visible.pk]
    assert ids(filtered) == [visible.pk]
    assert ids(by_entity) == []
    assert detail.status_code == 404
    assert detail.json() == {"detail": "No Activity matches the given query."}
    everything = listed.content + filtered.content + by_entity.content + detail.content
    assert b"Secret draft" not in everything


def test_logged_in_non_staff_sees_published_only(client, member, secret_draft):
    client.force_login(member)

    listed = client.get(ACTIVITIES)
    detail = client.get(f"{ACTIVITIES}{secret_draft.pk}/")

    assert ids(listed) == []
    assert detail.status_code == 404


def test_staff_sees_drafts_through_the_filters(client, staff, secret_draft):
    ActivityFactory(action_lines=["C3"])
    client.force_login(staff)

    filtered = client.get(ACTIVITIES, {"action_line": "C2"})
    detail = client.get(f"{ACTIVITIES}{secret_draft.pk}/")

    assert ids(filtered) == [secret_draft.pk]
    assert detail.json()["status"] == "draft"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", ["Published"]), ("member", ["Published"]), ("staff", ["Draft", "Published"])],
)
def test_visible_to(request, who, expected):
    from django.contrib.auth.models import AnonymousUser

    ActivityFactory(title="Published")
    ActivityFactory(title="Draft", status=Activity.Status.DRAFT)
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)

    visible = Activity.objects.visible_to(user)

    assert sorted(a.title for a in visible) == expected


# --- Authentication ------------------------------------------------------------


def test_valid_token_authenticates(client, staff, secret_draft):
    token = Token.objects.create(user=staff)

    response = client.get(
        f"{ACTIVITIES}{secret_draft.pk}/", headers={"authorization": f"Token {token.key}"}
    )

    assert response.status_code == 200
    assert response.json()["title"] == "Secret draft broadband plan"


def test_bad_token_is_a_401(client, staff):
    Token.objects.create(user=staff)

    response = client.get(ACTIVITIES, headers={"authorization": "Token not-a-real-key"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Invalid token."}


def test_token_of_an_inactive_user_is_a_401(client, staff):
    token = Token.objects.create(user=staff)
    staff.is_active = False
    staff.save()

    response = client.get(ACTIVITIES, headers={"authorization": f"Token {token.key}"})

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


# --- The profile page and its token ---------------------------------------------


def test_profile_needs_login(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PROFILE}"


def test_profile_shows_the_token(client, member):
    token = Token.objects.create(user=member)
    client.force_login(member)

    response = client.get(PROFILE)

    assert response.status_code == 200
    assert response.context["token"] == token
    assert f'value="{token.key}"'.encode() in response.content


def test_profile_without_token_offers_one(client, member):
    client.force_login(member)

    response = client.get(PROFILE)

    assert response.context["token"] is None
    assert b"You have no API token yet." in response.content
    assert not Token.objects.filter(user=member).exists()


def test_regenerate_replaces_the_token(client, member):
    old = Token.objects.create(user=member).key
    client.force_login(member)

    response = client.post(REGENERATE, follow=True)

    new = Token.objects.get(user=member).key
    assert new != old
    assert response.redirect_chain == [(PROFILE, 302)]
    assert f'value="{new}"'.encode() in response.content
    assert b"the old one no longer works" in response.content
    assert client.get(ACTIVITIES, headers={"authorization": f"Token {old}"}).status_code == 401


def test_regenerate_is_post_only(client, member):
    old = Token.objects.create(user=member).key
    client.force_login(member)

    response = client.get(REGENERATE)

    assert response.status_code == 405
    assert Token.objects.get(user=member).key == old


def test_regenerate_needs_login(client):
    response = client.post(REGENERATE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Token.objects.exists()


def test_regenerate_needs_the_csrf_token(member):
    old = Token.objects.create(user=member).key
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    refused = client.post(REGENERATE)
    page = client.get(PROFILE)
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    accepted = client.post(REGENERATE, {"csrfmiddlewaretoken": csrf.decode()})

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert Token.objects.get(user=member).key != old


def test_token_is_in_the_admin(client, staff):
    staff.is_superuser = True
    staff.save()
    Token.objects.create(user=staff)
    client.force_login(staff)

    response = client.get("/admin/authtoken/tokenproxy/")

    assert response.status_code == 200
    assert b"secretariat" in response.content


# --- Throttling ------------------------------------------------------------------


def test_anonymous_requests_are_throttled(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "10000/minute"},
    }

    statuses = [client.get("/api/sdgs/").status_code for _ in range(4)]
    refused = client.get("/api/themes/")

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Request was throttled.")


def test_logged_in_users_have_their_own_rate(client, settings, member):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "user": "3/minute"},
    }
    client.force_login(member)

    statuses = [client.get("/api/sdgs/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


# --- Query counts ------------------------------------------------------------------


def make_activities(n):
    entity = EntityFactory()
    for i in range(n):
        activity = ActivityFactory(
            entity=entity,
            partners=[EntityFactory()],
            action_lines=["C1", "C7.e-health"],
            regions=["africa", "global"],
            themes=["financing"],
            trends=["digital_inclusion"],
            sdgs=[i % 17 + 1],
            cycle=ReviewCycleFactory(),
        )
        ReferenceFactory(activity=activity)


@pytest.mark.parametrize("n", [1, 3])
def test_activity_list_query_count_is_fixed(client, django_assert_num_queries, n):
    make_activities(n)
    facets.current()  # as in a process that has counted since the last change
    # count (the facet index's version); the page with entity and cycle; prefetch of
    # partners, action lines, themes, trends, regions, SDGs and references (7).
    with django_assert_num_queries(9):
        response = client.get(ACTIVITIES)
    assert len(ids(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_filtered_activity_list_query_count_is_fixed(client, django_assert_num_queries, n):
    make_activities(n)
    facets.current()
    # As above, plus one query to check each of the two filters' values.
    with django_assert_num_queries(11):
        response = client.get(ACTIVITIES, {"action_line": "C1", "region": "africa"})
    assert len(ids(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_staff_activity_list_query_count_is_fixed(client, django_assert_num_queries, staff, n):
    make_activities(n)
    client.force_login(staff)
    # The session and its user (2); the user's groups, read once (1); then as for
    # anonymous callers (9).
    with django_assert_num_queries(12):
        response = client.get(ACTIVITIES)
    assert len(ids(response)) == n


@pytest.mark.parametrize("n", [1, 3])
def test_entity_list_query_count_is_fixed(client, django_assert_num_queries, n):
    make_activities(n)
    # count; the page with parents and the published counts as subqueries.
    with django_assert_num_queries(2):
        response = client.get("/api/entities/")
    assert response.json()["count"] == n + 1


@pytest.mark.parametrize("page_size", [1, 3])
def test_action_line_list_query_count_is_fixed(client, django_assert_num_queries, page_size):
    # count; the page with parents; prefetch of the sub-areas.
    with django_assert_num_queries(3):
        response = client.get("/api/action-lines/", {"page_size": page_size, "page": 2})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("n", [1, 3])
def test_cycle_list_query_count_is_fixed(client, django_assert_num_queries, n):
    ReviewCycleFactory.create_batch(n)
    # count; the page.
    with django_assert_num_queries(2):
        response = client.get("/api/cycles/")
    assert response.json()["count"] == n


# --- The OpenAPI document and the docs page -----------------------------------------


@pytest.fixture
def openapi(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(openapi):
    validate_schema(openapi)

    assert openapi["openapi"].startswith("3.")
    assert sorted(openapi["paths"]) == [
        "/api/action-lines/",
        "/api/action-lines/{code}/",
        "/api/activities/",
        "/api/activities/{id}/",
        "/api/cycles/",
        "/api/cycles/{slug}/",
        "/api/entities/",
        "/api/entities/{acronym}/",
        "/api/mandate-updates/",
        "/api/mandate-updates/{id}/",
        "/api/mandates/",
        "/api/mandates/{id}/",
        "/api/regions/",
        "/api/regions/{key}/",
        "/api/sdgs/",
        "/api/sdgs/{number}/",
        "/api/submissions/",
        "/api/submissions/{id}/",
        "/api/submissions/{id}/transition/",
        "/api/themes/",
        "/api/themes/{key}/",
        "/api/trends/",
        "/api/trends/{key}/",
    ]


def test_schema_lists_every_filter_with_a_description(openapi):
    operation = openapi["paths"]["/api/activities/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert set(ActivityFilter.base_filters) | {"page", "page_size"} == set(parameters)
    assert all(p["description"] for p in parameters.values())
    assert parameters["entity_kind"]["schema"]["items"]["enum"] == Entity.Kind.values
    assert "-year" in parameters["ordering"]["schema"]["items"]["enum"]


def test_schema_describes_every_parameter(openapi):
    parameters = [
        (path, parameter)
        for path, item in openapi["paths"].items()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
    ]

    assert [(path, p["name"]) for path, p in parameters if not p.get("description")] == []
    assert {p["name"] for _, p in parameters if p["in"] == "path"} == {
        "id",
        "acronym",
        "code",
        "key",
        "number",
        "slug",
    }


def test_schema_describes_the_errors(openapi):
    for path, item in openapi["paths"].items():
        if "get" not in item:
            continue
        responses = item["get"]["responses"]
        expected = {"200", "401", "404", "429"} | (
            {"400"} if path in ("/api/activities/", "/api/mandates/") else set()
        )
        assert set(responses) == expected, path
        assert all(r["description"] for code, r in responses.items() if code != "200")
    for path, item in openapi["paths"].items():
        for method in set(item) & {"post", "patch", "delete"}:
            assert {"400", "401", "403", "409"} <= set(item[method]["responses"]), (path, method)
    bad_filter = openapi["paths"]["/api/activities/"]["get"]["responses"]["400"]
    assert bad_filter["content"]["application/json"]["schema"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_docs_page_uses_only_our_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assets = re.findall(rb'(?:src|href)="([^"]+)"', response.content)
    assert sorted(assets) == [
        b"/api/docs/?script=",
        b"/static/css/api-docs.css",
        b"/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png",
        b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ]
    assert re.findall(rb"https?://", response.content) == []
    assert b"<style" not in response.content


def test_docs_script_loads_our_schema(client):
    response = client.get("/api/docs/", {"script": ""})

    assert response.status_code == 200
    assert b'url: "/api/schema/"' in response.content
    assert re.findall(rb"https?://", response.content) == []


def test_anonymous_lists_come_from_the_cache_until_something_changes(
    client, django_assert_num_queries
):
    make_activities(2)
    first = client.get(ACTIVITIES, {"region": "africa"}).json()

    with django_assert_num_queries(0):
        again = client.get(ACTIVITIES, {"region": "africa"}).json()
    assert again == first and first["count"] == 2

    ActivityFactory(regions=["africa"])  # published: the cache moves on
    assert client.get(ACTIVITIES, {"region": "africa"}).json()["count"] == 3


def test_the_secretariats_lists_are_never_cached_for_the_public(client, staff):
    make_activities(1)
    ActivityFactory(status=Activity.Status.DRAFT)

    client.force_login(staff)
    assert client.get(ACTIVITIES).json()["count"] == 2
    client.logout()
    assert client.get(ACTIVITIES).json()["count"] == 1
    client.force_login(staff)
    assert client.get(ACTIVITIES).json()["count"] == 2
