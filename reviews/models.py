from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def default_questions():
    return [
        {"key": "trends", "label": "Trends", "required": True},
        {"key": "achievements", "label": "Achievements", "required": True},
        {"key": "obstacles", "label": "Obstacles", "required": True},
    ]


class ReviewCycleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=ReviewCycle.State.PUBLISHED)

    def open(self):
        return self.filter(state=ReviewCycle.State.OPEN)


class ReviewCycle(models.Model):
    """One call for inputs: a yearly report or the twenty-year review."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual report")
        REVIEW = "review", _("Twenty-year review")

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        COMPILING = "compiling", _("Compiling")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ANNUAL)
    symbol = models.CharField(
        _("document symbol"),
        max_length=80,
        blank=True,
        help_text=_("The report's UN document symbol, e.g. A/79/62-E/2024/12."),
    )
    reporting_year = models.PositiveSmallIntegerField(_("reporting year"), null=True, blank=True)
    period_start = models.DateField(_("reporting period starts"), null=True, blank=True)
    period_end = models.DateField(_("reporting period ends"), null=True, blank=True)
    questions = models.JSONField(_("questions asked"), default=default_questions, blank=True)
    opens_on = models.DateField(_("call opens on"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    invited_entities = models.ManyToManyField(
        "entities.Entity", verbose_name=_("entities invited"), blank=True, related_name="cycles"
    )
    trends = models.ManyToManyField(
        "activities.Trend",
        verbose_name=_("trends of section I"),
        blank=True,
        related_name="cycles",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PLANNED, db_index=True
    )
    summary = models.TextField(_("summary"), blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    conclusions = models.TextField(_("conclusions and recommendations"), blank=True)
    report_date = models.DateField(_("date of the report"), null=True, blank=True)
    outline = models.JSONField(
        _("outline of the source report"),
        default=list,
        blank=True,
        help_text=_("The outline an imported report declared, kept as it came."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = ReviewCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        ordering = ["-reporting_year", "-deadline", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["symbol"],
                condition=~models.Q(symbol=""),
                name="cycle_symbol_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="cycle_period_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("activities:activity-list") + f"?cycle={self.slug}"
