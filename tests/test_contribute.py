import pytest
from django.core import mail
from django.urls import reverse

from activities.models import Activity, Reference
from reviews.models import Comment

from .factories import ActivityFactory, move

pytestmark = pytest.mark.django_db

ANSWERS = {"trends": "More people online.", "achievements": "A new law.", "obstacles": "Money."}


def page(submission):
    return submission.get_absolute_url()


def url(name, submission, *args):
    return reverse(
        f"reviews:{name}", args=[submission.cycle.slug, submission.entity.acronym, *args]
    )


def answers_post(client, submission, answers, updated_at=None):
    submission.refresh_from_db()
    stamp = (updated_at or submission.updated_at).isoformat()
    return client.post(page(submission), {**answers, "updated_at": stamp})


def activity_post(client, submission, **overrides):
    data = {
        "title": "Rural broadband pilots",
        "summary": "Pilots connected 40 villages.",
        "description": "",
        "language": "en",
        "action_lines": ["2"],  # pk of C2, the second action line
        "year": "2024",
        "activity_type": "programme",
        "implementation": "ongoing",
        "references-TOTAL_FORMS": "2",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "30",
        "references-0-url": "https://example.org/pilots",
        "references-0-symbol": "",
        "references-0-label": "Pilot report",
        "references-1-url": "",
        "references-1-symbol": "A/RES/78/132",
        "references-1-label": "",
    }
    data.update(overrides)
    return client.post(url("activity-create", submission), data)


class TestAccess:
    def test_contribute_needs_a_login(self, client):
        response = client.get(reverse("reviews:home"))

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/contribute/"

    def test_home_lists_own_open_calls(self, client, contributor, submission):
        client.force_login(contributor)

        response = client.get(reverse("reviews:home"))

        assert response.status_code == 200
        assert response.context["open_submissions"] == [submission]
        assert b"2025 report" in response.content

    def test_another_entitys_submission_is_not_found(self, client, other_contributor, submission):
        client.force_login(other_contributor)

        shown = client.get(page(submission))
        started = client.post(url("submission-transition", submission, "start"))
        form = client.get(url("activity-create", submission))

        assert (shown.status_code, started.status_code, form.status_code) == (404, 404, 404)
        assert submission.entity.acronym.encode() not in shown.content
        submission.refresh_from_db()
        assert submission.state == "invited"

    def test_another_entitys_activity_is_not_found(
        self, client, contributor, submission, open_cycle
    ):
        from .factories import SubmissionFactory

        foreign = SubmissionFactory(cycle=open_cycle, entity__acronym="ENTB")
        activity = ActivityFactory(submission=foreign, entity=foreign.entity, status="draft")
        client.force_login(contributor)

        response = client.get(url("activity-edit", submission, activity.pk))

        assert response.status_code == 404
        assert activity.title.encode() not in response.content

    def test_login_page_and_login(self, client, contributor):
        assert client.get(reverse("accounts:login")).status_code == 200

        response = client.post(
            reverse("accounts:login"),
            {"username": "alice", "password": "a-long-test-password", "next": "/contribute/"},
        )

        assert response.status_code == 302
        assert response["Location"] == "/contribute/"

    def test_wrong_password_shows_an_error(self, client, contributor):
        response = client.post(
            reverse("accounts:login"), {"username": "alice", "password": "wrong"}
        )

        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content

    def test_password_reset_does_not_reveal_addresses(self, client, contributor):
        known = client.post(reverse("accounts:password_reset"), {"email": "alice@example.org"})
        unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
        assert len(mail.outbox) == 1
        assert "/accounts/password/reset/" in mail.outbox[0].body

    def test_logout_is_post_only(self, client, contributor):
        client.force_login(contributor)

        refused = client.get(reverse("accounts:logout"))
        still_in = client.get("/contribute/")
        done = client.post(reverse("accounts:logout"))
        after = client.get("/contribute/")

        assert (refused.status_code, still_in.status_code) == (405, 200)
        assert done.status_code == 302
        assert after.status_code == 302
        assert after["Location"].startswith(reverse("accounts:login"))


