from django.db import migrations

from activities import reference_data


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_reference_data"),
    ]

    operations = [
        migrations.RunPython(reference_data.load_translations, migrations.RunPython.noop),
    ]
