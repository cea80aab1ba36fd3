import pytest

from activities.db import is_postgresql
from activities.filters import ActivityFilter
from activities.models import Activity
from entities.models import Entity

from .factories import ActivityFactory, EntityFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db


def titles(data):
    filterset = ActivityFilter(data)
    assert filterset.is_valid(), filterset.errors
    return sorted(a.title for a in filterset.qs)


@pytest.fixture
def activities():
    itu = EntityFactory(acronym="ITU", kind=Entity.Kind.UN_SPECIALIZED_AGENCY)
    apc = EntityFactory(acronym="APC", kind=Entity.Kind.CIVIL_SOCIETY)
    cycle = ReviewCycleFactory(slug="report-2024")
    ActivityFactory(
        title="health",
        entity=itu,
        action_lines=["C7.e-health"],
        regions=["africa"],
        sdgs=[3],
        year=2023,
        cycle=cycle,
        summary="Telemedicine in rural clinics",
    )
    ActivityFactory(
        title="security",
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
        title="c7",
        entity=apc,
        action_lines=["C7"],
        regions=["global"],
        sdgs=[3, 9],
        year=2023,
        cycle=cycle,
        summary="Applications",
    )
    ActivityFactory(title="draft", entity=itu, action_lines=["C5"], status=Activity.Status.DRAFT)


@pytest.mark.usefixtures("activities")
class TestEachFilter:
    def test_no_filter_gives_all_published(self):
        assert titles({}) == ["c7", "health", "security"]

    def test_action_line_parent_includes_sub_areas(self):
        assert titles({"action_line": "C7"}) == ["c7", "health"]

    def test_action_line_sub_area_alone(self):
        assert titles({"action_line": "C7.e-health"}) == ["health"]

    def test_entity_matches_lead_or_partner(self):
        assert titles({"entity": "ITU"}) == ["health", "security"]

    def test_entity_kind(self):
        assert titles({"entity_kind": "civil_society"}) == ["c7", "security"]

    def test_region(self):
        assert titles({"region": "global"}) == ["c7", "security"]

    def test_sdg(self):
        assert titles({"sdg": "9"}) == ["c7"]

    def test_theme(self):
        assert titles({"theme": "internet_governance"}) == ["security"]

    def test_trend(self):
        assert titles({"trend": "digital_cooperation_security"}) == ["security"]

    def test_year(self):
        assert titles({"year": "2022"}) == ["security"]

    def test_cycle(self):
        assert titles({"cycle": "report-2024"}) == ["c7", "health"]

    def test_full_text(self):
        assert titles({"q": "telemedicine"}) == ["health"]

    def test_full_text_needs_every_word(self):
        assert titles({"q": "broadband cybersecurity"}) == ["security"]
        assert titles({"q": "broadband telemedicine"}) == []

    @pytest.mark.skipif(not is_postgresql(), reason="PostgreSQL stemming")
    def test_full_text_matches_word_forms_on_postgresql(self):
        assert titles({"q": "applying clinic"}) == []
        assert titles({"q": "application"}) == ["c7"]


@pytest.mark.usefixtures("activities")
class TestCombinations:
    def test_repeated_values_mean_any(self):
        query = {"region": ["africa", "europe"]}
        assert titles(query) == ["health", "security"]

    def test_different_filters_mean_all(self):
        assert titles({"action_line": "C7", "region": "global"}) == ["c7"]

    def test_repeated_and_combined(self):
        query = {"action_line": ["C5", "C7.e-health"], "year": ["2022", "2023"], "entity": "ITU"}
        assert titles(query) == ["health", "security"]

    def test_no_activity_counted_twice_with_several_matching_values(self):
        filterset = ActivityFilter({"region": ["europe", "global"], "sdg": ["3", "9"]})
        assert filterset.is_valid()
        assert filterset.qs.count() == 1

    def test_drafts_never_match(self):
        assert titles({"action_line": "C5", "entity": "ITU"}) == ["security"]

    def test_ordering(self):
        filterset = ActivityFilter({"ordering": "-title"})
        assert filterset.is_valid()
        assert [a.title for a in filterset.qs] == ["security", "health", "c7"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"action_line": "C99"}, "action_line"),
        ({"entity": "NOBODY"}, "entity"),
        ({"region": "atlantis"}, "region"),
        ({"sdg": "18"}, "sdg"),
        ({"sdg": "x"}, "sdg"),
        ({"year": "twenty"}, "year"),
        ({"year": "1200"}, "year"),
        ({"entity_kind": "guild"}, "entity_kind"),
        ({"ordering": "password"}, "ordering"),
        ({"q": "x" * 201}, "q"),
        ({"cycle": "nope"}, "cycle"),
    ],
)
def test_bad_values_are_form_errors_naming_the_parameter(query, parameter):
    filterset = ActivityFilter(query)

    assert not filterset.is_valid()
    assert list(filterset.errors_by_parameter()) == [parameter]


