import re
import string
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.changes import published_work_changed
from activities.models import Activity
from entities.models import Membership
from wsis_site.errors import TransitionNotAllowed

from .emails import queue_submission_email
from .outbox import SentEmail  # noqa: F401 (a model of this app: the outbox)
from .rules import is_entity_contributor, is_secretariat, secretariat_users

# The default questions, as the secretariat's letter asks them. Stored in English;
# shown through gettext, so that the standard wording reads in every language
# (wording the secretariat changed is shown as written). "{period}" is the
# cycle's reporting period.
DEFAULT_QUESTIONS = [
    {
        "key": "trends",
        "label": gettext_noop("Trends"),
        "prompt": gettext_noop(
            "What were the main trends in the implementation of the WSIS outcomes during {period}?"
        ),
        "guidance": gettext_noop(
            "For example new policies, technologies, partnerships or ways of working that "
            "changed how your entity works on the WSIS action lines."
        ),
        "required": True,
    },
    {
        "key": "achievements",
        "label": gettext_noop("Achievements"),
        "prompt": gettext_noop(
            "What did your entity achieve in the implementation of the WSIS outcomes "
            "during {period}?"
        ),
        "guidance": gettext_noop(
            "Name the results, with figures where you have them. Describe each activity "
            "below, under Activities."
        ),
        "required": True,
    },
    {
        "key": "obstacles",
        "label": gettext_noop("Obstacles"),
        "prompt": gettext_noop(
            "What obstacles did your entity meet in the implementation of the WSIS "
            "outcomes during {period}, and how were they addressed?"
        ),
        "guidance": "",
        "required": True,
    },
]
QUESTION_FIELDS = ("key", "label", "prompt", "guidance", "required", "report")
QUESTION_REPORT_USES = ("trends", "obstacles")
QUESTION_PLACEHOLDERS = ("period",)


def default_questions():
    return [dict(q) for q in DEFAULT_QUESTIONS]


def _placeholders(text):
    """The names of the ``{name}`` placeholders in ``text``; ValueError if a brace is
    not closed."""
    return [
        (name, spec, conversion)
        for _text, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    ]


def validate_questions(value):
    """A cycle's questions: a list of ``{"key", "label", "prompt", "guidance",
    "required", "report"}``, keys unique, short and lowercase, a label each, and
    no placeholder in the prompt but ``{period}``."""
    if not isinstance(value, list):
        raise ValidationError(_("The questions must be a list."), code="invalid")
    seen = set()
    for n, question in enumerate(value, start=1):
        if not isinstance(question, dict):
            raise ValidationError(_("Question %(n)s is not a question.") % {"n": n}, code="invalid")
        unknown = sorted(set(question) - set(QUESTION_FIELDS))
        if unknown:
            raise ValidationError(
                _("Question %(n)s has unknown fields: %(fields)s.")
                % {"n": n, "fields": ", ".join(unknown)},
                code="invalid",
            )
        key = question.get("key")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key):
            raise ValidationError(
                _(
                    "Question %(n)s: the key is a short name in lowercase letters, digits "
                    "and _, such as trends."
                )
                % {"n": n},
                code="key",
            )
        if key in seen:
            raise ValidationError(
                _("Two questions have the key %(key)s.") % {"key": key}, code="key"
            )
        seen.add(key)
        label = question.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(_("Question %(key)s needs a label.") % {"key": key}, code="label")
        for name in ("label", "prompt", "guidance"):
            if not isinstance(question.get(name, ""), str):
                raise ValidationError(
                    _("Question %(key)s: the %(field)s is text.") % {"key": key, "field": name},
                    code="invalid",
                )
        try:
            names = _placeholders(question.get("prompt", ""))
        except ValueError:
            names = [("{", "", None)]
        wrong = sorted(
            {
                name or "{}"
                for name, spec, conv in names
                if name not in QUESTION_PLACEHOLDERS or spec or conv
            }
        )
        if wrong:
            raise ValidationError(
                _(
                    "Question %(key)s: the prompt may hold only the placeholder {period} "
                    "(the reporting period)."
                )
                % {"key": key},
                code="placeholder",
            )
        if not isinstance(question.get("required", False), bool):
            raise ValidationError(
                _("Question %(key)s: required is true or false.") % {"key": key},
                code="invalid",
            )
        if question.get("report", "") not in ("", *QUESTION_REPORT_USES):
            raise ValidationError(
                _("Question %(key)s: the report uses answers for trends or obstacles only.")
                % {"key": key},
                code="report",
            )


@dataclass(frozen=True)
class Question:
    """One question of a cycle, worded for the reader: the standard wording in the
    active language, the reporting period filled in."""

    key: str
    label: str
    prompt: str
    guidance: str
    required: bool
    report: str


