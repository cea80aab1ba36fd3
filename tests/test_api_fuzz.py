"""Generated requests against the OpenAPI document: the API never answers 5xx.

schemathesis draws requests for every operation from the document the app
serves, well-formed ones and deliberately malformed ones (wrong types, odd
characters, values out of range), and sends them through the WSGI app. The run
is bounded: a fixed number of examples per operation, no example database.
Under CI the examples are the same on every run (derandomised), so that CI
never fails by chance; locally each run draws new ones.
"""

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from activities.filters import ActivityFilter
from activities.models import Activity

from .factories import ActivityFactory, EntityFactory, ReferenceFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10
BOUNDED = settings(
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    cache.clear()
    cycle = ReviewCycleFactory(slug="report-2024", summary="Summary")
    activity = ActivityFactory(
        entity=EntityFactory(acronym="UN/CEFACT"),
        partners=[EntityFactory(acronym="World Bank")],
        action_lines=["C7.e-health"],
        regions=["africa"],
        sdgs=[3],
        cycle=cycle,
    )
    ReferenceFactory(activity=activity, url="", symbol="A/RES/78/132")
    ActivityFactory(status=Activity.Status.DRAFT)
    loaded = schemathesis.openapi.from_dict(client.get("/api/schema/", {"format": "json"}).json())
    # A new handler, so that its middleware reads the settings of the tests;
    # like the test client, it must not close the test's database connection
    # (whose transaction holds the data) at the end of each request.
    loaded.app = WSGIHandler()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    cache.clear()


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_generated_requests_never_fail(api_schema):
    found = operations(api_schema)
    # 8 lists and 8 records to read; adding, changing and removing activities (3);
    # reading (2), changing and moving submissions (2); mandates (2 to read) and updates on
    # them (2 to read, adding and changing).
    assert len(found) == 29

    for operation in found:

        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        @settings(BOUNDED, max_examples=EXAMPLES_PER_OPERATION)
        def valid(case):
            case.call_and_validate(checks=CHECKS)

        @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
        @settings(BOUNDED, max_examples=EXAMPLES_PER_OPERATION)
        def hostile(case):
            case.call_and_validate(checks=[not_a_server_error])

        valid()
        hostile()


FILTER_NAMES = [*ActivityFilter.base_filters, "page", "page_size"]
hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["C7", "C7.e-health", "ITU", "UN/CEFACT", "africa", "3", "2023", "-year"]),
    st.sampled_from(["\x00", "C7\x00", "%", "' OR 1=1 --", "9" * 40, "-1", "1e3", " ", "null"]),
)


@given(
    query=st.dictionaries(
        st.sampled_from(FILTER_NAMES), st.lists(hostile_text, min_size=1, max_size=3), max_size=4
    )
)
@settings(BOUNDED, max_examples=100)
def test_hostile_filter_values_never_fail(api_schema, client, query):
    response = client.get("/api/activities/", query)

    assert response.status_code in (200, 400, 404), (query, response.content[:300])
    assert response["Content-Type"] == "application/json"
