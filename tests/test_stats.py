import csv
import io
import xml.etree.ElementTree as ET

import pytest

from activities import facets, stats
from activities.filters import ActivityFilter
from activities.models import SDG, ActionLine, Activity
from entities.models import Entity

from .factories import ActivityFactory, EntityFactory, ReviewCycleFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

STATS = "/stats/"
LIST = "/activities/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def activities():
    itu = EntityFactory(acronym="ITU", kind=Entity.Kind.UN_SPECIALIZED_AGENCY)
    apc = EntityFactory(acronym="APC", kind=Entity.Kind.CIVIL_SOCIETY)
    old = ReviewCycleFactory(slug="report-2015", reporting_year=2014)
    new = ReviewCycleFactory(slug="report-2024", reporting_year=2023)
    ActivityFactory(
        entity=itu,
        action_lines=["C7.e-health"],
        regions=["africa"],
        sdgs=[3],
        year=2023,
        cycle=new,
    )
    ActivityFactory(
        entity=apc,
        partners=[itu],
        action_lines=["C5", "C1"],
        regions=["europe", "global"],
        themes=["internet_governance"],
        sdgs=[9, 16],
        year=2014,
        cycle=old,
    )
    ActivityFactory(
        entity=apc,
        action_lines=["C7", "C7.e-health"],
        regions=["global"],
        sdgs=[3, 9],
        year=2023,
        cycle=new,
    )
    ActivityFactory(entity=itu, action_lines=["C5"], sdgs=[9], year=2015, cycle=old)
    # Unpublished work that could leak: a draft of a submitted submission.
    submission = SubmissionFactory(entity=itu, state="submitted")
    ActivityFactory(
        entity=itu,
        action_lines=["C5", "C7.e-health"],
        regions=["africa"],
        sdgs=[3, 9],
        themes=["internet_governance"],
        year=2023,
        cycle=submission.cycle,
        submission=submission,
        status=Activity.Status.DRAFT,
    )


def charts_of(response):
    return {chart["slug"]: chart for chart in response.context["charts"]}


def column(chart, key_index=0):
    return {str(row[key_index]): row[-1] for row in chart["rows"]}


QUERIES = [
    "",
    "action_line=C7",
    "region=global&year=2023",
    "entity=ITU",
    "sdg=9&entity_kind=civil_society",
    "theme=internet_governance&action_line=C1&action_line=C5",
    "cycle=report-2024&region=africa&region=europe",
]


@pytest.mark.usefixtures("activities")
@pytest.mark.parametrize("query", QUERIES)
def test_stats_numbers_equal_the_listing_for_the_same_filters(client, query):
    listing = client.get(f"{LIST}?{query}")
    page = client.get(f"{STATS}?{query}")

    assert page.status_code == 200
    facets = {
        facet["name"]: {o["value"]: o["count"] for o in facet["options"]}
        for facet in listing.context["facets"]
    }
    charts = charts_of(page)
    assert page.context["total"] == listing.context["page"].paginator.count
    top_level = {code: n for code, n in facets["action_line"].items() if "." not in code}
    assert column(charts["action-line"]) == top_level
    assert column(charts["region"]) == facets["region"]
    assert column(charts["sdg"]) == facets["sdg"]
    assert column(charts["year"]) == facets["year"]
    assert column(charts["entity-kind"]) == {k: n for k, n in facets["entity_kind"].items() if n}
    assert column(charts["entity"]) == {k: n for k, n in facets["entity"].items() if n}


@pytest.mark.usefixtures("activities")
@pytest.mark.parametrize("query", ["", "year=2023", "entity=ITU", "action_line=C5"])
def test_matrix_equals_a_direct_count(client, query):
    matrix = charts_of(client.get(f"{STATS}?{query}"))["matrix"]

    filterset = ActivityFilter(dict(p.split("=") for p in query.split("&") if p))
    assert filterset.is_valid()
    expected = [
        [
            line.code,
            *[
                filterset.qs.for_action_line(line.code).filter(sdgs=sdg).count()
                for sdg in SDG.objects.order_by("number")
            ],
        ]
        for line in ActionLine.objects.top_level()
    ]
    assert matrix["rows"] == expected
    assert matrix["headers"][1:] == [str(n) for n in range(1, 18)]


