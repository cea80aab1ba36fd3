"""Who may do what at every address of the site, the API and the admin.

The addresses come from the URL configuration itself (walked recursively, the
admin's and the API router's included), so a new one cannot be forgotten:
``test_every_url_pattern_is_in_the_table`` fails naming it. Each row says, for
the five personas — anonymous, the contributor of the owning entity (A),
the contributor of another entity (B), a reviewer and a manager — what a GET
answers and, for addresses that change something, what the write answers and
whether it changed the database (``+``).

Outcomes: a status code such as ``"200"``; ``"login"`` for a redirect to a
log-in page; a trailing ``+`` when a write changed the database. Every request
runs in a savepoint that is rolled back, so each starts from the same world.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token, TokenProxy

from activities.models import SDG, ActionLine, Activity, Region, Theme, Trend
from entities.models import Membership
from reviews.models import SentEmail

from .conftest import close_streamed
from .factories import (
    ActivityFactory,
    EntityFactory,
    ReviewCycleFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contributor", "other_contributor", "reviewer", "manager"]
ANSWERS = {"trends": "T", "achievements": "A", "obstacles": "O"}
LOGIN_PAGES = {"/accounts/login/", "/admin/login/"}


def url_patterns(patterns=None, prefix="", namespace=""):
    """Every URL pattern as ``(key, route)``: the key is the namespaced name, or
    the route itself for a pattern without a name."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, route


# --- The world every request starts from ---------------------------------------------


@dataclass
class World:
    users: dict
    a: object  # entity A's submission: a draft, with answers
    b: object  # entity B's submission: submitted
    spare: object  # entity C's submission: invited, nobody's concern
    cycle: object
    spare_cycle: object
    draft: object  # an unpublished activity of A's submission
    published: object  # a published activity of entity A
    email: object
    admin_objects: dict = field(default_factory=dict)


@pytest.fixture
def world(
    entity_a, entity_b, anonymous, contributor, other_contributor, reviewer, manager, open_cycle
):
    open_cycle.state = "open"
    open_cycle.save()
    a = SubmissionFactory(cycle=open_cycle, entity=entity_a, state="draft", answers=ANSWERS)
    b = SubmissionFactory(cycle=open_cycle, entity=entity_b, state="submitted", answers=ANSWERS)
    spare = SubmissionFactory(cycle=open_cycle, entity=EntityFactory(acronym="ENTC"))
    draft = ActivityFactory(
        title="A's draft",
        entity=entity_a,
        submission=a,
        cycle=open_cycle,
        status=Activity.Status.DRAFT,
        action_lines=["C2"],
    )
    published = ActivityFactory(title="A's published work", entity=entity_a, action_lines=["C2"])
    email = SentEmail.objects.create(
        submission=a, kind="reminder", recipients="alice@example.org", subject="S", body="B"
    )
    spare_user = UserFactory(username="spare")
    token = Token.objects.create(user=spare_user)
    access = {
        "user_agent": "test",
        "ip_address": "10.0.0.1",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    spare_entity = EntityFactory(acronym="ENTD")
    world = World(
        users={
            "anonymous": anonymous,
            "contributor": contributor,
            "other_contributor": other_contributor,
            "reviewer": reviewer,
            "manager": manager,
        },
        a=a,
        b=b,
        spare=spare,
        cycle=open_cycle,
        spare_cycle=ReviewCycleFactory(slug="spare-cycle"),
        draft=draft,
        published=published,
        email=email,
    )
    # The object each admin model's addresses are tried with: one nothing
    # protects from deletion.
    world.admin_objects = {
        "auth.group": Group.objects.create(name="Spare group"),
        "auth.user": spare_user,
        "authtoken.tokenproxy": TokenProxy.objects.get(key=token.key),
        "axes.accessattempt": AccessAttempt.objects.create(
            **access, get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**access),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**access),
        "entities.entity": spare_entity,
        "entities.membership": Membership.objects.create(user=spare_user, entity=spare_entity),
        "activities.activity": draft,
        "activities.theme": Theme.objects.order_by("pk").first(),
        "activities.trend": Trend.objects.order_by("pk").first(),
        "activities.region": Region.objects.order_by("pk").first(),
        "activities.actionline": ActionLine.objects.get(code="C1"),
        "activities.sdg": SDG.objects.get(number=1),
        "reviews.reviewcycle": world.spare_cycle,
        "reviews.submission": spare,
        "reviews.sentemail": email,
        **mandate_objects(world),
    }
    return world


