from django.db import migrations

from activities import reference_data


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_https_urls"),
    ]

    operations = [
        migrations.RunPython(reference_data.load_translations, migrations.RunPython.noop),
    ]
