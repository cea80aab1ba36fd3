"""Import a report dataset (the format of data/wsis-report-2024.json).

A dataset is one report. Importing it creates or updates that report's
published review cycle (keyed by the report's document symbol) and makes the
file's activities that cycle's published work. Everything is validated before
anything is written, and the writes run in one transaction, so a bad file
leaves the database exactly as it was. Importing the same file twice changes
nothing: records are compared and written only when they differ.
"""

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from entities.models import Entity, acronym_validator
from entities.official_names import names_for
from reviews.models import ReviewCycle, Submission

from .headings import HeadingFacts, suggest_heading
from .models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend


class DatasetError(Exception):
    """A dataset that cannot be imported; the message names the record and the problem."""


@dataclass
class ImportResult:
    cycle: ReviewCycle = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    entities_created: int = 0
    entities_updated: int = 0
    warnings: list = field(default_factory=list)

    def summary(self):
        return (
            f"{self.cycle.slug}: {self.created} activities created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed; "
            f"{self.entities_created} entities created, {self.entities_updated} updated."
        )


def read_dataset(path):
    """Read and parse a dataset file, turning every failure into a DatasetError."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory, not a dataset file") from None
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc.strerror})") from None


# --- Validation helpers ------------------------------------------------------

_url_validator = URLValidator(schemes=["http", "https"])
# The largest number a PositiveIntegerField holds on every database.
MAX_NUMBER = 2_147_483_647
# The longest key (of a trend, theme or region) a SlugField of the taxonomy holds.
MAX_KEY = 60


def _text(record, key, where, *, required=False, max_length=None):
    value = record.get(key)
    if value is None:
        if required:
            raise DatasetError(f"{where}: '{key}' is missing")
        return ""
    if not isinstance(value, str):
        raise DatasetError(f"{where}: '{key}' must be text, not {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise DatasetError(f"{where}: '{key}' is empty")
    if max_length and len(value) > max_length:
        raise DatasetError(f"{where}: '{key}' is longer than {max_length} characters")
    if "\x00" in value:
        raise DatasetError(f"{where}: '{key}' contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DatasetError(f"{where}: '{key}' is not valid Unicode text") from None
    return value


def _is_one_of(value, known):
    """``value in known``, for values of any JSON type (a list is never a key)."""
    return isinstance(value, str | int) and not isinstance(value, bool) and value in known


def _list(record, key, where):
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DatasetError(f"{where}: '{key}' must be a list, not {type(value).__name__}")
    return value


def _storable(value, where):
    """Refuse text a database cannot store anywhere in a JSON value (the outline is kept
    as is), and numbers that are not numbers in JSON (Python reads NaN and Infinity)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key, where)
            _storable(item, where)
    elif isinstance(value, list):
        for item in value:
            _storable(item, where)
    elif isinstance(value, float) and not math.isfinite(value):
        raise DatasetError(f"{where}: holds {value}, which is not a number JSON can hold")
    elif isinstance(value, str):
        if "\x00" in value:
            raise DatasetError(f"{where}: contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise DatasetError(f"{where}: holds text that is not valid Unicode") from None


MONTHS = [  # fmt: skip
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def _agenda(text):
    """The agenda item as a dataset words it ("ECOSOC annotated agenda
    (E/2023/1) item 18 (b): Economic … development") as (item, title, note)."""
    match = re.match(
        r"^(?P<agenda>.*?)\((?P<note>[^)]+)\)\s*item\s+(?P<item>[^:]+):\s*(?P<title>.+)$", text
    )
    if match:
        return match["item"].strip(), match["title"].strip(), match["note"].strip()
    match = re.match(r"^(?:agenda\s+)?item\s+(?P<item>[^:]+):\s*(?P<title>.+)$", text, re.I)
    if match:
        return match["item"].strip(), match["title"].strip(), ""
    return "", text, ""


def _month(value):
    """A month given as "2023-01" (or a full date), as the first of that month."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}(-\d{2})?$", value):
        raise DatasetError("report: 'urls_accessed' must be a month like 2023-01")
    try:
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    except ValueError:
        raise DatasetError("report: 'urls_accessed' must be a month like 2023-01") from None


def _month_in(text):
    """The first "January 2023" a text mentions, as a date, or None."""
    match = re.search(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", text, re.I)
    if not match:
        return None
    return dt.date(int(match[2]), MONTHS.index(match[1].lower()) + 1, 1)


def _walk(nodes):
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict):
            yield node
            yield from _walk(node.get("children"))


class _Dataset:
    """The validated content of a dataset, ready to be written."""

    def __init__(self, data):
        if not isinstance(data, dict):
            raise DatasetError("dataset: the file must hold a JSON object")
        report = data.get("report")
        if not isinstance(report, dict):
            raise DatasetError("report: missing, or not an object")
        self.report = report
        self.symbol = _text(report, "symbol", "report", required=True, max_length=80)
        self.title = _text(report, "title_en", "report", max_length=300)
        self.summary = _text(report, "summary_en", "report")
        self.reporting_year = self._year(report.get("reporting_year"), "report", "reporting_year")
        self.report_date = self._date(report.get("date"), "report")
        outline = data.get("outline") or []
        if not isinstance(outline, list):
            raise DatasetError("outline: must be a list")
        _storable(outline, "outline")
        self.outline = outline
        self._read_outline()
        self._read_action_lines(data)
        self._read_entities(data)
        self._read_activities(data)
        self._read_cover(report, data)
        self.warnings = []
        if not self.activities:
            if not self.outline and not self.entities:
                raise DatasetError(
                    "dataset: holds no activities, and neither an outline nor entities"
                )
            self.warnings.append(
                "The dataset lists no activities: the cycle holds the report's outline and "
                "contributors only, as far as they are known."
            )

    # Report ------------------------------------------------------------------

    @staticmethod
    def _year(value, where, key="year"):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1990 <= value <= 2100:
            raise DatasetError(f"{where}: '{key}' must be a year between 1990 and 2100")
        return value

    @staticmethod
    def _date(value, where):
        if value in (None, ""):
            return None
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise DatasetError(f"{where}: 'date' must be a date like 2024-02-05") from None

    def _read_outline(self):
        """Trends, themes and regions the outline declares, with their headings."""
        self.declared = {"trend": {}, "theme": {}, "region": {}}
        for node in _walk(self.outline):
            for kind, key_name in (
                ("trend", "trend_key"),
                ("theme", "theme"),
                ("region", "region"),
            ):
                key = node.get(key_name)
                if key is None:
                    continue
                where = f"outline '{node.get('key', '?')}'"
                if (
                    not isinstance(key, str)
                    or len(key) > MAX_KEY
                    or slugify(key).replace("-", "_") != key
                ):
                    raise DatasetError(
                        f"{where}: '{key_name}' must be a key like digital_inclusion"
                    )
                self.declared[kind][key] = (
                    _text(node, "title_en", where, required=True, max_length=300),
                    _text(node, "title_zh", where, max_length=300),
                )
        self.trend_keys = list(self.declared["trend"])

    def _read_action_lines(self, data):
        known = set(ActionLine.objects.values_list("code", flat=True))
        for i, line in enumerate(_list(data, "action_lines", "dataset")):
            code = line.get("code") if isinstance(line, dict) else None
            if not _is_one_of(code, known):
                raise DatasetError(f"action line #{i + 1}: unknown action line {code!r}")
        self.action_lines = dict(ActionLine.objects.values_list("code", "pk"))

    # The cover and note 1 ----------------------------------------------------

    def _read_cover(self, report, data):
        """The cover's fields and note 1's (the online compilation of the inputs,
        the month the notes' addresses were read); all optional."""
        bodies = _list(report, "bodies", "report")
        for i, body in enumerate(bodies):
            if not isinstance(body, str) or "\n" in body or "\x00" in body:
                raise DatasetError(f"report: body #{i + 1} must be one line of text")
        self.bodies = "\n".join(" ".join(b.split()) for b in bodies)
        agenda = _text(report, "agenda_item", "report", max_length=500)
        self.agenda_item, self.agenda_title, self.agenda_note = _agenda(agenda)
        for key, limit in (("agenda_title", 300), ("agenda_note", 200)):
            if report.get(key) is not None:
                setattr(self, key, _text(report, key, "report", max_length=limit))
        if len(self.agenda_item) > 200 or len(self.agenda_title) > 300:
            raise DatasetError("report: 'agenda_item' is too long to print on the cover")
        distribution = _text(report, "distribution", "report", max_length=20) or "General"
        if distribution not in ReviewCycle.Distribution.values:
            raise DatasetError(f"report: unknown distribution {distribution!r}")
        self.distribution = distribution
        original = _text(report, "original_language", "report", max_length=10) or "en"
        languages = {code.split("-")[0]: code for code, _name in settings.LANGUAGES}
        if original.lower().split("-")[0] not in languages:
            raise DatasetError(f"report: unknown original language {original!r}")
        self.original_language = languages[original.lower().split("-")[0]]
        self.inputs_url = _text(report, "inputs_url", "report", max_length=500)
        notes = _list(data, "footnotes", "dataset")
        first = next((n for n in notes if isinstance(n, dict) and n.get("number") == 1), None)
        if not self.inputs_url and first and isinstance(first.get("urls"), list):
            self.inputs_url = next((u for u in first["urls"] if isinstance(u, str)), "")
        if self.inputs_url:
            try:
                _url_validator(self.inputs_url)
            except ValidationError:
                raise DatasetError(
                    f"report: {self.inputs_url!r} is not a valid web address"
                ) from None
        self.urls_accessed = _month(report.get("urls_accessed"))
        if self.urls_accessed is None:
            said = " ".join(
                str(x)
                for x in (report.get("source_note"), first.get("note") if first else None)
                if isinstance(x, str)
            )
            self.urls_accessed = _month_in(said)

    # Entities ----------------------------------------------------------------

    def _read_entities(self, data):
        self.entities = {}  # in the file's order: note 1's order of the contributors
        kinds = set(Entity.Kind.values)
        for i, record in enumerate(_list(data, "entities", "dataset")):
            if not isinstance(record, dict):
                raise DatasetError(f"entity #{i + 1}: must be an object")
            acronym = _text(record, "acronym", f"entity #{i + 1}", required=True, max_length=60)
            where = f"entity {acronym}"
            try:
                acronym_validator(acronym)
            except ValidationError:
                raise DatasetError(f"{where}: the acronym has characters not allowed") from None
            if acronym.lower() in {a.lower() for a in self.entities}:
                raise DatasetError(f"{where}: listed twice")
            kind = record.get("kind")
            if kind is not None and not _is_one_of(kind, kinds):
                raise DatasetError(f"{where}: unknown kind {kind!r}")
            self.entities[acronym] = {
                "name_en": _text(record, "name_en", where, required=True, max_length=300),
                "name_zh": _text(record, "name_zh", where, max_length=300),
                "short_name_zh": _text(record, "short_name_zh", where, max_length=120),
                "kind": kind,
                "kind_note": _text(record, "kind_note", where),
                "contributed": bool(record.get("contributed_to_report")),
            }

    # Activities --------------------------------------------------------------

    def _read_activities(self, data):
        existing_entities = {
            a.lower(): a for a in Entity.objects.values_list("acronym", flat=True)
        } | {a.lower(): a for a in self.entities}
        themes = set(Theme.objects.values_list("key", flat=True)) | set(self.declared["theme"])
        trends = set(Trend.objects.values_list("key", flat=True)) | set(self.declared["trend"])
        regions = set(Region.objects.values_list("key", flat=True)) | set(self.declared["region"])
        types = set(Activity.Type.values)
        implementations = set(Activity.Implementation.values)

        self.activities = []
        seen = set()
        records = _list(data, "activities", "dataset")
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                raise DatasetError(f"activity #{i + 1}: must be an object")
            source_id = _text(record, "id", f"activity #{i + 1}", required=True, max_length=40)
            where = f"activity {source_id}"
            if source_id in seen:
                raise DatasetError(f"{where}: the id is used twice in this file")
            seen.add(source_id)

            acronyms = []
            for acronym in _list(record, "entities", where):
                if not isinstance(acronym, str) or acronym.lower() not in existing_entities:
                    raise DatasetError(f"{where}: unknown entity {acronym!r}")
                acronyms.append(existing_entities[acronym.lower()])
            if not acronyms:
                raise DatasetError(f"{where}: names no entity")
            # An entity named twice is one: the lead is never its own partner.
            acronyms = list(dict.fromkeys(acronyms))
            inferred = []
            for acronym in _list(record, "inferred_entities", where):
                if not isinstance(acronym, str) or acronym.lower() not in existing_entities:
                    raise DatasetError(f"{where}: unknown inferred entity {acronym!r}")
                inferred.append(existing_entities[acronym.lower()])

            codes = _list(record, "action_lines", where)
            for code in codes:
                if not _is_one_of(code, self.action_lines):
                    raise DatasetError(f"{where}: unknown action line {code!r}")
            for key, known, label in (
                ("themes", themes, "theme"),
                ("trend_keys", trends, "trend"),
                ("regions", regions, "region"),
            ):
                for value in _list(record, key, where):
                    if not _is_one_of(value, known):
                        raise DatasetError(f"{where}: unknown {label} {value!r}")
            sdgs = _list(record, "sdgs", where)
            for number in sdgs:
                if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 17:
                    raise DatasetError(f"{where}: SDG {number!r} is not a number from 1 to 17")

            activity_type = record.get("activity_type") or ""
            if activity_type and not _is_one_of(activity_type, types):
                raise DatasetError(f"{where}: unknown activity type {activity_type!r}")
            implementation = record.get("status") or ""
            if implementation and not _is_one_of(implementation, implementations):
                raise DatasetError(f"{where}: unknown status {implementation!r}")
            year = self._year(record.get("year"), where) or self.reporting_year
            if year is None:
                raise DatasetError(f"{where}: no year, and the report gives no reporting year")
            paragraph = record.get("paragraph")
            if paragraph is not None and (
                isinstance(paragraph, bool)
                or not isinstance(paragraph, int)
                or not 1 <= paragraph <= MAX_NUMBER
            ):
                raise DatasetError(f"{where}: 'paragraph' must be a positive whole number")

            self.activities.append(
                {
                    "source_id": source_id,
                    "fields": {
                        "title": _text(record, "title_en", where, required=True, max_length=300),
                        "summary": _text(record, "summary_en", where, required=True),
                        "description": _text(record, "description_en", where),
                        "entity_acronym": acronyms[0],
                        "year": year,
                        "activity_type": activity_type,
                        "implementation": implementation,
                        "section_key": _text(record, "section_key", where, max_length=80),
                        "source_paragraph": paragraph,
                        "editorial_note": _text(record, "note", where),
                    },
                    "partners": acronyms[1:],
                    "inferred": inferred,
                    "action_lines": codes,
                    "themes": _list(record, "themes", where),
                    "trends": _list(record, "trend_keys", where),
                    "regions": _list(record, "regions", where),
                    "sdgs": sdgs,
                    "references": self._references(record, where),
                }
            )

    def _references(self, record, where):
        references = []
        for position, ref in enumerate(_list(record, "references", where)):
            here = f"{where}, reference {position + 1}"
            if not isinstance(ref, dict):
                raise DatasetError(f"{here}: must be an object")
            url = _text(ref, "url", here, max_length=1000)
            symbol = _text(ref, "symbol", here, max_length=100)
            if not url and not symbol:
                raise DatasetError(f"{here}: has neither a URL nor a document symbol")
            if url:
                try:
                    _url_validator(url)
                except ValidationError:
                    raise DatasetError(f"{here}: {url!r} is not a valid web address") from None
            footnote = ref.get("footnote")
            if footnote is not None and (
                isinstance(footnote, bool)
                or not isinstance(footnote, int)
                or not 1 <= footnote <= MAX_NUMBER
            ):
                raise DatasetError(f"{here}: 'footnote' must be a positive whole number")
            references.append(
                (url, symbol, _text(ref, "label", here, max_length=300), footnote, position)
            )
        return references


# --- Writing -------------------------------------------------------------------


def _suggested_headings(records, kinds):
    """The report heading of each record: the file's, else the suggestion
    (``headings.suggest_heading``), each read with the headings of the same
    entity's other records, as the tracker reads a submission's activities."""
    lowered = {acronym.lower(): kind for acronym, kind in kinds.items()}

    def facts(record):
        fields = record["fields"]
        return HeadingFacts(
            entity_acronym=fields["entity_acronym"],
            entity_kind=kinds.get(fields["entity_acronym"], ""),
            action_lines=record["action_lines"],
            regions=record["regions"],
            themes=record["themes"],
            trends=record["trends"],
            text=" ".join((fields["title"], fields["summary"], fields["description"])),
            partner_kinds=[lowered.get(a.lower(), "") for a in record["partners"]],
        )

    alone = [r["fields"]["section_key"] or suggest_heading(facts(r)) for r in records]
    by_entity = {}
    for record, key in zip(records, alone, strict=True):
        counts = by_entity.setdefault(record["fields"]["entity_acronym"], {})
        counts[key] = counts.get(key, 0) + 1
    found = []
    for record, key in zip(records, alone, strict=True):
        if record["fields"]["section_key"]:
            found.append(key)
            continue
        others = dict(by_entity[record["fields"]["entity_acronym"]])
        others[key] -= 1
        found.append(suggest_heading(facts(record), others))
    return found


def import_dataset(data, *, progress=None):
    """Validate ``data`` (a parsed dataset) and write it in one transaction.

    ``progress(done, total)`` is called as activities are written. Raises
    DatasetError, having changed nothing, when the dataset is not acceptable.
    """
    dataset = _Dataset(data)
    with transaction.atomic():
        return _write(dataset, progress)


def _write(dataset, progress):
    result = ImportResult(warnings=list(dataset.warnings))
    _write_terms(dataset)
    entity_ids = _write_entities(dataset, result)
    cycle = _write_cycle(dataset, entity_ids)
    result.cycle = cycle

    ids = {
        "themes": dict(Theme.objects.values_list("key", "pk")),
        "trends": dict(Trend.objects.values_list("key", "pk")),
        "regions": dict(Region.objects.values_list("key", "pk")),
        "sdgs": dict(SDG.objects.values_list("number", "pk")),
        "action_lines": dataset.action_lines,
    }
    published_at = (
        timezone.make_aware(dt.datetime.combine(dataset.report_date, dt.time()), dt.UTC)
        if dataset.report_date
        else timezone.now()
    )
    submissions = _write_submissions(dataset, cycle, entity_ids, published_at)
    existing = {
        activity.source_id: activity
        for activity in Activity.objects.filter(cycle=cycle)
        .exclude(source_id="")
        .prefetch_related(
            "partners", "inferred_entities", "action_lines", "themes", "trends", "regions", "sdgs"
        )
        .prefetch_related("references")
    }
    total = len(dataset.activities)
    kinds = dict(Entity.objects.filter(pk__in=entity_ids.values()).values_list("acronym", "kind"))
    headings = _suggested_headings(dataset.activities, kinds)
    for done, record in enumerate(dataset.activities, start=1):
        fields = dict(record["fields"])
        acronym = fields.pop("entity_acronym")
        fields["entity_id"] = entity_ids[acronym.lower()]
        # The editors' heading where the file gives one; else the suggestion, as
        # for an activity entered in the tracker, for the secretariat to confirm.
        fields["section_confirmed"] = bool(fields["section_key"])
        if not fields["section_key"]:
            fields["section_key"] = headings[done - 1]
        fields.update(
            cycle=cycle,
            submission_id=submissions[fields["entity_id"]],
            status=Activity.Status.PUBLISHED,
        )
        wanted = {
            "partners": {entity_ids[a.lower()] for a in record["partners"]},
            "inferred_entities": {entity_ids[a.lower()] for a in record["inferred"]},
            "action_lines": {ids["action_lines"][c] for c in record["action_lines"]},
            "themes": {ids["themes"][k] for k in record["themes"]},
            "trends": {ids["trends"][k] for k in record["trends"]},
            "regions": {ids["regions"][k] for k in record["regions"]},
            "sdgs": {ids["sdgs"][n] for n in record["sdgs"]},
        }
        activity = existing.pop(record["source_id"], None)
        if activity is None:
            activity = Activity.objects.create(
                source_id=record["source_id"], published_at=published_at, **fields
            )
            changed, created = True, True
        else:
            created = False
            changed = scalar_changed = {k for k, v in fields.items() if getattr(activity, k) != v}
            if scalar_changed:
                for key in scalar_changed:
                    setattr(activity, key, fields[key])
                if activity.published_at is None:
                    activity.published_at = published_at
                activity.save()
        for relation, pks in wanted.items():
            current = set() if created else {o.pk for o in getattr(activity, relation).all()}
            if current != pks:
                getattr(activity, relation).set(pks)
                changed = True
        current_refs = (
            []
            if created
            else [
                (r.url, r.symbol, r.label, r.footnote_number, r.position)
                for r in activity.references.all()
            ]
        )
        if current_refs != record["references"]:
            activity.references.all().delete()
            Reference.objects.bulk_create(
                Reference(
                    activity=activity,
                    url=url,
                    symbol=symbol,
                    label=label,
                    footnote_number=footnote,
                    position=position,
                )
                for url, symbol, label, footnote, position in record["references"]
            )
            changed = True
        if created:
            result.created += 1
        elif changed:
            result.updated += 1
            if not scalar_changed:  # only relations changed: still a change to the record
                activity.save(update_fields=["updated_at"])
        else:
            result.unchanged += 1
        if progress:
            progress(done, total)
    # Activities this cycle got from an earlier version of the file and that
    # the file no longer lists are no longer part of the report.
    if existing:
        result.removed = len(existing)
        Activity.objects.filter(pk__in=[a.pk for a in existing.values()]).delete()
    return result


def _write_submissions(dataset, cycle, entity_ids, published_at):
    """A published submission for each contributor and each entity leading an activity.

    Returns ``{entity_id: submission_id}``.
    """
    wanted = {entity_ids[a.lower()] for a, v in dataset.entities.items() if v["contributed"]}
    wanted |= {entity_ids[r["fields"]["entity_acronym"].lower()] for r in dataset.activities}
    existing = dict(cycle.submissions.values_list("entity_id", "pk"))
    Submission.objects.bulk_create(
        Submission(
            cycle=cycle,
            entity_id=entity_id,
            state=Submission.State.PUBLISHED,
            submitted_at=published_at,
            decided_at=published_at,
            published_at=published_at,
            created_at=published_at,
        )
        for entity_id in sorted(wanted - set(existing))
    )
    return dict(cycle.submissions.values_list("entity_id", "pk"))


def _write_terms(dataset):
    for model, kind in ((Trend, "trend"), (Theme, "theme"), (Region, "region")):
        known = set(model.objects.values_list("key", flat=True))
        last = max(model.objects.values_list("position", flat=True), default=0)
        for key, (title_en, title_zh) in dataset.declared[kind].items():
            if key not in known:
                last += 1
                model.objects.create(key=key, title_en=title_en, title_zh=title_zh, position=last)


def _write_entities(dataset, result):
    by_lower = {e.acronym.lower(): e for e in Entity.objects.all()}
    for acronym, values in dataset.entities.items():
        entity = by_lower.get(acronym.lower())
        wanted = {k: v for k, v in values.items() if k != "contributed"}
        if entity is None:
            if not wanted["kind"]:
                raise DatasetError(f"entity {acronym}: 'kind' is missing for a new entity")
            # Datasets carry English and Chinese names; the other official
            # languages come from the names we know, where we know them.
            entity = Entity.objects.create(acronym=acronym, **{**names_for(acronym), **wanted})
            by_lower[acronym.lower()] = entity
            result.entities_created += 1
            continue
        # Keep what the secretariat wrote where the file says nothing.
        wanted = {k: v for k, v in wanted.items() if v}
        changed = {k for k, v in wanted.items() if getattr(entity, k) != v}
        if changed:
            for key in changed:
                setattr(entity, key, wanted[key])
            entity.save(update_fields=[*changed, "updated_at"])
            result.entities_updated += 1
    return {lower: entity.pk for lower, entity in by_lower.items()}


def _cycle_slug(dataset):
    year = dataset.report_date.year if dataset.report_date else dataset.reporting_year
    base = f"report-{year}" if year else (slugify(dataset.symbol)[:60] or "report")
    slug, n = base, 1
    while ReviewCycle.objects.filter(slug=slug).exclude(symbol=dataset.symbol).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _write_cycle(dataset, entity_ids):
    cycle = ReviewCycle.objects.filter(symbol=dataset.symbol).first()
    year = dataset.report_date.year if dataset.report_date else None
    title = (
        f"{year} report — progress in {dataset.reporting_year}"
        if year and dataset.reporting_year
        else (dataset.title or dataset.symbol)
    )[:300]
    values = {
        "kind": ReviewCycle.Kind.ANNUAL,
        "state": ReviewCycle.State.PUBLISHED,
        "reporting_year": dataset.reporting_year,
        "period_start": dt.date(dataset.reporting_year, 1, 1) if dataset.reporting_year else None,
        "period_end": dt.date(dataset.reporting_year, 12, 31) if dataset.reporting_year else None,
        "report_date": dataset.report_date,
        "outline": dataset.outline,
        "bodies": dataset.bodies,
        "agenda_item": dataset.agenda_item,
        "agenda_title": dataset.agenda_title,
        "agenda_note": dataset.agenda_note,
        "distribution": dataset.distribution,
        "original_language": dataset.original_language,
        "inputs_url": dataset.inputs_url,
        "urls_accessed": dataset.urls_accessed,
        "contributor_order": [a for a, v in dataset.entities.items() if v["contributed"]],
    }
    if cycle is None:
        cycle = ReviewCycle.objects.create(
            slug=_cycle_slug(dataset),
            symbol=dataset.symbol,
            title=title,
            summary=dataset.summary,
            **values,
        )
    else:
        changed = {k for k, v in values.items() if getattr(cycle, k) != v}
        if not cycle.summary and dataset.summary:
            cycle.summary = dataset.summary
            changed.add("summary")
        if changed:
            for key in changed - {"summary"}:
                setattr(cycle, key, values[key])
            cycle.save()
    contributors = {entity_ids[a.lower()] for a, v in dataset.entities.items() if v["contributed"]}
    if {e.pk for e in cycle.invited_entities.all()} != contributors:
        cycle.invited_entities.set(contributors)
    trends = set(Trend.objects.filter(key__in=dataset.trend_keys).values_list("pk", flat=True))
    if {t.pk for t in cycle.trends.all()} != trends:
        cycle.trends.set(trends)
    return cycle