class TestSubmissionPage:
    def test_start_answer_add_activity_and_submit(self, client, contributor, submission):
        client.force_login(contributor)

        client.post(url("submission-transition", submission, "start"))
        saved = answers_post(client, submission, ANSWERS)
        created = activity_post(client, submission)
        submitted = client.post(url("submission-transition", submission, "submit"))

        assert saved.status_code == created.status_code == submitted.status_code == 302
        submission.refresh_from_db()
        assert submission.state == "submitted"
        assert submission.answers == ANSWERS
        activity = submission.activities.get()
        assert (activity.title, activity.status, activity.entity, activity.cycle) == (
            "Rural broadband pilots",
            Activity.Status.DRAFT,
            submission.entity,
            submission.cycle,
        )
        assert [line.code for line in activity.action_lines.all()] == ["C2"]
        assert list(activity.references.values_list("url", "symbol", "label")) == [
            ("https://example.org/pilots", "", "Pilot report"),
            ("", "A/RES/78/132", ""),
        ]
        assert activity.created_by == contributor

    def test_submit_without_answers_shows_the_message(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        response = client.post(url("submission-transition", submission, "submit"), follow=True)

        assert b"Answer these questions before submitting: Trends, Achievements, Obstacles." in (
            response.content
        )
        submission.refresh_from_db()
        assert submission.state == "draft"

    def test_read_only_once_submitted(self, client, contributor, reviewer, manager, submission):
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
        client.force_login(contributor)

        response = client.get(page(submission))
        posted = answers_post(client, submission, {**ANSWERS, "trends": "Changed"})
        add = client.get(url("activity-create", submission))

        assert response.context["editable"] is False
        assert b"Save draft" not in response.content
        assert posted.status_code == 409
        assert b"This submission is submitted and can no longer be edited." in posted.content
        assert add.status_code == 302
        submission.refresh_from_db()
        assert submission.answers["trends"] == "T"

    def test_stale_answers_form_is_refused_and_keeps_the_text(
        self, client, contributor, submission
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        submission.refresh_from_db()
        opened_at = submission.updated_at
        answers_post(client, submission, {**ANSWERS, "trends": "Saved by a colleague"})

        response = answers_post(
            client, submission, {**ANSWERS, "trends": "My late text"}, updated_at=opened_at
        )

        assert response.status_code == 409
        assert b"Someone else saved this submission after you opened it." in response.content
        assert b"My late text" in response.content
        submission.refresh_from_db()
        assert submission.answers["trends"] == "Saved by a colleague"

    def test_activity_form_errors_are_beside_the_fields(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        response = activity_post(
            client,
            submission,
            title="",
            action_lines=[],
            **{"references-0-url": "not a url", "references-1-symbol": ""},
        )

        assert response.status_code == 400
        form = response.context["form"]
        assert form.errors["title"] == ["This field is required."]
        assert form.errors["action_lines"] == ["Choose at least one action line."]
        assert response.context["formset"].errors[0] == {"url": ["Enter a valid URL."]}
        assert not Activity.objects.exists()

    def test_edit_and_remove_an_activity(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        activity_post(client, submission)
        activity = submission.activities.get()
        reference = activity.references.first()

        edit = client.post(
            url("activity-edit", submission, activity.pk),
            {
                "title": "Rural broadband pilots, phase 2",
                "summary": "Pilots connected 80 villages.",
                "language": "en",
                "action_lines": ["2"],
                "year": "2024",
                "updated_at": activity.updated_at.isoformat(),
                "references-TOTAL_FORMS": "1",
                "references-INITIAL_FORMS": "1",
                "references-MIN_NUM_FORMS": "0",
                "references-MAX_NUM_FORMS": "30",
                "references-0-id": str(reference.pk),
                "references-0-url": reference.url,
                "references-0-label": reference.label,
                "references-0-DELETE": "on",
            },
        )
        activity.refresh_from_db()
        symbols = list(activity.references.values_list("symbol", flat=True))
        remove = client.post(url("activity-delete", submission, activity.pk))

        assert edit.status_code == 302
        assert activity.title == "Rural broadband pilots, phase 2"
        assert symbols == ["A/RES/78/132"]
        assert remove.status_code == 302
        assert not Activity.objects.filter(pk=activity.pk).exists()
        assert not Reference.objects.filter(pk=reference.pk).exists()

    def test_stale_activity_edit_is_refused(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        activity_post(client, submission)
        activity = submission.activities.get()
        old_stamp = activity.updated_at.isoformat()
        activity.title = "Changed by a colleague"
        activity.save()

        response = client.post(
            url("activity-edit", submission, activity.pk),
            {
                "title": "Mine",
                "summary": "S",
                "language": "en",
                "action_lines": ["2"],
                "year": "2024",
                "updated_at": old_stamp,
                "references-TOTAL_FORMS": "0",
                "references-INITIAL_FORMS": "0",
                "references-MIN_NUM_FORMS": "0",
                "references-MAX_NUM_FORMS": "30",
            },
        )

        assert response.status_code == 409
        assert b"Someone else saved this activity after you opened it." in response.content
        activity.refresh_from_db()
        assert activity.title == "Changed by a colleague"

    def test_decline(self, client, contributor, submission):
        client.force_login(contributor)

        client.post(url("submission-transition", submission, "decline"))

        submission.refresh_from_db()
        assert submission.state == "declined"

    def test_contributor_cannot_run_secretariat_actions(self, client, contributor, submission):
        client.force_login(contributor)

        response = client.post(url("submission-transition", submission, "publish"))

        assert response.status_code == 404
        submission.refresh_from_db()
        assert submission.state == "invited"
        assert not submission.transitions.exists()

    def test_transitions_are_post_only(self, client, contributor, submission):
        client.force_login(contributor)

        response = client.get(url("submission-transition", submission, "start"))

        assert response.status_code == 405
        assert response["Allow"] == "POST"
        submission.refresh_from_db()
        assert submission.state == "invited"


class TestComments:
    def test_contributor_sees_shared_comments_only(self, client, contributor, reviewer, submission):
        Comment.objects.create(
            submission=submission, author=reviewer, body="Shared note", visibility="shared"
        )
        Comment.objects.create(submission=submission, author=reviewer, body="Internal note")
        client.force_login(contributor)

        response = client.get(page(submission))

        assert b"Shared note" in response.content
        assert b"Internal note" not in response.content

    def test_contributor_comments_are_shared(self, client, contributor, submission):
        client.force_login(contributor)

        client.post(
            url("submission-comment", submission), {"body": "Question?", "visibility": "internal"}
        )

        comment = submission.comments.get()
        assert (comment.body, comment.visibility, comment.author) == (
            "Question?",
            "shared",
            contributor,
        )

    def test_empty_comment_is_a_field_error(self, client, contributor, submission):
        client.force_login(contributor)

        response = client.post(url("submission-comment", submission), {"body": "   "})

        assert response.status_code == 400
        assert response.context["comment_form"].errors == {"body": ["This field is required."]}

    def test_reviewer_sees_internal_comments(self, client, reviewer, submission):
        Comment.objects.create(submission=submission, author=reviewer, body="Internal note")
        client.force_login(reviewer)

        assert b"Internal note" in client.get(page(submission)).content


def test_the_whole_journey(
    client, contributor, reviewer, manager, submission, django_capture_on_commit_callbacks
):
    """Contributor submits, reviewer asks for changes, contributor resubmits, reviewer
    accepts, manager publishes, the public sees it."""
    transition = reverse("admin:reviews_submission_transition", args=[submission.pk])

    def as_(user):
        client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        as_(contributor)
        client.post(url("submission-transition", submission, "start"))
        answers_post(client, submission, ANSWERS)
        activity_post(client, submission)
        client.post(url("submission-transition", submission, "submit"))

        as_(reviewer)
        client.post(transition, {"action": "take_up"})
        client.post(transition, {"action": "request_changes", "comment": "Which villages?"})

        as_(contributor)
        seen = client.get(page(submission))
        answers_post(client, submission, {**ANSWERS, "achievements": "A new law; 40 villages."})
        client.post(url("submission-transition", submission, "submit"))

        as_(reviewer)
        client.post(transition, {"action": "take_up"})
        client.post(transition, {"action": "accept", "confirmed": "yes"})

        as_(manager)
        client.post(transition, {"action": "publish", "confirmed": "yes"})

    client.logout()
    listing = client.get("/activities/", {"entity": "ENTA"})

    assert b"Which villages?" in seen.content
    submission.refresh_from_db()
    assert submission.state == "published"
    assert [a.title for a in listing.context["page"]] == ["Rural broadband pilots"]
    assert list(submission.transitions.values_list("action", flat=True)) == [
        "start",
        "submit",
        "take_up",
        "request_changes",
        "submit",
        "take_up",
        "accept",
        "publish",
    ]
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Received: ENTA's contribution to 2025 report", ["alice@example.org"]),
        ("To review: ENTA, 2025 report", ["rita@example.org"]),  # nobody assigned yet
        ("Changes requested: ENTA, 2025 report", ["alice@example.org"]),
        ("Received: ENTA's contribution to 2025 report", ["alice@example.org"]),
        ("To review: ENTA, 2025 report", ["rita@example.org"]),  # the assigned reviewer
        ("Accepted: ENTA, 2025 report", ["alice@example.org"]),
        ("Published: ENTA, 2025 report", ["alice@example.org"]),
    ]