LETTER_PLACEHOLDERS = ("entity", "cycle", "deadline", "link")


def validate_letter(text):
    """A call's letter: only the known placeholders, each written ``{name}``, and
    ``{link}`` at least once (without it nobody can answer)."""

    if not text.strip():
        return
    try:
        fields = [
            (name, spec, conversion)
            for _text, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError:
        raise ValidationError(
            _(
                "A brace is not closed. Write the placeholders as {entity}, {cycle}, "
                "{deadline} and {link}; a brace of the text itself is written twice: {{ or }}."
            ),
            code="braces",
        ) from None
    unknown = sorted(
        {
            name or "{}"
            for name, spec, conv in fields
            if name not in LETTER_PLACEHOLDERS or spec or conv
        }
    )
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Use only {entity}, {cycle}, {deadline} and {link}.")
            % {"names": ", ".join(unknown)},
            code="placeholder",
        )
    if "link" not in {name for name, _spec, _conv in fields}:
        raise ValidationError(
            _("Put {link} in the letter: it is the address where the focal points answer."),
            code="link",
        )


def published_in_bulk(activity_ids):
    """Activities were published or withdrawn in bulk (no signals): move the
    version of the public data on for them, with this transaction."""

    published_work_changed(activity_ids)


# --- Review cycles -------------------------------------------------------------


class ReviewCycleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=ReviewCycle.State.PUBLISHED)

    def contributed_to_by(self, entity):
        """The published reports with the entity's published submission, newest first."""
        return (
            self.published()
            .filter(
                submissions__entity=entity,
                submissions__state=Submission.State.PUBLISHED,
            )
            .distinct()
            .order_by("-reporting_year", "-pk")
        )

    def open(self):
        return self.filter(state=ReviewCycle.State.OPEN)

    def announced(self):
        """Cycles the public knows of: a planned cycle is as unknown to them as
        one that does not exist."""
        return self.exclude(state=ReviewCycle.State.PLANNED)

    def visible_to(self, user):
        """The secretariat sees every cycle; everyone else the announced ones."""
        return self if is_secretariat(user) else self.announced()