@pytest.mark.usefixtures("activities")
def test_matrix_counts_known_pairs(client):
    rows = {row[0]: row[1:] for row in charts_of(client.get(STATS))["matrix"]["rows"]}

    # C7 (with its sub-area) and SDG 3: two published activities, the draft not counted.
    assert rows["C7"][3 - 1] == 2
    assert rows["C7"][9 - 1] == 1
    assert rows["C5"][9 - 1] == 2
    assert rows["C1"][16 - 1] == 1
    # C7×3, C7×9, C5×9, C5×16, C1×9, C1×16
    assert sum(map(sum, rows.values())) == 2 + 1 + 2 + 1 + 1 + 1


@pytest.mark.usefixtures("activities")
def test_unpublished_work_is_never_counted(client):
    page = client.get(STATS)
    charts = charts_of(page)

    assert page.context["total"] == Activity.objects.published().count() == 4
    assert column(charts["action-line"])["C5"] == 2
    assert column(charts["region"])["africa"] == 1
    assert column(charts["sdg"])["3"] == 2
    assert column(charts["year"]) == {"2014": 1, "2015": 1, "2023": 2}
    assert column(charts["entity"]) == {"ITU": 3, "APC": 2}
    trend = charts_of(client.get("/stats/trend/?theme=internet_governance"))
    assert column(trend["per-year"]) == {"2014": 1}


@pytest.mark.usefixtures("activities")
def test_each_chart_is_valid_svg_with_a_text_alternative(client):
    for chart in (
        client.get(STATS).context["charts"] + client.get("/stats/trend/").context["charts"]
    ):
        root = ET.fromstring(str(chart["svg"]))

        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title.text == chart["title"]
        assert desc.text == chart["desc"]
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


@pytest.mark.usefixtures("activities")
@pytest.mark.parametrize("query", ["", "region=global", "action_line=C7&year=2023"])
def test_csv_of_each_chart_equals_its_table(client, query):
    charts = client.get(f"{STATS}?{query}").context["charts"]
    assert [c["slug"] for c in charts] == list(stats.CHARTS)

    for chart in charts:
        response = client.get(f"/stats/{chart['slug']}.csv?{query}")

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == [str(h) for h in chart["headers"]]
        assert rows[1:] == [[str(cell) for cell in row] for row in chart["rows"]]


@pytest.mark.usefixtures("activities")
def test_trend_csv_equals_its_table(client):
    for chart in client.get("/stats/trend/?entity=ITU").context["charts"]:
        response = client.get(f"/stats/trend/{chart['slug']}.csv?entity=ITU")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[1:] == [[str(cell) for cell in row] for row in chart["rows"]]


def test_unknown_chart_is_a_404(client):
    response = client.get("/stats/nothing.csv")

    assert response.status_code == 404
    assert not response.get("Content-Type", "").startswith("text/csv")


def test_bad_filter_gives_the_page_back_with_a_message(client):
    response = client.get(f"{STATS}?action_line=C99")

    assert response.status_code == 400
    assert "action_line" in response.context["errors"]
    assert client.get("/stats/region.csv?sdg=99").json()["errors"]["sdg"]


@pytest.mark.usefixtures("activities")
def test_trend_counts_per_year_and_per_cycle(client):
    response = client.get("/stats/trend/?action_line=C5")
    charts = charts_of(response)

    assert column(charts["per-year"]) == {"2014": 1, "2015": 1}
    assert charts["per-cycle"]["rows"] == [["report-2015", "Cycle report-2015", 2014, 2]]
    assert "C5" in response.context["subject"][0]


@pytest.mark.usefixtures("activities")
def test_trend_ignores_the_year_and_cycle_filters(client):
    # The 20-year view is about all years: a year filter would hide the trend.
    charts = charts_of(client.get("/stats/trend/?entity=ITU&year=2023"))

    assert column(charts["per-year"]) == {"2014": 1, "2015": 1, "2023": 1}


def make_activities(n):
    entity = EntityFactory()
    for i in range(n):
        ActivityFactory(
            entity=entity,
            partners=[EntityFactory()],
            action_lines=["C1", "C7.e-health"],
            regions=["africa", "global"],
            sdgs=[i % 17 + 1],
            year=2010 + i,
        )


