"""The API's writes and workflow actions, role by role."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from activities.models import Activity

from .factories import ActivityFactory, SubmissionFactory, move

pytestmark = pytest.mark.django_db

ANSWERS = {"trends": "T", "achievements": "A", "obstacles": "O"}


@pytest.fixture
def api():
    return APIClient()


def as_(api, user):
    """Authenticate by token, as a script would."""
    if user is None:
        api.credentials()
    else:
        token, _ = Token.objects.get_or_create(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def new_activity(submission, **extra):
    return {
        "submission": submission.pk,
        "title": "Village broadband",
        "summary": "Forty villages connected.",
        "action_lines": ["C2", "C7.e-health"],
        "regions": ["africa"],
        "sdgs": [9],
        "year": 2024,
        "references": [
            {"url": "https://example.org/villages", "label": "Project page"},
            {"symbol": "A/RES/78/132"},
        ],
        **extra,
    }


@pytest.fixture
def draft(submission, contributor):
    submission.start(by=contributor)
    return submission


class TestCreateActivity:
    def test_contributor_token_creates_in_own_draft(self, api, contributor, draft):
        response = as_(api, contributor).post(
            "/api/activities/", new_activity(draft), format="json"
        )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert {
            k: body[k] for k in ("entity", "cycle", "submission", "status", "action_lines")
        } == {
            "entity": "ENTA",
            "cycle": "report-2025",
            "submission": draft.pk,
            "status": "draft",
            "action_lines": ["C2", "C7.e-health"],
        }
        assert body["references"] == [
            {"url": "https://example.org/villages", "symbol": None, "label": "Project page"},
            {"url": None, "symbol": "A/RES/78/132", "label": ""},
        ]
        activity = Activity.objects.get(pk=body["id"])
        assert (activity.created_by, activity.status) == (contributor, "draft")

    def test_refused_on_another_entitys_submission(self, api, other_contributor, draft):
        response = as_(api, other_contributor).post(
            "/api/activities/", new_activity(draft), format="json"
        )

        assert response.status_code == 400
        assert list(response.json()) == ["submission"]
        assert not Activity.objects.exists()

    def test_anonymous_is_asked_to_log_in(self, api, draft):
        response = as_(api, None).post("/api/activities/", new_activity(draft), format="json")

        assert response.status_code == 401
        assert not Activity.objects.exists()

    def test_reviewer_may_not_add(self, api, reviewer, draft):
        response = as_(api, reviewer).post("/api/activities/", new_activity(draft), format="json")

        assert response.status_code == 403
        assert response.json() == {
            "detail": "You may not edit this submission.",
            "code": "forbidden",
        }

    def test_submitted_submission_is_a_conflict(
        self, api, contributor, reviewer, manager, submission
    ):
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)

        response = as_(api, contributor).post(
            "/api/activities/", new_activity(submission), format="json"
        )

        assert response.status_code == 409
        assert response.json()["detail"] == (
            "This submission is submitted and can no longer be edited."
        )
        assert not Activity.objects.exists()

    def test_field_errors(self, api, contributor, draft):
        response = as_(api, contributor).post(
            "/api/activities/",
            new_activity(
                draft, title="", action_lines=[], regions=["atlantis"], references=[{"label": "x"}]
            ),
            format="json",
        )

        assert response.status_code == 400
        body = response.json()
        assert body["title"] == ["This field may not be blank."]
        assert body["action_lines"] == ["Choose at least one action line."]
        assert body["regions"] == ["Object with key=atlantis does not exist."]
        assert body["references"] == {
            "0": {"non_field_errors": ["Give a web address or a document symbol."]}
        }
        assert not Activity.objects.exists()


class TestChangeActivity:
    @pytest.fixture
    def activity(self, draft):
        return ActivityFactory(
            submission=draft, entity=draft.entity, status="draft", action_lines=["C3"]
        )

    def test_patch_own_activity(self, api, contributor, activity):
        response = as_(api, contributor).patch(
            f"/api/activities/{activity.pk}/",
            {"title": "Renamed", "references": [{"symbol": "E/RES/2023/3"}]},
            format="json",
        )

        assert response.status_code == 200, response.json()
        assert response.json()["title"] == "Renamed"
        assert response.json()["references"] == [
            {"url": None, "symbol": "E/RES/2023/3", "label": ""}
        ]
        assert response.json()["action_lines"] == ["C3"]

    def test_another_entitys_draft_is_not_found(self, api, other_contributor, activity):
        response = as_(api, other_contributor).patch(
            f"/api/activities/{activity.pk}/", {"title": "Mine"}, format="json"
        )

        assert response.status_code == 404
        activity.refresh_from_db()
        assert activity.title != "Mine"

    def test_cannot_move_to_another_submission(self, api, contributor, activity, open_cycle):
        other = SubmissionFactory(cycle=open_cycle, entity__acronym="ENTB")

        response = as_(api, contributor).patch(
            f"/api/activities/{activity.pk}/", {"submission": other.pk}, format="json"
        )

        assert response.status_code == 400
        assert "submission" in response.json()
        activity.refresh_from_db()
        assert activity.submission_id != other.pk

    def test_published_work_of_another_entity_is_forbidden(self, api, contributor):
        imported = ActivityFactory(title="Imported")

        response = as_(api, contributor).patch(
            f"/api/activities/{imported.pk}/", {"title": "Mine"}, format="json"
        )

        assert response.status_code == 403
        assert response.json()["detail"]
        imported.refresh_from_db()
        assert imported.title == "Imported"

    def test_manager_may_correct_imported_work(self, api, manager):
        imported = ActivityFactory(title="Typo", action_lines=["C1"])

        response = as_(api, manager).patch(
            f"/api/activities/{imported.pk}/", {"title": "Fixed"}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["title"] == "Fixed"

    def test_delete_own_activity(self, api, contributor, activity):
        response = as_(api, contributor).delete(f"/api/activities/{activity.pk}/")

        assert response.status_code == 204
        assert not Activity.objects.filter(pk=activity.pk).exists()

    def test_delete_after_submitting_is_a_conflict(
        self, api, contributor, reviewer, manager, activity
    ):
        activity.submission.save_answers(ANSWERS, by=contributor)
        activity.submission.submit(by=contributor)

        response = as_(api, contributor).delete(f"/api/activities/{activity.pk}/")

        assert response.status_code == 409
        assert Activity.objects.filter(pk=activity.pk).exists()


class TestSubmissions:
    def test_list_shows_what_each_may_see(
        self, api, submission, anonymous, contributor, other_contributor, reviewer
    ):
        def ids(user):
            return [s["id"] for s in as_(api, user).get("/api/submissions/").json()["results"]]

        assert ids(None) == []
        assert ids(contributor) == [submission.pk]
        assert ids(other_contributor) == []
        assert ids(reviewer) == [submission.pk]

    def test_shape(self, api, contributor, draft):
        body = as_(api, contributor).get(f"/api/submissions/{draft.pk}/").json()

        assert {k: body[k] for k in ("cycle", "entity", "state", "answers", "actions")} == {
            "cycle": "report-2025",
            "entity": "ENTA",
            "state": "draft",
            "answers": {},
            "actions": ["submit", "decline"],
        }
        assert body["deadline"] is not None

    def test_the_cycles_questions_are_in_the_submission_and_the_cycle(
        self, api, contributor, draft
    ):
        body = as_(api, contributor).get(f"/api/submissions/{draft.pk}/").json()
        cycle = as_(api, contributor).get("/api/cycles/report-2025/").json()

        trends = {
            "key": "trends",
            "label": "Trends",
            "prompt": "What were the main trends in the implementation of the WSIS outcomes "
            "during 2024?",
            "guidance": "For example new policies, technologies, partnerships or ways of "
            "working that changed how your entity works on the WSIS action lines.",
            "required": True,
        }
        assert [q["key"] for q in body["questions"]] == ["trends", "achievements", "obstacles"]
        assert body["questions"][0] == trends
        assert cycle["questions"] == body["questions"]

    def test_the_questions_are_in_the_schema(self, api):
        schema = api.get("/api/schema/", {"format": "json"}).json()

        question = schema["components"]["schemas"]["Question"]
        assert sorted(question["properties"]) == ["guidance", "key", "label", "prompt", "required"]
        for name in ("ReviewCycle", "Submission"):
            field = schema["components"]["schemas"][name]["properties"]["questions"]
            assert field["items"] == {"$ref": "#/components/schemas/Question"}

    def test_patch_answers(self, api, contributor, draft):
        response = as_(api, contributor).patch(
            f"/api/submissions/{draft.pk}/", {"answers": {"trends": "More"}}, format="json"
        )

        assert response.status_code == 200
        assert response.json()["answers"] == {"trends": "More"}

    def test_stale_answers_are_a_conflict(self, api, contributor, draft):
        seen = draft.updated_at
        draft.save_answers({"trends": "Colleague"}, by=contributor)

        response = as_(api, contributor).patch(
            f"/api/submissions/{draft.pk}/",
            {"answers": {"trends": "Mine"}, "seen_updated_at": seen.isoformat()},
            format="json",
        )

        assert response.status_code == 409
        draft.refresh_from_db()
        assert draft.answers == {"trends": "Colleague"}

    def test_unknown_question_is_a_field_error(self, api, contributor, draft):
        response = as_(api, contributor).patch(
            f"/api/submissions/{draft.pk}/", {"answers": {"weather": "Fine"}}, format="json"
        )

        assert response.status_code == 400
        assert response.json() == {"answers": ["Not a question of this cycle: weather."]}
        draft.refresh_from_db()
        assert draft.answers == {}

    def test_other_entity_cannot_see_or_patch(self, api, other_contributor, draft):
        assert as_(api, other_contributor).get(f"/api/submissions/{draft.pk}/").status_code == 404
        response = as_(api, other_contributor).patch(
            f"/api/submissions/{draft.pk}/", {"answers": {"trends": "x"}}, format="json"
        )
        assert response.status_code == 404
        assert "detail" in response.json()
        draft.refresh_from_db()
        assert draft.answers.get("trends") != "x"


class TestTransitions:
    def post(self, api, user, submission, action, comment=None):
        data = {"action": action} if comment is None else {"action": action, "comment": comment}
        return as_(api, user).post(
            f"/api/submissions/{submission.pk}/transition/", data, format="json"
        )

    def test_contributor_starts_and_submits(self, api, contributor, submission):
        started = self.post(api, contributor, submission, "start")
        as_(api, contributor).patch(
            f"/api/submissions/{submission.pk}/", {"answers": ANSWERS}, format="json"
        )
        submitted = self.post(api, contributor, submission, "submit")

        assert (started.status_code, started.json()["state"]) == (200, "draft")
        assert (submitted.status_code, submitted.json()["state"]) == (200, "submitted")

    def test_submit_without_answers_names_the_field(self, api, contributor, draft):
        response = self.post(api, contributor, draft, "submit")

        assert response.status_code == 400
        assert response.json()["answers"] == [
            "Answer these questions before submitting: Trends, Achievements, Obstacles."
        ]

    def test_reviewer_takes_up_but_may_not_publish(
        self, api, contributor, reviewer, manager, submission
    ):
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)

        taken = self.post(api, reviewer, submission, "take_up")
        accepted = self.post(api, reviewer, submission, "accept")
        publish = self.post(api, reviewer, submission, "publish")

        assert [taken.status_code, accepted.status_code, publish.status_code] == [200, 200, 403]
        submission.refresh_from_db()
        assert submission.state == "accepted"

    def test_request_changes_needs_a_comment(self, api, contributor, reviewer, manager, submission):
        move(
            submission, "under_review", contributor=contributor, reviewer=reviewer, manager=manager
        )

        response = self.post(api, reviewer, submission, "request_changes")

        assert response.status_code == 400
        assert response.json()["comment"] == ["Say in a comment why (the contributor will see it)."]

    def test_decline_needs_a_reason(self, api, contributor, submission):
        refused = self.post(api, contributor, submission, "decline")
        submission.refresh_from_db()
        state = submission.state
        declined = self.post(api, contributor, submission, "decline", "No WSIS work this year.")

        assert refused.status_code == 400
        assert refused.json()["comment"] == [
            "Say why your entity declines (the secretariat will see it)."
        ]
        assert state == "invited"
        assert declined.json()["state"] == "declined"
        assert submission.transitions.get().comment == "No WSIS work this year."

    def test_recall_until_taken_up(self, api, contributor, reviewer, manager, submission):
        move(submission, "submitted", contributor=contributor, reviewer=reviewer, manager=manager)

        recalled = self.post(api, contributor, submission, "recall")
        self.post(api, contributor, submission, "submit")
        self.post(api, reviewer, submission, "take_up")
        refused = self.post(api, contributor, submission, "recall")

        assert (recalled.status_code, recalled.json()["state"]) == (200, "draft")
        assert refused.status_code == 409
        assert refused.json()["detail"] == (
            "This submission is under review; it cannot be recalled now."
        )
        submission.refresh_from_db()
        assert submission.state == "under_review"
        assert list(submission.transitions.values_list("action", flat=True)) == [
            "start",
            "submit",
            "recall",
            "submit",
            "take_up",
        ]

    def test_wrong_state_is_a_conflict(self, api, contributor, submission):
        response = self.post(api, contributor, submission, "submit")

        assert response.status_code == 409
        assert response.json()["code"] == "conflict"

    def test_unknown_action(self, api, contributor, submission):
        response = self.post(api, contributor, submission, "teleport")

        assert response.status_code == 400
        assert list(response.json()) == ["action"]

    def test_anonymous_and_other_entity(self, api, other_contributor, submission):
        assert self.post(api, None, submission, "start").status_code == 401
        assert self.post(api, other_contributor, submission, "start").status_code == 404
        submission.refresh_from_db()
        assert submission.state == "invited"

    def test_manager_publishes_and_the_public_sees(
        self, api, contributor, reviewer, manager, submission
    ):
        ActivityFactory(submission=submission, entity=submission.entity, status="draft")
        move(submission, "accepted", contributor=contributor, reviewer=reviewer, manager=manager)

        response = self.post(api, manager, submission, "publish")
        public = as_(api, None).get("/api/activities/", {"entity": "ENTA"}).json()

        assert response.json()["state"] == "published"
        assert public["count"] == 1


@pytest.mark.parametrize("n", [1, 3])
def test_submission_list_query_count_is_fixed(
    api, reviewer, open_cycle, django_assert_num_queries, n
):
    for i in range(n):
        submission = SubmissionFactory(cycle=open_cycle, entity__acronym=f"E{i}")
        ActivityFactory(submission=submission, entity=submission.entity, status="draft")
    as_(api, reviewer)
    # token and user; the user's groups and entities (each read once); count; the page;
    # its activities. The allowed actions then ask nothing more of the database.
    with django_assert_num_queries(6):
        response = api.get("/api/submissions/")
    assert response.json()["count"] == n
