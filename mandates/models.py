"""The follow-up of a General Assembly resolution: its mandates (operative
paragraphs that ask named actors for action), who each asks, and what the
entities report on them in a cycle's submissions.

An update on a mandate is part of a submission: it is written under the
submission's lock with the submission's rules (``Submission.editing``), it is
reviewed with it, and it is public exactly when the submission is published.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import ActionLineFacilitator
from entities.models import Entity, Membership
from reviews.rules import is_secretariat
from wsis_site.errors import TransitionNotAllowed
from wsis_site.multilingual import HttpsURLField, MultilingualTitle, localized

UPDATE_MAX_LENGTH = 2000


class Resolution(MultilingualTitle):
    """A resolution whose recommendations the tracker follows, e.g. A/RES/80/173."""

    title_en = models.CharField(_("title (English)"), max_length=500)
    symbol = models.CharField(_("document symbol"), max_length=80, unique=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    reporting = models.TextField(
        _("reporting"), blank=True, help_text=_("How the implementation is reported on.")
    )

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-adopted_on", "symbol"]

    def __str__(self):
        return self.symbol


class MandateQuerySet(models.QuerySet):
    def for_action_line(self, lines):
        """Mandates linked to these action lines or their sub-areas (C7 brings C7.e-health)."""
        return self.filter(Q(action_lines__in=lines) | Q(action_lines__parent__in=lines)).distinct()


class Mandate(models.Model):
    """One operative paragraph that asks named actors for action."""

    resolution = models.ForeignKey(
        Resolution,
        verbose_name=_("resolution"),
        on_delete=models.CASCADE,
        related_name="mandates",
    )
    paragraph = models.PositiveSmallIntegerField(_("paragraph"))
    summary_en = models.TextField(_("what is asked (English)"))
    summary_fr = models.TextField(_("what is asked (French)"), blank=True)
    summary_es = models.TextField(_("what is asked (Spanish)"), blank=True)
    summary_ru = models.TextField(_("what is asked (Russian)"), blank=True)
    summary_ar = models.TextField(_("what is asked (Arabic)"), blank=True)
    summary_zh = models.TextField(_("what is asked (Chinese)"), blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    due_body = models.CharField(
        _("due at"),
        max_length=200,
        blank=True,
        help_text=_("The body and session it reports to, e.g. “CSTD, thirtieth session, 2027”."),
    )
    action_lines = models.ManyToManyField(
        "activities.ActionLine",
        verbose_name=_("action lines"),
        blank=True,
        related_name="mandates",
    )
    themes = models.ManyToManyField(
        "activities.Theme", verbose_name=_("themes"), blank=True, related_name="mandates"
    )
    cycles = models.ManyToManyField(
        "reviews.ReviewCycle",
        verbose_name=_("cycles that ask about it"),
        blank=True,
        related_name="mandates",
    )
    source = HttpsURLField(
        _("source"),
        max_length=500,
        blank=True,
        help_text=_("Where this paragraph's content was read."),
    )

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["resolution", "paragraph"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "paragraph"], name="mandate_unique_paragraph"
            ),
        ]

    def __str__(self):
        return f"{self.resolution.symbol} ¶{self.paragraph}"

    def get_absolute_url(self):
        return reverse("mandates:mandate-list") + f"#{self.anchor}"

    @property
    def summary(self):
        return localized(self, "summary")

    @property
    def anchor(self):
        return f"p{self.paragraph}"

    def concerns(self, entity, facilitated):
        """Whether this mandate asks ``entity`` (by kind, role or name).

        ``facilitated``: the ids of the action lines the entity facilitates.
        Reads the prefetched ``asked`` and ``action_lines``.
        """
        return any(a.concerns(entity, self, facilitated) for a in self.asked.all())


class Addressee(models.Model):
    """Who a mandate asks: everyone, kinds of entity, the action line
    facilitators, or one named entity; ``label`` words it as the source does."""

    class Scope(models.TextChoices):
        ALL = "all", _("All stakeholders")
        KINDS = "kinds", _("Kinds of entity")
        FACILITATORS = "facilitators", _("Action line facilitators")
        ENTITY = "entity", _("A named entity")

    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandate"), on_delete=models.CASCADE, related_name="asked"
    )
    label = models.CharField(_("as the source says"), max_length=200)
    scope = models.CharField(_("who"), max_length=20, choices=Scope.choices)
    entity_kinds = models.JSONField(
        _("kinds of entity"),
        default=list,
        blank=True,
        help_text=_('For “kinds of entity”: the kinds asked, e.g. ["government"].'),
    )
    entity = models.ForeignKey(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mandates_asked",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("who is asked")
        verbose_name_plural = _("who is asked")
        ordering = ["mandate", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="entity") | Q(entity__isnull=False),
                name="addressee_entity_named",
            ),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        if self.scope == self.Scope.ENTITY and not self.entity_id:
            raise ValidationError({"entity": _("Name the entity that is asked.")})
        if self.scope == self.Scope.KINDS:
            kinds = self.entity_kinds if isinstance(self.entity_kinds, list) else None
            if not kinds or any(k not in Entity.Kind.values for k in kinds):
                raise ValidationError(
                    {
                        "entity_kinds": _("Give a list of kinds of entity, among: %(kinds)s.")
                        % {"kinds": ", ".join(Entity.Kind.values)}
                    }
                )

    def concerns(self, entity, mandate, facilitated):
        if self.scope == self.Scope.ALL:
            return True
        if self.scope == self.Scope.KINDS:
            return entity.kind in (self.entity_kinds or [])
        if self.scope == self.Scope.ENTITY:
            return self.entity_id == entity.pk
        if self.scope == self.Scope.FACILITATORS:
            lines = list(mandate.action_lines.all())
            if not lines:
                return bool(facilitated)
            # A C7 sub-area's mandate asks its own facilitators and C7's.
            wanted = {line.pk for line in lines} | {
                line.parent_id for line in lines if line.parent_id
            }
            return bool(wanted & set(facilitated))
        return False


class MandateUpdateQuerySet(models.QuerySet):
    def published(self):
        """Public: the update's submission is published."""
        return self.filter(submission__state="published")

    def visible_to(self, user):
        """Public: published; focal points: + their entities'; secretariat: all."""
        if is_secretariat(user):
            return self
        if not user.is_authenticated:
            return self.published()
        own = Membership.objects.filter(user=user).values("entity_id")
        return self.filter(Q(submission__state="published") | Q(submission__entity_id__in=own))

    def included_in_report(self, cycle):
        states = ["published"] if cycle.state == "published" else ["accepted", "published"]
        return self.filter(submission__cycle=cycle, submission__state__in=states)


