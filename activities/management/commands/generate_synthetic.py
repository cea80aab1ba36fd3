"""Realistic synthetic activities for load tests and benchmarks."""

import datetime as dt
import json
import random
import re
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from activities import db
from activities.changes import published_work_changed
from activities.models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend
from entities.models import Entity
from reviews.models import ReviewCycle
from wsis_site.progress import Interrupted, Progress, interruptible

DATASET = settings.BASE_DIR / "data" / "wsis-report-2024.json"
FIRST_YEAR, LAST_YEAR = 2005, 2026


class Vocabulary:
    """Words, phrases and distributions drawn from the real 2024 dataset."""

    def __init__(self, data):
        activities = data["activities"]
        self.titles = [a["title_en"] for a in activities]
        self.summaries = [a["summary_en"] for a in activities]
        words = re.findall(r"[A-Za-z][A-Za-z\-]{3,}", " ".join(self.titles + self.summaries))
        self.words = [w for w, _ in Counter(w.lower() for w in words).most_common(1500)]
        self.line_weights = Counter(code for a in activities for code in a["action_lines"])
        self.region_weights = Counter(r for a in activities for r in a["regions"])
        self.theme_weights = Counter(t for a in activities for t in a["themes"])
        self.trend_weights = Counter(t for a in activities for t in a["trend_keys"])
        self.lines_per = Counter(len(a["action_lines"]) for a in activities)
        self.types = Counter(a["activity_type"] for a in activities)
        self.status = Counter(a["status"] for a in activities)


_CUMULATIVE = {}


def weighted(rng, counter, k=1):
    """k draws from a Counter's keys, as often as the real dataset has them."""
    table = _CUMULATIVE.get(id(counter))
    if table is None:
        keys = list(counter)
        total, cumulative = 0, []
        for key in keys:
            total += counter[key]
            cumulative.append(total)
        table = _CUMULATIVE[id(counter)] = (counter, keys, cumulative)
    _, keys, cumulative = table
    return rng.choices(keys, cum_weights=cumulative, k=k)