def mandate_objects(world):
    """A resolution with a paragraph that asks everyone, asked about by the open
    cycle, with A's update on it (a draft: only A and the secretariat see it), and
    a spare resolution nothing protects from deletion."""
    from mandates.models import Addressee, Mandate, MandateUpdate, Resolution

    resolution = Resolution.objects.create(symbol="A/RES/80/173", title_en="Outcome")
    mandate = Mandate.objects.create(resolution=resolution, paragraph=23, summary_en="Access.")
    Addressee.objects.create(mandate=mandate, label="all stakeholders", scope="all")
    mandate.cycles.add(world.cycle)
    world.mandate = mandate
    world.update = MandateUpdate.write(
        world.a, mandate, by=world.users["contributor"], status="under_way", text="Begun."
    )
    spare = Resolution.objects.create(symbol="A/RES/1/1", title_en="Spare")
    return {
        "mandates.resolution": spare,
        "mandates.mandate": Mandate.objects.create(
            resolution=spare, paragraph=1, summary_en="Spare."
        ),
        "mandates.mandateupdate": world.update,
    }


# --- The tables ---------------------------------------------------------------------------


@dataclass
class Row:
    url: Callable
    GET: tuple = None
    POST: tuple = None
    PATCH: tuple = None
    DELETE: tuple = None
    data: Callable = lambda w: {}
    json: bool = False


def every(outcome):
    return (outcome,) * 5


def contribute(name, *args):
    def url(w):
        submission = getattr(w, args[0]) if args else None
        extra = [a(w) if callable(a) else a for a in args[1:]]
        return reverse(
            f"reviews:{name}", args=[submission.cycle.slug, submission.entity.acronym, *extra]
        )

    return url


def activity_form(w):
    return {
        "title": "Rural broadband pilots",
        "summary": "Pilots connected 40 villages.",
        "language": "en",
        "action_lines": [str(ActionLine.objects.get(code="C2").pk)],
        "year": "2024",
        "references-TOTAL_FORMS": "0",
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }


NEW_PASSWORD = "Another-long-passphrase-2025"
PASSWORD_CHANGE = {
    "old_password": "a-long-test-password",
    "new_password1": NEW_PASSWORD,
    "new_password2": NEW_PASSWORD,
}