class ReviewCycle(models.Model):
    """One call for inputs: a yearly report or the twenty-year review."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual report")
        BIENNIAL = "biennial", _("Biennial report")
        REVIEW = "review", _("Twenty-year review")

    class Distribution(models.TextChoices):
        GENERAL = "General", _("General")
        LIMITED = "Limited", _("Limited")
        RESTRICTED = "Restricted", _("Restricted")

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
    questions = models.JSONField(
        _("questions asked"),
        default=default_questions,
        blank=True,
        validators=[validate_questions],
        help_text=_(
            "Each question has a key, a label, a prompt that says what is asked ({period} "
            "is the reporting period), optional guidance, whether it is required, and the "
            "part of the report that uses its answers (by default the questions with the "
            "keys trends and obstacles)."
        ),
    )
    letter = models.TextField(
        _("letter of the call"),
        blank=True,
        validators=[validate_letter],
        help_text=_(
            "The invitation's text, sent to each entity's focal points. Placeholders: "
            "{entity} (the entity's name), {cycle} (this cycle's title), {deadline} and "
            "{link} (where they answer; required). Empty: the standard letter."
        ),
    )
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
    # The cover of the report, as the United Nations prints it.
    bodies = models.TextField(
        _("bodies and sessions"),
        blank=True,
        help_text=_(
            "One body a line, its session after a comma, e.g. “General Assembly, "
            "Seventy-ninth session” and “Economic and Social Council, 2024 session (27 July "
            "2023–24 July 2024)”."
        ),
    )
    agenda_item = models.CharField(
        _("agenda item"),
        max_length=200,
        blank=True,
        help_text=_("The item's number, e.g. 18 (b)."),
    )
    agenda_title = models.CharField(
        _("title of the agenda item"),
        max_length=300,
        blank=True,
        help_text=_(
            "e.g. Economic and environmental questions: science and technology for development"
        ),
    )
    agenda_note = models.CharField(
        _("note on the agenda item"),
        max_length=200,
        blank=True,
        help_text=_("The agenda it is an item of, printed as the cover's note, e.g. E/2023/1."),
    )
    distribution = models.CharField(
        _("distribution"),
        max_length=20,
        choices=Distribution.choices,
        default=Distribution.GENERAL,
    )
    original_language = models.CharField(
        _("original language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language the report is written in; the others are translations."),
    )
    # Note 1: the contributors, where their inputs are published, when the
    # addresses in the notes were read.
    inputs_url = models.URLField(
        _("online compilation of the inputs"),
        max_length=500,
        blank=True,
        help_text=_(
            "Where the contributions are published; note 1 links to it. Empty: the "
            "tracker's own listing of the cycle's activities."
        ),
    )
    urls_accessed = models.DateField(
        _("web addresses read in"),
        null=True,
        blank=True,
        help_text=_(
            "The month in which the addresses in the notes were last read (note 1 says so); "
            "empty: the month of the report's date, or of compiling."
        ),
    )
    contributor_order = models.JSONField(
        _("order of the contributors"),
        default=list,
        blank=True,
        help_text=_(
            "Acronyms of the contributing entities in the order note 1 lists them (an "
            "imported report's own); others follow in the order of their English names."
        ),
    )
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

    @property
    def period_years(self):
        """The years the cycle reports on: its reporting period's (a biennial report
        covers two), else its reporting year, else none."""
        if self.period_start and self.period_end:
            return list(range(self.period_start.year, self.period_end.year + 1))
        return [self.reporting_year] if self.reporting_year else []

    def period_text(self):
        """The reporting period as the report's sentences say it ("in 2023", "in
        2025 and 2026", "from 2023 to 2025"), or "" when the cycle has none: the
        one place that words it."""

        years = self.period_years
        if not years:
            return ""
        if len(years) == 1:
            return gettext("in %(year)s") % {"year": years[0]}
        if len(years) == 2:
            return gettext("in %(first)s and %(last)s") % {"first": years[0], "last": years[1]}
        return gettext("from %(first)s to %(last)s") % {"first": years[0], "last": years[-1]}

    def questions_for(self, use):
        """The keys of the questions whose answers the report uses for ``use``
        (``trends``: section I; ``obstacles``: the digest under section IV): a
        question says so with ``"report": "trends"``, or has that key."""
        return [
            q["key"]
            for q in self.questions or []
            if isinstance(q, dict) and q.get("key") and (q.get("report") or q["key"]) == use
        ]

    def letter_for(self, submission, link):
        """The cycle's own letter for one entity, its placeholders filled; "" when
        the cycle has none (the standard letter is used)."""

        if not self.letter.strip():
            return ""
        deadline = submission.effective_deadline
        return self.letter.format(
            entity=submission.entity.name,
            cycle=self.title,
            deadline=date_format(timezone.localtime(deadline), "DATE_FORMAT") if deadline else "—",
            link=link,
        )

    def period_label(self):
        """The reporting period as a question names it: "2023", "1 January 2023 –
        30 June 2024", or "the reporting period"."""
        if self.period_start and self.period_end:
            start = date_format(self.period_start, "DATE_FORMAT")
            return f"{start} – {date_format(self.period_end, 'DATE_FORMAT')}"
        if self.reporting_year:
            return str(self.reporting_year)
        return gettext("the reporting period")

    def question_list(self):
        """The questions as ``Question``s, worded for the reader (see DEFAULT_QUESTIONS)."""

        def wording(text):
            return gettext(text) if text else ""

        period = self.period_label()
        result = []
        for q in self.questions or []:
            if not isinstance(q, dict) or not q.get("key"):
                continue
            prompt = wording(q.get("prompt", ""))
            # Stored before the questions were validated: shown as written.
            with suppress(KeyError, IndexError, ValueError):
                prompt = prompt.format(period=period)
            result.append(
                Question(
                    key=q["key"],
                    label=wording(q.get("label") or q["key"]),
                    prompt=prompt,
                    guidance=wording(q.get("guidance", "")),
                    required=bool(q.get("required")),
                    report=q.get("report") or "",
                )
            )
        return result

    @property
    def required_questions(self):
        return [q for q in self.question_list() if q.required]

    def _change_state(self, by, perm, sources, target):
        if not by.has_perm(perm, self):
            raise TransitionNotAllowed(
                _("Only a secretariat manager can do this."), code="forbidden"
            )
        updated = ReviewCycle.objects.filter(pk=self.pk, state__in=sources).update(
            state=target, updated_at=timezone.now()
        )
        if updated != 1:
            raise TransitionNotAllowed(
                _("The cycle is %(state)s; this is not possible now.")
                % {"state": self.get_state_display().lower()}
            )
        self.state = target

    def open_call(self, *, by):
        """Open the call for inputs.

        Side effects: the cycle becomes ``open``; one ``invited`` submission is
        created for each invited entity that has none; each new submission's
        invitation e-mail is written to the outbox (sent after commit; "no
        recipient" where the entity has no focal point).
        """

        with transaction.atomic():
            self._change_state(by, "reviews.run_cycle", [self.State.PLANNED], self.State.OPEN)
            existing = set(self.submissions.values_list("entity_id", flat=True))
            # bulk_create sets the new primary keys on PostgreSQL and SQLite.
            new = Submission.objects.bulk_create(
                Submission(cycle=self, entity=entity)
                for entity in self.invited_entities.exclude(pk__in=existing)
            )
            Transition.objects.bulk_create(
                Transition(submission=s, actor=by, action="invite", to_state=s.state) for s in new
            )
            # Written with the submissions, sent after commit (the outbox): a mail
            # server that fails leaves its rows "failed", never the call half open.
            for submission in new:
                queue_submission_email("invitation", submission, sent_by=by)
        return new

    open_call.alters_data = True

    def close(self, *, by):
        """Close the call: contributors can no longer submit. No e-mail."""
        with transaction.atomic():
            self._change_state(by, "reviews.run_cycle", [self.State.OPEN], self.State.CLOSED)

    close.alters_data = True

    def publish(self, *, by):
        """Publish the cycle: its report becomes public. No e-mail."""
        with transaction.atomic():
            self._change_state(
                by,
                "reviews.run_cycle",
                [self.State.CLOSED, self.State.COMPILING],
                self.State.PUBLISHED,
            )

    publish.alters_data = True

    def state_counts(self):
        """How many submissions are in each state, plus ``overdue``."""
        counts = dict(
            self.submissions.order_by()
            .values("state")
            .annotate(n=models.Count("id"))
            .values_list("state", "n")
        )
        result = {state: counts.get(state, 0) for state in Submission.State.values}
        result["overdue"] = self.submissions.overdue().count()
        result["total"] = sum(counts.values())
        return result


