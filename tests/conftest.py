import copy
import json
import tempfile

import pytest
from django.conf import settings

from activities.importer import import_dataset

DATASET_PATH = settings.BASE_DIR / "data" / "wsis-report-2024.json"

# No background thread warming the cache behind the tests' backs (it would read the
# test database from another connection, even after a test): off for the whole
# session, so that also what runs after a test's own settings are restored sees it.
settings.WARM_CACHE_AFTER_CHANGES = False
# The whole-dataset files and the facet index's snapshot, in a folder of the session's.
settings.PUBLIC_FILES_DIR = tempfile.mkdtemp(prefix="wsis-test-files-")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Counts and throttles live in the cache, which outlives a test's transaction.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _streamed_responses_closed(monkeypatch):
    """Close the streamed responses a test leaves unread when it ends, as a WSGI
    server closes every response. Left to the garbage collector, an export's
    database cursor would be closed whenever a collection happens to run,
    possibly inside another query of the same connection, which it would then
    wait for forever."""
    from django.test.client import Client

    request, opened = Client.request, []

    def tracked(self, **kwargs):
        response = request(self, **kwargs)
        if getattr(response, "streaming", False):
            opened.append(response)  # kept, so not collected before the end
        return response

    monkeypatch.setattr(Client, "request", tracked)
    yield
    for response in opened:
        close_streamed(response)


def close_streamed(response):
    """Close a streamed response as Django's test client does once it is read:
    without closing the test's database connection on the way."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _english():
    # A request in another language leaves it active in the thread.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Tests speak plain HTTP to the test client; production redirects to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    # Strong password hashing is slow by design; tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def dataset_2024():
    """The real 2024 report dataset, parsed once; tests get their own copy."""
    with open(DATASET_PATH, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def dataset(dataset_2024):
    return copy.deepcopy(dataset_2024)


@pytest.fixture
def report_2024(db, dataset):
    """The 2024 report imported as a published cycle."""
    return import_dataset(dataset).cycle


# --- Personas (see "Who sees what" in the product brief) ------------------------


@pytest.fixture
def entity_a(db):
    from .factories import EntityFactory

    return EntityFactory(acronym="ENTA", name_en="Entity A")


@pytest.fixture
def entity_b(db):
    from .factories import EntityFactory

    return EntityFactory(acronym="ENTB", name_en="Entity B")


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture
def contributor(entity_a):
    from .factories import UserFactory

    return UserFactory(username="alice", entities=[entity_a])


@pytest.fixture
def other_contributor(entity_b):
    from .factories import UserFactory

    return UserFactory(username="bob", entities=[entity_b])


@pytest.fixture
def reviewer(db):
    from reviews.rules import REVIEWERS

    from .factories import UserFactory

    return UserFactory(username="rita", groups=[REVIEWERS], is_staff=True)


@pytest.fixture
def manager(db):
    from reviews.rules import MANAGERS

    from .factories import UserFactory

    return UserFactory(username="max", groups=[MANAGERS], is_staff=True)


@pytest.fixture
def open_cycle(entity_a, entity_b):
    import datetime as dt

    from django.utils import timezone

    from .factories import ReviewCycleFactory

    cycle = ReviewCycleFactory(
        slug="report-2025",
        title="2025 report",
        state="planned",
        reporting_year=2024,
        deadline=timezone.now() + dt.timedelta(days=30),
    )
    cycle.invited_entities.set([entity_a, entity_b])
    return cycle


@pytest.fixture
def submission(open_cycle, entity_a):
    """Entity A's invited submission to the open 2025 cycle."""
    from .factories import SubmissionFactory

    open_cycle.state = "open"
    open_cycle.save()
    return SubmissionFactory(cycle=open_cycle, entity=entity_a)
