"""Integrity and security: what an adversarial review of the tracker found, each fixed.

Withdrawn work never stays in the public's caches and unknown parameters mint no
entries; history pages never restore a past version; an activity is written
through one path, with one set of limits; contributors act only while the call
is open; planned cycles are unknown to the public; hostile input is a 4xx."""

from io import StringIO

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from activities import stats_views, views
from activities.api import ActivityViewSet
from activities.models import ActionLine, Activity
from reviews.models import SentEmail

from .factories import ActivityFactory, move

pytestmark = pytest.mark.django_db

WITHDRAWN = "Withdrawn broadband pilots"
ANSWERS = {"trends": "T", "achievements": "A", "obstacles": "O"}


@pytest.fixture
def published(submission, contributor, reviewer, manager):
    """Entity A's submission, published with one activity."""
    ActivityFactory(
        submission=submission,
        entity=submission.entity,
        title=WITHDRAWN,
        status=Activity.Status.DRAFT,
        action_lines=["C2"],
    )
    move(submission, "published", contributor=contributor, reviewer=reviewer, manager=manager)
    return submission


def _reopen_during(monkeypatch, owner, name, published, manager, committed):
    """Make ``owner.name`` (called while a response is computed) withdraw the
    submission once it has run, as a manager reopening it at that moment in
    another process would: the change commits (``committed`` runs its
    after-commit work) before the response is stored."""
    original = getattr(owner, name)
    done = []

    def computed_then_withdrawn(*args, **kwargs):
        result = original(*args, **kwargs)
        if not done:
            done.append(True)
            with committed(execute=True):
                published.reopen(by=manager, comment="A figure was wrong.")
        return result

    monkeypatch.setattr(owner, name, computed_then_withdrawn)
    return done


@pytest.mark.parametrize(
    "url, computed_by",
    [
        ("/activities/?cycle=report-2025", views),
        ("/stats/?cycle=report-2025", stats_views),
    ],
)
def test_a_page_computed_before_a_withdrawal_is_never_served_after_it(
    client, published, manager, monkeypatch, url, computed_by, django_capture_on_commit_callbacks
):
    done = _reopen_during(
        monkeypatch, computed_by, "render", published, manager, django_capture_on_commit_callbacks
    )
    during = client.get(url)
    assert done and during.status_code == 200  # computed from the data before the change

    after = client.get(url)

    if "activities" in url:
        assert WITHDRAWN not in after.content.decode()
        assert WITHDRAWN in during.content.decode()
    else:
        assert after.content != during.content


def test_an_api_list_computed_before_a_withdrawal_is_never_served_after_it(
    client, published, manager, monkeypatch, django_capture_on_commit_callbacks
):
    done = _reopen_during(
        monkeypatch,
        ActivityViewSet,
        "get_renderer_context",
        published,
        manager,
        django_capture_on_commit_callbacks,
    )
    during = client.get("/api/activities/?cycle=report-2025")
    assert done and [a["title"] for a in during.json()["results"]] == [WITHDRAWN]

    after = client.get("/api/activities/?cycle=report-2025")

    assert after.json()["count"] == 0
    assert after.json()["results"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/activities/?region=africa&junk={n}",
        "/activities/?region=africa&region=africa&utm_source={n}",
        "/api/activities/?region=africa&x={n}",
        "/stats/?region=africa&nonsense={n}",
    ],
)
def test_unknown_or_repeated_parameters_mint_no_cache_entries(client, published, url):
    client.get(url.format(n=0))
    before = len(cache._cache)

    for n in range(1, 6):
        response = client.get(url.format(n=n))
        assert response.status_code == 200

    assert len(cache._cache) == before


def test_the_page_served_for_an_unknown_parameter_does_not_echo_it(client, published):
    response = client.get("/activities/?cycle=report-2025&tracking=abc123")

    assert response.status_code == 200
    assert "abc123" not in response.content.decode()
    assert WITHDRAWN in response.content.decode()


