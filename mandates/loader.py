"""Import resolutions, their mandates and the action lines' facilitators from
JSON (the format of data/wsis20-mandates.json and
data/action-line-facilitators.json): validated whole first, then written in
one transaction; importing the same file again changes nothing."""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from activities.models import ActionLine, ActionLineFacilitator, Theme
from entities.models import Entity
from wsis_site.validators import validate_web_address

from .models import Addressee, Mandate, Resolution

# Theme keys as other files write them.
THEME_ALIASES = {"financing_mechanisms": "financing"}
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
INTERNATIONAL = [
    Entity.Kind.INTERGOVERNMENTAL_ORGANIZATION,
    Entity.Kind.UN_SECRETARIAT,
    Entity.Kind.UN_FUND_PROGRAMME,
    Entity.Kind.UN_SPECIALIZED_AGENCY,
    Entity.Kind.UN_REGIONAL_COMMISSION,
]
# How the sources word who is asked, and what the tracker makes of it. Anything
# else is given as an object: {"label": …, "scope": "kinds", "kinds": […]},
# {"label": …, "entity": "ITU"} or {"label": …, "scope": "facilitators"}.
KNOWN_ADDRESSEES = {
    "all stakeholders": {"scope": "all"},
    "governments": {"scope": "kinds", "kinds": [Entity.Kind.GOVERNMENT]},
    "private sector": {"scope": "kinds", "kinds": [Entity.Kind.PRIVATE_SECTOR]},
    "civil society": {"scope": "kinds", "kinds": [Entity.Kind.CIVIL_SOCIETY]},
    "technical community": {"scope": "kinds", "kinds": [Entity.Kind.TECHNICAL_COMMUNITY]},
    "academia": {"scope": "kinds", "kinds": [Entity.Kind.ACADEMIA]},
    "multilateral development and international organizations": {
        "scope": "kinds",
        "kinds": INTERNATIONAL,
    },
    "wsis action line facilitators": {"scope": "facilitators"},
    "action line facilitators": {"scope": "facilitators"},
    "itu (as secretariat of ungis)": {"scope": "entity", "entity": "ITU"},
    "members of ungis": {"scope": "entity", "entity": "UNGIS"},
    "ungis (coordination)": {"scope": "entity", "entity": "UNGIS"},
}


