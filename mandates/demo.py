"""The demo's biennial cycle: the WSIS+20 mandates, asked about in "2027 report —
progress in 2025–2026", with updates in several states. Built through the real
methods (the transitions and ``MandateUpdate.write``), called by ``seed_demo``."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from activities.models import ActionLine, Activity
from entities.models import Entity
from reviews.models import ReviewCycle

from .loader import load, read_file
from .models import Mandate, MandateUpdate

BIENNIAL_CYCLE = "report-2027"
FILES = ("wsis20-mandates.json", "action-line-facilitators.json")
ANSWERS = {
    "trends": "Affordable connectivity and artificial intelligence governance dominated 2025 "
    "and 2026.",
    "achievements": "The road map for the action line was drafted with its stakeholders.",
    "obstacles": "Follow-up within existing resources slowed the work on financing.",
}
# entity, state, [(paragraph, status, text, link the first activity)]
SUBMISSIONS = [
    (
        "ITU",
        "published",
        [
            (23, "done", "Accessibility by design is now part of ITU's model ICT policy.", True),
            (
                67,
                "under_way",
                "The internal task force on financing met twice; its report to the CSTD is "
                "being drafted for the thirtieth session.",
                False,
            ),
            (113, "under_way", "Road maps for C2 and C5 are in consultation.", True),
        ],
    ),
    (
        "ECA",
        "published",
        [
            (24, "done", "The regional connectivity strategy names the groups left behind.", True),
            (45, "not_applicable", "", False),
        ],
    ),
    ("WHO", "accepted", [(45, "not_started", "", False)]),
    (
        "UNDP",
        "submitted",
        [(26, "under_way", "Two blended-finance facilities for rural connectivity.", True)],
    ),
    ("UNESCO", "draft", [(28, "under_way", "A multilingual content programme began.", False)]),
    ("FAO", "invited", []),
]
STEPS = {
    "draft": ["start"],
    "submitted": ["start", "submit"],
    "accepted": ["start", "submit", "take_up", "accept"],
    "published": ["start", "submit", "take_up", "accept", "publish"],
}


def load_mandates():
    """The shared files, as ``load_mandates`` reads them (idempotent)."""
    for name in FILES:
        load(read_file(settings.BASE_DIR / "data" / name))


def biennial_cycle(users):
    """Create the demo's biennial cycle once; False when it is already there."""
    load_mandates()
    if ReviewCycle.objects.filter(slug=BIENNIAL_CYCLE).exists():
        return False
    manager, reviewer = users["manager"], users["reviewer"]
    now = timezone.now()
    cycle = ReviewCycle.objects.create(
        slug=BIENNIAL_CYCLE,
        title="2027 report — progress in 2025–2026",
        kind=ReviewCycle.Kind.BIENNIAL,
        reporting_year=2026,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 12, 31),
        opens_on=now.date(),
        deadline=(now + dt.timedelta(days=45)).replace(hour=23, minute=59, second=0, microsecond=0),
    )
    cycle.mandates.set(Mandate.objects.filter(resolution__symbol="A/RES/80/173"))
    cycle.invited_entities.set(Entity.objects.filter(acronym__in=[s[0] for s in SUBMISSIONS]))
    cycle.open_call(by=manager)
    lines = {line.code: line for line in ActionLine.objects.all()}
    for acronym, state, updates in SUBMISSIONS:
        submission = cycle.submissions.get(entity__acronym=acronym)
        focal = users["focal-unesco"] if acronym == "UNESCO" else manager
        steps = STEPS.get(state, [])
        for step in steps:
            if step == "submit":
                _fill(submission, focal, updates, lines)
            if step in ("take_up", "accept"):
                getattr(submission, step)(by=reviewer)
            elif step == "start":
                submission.start(by=focal)
            else:
                getattr(submission, step)(by=manager)
        if state == "draft":
            _fill(submission, focal, updates, lines)
    return True


def _fill(submission, user, updates, lines):
    submission.save_answers(ANSWERS, by=user)
    activity = Activity.objects.create(
        title=f"{submission.entity.acronym} follow-up of the WSIS+20 outcome",
        summary="A programme carrying out the outcome's recommendations in 2025 and 2026.",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        year=2026,
        activity_type=Activity.Type.PROGRAMME,
        implementation=Activity.Implementation.ONGOING,
        created_by=user,
        updated_by=user,
    )
    activity.action_lines.set([lines["C2"]])
    for paragraph, status, text, link in updates:
        MandateUpdate.write(
            submission,
            Mandate.objects.get(resolution__symbol="A/RES/80/173", paragraph=paragraph),
            by=user,
            status=status,
            text=text,
            activities=[activity] if link else [],
        )