#                anonymous  contributor  other     reviewer   manager
SITE = {
    "home": [Row(lambda w: "/", GET=every("200"))],
    "health": [Row(lambda w: "/health/", GET=every("200"))],
    "reports:report-list": [Row(lambda w: "/reports/", GET=every("200"))],
    "reports:report-detail": [
        Row(lambda w: f"/reports/{w.spare_cycle.slug}/", GET=every("200")),
        # A cycle still open: its draft is for the secretariat only.
        Row(lambda w: f"/reports/{w.cycle.slug}/", GET=("404", "404", "404", "200", "200")),
    ],
    "reports:report-docx": [
        Row(lambda w: f"/reports/{w.spare_cycle.slug}/report.docx", GET=every("200")),
        Row(
            lambda w: f"/reports/{w.cycle.slug}/report.docx",
            GET=("404", "404", "404", "200", "200"),
        ),
    ],
    "reports:report-contributions": [
        Row(lambda w: f"/reports/{w.spare_cycle.slug}/contributions/", GET=every("200")),
    ],
    "stats:stats": [Row(lambda w: "/stats/", GET=every("200"))],
    "stats:stats-csv": [Row(lambda w: "/stats/region.csv", GET=every("200"))],
    "stats:trend": [Row(lambda w: "/stats/trend/?action_line=C1", GET=every("200"))],
    "stats:trend-csv": [
        Row(lambda w: "/stats/trend/per-year.csv?action_line=C1", GET=every("200"))
    ],
    "activities:activity-list": [Row(lambda w: "/activities/", GET=every("200"))],
    "activities:activity-export-csv": [Row(lambda w: "/activities/export.csv", GET=every("200"))],
    "activities:activity-export-json": [Row(lambda w: "/activities/export.json", GET=every("200"))],
    "activities:activity-detail": [
        Row(lambda w: f"/activities/{w.published.pk}/", GET=every("200")),
        # The public page shows published work only, to everyone.
        Row(lambda w: f"/activities/{w.draft.pk}/", GET=every("404")),
    ],
    "entities:entity-list": [Row(lambda w: "/entities/", GET=every("200"))],
    "entities:entity-detail": [Row(lambda w: "/entities/ENTA/", GET=every("200"))],
    "reviews:home": [Row(lambda w: "/contribute/", GET=("login", "200", "200", "200", "200"))],
    "reviews:submission": [
        Row(
            contribute("submission", "a"),
            GET=("login", "200", "404", "200", "200"),
            POST=("login", "302+", "404", "409", "302+"),
            data=lambda w: {"trends": "New", "achievements": "A", "obstacles": "O"},
        ),
        Row(
            contribute("submission", "b"),
            GET=("login", "404", "200", "200", "200"),
            # Submitted: read-only for its contributors; managers may still correct it.
            POST=("login", "404", "409", "409", "302+"),
            data=lambda w: {"trends": "New", "achievements": "A", "obstacles": "O"},
        ),
    ],
    "reviews:activity-create": [
        Row(
            contribute("activity-create", "a"),
            GET=("login", "200", "404", "302", "200"),
            POST=("login", "302+", "404", "302", "302+"),
            data=activity_form,
        )
    ],
    "reviews:activity-edit": [
        Row(
            contribute("activity-edit", "a", lambda w: w.draft.pk),
            GET=("login", "200", "404", "302", "200"),
            POST=("login", "302+", "404", "302", "302+"),
            data=activity_form,
        )
    ],
    "reviews:activity-delete": [
        Row(
            contribute("activity-delete", "a", lambda w: w.draft.pk),
            GET=("login", "200", "404", "200", "200"),
            POST=("login", "302+", "404", "302", "302+"),
        )
    ],
    "reviews:submission-comment": [
        Row(
            contribute("submission-comment", "a"),
            GET=("login", "405", "405", "405", "405"),  # the method is checked first
            POST=("login", "302+", "404", "302+", "302+"),
            data=lambda w: {"body": "A question", "visibility": "internal"},
        )
    ],
    "reviews:submission-transition": [
        Row(
            # GET: the page that asks first (a reviewer is sent back with a message).
            contribute("submission-transition", "a", "submit"),
            GET=("login", "200", "404", "302", "200"),
            POST=("login", "302+", "404", "302", "302+"),
        ),
        Row(
            contribute("submission-transition", "a", "start"),
            GET=("login", "405", "404", "405", "405"),  # nothing to ask first
        ),
        # Only the contributors' steps have an address here; the rest is the admin's.
        Row(
            contribute("submission-transition", "b", "take_up"),
            POST=("login", "404", "404", "404", "404"),
        ),
    ],
    "mandates:mandate-list": [Row(lambda w: "/mandates/", GET=every("200"))],
    "mandates:mandate-stats": [Row(lambda w: "/mandates/stats/", GET=every("200"))],
    "mandate-updates:update": [
        Row(
            lambda w: reverse(
                "mandate-updates:update", args=[w.cycle.slug, w.a.entity.acronym, w.mandate.pk]
            ),
            GET=("login", "405", "405", "405", "405"),
            POST=("login", "302+", "404", "409", "302+"),
            data=lambda w: {
                f"mandate-{w.mandate.pk}-status": "done",
                f"mandate-{w.mandate.pk}-text": "Finished.",
            },
        )
    ],
    "accounts:login": [Row(lambda w: "/accounts/login/", GET=("200", "302", "302", "302", "302"))],
    "accounts:logout": [
        # The access log records the log-out.
        Row(
            lambda w: "/accounts/logout/",
            GET=every("405"),
            POST=("302", "302+", "302+", "302+", "302+"),
        )
    ],
    "accounts:password_change": [
        Row(
            lambda w: "/accounts/password/change/",
            GET=("login", "200", "200", "200", "200"),
            POST=("login", "302+", "302+", "302+", "302+"),
            data=lambda w: PASSWORD_CHANGE,
        )
    ],
    "accounts:password_change_done": [
        Row(
            lambda w: "/accounts/password/change/done/",
            GET=("login", "200", "200", "200", "200"),
        )
    ],
    "accounts:password_reset": [
        Row(
            lambda w: "/accounts/password/reset/",
            GET=every("200"),
            POST=every("302"),
            data=lambda w: {"email": "alice@example.org"},
        )
    ],
    "accounts:password_reset_done": [
        Row(lambda w: "/accounts/password/reset/sent/", GET=every("200"))
    ],
    "accounts:password_reset_confirm": [
        Row(lambda w: "/accounts/password/reset/MQ/bad-token/", GET=every("200"))
    ],
    "accounts:password_reset_complete": [
        Row(lambda w: "/accounts/password/reset/done/", GET=every("200"))
    ],
    "account-profile": [
        Row(lambda w: "/accounts/profile/", GET=("login", "200", "200", "200", "200"))
    ],
    "account-token-regenerate": [
        Row(
            lambda w: "/accounts/profile/token/",
            GET=("login", "405", "405", "405", "405"),
            POST=("login", "302+", "302+", "302+", "302+"),
        )
    ],
    "set_language": [
        Row(
            lambda w: "/i18n/setlang/",
            POST=every("302"),
            data=lambda w: {"language": "fr", "next": "/activities/"},
        )
    ],
}


