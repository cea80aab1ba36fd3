"""The follow-up of the WSIS+20 outcome: mandates, who is asked, updates on them."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from activities.models import ActionLineFacilitator
from mandates.loader import MandateFileError, load, read_file
from mandates.models import Addressee, Mandate, Resolution

from .factories import EntityFactory

MANDATES = "data/wsis20-mandates.json"
FACILITATORS = "data/action-line-facilitators.json"


@pytest.fixture
def named(db):
    return {
        "ITU": EntityFactory(
            acronym="ITU",
            name_en="International Telecommunication Union",
            kind="un_specialized_agency",
        ),
        "UNESCO": EntityFactory(acronym="UNESCO", name_en="UNESCO", kind="un_specialized_agency"),
        "UNGIS": EntityFactory(
            acronym="UNGIS", name_en="UN Group on the Information Society", kind="un_secretariat"
        ),
    }


@pytest.fixture
def loaded(named):
    load(read_file(MANDATES))
    load(read_file(FACILITATORS))
    return Resolution.objects.get(symbol="A/RES/80/173")


# --- Import ---------------------------------------------------------------------


def test_the_shared_file_imports_its_nine_paragraphs_with_who_is_asked(loaded):
    mandates = list(loaded.mandates.order_by("paragraph"))

    assert [m.paragraph for m in mandates] == [23, 24, 26, 28, 33, 39, 45, 67, 113]
    p67 = loaded.mandates.get(paragraph=67)
    assert p67.due_body == "CSTD, thirtieth session, 2027"
    assert [(a.label, a.scope, a.entity and a.entity.acronym) for a in p67.asked.all()] == [
        ("ITU (as secretariat of UNGIS)", "entity", "ITU"),
        ("WSIS action line facilitators", "facilitators", None),
        ("members of UNGIS", "entity", "UNGIS"),
    ]
    p26 = loaded.mandates.get(paragraph=26)
    assert [a.scope for a in p26.asked.all()] == ["kinds", "kinds", "kinds"]
    assert list(p26.action_lines.values_list("code", flat=True)) == ["C2"]
    assert list(p26.themes.values_list("key", flat=True)) == ["financing"]
    assert str(loaded.adopted_on) == "2025-12-17"


def test_importing_again_changes_nothing(loaded):
    before = list(Addressee.objects.order_by("pk").values_list("pk", flat=True))

    result = load(read_file(MANDATES))

    assert (result.created, result.updated, result.unchanged) == (0, 0, 9)
    assert list(Addressee.objects.order_by("pk").values_list("pk", flat=True)) == before
    assert load(read_file(FACILITATORS)).facilitators == 0


def test_facilitators_are_recorded_with_their_source(loaded):
    rows = ActionLineFacilitator.objects.filter(entity__acronym="UNESCO").order_by("position")

    assert [r.action_line.code for r in rows] == [
        "C3",
        "C7.e-learning",
        "C7.e-science",
        "C8",
        "C9",
        "C10",
    ]
    assert all(r.source.startswith("https://") for r in rows)


def test_a_changed_file_updates_the_paragraph(loaded, tmp_path):
    data = json.loads(Path(MANDATES).read_text())
    data["mandates"][0]["summary_en"] = "Changed."
    data["mandates"][0]["asked"] = ["governments"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))

    result = load(read_file(path))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 8)
    p23 = Mandate.objects.get(paragraph=23)
    assert p23.summary_en == "Changed."
    assert [a.entity_kinds for a in p23.asked.all()] == [["government"]]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"asked": ["the moon"]}, "paragraph 23: unknown addressee 'the moon'"),
        ({"action_lines": ["C99"]}, "paragraph 23: unknown action line C99"),
        ({"paragraph": "x"}, "mandate 1: 'paragraph' must be a positive whole number"),
        ({"asked": [{"label": "X", "entity": "NOPE"}]}, "paragraph 23: 'X': unknown entity"),
    ],
)
def test_a_bad_file_stops_with_one_line_and_changes_nothing(named, tmp_path, change, message):
    data = json.loads(Path(MANDATES).read_text())
    data["mandates"][0].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))

    with pytest.raises(CommandError) as error:
        call_command("load_mandates", str(path), verbosity=0)

    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
    assert Resolution.objects.count() == 0
    assert Mandate.objects.count() == 0


def test_a_file_that_is_no_json_is_refused(db, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{")

    with pytest.raises(MandateFileError, match="not valid JSON"):
        read_file(path)


def test_the_command_imports_both_files(named, capsys):
    call_command("load_mandates", MANDATES, FACILITATORS)

    out = capsys.readouterr().out
    assert "Mandates: 9 created, 0 updated, 0 unchanged" in out
    assert Mandate.objects.count() == 9
    assert ActionLineFacilitator.objects.count() == 14
