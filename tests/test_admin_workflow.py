import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from reviews.models import DeadlineExtension, SentEmail

from .factories import EntityFactory, SubmissionFactory, move

pytestmark = pytest.mark.django_db


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


class TestWhoMayDoWhatInTheAdmin:
    @pytest.mark.parametrize(
        ("role", "index", "view", "change"),
        [
            ("contributor", 302, 302, 302),  # not staff: sent to the login page
            ("reviewer", 200, 200, 403),
            ("manager", 200, 200, 302),
        ],
    )
    def test_entities(self, client, request, role, index, view, change):
        entity = EntityFactory(acronym="ITU", name_en="ITU")
        client.force_login(request.getfixturevalue(role))

        assert client.get(reverse("admin:index")).status_code == index
        assert client.get(change_url(entity)).status_code == view
        posted = client.post(
            change_url(entity),
            {
                "acronym": "ITU",
                "name_en": "Changed",
                "kind": "academia",
                "is_active": "on",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )
        assert posted.status_code == change
        entity.refresh_from_db()
        assert entity.name_en == ("Changed" if role == "manager" else "ITU")

    def test_reviewer_sees_cycles_read_only(self, client, reviewer, open_cycle):
        client.force_login(reviewer)

        response = client.get(change_url(open_cycle))

        assert response.status_code == 200
        assert response.context["has_change_permission"] is False

    def test_reviewer_cannot_manage_users(self, client, reviewer):
        client.force_login(reviewer)

        listing = client.get(reverse("admin:auth_user_changelist"))
        added = client.post(
            reverse("admin:auth_user_add"),
            {"username": "intruder", "password1": "x-Long-pass-42", "password2": "x-Long-pass-42"},
        )

        assert (listing.status_code, added.status_code) == (403, 403)
        assert b"intruder" not in listing.content
        assert not User.objects.filter(username="intruder").exists()


class TestSubmissionAdmin:
    def test_list_filters(self, client, reviewer, submission):
        client.force_login(reviewer)

        response = client.get(
            reverse("admin:reviews_submission_changelist"),
            {"state__exact": "invited", "overdue": "no", "reviewer": "none"},
        )

        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [submission]

    def test_buttons_offer_the_allowed_actions(
        self, client, contributor, reviewer, manager, submission
    ):
        move(
            submission, "under_review", contributor=contributor, reviewer=reviewer, manager=manager
        )
        client.force_login(reviewer)

        response = client.get(change_url(submission))

        actions = [a for a, _ in response.context["workflow_actions"]]
        assert actions == ["request_changes", "accept"]

    def test_transition_button_refusal_shows_the_message(
        self, client, contributor, reviewer, manager, submission
    ):
        move(submission, "accepted", contributor=contributor, reviewer=reviewer, manager=manager)
        client.force_login(reviewer)
        transition = reverse("admin:reviews_submission_transition", args=[submission.pk])

        response = client.post(transition, {"action": "publish"}, follow=True)

        assert b"You may not publish this submission." in response.content
        submission.refresh_from_db()
        assert submission.state == "accepted"

    def test_comment_inline_records_the_author(self, client, reviewer, submission):
        client.force_login(reviewer)
        data = {
            "reviewer": "",
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "comments-2-TOTAL_FORMS": "1",
            "comments-2-INITIAL_FORMS": "0",
            "comments-2-0-body": "Looks thin on regions.",
            "comments-2-0-visibility": "internal",
            "transitions-TOTAL_FORMS": "0",
            "transitions-INITIAL_FORMS": "0",
            "emails-TOTAL_FORMS": "0",
            "emails-INITIAL_FORMS": "0",
            "activities-TOTAL_FORMS": "0",
            "activities-INITIAL_FORMS": "0",
        }

        response = client.post(change_url(submission), data)

        assert response.status_code == 302, response.context and response.context["errors"]
        comment = submission.comments.get()
        assert (comment.author, comment.visibility) == (reviewer, "internal")

    # Committed for real, as in production: the admin's action runs in autocommit, so
    # each reminder goes out as it is written and the message can say so.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_bulk_remind(self, client, reviewer, contributor, submission):
        client.force_login(reviewer)

        response = client.post(
            reverse("admin:reviews_submission_changelist"),
            {"action": "remind", "_selected_action": [submission.pk], "apply": "1"},
            follow=True,
        )

        assert [m.subject.split(":")[0] for m in mail.outbox] == ["Reminder"]
        assert (SentEmail.objects.get().sent_by, SentEmail.objects.get().state) == (
            reviewer,
            "sent",
        )
        assert [str(m) for m in response.context["messages"]] == ["1 e-mail sent."]

    def test_bulk_extend_deadline_asks_then_applies_and_tells_the_focal_points(
        self, client, manager, contributor, submission
    ):
        client.force_login(manager)
        changelist = reverse("admin:reviews_submission_changelist")
        new_day = timezone.localdate() + dt.timedelta(days=40)
        new = new_day.isoformat()

        ask = client.post(
            changelist, {"action": "extend_deadline", "_selected_action": [submission.pk]}
        )
        bad = client.post(
            changelist,
            {
                "action": "extend_deadline",
                "_selected_action": [submission.pk],
                "apply": "1",
                "new_deadline": "2001-01-01",
            },
        )
        done = client.post(
            changelist,
            {
                "action": "extend_deadline",
                "_selected_action": [submission.pk],
                "apply": "1",
                "new_deadline": new,
                "reason": "Field work",
            },
        )

        assert ask.status_code == 200 and b'type="date"' in ask.content
        assert bad.context["form"].errors == {
            "new_deadline": ["The new deadline must be in the future."]
        }
        assert done.status_code == 302
        extension = DeadlineExtension.objects.get()
        assert (extension.reason, extension.granted_by) == ("Field work", manager)
        assert timezone.localtime(extension.new_deadline).date() == new_day
        told = SentEmail.objects.get(kind="deadline_extended")
        assert (told.recipient_list, told.sent_by) == (["alice@example.org"], manager)
        assert "Field work" in told.body
        assert f"It is now due on {date_format(new_day)}." in told.body

    def test_reviewer_may_not_extend_deadlines(self, client, reviewer, submission):
        client.force_login(reviewer)

        response = client.post(
            reverse("admin:reviews_submission_changelist"),
            {"action": "extend_deadline", "_selected_action": [submission.pk]},
            follow=True,
        )

        assert b"Only managers can extend deadlines." in response.content
        assert not DeadlineExtension.objects.exists()

    def test_bulk_assign_reviewer(self, client, manager, reviewer, submission):
        client.force_login(manager)

        client.post(
            reverse("admin:reviews_submission_changelist"),
            {
                "action": "assign_reviewer",
                "_selected_action": [submission.pk],
                "apply": "1",
                "reviewer": reviewer.pk,
            },
        )

        submission.refresh_from_db()
        assert submission.reviewer == reviewer

    def test_write_to_focal_points_and_resend(
        self, client, manager, contributor, submission, django_capture_on_commit_callbacks
    ):
        client.force_login(manager)

        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("admin:reviews_submission_changelist"),
                {
                    "action": "write_to_focal_points",
                    "_selected_action": [submission.pk],
                    "apply": "1",
                    "subject": "Webinar",
                    "text": "Join us on Friday.",
                },
            )
        sent = SentEmail.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("admin:reviews_submission_resend", args=[submission.pk, sent.pk]))

        assert [(m.subject, m.to) for m in mail.outbox] == [
            ("Webinar", ["alice@example.org"]),
            ("Webinar", ["alice@example.org"]),
        ]
        assert SentEmail.objects.count() == 2