def api(path):
    return lambda w: "/api/" + path(w)


def new_activity(w):
    return {
        "submission": w.a.pk,
        "title": "Rural broadband pilots",
        "summary": "Pilots connected 40 villages.",
        "year": 2024,
        "action_lines": ["C2"],
    }


READ = {"GET": every("200")}

API = {
    "api:api-root": [Row(lambda w: "/api/", **READ)],
    "api:schema": [Row(lambda w: "/api/schema/", **READ)],
    "api:docs": [Row(lambda w: "/api/docs/", **READ)],
    "api/^.*/$": [Row(lambda w: "/api/no/such/thing/", GET=every("404"))],
    "api:activity-list": [
        Row(
            lambda w: "/api/activities/",
            GET=every("200"),
            # Another entity's submission is not even visible: a field error.
            POST=("401", "201+", "400", "403", "201+"),
            data=new_activity,
            json=True,
        )
    ],
    "api:activity-detail": [
        Row(
            api(lambda w: f"activities/{w.draft.pk}/"),
            GET=("404", "200", "404", "200", "200"),
            PATCH=("401", "200+", "404", "403", "200+"),
            DELETE=("401", "204+", "404", "403", "204+"),
            data=lambda w: {"title": "Renamed"},
            json=True,
        ),
        # Published work without a submission: only managers change it.
        Row(
            api(lambda w: f"activities/{w.published.pk}/"),
            GET=every("200"),
            PATCH=("401", "403", "403", "403", "200+"),
            DELETE=("401", "403", "403", "403", "204+"),
            data=lambda w: {"title": "Renamed"},
            json=True,
        ),
    ],
    "api:entity-list": [Row(lambda w: "/api/entities/", **READ)],
    "api:entity-detail": [Row(lambda w: "/api/entities/ENTA/", **READ)],
    "api:action-line-list": [Row(lambda w: "/api/action-lines/", **READ)],
    "api:action-line-detail": [Row(lambda w: "/api/action-lines/C7.e-health/", **READ)],
    "api:theme-list": [Row(lambda w: "/api/themes/", **READ)],
    "api:theme-detail": [Row(api(lambda w: f"themes/{Theme.objects.first().key}/"), **READ)],
    "api:trend-list": [Row(lambda w: "/api/trends/", **READ)],
    "api:trend-detail": [Row(api(lambda w: f"trends/{Trend.objects.first().key}/"), **READ)],
    "api:region-list": [Row(lambda w: "/api/regions/", **READ)],
    "api:region-detail": [Row(lambda w: "/api/regions/africa/", **READ)],
    "api:sdg-list": [Row(lambda w: "/api/sdgs/", **READ)],
    "api:sdg-detail": [Row(lambda w: "/api/sdgs/9/", **READ)],
    "api:cycle-list": [Row(lambda w: "/api/cycles/", **READ)],
    "api:cycle-detail": [Row(lambda w: "/api/cycles/report-2025/", **READ)],
    "api:mandate-list": [Row(lambda w: "/api/mandates/", **READ)],
    "api:mandate-detail": [Row(api(lambda w: f"mandates/{w.mandate.pk}/"), **READ)],
    "api:mandate-update-list": [
        Row(
            lambda w: "/api/mandate-updates/",
            GET=every("200"),
            # Another entity's submission is not even visible: a field error.
            POST=("401", "201+", "400", "403", "201+"),
            data=lambda w: {
                "submission": w.a.pk,
                "mandate": w.mandate.pk,
                "status": "done",
                "text": "Done.",
            },
            json=True,
        )
    ],
    "api:mandate-update-detail": [
        # A's update in a draft: A and the secretariat see it, nobody else.
        Row(
            api(lambda w: f"mandate-updates/{w.update.pk}/"),
            GET=("404", "200", "404", "200", "200"),
            PATCH=("401", "200+", "404", "403", "200+"),
            data=lambda w: {"status": "done", "text": "Done."},
            json=True,
        )
    ],
    "api:submission-list": [Row(lambda w: "/api/submissions/", **READ)],
    "api:submission-detail": [
        Row(
            api(lambda w: f"submissions/{w.a.pk}/"),
            GET=("404", "200", "404", "200", "200"),
            PATCH=("401", "200+", "404", "403", "200+"),
            data=lambda w: {"answers": {"trends": "New"}},
            json=True,
        ),
        Row(
            api(lambda w: f"submissions/{w.b.pk}/"),
            GET=("404", "404", "200", "200", "200"),
            PATCH=("401", "404", "409", "403", "200+"),  # submitted: managers only
            data=lambda w: {"answers": {"trends": "New"}},
            json=True,
        ),
    ],
    "api:submission-transition": [
        Row(
            api(lambda w: f"submissions/{w.a.pk}/transition/"),
            GET=every("405"),  # the method is checked first
            POST=("401", "200+", "404", "403", "200+"),
            data=lambda w: {"action": "submit"},
            json=True,
        ),
        Row(
            api(lambda w: f"submissions/{w.b.pk}/transition/"),
            POST=("401", "404", "403", "200+", "200+"),
            data=lambda w: {"action": "take_up"},
            json=True,
        ),
    ],
}

