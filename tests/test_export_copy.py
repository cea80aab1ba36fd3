"""The filtered CSV export: on PostgreSQL the database writes its lines (COPY), and
they must be byte for byte what the Python writer makes of the same rows, for
the same filters, permissions and order as the listing and the API."""

import csv
import datetime
import io

import pytest
from django.db import DataError, connection
from django.utils import timezone

from activities import exports
from activities.exports import FIELDS, activity_record
from activities.filters import ActivityFilter
from activities.models import Activity, Theme, Trend
from tests.factories import ActivityFactory, EntityFactory, ReferenceFactory, ReviewCycleFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database writes the CSV on PostgreSQL only"
)

# Filters as the listing's query string gives them.
FILTERS = [
    {},
    {"year": ["2020"]},
    {"action_line": ["C7"]},
    {"region": ["africa", "europe"]},
    {"sdg": ["3"]},
    {"entity": ["WHO"]},
    {"q": ["health"]},
    {"ordering": ["title"]},
    {"ordering": ["-published"], "year": ["2019", "2020"]},
    {"theme": ["-odd-theme"]},
    {"year": ["1999"]},  # nothing
]


def build_url(path):
    return f"http://testserver{path}"


@pytest.fixture
def varied(db):
    """Published work with every kind of cell a CSV can get wrong, and drafts."""
    who = EntityFactory(acronym="WHO")
    formula = EntityFactory(acronym="@ORG")
    comma = EntityFactory(acronym='A,B "C"')
    arabic = EntityFactory(acronym="منظمة")
    minus = EntityFactory(acronym="-MINUS")
    cycle = ReviewCycleFactory(slug="wsis-2020")
    odd_theme = Theme.objects.create(key="-odd-theme", title_en="Odd")
    theme = Theme.objects.exclude(pk=odd_theme.pk).first()
    trend = Trend.objects.first()
    exact_second = datetime.datetime(2020, 5, 1, 12, 30, tzinfo=datetime.UTC)
    made = [
        ActivityFactory(
            title='=HYPERLINK("http://evil.example","click")',
            summary='Quotes "here", commas, and\nnew lines\r\nand a lone \r return',
            description="",
            entity=who,
            partners=[comma, formula, arabic, minus],
            action_lines=["C7.e-health", "C1", "C7"],
            regions=["global", "africa", "europe"],
            sdgs=[17, 3, 4],
            year=2020,
            cycle=cycle,
            published_at=exact_second,
        ),
        ActivityFactory(
            title="+1 health for all",
            summary="Résumé, 中文摘要 and русский текст; back\\slash",
            description="-starts with a minus",
            entity=formula,
            partners=[who],
            action_lines=["C7.e-health"],
            regions=["africa"],
            sdgs=[3],
            year=2020,
            cycle=None,
        ),
        ActivityFactory(
            title="@mention health",
            summary="\tTab first",
            description="\rReturn first",
            entity=minus,
            action_lines=["C3"],
            regions=[],
            sdgs=[],
            year=2019,
        ),
        ActivityFactory(
            title="  spaces around  ",
            summary="line\u2028separator",
            description="‘quotes’ “curly” and 'single'",
            entity=arabic,
            action_lines=["C1", "C11"],
            regions=["europe"],
            sdgs=[9],
            year=2020,
            language="ar",
        ),
        ActivityFactory(
            title="Health without lists", summary="", entity=who, year=2021, cycle=cycle
        ),
    ]
    made[0].themes.set([odd_theme, theme])
    made[1].themes.set([theme])
    made[0].trends.set([trend])
    ReferenceFactory(activity=made[0], url="https://example.org/a,b", position=2)
    ReferenceFactory(activity=made[0], url="", symbol="A/RES/70/1", position=1)
    ReferenceFactory(activity=made[0], url='https://example.org/"q"', position=1)
    ReferenceFactory(activity=made[1], url="", symbol="-E/2020/1")
    ReferenceFactory(activity=made[1], url="https://example.org/x")
    for title in ("=DRAFT health", "Draft of WHO 2020"):
        ActivityFactory(
            title=title,
            status=Activity.Status.DRAFT,
            entity=who,
            action_lines=["C7"],
            regions=["africa"],
            sdgs=[3],
            year=2020,
        )
    return made


