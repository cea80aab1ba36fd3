import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from activities.importer import DatasetError, import_dataset, read_dataset
from activities.models import ActionLine, Activity, Reference, Region
from entities.models import Entity, Membership
from mandates.demo import BIENNIAL_CYCLE, biennial_cycle
from reviews.models import DeadlineExtension, ReviewCycle
from reviews.rules import MANAGERS, REVIEWERS
from wsis_site.progress import Interrupted, Progress, interruptible

DEMO_DATASET = settings.BASE_DIR / "data" / "wsis-report-2024.json"
DEMO_PASSWORD = "wsis-demo-2024"
OPEN_CYCLE = "report-2025"

ACCOUNTS = [
    # username, first name, last name, group, entity
    ("manager", "Maria", "Manager", MANAGERS, None),
    ("reviewer", "Ravi", "Reviewer", REVIEWERS, None),
    ("focal-itu", "Ines", "Focal (ITU)", None, "ITU"),
    ("focal-unesco", "Omar", "Focal (UNESCO)", None, "UNESCO"),
]

ANSWERS = {
    "trends": "Connectivity grew, but the usage gap stayed wide in least developed countries.",
    "achievements": "Regional capacity-building programmes reached more policymakers than before.",
    "obstacles": "Funding for follow-up in small island developing States remained scarce.",
}

# The open cycle's submissions, one in each state of the workflow.
OPEN_SUBMISSIONS = [
    ("ITU", "invited"),
    ("UNESCO", "draft"),
    ("UNDP", "submitted"),
    ("UNCTAD", "under_review"),
    ("FAO", "changes_requested"),
    ("WHO", "accepted"),
    ("ECA", "published"),
    ("ESCAP", "declined"),
    ("APC", "invited"),
    ("ISOC", "invited"),
    ("ILO", "invited"),
    ("WIPO", "invited"),
]