# --- Submissions ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One transition of the workflow: everything the model, the pages, the
    admin and the API need to know about it."""

    sources: tuple
    target: str
    perm: str
    label: str  # the button
    past: str  # "it cannot be <past> now"
    needs_comment: bool = False  # the comment is required, shared and e-mailed
    contributor: bool = False  # a step of the entity's focal points
    stamp: str = ""  # the submission's time field this step sets
    done: str = ""  # what the person who acted is told, in plain words
    email: str = ""  # the e-mail (templates/emails/<email>.txt) to the focal points
    notice: str = ""  # the e-mail to the secretariat (the reviewer, else the reviewers)
    assigns_reviewer: bool = False  # the actor becomes the reviewer if there is none
    why: str = ""  # the refusal when a needed comment is missing (default: for the contributor)
    confirm: bool = False  # the contributor pages ask first, on a page of its own


class SubmissionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Contributors see their entities' submissions; the secretariat sees all."""
        if not user.is_authenticated:
            return self.none()
        if is_secretariat(user):
            return self
        return self.filter(entity__memberships__user=user)

    def overdue(self, now=None):
        """Not yet submitted although the (possibly extended) deadline has passed."""
        now = now or timezone.now()
        return self.filter(
            state__in=Submission.NOT_SUBMITTED,
            cycle__deadline__lt=now,
        ).exclude(extensions__new_deadline__gte=now)

    def in_open_cycles(self):
        return self.filter(cycle__state=ReviewCycle.State.OPEN)

    def waiting_for_review(self):
        """Submitted or under review: the secretariat has the next move."""
        return self.filter(state__in=(Submission.State.SUBMITTED, Submission.State.UNDER_REVIEW))

    def with_round(self):
        """Annotate ``round``: how many times it was submitted (2 and up: resubmitted)."""
        return self.annotate(
            round=models.Count("transitions", filter=Q(transitions__action="submit"), distinct=True)
        )

    def without_recipient(self):
        """Its entity has no active focal point with an e-mail address: whatever is
        written to them is "not sent: no recipient"."""

        reachable = (
            Membership.objects.filter(user__is_active=True)
            .exclude(user__email="")
            .values("entity_id")
        )
        return self.exclude(entity_id__in=reachable)

    def with_effective_deadline(self):
        return self.annotate(
            latest_extension=models.Max("extensions__new_deadline"),
        )


