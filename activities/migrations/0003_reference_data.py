from django.db import migrations

from activities import reference_data


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(reference_data.load, migrations.RunPython.noop),
    ]