def expected_csv(queryset):
    """The file the Python writer makes of ``queryset``, from model instances."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for activity in queryset.with_export_data():
        writer.writerow(exports._cells(activity_record(activity, build_url)))
    return ("\ufeff" + buffer.getvalue()).encode()


def filtered(data):
    filterset = ActivityFilter(data)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def test_the_dataset_is_varied(varied):
    assert Activity.objects.published().count() == 5
    assert Activity.objects.filter(status=Activity.Status.DRAFT).count() == 2


@pytest.mark.parametrize("data", FILTERS, ids=lambda d: "&".join(f"{k}={v}" for k, v in d.items()))
def test_the_export_is_what_the_python_writer_makes_of_the_records(client, varied, data):
    queryset = filtered(data)

    body = b"".join(exports.csv_lines(queryset, build_url))

    assert body == expected_csv(queryset)


@on_postgresql
@pytest.mark.parametrize("data", FILTERS, ids=lambda d: "&".join(f"{k}={v}" for k, v in d.items()))
def test_copy_writes_the_bytes_of_the_python_writer(varied, data):
    queryset = filtered(data)

    copied = b"".join(exports._copied_lines(queryset, build_url))
    written = b"".join(exports._written_lines(queryset, build_url))

    assert copied == written
    assert copied.count(b"\r\n") >= queryset.count()


@on_postgresql
def test_copy_writes_every_tricky_cell(varied):
    body = b"".join(exports.csv_lines(filtered({}), build_url)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))

    assert rows[0] == FIELDS
    by_title = {row[1]: dict(zip(FIELDS, row, strict=True)) for row in rows[1:]}
    first = by_title['\'=HYPERLINK("http://evil.example","click")']
    assert first["summary"] == 'Quotes "here", commas, and\nnew lines\r\nand a lone \r return'
    assert first["partners"] == '\'-MINUS; @ORG; A,B "C"; منظمة'
    assert first["action_lines"] == "C1; C7; C7.e-health"
    assert first["references"] == 'A/RES/70/1; https://example.org/"q"; https://example.org/a,b'
    assert first["published_at"] == "2020-05-01T12:30:00+00:00"
    assert first["cycle"] == "wsis-2020"
    assert first["description"] == ""
    second = by_title["'+1 health for all"]
    assert second["references"] == "'-E/2020/1; https://example.org/x"
    assert second["entity"] == "'@ORG"
    assert second["description"] == "'-starts with a minus"
    published = timezone.localtime(
        Activity.objects.get(title="+1 health for all").published_at, datetime.UTC
    )
    assert second["published_at"] == published.isoformat()
    third = by_title["'@mention health"]
    assert (third["summary"], third["description"]) == ("'\tTab first", "'\rReturn first")
    assert by_title["Health without lists"]["partners"] == ""
    assert not any("DRAFT" in title or "Draft" in title for title in by_title)


@pytest.mark.parametrize("data", FILTERS, ids=lambda d: "&".join(f"{k}={v}" for k, v in d.items()))
def test_the_view_exports_the_rows_of_the_listing_in_its_order(client, varied, data):
    query = "&".join(f"{key}={value}" for key, values in data.items() for value in values)

    response = client.get(f"/activities/export.csv?{query}")
    api = client.get(f"/api/activities/?{query}&page_size=100").json()

    assert response.status_code == 200
    assert response.streaming  # chunked: a cut-off never looks complete
    body = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == FIELDS
    ids = [int(row[0]) for row in rows[1:]]
    assert ids == [record["id"] for record in api["results"]]
    assert body == expected_csv(filtered(data))
    drafts = Activity.objects.exclude(status=Activity.Status.PUBLISHED).values_list("pk", flat=True)
    assert not set(ids) & set(drafts)


@on_postgresql
@pytest.mark.parametrize("lines_per_write", [2, 100])  # mid-way; after the last row
def test_a_query_while_the_copy_runs_gets_the_connection(varied, monkeypatch, lines_per_write):
    # The COPY holds the connection; another query meanwhile (of the same
    # request, or a test) has the rest of the rows set aside first.
    monkeypatch.setattr(exports, "LINES_PER_WRITE", lines_per_write)
    queryset = filtered({})
    pieces = exports.csv_lines(queryset, build_url)
    first = next(pieces)

    assert Activity.objects.published().count() == 5

    assert first + b"".join(pieces) == expected_csv(queryset)


@on_postgresql
def test_an_error_mid_way_is_raised_and_closing_early_cancels(db):
    from django.db import transaction
    from psycopg.pq import TransactionStatus

    from activities.db import copy_csv_lines

    failing = "SELECT g, 1 / (3 - g) FROM generate_series(1, 5) g"
    with pytest.raises(DataError, match="division by zero"), transaction.atomic():
        lines = copy_csv_lines(failing, [], "default", 1)
        assert next(lines) == b"1,0\r\n"
        list(lines)

    with transaction.atomic():
        lines = copy_csv_lines("SELECT g FROM generate_series(1, 10000000) g", [], "default", 10)
        assert next(lines).startswith(b"1\r\n2\r\n")
        lines.close()
        # Cancelled, not read to its end (in a transaction, which it aborts).
        assert connection.connection.info.transaction_status == TransactionStatus.INERROR
        transaction.set_rollback(True)
    assert Activity.objects.count() == 0  # the connection is free again


@on_postgresql
def test_the_view_does_not_swallow_an_error_mid_way(client, varied, monkeypatch):
    monkeypatch.setattr(exports, "LINES_PER_WRITE", 1)
    made = exports.copy_query

    def failing(queryset, build_url):
        sql, params = made(queryset, build_url)
        # The fourth row divides by zero, after the first lines were sent.
        return f"SELECT s.*, 1 / (4 - row_number() OVER ()) FROM ({sql}) s", params

    monkeypatch.setattr(exports, "copy_query", failing)
    response = client.get("/activities/export.csv?ordering=title")  # five rows
    assert response.status_code == 200
    pieces = iter(response.streaming_content)
    assert next(pieces).startswith(b"\xef\xbb\xbfid,title")
    with pytest.raises(DataError, match="division by zero"):
        list(pieces)
