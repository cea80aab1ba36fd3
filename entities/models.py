from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wsis_site.multilingual import HttpsURLField, localized

acronym_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 .&/+\-]*$",
    _("Use letters, digits, spaces and . & / + - only, starting with a letter or digit."),
)


class EntityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_published_counts(self):
        """Annotate ``published_count``: published activities it leads or joins."""
        from activities.models import Activity

        published = Activity.objects.published()
        lead = (
            published.filter(entity=OuterRef("pk"))
            .order_by()
            .values("entity")
            .annotate(n=Count("pk"))
            .values("n")
        )
        partner = (
            Activity.partners.through.objects.filter(
                entity=OuterRef("pk"), activity__in=published.values("pk")
            )
            .order_by()
            .values("entity")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            published_count=Coalesce(Subquery(lead), 0) + Coalesce(Subquery(partner), 0)
        )


class Entity(models.Model):
    """A UN entity, international organisation or other stakeholder that reports."""

    class Kind(models.TextChoices):
        UN_SECRETARIAT = "un_secretariat", _("UN Secretariat department or office")
        UN_FUND_PROGRAMME = "un_fund_programme", _("UN fund or programme")
        UN_SPECIALIZED_AGENCY = "un_specialized_agency", _("Specialised agency")
        UN_REGIONAL_COMMISSION = "un_regional_commission", _("Regional commission")
        UN_INTERGOVERNMENTAL_BODY = "un_intergovernmental_body", _("UN intergovernmental body")
        INTERGOVERNMENTAL_ORGANIZATION = (
            "intergovernmental_organization",
            _("Intergovernmental organisation"),
        )
        GOVERNMENT = "government", _("Government")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        PRIVATE_SECTOR = "private_sector", _("Private sector")
        TECHNICAL_COMMUNITY = "technical_community", _("Technical community")
        ACADEMIA = "academia", _("Academia")
        MULTISTAKEHOLDER_FORUM = "multistakeholder_forum", _("Multistakeholder forum")

    acronym = models.CharField(
        _("acronym"),
        max_length=60,
        unique=True,
        validators=[acronym_validator],
        help_text=_("Unique; used in web addresses and filters."),
    )
    name_en = models.CharField(_("official name (English)"), max_length=300)
    name_fr = models.CharField(_("official name (French)"), max_length=300, blank=True)
    name_es = models.CharField(_("official name (Spanish)"), max_length=300, blank=True)
    name_ru = models.CharField(_("official name (Russian)"), max_length=300, blank=True)
    name_ar = models.CharField(_("official name (Arabic)"), max_length=300, blank=True)
    name_zh = models.CharField(_("official name (Chinese)"), max_length=300, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=120, blank=True)
    short_name_zh = models.CharField(_("short name (Chinese)"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices, db_index=True)
    kind_note = models.TextField(
        _("note on the kind"),
        blank=True,
        help_text=_("Why this kind was chosen where none fits exactly."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent entity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    website = HttpsURLField(_("website"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        ordering = ["acronym"]
        constraints = [
            models.UniqueConstraint(Lower("acronym"), name="entity_acronym_ci_unique"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="entity_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.acronym

    def get_absolute_url(self):
        return reverse("entities:entity-detail", args=[self.acronym])

    @property
    def name(self):
        return localized(self, "name")

    @property
    def short_name(self):
        return localized(self, "short_name") or self.acronym


class Membership(models.Model):
    """A user acting as focal point of an entity (a user may serve several)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    entity = models.ForeignKey(
        Entity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        constraints = [
            models.UniqueConstraint(fields=["user", "entity"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} – {self.entity}"
