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

    def test_decline_asks_for_a_reason_and_keeps_it(self, client, contributor, submission):
        client.force_login(contributor)

        asked = client.get(url("submission-transition", submission, "decline"))
        refused = client.post(url("submission-transition", submission, "decline"), {"comment": " "})
        submission.refresh_from_db()
        state_after_refusal = submission.state
        done = client.post(
            url("submission-transition", submission, "decline"),
            {"comment": "No WSIS work this year."},
            follow=True,
        )

        assert b"Why does your entity decline?" in asked.content
        assert refused.status_code == 400
        assert b"Say why your entity declines (the secretariat will see it)." in refused.content
        assert state_after_refusal == "invited"
        submission.refresh_from_db()
        assert submission.state == "declined"
        step = submission.transitions.get()
        assert (step.action, step.comment) == ("decline", "No WSIS work this year.")
        assert submission.comments.get().body == "No WSIS work this year."
        assert b"The entity declined the call. The secretariat sees your reason." in done.content

    def test_contributor_cannot_run_secretariat_actions(self, client, contributor, submission):
        client.force_login(contributor)

        response = client.post(url("submission-transition", submission, "publish"))

        assert response.status_code == 404
        submission.refresh_from_db()
        assert submission.state == "invited"
        assert not submission.transitions.exists()

    def test_transitions_without_a_question_are_post_only(self, client, contributor, submission):
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


