import pytest
from django.core.management import CommandError, call_command

from activities.models import Activity

pytestmark = pytest.mark.django_db


def test_generate_synthetic_creates_published_activities_with_relations():
    call_command("generate_synthetic", activities=120, entities=5, batch=50, verbosity=0)

    activities = Activity.objects.published()
    assert activities.count() == 120
    assert not activities.filter(action_lines=None).exists()
    assert not activities.filter(regions=None).exists()
    years = set(activities.values_list("year", flat=True))
    assert min(years) >= 2005 and max(years) <= 2026 and len(years) > 5


def test_generate_synthetic_is_repeatable_with_a_seed():
    call_command("generate_synthetic", activities=30, entities=3, seed=7, verbosity=0)
    first = list(Activity.objects.order_by("pk").values_list("title", "year"))
    Activity.objects.all().delete()

    call_command("generate_synthetic", activities=30, entities=3, seed=7, verbosity=0)

    assert list(Activity.objects.order_by("pk").values_list("title", "year")) == first


def test_generate_synthetic_refuses_nonsense():
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_synthetic", activities=0, verbosity=0)

    assert str(excinfo.value) == "--activities, --entities and --batch must be positive."


def test_an_interrupted_generation_keeps_the_batches_written(monkeypatch):
    from activities.management.commands import generate_synthetic
    from wsis_site.progress import Interrupted

    command = generate_synthetic.Command
    batches = []
    for name in ("copy", "create"):  # PostgreSQL writes with COPY, others with the ORM
        original = getattr(command, name)

        def interrupted_second(self, rows, original=original):
            original(self, rows)  # written, then SIGINT before the batch commits
            batches.append(len(rows))
            if len(batches) == 2:
                raise Interrupted("SIGINT")

        monkeypatch.setattr(command, name, interrupted_second)

    with pytest.raises(CommandError) as excinfo:
        call_command("generate_synthetic", activities=200, entities=3, batch=50, verbosity=0)

    assert str(excinfo.value) == (
        "Interrupted (SIGINT) after 50 activities; the batch in progress was rolled back, "
        "the earlier ones are kept."
    )
    assert Activity.objects.count() == 50
    # Nothing of the rolled-back batch is left (COPY writes with the triggers and
    # foreign-key checks off).
    lines = Activity.action_lines.through.objects
    assert lines.count() >= 50
    assert not lines.exclude(activity__in=Activity.objects.all()).exists()
