"""The public follow-up of the mandates: what /mandates/, its statistics and the
API read, from published updates only, in a fixed number of queries.

The status light of a mandate (in the manner of the SDG Actions platform):
``reported`` when an update on it is published in the latest announced cycle
that asks about it, ``due`` when that cycle asks about it and nothing is
published yet, ``none`` when no announced cycle has asked about it yet.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from activities.models import ActionLine, ActionLineFacilitator, Activity
from reviews.models import ReviewCycle, Submission

from .models import Addressee, Mandate, MandateUpdate

LIGHTS = {
    "reported": _("Reported this cycle"),
    "due": _("Due: nothing published yet"),
    "none": _("Nothing asked yet"),
}


@dataclass
class CycleUpdates:
    cycle: ReviewCycle
    updates: list
    asked: int = 0  # entities with a published contribution that the mandate asks
    reported: int = 0  # of those, how many reported on it

    @property
    def share(self):
        return round(100 * self.reported / self.asked) if self.asked else None


@dataclass
class MandateFollowUp:
    mandate: Mandate
    cycles: list  # CycleUpdates, newest first, the announced cycles that ask about it
    light: str = "none"
    statuses: dict = field(default_factory=dict)  # status -> published updates

    @property
    def light_label(self):
        return LIGHTS[self.light]

    @property
    def update_count(self):
        return sum(len(c.updates) for c in self.cycles)


def _cycle_order(cycle):
    end = cycle.period_end.year if cycle.period_end else (cycle.reporting_year or 0)
    return (end, cycle.deadline.timestamp() if cycle.deadline else 0, cycle.pk)


def facilitated_lines():
    """Entity id -> the ids of the action lines it facilitates (one query)."""
    found = {}
    for entity_id, line_id in ActionLineFacilitator.objects.values_list(
        "entity_id", "action_line_id"
    ):
        found.setdefault(entity_id, set()).add(line_id)
    return found


def follow_up(*, action_lines=(), entity=None, statuses=(), lights=()):
    """Every mandate with its published updates per announced cycle and its light,
    filtered: ``action_lines`` (ActionLine objects, sub-areas included),
    ``entity`` (asked by the mandate, or reported on it), ``statuses`` (of the
    published updates shown), ``lights``. Nine queries whatever the numbers (eight when
    no announced cycle asks about any)."""
    mandates = Mandate.objects.select_related("resolution").prefetch_related(
        Prefetch("asked", queryset=Addressee.objects.select_related("entity")),  # 2
        "action_lines",  # 3
        "themes",  # 4
        Prefetch("cycles", queryset=ReviewCycle.objects.announced()),  # 5
    )
    if action_lines:
        mandates = mandates.filter(
            pk__in=Mandate.objects.for_action_line(list(action_lines)).values("pk")
        )
    mandates = list(mandates.order_by("resolution__adopted_on", "resolution_id", "paragraph"))  # 1
    updates = (
        MandateUpdate.objects.published()
        .filter(mandate__in=[m.pk for m in mandates])
        .select_related("submission__entity", "submission__cycle")
        .prefetch_related(
            Prefetch(
                "activities",
                queryset=Activity.objects.published().only("pk", "title", "entity_id"),
            )
        )
        .order_by("submission__entity__acronym", "pk")
    )  # 6, 7
    by_mandate = {}
    for update in updates:
        by_mandate.setdefault(update.mandate_id, []).append(update)
    facilitated = facilitated_lines()  # 8
    contributors = {}
    cycle_ids = {c.pk for m in mandates for c in m.cycles.all()}
    if cycle_ids:
        for submission in Submission.objects.filter(
            cycle_id__in=cycle_ids, state=Submission.State.PUBLISHED
        ).select_related("entity"):  # 9 (only when a cycle asks)
            contributors.setdefault(submission.cycle_id, []).append(submission.entity)

    results = []
    for mandate in mandates:
        found = by_mandate.get(mandate.pk, [])
        cycles = sorted(mandate.cycles.all(), key=_cycle_order, reverse=True)
        rows = []
        for cycle in cycles:
            in_cycle = [u for u in found if u.submission.cycle_id == cycle.pk]
            asked = [
                e
                for e in contributors.get(cycle.pk, [])
                if mandate.concerns(e, facilitated.get(e.pk, set()))
            ]
            reporting = {u.submission.entity_id for u in in_cycle}
            rows.append(
                CycleUpdates(
                    cycle=cycle,
                    updates=[u for u in in_cycle if not statuses or u.status in statuses],
                    asked=len(asked),
                    reported=len([e for e in asked if e.pk in reporting]),
                )
            )
        light = "none"
        if rows:
            latest = next(
                (r for r in rows if any(u.submission.cycle_id == r.cycle.pk for u in found)),
                None,
            )
            light = "reported" if latest is rows[0] else "due"
        counts = {}
        for update in found:
            counts[update.status] = counts.get(update.status, 0) + 1
        item = MandateFollowUp(mandate=mandate, cycles=rows, light=light, statuses=counts)
        if entity is not None:
            asks = mandate.concerns(entity, facilitated.get(entity.pk, set()))
            if not asks and not any(u.submission.entity_id == entity.pk for u in found):
                continue
            for row in item.cycles:
                row.updates = [u for u in row.updates if u.submission.entity_id == entity.pk]
        if statuses and not any(row.updates for row in item.cycles):
            continue
        if lights and item.light not in lights:
            continue
        results.append(item)
    return results


def statistics(items):
    """Counts for /mandates/stats/: mandates by light, published updates by status,
    mandates and updates by action line, and the share of asked entities that
    reported, per mandate in its latest cycle."""
    by_light = dict.fromkeys(LIGHTS, 0)
    by_status = dict.fromkeys(MandateUpdate.Status.values, 0)
    lines = {}
    for item in items:
        by_light[item.light] += 1
        for status, n in item.statuses.items():
            by_status[status] += n
        for top in {line.parent_id or line.pk for line in item.mandate.action_lines.all()}:
            row = lines.setdefault(top, {"mandates": 0, "updates": 0})
            row["mandates"] += 1
            row["updates"] += sum(item.statuses.values())
    tops = list(ActionLine.objects.top_level().order_by("position"))  # one query
    return {
        "by_light": [(key, LIGHTS[key], n) for key, n in by_light.items()],
        "by_status": [(key, MandateUpdate.Status(key).label, n) for key, n in by_status.items()],
        "by_line": [{"line": line, **lines[line.pk]} for line in tops if line.pk in lines],
        "shares": [(item, item.cycles[0]) for item in items if item.cycles],
    }