class TestQuestionsAndSubmitting:
    def test_the_questions_are_worded_with_the_reporting_period(
        self, client, contributor, submission
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        response = client.get(page(submission))

        html = response.content.decode()
        assert (
            "What were the main trends in the implementation of the WSIS outcomes during 2024?"
            in html
        )
        assert "Name the results, with figures where you have them." in html
        assert "Required before submitting." not in html
        assert [
            (f.label, q.required) for f, q in response.context["answers_form"].question_fields()
        ] == [
            ("Trends", True),
            ("Achievements", True),
            ("Obstacles", True),
        ]

    def test_the_questions_read_in_the_visitors_language(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        response = client.get(page(submission), HTTP_ACCEPT_LANGUAGE="fr")

        labels = [f.label for f, q in response.context["answers_form"].question_fields()]
        assert labels == ["Tendances", "Réalisations", "Obstacles"]

    def test_submit_saves_the_typed_answers_first_then_asks_to_confirm(
        self, client, contributor, submission
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        submission.refresh_from_db()

        response = client.post(
            page(submission),
            {**ANSWERS, "updated_at": submission.updated_at.isoformat(), "then": "submit"},
        )
        confirm = client.get(response["Location"])

        submission.refresh_from_db()
        assert response["Location"] == url("submission-transition", submission, "submit")
        assert (submission.state, submission.answers) == ("draft", ANSWERS)
        assert b"Review and confirm" in confirm.content
        assert b"A new law." in confirm.content
        assert b"Submit to the secretariat" in confirm.content

    def test_submit_with_missing_answers_keeps_the_typed_ones(
        self, client, contributor, submission
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        submission.refresh_from_db()

        client.post(
            page(submission),
            {"trends": "Typed", "updated_at": submission.updated_at.isoformat(), "then": "submit"},
        )
        confirm = client.get(url("submission-transition", submission, "submit"))
        refused = client.post(url("submission-transition", submission, "submit"), follow=True)

        submission.refresh_from_db()
        assert submission.answers["trends"] == "Typed"
        assert submission.state == "draft"
        assert b"Submit to the secretariat" not in confirm.content
        assert b"Answer these questions before submitting:" in confirm.content
        assert b"Answer these questions before submitting: Achievements, Obstacles." in (
            refused.content
        )
        assert b"Typed" in refused.content

    def test_autosave_answers_json_and_keeps_the_stale_check(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        submission.refresh_from_db()
        opened_at = submission.updated_at.isoformat()

        saved = client.post(page(submission), {**ANSWERS, "updated_at": opened_at, "autosave": "1"})
        stale = client.post(
            page(submission),
            {**ANSWERS, "trends": "Late", "updated_at": opened_at, "autosave": "1"},
        )

        submission.refresh_from_db()
        assert saved.json() == {
            "saved": True,
            "updated_at": submission.updated_at.isoformat(),
            "message": "Your answers are saved.",
        }
        assert stale.status_code == 409
        assert stale.json()["message"].startswith("Someone else saved this submission")
        assert submission.answers == ANSWERS

    def test_after_submitting_the_page_says_what_happens_next_and_who_got_a_receipt(
        self, client, contributor, reviewer, submission, django_capture_on_commit_callbacks
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        answers_post(client, submission, ANSWERS)

        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(url("submission-transition", submission, "submit"), follow=True)

        html = done.content.decode()
        assert "The submission was sent to the secretariat." in html
        assert "What happens next" in html
        assert "A reviewer will take it up and read it." in html
        assert "A receipt was sent by e-mail to alice@example.org" in html
        assert [m.to for m in mail.outbox] == [["alice@example.org"], ["rita@example.org"]]

    def test_without_a_focal_point_address_the_page_says_nobody_got_a_receipt(
        self, client, contributor, submission
    ):
        contributor.email = ""
        contributor.save()
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        answers_post(client, submission, ANSWERS)

        done = client.post(url("submission-transition", submission, "submit"), follow=True)

        assert (
            "No receipt was sent by e-mail: nobody at ENTA has an e-mail address in the tracker."
            in done.content.decode()
        )

    def test_activity_cards_show_the_submissions_state(
        self, client, contributor, reviewer, manager, submission
    ):
        ActivityFactory(
            title="Pilots", submission=submission, entity=submission.entity, status="draft"
        )
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
        client.force_login(contributor)

        response = client.get(page(submission))

        html = response.content.decode()
        meta = html[html.index("Pilots") :]
        assert "· Submitted ·" in meta[: meta.index("</article>")]
        assert "· Draft ·" not in meta[: meta.index("</article>")]

    def test_changes_requested_stand_at_the_top_and_the_button_says_resubmit(
        self, client, contributor, reviewer, manager, submission
    ):
        move(
            submission,
            "changes_requested",
            contributor=contributor,
            reviewer=reviewer,
            manager=manager,
        )
        client.force_login(contributor)

        response = client.get(page(submission))
        confirm = client.get(url("submission-transition", submission, "submit"))

        html = response.content.decode()
        assert html.index("The secretariat asks for changes") < html.index('id="answers-heading"')
        assert "Please add references." in html[: html.index('id="answers-heading"')]
        assert "Review and resubmit" in html
        assert b"Resubmit to the secretariat" in confirm.content

    def test_resubmit_sends_a_receipt_again(
        self, client, contributor, reviewer, manager, submission, django_capture_on_commit_callbacks
    ):
        move(
            submission,
            "changes_requested",
            contributor=contributor,
            reviewer=reviewer,
            manager=manager,
        )
        client.force_login(contributor)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(url("submission-transition", submission, "submit"), follow=True)

        submission.refresh_from_db()
        assert submission.state == "submitted"
        assert [(m.subject, m.to) for m in mail.outbox] == [
            ("Received: ENTA's contribution to 2025 report", ["alice@example.org"]),
            ("To review: ENTA, 2025 report", ["rita@example.org"]),
        ]
        assert "A receipt was sent by e-mail to alice@example.org" in done.content.decode()


class TestRecall:
    def test_recall_asks_first_then_brings_the_submission_back_to_draft(
        self, client, contributor, reviewer, manager, submission
    ):
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
        client.force_login(contributor)

        shown = client.get(page(submission))
        asked = client.get(url("submission-transition", submission, "recall"))
        done = client.post(url("submission-transition", submission, "recall"), follow=True)

        assert b"Recall to change it" in shown.content
        assert b"Recall to draft" in asked.content
        submission.refresh_from_db()
        assert submission.state == "draft"
        assert submission.transitions.last().action == "recall"
        assert b"The submission was recalled: it is a draft again" in done.content
        assert done.context["editable"] is True

    def test_recall_is_refused_once_a_reviewer_took_it_up(
        self, client, contributor, reviewer, manager, submission
    ):
        move(
            submission, "under_review", contributor=contributor, reviewer=reviewer, manager=manager
        )
        before = list(submission.transitions.values_list("action", flat=True))
        client.force_login(contributor)

        asked = client.get(url("submission-transition", submission, "recall"), follow=True)
        refused = client.post(url("submission-transition", submission, "recall"), follow=True)

        message = b"This submission is under review; it cannot be recalled now."
        assert message in asked.content
        assert message in refused.content
        submission.refresh_from_db()
        assert submission.state == "under_review"
        assert list(submission.transitions.values_list("action", flat=True)) == before


class TestActivityForm:
    def test_partners_are_checkboxes_and_no_choice_is_dashes(self, client, contributor, submission):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        response = client.get(url("activity-create", submission))

        html = response.content.decode()
        assert "---------" not in html
        assert 'type="checkbox" name="partners"' in html
        assert "data-filter-list" in html
        assert "Ctrl" not in html
        assert response.context["form"]["year"].value() == 2024

    def test_a_malformed_symbol_is_a_field_error_that_says_what_a_symbol_looks_like(
        self, client, contributor, submission
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        responses = [
            activity_post(client, submission, **{"references-1-symbol": bad})
            for bad in ("A/RES/78-132 bad", "A/RES/78-132")
        ]

        for response in responses:
            assert response.status_code == 400
            errors = response.context["formset"].errors[1]["symbol"]
            assert errors[0].endswith(
                "is not a UN document symbol. A symbol is the body's letters and parts "
                "separated by slashes, such as A/RES/78/132, E/2024/12, A/79/62 or "
                "E/CN.16/2024/2."
            )
        assert not Activity.objects.exists()

    @pytest.mark.parametrize(
        "symbol", ["A/RES/78/132", "E/2024/12", "A/79/62", "E/CN.16/2024/2", "A/79/62-E/2024/12"]
    )
    def test_well_formed_symbols_are_accepted(self, client, contributor, submission, symbol):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        activity_post(client, submission, **{"references-1-symbol": symbol})

        assert Reference.objects.get(symbol=symbol).activity.title == "Rural broadband pilots"

    def test_the_report_heading_is_suggested_and_the_contributor_may_choose_another(
        self, client, contributor, submission
    ):
        from reviews.report import heading_choices

        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))
        activity_post(client, submission)
        activity = submission.activities.get()
        suggested = activity.section_key
        labels = dict(heading_choices(submission.cycle))
        other = next(key for key in labels if key != suggested)

        shown = client.get(url("activity-edit", submission, activity.pk))
        chosen = client.post(
            url("activity-edit", submission, activity.pk),
            {
                "title": activity.title,
                "summary": activity.summary,
                "language": "en",
                "action_lines": ["2"],
                "year": "2024",
                "section_key": other,
                "updated_at": activity.updated_at.isoformat(),
                "references-TOTAL_FORMS": "0",
                "references-INITIAL_FORMS": "0",
                "references-MIN_NUM_FORMS": "0",
                "references-MAX_NUM_FORMS": "30",
            },
        )

        assert suggested in labels
        assert (
            f"Suggested from what the activity says: {labels[suggested]}" in shown.content.decode()
        )
        assert chosen.status_code == 302
        activity.refresh_from_db()
        assert (activity.section_key, activity.section_proposed, activity.section_confirmed) == (
            other,
            True,
            False,
        )
        again = client.get(url("activity-edit", submission, activity.pk))
        assert f"Chosen by you: {labels[other]}" in again.content.decode()

    def test_a_heading_that_is_not_the_cycles_is_a_field_error(
        self, client, contributor, submission
    ):
        client.force_login(contributor)
        client.post(url("submission-transition", submission, "start"))

        response = activity_post(client, submission, section_key="nowhere")

        assert response.status_code == 400
        assert response.context["form"].errors["section_key"] == [
            "Select a valid choice. nowhere is not one of the available choices."
        ]
        assert not Activity.objects.exists()


@pytest.mark.parametrize("n", [1, 3])
def test_submission_page_query_count_is_fixed(
    client, contributor, reviewer, manager, submission, django_assert_num_queries, n
):
    for i in range(n):
        ActivityFactory(
            title=f"Activity {i}", submission=submission, entity=submission.entity, status="draft"
        )
    move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
    client.force_login(contributor)

    # Cycle and entity (the URL's), session, user, groups, the submission, memberships;
    # the receipt; the year-on-year's previous submission; the deadline's extensions
    # (twice: the deadline and "overdue"); the activities with their action lines,
    # regions and references; comments; history; the mandates the cycle asks about
    # (none here).
    with django_assert_num_queries(18):
        response = client.get(page(submission))

    assert [a.title for a in response.context["activities"]] == [f"Activity {i}" for i in range(n)]
