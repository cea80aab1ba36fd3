"""The secretariat's workspace: its home, its lists, the reviewer's page of a
submission, confirmations before anything is sent or decided, and the focal
points it invites."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from entities.models import Membership
from reviews.models import SentEmail, Submission, validate_letter

from .factories import (
    ActivityFactory,
    EntityFactory,
    ReferenceFactory,
    ReviewCycleFactory,
    SubmissionFactory,
    UserFactory,
    move,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:reviews_submission_changelist"


def change_url(submission):
    return reverse("admin:reviews_submission_change", args=[submission.pk])


@pytest.fixture
def people(contributor, reviewer, manager):
    return {"contributor": contributor, "reviewer": reviewer, "manager": manager}


# --- The home ------------------------------------------------------------------------


def test_secretariat_lands_on_its_home_after_logging_in(client, reviewer, contributor):
    landed = {}
    for user in (reviewer, contributor):
        response = client.post(
            reverse("accounts:login"),
            {"username": user.username, "password": "a-long-test-password"},
        )
        landed[user.username] = response["Location"]
        client.logout()

    assert landed == {"rita": reverse("admin:index"), "alice": reverse("reviews:home")}


def test_home_shows_what_waits_what_is_late_and_who_cannot_be_reached(
    client, people, reviewer, manager, submission, open_cycle, entity_b
):
    mine = submission
    move(mine, "submitted", **people)
    mine.take_up(by=reviewer)
    resubmitted = SubmissionFactory(cycle=open_cycle, entity=entity_b)
    bea = UserFactory(username="bea", entities=[entity_b])
    move(resubmitted, "changes_requested", contributor=bea, reviewer=reviewer, manager=manager)
    resubmitted.reviewer = manager
    resubmitted.save()
    resubmitted.submit(by=bea)
    fresh = SubmissionFactory(cycle=open_cycle, entity=EntityFactory(acronym="NEW"))
    nina = UserFactory(username="nina", entities=[fresh.entity])
    move(fresh, "submitted", contributor=nina, reviewer=reviewer, manager=manager)
    late_cycle = ReviewCycleFactory(
        state="open", title="Late call", deadline=timezone.now() - dt.timedelta(days=2)
    )
    late = SubmissionFactory(cycle=late_cycle, entity=EntityFactory(acronym="LATE"))
    old = ReviewCycleFactory(state="published", deadline=timezone.now() - dt.timedelta(days=400))
    SubmissionFactory(cycle=old, entity=EntityFactory(acronym="OLD"), state="invited")
    client.force_login(reviewer)

    home = client.get(reverse("admin:index")).context["home"]

    assert [s.entity.acronym for s in home["mine"]] == ["ENTA"]
    assert [(s.entity.acronym, s.round) for s in home["resubmitted"]] == [("ENTB", 2)]
    assert [s.entity.acronym for s in home["new"]] == ["NEW"]
    assert [s.entity.acronym for s in home["overdue"]] == ["LATE"]  # not the old cycle's
    assert [s.entity.acronym for s in home["unreachable"]] == ["LATE"]
    counts = {row["cycle"].title: row["counts"] for row in home["cycles"]}
    states = [state for state, _label in home["states"]]
    assert sorted(counts) == ["2025 report", "Late call"]
    assert dict(zip(states, [n for n, _url in counts["2025 report"]], strict=True)) == {
        **dict.fromkeys(states, 0),
        "submitted": 2,
        "under_review": 1,
    }
    assert late in Submission.objects.without_recipient()


def test_home_page_lists_them_in_words(client, people, reviewer, submission, entity_b):
    move(submission, "under_review", **people)
    SubmissionFactory(cycle=submission.cycle, entity=entity_b)
    client.force_login(reviewer)

    page = client.get(reverse("admin:index")).content.decode()

    assert "Waiting for you: 1 submission assigned to you" in page
    assert "Invited, without a focal point: 1 entity" in page  # ENTB
    assert "take_up" not in page


@pytest.mark.parametrize(
    ("role", "machinery"), [("reviewer", []), ("manager", ["Accounts and security"])]
)
def test_machinery_is_under_one_heading_for_managers_only(client, request, role, machinery):
    client.force_login(request.getfixturevalue(role))

    apps = client.get(reverse("admin:index")).context["app_list"]

    names = [str(app["name"]) for app in apps]
    assert names[:4] == ["Reviews", "Entities", "Activities", "Mandates"]
    assert names[4:] == machinery
    if machinery:
        models = {m["object_name"] for m in apps[4]["models"]}
        assert {"User", "Group", "TokenProxy", "AccessAttempt"} <= models


# --- Lists ---------------------------------------------------------------------------


def test_submission_list_starts_on_the_open_calls_and_can_show_all(client, reviewer, submission):
    old = ReviewCycleFactory(state="published")
    imported = SubmissionFactory(cycle=old, entity=EntityFactory(acronym="OLD"), state="published")
    client.force_login(reviewer)

    default = client.get(reverse(CHANGELIST))
    everything = client.get(reverse(CHANGELIST), {"cycle": "all"})
    one = client.get(reverse(CHANGELIST), {"cycle": old.pk})
    bad = client.get(reverse(CHANGELIST), {"cycle": "x"})

    assert list(default.context["cl"].result_list) == [submission]
    assert set(everything.context["cl"].result_list) == {submission, imported}
    assert list(one.context["cl"].result_list) == [imported]
    assert bad.status_code == 302 and "e=1" in bad["Location"]


def test_overdue_column_is_empty_unless_overdue(client, reviewer, submission, open_cycle):
    late_cycle = ReviewCycleFactory(state="open", deadline=timezone.now() - dt.timedelta(days=1))
    SubmissionFactory(cycle=late_cycle, entity=EntityFactory(acronym="LATE"))
    client.force_login(reviewer)

    page = client.get(reverse(CHANGELIST)).content.decode()

    cells = re.findall(r'<td class="field-overdue_display">(.*?)</td>', page)
    assert sorted(cells) == ["", '<span class="overdue-flag">Overdue</span>']
    assert "icon-no.svg" not in page


def test_only_secretariat_staff_are_offered_as_reviewers(
    client, manager, reviewer, contributor, submission
):
    boss = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(manager)

    form = client.get(change_url(submission)).context["adminform"].form
    assign = client.post(
        reverse(CHANGELIST),
        {"action": "assign_reviewer", "_selected_action": [submission.pk]},
    )
    refused = client.post(
        reverse(CHANGELIST),
        {
            "action": "assign_reviewer",
            "_selected_action": [submission.pk],
            "apply": "1",
            "reviewer": contributor.pk,
        },
    )

    offered = list(form.fields["reviewer"].queryset)
    assert offered == [manager, reviewer, boss]
    assert list(assign.context["form"].fields["reviewer"].queryset) == offered
    assert "reviewer" in refused.context["form"].errors
    submission.refresh_from_db()
    assert submission.reviewer is None


# --- The reviewer's page of a submission --------------------------------------------


def test_submission_page_shows_answers_activities_and_references(
    client, people, reviewer, submission
):
    move(
        submission,
        "submitted",
        **people,
        answers={"trends": "Fibre everywhere", "achievements": "A", "obstacles": "O"},
    )
    activity = ActivityFactory(
        title="Rural broadband pilots",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        status="draft",
    )
    ReferenceFactory(activity=activity, url="https://example.org/pilots", label="Report")
    ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132")
    client.force_login(reviewer)

    page = client.get(change_url(submission)).content.decode()

    assert "Fibre everywhere" in page
    assert "Rural broadband pilots" in page
    assert "Report: " in page and "https://example.org/pilots" in page
    assert "A/RES/78/132" in page
    assert "Round 2" not in page


def test_resubmission_shows_its_round_and_what_changed(client, people, reviewer, submission):
    contributor = people["contributor"]
    move(submission, "changes_requested", **people)
    kept = ActivityFactory(
        title="Kept",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        status="draft",
    )
    # The activity existed before the request; one more is added after it.
    submission.refresh_from_db()
    sent_back = submission.last_sent_back()
    sent_back.created_at = timezone.now() + dt.timedelta(seconds=1)
    sent_back.save()
    later = sent_back.created_at + dt.timedelta(seconds=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        submission.save_answers(
            {"trends": "T", "achievements": "A and more", "obstacles": "O"}, by=contributor
        )
        ActivityFactory(
            title="Added later",
            entity=submission.entity,
            submission=submission,
            cycle=submission.cycle,
            status="draft",
        )
    submission.submit(by=contributor)
    client.force_login(reviewer)

    response = client.get(change_url(submission))

    changes = response.context["changes"]
    assert changes["round"] == 2
    assert [(a["label"], a["changed"]) for a in changes["answers"]] == [
        ("Trends", False),
        ("Achievements", True),
        ("Obstacles", False),
    ]
    assert [a.title for a in changes["added"]] == ["Added later"]
    assert (changes["removed"], changes["changed"]) == ([], [])
    page = response.content.decode()
    assert "Round 2: changed since changes were requested" in page
    assert "<ins>and more</ins>" in page
    assert kept.title in page


def test_accept_asks_for_confirmation_first(client, people, reviewer, submission):
    move(submission, "under_review", **people)
    client.force_login(reviewer)
    transition = reverse("admin:reviews_submission_transition", args=[submission.pk])

    asked = client.post(transition, {"action": "accept", "comment": "Fine."})
    submission.refresh_from_db()
    state_when_asked = submission.state
    done = client.post(
        transition, {"action": "accept", "comment": "Fine.", "confirmed": "yes"}, follow=True
    )

    assert state_when_asked == "under_review"
    assert asked.context["recipients"] == ["alice@example.org"]
    assert "Yes, accept" in asked.content.decode()
    submission.refresh_from_db()
    assert submission.state == "accepted"
    assert [str(m) for m in done.context["messages"]] == [
        "The submission was accepted. The focal points are told by e-mail."
    ]


def test_publish_confirmation_names_what_becomes_public(client, people, manager, submission):
    move(submission, "accepted", **people)
    ActivityFactory(
        title="Pilots",
        entity=submission.entity,
        submission=submission,
        cycle=submission.cycle,
        status="draft",
    )
    client.force_login(manager)
    transition = reverse("admin:reviews_submission_transition", args=[submission.pk])

    asked = client.post(transition, {"action": "publish"})

    page = asked.content.decode()
    assert "its 1 activity become public at once" in page
    assert "<li>Pilots</li>" in page
    submission.refresh_from_db()
    assert submission.state == "accepted"


def test_take_up_is_told_in_plain_words(client, people, reviewer, submission):
    move(submission, "submitted", **people)
    client.force_login(reviewer)

    done = client.post(
        reverse("admin:reviews_submission_transition", args=[submission.pk]),
        {"action": "take_up"},
        follow=True,
    )

    assert [str(m) for m in done.context["messages"]] == [
        "You took up this submission; it is now under review."
    ]
    page = done.content.decode()
    assert ">Take up<" in page  # the history's step, by its name
    assert "take_up" not in page.replace('value="take_up"', "")


# --- Nothing sent blind ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reminders_show_their_recipients_then_count_who_got_none(
    client, reviewer, contributor, submission, open_cycle, entity_b
):
    nobody = SubmissionFactory(cycle=open_cycle, entity=entity_b)
    client.force_login(reviewer)
    chosen = {"action": "remind", "_selected_action": [submission.pk, nobody.pk]}

    asked = client.post(reverse(CHANGELIST), chosen)
    written_when_asked = SentEmail.objects.count()
    sent = client.post(reverse(CHANGELIST), {**chosen, "apply": "1"}, follow=True)

    assert written_when_asked == 0
    assert [(s.entity.acronym, to) for s, to in asked.context["rows"]] == [
        ("ENTA", ["alice@example.org"]),
        ("ENTB", []),
    ]
    page = asked.content.decode()
    assert "1 e-mail will be sent." in page and "1 not sent: no recipient." in page
    assert "Dear focal point of Entity A" in page  # the message itself, before it goes
    assert [str(m) for m in sent.context["messages"]] == [
        "1 e-mail sent.",
        "1 e-mail not sent: no recipient. These entities have no focal point with an e-mail "
        "address: ENTB.",
    ]
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


# --- The call's letter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Dear {entity}, answer by {deadline}.", "Put {link} in the letter"),
        ("Dear {name}: {link}", "Unknown placeholder: name."),
        ("Dear {entity!r}: {link}", "Unknown placeholder: entity."),
        ("Dear {entity: {link}", "A brace is not closed."),
        ("Dear {0}: {link}", "Unknown placeholder: 0."),
    ],
)
def test_letter_with_a_bad_placeholder_is_refused(text, message):
    with pytest.raises(ValidationError) as refused:
        validate_letter(text)

    assert refused.value.messages[0].startswith(message)


def test_cycle_form_refuses_a_bad_letter_and_changes_nothing(client, manager, open_cycle):
    client.force_login(manager)
    url = reverse("admin:reviews_reviewcycle_change", args=[open_cycle.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        letter="Dear {entty}: {link}",
        invited_entities=[e.pk for e in open_cycle.invited_entities.all()],
        questions='[{"key": "trends", "label": "Trends", "required": true}]',
        contributor_order="[]",
        outline="[]",
    )

    response = client.post(url, data)

    assert response.context["adminform"].form.errors["letter"] == [
        "Unknown placeholder: entty. Use only {entity}, {cycle}, {deadline} and {link}."
    ]
    open_cycle.refresh_from_db()
    assert open_cycle.letter == ""


def test_open_call_previews_the_cycles_own_letter_and_sends_it(
    client, manager, contributor, open_cycle, django_capture_on_commit_callbacks
):
    open_cycle.letter = "Dear colleagues of {entity},\n\n{cycle} is due {deadline}: {link}"
    open_cycle.save()
    client.force_login(manager)
    changelist = reverse("admin:reviews_reviewcycle_changelist")
    chosen = {"action": "open_calls", "_selected_action": [open_cycle.pk]}

    asked = client.post(changelist, chosen)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {**chosen, "apply": "1"})

    preview = asked.context["preview"]
    assert preview["text"].startswith("Dear colleagues of Entity A,\n\n2025 report is due ")
    assert preview["text"].endswith(": http://testserver/contribute/report-2025/ENTA/")
    assert [(m.to, m.body) for m in mail.outbox] == [(["alice@example.org"], preview["text"])]
    assert SentEmail.objects.get(submission__entity__acronym="ENTB").state == "no_recipient"


# --- Receipts -----------------------------------------------------------------------------


def test_resubmission_receipt_names_its_round_and_goes_to_the_assigned_reviewer(
    people, reviewer, manager, submission
):
    move(submission, "changes_requested", **people)
    submission.reviewer = manager
    submission.save()
    submission.submit(by=people["contributor"])

    receipt, notice = SentEmail.objects.filter(kind__in=["received", "submitted"]).order_by("-id")[
        :2
    ][::-1]

    assert receipt.recipient_list == ["alice@example.org"]
    assert "This is submission number 2, with the changes that were requested." in receipt.body
    assert notice.recipient_list == ["max@example.org"]
    assert notice.body.startswith(
        'Entity A has resubmitted its contribution to "2025 report" (round 2)'
    )
    assert f"http://testserver/admin/reviews/submission/{submission.pk}/change/" in notice.body


# --- Focal points invited -----------------------------------------------------------------


INVITE = "admin:entities_membership_invite"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_invited_focal_point_chooses_a_password_once(client, manager, entity_a):
    client.force_login(manager)

    client.post(
        reverse(INVITE),
        {"name": "Ana María Díaz", "email": "Ana@Example.org ", "entity": entity_a.pk},
    )
    client.logout()
    user = get_user_model().objects.get(email="ana@example.org")
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    chosen = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-pass-2026", "new_password2": "a-brand-new-pass-2026"},
    )
    again = client.get(link, follow=True)

    assert (user.username, user.first_name, user.last_name) == (
        "ana@example.org",
        "Ana María",
        "Díaz",
    )
    assert list(Membership.objects.filter(user=user).values_list("entity__acronym", flat=True)) == [
        "ENTA"
    ]
    assert mail.outbox[0].to == ["ana@example.org"]
    assert "Your username is ana@example.org." in mail.outbox[0].body
    assert chosen.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-pass-2026")
    assert again.context["validlink"] is False  # the link works once


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"name": "Ana", "email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"name": "   ", "email": "ana@example.org"}, "name", "This field is required."),
        ({"name": "Ana", "email": ""}, "email", "This field is required."),
        (
            {"name": "Ana", "email": "ana@example.org", "entity": "999999"},
            "entity",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_invitation_with_bad_input_changes_nothing(client, manager, entity_a, data, field, error):
    client.force_login(manager)
    data = {"entity": entity_a.pk, **data}
    users = get_user_model().objects.count()

    response = client.post(reverse(INVITE), data)

    assert response.context["form"].errors[field] == [error]
    assert get_user_model().objects.count() == users
    assert not SentEmail.objects.exists()


def test_inviting_an_existing_account_links_it_and_twice_is_refused(
    client, manager, other_contributor, entity_a
):
    client.force_login(manager)
    data = {"name": "Bob", "email": "BOB@example.org", "entity": entity_a.pk}

    first = client.post(reverse(INVITE), data)
    second = client.post(reverse(INVITE), data)

    assert first.status_code == 302
    assert sorted(other_contributor.memberships.values_list("entity__acronym", flat=True)) == [
        "ENTA",
        "ENTB",
    ]
    assert get_user_model().objects.filter(email__iexact="bob@example.org").count() == 1
    row = SentEmail.objects.get()
    assert "Log in with your existing account (bob)" in row.body
    assert second.context["form"].errors["email"] == [
        "bob@example.org is already a focal point of ENTA."
    ]
    assert SentEmail.objects.count() == 1


def test_invitation_is_atomic(client, manager, entity_a, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("reviews.emails.SentEmail.objects.create", broken)
    client.force_login(manager)
    client.raise_request_exception = True

    with pytest.raises(RuntimeError):
        client.post(
            reverse(INVITE), {"name": "Ana", "email": "ana@example.org", "entity": entity_a.pk}
        )

    assert not get_user_model().objects.filter(email="ana@example.org").exists()
    assert not Membership.objects.filter(entity=entity_a).exists()


def test_reviewers_may_not_invite(client, reviewer, entity_a):
    client.force_login(reviewer)

    response = client.post(
        reverse(INVITE), {"name": "Ana", "email": "ana@example.org", "entity": entity_a.pk}
    )

    assert response.status_code == 403
    assert not get_user_model().objects.filter(email="ana@example.org").exists()


def cycle_form_data(client, url, cycle, **rows):
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        invited_entities=[e.pk for e in cycle.invited_entities.all()],
        contributor_order="[]",
        outline="[]",
    )
    data.pop("questions", None)
    data.update(rows)
    return data


def test_cycle_questions_are_edited_as_rows_in_the_admin(client, manager, open_cycle):
    client.force_login(manager)
    url = reverse("admin:reviews_reviewcycle_change", args=[open_cycle.pk])
    shown = client.get(url).content.decode()
    data = cycle_form_data(
        client,
        url,
        open_cycle,
        **{
            "questions-TOTAL": "4",
            "questions-0-key": "trends",
            "questions-0-label": "Trends",
            "questions-0-prompt": "What changed during {period}?",
            "questions-0-guidance": "",
            "questions-0-required": "1",
            "questions-1-key": "achievements",
            "questions-1-label": "Achievements",
            "questions-1-DELETE": "1",
            "questions-2-key": "obstacles",
            "questions-2-label": "Obstacles",
            "questions-3-key": "mandates",
            "questions-3-label": "WSIS+20 mandates",
            "questions-3-prompt": "What did you do on the resolution's mandates?",
            "questions-3-guidance": "Name the paragraphs.",
            "questions-3-report": "obstacles",
        },
    )

    response = client.post(url, data)

    assert "Question 1 (trends)" in shown
    assert 'name="questions-0-prompt"' in shown
    assert response.status_code == 302
    open_cycle.refresh_from_db()
    assert open_cycle.questions == [
        {
            "key": "trends",
            "label": "Trends",
            "prompt": "What changed during {period}?",
            "guidance": "",
            "required": True,
        },
        {"key": "obstacles", "label": "Obstacles", "prompt": "", "guidance": "", "required": False},
        {
            "key": "mandates",
            "label": "WSIS+20 mandates",
            "prompt": "What did you do on the resolution's mandates?",
            "guidance": "Name the paragraphs.",
            "required": False,
            "report": "obstacles",
        },
    ]
    assert open_cycle.questions_for("obstacles") == ["obstacles", "mandates"]
    assert [q.prompt for q in open_cycle.question_list()][0] == "What changed during 2024?"


def test_cycle_questions_with_a_bad_key_are_refused_and_change_nothing(client, manager, open_cycle):
    client.force_login(manager)
    url = reverse("admin:reviews_reviewcycle_change", args=[open_cycle.pk])
    before = open_cycle.questions
    data = cycle_form_data(
        client,
        url,
        open_cycle,
        **{
            "questions-TOTAL": "2",
            "questions-0-key": "Trends 2",
            "questions-0-label": "Trends",
            "questions-1-key": "x",
            "questions-1-label": "X",
            "questions-1-prompt": "In {year}?",
        },
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["questions"] == [
        "Question 1: the key is a short name in lowercase letters, digits and _, such as trends."
    ]
    assert 'value="Trends 2"' in response.content.decode()  # the typed rows stay
    open_cycle.refresh_from_db()
    assert open_cycle.questions == before
