"""Bad input, systematically: hostile values for the forms, the importer and the filters,
and hostile stored text that must come out escaped everywhere it is shown.

The property-based tests are bounded (a few hundred examples at most) and,
under CI, derandomised so that they draw the same examples on every run.
Each example runs in a savepoint that is rolled back, so examples do not
see each other's data.
"""

import contextlib
import copy
import csv
import io
import json
import os
import re

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.core import mail
from django.db import transaction
from django.http import QueryDict
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from activities.exports import neutralise
from activities.filters import ActivityFilter
from activities.importer import DatasetError, import_dataset, read_dataset
from activities.models import Activity
from reviews.emails import queue_submission_email
from reviews.forms import ActivityForm, AnswersForm, CommentForm, ReferenceFormSet
from reviews.models import Comment

from .factories import ActivityFactory, EntityFactory, ReferenceFactory, move
from .test_faults import snapshot

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=list(HealthCheck),
)

# Strings an attacker, a broken client or a careless copy-paste sends.
NASTY_STRINGS = [
    "",
    " ",
    "\x00",
    "A\x00B",
    "\x1b[31m\x07\x08",
    "\r\n\t",
    "'; DROP TABLE activities_activity; --",
    "' OR '1'='1",
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "%(name)s %s {0}",
    '=HYPERLINK("http://evil.example","x")',
    "Ã©tÃ© â€“ mojibake",
    "\ufeffBOM",
    "\u202eright-to-left override",
    "C7\x00",
    "9" * 40,
    "x" * 5000,
]
nasty_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=8),
)
hostile_value = st.one_of(
    nasty_text,
    st.sampled_from(["\ud800", "\udcff lone surrogates"]),
    st.integers(),
    st.integers(min_value=2**31, max_value=2**80),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(nasty_text, max_size=3),
    st.dictionaries(st.text(max_size=5), nasty_text, max_size=2),
)


def rolled_back(check):
    """Run ``check`` in a savepoint that is rolled back afterwards."""
    with transaction.atomic():
        result = check()
        transaction.set_rollback(True)
    return result


# --- The importer -----------------------------------------------------------------------


@pytest.fixture
def small_dataset(dataset_2024):
    """The real 2024 dataset cut to its first three activities and their entities."""
    activities = copy.deepcopy(dataset_2024["activities"][:3])
    named = {a for record in activities for a in record.get("entities", [])}
    return {
        **copy.deepcopy(dataset_2024),
        "activities": activities,
        "entities": [e for e in dataset_2024["entities"] if e["acronym"] in named],
    }


DELETE = object()


def mutate(dataset, data):
    """Replace (or delete) one value somewhere in the dataset with a hostile one."""
    where = data.draw(
        st.sampled_from(["top", "report", "entity", "activity", "reference", "outline"])
    )
    if where == "top":
        record = dataset
    elif where == "report":
        record = dataset["report"] if isinstance(dataset.get("report"), dict) else dataset
    else:
        activities = dataset.get("activities")
        source = {
            "entity": dataset.get("entities"),
            "activity": dataset.get("activities"),
            "outline": dataset.get("outline"),
            "reference": [
                ref
                for a in (activities if isinstance(activities, list) else [])
                if isinstance(a, dict) and isinstance(a.get("references"), list)
                for ref in a["references"]
            ],
        }[where]
        if not isinstance(source, list) or not source:
            return
        index = data.draw(st.integers(0, len(source) - 1))
        if data.draw(st.booleans()) and where != "reference":
            source[index] = data.draw(hostile_value)  # the whole record
            return
        record = source[index]
    if not isinstance(record, dict):
        return
    key = data.draw(st.sampled_from([*sorted(record), "extra"]))
    value = data.draw(st.one_of(hostile_value, st.just(DELETE)))
    if value is DELETE:
        record.pop(key, None)
    else:
        record[key] = value