def test_parameters_in_another_order_share_one_entry(client, published):
    first = client.get("/activities/?region=africa&cycle=report-2025")
    before = len(cache._cache)

    second = client.get("/activities/?cycle=report-2025&region=africa")

    assert len(cache._cache) == before
    assert second.content == first.content


# --- History pages: shown, never restored -------------------------------------------------


@pytest.fixture
def draft_of_accepted(submission, contributor, reviewer, manager):
    """A draft activity of an accepted submission: what a reviewer must not publish."""
    activity = ActivityFactory(
        submission=submission,
        entity=submission.entity,
        title="Not yet public",
        status=Activity.Status.DRAFT,
        action_lines=["C2"],
    )
    move(submission, "accepted", contributor=contributor, reviewer=reviewer, manager=manager)
    return activity


def _history_url(obj):
    meta = obj._meta
    version = obj.history.order_by("pk").first()
    return reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, version.pk]
    )


@pytest.mark.parametrize("role", ["reviewer", "manager"])
@pytest.mark.parametrize("record", ["activity", "entity", "submission"])
def test_a_history_page_is_read_only_and_its_post_changes_nothing(
    client, request, draft_of_accepted, role, record
):
    obj = {
        "activity": draft_of_accepted,
        "entity": draft_of_accepted.entity,
        "submission": draft_of_accepted.submission,
    }[record]
    client.force_login(request.getfixturevalue(role))
    url = _history_url(obj)

    page = client.get(url)
    revert = client.post(
        url, {"title": "Changed", "status": "published", "name_en": "X", "_change_history": "1"}
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="title"' not in html and 'name="status"' not in html
    assert 'name="name_en"' not in html and 'type="submit"' not in html.split("<main")[-1]
    assert revert.status_code == 405
    draft_of_accepted.refresh_from_db()
    assert (draft_of_accepted.title, draft_of_accepted.status) == ("Not yet public", "draft")
    assert draft_of_accepted.entity.name_en != "X"


def test_the_admin_change_form_cannot_publish_an_activity(client, manager, draft_of_accepted):
    client.force_login(manager)
    url = reverse("admin:activities_activity_change", args=[draft_of_accepted.pk])

    page = client.get(url)
    client.post(
        url,
        {
            "title": "Still a draft",
            "summary": "S",
            "language": "en",
            "action_lines": [str(draft_of_accepted.action_lines.get().pk)],
            "year": "2024",
            "status": "published",
            "published_at_0": "2024-01-01",
            "published_at_1": "00:00",
            "references-TOTAL_FORMS": "0",
            "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "30",
        },
    )

    draft_of_accepted.refresh_from_db()
    assert 'name="status"' not in page.content.decode()
    assert draft_of_accepted.title == "Still a draft"  # the change went through the write path
    assert (draft_of_accepted.status, draft_of_accepted.published_at) == ("draft", None)


def test_the_api_cannot_publish_an_activity(manager, draft_of_accepted):
    api = APIClient()
    api.force_authenticate(manager)

    response = api.patch(
        f"/api/activities/{draft_of_accepted.pk}/",
        {"status": "published", "published_at": "2024-01-01T00:00:00Z", "title": "Renamed"},
        format="json",
    )

    draft_of_accepted.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert (draft_of_accepted.title, draft_of_accepted.status) == ("Renamed", "draft")
    assert draft_of_accepted.published_at is None


# --- One write path, one set of limits -----------------------------------------------------


@pytest.fixture
def contributor_api(contributor):
    api = APIClient()
    api.force_authenticate(contributor)
    return api


@pytest.fixture
def draft(submission, contributor):
    submission.start(by=contributor)
    return submission


def _activity(draft, **extra):
    return {
        "submission": draft.pk,
        "title": "Village broadband",
        "summary": "Forty villages connected.",
        "action_lines": ["C2"],
        "year": 2024,
        **extra,
    }


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ({"summary": "x" * 2001}, "summary", "no more than 2000 characters"),
        ({"description": "x" * 20001}, "description", "no more than 20000 characters"),
        ({"references": [{"url": f"https://e.org/{n}"} for n in range(31)]}, "references", "30"),
        ({"partners": ["ENTA"]}, "partners", "cannot be its own partner"),
        ({"partners": ["OLD"]}, "partners", "no longer active: OLD"),
        ({"sdgs": [1.5]}, "sdgs", "Invalid value"),
        ({"sdgs": [True]}, "sdgs", "Invalid value"),
        ({"start_date": "0001-01-01"}, "start_date", "between 1990 and 2100"),
        ({"end_date": "9999-12-31"}, "end_date", "between 1990 and 2100"),
        ({"year": 9999}, "year", "less than or equal to 2100"),
        ({"regions": ["africa"] * 51}, "regions", "at most 50"),
        ({"references": [{"url": "ftp://example.org/a"}]}, "references", "http:// or https://"),
        (
            {"references": [{"url": "https://evil.example@example.org/"}]},
            "references",
            "without a user name",
        ),
        ({"references": [{"symbol": "A/RES/78-132 bad"}]}, "references", "not a UN document"),
    ],
)
def test_the_api_refuses_what_the_forms_refuse(contributor_api, draft, extra, field, message):
    from .factories import EntityFactory

    EntityFactory(acronym="OLD", is_active=False)

    response = contributor_api.post("/api/activities/", _activity(draft, **extra), format="json")

    assert response.status_code == 400, response.json()
    assert message in str(response.json()[field])
    assert not Activity.objects.exists()


