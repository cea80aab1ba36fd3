import factory
from django.utils import timezone

from activities.models import SDG, ActionLine, Activity, Reference, Region, Theme, Trend
from entities.models import Entity
from reviews.models import ReviewCycle


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"ENT{n}")
    name_en = factory.LazyAttribute(lambda o: f"Entity {o.acronym}")
    kind = Entity.Kind.UN_SPECIALIZED_AGENCY


class ReviewCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewCycle

    slug = factory.Sequence(lambda n: f"cycle-{n}")
    title = factory.LazyAttribute(lambda o: f"Cycle {o.slug}")
    state = ReviewCycle.State.PUBLISHED
    reporting_year = 2023


class ActivityFactory(factory.django.DjangoModelFactory):
    """A published activity unless ``status`` says otherwise.

    Taxonomy is given by code/key lists: ``action_lines=["C5"]``, ``regions=["africa"]``.
    """

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Activity {n}")
    summary = "A summary of what was done."
    entity = factory.SubFactory(EntityFactory)
    year = 2023
    status = Activity.Status.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Activity.Status.PUBLISHED else None
    )

    @factory.post_generation
    def action_lines(self, create, codes, **kwargs):
        if codes:
            self.action_lines.set(ActionLine.objects.filter(code__in=codes))

    @factory.post_generation
    def regions(self, create, keys, **kwargs):
        if keys:
            self.regions.set(Region.objects.filter(key__in=keys))

    @factory.post_generation
    def themes(self, create, keys, **kwargs):
        if keys:
            self.themes.set(Theme.objects.filter(key__in=keys))

    @factory.post_generation
    def trends(self, create, keys, **kwargs):
        if keys:
            self.trends.set(Trend.objects.filter(key__in=keys))

    @factory.post_generation
    def sdgs(self, create, numbers, **kwargs):
        if numbers:
            self.sdgs.set(SDG.objects.filter(number__in=numbers))

    @factory.post_generation
    def partners(self, create, entities, **kwargs):
        if entities:
            self.partners.set(entities)


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    activity = factory.SubFactory(ActivityFactory)
    url = factory.Sequence(lambda n: f"https://example.org/doc/{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``entities=[…]`` makes them focal point, ``groups=[name]`` gives roles."""

    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("a-long-test-password")

    @factory.post_generation
    def entities(self, create, entities, **kwargs):
        from entities.models import Membership

        for entity in entities or []:
            Membership.objects.create(user=self, entity=entity)

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        from django.contrib.auth.models import Group

        for name in names or []:
            self.groups.add(Group.objects.get(name=name))


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reviews.Submission"

    cycle = factory.SubFactory(ReviewCycleFactory, state="open")
    entity = factory.SubFactory(EntityFactory)
    state = "invited"


def move(submission, state, *, contributor, reviewer, manager, answers=None):
    """Drive a submission through the real transitions up to ``state``."""
    paths = {
        "invited": [],
        "draft": ["start"],
        "submitted": ["start", "answer", "submit"],
        "under_review": ["start", "answer", "submit", "take_up"],
        "changes_requested": ["start", "answer", "submit", "take_up", "request_changes"],
        "accepted": ["start", "answer", "submit", "take_up", "accept"],
        "published": ["start", "answer", "submit", "take_up", "accept", "publish"],
        "declined": ["decline"],
    }
    for step in paths[state]:
        if step == "answer":
            submission.save_answers(
                answers or {"trends": "T", "achievements": "A", "obstacles": "O"}, by=contributor
            )
        elif step in ("start", "submit"):
            getattr(submission, step)(by=contributor)
        elif step == "decline":
            submission.decline(by=contributor, comment="No activity this year.")
        elif step == "request_changes":
            submission.request_changes(by=reviewer, comment="Please add references.")
        elif step in ("take_up", "accept"):
            getattr(submission, step)(by=reviewer)
        else:
            getattr(submission, step)(by=manager)
    assert submission.state == state
    return submission
