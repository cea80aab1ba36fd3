"""The one FilterSet behind the listing page, its exports and the API.

Every filter may be repeated (``?region=africa&region=europe``), meaning "any
of these"; different filters combine with "and". Bad values never reach the
database: they become form errors, which the page shows as messages and the
API and exports return as a 400 naming the parameter.
"""

import django_filters
from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from pyroaring import BitMap

from entities.models import Entity
from reviews.models import ReviewCycle

from . import db, facets, words
from .caching import records
from .db import ranks_by_relevance
from .models import SDG, ActionLine, Activity, Region, Theme, Trend

MAX_VALUES = 50  # per parameter; more is not a real query
LONG_FACET = 12  # options; a longer facet scrolls in its own box
NARROW_SEARCH = 20_000  # results a search ranks by their ids (more: the rows of its words)


class MultipleValueField(forms.Field):
    """A repeated query parameter whose every value is cleaned by ``item_field``."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "too_many": _("Give at most %(max)s values."),
    }

    def __init__(self, *, item_field, **kwargs):
        self.item_field = item_field
        super().__init__(**kwargs)

    def clean(self, value):
        values = [v for v in (value or []) if v not in ("", None)]
        if len(values) > MAX_VALUES:
            raise forms.ValidationError(self.error_messages["too_many"], params={"max": MAX_VALUES})
        return sorted({self.item_field.clean(v) for v in values})


class MultipleValueFilter(django_filters.Filter):
    field_class = MultipleValueField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class KeyMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Chooses records by their public key among the cached reference records.

    Validating a filter value therefore costs no query; the messages are
    Django's own.
    """

    def _check_values(self, value):

        key = self.to_field_name or "pk"
        try:
            value = frozenset(value)
        except TypeError:
            raise forms.ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for pk in value:
            self.validate_no_null_characters(pk)
            try:
                self.queryset.filter(**{key: pk})  # checks the type only; no query
            except (ValueError, TypeError):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
        known = {str(getattr(record, key)): record for record in records(self.queryset.model)}
        for item in value:
            if str(item) not in known:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return [known[str(item)] for item in sorted(value, key=str)]


class KeyMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Choose records by their public key; the FilterSet's method filters."""

    field_class = KeyMultipleChoiceField


class RelatedKeyMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Choose reference records by their public key (code, key, number) and keep
    the activities related to any of them, through the join table or the array."""

    field_class = KeyMultipleChoiceField

    def __init__(self, *args, through_field=None, array_field=None, **kwargs):
        # Filtering goes through the join table as a subquery, so that no
        # DISTINCT is needed and an activity is never counted twice; on
        # PostgreSQL through the activity's own array of ids (GIN-indexed).
        self.through_field = through_field
        self.array_field = array_field
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        through = Activity._meta.get_field(self.field_name).remote_field.through
        rows = through.objects.filter(**{f"{self.through_field}__in": value})
        return db.with_any(
            qs,
            self.array_field,
            [v.pk for v in value],
            lambda qs: qs.filter(pk__in=rows.values("activity_id")),
        )


class OrderingField(django_filters.fields.BaseCSVField):
    """The ordering's comma-separated names; an empty one is an error, not a crash."""

    default_error_messages = {
        "empty_item": _("Name an order between each pair of commas (for example year,-title)."),
    }

    def clean(self, value):
        if value and any(item in ("", None) for item in value):
            raise forms.ValidationError(self.error_messages["empty_item"], code="empty_item")
        return super().clean(value)