@pytest.mark.usefixtures("activities")
class TestCounts:
    def counts(self, data, facet):
        filterset = ActivityFilter(data)
        assert filterset.is_valid()
        facet = next(f for f in filterset.facets() if f["name"] == facet)
        return {o["value"]: o["count"] for o in facet["options"]}

    def test_action_line_counts_include_sub_areas_once(self):
        counts = self.counts({}, "action_line")
        assert (counts["C7"], counts["C7.e-health"], counts["C5"], counts["C1"]) == (2, 1, 1, 0)

    def test_counts_follow_the_other_filters(self):
        counts = self.counts({"year": "2023"}, "region")
        assert (counts["global"], counts["africa"], counts["europe"]) == (1, 1, 0)

    def test_a_facets_own_choice_does_not_shrink_its_counts(self):
        counts = self.counts({"region": "africa"}, "region")
        assert (counts["global"], counts["africa"]) == (2, 1)

    def test_entity_counts_cover_partners(self):
        counts = self.counts({}, "entity")
        assert counts == {"APC": 2, "ITU": 2}

    def test_year_and_kind_counts(self):
        assert self.counts({}, "year") == {"2023": 2, "2022": 1}
        assert self.counts({}, "entity_kind") == {"un_specialized_agency": 1, "civil_society": 2}

    def test_each_count_equals_the_results_of_choosing_it(self):
        base = {"year": "2023"}
        for facet in ("action_line", "region", "sdg", "entity", "year"):
            for value, count in self.counts(base, facet).items():
                query = {**base, facet: value}
                assert len(titles(query)) == count, (facet, value)


def test_a_number_too_large_for_the_database_is_an_invalid_choice():
    filterset = ActivityFilter({"sdg": "9" * 40})

    assert filterset.is_valid() is False
    assert filterset.errors_by_parameter() == {
        "sdg": [f"Select a valid choice. {'9' * 40} is not one of the available choices."]
    }


@pytest.mark.django_db
def test_action_lines_never_scroll_and_long_facets_list_the_chosen_first(client):
    from activities.filters import ActivityFilter

    for n in range(14):
        ActivityFactory(entity=EntityFactory(acronym=f"E{n:02}"), action_lines=["C7.e-health"])

    filterset = ActivityFilter({"entity": ["E13"], "action_line": ["C7.e-health"]})
    facets = {f["name"]: f for f in filterset.facets()}
    content = client.get("/activities/?entity=E13&action_line=C7.e-health").content.decode()

    lines = facets["action_line"]
    assert lines["long"] is False
    codes = [o["value"] for o in lines["options"]]
    assert codes[codes.index("C7") + 1] == "C7.e-government"  # sub-areas under C7
    assert facets["entity"]["long"] is True
    assert facets["entity"]["options"][0]["value"] == "E13"
    assert facets["entity"]["options"][0]["selected"] is True
    lines_list = content[: content.index('name="action_line"')].rsplit("<ul", 1)[1]
    entity_list = content[: content.index('name="entity"')].rsplit("<ul", 1)[1]
    assert "facet-long" not in lines_list.split(">", 1)[0]
    assert "facet-long" in entity_list.split(">", 1)[0]