class MandateUpdate(models.Model):
    """What one entity reports on one mandate in one submission."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    NEEDS_TEXT = (Status.UNDER_WAY, Status.DONE)

    submission = models.ForeignKey(
        "reviews.Submission",
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="mandate_updates",
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandate"), on_delete=models.PROTECT, related_name="updates"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    text = models.TextField(_("update"), blank=True, max_length=UPDATE_MAX_LENGTH)
    activities = models.ManyToManyField(
        "activities.Activity",
        verbose_name=_("activities"),
        blank=True,
        related_name="mandate_updates",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = MandateUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("update on a mandate")
        verbose_name_plural = _("updates on mandates")
        ordering = ["mandate__paragraph", "submission__entity__acronym"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "mandate"], name="mandate_update_unique"),
        ]

    def __str__(self):
        return f"{self.mandate} – {self.submission.entity.acronym}"

    @property
    def entity_id(self):
        """The entity it belongs to, for the permission predicates."""
        return self.submission.entity_id

    @property
    def is_published(self):
        return self.submission.state == "published"

    @classmethod
    def write(
        cls, submission, mandate, *, by, status, text="", activities=(), seen_updated_at=None
    ):
        """Create or change the submission's update on ``mandate``: the one write
        path of the contributor form, the API and the demo.

        Under the submission's lock and with its rules (``Submission.editing``):
        refused with TransitionNotAllowed, changing nothing, when the caller may
        not edit the submission, the mandate is not asked about by the cycle or
        does not concern the entity, the status is unknown, an update is needed
        and missing or too long, an activity is not the submission's, or someone
        else saved it after ``seen_updated_at``.
        """
        text = (text or "").strip()
        if status not in cls.Status.values:
            raise TransitionNotAllowed(
                _("Choose a status: %(choices)s.")
                % {"choices": ", ".join(str(label) for label in cls.Status.labels)},
                code="invalid",
                field="status",
            )
        if status in cls.NEEDS_TEXT and not text:
            raise TransitionNotAllowed(
                _("Say in a few sentences what was done (the update)."),
                code="invalid",
                field="text",
            )
        if len(text) > UPDATE_MAX_LENGTH:
            raise TransitionNotAllowed(
                _("Keep the update to %(max)s characters (it has %(count)s).")
                % {"max": UPDATE_MAX_LENGTH, "count": len(text)},
                code="invalid",
                field="text",
            )
        with submission.editing(by=by) as locked:
            if not locked.cycle.mandates.filter(pk=mandate.pk).exists():
                raise TransitionNotAllowed(
                    _("This cycle does not ask about paragraph %(paragraph)s.")
                    % {"paragraph": mandate.paragraph},
                    code="invalid",
                    field="mandate",
                )
            facilitated = set(
                ActionLineFacilitator.objects.filter(entity_id=locked.entity_id).values_list(
                    "action_line_id", flat=True
                )
            )
            if not mandate.concerns(locked.entity, facilitated):
                raise TransitionNotAllowed(
                    _("Paragraph %(paragraph)s does not ask %(entity)s.")
                    % {"paragraph": mandate.paragraph, "entity": locked.entity.acronym},
                    code="invalid",
                    field="mandate",
                )
            ids = {int(getattr(a, "pk", a)) for a in activities}
            own = set(locked.activities.filter(pk__in=ids).values_list("pk", flat=True))
            if ids - own:
                raise TransitionNotAllowed(
                    _("Only activities of this submission can be linked."),
                    code="invalid",
                    field="activities",
                )
            update = (
                cls.objects.select_for_update().filter(submission=locked, mandate=mandate).first()
            )
            if update is None:
                update = cls(submission=locked, mandate=mandate)
            elif seen_updated_at is not None and update.updated_at != seen_updated_at:
                raise TransitionNotAllowed(
                    _(
                        "Someone else saved this update after you opened it. Your text is "
                        "still in the form; reload the page and apply your changes again."
                    )
                )
            update.status = status
            update.text = text
            update.updated_by = by
            update._history_user = by
            update.save()
            update.activities.set(own)
        return update

    write.__func__.alters_data = True


def mandates_for(submission):
    """The mandates the submission's cycle asks about that concern its entity,
    each with ``update`` (the submission's, or None): four queries."""
    mandates = list(
        submission.cycle.mandates.select_related("resolution").prefetch_related(
            "asked", "action_lines"
        )
    )
    if not mandates:
        return []
    facilitated = set(
        ActionLineFacilitator.objects.filter(entity_id=submission.entity_id).values_list(
            "action_line_id", flat=True
        )
    )
    updates = {u.mandate_id: u for u in submission.mandate_updates.prefetch_related("activities")}
    found = []
    for mandate in mandates:
        if mandate.concerns(submission.entity, facilitated):
            mandate.update = updates.get(mandate.pk)
            found.append(mandate)
    return found
