from urllib.parse import quote

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reviews.rules import is_secretariat
from wsis_site.errors import TransitionNotAllowed
from wsis_site.fields import IntegerArrayField
from wsis_site.multilingual import HttpsURLField, MultilingualTitle, field_suffix
from wsis_site.validators import validate_document_symbol

from .db import search
from .headings import HeadingFacts, suggest_heading

# --- The taxonomy -----------------------------------------------------------


class ActionLineQuerySet(models.QuerySet):
    def top_level(self):
        return self.filter(parent__isnull=True)

    def with_descendants(self, lines):
        """The given action lines and their sub-areas (C7 brings C7.e-health…)."""
        return self.filter(Q(pk__in=[line.pk for line in lines]) | Q(parent__in=lines))


class ActionLine(MultilingualTitle):
    """A WSIS action line (C1–C11) or one of C7's sub-areas (``C7.e-health``)."""

    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^C\d{1,2}(\.[a-z][a-z\-]*)?$")],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("action line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ActionLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("action line")
        verbose_name_plural = _("action lines")
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="actionline_not_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_sub_area(self):
        return self.parent_id is not None

    def clean(self):
        if self.parent and self.parent.parent_id:
            raise ValidationError({"parent": _("A sub-area cannot have sub-areas of its own.")})


class ActionLineFacilitator(models.Model):
    """An entity that facilitates an action line (or one of C7's sub-areas), as a
    source states it: reference data the secretariat keeps in the admin."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead facilitator")
        CO = "co", _("Co-facilitator")

    action_line = models.ForeignKey(
        ActionLine,
        verbose_name=_("action line"),
        on_delete=models.CASCADE,
        related_name="facilitations",
    )
    entity = models.ForeignKey(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.PROTECT,
        related_name="facilitations",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEAD)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("The order in which the source names them.")
    )
    source = HttpsURLField(
        _("source"), max_length=500, help_text=_("Where this facilitation is stated.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("action line facilitator")
        verbose_name_plural = _("action line facilitators")
        ordering = ["action_line__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action_line", "entity"], name="facilitator_unique_per_action_line"
            ),
        ]

    def __str__(self):
        return f"{self.action_line.code}: {self.entity}"


class KeyedTerm(MultilingualTitle):
    key = models.SlugField(_("key"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "key"]


class Theme(KeyedTerm):
    """A WSIS theme: financing mechanisms, Internet governance, measuring ICT4D."""

    class Meta(KeyedTerm.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Trend(KeyedTerm):
    """A heading of section I (major trends); the list grows from year to year."""

    vocabulary = models.TextField(
        _("vocabulary"),
        blank=True,
        help_text=_(
            "Words and phrases that mark a sentence of the contributors' answers as being "
            "about this trend, separated by commas. A word matches its longer forms: "
            "'regulat' matches 'regulation' and 'regulatory'. Empty: the words of the title."
        ),
    )

    class Meta(KeyedTerm.Meta):
        verbose_name = _("trend")
        verbose_name_plural = _("trends")


class Region(KeyedTerm):
    class Meta(KeyedTerm.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class SDG(MultilingualTitle):
    number = models.PositiveSmallIntegerField(
        _("number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(17)]
    )

    class Meta:
        verbose_name = _("Sustainable Development Goal")
        verbose_name_plural = _("Sustainable Development Goals")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=17), name="sdg_number_range"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


# --- Activities ------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 1990, 2100  # WSIS began in 2003; older work is a typo


def validate_activity_date(value):
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )


class ActivityQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Activity.Status.PUBLISHED)

    def visible_to(self, user):
        """What a user may read: the public sees published work; focal points
        also their own entities' work in any state; the secretariat everything."""

        if not user.is_authenticated:
            return self.published()
        if is_secretariat(user):
            return self
        own = user.memberships.values("entity_id")
        return self.filter(Q(status=Activity.Status.PUBLISHED) | Q(entity_id__in=own))

    def for_action_line(self, *codes):
        """Activities under any of the codes; a parent code includes its sub-areas."""
        through = Activity.action_lines.through.objects.filter(
            Q(actionline__code__in=codes) | Q(actionline__parent__code__in=codes)
        )
        return self.filter(pk__in=through.values("activity_id"))

    def for_entity(self, *acronyms):
        """Activities an entity leads or takes part in."""
        partners = Activity.partners.through.objects.filter(entity__acronym__in=acronyms)
        return self.filter(
            Q(entity__acronym__in=acronyms) | Q(pk__in=partners.values("activity_id"))
        )

    def for_cycle(self, cycle):
        return self.filter(cycle=cycle)

    def search(self, text):
        """Full-text search over title, summary and description, in the
        activity's own language (see activities/db.py)."""

        return search(self, text)

    def with_card_data(self):
        """What a result card shows, in a fixed number of queries (without the
        search vector and the description, which no card shows)."""
        return (
            self.select_related("entity", "cycle")
            .prefetch_related("action_lines", "regions")
            .defer("search_vector", "description")
        )

    def with_export_data(self):
        return self.select_related("entity", "cycle").prefetch_related(
            "partners", "action_lines", "themes", "trends", "regions", "sdgs", "references"
        )