class Submission(models.Model):
    """One entity's answer to one review cycle."""

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")
        PUBLISHED = "published", _("Published")
        DECLINED = "declined", _("Declined")

    EDITABLE = (State.DRAFT, State.CHANGES_REQUESTED)
    NOT_SUBMITTED = (State.INVITED, State.DRAFT, State.CHANGES_REQUESTED)

    # The workflow. Everything else (the buttons, the contributor pages' and the
    # API's choice of actions, the e-mails, the time fields) is read from here.
    TRANSITIONS = {
        "start": Step(
            (State.INVITED,),
            State.DRAFT,
            "reviews.start_submission",
            label=_("Start"),
            past=_("started"),
            done=_("The submission was started; it is now a draft."),
            contributor=True,
        ),
        "submit": Step(
            (State.DRAFT, State.CHANGES_REQUESTED),
            State.SUBMITTED,
            "reviews.submit_submission",
            label=_("Submit"),
            past=_("submitted"),
            done=_("The submission was sent to the secretariat."),
            contributor=True,
            confirm=True,
            stamp="submitted_at",
            email="received",
            notice="submitted",
        ),
        "decline": Step(
            (State.INVITED, State.DRAFT),
            State.DECLINED,
            "reviews.decline_submission",
            label=_("Decline"),
            past=_("declined"),
            done=_("The entity declined the call. The secretariat sees your reason."),
            contributor=True,
            stamp="decided_at",
            needs_comment=True,
            why=_("Say why your entity declines (the secretariat will see it)."),
            confirm=True,
        ),
        "recall": Step(
            (State.SUBMITTED,),
            State.DRAFT,
            "reviews.recall_submission",
            label=_("Recall"),
            past=_("recalled"),
            done=_("The submission was recalled: it is a draft again, and you can change it."),
            contributor=True,
            confirm=True,
        ),
        "take_up": Step(
            (State.SUBMITTED,),
            State.UNDER_REVIEW,
            "reviews.review_submission",
            label=_("Take up"),
            past=_("taken up"),
            done=_("You took up this submission; it is now under review."),
            assigns_reviewer=True,
        ),
        "request_changes": Step(
            (State.UNDER_REVIEW,),
            State.CHANGES_REQUESTED,
            "reviews.review_submission",
            label=_("Request changes"),
            past=_("sent back for changes"),
            done=_("Changes were requested. The focal points are told by e-mail and can resubmit."),
            needs_comment=True,
            email="changes_requested",
        ),
        "accept": Step(
            (State.UNDER_REVIEW,),
            State.ACCEPTED,
            "reviews.review_submission",
            label=_("Accept"),
            past=_("accepted"),
            done=_("The submission was accepted. The focal points are told by e-mail."),
            stamp="decided_at",
            email="accepted",
        ),
        "publish": Step(
            (State.ACCEPTED,),
            State.PUBLISHED,
            "reviews.publish_submission",
            label=_("Publish"),
            past=_("published"),
            done=_(
                "The submission was published: its activities are now public, and the focal "
                "points are told by e-mail."
            ),
            stamp="published_at",
            email="published",
        ),
        "reopen": Step(
            (State.DECLINED, State.ACCEPTED, State.PUBLISHED),
            State.CHANGES_REQUESTED,
            "reviews.reopen_submission",
            label=_("Reopen"),
            past=_("reopened"),
            done=_("The submission was reopened for changes. The focal points are told by e-mail."),
            needs_comment=True,
            email="reopened",
        ),
    }
    # Other names an action is known by (the API's "resubmit").
    ALIASES = {"resubmit": "submit"}
    # The steps the entity's focal points take (the rest are the secretariat's).
    CONTRIBUTOR_ACTIONS = tuple(a for a, step in TRANSITIONS.items() if step.contributor)

    cycle = models.ForeignKey(
        ReviewCycle,
        verbose_name=_("review cycle"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    entity = models.ForeignKey(
        "entities.Entity",
        verbose_name=_("entity"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.INVITED, db_index=True
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions_to_review",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or declined"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("invited"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["cycle", "entity__acronym"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "entity"], name="submission_unique"),
        ]
        indexes = [models.Index(fields=["cycle", "state"], name="submission_cycle_state")]

    def __str__(self):
        return f"{self.entity} – {self.cycle}"

    def get_absolute_url(self):
        return reverse("reviews:submission", args=[self.cycle.slug, self.entity.acronym])

    # Reading ------------------------------------------------------------------

    @property
    def is_editable(self):
        return self.state in self.EDITABLE

    @property
    def effective_deadline(self):
        """The cycle's deadline, or a later one granted to this entity."""
        if hasattr(self, "latest_extension"):  # from with_effective_deadline()
            latest = self.latest_extension
        else:
            latest = self.extensions.aggregate(d=models.Max("new_deadline"))["d"]
        deadline = self.cycle.deadline
        if latest and (deadline is None or latest > deadline):
            return latest
        return deadline

    @property
    def is_overdue(self):
        deadline = self.effective_deadline
        return (
            self.state in self.NOT_SUBMITTED and deadline is not None and deadline < timezone.now()
        )

    def missing_answers(self):
        answers = self.answers or {}
        return [
            q for q in self.cycle.required_questions if not str(answers.get(q.key) or "").strip()
        ]

    @property
    def round(self):
        """How many times it was submitted: 2 and up is a resubmission."""
        if hasattr(self, "_round"):
            return self._round
        return self.transitions.filter(action="submit").count()

    @round.setter
    def round(self, value):  # from with_round()
        self._round = value

    def last_sent_back(self):
        """The latest transition that asked for changes (request changes or reopen), or None."""
        return (
            self.transitions.filter(to_state=self.State.CHANGES_REQUESTED)
            .order_by("-created_at", "-id")
            .first()
        )

    def secretariat_addresses(self):
        """Who hears of a submission: its reviewer, else every active reviewer."""

        if self.reviewer_id and self.reviewer.is_active and self.reviewer.email:
            return [self.reviewer.email]
        return sorted({u.email for u in secretariat_users(reviewers_only=True) if u.email})

    def previous_submission(self):
        """The entity's accepted or published submission of the latest earlier cycle."""
        return (
            Submission.objects.filter(
                entity=self.entity,
                state__in=[self.State.ACCEPTED, self.State.PUBLISHED],
            )
            .exclude(cycle=self.cycle)
            .exclude(answers={})
            .order_by("-cycle__deadline", "-cycle__reporting_year", "-pk")
            .first()
        )

    def allowed_actions(self, user):
        """The transitions this user may try now (role and state both allow)."""
        return [
            action
            for action, step in self.TRANSITIONS.items()
            if self.state in step.sources and user.has_perm(step.perm, self)
        ]

    def _call_closed(self):
        """The refusal a focal point meets once the call no longer takes contributions."""
        return TransitionNotAllowed(
            _(
                "The call for inputs to %(cycle)s is %(state)s: contributions can no longer "
                "be started, changed or submitted. Write to the secretariat if yours should "
                "still be taken."
            )
            % {"cycle": self.cycle.title, "state": self.cycle.get_state_display().lower()}
        )

    # Transitions ----------------------------------------------------------------

    def _move(self, action, *, by, comment="", check=None, after=None):
        """Run one transition: lock, check who and from where, move, record, e-mail.

        ``check(locked)`` may raise TransitionNotAllowed with more rules;
        ``after(locked, now)`` does the transition's own writes in the same
        transaction.
        """
        step = self.TRANSITIONS[action]
        comment = (comment or "").strip()
        with transaction.atomic():
            locked = (
                Submission.objects.select_for_update()
                .select_related("cycle", "entity")
                .get(pk=self.pk)
            )
            if not by.has_perm(step.perm, locked):
                if action in self.CONTRIBUTOR_ACTIONS and is_entity_contributor(by, locked):
                    raise locked._call_closed()
                raise TransitionNotAllowed(
                    _("You may not %(action)s this submission.") % {"action": step.label.lower()},
                    code="forbidden",
                )
            if locked.state not in step.sources:
                raise TransitionNotAllowed(
                    _("This submission is %(state)s; it cannot be %(past)s now.")
                    % {"state": locked.get_state_display().lower(), "past": step.past}
                )
            if step.needs_comment and not comment:
                raise TransitionNotAllowed(
                    step.why or _("Say in a comment why (the contributor will see it)."),
                    code="invalid",
                    field="comment",
                )
            if check:
                check(locked)
            now = timezone.now()
            old_state = locked.state
            changes = {"state": step.target, "updated_at": now}
            if step.stamp:
                changes[step.stamp] = now
            if step.assigns_reviewer and locked.reviewer_id is None:
                changes["reviewer"] = by
            # A conditional update: on SQLite the row lock above does nothing,
            # so the state we checked must still be the state we change.
            updated = Submission.objects.filter(pk=locked.pk, state=old_state).update(**changes)
            if updated != 1:
                raise TransitionNotAllowed(
                    _("Someone else changed this submission meanwhile; reload and try again.")
                )
            for key, value in changes.items():
                setattr(locked, key, value)
            Transition.objects.create(
                submission=locked,
                actor=by,
                action=action,
                from_state=old_state,
                to_state=step.target,
                comment=comment,
            )
            if comment and step.needs_comment:
                Comment.objects.create(
                    submission=locked, author=by, body=comment, visibility=Comment.Visibility.SHARED
                )
            if after:
                after(locked, now)
            if step.email:
                # In the outbox with the transition; sent after commit, never raising.
                queue_submission_email(step.email, locked, sent_by=by, comment=comment)
            if step.notice:
                queue_submission_email(
                    step.notice,
                    locked,
                    sent_by=by,
                    comment=comment,
                    to=locked.secretariat_addresses(),
                )
        self.refresh_from_db()
        return self

    def start(self, *, by, carry_over=False):
        """invited → draft. Contributors of the entity (or a manager).

        With ``carry_over``, the answers start from the entity's previous
        accepted answers. No e-mail.
        """

        def after(locked, now):
            if carry_over:
                previous = locked.previous_submission()
                if previous:
                    Submission.objects.filter(pk=locked.pk).update(answers=dict(previous.answers))

        return self._move("start", by=by, after=after)

    start.alters_data = True

    def submit(self, *, by, comment=""):
        """draft or changes requested → submitted. Contributors (or a manager).

        Refused when a required answer is empty, and after the deadline unless
        the secretariat extended it for this entity. No e-mail to the entity.
        """

        def check(locked):
            missing = locked.missing_answers()
            if missing:
                raise TransitionNotAllowed(
                    _("Answer these questions before submitting: %(questions)s.")
                    % {"questions": ", ".join(q.label for q in missing)},
                    code="invalid",
                    field="answers",
                )
            if locked.is_overdue:
                raise TransitionNotAllowed(
                    _(
                        "The deadline (%(deadline)s) has passed; ask the secretariat "
                        "for an extension."
                    )
                    % {"deadline": timezone.localtime(locked.effective_deadline).date()}
                )

        return self._move("submit", by=by, comment=comment, check=check)

    submit.alters_data = True

    def resubmit(self, *, by, comment=""):
        """Submit again after changes were requested (same rules as submit)."""
        return self.submit(by=by, comment=comment)

    resubmit.alters_data = True

    def decline(self, *, by, comment):
        """invited or draft → declined: the entity will not contribute. Needs the
        reason, kept as the transition's comment and shared with the secretariat.
        No e-mail."""
        return self._move("decline", by=by, comment=comment)

    decline.alters_data = True

    def recall(self, *, by, comment=""):
        """submitted → draft: the contributor takes the submission back to change it,
        until a reviewer takes it up. Contributors of the entity while the call is
        open (or a manager). No e-mail."""
        return self._move("recall", by=by, comment=comment)

    recall.alters_data = True

    def take_up(self, *, by, comment=""):
        """submitted → under review. Secretariat; assigns the reviewer if none."""
        return self._move("take_up", by=by, comment=comment)

    take_up.alters_data = True

    def request_changes(self, *, by, comment):
        """under review → changes requested. Secretariat; needs a comment.

        The comment is shared with the contributor and e-mailed to the focal points.
        """
        return self._move("request_changes", by=by, comment=comment)

    request_changes.alters_data = True

    def accept(self, *, by, comment=""):
        """under review → accepted. Secretariat; e-mails the focal points."""
        return self._move("accept", by=by, comment=comment)

    accept.alters_data = True

    def publish(self, *, by, comment=""):
        """accepted → published. Managers only.

        Publishes the submission's activities in the same transaction and
        e-mails the focal points.
        """

        def after(locked, now):
            drafts = Activity.objects.filter(submission=locked).exclude(
                status=Activity.Status.PUBLISHED
            )
            ids = list(drafts.values_list("pk", flat=True))
            drafts.update(status=Activity.Status.PUBLISHED, published_at=now, updated_at=now)
            published_in_bulk(ids)

        return self._move("publish", by=by, comment=comment, after=after)

    publish.alters_data = True

    def reopen(self, *, by, comment):
        """declined, accepted or published → changes requested. Managers; needs a comment.

        A published submission's activities are withdrawn from the public
        (back to draft) in the same transaction. E-mails the focal points.
        """

        def after(locked, now):
            activities = Activity.objects.filter(submission=locked)
            ids = list(activities.values_list("pk", flat=True))
            activities.update(status=Activity.Status.DRAFT, published_at=None, updated_at=now)
            published_in_bulk(ids)

        return self._move("reopen", by=by, comment=comment, after=after)

    reopen.alters_data = True

    def extend_deadline(self, *, by, new_deadline, reason=""):
        """Grant this entity a later deadline. Managers only.

        Side effects: a ``DeadlineExtension`` row; the focal points are told the
        new deadline by e-mail (the outbox: "no recipient" where there is none).
        Returns the e-mail's row.
        """

        if not by.has_perm("reviews.extend_deadline", self):
            raise TransitionNotAllowed(_("Only managers can extend deadlines."), code="forbidden")
        if new_deadline <= timezone.now():
            raise TransitionNotAllowed(
                _("The new deadline must be in the future."), code="invalid", field="new_deadline"
            )
        with transaction.atomic():
            DeadlineExtension.objects.create(
                submission=self, new_deadline=new_deadline, reason=reason, granted_by=by
            )
            # Read again: an annotated latest extension would be the one before this.
            fresh = Submission.objects.select_related("cycle", "entity").get(pk=self.pk)
            row = queue_submission_email("deadline_extended", fresh, sent_by=by, comment=reason)
        self.__dict__.pop("latest_extension", None)
        return row

    extend_deadline.alters_data = True

    def transition(self, action, *, by, comment=""):
        """Run a transition by name (the API and the admin buttons)."""
        action = self.ALIASES.get(action, action)
        if action not in self.TRANSITIONS:
            raise TransitionNotAllowed(
                _("Unknown action %(action)s.") % {"action": action}, code="invalid", field="action"
            )
        if action == "start":
            return self.start(by=by)
        return getattr(self, action)(by=by, comment=comment)

    transition.alters_data = True

    @contextmanager
    def editing(self, *, by):
        """Lock the submission for an edit of its activities; refuse if not allowed.

        Yields the locked row. Used around saving an activity of the
        submission, so that a submission submitted meanwhile is not changed.
        """
        with transaction.atomic():
            locked = Submission.objects.select_for_update().select_related("cycle").get(pk=self.pk)
            if not by.has_perm("reviews.edit_submission", locked):
                # The entity's own focal points hear why: the state, or the closed call.
                if is_entity_contributor(by, locked):
                    if not locked.is_editable:
                        raise TransitionNotAllowed(
                            _("This submission is %(state)s and can no longer be edited.")
                            % {"state": locked.get_state_display().lower()}
                        )
                    raise locked._call_closed()
                raise TransitionNotAllowed(_("You may not edit this submission."), code="forbidden")
            yield locked

    def save_answers(self, answers, *, by, seen_updated_at=None):
        """Store the answers; refused when not editable or edited by someone else since."""
        with self.editing(by=by) as locked:
            if seen_updated_at is not None and locked.updated_at != seen_updated_at:
                raise TransitionNotAllowed(
                    _(
                        "Someone else saved this submission after you opened it. "
                        "Your text is still in the form; copy it, reload the page and "
                        "apply your changes again."
                    )
                )
            locked.answers = answers
            locked._history_user = by
            locked.save()
        self.refresh_from_db()
        return self

    save_answers.alters_data = True

    def save_activity(self, activity, *, by, values, references=None, seen_updated_at=None):
        """Create or change one activity of this submission: the write path of the
        contributor form, the API and the admin (see ``Activity.write`` for
        ``values``, ``references`` and the checks).

        Under the submission's lock (``editing``): refused with
        TransitionNotAllowed when the caller may not edit the submission or the
        call is closed for them; the entity and the cycle come from the
        submission. Nothing is changed when anything is refused.
        """
        with self.editing(by=by) as locked:
            if activity.pk and activity.submission_id != locked.pk:
                raise TransitionNotAllowed(
                    _("This activity does not belong to this submission."), code="invalid"
                )
            activity.submission = locked
            activity.entity = locked.entity
            activity.cycle = locked.cycle
            activity.write(
                by=by, values=values, references=references, seen_updated_at=seen_updated_at
            )
        return activity

    save_activity.alters_data = True

    def delete_activity(self, activity, *, by):
        """Remove one activity of this submission, under the same rules as saving it."""
        with self.editing(by=by) as locked:
            if activity.submission_id != locked.pk:
                raise TransitionNotAllowed(
                    _("This activity does not belong to this submission."), code="invalid"
                )
            activity._history_user = by
            activity.delete()

    delete_activity.alters_data = True


# The buttons' and messages' words for each action, from the workflow's table.
ACTION_LABELS = {action: step.label for action, step in Submission.TRANSITIONS.items()}
ACTION_PAST = {action: step.past for action, step in Submission.TRANSITIONS.items()}
# What the person who acted is told, in plain words.
ACTION_DONE = {action: step.done for action, step in Submission.TRANSITIONS.items()}


class DeadlineExtension(models.Model):
    """A later deadline granted to one entity for one cycle."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    new_deadline = models.DateTimeField(_("new deadline"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-new_deadline"]

    def __str__(self):
        return f"{self.submission}: {self.new_deadline:%Y-%m-%d}"


class Comment(models.Model):
    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal to the secretariat")
        SHARED = "shared", _("Shared with the contributor")

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField(_("comment"))
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.INTERNAL,
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_not_empty"),
        ]

    def __str__(self):
        return self.body[:60]


class Transition(models.Model):
    """One step in a submission's history: who moved it from where to where, when, why."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(
        _("from"), max_length=20, choices=Submission.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=20, choices=Submission.State.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("history")
        ordering = ["created_at", "id"]

    def __str__(self):
        step = _("Invited") if self.action == "invite" else ACTION_LABELS.get(self.action, "")
        return f"{step}: {self.get_from_state_display() or '—'} → {self.get_to_state_display()}"
