from django.db import migrations

# The secretariat's roles. What each may do is decided in reviews/rules.py;
# the groups only say who holds which role.
GROUPS = ["Secretariat manager", "Secretariat reviewer"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("reviews", "0002_alter_reviewcycle_questions_historicalsubmission_and_more"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