@given(data=st.data())
@settings(BOUNDED, max_examples=120)
def test_the_importer_takes_hostile_datasets_cleanly_or_not_at_all(small_dataset, data):
    import_dataset(copy.deepcopy(small_dataset))  # so that updates are tried too
    dataset = copy.deepcopy(small_dataset)
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(dataset, data)

    def attempt():
        before = snapshot()
        try:
            import_dataset(dataset)
        except DatasetError:
            assert snapshot() == before, "a refused dataset changed the database"
            return "refused"
        return "imported"

    rolled_back(attempt)


@pytest.mark.parametrize(
    "content",
    [
        "Clé".encode("latin-1"),
        json.dumps({"report": {"symbol": "é"}}).encode("utf-16"),
        b"\xef\xbb\xbf" + b'{"report": {}}',  # a byte-order mark
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b'{"report": {"symbol": "A/1"}, "activities": [',
        b"",
        b"[1, 2, 3]",
        b'"just a string"',
        b"NaN",
        b'{"report": {"symbol": "\\ud800"}, "activities": [{"id": "1"}]}',
    ],
)
def test_files_in_wrong_encodings_or_shapes_are_refused(tmp_path, content):
    path = tmp_path / "dataset.json"
    path.write_bytes(content)

    with pytest.raises(DatasetError):
        import_dataset(read_dataset(path))