def test_the_api_refuses_a_stale_activity_edit(contributor_api, draft):
    created = contributor_api.post("/api/activities/", _activity(draft), format="json").json()
    seen = created["updated_at"]
    contributor_api.patch(f"/api/activities/{created['id']}/", {"title": "First"}, format="json")

    stale = contributor_api.patch(
        f"/api/activities/{created['id']}/",
        {"title": "Second", "seen_updated_at": seen},
        format="json",
    )

    assert stale.status_code == 409
    assert "Someone else saved this activity" in stale.json()["detail"]
    assert Activity.objects.get().title == "First"


def test_the_contributor_form_refuses_a_symbol_that_is_not_one(client, contributor, draft):
    client.force_login(contributor)
    url = reverse("reviews:activity-create", args=[draft.cycle.slug, draft.entity.acronym])

    response = client.post(
        url,
        {
            "title": "T",
            "summary": "S",
            "language": "en",
            "action_lines": [str(ActionLine.objects.get(code="C2").pk)],
            "year": "2024",
            "references-TOTAL_FORMS": "1",
            "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "30",
            "references-0-symbol": "A/RES/78-132 bad",
            "references-0-url": "",
        },
    )

    assert response.status_code == 400
    assert "is not a UN document symbol" in response.content.decode()
    assert not Activity.objects.exists()


# --- Contributors act only while the call is open ------------------------------------------


@pytest.fixture
def closed(submission, contributor, entity_b, manager):
    """The 2025 call closed: Entity A's submission a draft, Entity B's still invited."""
    from .factories import SubmissionFactory

    submission.start(by=contributor)
    invited = SubmissionFactory(cycle=submission.cycle, entity=entity_b)
    submission.cycle.close(by=manager)
    return submission, invited


def test_after_the_close_contributors_can_neither_start_edit_add_nor_submit(
    closed, contributor, other_contributor
):
    draft, invited = closed
    mine, theirs = APIClient(), APIClient()
    mine.force_authenticate(contributor)
    theirs.force_authenticate(other_contributor)

    start = theirs.post(f"/api/submissions/{invited.pk}/transition/", {"action": "start"})
    answers = mine.patch(f"/api/submissions/{draft.pk}/", {"answers": ANSWERS}, format="json")
    added = mine.post("/api/activities/", _activity(draft), format="json")
    submit = mine.post(f"/api/submissions/{draft.pk}/transition/", {"action": "submit"})

    assert [r.status_code for r in (start, answers, added, submit)] == [409] * 4
    assert "The call for inputs to 2025 report is closed" in submit.json()["detail"]
    draft.refresh_from_db()
    invited.refresh_from_db()
    assert (draft.state, draft.answers, invited.state) == ("draft", {}, "invited")
    assert not Activity.objects.exists()


