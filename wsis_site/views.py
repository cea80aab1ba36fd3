"""The project's own pages: the home page and the load balancers' health check."""

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from activities.models import ActionLine, Activity
from entities.models import Entity
from reviews.models import ReviewCycle


@require_GET
def health(request):
    """For load balancers: the app answers, and the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def home(request):
    published = Activity.objects.published()
    context = {
        "activity_count": published.count(),
        "entity_count": Entity.objects.filter(activities__in=published).distinct().count(),
        "cycle_count": ReviewCycle.objects.published().count(),
        "action_lines": ActionLine.objects.top_level(),
        "latest": published.with_card_data().order_by("-published_at", "-id")[:6],
        "open_cycles": ReviewCycle.objects.open().filter(deadline__gte=timezone.now()),
    }
    return render(request, "home.html", context)