class OrderingFilter(django_filters.OrderingFilter):
    base_field_class = OrderingField


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        max_length=200,
        help_text=_("Words in the title, summary or description."),
    )
    action_line = KeyMultipleChoiceFilter(
        label=_("Action line"),
        queryset=ActionLine.objects.all(),
        to_field_name="code",
        method="filter_action_line",
        help_text=_("A code such as C5 or C7.e-health; C7 includes its sub-areas."),
    )
    entity = KeyMultipleChoiceFilter(
        label=_("Entity"),
        queryset=Entity.objects.all(),
        to_field_name="acronym",
        method="filter_entity",
        help_text=_("An acronym; matches the lead entity and partners."),
    )
    entity_kind = django_filters.MultipleChoiceFilter(
        label=_("Kind of entity"),
        field_name="entity__kind",
        choices=Entity.Kind.choices,
        distinct=False,
    )
    region = RelatedKeyMultipleChoiceFilter(
        label=_("Region"),
        field_name="regions",
        array_field="region_ids",
        through_field="region",
        queryset=Region.objects.all(),
        to_field_name="key",
    )
    sdg = RelatedKeyMultipleChoiceFilter(
        label=_("SDG"),
        field_name="sdgs",
        array_field="sdg_ids",
        through_field="sdg",
        queryset=SDG.objects.all(),
        to_field_name="number",
    )
    theme = RelatedKeyMultipleChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        array_field="theme_ids",
        through_field="theme",
        queryset=Theme.objects.all(),
        to_field_name="key",
    )
    trend = RelatedKeyMultipleChoiceFilter(
        label=_("Trend"),
        field_name="trends",
        array_field="trend_ids",
        through_field="trend",
        queryset=Trend.objects.all(),
        to_field_name="key",
    )
    year = MultipleValueFilter(
        label=_("Year"),
        field_name="year",
        item_field=forms.IntegerField(min_value=1990, max_value=2100),
    )
    cycle = django_filters.ModelMultipleChoiceFilter(
        label=_("Review cycle"),
        queryset=ReviewCycle.objects.announced(),
        to_field_name="slug",
        field_name="cycle__slug",
        distinct=False,
    )
    language = django_filters.MultipleChoiceFilter(
        label=_("Language of the text"),
        field_name="language",
        choices=settings.LANGUAGES,
        distinct=False,
        help_text=_("The language an activity is written in: ar, zh-hans, en, fr, ru or es."),
    )
    ordering = OrderingFilter(
        label=_("Order"),
        fields=(
            ("year", "year"),
            ("title", "title"),
            ("entity__acronym", "entity"),
            ("published_at", "published"),
        ),
        field_labels={
            "year": _("Year (oldest first)"),
            "-year": _("Year (newest first)"),
            "title": _("Title (A–Z)"),
            "-title": _("Title (Z–A)"),
            "entity": _("Entity (A–Z)"),
            "-entity": _("Entity (Z–A)"),
            "published": _("Published (oldest first)"),
            "-published": _("Published (newest first)"),
        },
    )

    # The facets a page shows with counts, in the order of the sidebar.
    FACETS = (
        "action_line",
        "region",
        "entity_kind",
        "entity",
        "sdg",
        "theme",
        "trend",
        "year",
        "language",
    )

    class Meta:
        model = Activity
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        # Counts are cached only for the public's results (published work), which
        # are the same for every visitor; the API's backend says when a queryset
        # it passes is the public's.
        self.public = queryset is None
        self._facet_counts = None
        self._index = None
        self._results = None
        self._selections = None
        self._match = None  # what the word index found for ``q``, if it could tell
        if queryset is None:
            queryset = Activity.objects.published()
        if data is not None and not isinstance(data, QueryDict):
            # A plain dict ({"region": ["africa", "europe"]}) reads like a query string.
            query = QueryDict(mutable=True)
            for key, value in data.items():
                query.setlist(key, [str(v) for v in value] if isinstance(value, list) else [value])
            data = query
        super().__init__(data, queryset=queryset, **kwargs)

    # Filters with logic -------------------------------------------------------

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_action_line(self, queryset, name, value):
        if not value:
            return queryset
        # The array holds each sub-area's parent too, so C7 finds C7.e-health.
        return db.with_any(
            queryset,
            "action_line_ids",
            [line.pk for line in value],
            lambda qs: qs.for_action_line(*[line.code for line in value]),
        )

    def filter_entity(self, queryset, name, value):
        if not value:
            return queryset
        return db.with_any(
            queryset,
            "entity_ids",
            [entity.pk for entity in value],
            lambda qs: qs.for_entity(*[entity.acronym for entity in value]),
        )

    # Results -----------------------------------------------------------------

    def filter_queryset(self, queryset):
        queryset = self.queryset_without()
        ordering = self.form.cleaned_data.get("ordering")
        if ordering:
            order = self.filters["ordering"]
            # The id breaks ties, so that pages never overlap or skip rows.
            return queryset.order_by(*[order.get_ordering_value(o) for o in ordering], "id")
        if self.form.cleaned_data.get("q") and ranks_by_relevance():
            return queryset.order_by("search_tier", *Activity._meta.ordering)
        return queryset

    def queryset_without(self, *names):
        """The filtered queryset, leaving out the filters named (for facet counts)."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name == "ordering" or name in names:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def selected(self, name):
        """The cleaned values of one filter, as the strings used in URLs."""
        value = self.form.cleaned_data.get(name) if self.is_bound and self.is_valid() else None
        if not value:
            return []
        keys = {
            "action_line": lambda v: v.code,
            "entity": lambda v: v.acronym,
            "region": lambda v: v.key,
            "theme": lambda v: v.key,
            "trend": lambda v: v.key,
            "sdg": lambda v: str(v.number),
            "cycle": lambda v: v.slug,
        }
        return [keys.get(name, str)(v) for v in value]

    def errors_by_parameter(self):
        """Form errors keyed by query parameter, as plain text."""
        return {name: [str(e) for e in errors] for name, errors in self.errors.items()}

    def facet_counts(self):
        """For each facet value, how many results choosing it would give.

        Each facet is counted over the results of all the *other* filters, so
        the numbers say what a click would give; ``counts["total"]`` is the
        number of results. All come from the facet index of the published
        activities (activities/facets.py): a few intersections of bitmaps,
        computed afresh for every page.
        """
        if self._facet_counts is None:  # the page and its sidebar ask once between them
            index, selections = self.selections()
            results = self.results()
            counts = {"total": len(results)}
            for facet in self.FACETS:
                if facet in selections:
                    within = index.intersection(
                        [b for name, b in selections.items() if name != facet]
                    )
                else:
                    within = results
                counts[facet] = index.counts(facet, within)
            self._facet_counts = counts
        return self._facet_counts

    def results(self):
        """The bitmap of the published activities these filters let through."""
        if self._results is None:
            index, selections = self.selections()
            self._results = index.intersection(list(selections.values()))
        return self._results

    def narrowed(self, queryset):
        """``queryset`` (these results, in their order) for the page's query: a
        search among at most NARROW_SEARCH results (known from the facet index)
        reads just those rows to rank them, rather than every row matching the
        words."""
        if self.public and self.form.cleaned_data.get("q"):
            results = self.results()
            if self._match is not None:  # the page's ids come from the word index
                return queryset
            if len(results) <= NARROW_SEARCH:
                return db.among(queryset, results)
        return queryset

    def page_ids(self, start, stop):
        """The ids of the results from ``start`` to ``stop``, in their order,
        from the facet index: for the public's results in the default order (no
        ``ordering``; for a search, when the word index found its matches, the
        matches in their titles first); None otherwise (the database orders them)."""
        data = self.form.cleaned_data
        if not self.public or data.get("ordering"):
            return None
        index = self.selections()[0]
        if not data.get("q"):
            return index.window(self.results(), start, stop, db.nulls_last())
        if self._match is None:
            return None
        return index.windows(self._match.tiers(self.results()), start, stop, db.nulls_last())

    def count(self):
        """The number of results: from the facet index for the public's results,
        from the database for anyone else's (who may see unpublished work)."""
        if not self.public:
            return self.queryset_without().count()
        return len(self.results())

    def selections(self, without=()):
        """The facet index, and for each filter in use (but those named in
        ``without``) the bitmap of the published activities it lets through.

        Only the public's results (published work) are counted this way: the
        index holds nothing else.
        """

        if not self.public:
            raise ValueError("Only the public's results are counted from the facet index.")
        if not self.is_valid():
            raise ValueError(f"The filters are not valid: {self.errors_by_parameter()}")
        if self._index is None:  # one version check for the page, its sidebar and charts
            self._index = facets.current()
        index = self._index
        if not without and self._selections is not None:  # a search is read once
            return index, dict(self._selections)
        selections = {}
        for name, value in self.form.cleaned_data.items():
            if not value or name == "ordering" or name in without:
                continue
            if name == "q":
                self._match = words.matches(value, index)
                if self._match is not None:
                    selections[name] = self._match.ids
                else:
                    selections[name] = BitMap(db.ids_of(self.queryset.search(value)))
            else:
                selections[name] = index.select(name, self._index_keys(name, value))
        if not without:
            self._selections = dict(selections)
        return index, selections

    @staticmethod
    def _index_keys(name, value):
        """A filter's cleaned values as the facet index's keys (ids for records)."""
        if name in ("entity_kind", "language", "year"):
            return value
        return [record.pk for record in value]

    def facets(self):
        """The sidebar: for each facet, its values with labels, counts and state.

        Labels come from the cached reference records, so the sidebar costs
        no query beyond the counts.
        """

        counts = self.facet_counts()
        facets = []

        def add(name, options):
            selected = set(self.selected(name))
            # A long list scrolls in its own box, where a chosen value could sit out of
            # sight: it comes first. The action lines never scroll, so that C7's
            # sub-areas stay under C7 and in reach.
            long = len(options) > LONG_FACET and name != "action_line"
            if long:
                options = sorted(options, key=lambda option: option[0] not in selected)
            facets.append(
                {
                    "name": name,
                    "label": self.filters[name].label,
                    "long": long,
                    "options": [
                        {
                            "value": value,
                            "label": label,
                            "count": count,
                            "selected": value in selected,
                            "indent": indent,
                        }
                        for value, label, count, indent in options
                    ],
                    "selected": sorted(selected),
                }
            )

        lines = records(ActionLine)
        add(
            "action_line",
            [
                (
                    line.code,
                    f"{line.code} {line.title}" if not line.parent_id else line.title,
                    counts["action_line"].get(line.pk, 0),
                    bool(line.parent_id),
                )
                for line in lines
            ],
        )
        add(
            "region",
            [(r.key, r.title, counts["region"].get(r.pk, 0), False) for r in records(Region)],
        )
        add(
            "entity_kind",
            [
                (value, label, counts["entity_kind"].get(value, 0), False)
                for value, label in Entity.Kind.choices
                if counts["entity_kind"].get(value) or value in self.selected("entity_kind")
            ],
        )
        selected_entities = set(self.selected("entity"))
        entities = [
            e
            for e in records(Entity)
            if counts["entity"].get(e.pk) or e.acronym in selected_entities
        ]
        add(
            "entity",
            sorted(
                ((e.acronym, e.acronym, counts["entity"].get(e.pk, 0), False) for e in entities),
                key=lambda o: (-o[2], o[0].lower()),
            ),
        )
        add(
            "sdg",
            [
                (str(s.number), f"{s.number}. {s.title}", counts["sdg"].get(s.pk, 0), False)
                for s in records(SDG)
            ],
        )
        add(
            "theme",
            [(t.key, t.title, counts["theme"].get(t.pk, 0), False) for t in records(Theme)],
        )
        add(
            "trend",
            [
                (t.key, t.title, counts["trend"].get(t.pk, 0), False)
                for t in records(Trend)
                if counts["trend"].get(t.pk) or t.key in self.selected("trend")
            ],
        )
        years = set(counts["year"]) | {int(y) for y in self.selected("year")}
        add(
            "year",
            [
                (str(y), str(y), counts["year"].get(y, 0), False)
                for y in sorted(years, reverse=True)
            ],
        )
        add(
            "language",
            [
                (code, name, counts["language"].get(code, 0), False)
                for code, name in settings.LANGUAGES
                if counts["language"].get(code) or code in self.selected("language")
            ],
        )
        return facets