class Command(BaseCommand):
    help = (
        "Load the demo: the 2024 report (A/79/62-E/2024/12) as a published cycle, an open "
        "2025 cycle with submissions in every state, and the demo accounts (password "
        f"{DEMO_PASSWORD}). Safe to run again; it duplicates nothing. Never use in production."
    )

    def handle(self, *args, verbosity=1, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates staff accounts with the public demo password, so it runs "
                "only with DEBUG=true (a local demo), never under production settings."
            )
        try:
            with interruptible():
                result = import_dataset(
                    read_dataset(DEMO_DATASET),
                    progress=Progress("Loading the 2024 report", enabled=verbosity > 0),
                )
                # The e-mail of the demo's own set-up is logged, not printed.
                with (
                    override_settings(
                        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
                    ),
                    transaction.atomic(),
                ):
                    users = self.accounts()
                    created = self.open_cycle(users)
                    biennial = biennial_cycle(users)
        except DatasetError as exc:
            raise CommandError(f"{exc}; the demo was not loaded.") from None
        except Interrupted as exc:
            raise CommandError(
                f"Interrupted ({exc}); the demo is incomplete, run it again."
            ) from None
        if verbosity:
            self.stdout.write(f"Demo data: {result.summary()}")
            self.stdout.write(
                "Open cycle report-2025: "
                + ("created with submissions in every state." if created else "already there.")
            )
            self.stdout.write(
                f"Biennial cycle {BIENNIAL_CYCLE}, with the WSIS+20 mandates: "
                + ("created with updates in several states." if biennial else "already there.")
            )
            self.stdout.write(
                f"Demo accounts: {', '.join(a[0] for a in ACCOUNTS)} (password {DEMO_PASSWORD})."
            )

    def accounts(self):
        User = get_user_model()
        users = {}
        for username, first, last, group, acronym in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_staff": group is not None,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            if acronym:
                Membership.objects.get_or_create(
                    user=user, entity=Entity.objects.get(acronym=acronym)
                )
            users[username] = user
        return users

    def open_cycle(self, users):
        if ReviewCycle.objects.filter(slug=OPEN_CYCLE).exists():
            return False
        manager, reviewer = users["manager"], users["reviewer"]
        now = timezone.now()
        cycle = ReviewCycle.objects.create(
            slug=OPEN_CYCLE,
            title="2025 report — progress in 2024",
            kind=ReviewCycle.Kind.ANNUAL,
            reporting_year=2024,
            period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 12, 31),
            opens_on=now.date(),
            deadline=(now + dt.timedelta(days=30)).replace(
                hour=23, minute=59, second=0, microsecond=0
            ),
        )
        cycle.invited_entities.set(
            Entity.objects.filter(acronym__in=[a for a, _ in OPEN_SUBMISSIONS])
        )
        cycle.trends.set(ReviewCycle.objects.get(symbol="A/79/62-E/2024/12").trends.all())
        cycle.open_call(by=manager)

        steps = {
            "draft": ["start"],
            "submitted": ["start", "answer", "activities", "submit"],
            "under_review": ["start", "answer", "activities", "submit", "take_up"],
            "changes_requested": [
                "start",
                "answer",
                "activities",
                "submit",
                "take_up",
                "request_changes",
            ],
            "accepted": ["start", "answer", "activities", "submit", "take_up", "accept"],
            "published": [
                "start",
                "answer",
                "activities",
                "submit",
                "take_up",
                "accept",
                "publish",
            ],
            "declined": ["decline"],
        }
        for acronym, state in OPEN_SUBMISSIONS:
            submission = cycle.submissions.get(entity__acronym=acronym)
            focal = users["focal-unesco"] if acronym == "UNESCO" else manager
            for step in steps.get(state, []):
                if step == "answer":
                    submission.save_answers(ANSWERS, by=focal)
                elif step == "activities":
                    self.activities(submission, manager)
                elif step == "request_changes":
                    submission.request_changes(
                        by=reviewer,
                        comment="Please add the references for the two activities and say "
                        "which regions the training programme covered.",
                    )
                elif step in ("take_up", "accept"):
                    getattr(submission, step)(by=reviewer)
                elif step == "start":
                    submission.start(by=focal)
                elif step == "decline":
                    submission.decline(
                        by=manager, comment="No activity on the WSIS action lines this year."
                    )
                else:
                    getattr(submission, step)(by=manager)
            if acronym == "UNESCO":
                submission.save_answers({"trends": ANSWERS["trends"]}, by=focal)
                self.activities(submission, focal, count=1)
            if acronym == "FAO":
                DeadlineExtension.objects.create(
                    submission=submission,
                    new_deadline=cycle.deadline + dt.timedelta(days=14),
                    reason="Asked for by the focal point (field work).",
                    granted_by=manager,
                )
        return True

    def activities(self, submission, user, count=2):
        lines = {line.code: line for line in ActionLine.objects.all()}
        regions = {region.key: region for region in Region.objects.all()}
        samples = [
            (
                f"{submission.entity.acronym} regional training on digital policy",
                "A series of regional workshops trained policymakers on digital policy and "
                "regulation.",
                ["C4", "C6"],
                ["africa", "asia_pacific"],
                "https://example.org/training",
            ),
            (
                f"{submission.entity.acronym} open data portal",
                "A public portal now offers the organisation's statistics as open data.",
                ["C3", "C7.e-government"],
                ["global"],
                "",
            ),
        ]
        for title, summary, codes, keys, url in samples[:count]:
            activity = Activity.objects.create(
                title=title,
                summary=summary,
                entity=submission.entity,
                submission=submission,
                cycle=submission.cycle,
                year=2024,
                activity_type=Activity.Type.PROGRAMME,
                implementation=Activity.Implementation.ONGOING,
                created_by=user,
                updated_by=user,
            )
            activity.action_lines.set([lines[c] for c in codes])
            activity.regions.set([regions[k] for k in keys])
            if url:
                Reference.objects.create(activity=activity, url=url, label="Programme page")