def test_a_submission_sent_back_after_the_close_can_still_be_changed_and_resubmitted(
    submission, contributor, reviewer, manager
):
    move(submission, "accepted", contributor=contributor, reviewer=reviewer, manager=manager)
    submission.cycle.close(by=manager)
    submission.reopen(by=manager, comment="Please add the 2024 figures.")

    submission.save_answers({**ANSWERS, "trends": "With the figures."}, by=contributor)
    submission.submit(by=contributor)

    assert submission.state == "submitted"
    assert submission.answers["trends"] == "With the figures."


# --- Planned cycles are unknown to the public ----------------------------------------------


def test_a_planned_cycle_is_as_unknown_to_the_public_as_a_missing_one(client, reviewer):
    from .factories import ReviewCycleFactory

    ReviewCycleFactory(slug="report-2027", title="Secret plans", state="planned")
    ReviewCycleFactory(slug="report-2024", state="published")

    listed = client.get("/api/cycles/").json()
    detail = client.get("/api/cycles/report-2027/")
    page = client.get("/activities/?cycle=report-2027")
    unknown = client.get("/activities/?cycle=no-such-cycle")
    client.force_login(reviewer)
    staff = client.get("/api/cycles/").json()

    assert [c["slug"] for c in listed["results"]] == ["report-2024"]
    assert detail.status_code == 404
    assert (page.status_code, unknown.status_code) == (400, 400)
    assert "Secret plans" not in page.content.decode()
    assert {c["slug"] for c in staff["results"]} == {"report-2024", "report-2027"}


# --- Hostile input is a 4xx -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url, status",
    [
        ("/entities/%00/", 400),
        ("/entities/a%00b/", 400),
        ("/contribute/report-2025/%00/", 400),
        ("/activities/?q=%00", 400),
        ("/api/activities/?q=a%00", 400),
        ("/api/entities/%00/", 404),
        ("/admin/activities/activity/?entity__kind__exact=%00", 400),
        ("/admin/activities/activity/?action_line=%00", 400),
        ("/admin/entities/entity/?kind__exact=%00", 400),
        (
            "/admin/autocomplete/?app_label=activities&model_name=activity"
            "&field_name=entity&term=%00",
            400,
        ),
    ],
)
def test_a_nul_character_is_refused_with_a_message(client, manager, submission, url, status):
    client.force_login(manager)

    response = client.get(url)

    assert response.status_code == status
    assert b"NUL" in response.content or status == 404


