"""The public's caches never keep withdrawn work, and unknown parameters mint no entries."""

import pytest
from django.core.cache import cache

from activities import stats_views, views
from activities.api import ActivityViewSet
from activities.models import Activity

from .factories import ActivityFactory, move

pytestmark = pytest.mark.django_db

WITHDRAWN = "Withdrawn broadband pilots"


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
