from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("taxonomy", "IndexState").objects.get_or_create(key="tags", defaults={"token": "initial"})


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0002_index_state")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