class MandateFileError(Exception):
    """A file that cannot be imported; the message names the record and the problem."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    facilitators: int = 0
    warnings: list = field(default_factory=list)

    def summary(self):
        return (
            f"Mandates: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged; facilitators: {self.facilitators} new."
        )


def read_file(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise MandateFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MandateFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not ({"resolution", "facilitators"} & data.keys()):
        raise MandateFileError(f"{path}: expected an object with 'resolution' or 'facilitators'")
    return data


def _text(record, key, where, required=True, limit=None):
    value = record.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise MandateFileError(f"{where}: '{key}' must be a text")
    value = value.strip()
    if limit and len(value) > limit:
        raise MandateFileError(f"{where}: '{key}' is longer than {limit} characters")
    return value


def _url(value, where):
    if not value:
        return ""
    try:
        validate_web_address(value)
    except ValidationError:
        raise MandateFileError(f"{where}: 'source' is not a web address: {value}") from None
    return value


def _date(value, where, key):
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise MandateFileError(f"{where}: '{key}' must be a date (YYYY-MM-DD)") from None


def _addressee(item, where, entities):
    if isinstance(item, str):
        spec = KNOWN_ADDRESSEES.get(" ".join(item.lower().split()))
        if spec is None:
            raise MandateFileError(
                f"{where}: unknown addressee '{item}'; give it as an object with 'label' and "
                "'scope' (all, kinds, facilitators) or 'entity'"
            )
        spec = {"label": item, **spec}
    elif isinstance(item, dict):
        spec = dict(item)
        if "entity" in spec:
            spec.setdefault("scope", "entity")
    else:
        raise MandateFileError(f"{where}: each of 'asked' must be a text or an object")
    label = _text(spec, "label", where, limit=200)
    scope = spec.get("scope")
    if scope not in Addressee.Scope.values:
        raise MandateFileError(f"{where}: '{label}': unknown scope {scope!r}")
    kinds = list(spec.get("kinds") or [])
    entity = None
    if scope == "kinds" and (not kinds or any(k not in Entity.Kind.values for k in kinds)):
        raise MandateFileError(f"{where}: '{label}': 'kinds' must list kinds of entity")
    if scope == "entity":
        entity = entities.get(str(spec.get("entity", "")).lower())
        if entity is None:
            raise MandateFileError(
                f"{where}: '{label}': unknown entity {spec.get('entity')!r} (load the entities "
                "first, e.g. with load_report_dataset)"
            )
    return {
        "label": label,
        "scope": scope,
        "kinds": kinds if scope == "kinds" else [],
        "entity": entity,
    }


def validate(data):
    """Check the whole file; return the records to write (or raise MandateFileError)."""
    lines = {line.code: line for line in ActionLine.objects.all()}
    themes = {theme.key: theme for theme in Theme.objects.all()}
    entities = {e.acronym.lower(): e for e in Entity.objects.all()}
    plan = {"resolution": None, "mandates": [], "facilitators": []}
    if "resolution" in data:
        record = data["resolution"]
        if not isinstance(record, dict):
            raise MandateFileError("resolution: must be an object")
        plan["resolution"] = {
            "symbol": _text(record, "symbol", "resolution", limit=80),
            "title_en": _text(record, "title_en", "resolution", limit=500),
            "adopted_on": _date(record.get("adopted"), "resolution", "adopted"),
            "adopted_by": _text(record, "adopted_by", "resolution", required=False, limit=200),
            "reporting": _text(record, "reporting", "resolution", required=False),
        }
        mandates = data.get("mandates") or []
        if not isinstance(mandates, list):
            raise MandateFileError("mandates: must be a list")
        seen = set()
        for i, record in enumerate(mandates, start=1):
            where = f"mandate {i}"
            if not isinstance(record, dict):
                raise MandateFileError(f"{where}: must be an object")
            number = record.get("paragraph")
            if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 10000:
                raise MandateFileError(f"{where}: 'paragraph' must be a positive whole number")
            where = f"paragraph {number}"
            if number in seen:
                raise MandateFileError(f"{where}: listed twice")
            seen.add(number)
            asked = record.get("asked")
            if not isinstance(asked, list) or not asked:
                raise MandateFileError(f"{where}: 'asked' must list who is asked")
            codes = record.get("action_lines") or []
            unknown = [c for c in codes if c not in lines]
            if unknown:
                raise MandateFileError(f"{where}: unknown action line {unknown[0]}")
            keys = [THEME_ALIASES.get(k, k) for k in record.get("themes") or []]
            unknown = [k for k in keys if k not in themes]
            if unknown:
                raise MandateFileError(f"{where}: unknown theme {unknown[0]}")
            plan["mandates"].append(
                {
                    "paragraph": number,
                    "values": {
                        **{
                            f"summary_{lang}": _text(
                                record, f"summary_{lang}", where, required=lang == "en"
                            )
                            for lang in LANGUAGES
                        },
                        "due_body": _text(record, "due", where, required=False, limit=200),
                        "due_on": _date(record.get("due_on"), where, "due_on"),
                        "source": _url(_text(record, "source", where, required=False), where),
                    },
                    "asked": [_addressee(item, where, entities) for item in asked],
                    "action_lines": sorted(lines[c].pk for c in codes),
                    "themes": sorted(themes[k].pk for k in keys),
                }
            )
    for i, record in enumerate(data.get("facilitators") or [], start=1):
        where = f"facilitator {i}"
        if not isinstance(record, dict):
            raise MandateFileError(f"{where}: must be an object")
        line = lines.get(record.get("action_line"))
        if line is None:
            raise MandateFileError(f"{where}: unknown action line {record.get('action_line')!r}")
        entity = entities.get(str(record.get("entity", "")).lower())
        if entity is None:
            raise MandateFileError(f"{where}: unknown entity {record.get('entity')!r}")
        role = record.get("role", "lead")
        if role not in ActionLineFacilitator.Role.values:
            raise MandateFileError(f"{where}: unknown role {role!r}")
        source = _url(_text(record, "source", where), where)
        plan["facilitators"].append(
            {
                "action_line": line,
                "entity": entity,
                "role": role,
                "source": source,
                "note": _text(record, "note", where, required=False, limit=300),
                "position": i,
            }
        )
    return plan


def load(data):
    """Validate, then write everything in one transaction."""
    plan = validate(data)
    result = LoadResult()
    with transaction.atomic():
        if plan["resolution"]:
            values = plan["resolution"]
            resolution, _created = Resolution.objects.get_or_create(
                symbol=values["symbol"], defaults=values
            )
            changed = [k for k, v in values.items() if getattr(resolution, k) != v]
            if changed:
                for key in changed:
                    setattr(resolution, key, values[key])
                resolution.save(update_fields=changed)
            for record in plan["mandates"]:
                _write_mandate(resolution, record, result)
        for record in plan["facilitators"]:
            _, created = ActionLineFacilitator.objects.get_or_create(
                action_line=record["action_line"],
                entity=record["entity"],
                defaults={k: record[k] for k in ("role", "source", "note", "position")},
            )
            result.facilitators += created
    return result


def _write_mandate(resolution, record, result):
    mandate = Mandate.objects.filter(resolution=resolution, paragraph=record["paragraph"]).first()
    created = mandate is None
    if created:
        mandate = Mandate.objects.create(
            resolution=resolution, paragraph=record["paragraph"], **record["values"]
        )
        changed = True
    else:
        fields = [k for k, v in record["values"].items() if getattr(mandate, k) != v]
        for key in fields:
            setattr(mandate, key, record["values"][key])
        if fields:
            mandate.save(update_fields=fields)
        changed = bool(fields)
    want = [
        (a["label"], a["scope"], a["kinds"], a["entity"].pk if a["entity"] else None)
        for a in record["asked"]
    ]
    have = [
        (a.label, a.scope, list(a.entity_kinds or []), a.entity_id) for a in mandate.asked.all()
    ]
    if want != have:
        mandate.asked.all().delete()
        Addressee.objects.bulk_create(
            Addressee(
                mandate=mandate,
                label=label,
                scope=scope,
                entity_kinds=kinds,
                entity_id=entity_id,
                position=i,
            )
            for i, (label, scope, kinds, entity_id) in enumerate(want)
        )
        changed = True
    for relation, wanted in (
        ("action_lines", record["action_lines"]),
        ("themes", record["themes"]),
    ):
        manager = getattr(mandate, relation)
        if sorted(manager.values_list("pk", flat=True)) != wanted:
            manager.set(wanted)
            changed = True
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.unchanged += 1
