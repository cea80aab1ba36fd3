"""Insight for the secretariat and the focal points: this year beside last year,
and how a cycle's responses came in (from the transition history)."""

import datetime as dt
import difflib
import re
import statistics
from collections import Counter, defaultdict

from django.db.models import Count
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from activities.models import Activity

from .models import Submission, Transition

_TOKENS = re.compile(r"\S+|\s+")


def word_diff(old, new):
    """``new`` as HTML, with the words added marked ``<ins>`` and those removed ``<del>``.

    Words are compared, not spaces; the new text keeps its own spacing and line breaks.
    """
    a = (old or "").split()
    tokens = _TOKENS.findall(new or "")
    b = [t for t in tokens if not t.isspace()]
    inserted, deleted = set(), {}
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            deleted[j1] = " ".join(a[i1:i2])
        if op in ("replace", "insert"):
            inserted.update(range(j1, j2))
    out, spaces, marking, w = [], "", False, -1
    for token in tokens:
        if token.isspace():
            spaces += token
            continue
        w += 1
        if marking and (w not in inserted or w in deleted):
            out.append("</ins>")
            marking = False
        out.append(escape(spaces))
        spaces = ""
        if w in deleted:
            out.append(f"<del>{escape(deleted[w])}</del>")
        if w in inserted and not marking:
            out.append("<ins>")
            marking = True
        out.append(escape(token))
    if marking:
        out.append("</ins>")
    out.append(escape(spaces))
    if len(b) in deleted:
        out.append(f"{' ' if b and not spaces else ''}<del>{escape(deleted[len(b)])}</del>")
    return mark_safe("".join(out))


def year_on_year(submission):
    """This cycle's answers beside the entity's previous cycle's, or None."""
    previous = submission.previous_submission()
    if previous is None:
        return None
    rows = compare_answers(submission.cycle.questions, previous.answers, submission.answers)
    return {"previous": previous, "rows": rows}


def compare_answers(questions, old, new):
    """For each question: its label, the two answers, whether they differ and
    their word diff."""
    old, new = old or {}, new or {}
    rows = []
    for question in questions or []:
        key = question["key"]
        before, now = str(old.get(key) or ""), str(new.get(key) or "")
        rows.append(
            {
                "label": question.get("label") or key,
                "previous": before,
                "current": now,
                "diff": word_diff(before, now),
                "changed": before.strip() != now.strip(),
            }
        )
    return rows


# --- The cycle dashboard ---------------------------------------------------------


def history(cycle):
    """When each submission was invited, and its transitions in order (two queries)."""
    created = dict(cycle.submissions.values_list("pk", "created_at"))
    steps = list(
        Transition.objects.filter(submission__cycle=cycle)
        .order_by("created_at", "id")
        .values_list("submission_id", "created_at", "to_state")
    )
    return created, steps


def states_over_time(cycle, today=None, loaded=None):
    """For each day since the call opened, how many submissions were in each state
    at the end of that day, from the transition history."""
    today = timezone.localdate(today) if today else timezone.localdate()
    created, steps = loaded or history(cycle)
    events = defaultdict(list)  # submission → [(time, state)]
    for pk, when, state in steps:
        events[pk].append((when, state))
    starts = [timezone.localdate(t) for t in created.values()]
    first = cycle.opens_on or (min(starts) if starts else today)
    first = min([first, *starts]) if starts else first
    if (today - first).days > 400:  # a long-closed cycle: its last 400 days
        first = today - dt.timedelta(days=400)
    days = [first + dt.timedelta(days=i) for i in range((today - first).days + 1)]
    counts = {state: [0] * len(days) for state in Submission.State.values}
    for pk, born in created.items():
        changes = events.get(pk, [])
        for i, day in enumerate(days):
            end = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
            if born > end:
                continue
            state = Submission.State.INVITED
            for when, to_state in changes:
                if when <= end:
                    state = to_state
                else:
                    break
            counts[state][i] += 1
    return days, counts


def workloads(cycle):
    """Submissions per reviewer and state: ``[(reviewer name, {state: n}, total)]``."""
    rows = (
        cycle.submissions.filter(reviewer__isnull=False)
        .values("reviewer__username", "state")
        .annotate(n=Count("id"))
        .order_by("reviewer__username")
    )
    per = defaultdict(Counter)
    for row in rows:
        per[row["reviewer__username"]][row["state"]] += row["n"]
    return [
        (name, [per[name][s] for s in Submission.State.values], sum(per[name].values()))
        for name in sorted(per)
    ]


def durations(cycle, loaded=None):
    """Days from invitation to (first) submission and from submission to decision
    (its first acceptance): median, shortest and longest, from the transition history."""
    invited, steps = loaded or history(cycle)
    submitted, decided = {}, {}
    for pk, when, state in steps:
        if state == Submission.State.SUBMITTED:
            submitted.setdefault(pk, when)
        elif state == Submission.State.ACCEPTED and pk in submitted:
            decided.setdefault(pk, when)

    def summary(pairs):
        days = [(end - start).total_seconds() / 86400 for start, end in pairs]
        if not days:
            return None
        return {
            "count": len(days),
            "median": round(statistics.median(days), 1),
            "min": round(min(days), 1),
            "max": round(max(days), 1),
        }

    return {
        "to_submission": summary(
            (invited[pk], when) for pk, when in submitted.items() if pk in invited
        ),
        "to_decision": summary((submitted[pk], when) for pk, when in decided.items()),
    }


# --- A resubmission: what changed since changes were requested ---------------------

# The fields of an activity compared between two versions (the history keeps them).
ACTIVITY_FIELDS = ("title", "summary", "description", "year", "start_date", "end_date")


def changes_since_sent_back(submission):
    """On a resubmission, its round and what changed since the secretariat last
    asked for changes: each answer before and now (words marked), the activities
    added, removed and changed (from the history records). None otherwise."""

    sent_back = submission.last_sent_back()
    if sent_back is None or submission.round < 2:
        return None
    when = sent_back.created_at
    before = submission.history.filter(history_date__lte=when).order_by("-history_date").first()
    answers = compare_answers(
        submission.cycle.questions, before.answers if before else {}, submission.answers
    )
    then = {}
    for record in Activity.history.filter(
        submission_id=submission.pk, history_date__lte=when
    ).order_by("history_date", "history_id"):
        then[record.id] = record
    then = {pk: record for pk, record in then.items() if record.history_type != "-"}
    current = {a.pk: a for a in Activity.objects.filter(submission=submission).order_by("pk")}
    edited_since = set(
        Activity.history.filter(submission_id=submission.pk, history_date__gt=when).values_list(
            "id", flat=True
        )
    )
    labels = {f: Activity._meta.get_field(f).verbose_name for f in ACTIVITY_FIELDS}
    changed = []
    for pk in sorted(set(then) & set(current) & edited_since):
        fields = [
            labels[f] for f in ACTIVITY_FIELDS if getattr(then[pk], f) != getattr(current[pk], f)
        ]
        changed.append({"activity": current[pk], "fields": fields})
    return {
        "round": submission.round,
        "sent_back": sent_back,
        "answers": answers,
        "answers_changed": sum(1 for a in answers if a["changed"]),
        "added": [current[pk] for pk in current if pk not in then],
        "removed": [then[pk].title for pk in sorted(then) if pk not in current],
        "changed": changed,
    }