# --- The admin: its own addresses, and those of each model by what each role may do --

NOT_STAFF = ("login", "login", "login")  # anonymous and both contributors


def staff(reviewer, manager):
    return (*NOT_STAFF, reviewer, manager)


ADMIN = {
    "admin:index": [Row(lambda w: "/admin/", GET=staff("200", "200"))],
    # A logged-in contributor sees the form and a note that they may not enter.
    "admin:login": [Row(lambda w: "/admin/login/", GET=("200", "200", "200", "302", "302"))],
    # Those who are not staff are sent to the admin's index (and from there to log in).
    "admin:logout": [
        Row(
            lambda w: "/admin/logout/",
            GET=("302", "302", "302", "405", "405"),
            POST=("302", "302", "302", "302+", "302+"),
        )
    ],
    "admin:password_change": [
        Row(
            lambda w: "/admin/password_change/",
            GET=staff("200", "200"),
            POST=staff("302+", "302+"),
            data=lambda w: PASSWORD_CHANGE,
        )
    ],
    "admin:password_change_done": [
        Row(lambda w: "/admin/password_change/done/", GET=staff("200", "200"))
    ],
    "admin:jsi18n": [Row(lambda w: "/admin/jsi18n/", GET=staff("200", "200"))],
    "admin:autocomplete": [
        Row(
            lambda w: (
                "/admin/autocomplete/?"
                + urlencode(
                    {
                        "app_label": "reviews",
                        "model_name": "reviewcycle",
                        "field_name": "invited_entities",
                    }
                )
            ),
            GET=staff("200", "200"),
        ),
        Row(
            lambda w: (
                "/admin/autocomplete/?"
                + urlencode({"app_label": "auth", "model_name": "user", "field_name": "groups"})
            ),
            GET=staff("403", "200"),  # groups: managers only
        ),
    ],
    "admin:view_on_site": [
        Row(
            lambda w: reverse(
                "admin:view_on_site",
                args=[ContentType.objects.get_for_model(Activity).pk, w.published.pk],
            ),
            GET=staff("302", "302"),
        )
    ],
    "admin:app_list": [
        Row(lambda w: "/admin/reviews/", GET=staff("200", "200")),
        Row(lambda w: "/admin/activities/", GET=staff("200", "200")),
        Row(lambda w: "/admin/entities/", GET=staff("200", "200")),
        Row(lambda w: "/admin/auth/", GET=staff("404", "200")),
        Row(lambda w: "/admin/authtoken/", GET=staff("404", "200")),
        Row(lambda w: "/admin/axes/", GET=staff("404", "200")),
    ],
    # Unknown admin addresses reveal nothing before logging in.
    "admin/(?P<url>.*)$": [Row(lambda w: "/admin/no/such/page/", GET=staff("404", "404"))],
    "admin:reviews_reviewcycle_dashboard": [
        Row(
            lambda w: reverse("admin:reviews_reviewcycle_dashboard", args=[w.cycle.pk]),
            GET=staff("200", "200"),
        )
    ],
    "admin:reviews_submission_transition": [
        Row(
            lambda w: reverse("admin:reviews_submission_transition", args=[w.b.pk]),
            GET=staff("405", "405"),
            POST=staff("302+", "302+"),
            data=lambda w: {"action": "take_up"},
        ),
        Row(
            lambda w: reverse("admin:reviews_submission_transition", args=[w.a.pk]),
            POST=staff("302", "302"),  # a draft cannot be taken up: a message, no change
            data=lambda w: {"action": "take_up"},
        ),
    ],
    # Managers invite focal points; a reviewer is refused (an empty form: its errors).
    "admin:entities_membership_invite": [
        Row(
            lambda w: reverse("admin:entities_membership_invite"),
            GET=staff("403", "200"),
            POST=staff("403", "200"),
            data=lambda w: {"name": "", "email": "not an address"},
        )
    ],
    "admin:reviews_submission_resend": [
        Row(
            lambda w: reverse("admin:reviews_submission_resend", args=[w.a.pk, w.email.pk]),
            GET=staff("405", "405"),
            POST=staff("302+", "302+"),
        )
    ],
    "admin:auth_user_password_change": [
        Row(
            lambda w: reverse(
                "admin:auth_user_password_change", args=[w.admin_objects["auth.user"].pk]
            ),
            GET=staff("403", "200"),
            POST=staff("403", "302+"),
            data=lambda w: {
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "usable_password": "true",
            },
        )
    ],
}