# The statistics page, nothing cached: the reference records it labels with (action
# lines, regions, SDGs, entities: 4, read while validating and drawing); the facet counts
# and the matrix, from the facet index, which checks the version of the public data
# (1). Once cached: none.
STATS_COLD = 4 + 1
# The 20-year view: action lines, themes, regions for the subject (3); the counts per
# year and per cycle from the facet index (its version: 1); the cycles' names would be
# one more, but these activities belong to none.
TREND_COLD = 3 + 1
# The admin's cycle dashboard, once the session is warm: session, user, the cycle, the
# user's groups (4); counts by state and overdue (2); the admin's permission checks (2);
# the submissions' invitations and their history, for the chart and the durations (2);
# workloads (1); the overdue list (1).
DASHBOARD = 4 + 2 + 2 + 2 + 1 + 1


@pytest.mark.parametrize("n", [1, 3])
def test_stats_query_count_is_fixed(client, django_assert_num_queries, n):
    make_activities(n)
    facets.current()  # as in a process that has counted since the last change

    with django_assert_num_queries(STATS_COLD):
        client.get(STATS, {"action_line": "C1", "region": "africa"})
    with django_assert_num_queries(0):
        client.get(STATS, {"action_line": "C1", "region": "africa"})


@pytest.mark.parametrize("n", [1, 3])
def test_trend_query_count_is_fixed(client, django_assert_num_queries, n):
    make_activities(n)
    facets.current()

    with django_assert_num_queries(TREND_COLD):
        client.get("/stats/trend/", {"action_line": "C1"})
    with django_assert_num_queries(0):
        client.get("/stats/trend/", {"action_line": "C1"})


def test_entity_page_links_to_its_twenty_year_view(client):
    entity = EntityFactory(acronym="ITU")
    ActivityFactory(entity=entity)

    response = client.get(entity.get_absolute_url())

    assert 'href="/stats/trend/?entity=ITU"' in response.content.decode()


def test_published_report_links_to_its_statistics(client, report_2024):
    response = client.get(f"/reports/{report_2024.slug}/")

    assert f'href="/stats/?cycle={report_2024.slug}"' in response.content.decode()
    assert 'href="/stats/trend/?action_line=C5"' in client.get("/").content.decode()


# --- Year on year ------------------------------------------------------------------


@pytest.fixture
def two_years(submission, entity_a, contributor, reviewer, manager):
    """Entity A's published answers to an earlier cycle, and its new draft."""
    import datetime as dt

    from django.utils import timezone

    from .factories import move

    earlier = ReviewCycleFactory(
        slug="report-2024", title="2024 report", deadline=timezone.now() - dt.timedelta(days=300)
    )
    SubmissionFactory(
        cycle=earlier,
        entity=entity_a,
        state="published",
        answers={"trends": "Broadband grew in rural areas.", "achievements": "Same as ever."},
    )
    move(
        submission,
        "draft",
        contributor=contributor,
        reviewer=reviewer,
        manager=manager,
    )
    submission.save_answers(
        {"trends": "Broadband grew fast in rural areas.", "achievements": "Same as ever."},
        by=contributor,
    )
    return submission


def test_word_diff_marks_new_and_removed_words():
    from reviews.insight import word_diff

    html = word_diff("Broadband grew in <rural> areas.", "Broadband grew fast in <urban> areas.")

    assert html == (
        "Broadband grew <ins>fast</ins> in <del>&lt;rural&gt;</del><ins>&lt;urban&gt;</ins> areas."
    )


def test_year_on_year_on_the_contributor_page_marks_new_text(client, two_years, contributor):
    client.force_login(contributor)

    response = client.get(two_years.get_absolute_url())

    rows = {row["label"]: row for row in response.context["year_on_year"]["rows"]}
    assert rows["Trends"]["changed"] is True
    assert str(rows["Trends"]["diff"]) == "Broadband grew <ins>fast</ins> in rural areas."
    assert rows["Achievements"]["changed"] is False
    assert "Broadband grew <ins>fast</ins> in rural areas." in response.content.decode()
    assert response.context["year_on_year"]["previous"].cycle.slug == "report-2024"


def test_year_on_year_on_the_admin_change_page(client, two_years, reviewer):
    client.force_login(reviewer)

    response = client.get(f"/admin/reviews/submission/{two_years.pk}/change/")

    assert response.status_code == 200
    assert "Broadband grew <ins>fast</ins> in rural areas." in response.content.decode()


