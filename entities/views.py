from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from activities.models import Activity
from reviews.models import ReviewCycle
from wsis_site.paging import paginate

from .models import Entity


@require_GET
def entity_list(request):
    entities = Entity.objects.with_published_counts().order_by("acronym")
    kind = request.GET.get("kind", "")
    errors = {}
    if kind:
        if kind in Entity.Kind.values:
            entities = entities.filter(kind=kind)
        else:
            errors["kind"] = [_("%(value)s is not a known kind of entity.") % {"value": kind}]
            entities = entities.none()
    context = {
        "entities": entities,
        "kinds": Entity.Kind.choices,
        "kind": kind,
        "errors": errors,
    }
    return render(request, "entities/entity_list.html", context, status=400 if errors else 200)


# The entity page lists the activities an entity took part in as a partner up to
# here; the listing, filtered by the entity, has them all.
PARTNERED_SHOWN = 20


@require_GET
def entity_detail(request, acronym):
    entity = get_object_or_404(Entity.objects.select_related("parent"), acronym=acronym)
    published = Activity.objects.published()
    led = (
        published.filter(entity=entity).with_card_data().order_by("-year", "source_paragraph", "id")
    )
    page, page_error = paginate(request, led, settings.ACTIVITIES_PER_PAGE)
    partnered = (
        published.filter(partners=entity)
        .exclude(entity=entity)
        .select_related("entity")
        .order_by("-year", "title", "id")
    )
    partnered_shown = list(partnered[: PARTNERED_SHOWN + 1])
    context = {
        "entity": entity,
        "page": page,
        "errors": {"page": [page_error]} if page_error else {},
        "children": entity.children.all(),
        "partnered": partnered_shown[:PARTNERED_SHOWN],
        "partnered_count": (
            len(partnered_shown) if len(partnered_shown) <= PARTNERED_SHOWN else partnered.count()
        ),
        "reports": ReviewCycle.objects.contributed_to_by(entity),
    }
    return render(
        request, "entities/entity_detail.html", context, status=404 if page_error else 200
    )
