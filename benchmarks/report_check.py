"""The compiled 2024 report against the real one (run by hand).

    .venv/bin/python benchmarks/report_check.py [--database PATH]

It builds a fresh SQLite database (by default /tmp/wsis-report-check.sqlite3),
imports data/wsis-report-2024.json twice, as it is and as a cycle run in the
tracker would hold the same activities (no paragraph numbers, no report
sections, no note numbers), compiles both in English and in Chinese, renders
the Word file, and prints the editor's figures of each against the real report
(A/79/62-E/2024/12), with the targets of issue 16. It exits non-zero when a
target is missed.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATASET = ROOT / "data" / "wsis-report-2024.json"
SEEDS = (1, 2, 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="/tmp/wsis-report-check.sqlite3")
    args = parser.parse_args()
    Path(args.database).unlink(missing_ok=True)
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{args.database}",
            "SECRET_KEY": "report-check-only-secret-key",
            "DEBUG": "false",
            "SITE_URL": "http://127.0.0.1:8000",
            "DJANGO_SETTINGS_MODULE": "wsis_site.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True
    )

    import django

    django.setup()
    import docx
    from django.utils import translation

    from activities.importer import import_dataset
    from reviews.models import ReviewCycle
    from reviews.report import compile_report
    from reviews.report_fidelity import measure, trend_agreement, without_sections, word_figures
    from reviews.report_render import render_docx

    dataset = json.loads(DATASET.read_text(encoding="utf-8"))
    stripped = import_dataset(without_sections(dataset)).cycle
    # The editors' draft of a cycle run in the tracker: compiling, not yet published.
    ReviewCycle.objects.filter(pk=stripped.pk).update(state=ReviewCycle.State.COMPILING)
    stripped.refresh_from_db()
    cycles = {"imported": import_dataset(dataset).cycle, "without sections": stripped}
    figures = {}
    for name, cycle in cycles.items():
        report = compile_report(cycle)
        figures[name] = measure(report, dataset, cycle)
        with translation.override("zh-hans"):
            chinese = compile_report(cycle)
            figures[name]["chinese"] = chinese.in_other_language()
            figures[name]["chinese_headings"] = [s.heading for s in chinese.sections]
        figures[name]["word"] = word_figures(docx.Document(io.BytesIO(render_docx(report))))
    # The rules read the order in which the entities' work came in; in the
    # file it is the report's own order, which a cycle run in the tracker
    # does not have: the same activities with the entities in other orders.
    shuffled = []
    for seed in SEEDS:
        cycle = import_dataset(without_sections(dataset, f"/ORDER{seed}", seed=seed)).cycle
        ReviewCycle.objects.filter(pk=cycle.pk).update(state=ReviewCycle.State.COMPILING)
        cycle.refresh_from_db()
        shuffled.append(measure(compile_report(cycle), dataset, cycle))
    # What the paragraph rules reach at best: every heading as the editors chose it.
    ceiling = []
    for seed in (None, *SEEDS):
        data = without_sections(dataset, f"/HEADINGS{seed}", seed=seed, keep_headings=True)
        cycle = import_dataset(data).cycle
        ReviewCycle.objects.filter(pk=cycle.pk).update(state=ReviewCycle.State.COMPILING)
        cycle.refresh_from_db()
        ceiling.append(measure(compile_report(cycle), dataset, cycle)["own_paragraphs"])
    labelled = json.loads((ROOT / "tests" / "data" / "section_i_2024.json").read_text())
    trend_share = _share(*trend_agreement(labelled))

    a, b = figures["imported"], figures["without sections"]
    rows = [
        ("headings", 46, a["headings"], b["headings"], ""),
        ("paragraphs in II–III", a["real_paragraphs"], a["paragraphs"], b["paragraphs"], "70–100"),
        (
            "  of which a single sentence",
            "",
            _share(a["single_sentence"], a["paragraphs"]),
            _share(b["single_sentence"], b["paragraphs"]),
            "",
        ),
        ("  opening with a bold label", 0, a["bold_labels"], b["bold_labels"], "0"),
        (
            "real II–III paragraphs as one draft paragraph of their own",
            a["real_paragraphs"],
            _share(a["own_paragraphs"], a["real_paragraphs"]),
            _share(b["own_paragraphs"], b["real_paragraphs"]),
            "≥ 60 % / ≥ 35 %",
        ),
        ("notes", a["real_notes"], a["notes"], b["notes"], "100–125"),
        ("  real notes split over several", 0, a["split_notes"], b["split_notes"], ""),
        ("  real notes missing", 0, a["missing_notes"], b["missing_notes"], ""),
        ("  paragraphs citing a note twice", 0, a["cited_twice"], b["cited_twice"], "0"),
        (
            "activities under the editors' heading",
            a["activities"],
            _share(a["under_editors_heading"], a["activities"]),
            _share(b["under_editors_heading"], b["activities"]),
            "≥ 70 % without sections",
        ),
        (
            "activities whose text is in the draft",
            a["activities"],
            a["activities"] - len(a["missing_text"]),
            b["activities"] - len(b["missing_text"]),
            "all",
        ),
        (
            "Chinese draft: paragraphs still in English (marked lang=en)",
            "",
            "{} of {}".format(*a["chinese"]),
            "{} of {}".format(*b["chinese"]),
            "",
        ),
        ("Word: page size", "A4", a["word"]["page"], b["word"]["page"], "A4"),
        ("Word: cover fields present", 7, a["word"]["cover"], b["word"]["cover"], "7"),
        (
            "Word: running header with the symbol",
            "yes",
            a["word"]["header"],
            b["word"]["header"],
            "",
        ),
        ("Word: page numbers", "yes", a["word"]["page_numbers"], b["word"]["page_numbers"], ""),
        (
            "Word: theme fonts or coloured headings",
            "no",
            a["word"]["themed"],
            b["word"]["themed"],
            "no",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'real':>8}  {'imported':>10}  {'no sections':>12}  target")
    for label, real, mine, other, target in rows:
        print(f"{label:{width}}  {real!s:>8}  {mine!s:>10}  {other!s:>12}  {target}")
    own = sorted(f["own_paragraphs"] for f in shuffled)
    print(
        f"Without sections, the entities' work in {len(SEEDS)} other orders (seeds "
        f"{', '.join(map(str, SEEDS))}): real paragraphs as their own {own[0]}–{own[-1]} of "
        f"{a['real_paragraphs']}; paragraphs {min(f['paragraphs'] for f in shuffled)}–"
        f"{max(f['paragraphs'] for f in shuffled)}; notes {min(f['notes'] for f in shuffled)}–"
        f"{max(f['notes'] for f in shuffled)}"
    )
    print(
        "With every heading as the editors chose it (what the paragraph rules reach at best): "
        f"real paragraphs as their own {ceiling[0]} of {a['real_paragraphs']} in the file's order, "
        f"{min(ceiling[1:])}–{max(ceiling[1:])} in the other orders"
    )
    print()
    print("Chapters:", " / ".join(a["chapters"]))
    print("Chinese chapters:", " / ".join(a["chinese_headings"]))
    print(
        "Section I's own sentences (tests/data/section_i_2024.json) sorted under the editors' "
        f"trend by the rules: {trend_share}"
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        report = compile_report(cycles["imported"])
        compiled = time.perf_counter()
        render_docx(report)
        timings.append((compiled - started, time.perf_counter() - compiled))
    compile_s, word_s = sorted(timings)[1]
    print(
        f"Compiling the imported cycle: {compile_s * 1000:.0f} ms; its Word file: "
        f"{word_s * 1000:.0f} ms (median of 3, this machine)"
    )
    missed = _targets(a, b)
    for line in missed:
        print("MISSED:", line)
    return 1 if missed else 0


def _share(n, total):
    return f"{n} ({round(100 * n / total) if total else 0} %)"


def _targets(a, b):
    missed = []
    for name, f in (("imported", a), ("without sections", b)):
        if not 70 <= f["paragraphs"] <= 100:
            missed.append(f"{name}: {f['paragraphs']} paragraphs in II–III (70–100)")
        if not 100 <= f["notes"] <= 125:
            missed.append(f"{name}: {f['notes']} notes (100–125)")
        if f["missing_text"]:
            missed.append(f"{name}: {len(f['missing_text'])} activities' text not in the draft")
        if len(f["chapters"]) < 5 or not f["chapters"][1].startswith("I."):
            missed.append(f"{name}: chapters {f['chapters']}")
    if a["own_paragraphs"] < 0.6 * a["real_paragraphs"]:
        missed.append("imported: fewer than 60 % of the real paragraphs as their own")
    if b["own_paragraphs"] < 0.35 * b["real_paragraphs"]:
        missed.append("without sections: fewer than 35 % of the real paragraphs as their own")
    if b["under_editors_heading"] < 0.7 * b["activities"]:
        missed.append("without sections: fewer than 70 % of activities under the editors' heading")
    return missed


if __name__ == "__main__":
    sys.exit(main())
