import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from activities.importer import DatasetError, import_dataset, read_dataset
from activities.models import Activity, Reference
from entities.models import Entity
from reviews.models import ReviewCycle

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything the importer writes, with timestamps, to compare before and after."""
    return {
        "activities": list(
            Activity.objects.order_by("pk").values_list(
                "pk", "title", "summary", "status", "updated_at", "published_at", "entity_id"
            )
        ),
        "links": sorted(
            Activity.action_lines.through.objects.values_list("activity_id", "actionline_id")
        ),
        "partners": sorted(
            Activity.partners.through.objects.values_list("activity_id", "entity_id")
        ),
        "references": list(Reference.objects.order_by("pk").values_list("pk", "url", "symbol")),
        "entities": list(Entity.objects.order_by("pk").values_list("pk", "acronym", "updated_at")),
        "cycles": list(ReviewCycle.objects.order_by("pk").values_list("pk", "slug", "updated_at")),
    }


def test_import_creates_the_published_cycle_with_all_activities(dataset):
    result = import_dataset(dataset)

    cycle = result.cycle
    assert (result.created, result.updated, result.removed) == (271, 0, 0)
    assert cycle.symbol == "A/79/62-E/2024/12"
    assert cycle.state == ReviewCycle.State.PUBLISHED
    assert cycle.reporting_year == 2023
    assert cycle.invited_entities.count() == 38
    assert cycle.trends.count() == 6
    assert Activity.objects.published().filter(cycle=cycle).count() == 271
    assert Entity.objects.count() == 90
    assert Reference.objects.count() == 143


def test_import_keeps_what_the_dataset_carries(report_2024):
    activity = Activity.objects.get(source_id="A041")

    assert activity.entity.acronym == "Broadband Commission"
    assert sorted(e.acronym for e in activity.partners.all()) == ["ITU", "UNESCO"]
    assert sorted(line.code for line in activity.action_lines.all()) == ["C2", "C3"]
    assert [t.key for t in activity.trends.all()] == ["digital_inclusion"]
    assert [r.key for r in activity.regions.all()] == ["global"]
    assert activity.source_paragraph == 22
    assert activity.section_key == "multistakeholder_facilitation"
    assert activity.activity_type == Activity.Type.EVENT
    assert activity.implementation == Activity.Implementation.COMPLETED
    reference = activity.references.get()
    assert reference.footnote_number == 21
    assert (
        reference.url
        == "https://www.broadbandcommission.org/annual-fall-meeting-2023-press-release/"
    )


def test_import_keeps_symbols_notes_and_inferred_entities(report_2024):
    symbols = set(Reference.objects.exclude(symbol="").values_list("symbol", flat=True))
    inferred = Activity.objects.get(source_id="A006")

    assert {"A/RES/78/132", "E/RES/2023/3"} <= symbols
    assert [e.acronym for e in inferred.inferred_entities.all()] == ["ESCAP"]
    assert "inferred" in inferred.editorial_note
    assert Entity.objects.get(acronym="ESCAP").name_zh == "亚洲及太平洋经济社会委员会"


def test_import_twice_changes_nothing(dataset, dataset_2024):
    import_dataset(dataset)
    before = snapshot()

    result = import_dataset(json.loads(json.dumps(dataset_2024)))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 271)
    assert snapshot() == before


def test_reimport_applies_changes_and_removes_dropped_activities(dataset, dataset_2024):
    import_dataset(dataset)
    changed = json.loads(json.dumps(dataset_2024))
    changed["activities"][0]["title_en"] = "A new title"
    changed["activities"][1]["action_lines"] = ["C9"]
    dropped = changed["activities"].pop()

    result = import_dataset(changed)

    assert (result.created, result.updated, result.removed) == (0, 2, 1)
    assert Activity.objects.get(source_id="A001").title == "A new title"
    assert [line.code for line in Activity.objects.get(source_id="A002").action_lines.all()] == [
        "C9"
    ]
    assert not Activity.objects.filter(source_id=dropped["id"]).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["activities"][5].update(action_lines=["C1", "C99"]),
            "activity A006: unknown action line 'C99'",
        ),
        (
            lambda d: d["activities"][7].update(entities=["ITU", "NOBODY"]),
            "activity A008: unknown entity 'NOBODY'",
        ),
        (
            lambda d: d["activities"][3].update(regions=["atlantis"]),
            "activity A004: unknown region 'atlantis'",
        ),
        (
            lambda d: d["activities"][3].update(trend_keys=["telepathy"]),
            "activity A004: unknown trend 'telepathy'",
        ),
        (
            lambda d: d["activities"][3].update(sdgs=[18]),
            "activity A004: SDG 18 is not a number from 1 to 17",
        ),
        (lambda d: d["activities"][2].update(title_en=""), "activity A003: 'title_en' is empty"),
        (
            lambda d: d["activities"][2].update(year="2023"),
            "activity A003: 'year' must be a year between 1990 and 2100",
        ),
        (
            lambda d: d["activities"][4].update(id="A001"),
            "activity A001: the id is used twice in this file",
        ),
        (
            lambda d: d["activities"][9].update(references=[{"url": None, "symbol": None}]),
            "activity A010, reference 1: has neither a URL nor a document symbol",
        ),
        (
            lambda d: d["activities"][9].update(references=[{"url": "javascript:alert(1)"}]),
            "activity A010, reference 1: 'javascript:alert(1)' is not a valid web address",
        ),
        (lambda d: d["entities"][0].update(kind="guild"), "entity APC: unknown kind 'guild'"),
        (lambda d: d["report"].pop("symbol"), "report: 'symbol' is missing"),
        (lambda d: d.update(activities="none"), "dataset: 'activities' must be a list, not str"),
        (
            lambda d: d["action_lines"].append({"code": "C12"}),
            "action line #20: unknown action line 'C12'",
        ),
    ],
)
def test_bad_record_is_rejected_and_nothing_changes(dataset, change, message):
    import_dataset(json.loads(json.dumps(dataset)))  # an earlier, good import
    before = snapshot()
    change(dataset)

    with pytest.raises(DatasetError) as excinfo:
        import_dataset(dataset)

    assert str(excinfo.value) == message
    assert snapshot() == before


def test_bad_record_on_empty_database_writes_nothing(dataset):
    dataset["activities"][-1]["entities"] = ["NOBODY"]

    with pytest.raises(DatasetError):
        import_dataset(dataset)

    assert (Activity.objects.count(), Entity.objects.count(), ReviewCycle.objects.count()) == (
        0,
        0,
        0,
    )


def test_dataset_of_another_year_declares_its_own_trends_and_may_lack_fields(dataset):
    dataset["report"].update(symbol="A/70/63-E/2015/10", date="2015-03-02", reporting_year=2014)
    trends = next(node for node in dataset["outline"] if node["key"] == "trends")
    trends["children"] = [
        {
            "key": "evolving_internet",
            "trend_key": "evolving_internet",
            "title_en": "The evolving Internet",
        }
    ]
    dataset["activities"] = dataset["activities"][:3]
    dataset["activities"][0].update(trend_keys=["evolving_internet"], year=None, themes=None)
    dataset["activities"][1].update(status=None, activity_type=None, references=None)

    result = import_dataset(dataset)

    assert result.cycle.slug == "report-2015"
    assert [t.key for t in result.cycle.trends.all()] == ["evolving_internet"]
    first = Activity.objects.get(cycle=result.cycle, source_id="A001")
    assert first.year == 2014
    assert [t.key for t in first.trends.all()] == ["evolving_internet"]
    # The same ids in another report are other activities.
    assert Activity.objects.filter(source_id="A001").count() == 1


def test_read_dataset_reports_malformed_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"report": {"symbol": "X"},\n "activities": [}', encoding="utf-8")

    with pytest.raises(DatasetError) as excinfo:
        read_dataset(path)

    assert str(excinfo.value).startswith(f"{path}: not valid JSON (line 2, column")


def test_read_dataset_reports_wrong_encoding(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"report": "café"}'.encode("latin-1"))

    with pytest.raises(DatasetError) as excinfo:
        read_dataset(path)

    assert "not UTF-8 text" in str(excinfo.value)


def test_command_imports_and_reports(tmp_path, dataset, capsys):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")

    call_command("load_report_dataset", str(path))

    out = capsys.readouterr().out
    assert out.strip() == (
        "report-2024: 271 activities created, 0 updated, 0 unchanged, 0 removed; "
        "90 entities created, 0 updated."
    )


def test_command_fails_with_one_line_and_changes_nothing(tmp_path, dataset):
    dataset["activities"][0]["action_lines"] = ["C42"]
    path = tmp_path / "report.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        call_command("load_report_dataset", str(path), verbosity=0)

    assert str(excinfo.value) == ("activity A001: unknown action line 'C42'; nothing was imported.")
    assert Activity.objects.count() == 0


def test_command_missing_file():
    with pytest.raises(CommandError) as excinfo:
        call_command("load_report_dataset", "/no/such/file.json", verbosity=0)

    assert str(excinfo.value) == "/no/such/file.json: no such file; nothing was imported."


def test_seed_demo_twice_duplicates_nothing(settings):
    settings.DEBUG = True  # the demo runs only there
    call_command("seed_demo", verbosity=0)
    before = snapshot()

    call_command("seed_demo", verbosity=0)

    assert snapshot() == before
    assert Activity.objects.published().filter(cycle__slug="report-2024").count() == 271


def test_seed_demo_refuses_to_run_under_production_settings(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as excinfo:
        call_command("seed_demo", verbosity=0)

    assert "runs only with DEBUG=true" in str(excinfo.value)
    assert not get_user_model().objects.filter(username="manager").exists()


def test_earlier_report_known_only_in_part_imports_its_outline_and_contributors(dataset, capsys):
    """An earlier report of which only the outline and the entities are known."""
    dataset["report"].update(symbol="A/70/63-E/2015/10", date="2015-03-02", reporting_year=2014)
    dataset["activities"] = []
    path_data = json.loads(json.dumps(dataset))

    result = import_dataset(path_data)

    cycle = result.cycle
    assert result.warnings == [
        "The dataset lists no activities: the cycle holds the report's outline and "
        "contributors only, as far as they are known."
    ]
    assert cycle.outline == dataset["outline"]
    assert cycle.state == "published"
    assert cycle.invited_entities.count() == 38
    assert Activity.objects.filter(cycle=cycle).count() == 0


def test_command_warns_about_a_dataset_without_activities(dataset, tmp_path, capsys):
    from django.core.management import call_command

    dataset["activities"] = []
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")

    call_command("load_report_dataset", str(path), verbosity=1)

    err = capsys.readouterr().err
    assert err.startswith("Warning: The dataset lists no activities:")


def test_dataset_with_nothing_in_it_is_refused(dataset):
    dataset.update(activities=[], outline=[], entities=[])

    with pytest.raises(DatasetError) as excinfo:
        import_dataset(dataset)

    assert str(excinfo.value) == (
        "dataset: holds no activities, and neither an outline nor entities"
    )
    assert ReviewCycle.objects.count() == 0


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), float("nan")])
def test_an_outline_holding_what_json_cannot_is_refused(dataset, number):
    # Python's json reads Infinity and NaN; PostgreSQL's jsonb refuses them.
    dataset["outline"][0]["weight"] = number

    with pytest.raises(DatasetError) as excinfo:
        import_dataset(dataset)

    assert str(excinfo.value) == (f"outline: holds {number}, which is not a number JSON can hold")
    assert ReviewCycle.objects.count() == 0


def test_import_keeps_the_cover_and_note_1(dataset):
    cycle = import_dataset(dataset).cycle

    assert cycle.bodies == (
        "General Assembly, seventy-ninth session\n"
        "Economic and Social Council, 2024 session (27 July 2023 - 24 July 2024)"
    )
    assert (cycle.agenda_item, cycle.agenda_note) == ("18 (b)", "E/2023/1")
    assert cycle.agenda_title == (
        "Economic and environmental questions: science and technology for development"
    )
    assert (cycle.distribution, cycle.original_language) == ("General", "en")
    assert cycle.inputs_url == dataset["footnotes"][0]["urls"][0]
    assert cycle.urls_accessed.isoformat() == "2023-01-01"
    contributors = [e["acronym"] for e in dataset["entities"] if e["contributed_to_report"]]
    assert cycle.contributor_order == contributors


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r.update(urls_accessed="January 2023"),
            "report: 'urls_accessed' must be a month like 2023-01",
        ),
        (lambda r: r.update(distribution="Secret"), "report: unknown distribution 'Secret'"),
        (
            lambda r: r.update(original_language="la"),
            "report: unknown original language 'la'",
        ),
        (lambda r: r.update(bodies=["Two\nlines"]), "report: body #1 must be one line of text"),
        (
            lambda r: r.update(inputs_url="ftp://example.org/x"),
            "report: 'ftp://example.org/x' is not a valid web address",
        ),
    ],
)
def test_bad_cover_field_is_refused(dataset, change, message):
    change(dataset["report"])

    with pytest.raises(DatasetError) as excinfo:
        import_dataset(dataset)

    assert str(excinfo.value) == message
    assert ReviewCycle.objects.count() == 0


def test_an_entity_named_twice_is_one_and_the_lead_never_its_own_partner(dataset):
    record = dataset["activities"][0]
    lead, *_ = record["entities"]
    other = next(e["acronym"] for e in dataset["entities"] if e["acronym"] != lead)
    record["entities"] = [lead, other, lead, other]

    import_dataset(dataset)

    activity = Activity.objects.get(source_id=record["id"])
    assert activity.entity.acronym == lead
    assert [p.acronym for p in activity.partners.all()] == [other]
