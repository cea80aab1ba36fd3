"""Realistic synthetic activities for load tests and benchmarks."""

import datetime as dt
import json
import random
import re
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from activities.caching import invalidate
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


def weighted(rng, counter, k=1):
    keys = list(counter)
    return rng.choices(keys, weights=[counter[key] for key in keys], k=k)


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
                    done += size
                    progress(done, activities)
        except Interrupted as exc:
            raise CommandError(
                f"Interrupted ({exc}) after {done} activities; the batch in progress was "
                "rolled back, the earlier ones are kept."
            ) from None
        invalidate()  # bulk_create sends no signals
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
        now = timezone.now()
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        # Reporting grew over the twenty years.
        year_weights = [1 + (y - FIRST_YEAR) * 0.35 for y in years]
        rows = []
        for _ in range(size):
            year = rng.choices(years, weights=year_weights)[0]
            words = rng.sample(vocabulary.words, 12)
            title = rng.choice(vocabulary.titles).split(" ")[:4] + words[:4]
            published = timezone.make_aware(
                dt.datetime(year, rng.randint(1, 12), rng.randint(1, 28), 12), dt.UTC
            )
            rows.append(
                Activity(
                    title=" ".join(title).capitalize()[:300],
                    summary=rng.choice(vocabulary.summaries) + " " + " ".join(words[4:]) + ".",
                    entity_id=rng.choice(entity_ids),
                    year=year,
                    cycle_id=cycles[year],
                    activity_type=weighted(rng, vocabulary.types)[0],
                    implementation=weighted(rng, vocabulary.status)[0],
                    status=Activity.Status.PUBLISHED,
                    published_at=min(published, now),
                )
            )
        created = Activity.objects.bulk_create(rows)
        links = {"line": [], "region": [], "theme": [], "trend": [], "sdg": [], "partner": []}
        references = []
        for activity in created:
            count = weighted(rng, vocabulary.lines_per)[0]
            for code in set(weighted(rng, vocabulary.line_weights, count)):
                links["line"].append((activity.pk, self.lookup["line"][code]))
            for key in set(weighted(rng, vocabulary.region_weights, rng.choice([1, 1, 1, 2]))):
                links["region"].append((activity.pk, self.lookup["region"][key]))
            if rng.random() < 0.25:
                key = weighted(rng, vocabulary.theme_weights)[0]
                links["theme"].append((activity.pk, self.lookup["theme"][key]))
            for key in set(weighted(rng, vocabulary.trend_weights, rng.choice([0, 1, 1, 2]))):
                links["trend"].append((activity.pk, self.lookup["trend"][key]))
            for sdg in set(rng.sample(self.lookup["sdg"], rng.choice([0, 1, 1, 2, 3]))):
                links["sdg"].append((activity.pk, sdg))
            if rng.random() < 0.3:
                partner = rng.choice(entity_ids)
                if partner != activity.entity_id:
                    links["partner"].append((activity.pk, partner))
            if rng.random() < 0.5:
                references.append(
                    Reference(activity=activity, url=f"https://example.org/a/{activity.pk}")
                )
        through = {
            "line": (Activity.action_lines.through, "actionline_id"),
            "region": (Activity.regions.through, "region_id"),
            "theme": (Activity.themes.through, "theme_id"),
            "trend": (Activity.trends.through, "trend_id"),
            "sdg": (Activity.sdgs.through, "sdg_id"),
            "partner": (Activity.partners.through, "entity_id"),
        }
        for name, (model, column) in through.items():
            model.objects.bulk_create(
                [model(activity_id=a, **{column: b}) for a, b in links[name]], batch_size=5000
            )
        Reference.objects.bulk_create(references, batch_size=5000)