@given(content=st.binary(max_size=200))
@settings(BOUNDED, max_examples=100)
def test_any_bytes_are_a_dataset_error_or_an_import(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("bytes") / "dataset.json"
    path.write_bytes(content)

    def attempt():
        with contextlib.suppress(DatasetError):
            import_dataset(read_dataset(path))

    rolled_back(attempt)


# --- Forms ------------------------------------------------------------------------------------


@pytest.fixture
def draft(submission, contributor, reviewer, manager):
    return move(submission, "draft", contributor=contributor, reviewer=reviewer, manager=manager)


@given(
    answers=st.dictionaries(
        st.sampled_from(["trends", "achievements", "obstacles", "x"]), nasty_text
    )
)
@settings(BOUNDED, max_examples=80)
@example(answers={"trends": "x" * 20001})
def test_the_answers_form_stores_what_it_accepts_exactly(draft, contributor, answers):
    form = AnswersForm(answers, submission=draft)

    def attempt():
        if form.is_valid():
            draft.save_answers(form.answers(), by=contributor)
            draft.refresh_from_db()
            expected = {
                k: answers.get(k, "").strip() for k in ("trends", "achievements", "obstacles")
            }
            assert draft.answers == expected
        else:
            assert form.errors

    rolled_back(attempt)


# Every field of the form, and the stale-edit check's hidden one.
ACTIVITY_FIELDS = [*ActivityForm.Meta.fields, "updated_at"]
form_value = st.one_of(nasty_text, st.lists(nasty_text, max_size=3), st.integers().map(str))


@given(
    fields=st.dictionaries(st.sampled_from(ACTIVITY_FIELDS), form_value),
    references=st.lists(
        st.fixed_dictionaries({"url": nasty_text, "symbol": nasty_text, "label": nasty_text}),
        max_size=2,
    ),
)
@settings(BOUNDED, max_examples=150)
@example(fields={"partners": ["9" * 40], "sdgs": ["-1"]}, references=[])
@example(
    fields={"title": "T", "summary": "S", "language": "en", "action_lines": ["2"], "year": "2024"},
    references=[{"url": "https://example.org", "symbol": "", "label": "<b>x</b>"}],
)
def test_the_activity_form_saves_what_it_accepts(draft, fields, references):
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    data.update(
        {
            "references-TOTAL_FORMS": str(len(references)),
            "references-INITIAL_FORMS": "0",
            "references-MIN_NUM_FORMS": "0",
            "references-MAX_NUM_FORMS": "1000",
        }
    )
    for i, ref in enumerate(references):
        for key, value in ref.items():
            data[f"references-{i}-{key}"] = value
    activity = Activity(submission=draft)
    form = ActivityForm(data, instance=activity, submission=draft)
    formset = ReferenceFormSet(data, instance=activity, prefix="references")

    def attempt():
        if form.is_valid() and formset.is_valid():
            saved = form.save(commit=False)
            saved.entity = draft.entity
            saved.submission = draft
            saved.status = Activity.Status.DRAFT
            saved.save()
            form.save_m2m()
            formset.instance = saved
            formset.save()
            stored = Activity.objects.get(pk=saved.pk)
            assert stored.title == form.cleaned_data["title"]
            assert "\x00" not in stored.title + stored.summary + stored.description

    rolled_back(attempt)


@given(body=nasty_text, visibility=nasty_text)
@settings(BOUNDED, max_examples=60)
def test_the_comment_form_never_fails(draft, reviewer, body, visibility):
    form = CommentForm({"body": body, "visibility": visibility}, internal_allowed=True)

    def attempt():
        if form.is_valid():
            comment = form.save(commit=False)
            comment.submission = draft
            comment.author = reviewer
            comment.save()
            assert Comment.objects.get(pk=comment.pk).body == form.cleaned_data["body"]

    rolled_back(attempt)


@given(username=nasty_text, password=nasty_text)
@settings(BOUNDED, max_examples=60)
def test_the_login_form_never_fails(rf, contributor, username, password):
    request = rf.post("/accounts/login/")

    def attempt():
        form = AuthenticationForm(request, {"username": username, "password": password})
        assert not form.is_valid()

    rolled_back(attempt)


@given(
    username=nasty_text,
    password=nasty_text,
    page=st.sampled_from(["/accounts/login/", "/admin/login/"]),
)
@settings(BOUNDED, max_examples=60)
def test_the_login_pages_never_fail(client, username, password, page):
    def attempt():
        response = client.post(page, {"username": username, "password": password})
        if "\x00" in username + password:  # refused before any view (RejectNullCharacters)
            assert response.status_code == 400, response.status_code
            assert b"NUL character" in response.content
        else:
            assert response.status_code in (200, 429), response.status_code

    rolled_back(attempt)


# --- Filters -------------------------------------------------------------------------------------

FILTER_NAMES = [*ActivityFilter.base_filters, "page", "ordering"]
filter_value = st.one_of(
    nasty_text,
    st.sampled_from(["C7", "C7.e-health", "ENTA", "africa", "3", "2023", "-year", "fr", "-1"]),
)
queries = st.dictionaries(
    st.sampled_from(FILTER_NAMES), st.lists(filter_value, min_size=1, max_size=3), max_size=4
)


@pytest.fixture
def listed():
    entity = EntityFactory(acronym="ENTA")
    for year in (2022, 2023):
        ActivityFactory(entity=entity, year=year, action_lines=["C7.e-health"], regions=["africa"])


def as_query(query):
    data = QueryDict(mutable=True)
    for name, values in query.items():
        data.setlist(name, values)
    return data


@given(query=queries)
@settings(BOUNDED, max_examples=150)
def test_the_filterset_validates_or_filters_never_fails(listed, query):
    filterset = ActivityFilter(as_query(query))

    if filterset.is_valid():
        assert len(filterset.qs) <= 2
        filterset.facets()
    else:
        assert filterset.errors_by_parameter()


@given(
    query=queries,
    path=st.sampled_from(["/activities/", "/activities/export.csv", "/activities/export.json"]),
)
@settings(BOUNDED, max_examples=150)
def test_the_listing_and_exports_never_answer_500(client, listed, query, path):
    response = client.get(path, as_query(query))

    assert response.status_code in (200, 400, 404), (query, response.status_code)
    if response.status_code == 400 and path.endswith((".csv", ".json")):
        assert response.json()["errors"], query  # names the parameter
    elif response.status_code == 400:
        page = response.content.decode()
        assert 'role="alert"' in page or "This request cannot be answered" in page, query


# --- Stored text is escaped wherever it is shown -------------------------------------------

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(draft, contributor, reviewer, open_cycle):
    """Hostile text in every field a contributor or the secretariat writes."""
    entity = draft.entity
    entity.name_en = "Entity " + XSS
    entity.description = XSS
    entity.save()
    open_cycle.title = "Cycle " + XSS
    open_cycle.save()
    activity = ActivityFactory(
        title="Title " + XSS,
        summary="Summary " + XSS,
        description="Description " + XSS,
        entity=entity,
        submission=draft,
        cycle=open_cycle,
        action_lines=["C2"],
    )
    ReferenceFactory(activity=activity, url="https://example.org/a?b=\"'<>", label="Label " + XSS)
    draft.save_answers({"trends": XSS, "achievements": XSS, "obstacles": XSS}, by=contributor)
    Comment.objects.create(
        submission=draft, author=reviewer, body="Comment " + XSS, visibility="shared"
    )
    return activity


def assert_escaped(html):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_stored_text_is_escaped_on_the_public_pages(client, hostile):
    for url in [
        "/",
        "/activities/",
        hostile.get_absolute_url(),
        "/entities/",
        f"/entities/{hostile.entity.acronym}/",
    ]:
        assert_escaped(client.get(url).content.decode())


def test_stored_text_is_escaped_on_the_contributor_pages(client, hostile, contributor, draft):
    client.force_login(contributor)

    for url in [
        "/contribute/",
        draft.get_absolute_url(),
        f"{draft.get_absolute_url()}activities/{hostile.pk}/",
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html


def test_stored_text_is_escaped_in_the_admin(client, hostile, manager, draft):
    client.force_login(manager)

    for url in [
        "/admin/activities/activity/",
        f"/admin/activities/activity/{hostile.pk}/change/",
        "/admin/reviews/submission/",
        f"/admin/reviews/submission/{draft.pk}/change/",
        "/admin/entities/entity/",
        f"/admin/entities/entity/{hostile.entity.pk}/change/",
        "/admin/reviews/reviewcycle/",
        f"/admin/reviews/reviewcycle/{draft.cycle.pk}/dashboard/",
    ]:
        assert_escaped(client.get(url).content.decode())


def test_stored_text_is_escaped_in_the_html_email(hostile, draft, manager):
    mail.outbox.clear()

    queue_submission_email("message", draft, sent_by=manager, subject="S " + XSS, text=XSS)
    queue_submission_email("changes_requested", draft, sent_by=manager, comment=XSS)

    for message in mail.outbox:
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert_escaped(html)


def test_exports_carry_stored_text_as_data_not_markup(client, hostile, manager, draft):
    hostile.submission = None  # published work of no submission: public
    hostile.save()

    exported = b"".join(client.get("/activities/export.json").streaming_content).decode()
    api = client.get(f"/api/activities/{hostile.pk}/")
    listing_csv = client.get("/activities/export.csv")

    assert json.loads(exported)["results"][0]["title"] == "Title " + XSS
    assert api.json()["title"] == "Title " + XSS
    assert api["Content-Type"] == "application/json"
    assert listing_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert listing_csv["X-Content-Type-Options"] == "nosniff"
    assert listing_csv["Content-Disposition"].startswith("attachment;")


@given(title=st.text(alphabet="<>&\"'xz/ =", min_size=1, max_size=30).filter(str.strip))
@settings(BOUNDED, max_examples=50)
def test_any_title_is_shown_escaped(client, title):
    def attempt():
        activity = ActivityFactory(title=title, action_lines=["C2"])
        html = client.get(activity.get_absolute_url()).content.decode()
        assert escape(title.strip()) in html
        if re.search(r"<[xz]", title.strip()):  # a tag to a browser, and none of the page's
            assert title.strip() not in html

    rolled_back(attempt)


# --- Spreadsheet formulas in the CSV export ---------------------------------------------

FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_neutralise_defuses_every_formula_start(formula):
    assert neutralise(formula).startswith("'")


def test_the_csv_export_defuses_formulas_in_every_column(client):
    entity = EntityFactory(acronym="ENTX", name_en="=evil()")
    for formula in FORMULAS:
        activity = ActivityFactory(
            title=formula, summary=formula, description=formula, entity=entity, action_lines=["C2"]
        )
        ReferenceFactory(activity=activity, url="", symbol=formula)

    body = b"".join(client.get("/activities/export.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))

    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == len(FORMULAS) + 1
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