# What each role may do with each model in the admin: S the secretariat
# (reviewers and managers), M managers only, - nobody (not even managers).
MODELS = {
    #                            view add change delete
    "auth.group": ("M", "M", "M", "M"),
    "auth.user": ("M", "M", "M", "M"),
    "authtoken.tokenproxy": ("M", "M", "M", "M"),
    "axes.accessattempt": ("M", "-", "-", "M"),  # lifting a lock-out is deleting it
    "axes.accesslog": ("M", "-", "-", "-"),
    "axes.accessfailurelog": ("M", "-", "-", "-"),
    "entities.entity": ("S", "M", "M", "M"),
    "entities.membership": ("S", "M", "M", "M"),
    "activities.activity": ("S", "M", "M", "M"),
    "activities.theme": ("S", "M", "M", "M"),
    "activities.trend": ("S", "M", "M", "M"),
    "activities.region": ("S", "M", "M", "M"),
    "activities.actionline": ("S", "M", "M", "M"),
    "activities.sdg": ("S", "M", "M", "M"),
    "reviews.reviewcycle": ("S", "M", "M", "M"),
    "reviews.submission": ("S", "M", "S", "M"),  # reviewers comment and assign in it
    "reviews.sentemail": ("S", "-", "-", "-"),  # a log: nobody edits it
    "mandates.resolution": ("S", "M", "M", "M"),
    "mandates.mandate": ("S", "M", "M", "M"),
    # Written on the submission's page and through the API, with the submission's rules.
    "mandates.mandateupdate": ("S", "-", "-", "M"),
}
HISTORY = {"entities.entity", "activities.activity", "reviews.submission", "mandates.mandateupdate"}


def may(who, ok, refused="403"):
    """The staff outcomes for a permission held by ``who`` (S, M or -)."""
    return staff(ok if who == "S" else refused, ok if who in "SM" else refused)


