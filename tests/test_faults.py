"""Faults: a database that goes away, work interrupted halfway, people acting at once.

The threaded tests need PostgreSQL's row locks and run only there; each uses
``transaction=True, serialized_rollback=True`` so that the reference data
loaded by the migrations survives them.
"""

import threading

import pytest
from django.db import OperationalError, connection, connections
from django.utils import translation

from activities.db import is_postgresql
from activities.importer import DatasetError, import_dataset
from activities.models import Activity
from reviews.models import ReviewCycle, Submission, Transition, TransitionNotAllowed

from .factories import ActivityFactory, SubmissionFactory, move

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    not is_postgresql(), reason="row locks and real connections need PostgreSQL"
)
threaded = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANSWERS = {"trends": "T", "achievements": "A", "obstacles": "O"}


# --- The database goes away --------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as it does when the server is unreachable; undo() brings it back."""

    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(connection, "cursor", refuse)
    monkeypatch.setattr(connection, "chunked_cursor", refuse)  # PostgreSQL's .iterator()
    return monkeypatch


@pytest.mark.parametrize(
    "path",
    ["/", "/activities/", "/entities/", "/activities/export.csv", "/activities/export.json"],
)
def test_pages_answer_503_with_a_friendly_page_while_the_database_is_down(
    client, database_down, path
):
    response = client.get(path, follow=False)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "The tracker is briefly unavailable" in body
    assert "Traceback" not in body and "OperationalError" not in body


def test_the_api_answers_a_json_503_while_the_database_is_down(client, database_down):
    response = client.get("/api/activities/")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The service is briefly unavailable; try again in a minute."
    }


def test_a_logged_in_page_answers_503_too(client, contributor, database_down):
    database_down.undo()
    client.force_login(contributor)
    database_down.setattr(
        connection,
        "cursor",
        lambda *a, **k: (_ for _ in ()).throw(OperationalError("server closed the connection")),
    )

    response = client.get("/contribute/")

    assert response.status_code == 503
    assert response["Retry-After"]
    assert b"briefly unavailable" in response.content


def test_the_site_recovers_by_itself_when_the_database_is_back(client, database_down):
    down = client.get("/activities/")
    database_down.undo()

    back = client.get("/activities/")

    assert (down.status_code, back.status_code) == (503, 200)
    assert b"briefly unavailable" in down.content
    assert back.context["page"].paginator.count == Activity.objects.published().count()


@pytest.fixture
def back_to_english():
    """A request in another language leaves it active in this thread; undo that."""
    yield
    translation.activate("en")


def test_the_503_page_is_translated(client, back_to_english, database_down):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 503
    assert '<html lang="fr"' in response.content.decode()
    assert "The tracker is briefly unavailable" not in response.content.decode()


def test_a_database_error_outside_a_view_is_a_503_too(rf):
    from wsis_site.availability import server_error

    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get("/api/activities/"))

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"


def test_other_errors_stay_500_without_details(rf):
    from wsis_site.availability import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert b"a bug" not in response.content


@postgresql_only
@threaded
def test_a_real_outage_answers_503_and_recovers(client, settings):
    """The default database pointed at a port nothing listens on, then back."""
    ActivityFactory(title="Still here")
    real_port = connection.settings_dict["PORT"]
    try:
        connection.close()
        connection.settings_dict["PORT"] = 1
        down_page = client.get("/activities/")
        down_api = client.get("/api/activities/")
    finally:
        connection.settings_dict["PORT"] = real_port
        connection.close()
    back = client.get("/activities/")

    assert (down_page.status_code, down_api.status_code) == (503, 503)
    assert back.status_code == 200
    assert "Still here" in back.content.decode()


# --- Work interrupted halfway ----------------------------------------------------------