@pytest.mark.parametrize("field", ["partners", "action_lines", "title"])
def test_a_nul_character_in_an_api_body_names_its_field(contributor_api, draft, field):
    value = "\x00" if field == "title" else ["\x00"]

    response = contributor_api.post(
        "/api/activities/", _activity(draft, **{field: value}), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {field: ["A NUL character is not allowed in text."]}
    assert not Activity.objects.exists()


def test_json_nested_a_thousand_deep_is_a_400(contributor_api, draft):
    body = '{"title": ' + "[" * 1000 + "]" * 1000 + "}"

    response = contributor_api.generic(
        "PATCH", f"/api/submissions/{draft.pk}/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested more than 20 levels" in str(response.json())


@pytest.mark.parametrize("ordering", [",", "year,", "year,,title"])
@pytest.mark.parametrize(
    "url",
    ["/activities/", "/api/activities/", "/activities/export.csv", "/activities/export.json"],
)
def test_an_ordering_with_an_empty_name_is_a_400(client, url, ordering):
    response = client.get(url, {"ordering": ordering})

    assert response.status_code == 400
    assert "Name an order between each pair of commas" in response.content.decode()


# --- E-mail is an outbox: a committed transition never fails for its e-mail ---------------


@pytest.fixture
def dead_mail_server(settings):
    """SMTP pointed at a port where nothing listens: every send is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transition_commits_and_answers_when_the_mail_server_is_down(
    submission, contributor, reviewer, manager, dead_mail_server, settings
):
    move(submission, "under_review", contributor=contributor, reviewer=reviewer, manager=manager)
    api = APIClient()
    api.force_authenticate(reviewer)

    response = api.post(
        f"/api/submissions/{submission.pk}/transition/",
        {"action": "request_changes", "comment": "Please add the figures."},
        format="json",
    )
    again = api.post(
        f"/api/submissions/{submission.pk}/transition/",
        {"action": "request_changes", "comment": "Twice?"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["state"] == "changes_requested"
    assert again.status_code == 409
    email = SentEmail.objects.get(kind="changes_requested")
    assert (email.state, email.attempts, email.sent_at) == ("failed", 1, None)
    assert "ConnectionRefusedError" in email.error
    assert submission.transitions.filter(action="request_changes").count() == 1
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("send_pending_emails", stdout=out)

    email.refresh_from_db()
    assert (email.state, email.attempts, email.error) == ("sent", 2, "")
    # With it, the submission's receipt and the reviewers' notice, still queued.
    assert sorted(m.subject for m in mail.outbox) == [
        email.subject,
        "Received: ENTA's contribution to 2025 report",
        "To review: ENTA, 2025 report",
    ]
    assert out.getvalue().strip() == "3 e-mails sent (3 were waiting)."


def test_open_call_writes_every_invitation_even_when_sending_fails(
    open_cycle,
    manager,
    contributor,
    other_contributor,
    dead_mail_server,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        new = open_cycle.open_call(by=manager)

    states = sorted(SentEmail.objects.filter(kind="invitation").values_list("state", flat=True))
    assert len(new) == 2
    assert states == ["failed", "failed"]


def test_an_entity_without_focal_point_is_recorded_as_no_recipient(
    open_cycle, manager, entity_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        open_cycle.open_call(by=manager)

    emails = SentEmail.objects.filter(kind="invitation")
    assert sorted(emails.values_list("state", flat=True)) == ["no_recipient", "no_recipient"]
    assert not emails.filter(sent_at__isnull=False).exists()
    assert mail.outbox == []


def test_send_pending_emails_fails_loudly_while_the_server_is_down(
    submission, manager, contributor, dead_mail_server
):
    from reviews.emails import queue_submission_email

    queue_submission_email("message", submission, sent_by=manager, subject="S", text="T")

    with pytest.raises(CommandError, match="1 e-mails could not be sent .*ConnectionRefused"):
        call_command("send_pending_emails", stdout=StringIO())

    assert SentEmail.objects.get().state == "failed"


def test_a_failed_email_is_sent_again_from_the_admin(
    client, submission, manager, contributor, dead_mail_server, settings
):
    from reviews.emails import deliver, queue_submission_email

    row = deliver(queue_submission_email("message", submission, subject="S", text="T"))
    assert row.state == "failed"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(manager)

    response = client.post(
        reverse("admin:reviews_sentemail_changelist"),
        {"action": "send_again", "_selected_action": [row.pk]},
        follow=True,
    )

    row.refresh_from_db()
    assert (row.state, SentEmail.objects.count()) == ("sent", 1)
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "1 e-mail sent." in [str(m) for m in response.context["messages"]]


def test_a_reminder_to_nobody_is_not_counted_as_sent(client, reviewer, submission, entity_a):
    entity_a.memberships.all().delete()
    client.force_login(reviewer)

    response = client.post(
        reverse("admin:reviews_submission_changelist"),
        {"action": "remind", "_selected_action": [submission.pk], "apply": "1"},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "1 e-mail not sent: no recipient. These entities have no focal point with an e-mail "
        "address: ENTA."
    ]
    assert SentEmail.objects.get().state == "no_recipient"


# --- The embedded database holds concurrent writers -----------------------------------------


CONCURRENT_WRITERS = """
import threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n integer)")
    cursor.execute("INSERT INTO counter VALUES (0)")
errors = []

def transition():
    from django.db import connection
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            (n,) = cursor.fetchone()
            time.sleep(0.05)  # the others read meanwhile, then all write
            cursor.execute("UPDATE counter SET n = %s", [n + 1])
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=transition) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter")
    print(cursor.fetchone()[0], errors)