class Activity(models.Model):
    """Something an entity reports having done."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Type(models.TextChoices):
        PUBLICATION = "publication", _("Publication")
        EVENT = "event", _("Event")
        ONGOING_WORK = "ongoing_work", _("Ongoing work")
        TOOL_PLATFORM = "tool_platform", _("Tool or platform")
        PROGRAMME = "programme", _("Programme")
        DECISION = "decision", _("Decision")
        INITIATIVE = "initiative", _("Initiative")
        PARTNERSHIP = "partnership", _("Partnership")
        STATEMENT = "statement", _("Statement")
        PROFILE = "profile", _("Profile")
        OTHER = "other", _("Other")

    class Implementation(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")

    # The limits of what one activity holds, for every writer (forms, API, admin).
    SUMMARY_MAX_LENGTH = 2000
    DESCRIPTION_MAX_LENGTH = 20000
    MAX_REFERENCES = 30
    MAX_RELATED = 50  # partners, action lines, themes, trends, regions or SDGs

    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language the text is written in."),
    )
    entity = models.ForeignKey(
        "entities.Entity",
        verbose_name=_("lead entity"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    partners = models.ManyToManyField(
        "entities.Entity",
        verbose_name=_("partner entities"),
        blank=True,
        related_name="partner_activities",
    )
    inferred_entities = models.ManyToManyField(
        "entities.Entity",
        verbose_name=_("entities inferred from context"),
        blank=True,
        related_name="+",
        help_text=_("Actors the source text does not name, added by the editors."),
    )
    action_lines = models.ManyToManyField(
        ActionLine, verbose_name=_("action lines"), blank=True, related_name="activities"
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="activities"
    )
    trends = models.ManyToManyField(
        Trend, verbose_name=_("trends"), blank=True, related_name="activities"
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), blank=True, related_name="activities"
    )
    sdgs = models.ManyToManyField(
        SDG, verbose_name=_("SDGs"), blank=True, related_name="activities"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    start_date = models.DateField(
        _("start date"), null=True, blank=True, validators=[validate_activity_date]
    )
    end_date = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_activity_date]
    )
    activity_type = models.CharField(
        _("type of activity"), max_length=30, choices=Type.choices, blank=True
    )
    implementation = models.CharField(
        _("implementation status"), max_length=20, choices=Implementation.choices, blank=True
    )
    submission = models.ForeignKey(
        "reviews.Submission",
        verbose_name=_("submission"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        help_text=_("The submission this activity was reported with."),
    )
    cycle = models.ForeignKey(
        "reviews.ReviewCycle",
        verbose_name=_("review cycle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    section_key = models.SlugField(
        _("report heading"),
        max_length=80,
        blank=True,
        help_text=_(
            "The heading of the report this activity goes under: suggested from the "
            "activity when it is entered, until the secretariat confirms or changes it."
        ),
    )
    section_confirmed = models.BooleanField(
        _("report heading confirmed"),
        default=False,
        help_text=_("The secretariat chose or confirmed the report heading."),
    )
    section_proposed = models.BooleanField(
        _("report heading chosen by the contributor"),
        default=False,
        help_text=_(
            "The contributor chose the report heading instead of the suggestion; the "
            "secretariat still confirms it."
        ),
    )
    source_id = models.CharField(
        _("identifier in the source dataset"), max_length=40, blank=True, db_index=True
    )
    source_paragraph = models.PositiveIntegerField(
        _("report paragraph"),
        null=True,
        blank=True,
        help_text=_(
            "Activities of one heading with the same number make one paragraph of the "
            "report: the paragraph of an imported report this activity is part of (the "
            "compiled report reproduces them with their numbers), or one the secretariat "
            "put together for a cycle run in the tracker (the activity list's action "
            "“Make one report paragraph of the selected activities”). Empty: "
            "the paragraph rules decide."
        ),
    )
    editorial_note = models.TextField(_("editorial note"), blank=True)
    status = models.CharField(
        _("publication status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # Copies kept by database triggers on PostgreSQL, for the listing at scale
    # (see wsis_site/fields.py); never written by the application.
    action_line_ids = IntegerArrayField()
    region_ids = IntegerArrayField()
    sdg_ids = IntegerArrayField()
    theme_ids = IntegerArrayField()
    trend_ids = IntegerArrayField()
    entity_ids = IntegerArrayField()
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "action_line_ids",
            "region_ids",
            "sdg_ids",
            "theme_ids",
            "trend_ids",
            "entity_ids",
            "search_vector",
        ]
    )
    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-year", "source_paragraph", "id"]
        indexes = [
            models.Index(fields=["status", "year"], name="activity_status_year"),
            models.Index(fields=["status", "entity"], name="activity_status_entity"),
            models.Index(fields=["status", "cycle"], name="activity_status_cycle"),
            models.Index(fields=["status", "-published_at"], name="activity_status_published"),
            # The listing's orders, over published work only.
            models.Index(
                F("year").desc(),
                "source_paragraph",
                "id",
                condition=Q(status="published"),
                name="activity_public_default_order",
            ),
            models.Index(
                "title", "id", condition=Q(status="published"), name="activity_public_by_title"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1990) & Q(year__lte=2100), name="activity_year_range"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="activity_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="activity_published_has_date",
            ),
            models.UniqueConstraint(
                fields=["cycle", "source_id"],
                condition=~Q(source_id=""),
                name="activity_source_id_unique_per_cycle",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The cycle follows the submission, so filters by cycle see every activity.
        if self.submission_id and not self.cycle_id:
            self.cycle_id = self.submission.cycle_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("activities:activity-detail", args=[self.pk])

    # The status as last read from or written to the database (None: unknown),
    # so that saving a draft is known not to touch the public's caches
    # (activities/signals.py).
    stored_status = None

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.stored_status = instance.__dict__.get("status")
        return instance

    LISTS = ("partners", "action_lines", "themes", "trends", "regions", "sdgs")

    @classmethod
    def join_tables(cls):
        """For each many-to-many list: its join table, and the column naming the
        other side (for the bulk writers and readers)."""
        return {
            name: (getattr(cls, name).through, getattr(cls, name).field.m2m_reverse_name())
            for name in cls.LISTS
        }

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @staticmethod
    def check_action_lines(lines):
        """An activity reported through a submission names at least one action line."""
        if not lines:
            raise ValidationError(_("Choose at least one action line."))

    # What the focal points write; the rest of the editable fields are the
    # secretariat's (the editors' notes and the report's own bookkeeping). The
    # publication state is neither's: only the submission's workflow moves it.
    CONTRIBUTED_FIELDS = (
        "title",
        "summary",
        "description",
        "language",
        "partners",
        "action_lines",
        "themes",
        "trends",
        "regions",
        "sdgs",
        "year",
        "start_date",
        "end_date",
        "activity_type",
        "implementation",
    )
    EDITORIAL_FIELDS = (
        "inferred_entities",
        "section_key",
        "section_confirmed",
        "source_id",
        "source_paragraph",
        "editorial_note",
    )

    def write(self, *, by, values, references=None, seen_updated_at=None):
        """Store ``values`` (and ``references``) on this activity: the one place
        where an activity is written, for every writer.

        An activity of a submission is written through
        ``Submission.save_activity``, which holds the submission's lock and sets
        its entity and cycle before calling this. One that came with no
        submission (a generated or hand-made record) may be corrected by the
        secretariat's managers alone.

        ``values`` maps field names (``CONTRIBUTED_FIELDS``; for managers also
        ``EDITORIAL_FIELDS``) to new values, lists of records for the relations;
        ``references``, when given, replaces all references (dicts of ``url``,
        ``symbol``, ``label``). Refused, changing nothing, with
        TransitionNotAllowed (not allowed; saved by someone else after
        ``seen_updated_at``) or ValidationError by field (``check_write``). The
        publication state is never set here: only the submission's ``publish``
        and ``reopen`` move it.
        """

        manager = by.has_perm("activities.change_activity", self)
        if self.submission_id is None and not manager:
            raise TransitionNotAllowed(
                _("This activity came with no submission; only the secretariat can change it."),
                code="forbidden",
            )
        # Contributors may choose the report heading (a proposal the secretariat confirms).
        allowed = {*self.CONTRIBUTED_FIELDS, "section_key"} | (
            set(self.EDITORIAL_FIELDS) if manager else set()
        )
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise TransitionNotAllowed(
                _("These fields cannot be written here: %(fields)s.")
                % {"fields": ", ".join(unknown)},
                code="invalid",
            )
        with transaction.atomic():
            if self.pk:
                stored = (
                    Activity.objects.select_for_update()
                    .filter(pk=self.pk)
                    .values_list("updated_at", flat=True)
                    .first()
                )
                if stored is None:
                    raise TransitionNotAllowed(_("This activity was removed meanwhile."))
                if seen_updated_at is not None and stored != seen_updated_at:
                    raise TransitionNotAllowed(
                        _(
                            "Someone else saved this activity after you opened it. Your text "
                            "is still in the form; copy it, reload the page and apply your "
                            "changes again."
                        )
                    )
            else:
                self.status = self.Status.DRAFT
                self.published_at = None
                self.created_by = by
            relations = {
                name: list(values[name])
                for name in (*self.LISTS, "inferred_entities")
                if name in values
            }
            for name, value in values.items():
                if name not in relations:
                    setattr(self, name, value)
            self.updated_by = by
            new_references = None
            if references is not None:
                new_references = [
                    Reference(
                        position=n,
                        url=ref.get("url") or "",
                        symbol=ref.get("symbol") or "",
                        label=ref.get("label") or "",
                        # The source report's note: the secretariat's to keep.
                        footnote_number=ref.get("footnote_number") if manager else None,
                    )
                    for n, ref in enumerate(references)
                ]
            self.check_write(relations, new_references)
            self._suggest_heading(values, relations, by_manager=manager)
            self._history_user = by
            self.save()
            for name, records in relations.items():
                getattr(self, name).set(records)
            if new_references is not None:
                self.references.all().delete()
                for reference in new_references:
                    reference.activity = self
                Reference.objects.bulk_create(new_references)
        return self

    write.alters_data = True

    def heading_facts(self, relations=None):
        """What the report heading is suggested from (``headings.HeadingFacts``):
        the lists in ``relations`` where given, else as stored."""

        relations = relations or {}

        def listed(name, attribute):
            if name in relations:
                records = relations[name]
            elif self.pk:
                records = getattr(self, name).all()
            else:
                records = []
            return [getattr(record, attribute) for record in records]

        return HeadingFacts(
            entity_acronym=self.entity.acronym,
            entity_kind=self.entity.kind,
            action_lines=listed("action_lines", "code"),
            regions=listed("regions", "key"),
            themes=listed("themes", "key"),
            trends=listed("trends", "key"),
            text=" ".join((self.title, self.summary, self.description)),
            partner_kinds=listed("partners", "kind"),
        )

    def _suggest_heading(self, values, relations, by_manager=True):
        """Keep the report heading the secretariat chose; otherwise suggest one
        from what the activity says now (``headings.suggest_heading``). A
        heading written by the secretariat (a changed ``section_key``) counts
        as chosen."""

        if "section_key" in values and not by_manager:
            self._propose_heading(values["section_key"])
        elif "section_key" in values:
            stored = (
                Activity.objects.filter(pk=self.pk).values_list("section_key", flat=True).first()
                if self.pk
                else ""
            )
            if values["section_key"] and values["section_key"] != stored:
                self.section_confirmed = True
        if not self.section_confirmed and not self.section_proposed:
            self.section_key = suggest_heading(
                self.heading_facts(relations), self.entity_headings()
            )

    def entity_headings(self):
        """``{heading key: n}`` of the entity's other activities in the same
        submission (``headings.suggest_heading`` keeps an entity's work together)."""
        if not self.submission_id:
            return {}
        counts = {}
        for key in (
            Activity.objects.filter(submission_id=self.submission_id, entity_id=self.entity_id)
            .exclude(pk=self.pk)
            .values_list("section_key", flat=True)
        ):
            counts[key] = counts.get(key, 0) + 1
        return counts

    def _propose_heading(self, section_key):
        """A contributor's choice of heading, or "" for the suggestion; a heading
        the secretariat confirmed stays as it is. The choice is one of the cycle's
        headings: the contributor's form offers only those (``reviews.forms``)."""
        if self.section_confirmed:
            return
        self.section_proposed = bool(section_key)
        if section_key:
            self.section_key = section_key

    def check_write(self, relations, references):
        """Refuse, by field, what no writer may store: the model's own rules
        (lengths, years and dates, choices, constraints), the relations' limits
        and the references'. ``relations`` maps list names to the records to
        set; ``references`` is a list of Reference objects, or None (unchanged).
        Raises ValidationError; changes nothing.
        """
        errors = {}
        try:
            # The database's constraints stand behind these; checking them here
            # would cost a query each.
            self.full_clean(
                exclude=["submission", "cycle", "created_by", "updated_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)

        def refuse(field, message):
            errors.setdefault(field, []).append(message)

        for name, records in relations.items():
            if len(records) > self.MAX_RELATED:
                refuse(name, _("Choose at most %(max)s.") % {"max": self.MAX_RELATED})
        partners = relations.get("partners", ())
        if any(p.pk == self.entity_id for p in partners):
            refuse("partners", _("The lead entity cannot be its own partner."))
        inactive = sorted(p.acronym for p in partners if not p.is_active)
        if inactive:
            refuse(
                "partners",
                _("These entities are no longer active: %(acronyms)s.")
                % {"acronyms": ", ".join(inactive)},
            )
        if "action_lines" in relations:
            try:
                self.check_action_lines(relations["action_lines"])
            except ValidationError as exc:
                errors.setdefault("action_lines", []).extend(exc.messages)
        if references is not None:
            if len(references) > self.MAX_REFERENCES:
                refuse(
                    "references",
                    _("Give at most %(max)s references.") % {"max": self.MAX_REFERENCES},
                )
            for number, reference in enumerate(references, start=1):
                try:
                    reference.full_clean(exclude=["activity"], validate_constraints=False)
                except ValidationError as exc:
                    for message in exc.messages:
                        refuse(
                            "references",
                            _("Reference %(number)s: %(message)s")
                            % {"number": number, "message": message},
                        )
        if errors:
            raise ValidationError(errors)

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})


def un_document_url(symbol, language=None):
    """``A/RES/78/132`` -> ``https://docs.un.org/en/A/RES/78/132`` (``ar``, ``zh``, ``en``,
    ``fr``, ``ru`` or ``es`` after the active language)."""

    return f"https://docs.un.org/{field_suffix(language)}/{quote(symbol.strip(), safe='/()')}"


class Reference(models.Model):
    """A source an activity cites: a web address or a UN document symbol."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="references"
    )
    url = HttpsURLField(_("web address"), max_length=1000, blank=True)
    symbol = models.CharField(
        _("document symbol"),
        max_length=100,
        blank=True,
        validators=[validate_document_symbol],
        help_text=_("A UN document symbol such as A/RES/78/132."),
    )
    label = models.CharField(_("label"), max_length=300, blank=True)
    footnote_number = models.PositiveIntegerField(
        _("footnote in the source report"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("reference")
        verbose_name_plural = _("references")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(symbol=""), name="reference_has_url_or_symbol"
            ),
        ]

    def __str__(self):
        return self.label or self.symbol or self.url

    @property
    def document_url(self):
        """The symbol's page in the UN's document system (docs.un.org), in the active
        language: the UN publishes in the six languages the site speaks."""
        if not self.symbol:
            return ""
        return un_document_url(self.symbol)

    def clean(self):
        if not self.url and not self.symbol:
            raise ValidationError(_("Give a web address or a document symbol."))


# --- What the public sees, versioned -------------------------------------------------


class PublicDataVersion(models.Model):
    """One row: the version of what the public sees, moved on (under this row's
    lock, so versions commit in order) in the same transaction as every change
    to published work. App processes compare it on each request with the
    version their facet index was built at (activities/facets.py); the
    whole-dataset files say which version they hold. ``token`` is new at every
    move, so that a version number reused after a rollback is never taken for
    the one it replaced."""

    version = models.PositiveBigIntegerField(default=0)
    token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("version of the published data")
        verbose_name_plural = _("versions of the published data")

    def __str__(self):
        return f"{self.version}"


class PublicDataChange(models.Model):
    """What one version changed: the ids of the activities whose published
    state, relations or text may differ from the version before (none: any)."""

    version = models.PositiveBigIntegerField(unique=True)
    token = models.CharField(max_length=32)
    # NULL (any activity) is not "" (none).
    activity_ids = models.TextField(null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("change of the published data")
        verbose_name_plural = _("changes of the published data")
        ordering = ["version"]

    def __str__(self):
        return f"{self.version}"
