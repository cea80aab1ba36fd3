"""The one FilterSet behind the listing page, its exports and the API.

Every filter may be repeated (``?region=africa&region=europe``), meaning "any
of these"; different filters combine with "and". Bad values never reach the
database: they become form errors, which the page shows as messages and the
API and exports return as a 400 naming the parameter.
"""

import django_filters
from django import forms
from django.conf import settings
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from entities.models import Entity
from reviews.models import ReviewCycle

from .models import SDG, ActionLine, Activity, Region, Theme, Trend

MAX_VALUES = 50  # per parameter; more is not a real query


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
        from .caching import records

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


class KeyModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = KeyMultipleChoiceField


class CodeMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Choose reference records by their public key (code, key, number, acronym)."""

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
        if connection.vendor == "postgresql":
            return qs.filter(**{f"{self.array_field}__overlap": [v.pk for v in value]})
        through = Activity._meta.get_field(self.field_name).remote_field.through
        rows = through.objects.filter(**{f"{self.through_field}__in": value})
        return qs.filter(pk__in=rows.values("activity_id"))


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
    action_line = KeyModelMultipleChoiceFilter(
        label=_("Action line"),
        queryset=ActionLine.objects.all(),
        to_field_name="code",
        method="filter_action_line",
        help_text=_("A code such as C5 or C7.e-health; C7 includes its sub-areas."),
    )
    entity = KeyModelMultipleChoiceFilter(
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
    region = CodeMultipleChoiceFilter(
        label=_("Region"),
        field_name="regions",
        array_field="region_ids",
        through_field="region",
        queryset=Region.objects.all(),
        to_field_name="key",
    )
    sdg = CodeMultipleChoiceFilter(
        label=_("SDG"),
        field_name="sdgs",
        array_field="sdg_ids",
        through_field="sdg",
        queryset=SDG.objects.all(),
        to_field_name="number",
    )
    theme = CodeMultipleChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        array_field="theme_ids",
        through_field="theme",
        queryset=Theme.objects.all(),
        to_field_name="key",
    )
    trend = CodeMultipleChoiceFilter(
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
        if connection.vendor == "postgresql":
            # The array holds each sub-area's parent too, so C7 finds C7.e-health.
            return queryset.filter(action_line_ids__overlap=[line.pk for line in value])
        return queryset.for_action_line(*[line.code for line in value])

    def filter_entity(self, queryset, name, value):
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            return queryset.filter(entity_ids__overlap=[entity.pk for entity in value])
        return queryset.for_entity(*[entity.acronym for entity in value])

    # Results -----------------------------------------------------------------

    def filter_queryset(self, queryset):
        queryset = self.queryset_without()
        ordering = self.form.cleaned_data.get("ordering")
        if ordering:
            order = self.filters["ordering"]
            # The id breaks ties, so that pages never overlap or skip rows.
            return queryset.order_by(*[order.get_ordering_value(o) for o in ordering], "id")
        if self.form.cleaned_data.get("q") and connection.vendor == "postgresql":
            return queryset.order_by("-search_rank", *Activity._meta.ordering)
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
        number of results. Each facet is cached on its own, under the filters
        it depends on (not its own), so pages share them: the region counts
        of ``?region=africa`` are those of the unfiltered page. They are kept
        until the next change to an activity (see activities/caching.py); the
        ones missing are computed together, in one query on PostgreSQL.
        """
        if self._facet_counts is None:  # the page and its sidebar ask once between them
            keys = {"total": "total:" + self.cache_key()}
            for facet in self.FACETS:
                keys[facet] = f"facet:{facet}:" + self.cache_key(without=facet)
            self._facet_counts = self._counts(keys)
        return self._facet_counts

    def count(self):
        """The number of results, cached like the facets."""
        return self._counts({"total": "total:" + self.cache_key()})["total"]

    def _counts(self, keys):
        from .caching import cached_many

        compute = (
            self._facet_counts_arrays
            if connection.vendor == "postgresql"
            else self._facet_counts_joined
        )
        if not self.public:
            return compute(list(keys))
        return cached_many(keys, compute)

    def cache_key(self, without=None):
        """The filters as a stable string (ordering and page do not change counts);
        ``without`` leaves one filter out."""
        parts = []
        for name in sorted(self.form.cleaned_data):
            if name in ("ordering", without):
                continue
            values = self.selected(name) if name != "q" else [self.form.cleaned_data["q"] or ""]
            if any(values):
                parts.append(f"{name}={'|'.join(sorted(map(str, values)))}")
        return "&".join(parts)

    # The columns a facet counts, in the common table expressions below.
    _BASE_COLUMNS = [
        ("id", "id"),
        ("year", "year"),
        ("language", "language"),
        ("entity__kind", "kind"),
        ("action_line_ids", "al"),
        ("region_ids", "rg"),
        ("sdg_ids", "sd"),
        ("theme_ids", "th"),
        ("trend_ids", "tr"),
        ("entity_ids", "en"),
    ]
    _FACET_EXPRESSIONS = {
        "action_line": ("unnest(al)", int),
        "region": ("unnest(rg)", int),
        "sdg": ("unnest(sd)", int),
        "theme": ("unnest(th)", int),
        "trend": ("unnest(tr)", int),
        "entity": ("unnest(en)", int),
        "entity_kind": ("kind", str),
        "year": ("year", int),
        "language": ("language", str),
    }

    def _facet_counts_arrays(self, names):
        """The facets named (and "total") in ONE query (PostgreSQL, arrays of ids).

        One common table expression holds the filtered results; each facet
        whose own filter is in use gets another without that filter.
        """
        wanted = [name for name in self._FACET_EXPRESSIONS if name in names]
        active = {name for name in wanted if self.form.cleaned_data.get(name)}
        bases = {}
        if "total" in names or set(wanted) - active:
            bases[None] = self.queryset_without()
        for name in active:
            bases[name] = self.queryset_without(name)
        ctes, params, tables = [], [], {}
        columns = ", ".join(alias for _, alias in self._BASE_COLUMNS)
        for i, (name, queryset) in enumerate(bases.items()):
            sql, base_params = (
                queryset.order_by()
                .values_list(*[field for field, _ in self._BASE_COLUMNS])
                .query.sql_with_params()
            )
            tables[name] = f"b{i}"
            ctes.append(f"b{i} ({columns}) AS MATERIALIZED ({sql})")
            params.extend(base_params)
        selects = (
            [f"SELECT 'total', NULL, count(*) FROM {tables[None]}"] if "total" in names else []
        )
        for facet in wanted:
            expression = self._FACET_EXPRESSIONS[facet][0]
            table = tables[facet if facet in active else None]
            selects.append(
                f"SELECT '{facet}', v::text, count(*) FROM "
                f"(SELECT {expression} AS v FROM {table}) s GROUP BY v"
            )
        sql = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(selects)
        counts = {facet: {} for facet in wanted}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for facet, value, n in cursor.fetchall():
                if facet == "total":
                    counts["total"] = n
                elif value is not None:
                    counts[facet][self._FACET_EXPRESSIONS[facet][1](value)] = n
        return counts

    def _facet_counts_joined(self, names):
        """The facets named (and "total") through the join tables, one aggregate
        query each (SQLite)."""
        counts = {}
        if "total" in names:
            counts["total"] = self.queryset_without().count()
        rel = {
            "region": ("regions", "region_id"),
            "sdg": ("sdgs", "sdg_id"),
            "theme": ("themes", "theme_id"),
            "trend": ("trends", "trend_id"),
        }
        for name, (field, column) in rel.items():
            if name not in names:
                continue
            through = Activity._meta.get_field(field).remote_field.through
            rows = (
                through.objects.filter(activity__in=self.queryset_without(name).values("pk"))
                .values(column)
                .annotate(n=Count("activity_id"))
            )
            counts[name] = {row[column]: row["n"] for row in rows}
        if "action_line" in names:
            counts["action_line"] = self._action_line_counts_joined()
        if "entity" in names:
            counts["entity"] = self._entity_counts_joined()
        for name, column in (
            ("entity_kind", "entity__kind"),
            ("year", "year"),
            ("language", "language"),
        ):
            if name not in names:
                continue
            counts[name] = dict(
                self.queryset_without(name)
                .order_by()
                .values(column)
                .annotate(n=Count("id"))
                .values_list(column, "n")
            )
        return counts

    def _action_line_counts_joined(self):
        """A parent counts the activities under it or any sub-area."""
        through = Activity.action_lines.through
        base = through.objects.filter(
            activity__in=self.queryset_without("action_line").values("pk")
        )
        per_line = {
            row["actionline_id"]: row["n"]
            for row in base.values("actionline_id").annotate(n=Count("activity_id"))
        }
        per_root = {
            row["root"]: row["n"]
            for row in base.annotate(root=Coalesce(F("actionline__parent_id"), F("actionline_id")))
            .values("root")
            .annotate(n=Count("activity_id", distinct=True))
        }
        return {**per_line, **per_root}

    def _entity_counts_joined(self):
        """The lead entity and the partners each count an activity once."""
        entity_base = self.queryset_without("entity")
        counts = dict(
            entity_base.order_by()
            .values("entity_id")
            .annotate(n=Count("id"))
            .values_list("entity_id", "n")
        )
        partners = Activity.partners.through.objects.filter(
            activity__in=entity_base.values("pk")
        ).exclude(entity_id=F("activity__entity_id"))
        for entity_id, n in (
            partners.values("entity_id")
            .annotate(n=Count("activity_id"))
            .values_list("entity_id", "n")
        ):
            counts[entity_id] = counts.get(entity_id, 0) + n
        return counts

    def facets(self):
        """The sidebar: for each facet, its values with labels, counts and state.

        Labels come from the cached reference records, so the sidebar costs
        no query beyond the counts.
        """
        from .caching import records

        counts = self.facet_counts()
        facets = []

        def add(name, options):
            selected = set(self.selected(name))
            facets.append(
                {
                    "name": name,
                    "label": self.filters[name].label,
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
