"""The secretariat's home: what waits for the person logged in, what is late, who
cannot be reached, and where each open cycle stands. Each list is a queryset
method of ``Submission``; this module only puts them side by side."""

from urllib.parse import urlencode

from django.urls import reverse

from .models import ReviewCycle, Submission
from .rules import is_secretariat

# Rows shown per list; the list's own page has the rest.
LIMIT = 15


def submission_list_url(**params):
    return reverse("admin:reviews_submission_changelist") + "?" + urlencode(params)


def secretariat_home(request):
    user = request.user
    if not is_secretariat(user):
        return {}
    base = Submission.objects.select_related("entity", "cycle", "reviewer").with_round()
    waiting = base.waiting_for_review().order_by("submitted_at", "pk")
    mine = waiting.filter(reviewer=user)
    submitted = waiting.filter(state=Submission.State.SUBMITTED).exclude(reviewer=user)
    open_cycles = list(ReviewCycle.objects.open().order_by("deadline", "title"))
    overdue = base.in_open_cycles().overdue().with_effective_deadline().order_by("cycle", "entity")
    unreachable = (
        base.filter(cycle__state__in=[ReviewCycle.State.PLANNED, ReviewCycle.State.OPEN])
        .filter(state__in=Submission.NOT_SUBMITTED)
        .without_recipient()
        .order_by("entity__acronym", "cycle")
    )
    states = Submission.State.choices
    submitted_rows = list(submitted[:LIMIT])  # one query for both lists
    return {
        "home": {
            "mine": list(mine[:LIMIT]),
            "mine_count": mine.count(),
            "mine_url": submission_list_url(reviewer=user.pk, cycle="all"),
            "new": [s for s in submitted_rows if s.round <= 1],
            "resubmitted": [s for s in submitted_rows if s.round > 1],
            "submitted_count": submitted.count(),
            "submitted_url": submission_list_url(state__exact="submitted", cycle="all"),
            "overdue": list(overdue[:LIMIT]),
            "overdue_count": overdue.count(),
            "overdue_url": submission_list_url(overdue="yes"),
            "unreachable": list(unreachable[:LIMIT]),
            "unreachable_count": unreachable.count(),
            "states": states,
            "cycles": [_cycle_row(cycle, states) for cycle in open_cycles],
        }
    }


def _cycle_row(cycle, states):
    counts = cycle.state_counts()
    return {
        "cycle": cycle,
        "counts": [
            (counts[state], submission_list_url(cycle=cycle.pk, state__exact=state))
            for state, _label in states
        ],
        "total": counts["total"],
        "total_url": submission_list_url(cycle=cycle.pk),
        "dashboard_url": reverse("admin:reviews_reviewcycle_dashboard", args=[cycle.pk]),
    }
