from django.db import migrations

from entities.official_names import fill_official_names


def fill(apps, schema_editor):
    fill_official_names(apps.get_model("entities", "Entity"))


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0003_https_urls"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
