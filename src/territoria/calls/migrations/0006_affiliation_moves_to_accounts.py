# The affiliation model now lives in the accounts app (which renames its table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0005_half_points"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Affiliation")],
            database_operations=[],
        ),
    ]
