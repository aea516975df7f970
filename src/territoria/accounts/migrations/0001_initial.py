# The affiliation model moves here from the calls app: the table is kept (state only),
# then renamed to this app's name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("calls", "0005_half_points"),
        ("ecosystem", "0004_organisation_query_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Affiliation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("role", models.CharField(blank=True, max_length=120, verbose_name="role")),
                        ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="affiliations", to="ecosystem.organisation", verbose_name="organisation")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="affiliations", to=settings.AUTH_USER_MODEL, verbose_name="account")),
                    ],
                    options={
                        "verbose_name": "affiliation",
                        "verbose_name_plural": "affiliations",
                        "db_table": "calls_affiliation",
                        "constraints": [models.UniqueConstraint(fields=("user", "organisation"), name="one_affiliation")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="affiliation", table=None),
    ]
