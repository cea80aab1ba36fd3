import datetime as dt
import threading

import pytest
from django.core import mail
from django.utils import timezone

from activities.db import is_postgresql
from activities.models import Activity
from reviews.models import Comment, DeadlineExtension, SentEmail, Submission, TransitionNotAllowed

from .factories import ActivityFactory, SubmissionFactory, move

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "contributor", "other_contributor", "reviewer", "manager"]

# action: (state it starts from, state it ends in, roles allowed)
MATRIX = {
    "start": ("invited", "draft", {"contributor", "manager"}),
    "submit": ("draft", "submitted", {"contributor", "manager"}),
    "decline": ("invited", "declined", {"contributor", "manager"}),
    "recall": ("submitted", "draft", {"contributor", "manager"}),
    "take_up": ("submitted", "under_review", {"reviewer", "manager"}),
    "request_changes": ("under_review", "changes_requested", {"reviewer", "manager"}),
    "accept": ("under_review", "accepted", {"reviewer", "manager"}),
    "publish": ("accepted", "published", {"manager"}),
    "reopen": ("accepted", "changes_requested", {"manager"}),
}


@pytest.fixture
def people(anonymous, contributor, other_contributor, reviewer, manager):
    return {
        "anonymous": anonymous,
        "contributor": contributor,
        "other_contributor": other_contributor,
        "reviewer": reviewer,
        "manager": manager,
    }


def prepared(submission, state, people):
    move(
        submission,
        state,
        contributor=people["contributor"],
        reviewer=people["reviewer"],
        manager=people["manager"],
    )
    if state == "draft":
        submission.save_answers(
            {"trends": "T", "achievements": "A", "obstacles": "O"}, by=people["contributor"]
        )
    return submission