def snapshot():
    """Every row of every table of the tracker, to compare before and after."""
    from django.apps import apps

    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in {"sessions", "admin", "axes", "contenttypes"}:
            continue
        tables[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return tables


class Halfway(Exception):
    pass


def stop_halfway(done, total):
    if done > total // 2:
        raise Halfway(f"stopped at {done}/{total}")


@threaded
def test_an_import_interrupted_halfway_leaves_the_database_as_it_was(dataset, dataset_2024):
    import_dataset(dataset)
    changed = dataset_2024 | {
        "activities": [
            {**record, "title_en": record["title_en"] + " (revised)"}
            for record in dataset_2024["activities"]
        ]
    }
    before = snapshot()

    with pytest.raises(Halfway):
        import_dataset(changed, progress=stop_halfway)

    assert snapshot() == before


@threaded
def test_the_import_command_interrupted_by_a_signal_changes_nothing(dataset_2024, monkeypatch):
    import os
    import signal

    from django.core.management import CommandError, call_command

    def interrupt_halfway(self, done, total):
        if done == total // 2:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("wsis_site.progress.Progress.__call__", interrupt_halfway)
    before = snapshot()

    with pytest.raises(CommandError, match=r"Interrupted \(SIGINT\); nothing was imported."):
        call_command("load_report_dataset", "data/wsis-report-2024.json", verbosity=0)

    assert snapshot() == before


@threaded
def test_a_publish_failing_while_publishing_the_activities_changes_nothing(
    submission, contributor, reviewer, manager, monkeypatch
):
    ActivityFactory.create_batch(
        3, submission=submission, entity=submission.entity, status=Activity.Status.DRAFT
    )
    move(submission, "accepted", contributor=contributor, reviewer=reviewer, manager=manager)
    before = snapshot()
    real_update = Activity.objects.none().__class__.update

    def failing_update(queryset, **changes):
        if changes.get("status") == Activity.Status.PUBLISHED:
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(queryset, **changes)

    monkeypatch.setattr(Activity.objects.none().__class__, "update", failing_update)

    with pytest.raises(OperationalError):
        submission.publish(by=manager)

    assert snapshot() == before
    assert Submission.objects.get(pk=submission.pk).state == "accepted"


def test_an_invalid_dataset_changes_nothing_even_after_an_earlier_import(dataset):
    import_dataset(dataset)
    before = snapshot()
    dataset["activities"][-1]["action_lines"] = ["C99"]

    with pytest.raises(DatasetError):
        import_dataset(dataset)

    assert snapshot() == before


# --- People acting at once (PostgreSQL) ----------------------------------------------


def race(*calls):
    """Run the calls in threads released together; return what each gave or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = ("ok", call())
        except TransitionNotAllowed as exc:
            outcomes[i] = ("refused", exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def fresh(submission):
    return Submission.objects.get(pk=submission.pk)


@pytest.fixture
def under_review(open_cycle, entity_a):
    open_cycle.state = ReviewCycle.State.OPEN
    open_cycle.save()
    return SubmissionFactory(
        cycle=open_cycle, entity=entity_a, state="under_review", answers=ANSWERS
    )


@postgresql_only
@threaded
def test_accept_and_request_changes_at_once_exactly_one_wins(under_review, reviewer, manager):
    outcomes = race(
        lambda: fresh(under_review).accept(by=reviewer),
        lambda: fresh(under_review).request_changes(by=manager, comment="Add sources."),
    )

    results = sorted(o[0] for o in outcomes)
    winner = "accept" if outcomes[0][0] == "ok" else "request_changes"
    steps = list(
        Transition.objects.filter(submission=under_review).values_list("action", flat=True)
    )
    assert results == ["ok", "refused"]
    assert steps == [winner]
    assert (
        fresh(under_review).state
        == {"accept": "accepted", "request_changes": "changes_requested"}[winner]
    )
    assert under_review.comments.count() == (1 if winner == "request_changes" else 0)


@postgresql_only
@threaded
def test_publishing_twice_at_once_publishes_once(open_cycle, entity_a, manager):
    submission = SubmissionFactory(
        cycle=open_cycle, entity=entity_a, state="accepted", answers=ANSWERS
    )
    ActivityFactory.create_batch(
        2, submission=submission, entity=entity_a, status=Activity.Status.DRAFT
    )

    outcomes = race(
        lambda: fresh(submission).publish(by=manager),
        lambda: fresh(submission).publish(by=manager),
    )

    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert submission.transitions.filter(action="publish").count() == 1
    published_at = set(submission.activities.values_list("published_at", flat=True))
    assert published_at == {fresh(submission).published_at}
    assert set(submission.activities.values_list("status", flat=True)) == {"published"}


@postgresql_only
@threaded
def test_two_stale_edits_at_once_one_wins_the_other_is_refused(submission, contributor, manager):
    submission.start(by=contributor)
    seen = fresh(submission).updated_at
    mine = {"trends": "Alice's trends", "achievements": "", "obstacles": ""}
    theirs = {"trends": "Max's trends", "achievements": "", "obstacles": ""}

    outcomes = race(
        lambda: fresh(submission).save_answers(mine, by=contributor, seen_updated_at=seen),
        lambda: fresh(submission).save_answers(theirs, by=manager, seen_updated_at=seen),
    )

    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    refused = next(o[1] for o in outcomes if o[0] == "refused")
    assert refused.startswith("Someone else saved this submission after you opened it.")
    kept = mine if outcomes[0][0] == "ok" else theirs
    assert fresh(submission).answers == kept
    assert fresh(submission).history.filter(answers=kept).count() == 1


@postgresql_only
@threaded
def test_an_edit_racing_a_submit_never_lands_after_it(submission, contributor, other_contributor):
    submission.start(by=contributor)
    submission.save_answers(ANSWERS, by=contributor)
    late = {**ANSWERS, "obstacles": "A late thought"}

    outcomes = race(
        lambda: fresh(submission).submit(by=contributor),
        lambda: fresh(submission).save_answers(late, by=contributor),
    )

    final = fresh(submission)
    assert outcomes[0][0] == "ok"
    assert final.state == "submitted"
    # Either the edit came first and was submitted with it, or it was refused.
    if outcomes[1][0] == "ok":
        assert final.answers == late
        assert final.history.get(answers=late).history_date <= final.submitted_at
    else:
        assert final.answers == ANSWERS
        assert "can no longer be edited" in outcomes[1][1]


@postgresql_only
@threaded
def test_activities_added_while_submitting_are_in_or_refused(submission, contributor):
    submission.start(by=contributor)
    submission.save_answers(ANSWERS, by=contributor)

    def add_activity():
        with fresh(submission).editing(by=contributor) as locked:
            return Activity.objects.create(
                title="Added at the last moment",
                summary="S",
                entity=locked.entity,
                submission=locked,
                cycle=locked.cycle,
                year=2024,
                status=Activity.Status.DRAFT,
            ).pk

    outcomes = race(lambda: fresh(submission).submit(by=contributor), add_activity)

    assert outcomes[0][0] == "ok"
    if outcomes[1][0] == "ok":
        added = Activity.objects.get(pk=outcomes[1][1])
        submitted_at = fresh(submission).submitted_at
        assert added.created_at <= submitted_at
    else:
        assert not Activity.objects.filter(title="Added at the last moment").exists()