def model_rows(label, view, add, change, delete):
    app, model = label.split(".")
    prefix = f"admin:{app}_{model}"

    def obj_url(suffix):
        return lambda w: reverse(f"{prefix}_{suffix}", args=[w.admin_objects[label].pk])

    view_or_change = "S" if "S" in (view, change) else ("M" if "M" in (view, change) else "-")
    rows = {
        f"{prefix}_changelist": [
            Row(lambda w: reverse(f"{prefix}_changelist"), GET=may(view_or_change, "200"))
        ],
        f"{prefix}_add": [
            Row(
                lambda w: reverse(f"{prefix}_add"),
                GET=may(add, "200"),
                POST=may(add, "200"),  # an empty form comes back with its errors
            )
        ],
        f"{prefix}_change": [
            Row(
                obj_url("change"),
                GET=may(view_or_change, "200"),
                POST=may(change, "200"),
            )
        ],
        f"{prefix}_history": [Row(obj_url("history"), GET=may(view_or_change, "200"))],
        f"{prefix}_delete": [
            Row(
                obj_url("delete"),
                GET=may(delete, "200"),
                POST=may(delete, "302+"),
                data=lambda w: {"post": "yes"},
            )
        ],
        # The old address of an object redirects to its change page, for any staff.
        f"admin/{app}/{model}/<path:object_id>/": [
            Row(lambda w: f"/admin/{app}/{model}/{w.admin_objects[label].pk}/", GET=may("S", "302"))
        ],
    }
    if label in HISTORY:
        rows[f"{prefix}_simple_history"] = [
            Row(
                lambda w: reverse(
                    f"{prefix}_simple_history",
                    args=[
                        w.admin_objects[label].pk,
                        w.admin_objects[label].history.order_by("pk").first().pk,
                    ],
                ),
                GET=may(view_or_change, "200"),
                # A past version is shown, never restored: a POST changes nothing for
                # anyone, managers included (wsis_site/admin_base.py).
                POST=staff("405", "405"),
                data=lambda w: history_revert_form(w, label),
            )
        ]
    return rows


def history_revert_form(world, label):
    """What the history page's form would post to restore a past version, with
    the publication state set to published where the record has one."""
    obj = world.admin_objects[label]
    data = {
        f.name: str(f.value_from_object(obj) or "")
        for f in obj._meta.concrete_fields
        if f.editable and not f.primary_key
    }
    data["status"] = "published"
    data["_change_history"] = "1"
    return data


# The parts the matrix is run in, so that each run stays short.
PARTS = {"site": SITE, "api": API, "admin": dict(ADMIN)}
for _label, _rights in MODELS.items():
    _rows = model_rows(_label, *_rights)
    PARTS.setdefault(f"admin {_label.split('.')[0]}", {}).update(_rows)
    ADMIN.update(_rows)

TABLE = {**SITE, **API, **ADMIN}


# --- Running the table ------------------------------------------------------------------------


def fingerprint():
    """The content of every table but the sessions, to tell whether a request changed anything."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in {"sessions.Session"}:
            continue
        names = [f.attname for f in model._meta.concrete_fields if f.name != "last_login"]
        state[model._meta.label] = list(model._base_manager.order_by("pk").values_list(*names))
    return state


def observe(client, world, persona, method, row):
    """What one persona gets from one request; nothing it does is kept."""
    with transaction.atomic():
        client.logout()
        if persona != "anonymous":
            client.force_login(world.users[persona])
        url = row.url(world)
        data = row.data(world)
        before = fingerprint() if method != "GET" else None
        if method == "GET":
            response = client.get(url)
        elif row.json:
            response = getattr(client, method.lower())(url, data, content_type="application/json")
        else:
            response = getattr(client, method.lower())(url, data)
        if response.streaming:  # an export: its cursor ends with this savepoint
            close_streamed(response)
        outcome = str(response.status_code)
        if response.status_code == 302 and urlparse(response["Location"]).path in LOGIN_PAGES:
            outcome = "login"
        if method != "GET" and fingerprint() != before:
            outcome += "+"
        transaction.set_rollback(True)
    client.logout()
    return url, outcome


def differences(client, world, table):
    found = []
    for key, rows in table.items():
        for row in rows:
            for method in ("GET", "POST", "PATCH", "DELETE"):
                expected = getattr(row, method)
                if expected is None:
                    continue
                for persona, wanted in zip(PERSONAS, expected, strict=True):
                    url, got = observe(client, world, persona, method, row)
                    if got != wanted:
                        found.append(
                            f"{key}: {method} {url} as {persona}: {got}, expected {wanted}"
                        )
    return found


@pytest.fixture
def unthrottled(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT = settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 10**6
    cache.clear()
    yield
    cache.clear()


def test_every_url_pattern_is_in_the_table():
    discovered = {key for key, _route in url_patterns()}

    missing = sorted(discovered - set(TABLE))
    stale = sorted(set(TABLE) - discovered)

    assert missing == [], "URL patterns with no row in the permission table: " + ", ".join(missing)
    assert stale == [], "rows for URL patterns that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("part", list(PARTS))
def test_permission_matrix(client, world, unthrottled, part):
    found = differences(client, world, PARTS[part])

    assert found == [], "\n".join(found)