def history(submission):
    return list(submission.transitions.values_list("action", "from_state", "to_state"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_transition_matrix(submission, people, action, role):
    source, target, allowed = MATRIX[action]
    prepared(submission, source, people)
    before = history(submission)
    user = people[role]

    if role in allowed:
        submission.transition(action, by=user, comment="Because.")
        assert submission.state == target
        assert history(submission) == [*before, (action, source, target)]
        assert submission.transitions.last().actor == user
    else:
        with pytest.raises(TransitionNotAllowed) as excinfo:
            submission.transition(action, by=user, comment="Because.")
        assert excinfo.value.code == "forbidden"
        assert str(excinfo.value).startswith("You may not ")
        submission.refresh_from_db()
        assert submission.state == source
        assert history(submission) == before


@pytest.mark.parametrize("action", list(MATRIX))
def test_transition_from_a_wrong_state_changes_nothing(submission, people, action):
    wrong = "submitted" if action == "reopen" else "published"
    prepared(submission, wrong, people)
    before = history(submission)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.transition(action, by=people["manager"], comment="Because.")

    assert excinfo.value.code == "conflict"
    assert str(excinfo.value).startswith(f"This submission is {wrong}; it cannot be ")
    submission.refresh_from_db()
    assert (submission.state, history(submission)) == (wrong, before)


def test_submit_needs_the_required_answers(submission, contributor):
    submission.start(by=contributor)
    submission.save_answers({"trends": "Only this"}, by=contributor)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.submit(by=contributor)

    assert (
        str(excinfo.value) == "Answer these questions before submitting: Achievements, Obstacles."
    )
    assert excinfo.value.code == "invalid"
    submission.refresh_from_db()
    assert submission.state == "draft"


def test_decline_needs_a_reason_and_changes_nothing_without_one(submission, contributor):
    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.decline(by=contributor, comment="  ")

    assert str(excinfo.value) == "Say why your entity declines (the secretariat will see it)."
    assert excinfo.value.field == "comment"
    submission.refresh_from_db()
    assert submission.state == "invited"
    assert not submission.transitions.exists()


def test_recall_brings_a_submitted_submission_back_to_draft(
    submission, contributor, reviewer, manager
):
    move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)

    submission.recall(by=contributor)

    assert submission.state == "draft"
    assert history(submission)[-1] == ("recall", "submitted", "draft")
    assert submission.is_editable
    assert submission.allowed_actions(contributor) == ["submit", "decline"]


def test_recall_after_take_up_is_refused_and_changes_nothing(
    submission, contributor, reviewer, manager
):
    move(submission, "under_review", contributor=contributor, reviewer=reviewer, manager=manager)
    before = history(submission)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.recall(by=contributor)

    assert str(excinfo.value) == "This submission is under review; it cannot be recalled now."
    submission.refresh_from_db()
    assert (submission.state, history(submission)) == ("under_review", before)


def test_recall_once_the_call_is_closed_is_refused(
    submission, contributor, reviewer, manager, open_cycle
):
    move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
    open_cycle.close(by=manager)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.recall(by=contributor)

    assert str(excinfo.value).startswith("The call for inputs to 2025 report is closed")
    submission.refresh_from_db()
    assert submission.state == "submitted"


def test_cycle_questions_are_validated():
    from django.core.exceptions import ValidationError

    from reviews.models import default_questions, validate_questions

    validate_questions(default_questions())
    bad = [
        ([{"key": "Trends!", "label": "T"}], "the key is a short name"),
        ([{"key": "a", "label": "A"}, {"key": "a", "label": "B"}], "Two questions have the key a."),
        ([{"key": "a", "label": " "}], "Question a needs a label."),
        ([{"key": "a", "label": "A", "prompt": "In {year}?"}], "only the placeholder {period}"),
        ([{"key": "a", "label": "A", "report": "summary"}], "trends or obstacles only"),
        ([{"key": "a", "label": "A", "colour": "red"}], "unknown fields: colour"),
    ]
    for value, message in bad:
        with pytest.raises(ValidationError) as excinfo:
            validate_questions(value)
        assert message in excinfo.value.messages[0], value


def test_submit_after_the_deadline_is_refused(submission, contributor, open_cycle):
    prepared(submission, "draft", {"contributor": contributor, "reviewer": None, "manager": None})
    open_cycle.deadline = timezone.now() - dt.timedelta(days=1)
    open_cycle.save()

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.submit(by=contributor)

    assert str(excinfo.value).startswith("The deadline (")
    assert "has passed; ask the secretariat for an extension." in str(excinfo.value)
    submission.refresh_from_db()
    assert submission.state == "draft"
    assert submission.is_overdue


def test_an_extension_lets_the_entity_submit_late(submission, contributor, manager, open_cycle):
    prepared(submission, "draft", {"contributor": contributor, "reviewer": None, "manager": None})
    open_cycle.deadline = timezone.now() - dt.timedelta(days=1)
    open_cycle.save()
    DeadlineExtension.objects.create(
        submission=submission,
        new_deadline=timezone.now() + dt.timedelta(days=3),
        granted_by=manager,
    )

    submission.submit(by=contributor)

    assert submission.state == "submitted"
    assert not Submission.objects.overdue().exists()


def test_request_changes_needs_a_comment(submission, people):
    prepared(submission, "under_review", people)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.request_changes(by=people["reviewer"], comment="  ")

    assert str(excinfo.value) == "Say in a comment why (the contributor will see it)."
    assert excinfo.value.field == "comment"
    submission.refresh_from_db()
    assert submission.state == "under_review"


def test_request_changes_shares_the_comment_and_emails_it(
    submission, people, django_capture_on_commit_callbacks
):
    prepared(submission, "under_review", people)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        submission.request_changes(by=people["reviewer"], comment="Add the 2024 figures.")

    comment = submission.comments.get()
    assert (comment.visibility, comment.body, comment.author) == (
        Comment.Visibility.SHARED,
        "Add the 2024 figures.",
        people["reviewer"],
    )
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "Add the 2024 figures." in mail.outbox[0].body
    assert mail.outbox[0].subject == "Changes requested: ENTA, 2025 report"


def test_take_up_assigns_the_reviewer(submission, people):
    prepared(submission, "submitted", people)

    submission.take_up(by=people["reviewer"])

    assert submission.reviewer == people["reviewer"]


def test_publish_publishes_the_activities_in_the_same_step(submission, people, client):
    activity = ActivityFactory(
        submission=submission, entity=submission.entity, status=Activity.Status.DRAFT
    )
    prepared(submission, "accepted", people)
    assert client.get(activity.get_absolute_url()).status_code == 404

    submission.publish(by=people["manager"])

    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED
    assert activity.published_at == submission.published_at
    assert client.get(activity.get_absolute_url()).status_code == 200


def test_publish_failing_halfway_changes_nothing(submission, people, monkeypatch):
    activity = ActivityFactory(
        submission=submission, entity=submission.entity, status=Activity.Status.DRAFT
    )
    prepared(submission, "accepted", people)

    def broken_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("reviews.models.Transition.objects.create", broken_create)
    with pytest.raises(RuntimeError):
        submission.publish(by=people["manager"])

    submission.refresh_from_db()
    activity.refresh_from_db()
    assert (submission.state, activity.status) == ("accepted", "draft")


def test_reopen_withdraws_published_activities(submission, people):
    activity = ActivityFactory(
        submission=submission, entity=submission.entity, status=Activity.Status.DRAFT
    )
    prepared(submission, "published", people)

    submission.reopen(by=people["manager"], comment="A figure was wrong.")

    activity.refresh_from_db()
    assert submission.state == "changes_requested"
    assert (activity.status, activity.published_at) == ("draft", None)


def test_each_email_is_sent_once_and_logged(submission, people, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        prepared(submission, "published", people)

    sent = SentEmail.objects.order_by("id").values_list("kind", "recipients")
    assert list(sent) == [
        ("received", "alice@example.org"),  # the receipt, to the focal points
        ("submitted", "rita@example.org"),  # the secretariat: nobody assigned, the reviewers
        ("accepted", "alice@example.org"),
        ("published", "alice@example.org"),
    ]
    assert [m.subject for m in mail.outbox] == [
        "Received: ENTA's contribution to 2025 report",
        "To review: ENTA, 2025 report",
        "Accepted: ENTA, 2025 report",
        "Published: ENTA, 2025 report",
    ]


def test_no_email_when_the_transaction_fails(
    submission, people, monkeypatch, django_capture_on_commit_callbacks
):
    prepared(submission, "under_review", people)
    mail.outbox.clear()
    monkeypatch.setattr(
        "reviews.models.Comment.objects.create",
        lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")),
    )

    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True) as queued:
        submission.request_changes(by=people["reviewer"], comment="x")

    assert (queued, mail.outbox) == ([], [])
    assert not SentEmail.objects.filter(kind="changes_requested").exists()


def test_open_call_invites_each_entity_once(
    open_cycle, manager, entity_a, entity_b, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    SubmissionFactory(cycle=open_cycle, entity=entity_a)  # invited already

    with django_capture_on_commit_callbacks(execute=True):
        new = open_cycle.open_call(by=manager)

    assert [s.entity for s in new] == [entity_b]
    assert open_cycle.state == "open"
    assert open_cycle.submissions.count() == 2
    assert SentEmail.objects.filter(kind="invitation").count() == 1
    assert new[0].transitions.get().action == "invite"


def test_open_call_refused_for_reviewers_and_when_open(open_cycle, reviewer, manager):
    with pytest.raises(TransitionNotAllowed) as excinfo:
        open_cycle.open_call(by=reviewer)
    assert str(excinfo.value) == "Only a secretariat manager can do this."

    open_cycle.open_call(by=manager)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        open_cycle.open_call(by=manager)
    assert str(excinfo.value) == "The cycle is open; this is not possible now."


def test_cycle_close_and_publish(open_cycle, manager):
    open_cycle.open_call(by=manager)
    open_cycle.close(by=manager)
    open_cycle.publish(by=manager)

    open_cycle.refresh_from_db()
    assert open_cycle.state == "published"


def test_stale_answers_are_refused_and_nothing_is_lost(submission, contributor, other_contributor):
    submission.start(by=contributor)
    opened_at = submission.updated_at
    submission.save_answers({"trends": "First save"}, by=contributor)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.save_answers({"trends": "Late save"}, by=contributor, seen_updated_at=opened_at)

    assert str(excinfo.value).startswith("Someone else saved this submission after you opened it.")
    submission.refresh_from_db()
    assert submission.answers == {"trends": "First save"}


def test_answers_cannot_be_edited_once_submitted(submission, people):
    prepared(submission, "submitted", people)

    with pytest.raises(TransitionNotAllowed) as excinfo:
        submission.save_answers({"trends": "Changed"}, by=people["contributor"])

    assert str(excinfo.value) == "This submission is submitted and can no longer be edited."
    submission.refresh_from_db()
    assert submission.answers["trends"] == "T"


def test_carry_over_starts_from_last_cycles_accepted_answers(
    submission, contributor, entity_a, open_cycle
):
    from .factories import ReviewCycleFactory

    old = ReviewCycleFactory(slug="report-2024", deadline=timezone.now() - dt.timedelta(days=300))
    SubmissionFactory(
        cycle=old, entity=entity_a, state="published", answers={"trends": "Last year"}
    )

    submission.start(by=contributor, carry_over=True)

    assert submission.answers == {"trends": "Last year"}


def test_carry_over_is_offered_not_forced(submission, contributor, entity_a):
    from .factories import ReviewCycleFactory

    old = ReviewCycleFactory(slug="report-2024")
    SubmissionFactory(cycle=old, entity=entity_a, state="accepted", answers={"trends": "Old"})

    submission.start(by=contributor)

    assert submission.answers == {}


def test_edits_are_kept_in_the_history(submission, contributor):
    submission.start(by=contributor)
    submission.save_answers({"trends": "v1"}, by=contributor)
    submission.save_answers({"trends": "v2"}, by=contributor)

    records = submission.history.order_by("history_date")
    assert [r.answers.get("trends") for r in records if r.answers] == ["v1", "v2"]
    assert records.last().history_user == contributor


class TestVisibility:
    def test_submissions_visible_to_each_role(
        self, submission, anonymous, contributor, other_contributor, reviewer, manager
    ):
        visible = {
            name: list(Submission.objects.visible_to(user))
            for name, user in [
                ("anonymous", anonymous),
                ("contributor", contributor),
                ("other_contributor", other_contributor),
                ("reviewer", reviewer),
                ("manager", manager),
            ]
        }
        assert visible == {
            "anonymous": [],
            "contributor": [submission],
            "other_contributor": [],
            "reviewer": [submission],
            "manager": [submission],
        }

    def test_activities_visible_to_each_role(
        self, submission, anonymous, contributor, other_contributor, reviewer, manager
    ):
        draft = ActivityFactory(
            submission=submission, entity=submission.entity, status=Activity.Status.DRAFT
        )
        public = ActivityFactory()

        def ids(user):
            return sorted(a.pk for a in Activity.objects.visible_to(user))

        assert ids(anonymous) == [public.pk]
        assert ids(other_contributor) == [public.pk]
        assert ids(contributor) == sorted([draft.pk, public.pk])
        assert ids(reviewer) == sorted([draft.pk, public.pk])
        assert ids(manager) == sorted([draft.pk, public.pk])


def test_unpublished_work_never_reaches_the_public(client, submission, people):
    activity = ActivityFactory(
        title="Zanzibar broadband secret",
        submission=submission,
        entity=submission.entity,
        action_lines=["C2"],
        status=Activity.Status.DRAFT,
    )
    prepared(submission, "accepted", people)

    pages = [
        client.get("/"),
        client.get("/activities/"),
        client.get("/activities/", {"q": "Zanzibar"}),
        client.get("/activities/", {"entity": "ENTA"}),
        client.get(submission.entity.get_absolute_url()),
        client.get("/entities/"),
    ]
    exports = [
        b"".join(client.get("/activities/export.csv").streaming_content),
        b"".join(client.get("/activities/export.json", {"q": "Zanzibar"}).streaming_content),
    ]

    for response in pages:  # the search box repeats the query, so look for the rest
        assert b"broadband secret" not in response.content
    for body in exports:
        assert b"broadband secret" not in body
    assert client.get(activity.get_absolute_url()).status_code == 404
    assert pages[2].context["page"].paginator.count == 0
    assert client.get("/").context["activity_count"] == 0


@pytest.mark.skipif(not is_postgresql(), reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_transitions_exactly_one_wins(open_cycle, entity_a, reviewer, manager):
    from django.db import connections

    submission = SubmissionFactory(
        cycle=open_cycle,
        entity=entity_a,
        state="submitted",
        answers={"trends": "T", "achievements": "A", "obstacles": "O"},
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user, action):
        try:
            barrier.wait()
            Submission.objects.get(pk=submission.pk).transition(action, by=user, comment="x")
            outcomes.append(("ok", action))
        except TransitionNotAllowed as exc:
            outcomes.append(("refused", exc.code))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(reviewer, "take_up")),
        threading.Thread(target=act, args=(manager, "take_up")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert submission.transitions.filter(action="take_up").count() == 1


def test_the_transition_table_drives_the_api_the_buttons_and_the_emails():
    """One table: the API's actions, the labels, the contributors' steps and the
    e-mails all come from Submission.TRANSITIONS."""
    from pathlib import Path

    from django.conf import settings

    from reviews.models import ACTION_LABELS, Submission
    from reviews.serializers import TransitionSerializer

    table = Submission.TRANSITIONS
    api_choices = set(TransitionSerializer().fields["action"].choices)

    assert api_choices == set(table) | set(Submission.ALIASES)
    assert {action: step.label for action, step in table.items()} == ACTION_LABELS
    assert set(Submission.CONTRIBUTOR_ACTIONS) == {"start", "submit", "decline", "recall"}
    emails = Path(settings.BASE_DIR) / "templates" / "emails"
    for action, step in table.items():
        assert step.target in Submission.State.values, action
        assert set(step.sources) <= set(Submission.State.values), action
        if step.email:
            assert (emails / f"{step.email}.txt").exists(), action