@pytest.mark.parametrize(
    "persona, sees",
    [("contributor", True), ("reviewer", True), ("manager", True), ("other_contributor", False)],
)
def test_year_on_year_only_for_those_who_may_view_the_submission(
    client, request, two_years, persona, sees
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(two_years.get_absolute_url())

    assert user.has_perm("reviews.view_submission", two_years) is sees
    if sees:
        assert response.status_code == 200
        assert response.context["year_on_year"] is not None
    else:
        assert response.status_code == 404
        assert b"<ins>" not in response.content


def test_no_year_on_year_without_a_previous_submission(client, submission, contributor):
    client.force_login(contributor)

    response = client.get(submission.get_absolute_url())

    assert response.context["year_on_year"] is None
    assert b"year-on-year-heading" not in response.content


# --- The cycle dashboard -----------------------------------------------------------


@pytest.fixture
def responses(open_cycle, entity_a, entity_b, contributor, other_contributor, reviewer, manager):
    """Two submissions with a history spread over days: A accepted, B submitted."""
    import datetime as dt

    from django.utils import timezone

    from reviews.models import Submission

    from .factories import move

    open_cycle.state = "open"
    open_cycle.save()
    start = timezone.now() - dt.timedelta(days=4)
    a = SubmissionFactory(cycle=open_cycle, entity=entity_a, created_at=start)
    b = SubmissionFactory(cycle=open_cycle, entity=entity_b, created_at=start)
    move(a, "accepted", contributor=contributor, reviewer=reviewer, manager=manager)
    move(b, "submitted", contributor=other_contributor, reviewer=reviewer, manager=manager)
    # Spread the history: A started on day 1, submitted on day 2, taken up and accepted on
    # day 3; B started and submitted on day 3.
    days = {
        (a, "draft"): 1,
        (a, "submitted"): 2,
        (a, "under_review"): 3,
        (a, "accepted"): 3,
        (b, "draft"): 3,
        (b, "submitted"): 3,
    }
    for (submission, state), day in days.items():
        submission.transitions.filter(to_state=state).update(
            created_at=start + dt.timedelta(days=day)
        )
    return Submission.objects.get(pk=a.pk), Submission.objects.get(pk=b.pk)


def test_states_over_time_follow_the_history(open_cycle, responses):
    from django.utils import timezone

    from reviews.insight import states_over_time

    days, counts = states_over_time(open_cycle)

    assert days[-1] == timezone.localdate()
    assert len(days) == 5
    assert counts["invited"] == [2, 1, 1, 0, 0]
    assert counts["draft"] == [0, 1, 0, 0, 0]
    assert counts["submitted"] == [0, 0, 1, 1, 1]
    assert counts["accepted"] == [0, 0, 0, 1, 1]


def test_durations_from_the_history(open_cycle, responses):
    from reviews.insight import durations

    result = durations(open_cycle)

    assert result["to_submission"] == {"count": 2, "median": 2.5, "min": 2.0, "max": 3.0}
    assert result["to_decision"] == {"count": 1, "median": 1.0, "min": 1.0, "max": 1.0}


def test_admin_dashboard_renders_for_a_reviewer_with_chart_and_workloads(
    client, open_cycle, responses, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)

    response = client.get(f"/admin/reviews/reviewcycle/{open_cycle.pk}/dashboard/")

    assert response.status_code == 200
    svg = ET.fromstring(str(response.context["chart"]))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Submissions in each state, day by day"
    assert len(svg.findall(f"{SVG}polygon")) == 4  # invited, draft, submitted, accepted
    # rita reviews both: B is submitted (not yet taken up), A accepted.
    assert response.context["workloads"] == [("rita", [0, 0, 0, 0, 0, 1, 0, 0], 1)]
    content = response.content.decode()
    assert "Reviewers&#x27; workloads" in content or "Reviewers' workloads" in content
    assert '<th scope="row">rita</th>' in content


def test_admin_dashboard_query_count_is_fixed(
    client, open_cycle, responses, reviewer, django_assert_num_queries
):
    client.force_login(reviewer)
    url = f"/admin/reviews/reviewcycle/{open_cycle.pk}/dashboard/"
    client.get(url)

    with django_assert_num_queries(DASHBOARD):
        client.get(url)


def test_word_diff_marks_text_removed_at_the_end():
    from reviews.insight import word_diff

    assert word_diff("Done. Gone too.", "Done.") == "Done. <del>Gone too.</del>"
    assert word_diff("", "All new") == "<ins>All new</ins>"
