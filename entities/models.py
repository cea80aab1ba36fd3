from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import Activity
from reviews.emails import queue_email
from wsis_site.multilingual import HttpsURLField, localized, localized_language

acronym_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 .&/+\-]*$",
    _("Use letters, digits, spaces and . & / + - only, starting with a letter or digit."),
)


class EntityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_published_counts(self):
        """Annotate ``published_count``: published activities it leads or joins."""

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
    def name_language(self):
        """``en`` where the name shown falls back to English, else the active language."""
        return localized_language(self, "name")

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

    @classmethod
    def invite(cls, *, name, email, entity, by):
        """Make the person with this address a focal point of ``entity``. Managers only.

        Side effects, in one transaction: an account (username: the address; no
        password until they choose one) unless one has this address already; the
        link to the entity; an e-mail in the outbox with a link to choose their
        password (Django's password-reset token: it works once, until
        ``PASSWORD_RESET_TIMEOUT``), or, for an account that has a password, to
        log in. Raises ``ValueError`` with a message for the form, having
        changed nothing. Returns the membership.
        """

        if not by.has_perm("entities.invite_focal_point"):
            raise PermissionError(gettext("Only a secretariat manager can invite focal points."))
        User = get_user_model()
        email = User.objects.normalize_email(email.strip()).lower()
        name = " ".join(name.split())
        with transaction.atomic():
            users = list(User.objects.select_for_update().filter(email__iexact=email))
            if len(users) > 1:
                raise ValueError(
                    gettext(
                        "Several accounts use this address; link the right one to the "
                        "entity by hand."
                    )
                )
            user = users[0] if users else None
            if user is None:
                if User.objects.filter(username__iexact=email).exists():
                    raise ValueError(gettext("An account with this username exists already."))
                first, _space, last = name.rpartition(" ")
                user = User(
                    username=email,
                    email=email,
                    first_name=first or last,
                    last_name=last if first else "",
                )
                user.set_unusable_password()
                user.save()
            elif not user.is_active:
                raise ValueError(
                    gettext("The account with this address is deactivated; activate it first.")
                )
            membership = cls.objects.filter(user=user, entity=entity).first()
            # Invited again before choosing a password (the link expired, say): a new link.
            if membership and user.has_usable_password():
                raise ValueError(
                    gettext("%(email)s is already a focal point of %(entity)s.")
                    % {"email": email, "entity": entity.acronym}
                )
            membership = membership or cls.objects.create(user=user, entity=entity)
            site = settings.SITE_URL.rstrip("/")
            context = {
                "name": name or user.get_full_name() or user.get_username(),
                "entity": entity,
                "username": user.get_username(),
                "login_url": site + reverse("accounts:login"),
                "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
                "set_password_url": "",
            }
            if not user.has_usable_password():
                context["set_password_url"] = site + reverse(
                    "accounts:password_reset_confirm",
                    args=[
                        urlsafe_base64_encode(force_bytes(user.pk)),
                        default_token_generator.make_token(user),
                    ],
                )
            queue_email(
                "focal_point_invitation",
                [email],
                gettext("You are a focal point of %(entity)s in the WSIS Implementation Tracker")
                % {"entity": entity.acronym},
                render_to_string("emails/focal_point_invitation.txt", context),
                sent_by=by,
            )
        return membership

    invite.alters_data = True