"""


def test_the_embedded_database_holds_concurrent_writers(tmp_path):
    """Six writers that each read then write, at once, on a file database set up as the
    demo's (``make run``): none fails with "database is locked", none loses an update."""
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "wsis_site.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", CONCURRENT_WRITERS],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.strip() == "6 []", result.stderr


@pytest.mark.parametrize(
    "query",
    [
        "reviews/submission/?reviewer=abc",
        "reviews/submission/?reviewer=1234567890123456789012345",
        "activities/activity/?published_at__year=1234567890123456789012345",
        "activities/activity/?published_at__year=2024&published_at__month=13",
    ],
)
def test_an_admin_filter_with_an_impossible_value_shows_the_list_unfiltered(
    client, manager, submission, query
):
    client.force_login(manager)

    response = client.get(f"/admin/{query}", follow=True)

    assert response.redirect_chain[0][0].endswith("?e=1")
    assert response.status_code == 200


def test_a_subject_on_two_lines_is_a_form_error(client, manager, submission, contributor):
    client.force_login(manager)

    response = client.post(
        reverse("admin:reviews_submission_changelist"),
        {
            "action": "write_to_focal_points",
            "_selected_action": [submission.pk],
            "apply": "1",
            "subject": "Webinar\r\nBcc: everyone@example.org",
            "text": "Join us.",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"subject": ["Write the subject on one line."]}
    assert not SentEmail.objects.exists()


@pytest.mark.parametrize("form", ["answers", "activity"])
def test_a_damaged_hidden_time_is_a_form_error(client, contributor, draft, form):
    client.force_login(contributor)
    damaged = "2024-01-01T00:00:00+24:00"
    if form == "answers":
        url = draft.get_absolute_url()
        data = {**ANSWERS, "updated_at": damaged}
    else:
        url = reverse("reviews:activity-create", args=[draft.cycle.slug, draft.entity.acronym])
        data = {
            "title": "T",
            "summary": "S",
            "language": "en",
            "action_lines": [str(ActionLine.objects.get(code="C2").pk)],
            "year": "2024",
            "updated_at": damaged,
            "references-TOTAL_FORMS": "0",
            "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "30",
        }

    response = client.post(url, data)

    assert response.status_code in (400, 409)
    assert "This form was damaged on the way" in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers == {} and not Activity.objects.exists()


# --- Small things ---------------------------------------------------------------------------


def test_password_resets_are_limited_per_account_and_per_address(client, contributor, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 3, 5
    url = reverse("accounts:password_reset")

    mine = [client.post(url, {"email": contributor.email}) for _ in range(4)]
    others = [
        client.post(url, {"email": f"someone{n}@example.org"}, REMOTE_ADDR="10.1.1.1")
        for n in range(6)
    ]

    assert [r.status_code for r in mine] == [302, 302, 302, 429]
    assert "Too many requests to reset a password" in mine[-1].content.decode()
    assert [r.status_code for r in others] == [302] * 5 + [429]
    assert len(mail.outbox) == 3  # the unknown addresses get nothing, as before


def test_the_profile_page_is_never_cached(client, contributor):
    client.force_login(contributor)

    response = client.get(reverse("account-profile"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_statistics_csv_defuses_spreadsheet_formulas(client):
    from .factories import ReviewCycleFactory

    cycle = ReviewCycleFactory(slug="evil", title='=HYPERLINK("https://evil.example","x")')
    ActivityFactory(cycle=cycle, action_lines=["C2"])

    response = client.get("/stats/trend/per-cycle.csv")

    body = response.content.decode()
    assert "'=HYPERLINK(" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