class Command(BaseCommand):
    help = (
        "Create N realistic, published synthetic activities (with entities, action lines, "
        "regions, SDGs, themes, trends, references and years 2005-2026) in batches. "
        "Interrupting keeps the batches already written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, required=True, help="how many to create")
        parser.add_argument(
            "--entities", type=int, default=300, help="synthetic entities to spread them over"
        )
        parser.add_argument("--seed", type=int, default=2024, help="random seed (repeatable)")
        parser.add_argument("--batch", type=int, default=5000, help="rows per transaction")

    def handle(self, *args, activities, entities, seed, batch, verbosity=1, **options):
        if activities < 1 or entities < 1 or batch < 1:
            raise CommandError("--activities, --entities and --batch must be positive.")
        rng = random.Random(seed)
        with open(DATASET, encoding="utf-8") as handle:
            vocabulary = Vocabulary(json.load(handle))
        self.lookup = {
            "line": dict(ActionLine.objects.values_list("code", "pk")),
            "region": dict(Region.objects.values_list("key", "pk")),
            "theme": dict(Theme.objects.values_list("key", "pk")),
            "trend": dict(Trend.objects.values_list("key", "pk")),
            "sdg": list(SDG.objects.values_list("pk", flat=True)),
            "parent": dict(ActionLine.objects.values_list("pk", "parent_id")),
        }
        entity_ids = self.entities(entities, random.Random(seed + 1))
        cycles = self.cycles()
        progress = Progress("Synthetic activities", enabled=verbosity > 0)
        done = 0
        try:
            with interruptible():
                while done < activities:
                    size = min(batch, activities - done)
                    with transaction.atomic():
                        self.batch(size, rng, vocabulary, entity_ids, cycles)
                        # bulk_create and COPY send no signals: the index rebuilds
                        published_work_changed()
                    done += size
                    progress(done, activities)
        except Interrupted as exc:
            raise CommandError(
                f"Interrupted ({exc}) after {done} activities; the batch in progress was "
                "rolled back, the earlier ones are kept."
            ) from None
        if verbosity:
            self.stdout.write(f"{done} synthetic activities created.")

    def entities(self, count, rng):
        kinds = Entity.Kind.values
        existing = set(
            Entity.objects.filter(acronym__startswith="SYN-").values_list("acronym", flat=True)
        )
        Entity.objects.bulk_create(
            [
                Entity(
                    acronym=f"SYN-{n:04d}",
                    name_en=f"Synthetic organisation {n}",
                    kind=rng.choice(kinds),
                )
                for n in range(1, count + 1)
                if f"SYN-{n:04d}" not in existing
            ],
            batch_size=1000,
        )
        ids = list(Entity.objects.filter(acronym__startswith="SYN-").values_list("pk", flat=True))
        # The real entities report too, more often than the synthetic ones.
        real = list(Entity.objects.exclude(acronym__startswith="SYN-").values_list("pk", flat=True))
        return ids + real * 3

    def cycles(self):
        cycles = {}
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            cycle, _ = ReviewCycle.objects.get_or_create(
                slug=f"synthetic-{year}",
                defaults={
                    "title": f"Synthetic cycle {year}",
                    "state": ReviewCycle.State.PUBLISHED,
                    "reporting_year": year,
                },
            )
            cycles[year] = cycle.pk
        return cycles

    def batch(self, size, rng, vocabulary, entity_ids, cycles):
        rows = self.rows(size, rng, vocabulary, entity_ids, cycles)
        if db.is_postgresql() and self.without_triggers():
            self.copy(rows)
        else:
            self.create(rows)

    def rows(self, size, rng, vocabulary, entity_ids, cycles):
        """``size`` activities as plain dicts: columns, the arrays and the relations."""
        now = timezone.now()
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        # Reporting grew over the twenty years.
        year_weights = [1 + (y - FIRST_YEAR) * 0.35 for y in years]
        parent_of = self.lookup["parent"]
        rows = []
        for _ in range(size):
            year = rng.choices(years, weights=year_weights)[0]
            words = rng.sample(vocabulary.words, 12)
            title = rng.choice(vocabulary.titles).split(" ")[:4] + words[:4]
            published = timezone.make_aware(
                dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), 12), dt.UTC
            )
            lead = rng.choice(entity_ids)
            count = weighted(rng, vocabulary.lines_per)[0]
            lines = {self.lookup["line"][c] for c in weighted(rng, vocabulary.line_weights, count)}
            regions = {
                self.lookup["region"][k]
                for k in weighted(rng, vocabulary.region_weights, rng.choice([1, 1, 1, 2]))
            }
            themes = (
                {self.lookup["theme"][weighted(rng, vocabulary.theme_weights)[0]]}
                if rng.random() < 0.25
                else set()
            )
            trends = {
                self.lookup["trend"][k]
                for k in weighted(rng, vocabulary.trend_weights, rng.choice([0, 1, 1, 2]))
            }
            sdgs = set(rng.sample(self.lookup["sdg"], rng.choice([0, 1, 1, 2, 3])))
            partners = (
                {p for p in [rng.choice(entity_ids)] if p != lead} if rng.random() < 0.3 else set()
            )
            rows.append(
                {
                    "title": " ".join(title).capitalize()[:300],
                    "summary": rng.choice(vocabulary.summaries) + " " + " ".join(words[4:]) + ".",
                    "entity_id": lead,
                    "year": year,
                    "cycle_id": cycles[year],
                    "activity_type": weighted(rng, vocabulary.types)[0],
                    "implementation": weighted(rng, vocabulary.status)[0],
                    "published_at": min(published, now),
                    # The copies the triggers would write (see wsis_site/fields.py).
                    "action_line_ids": sorted(
                        lines | {parent_of[i] for i in lines if parent_of[i]}
                    ),
                    "region_ids": sorted(regions),
                    "theme_ids": sorted(themes),
                    "trend_ids": sorted(trends),
                    "sdg_ids": sorted(sdgs),
                    "entity_ids": [lead, *sorted(partners)],
                    "relations": {
                        "action_lines": sorted(lines),
                        "regions": sorted(regions),
                        "themes": sorted(themes),
                        "trends": sorted(trends),
                        "sdgs": sorted(sdgs),
                        "partners": sorted(partners),
                    },
                    "reference": rng.random() < 0.5,
                }
            )
        return rows

    COLUMNS = (
        "title",
        "summary",
        "entity_id",
        "year",
        "cycle_id",
        "activity_type",
        "implementation",
        "published_at",
        "action_line_ids",
        "region_ids",
        "theme_ids",
        "trend_ids",
        "sdg_ids",
        "entity_ids",
    )

    def create(self, rows):
        """Any database: bulk_create, the triggers (if any) doing their work."""
        created = Activity.objects.bulk_create(
            [
                Activity(
                    status=Activity.Status.PUBLISHED,
                    **{column: row[column] for column in self.COLUMNS},
                )
                for row in rows
            ]
        )
        for name, (model, column) in Activity.join_tables().items():
            model.objects.bulk_create(
                [
                    model(activity_id=activity.pk, **{column: value})
                    for activity, row in zip(created, rows, strict=True)
                    for value in row["relations"][name]
                ],
                batch_size=10000,
            )
        Reference.objects.bulk_create(
            [
                Reference(activity=activity, url=f"https://example.org/a/{activity.pk}")
                for activity, row in zip(created, rows, strict=True)
                if row["reference"]
            ],
            batch_size=10000,
        )

    def copy(self, rows):
        """PostgreSQL with the triggers off: COPY, many times faster than INSERT.

        The ids are taken from the table's sequence first, so that the join
        tables can be copied too; the activities go through a temporary table
        so that the search vector is computed once, as the trigger would.
        """
        table = Activity._meta.db_table
        now = timezone.now()
        columns = (
            "id",
            *self.COLUMNS,
            "description",
            "language",
            "section_key",
            "section_confirmed",
            "section_proposed",
            "source_id",
            "editorial_note",
            "status",
            "created_at",
            "updated_at",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, %s)",
                [len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS synthetic_stage "
                f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
            )
            fixed = ("", "en", "", False, False, "", "", Activity.Status.PUBLISHED, now, now)
            with cursor.copy(f"COPY synthetic_stage ({', '.join(columns)}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *[row[c] for c in self.COLUMNS], *fixed))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}, search_vector) "
                f"SELECT {', '.join(columns)}, "
                "wsis_search_vector(title, summary, description, language) "
                "FROM synthetic_stage"
            )
            cursor.execute("TRUNCATE synthetic_stage")  # for the next batch in this transaction
            for name, (model, column) in Activity.join_tables().items():
                with cursor.copy(
                    f"COPY {model._meta.db_table} (activity_id, {column}) FROM STDIN"
                ) as copy:
                    for pk, row in zip(ids, rows, strict=True):
                        for value in row["relations"][name]:
                            copy.write_row((pk, value))
            with cursor.copy(
                f"COPY {Reference._meta.db_table} (activity_id, url, symbol, label, position) "
                "FROM STDIN"
            ) as copy:
                for pk, row in zip(ids, rows, strict=True):
                    if row["reference"]:
                        copy.write_row((pk, f"https://example.org/a/{pk}", "", "", 0))

    def without_triggers(self):
        """On PostgreSQL, skip the triggers for this batch (the rows carry their
        copies already), if the database role may; returns whether it did.
        """
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return False
        return True