class TestCycleAdmin:
    def test_open_the_call_action(
        self, client, manager, open_cycle, django_capture_on_commit_callbacks
    ):
        client.force_login(manager)
        changelist = reverse("admin:reviews_reviewcycle_changelist")
        chosen = {"action": "open_calls", "_selected_action": [open_cycle.pk]}

        ask = client.post(changelist, chosen)
        open_cycle.refresh_from_db()
        asked_state = open_cycle.state
        with django_capture_on_commit_callbacks(execute=True):
            client.post(changelist, {**chosen, "apply": "1"})

        assert asked_state == "planned"
        assert [(s.entity.acronym, to) for s, to in ask.context["rows"]] == [
            ("ENTA", []),
            ("ENTB", []),
        ]
        assert (ask.context["reachable"], ask.context["unreachable"]) == (0, 2)
        open_cycle.refresh_from_db()
        assert open_cycle.state == "open"
        assert open_cycle.submissions.count() == 2
        assert SentEmail.objects.filter(kind="invitation").count() == 2

    def test_reviewer_cannot_open_the_call(self, client, reviewer, open_cycle):
        client.force_login(reviewer)

        response = client.post(
            reverse("admin:reviews_reviewcycle_changelist"),
            {"action": "open_calls", "_selected_action": [open_cycle.pk]},
            follow=True,
        )

        open_cycle.refresh_from_db()
        assert open_cycle.state == "planned"
        assert b"Only a secretariat manager can do this." in response.content or (
            response.status_code == 403
        )

    def test_dashboard_counts(self, client, reviewer, contributor, manager, open_cycle, entity_b):
        open_cycle.state = "open"
        open_cycle.save()
        first = SubmissionFactory(cycle=open_cycle, entity__acronym="ENTA")
        SubmissionFactory(cycle=open_cycle, entity=entity_b, state="declined")
        move(first, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
        client.force_login(reviewer)

        response = client.get(reverse("admin:reviews_reviewcycle_dashboard", args=[open_cycle.pk]))

        counts = response.context["counts"]
        assert (counts["submitted"], counts["declined"], counts["invited"], counts["total"]) == (
            1,
            1,
            0,
            2,
        )


# The command runs in autocommit, as from cron: each reminder goes out as it is written.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestReminders:
    def remind(self, capsys):
        call_command("send_reminders")
        return capsys.readouterr().out.strip()

    def test_reminder_before_the_deadline_is_sent_once(
        self, submission, contributor, open_cycle, capsys
    ):
        open_cycle.deadline = timezone.now() + dt.timedelta(days=6)
        open_cycle.save()

        first = self.remind(capsys)
        second = self.remind(capsys)

        assert first == "1 reminders sent (1 submissions pending)."
        assert second == "0 reminders sent (1 submissions pending)."
        assert [e.key.split("-")[:2] for e in SentEmail.objects.all()] == [["reminder", "7d"]]
        assert len(mail.outbox) == 1

    def test_nothing_far_from_the_deadline(self, submission, capsys):
        assert self.remind(capsys) == "0 reminders sent (1 submissions pending)."

    def test_overdue_once_and_extension_starts_again(self, submission, open_cycle, manager, capsys):
        open_cycle.deadline = timezone.now() - dt.timedelta(hours=1)
        open_cycle.save()

        self.remind(capsys)
        self.remind(capsys)
        DeadlineExtension.objects.create(
            submission=submission, new_deadline=timezone.now() + dt.timedelta(days=1)
        )
        self.remind(capsys)

        kinds = sorted(e.kind for e in SentEmail.objects.all())
        assert kinds == ["overdue", "reminder"]

    def test_submitted_submissions_get_no_reminder(
        self, submission, open_cycle, contributor, reviewer, manager, capsys
    ):
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)
        open_cycle.deadline = timezone.now() + dt.timedelta(days=1)
        open_cycle.save()

        assert self.remind(capsys) == "0 reminders sent (0 submissions pending)."

    def test_dry_run_sends_nothing(self, submission, open_cycle, capsys):
        open_cycle.deadline = timezone.now() + dt.timedelta(days=1)
        open_cycle.save()

        call_command("send_reminders", "--dry-run")

        out = capsys.readouterr().out
        assert "would send reminder to ENTA – 2025 report" in out
        assert not SentEmail.objects.exists()
