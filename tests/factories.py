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
