# Tags number in the tens of millions once the KBO register is imported: each index is
# written at every tag. The (content_type, object_id) index and the content_type one are
# prefixes of other indexes; created_by is empty on imported tags.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for the foreign keys' own indexes. Dropped by name rather than through
# AlterField, which on SQLite copies the whole table (twice).
FOREIGN_KEY_INDEXES = {
    "taxonomy_tag_content_type_id_f78d980a": "content_type_id",
    "taxonomy_tag_created_by_id_0860a05b": "created_by_id",
}


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('taxonomy', '0007_index_change'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='tag',
            name='taxonomy_ta_content_00e36f_idx',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='tag',
                    name='content_type',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype'),
                ),
                migrations.AlterField(
                    model_name='tag',
                    name='created_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX {name} ON taxonomy_tag ({column})",
                )
                for name, column in FOREIGN_KEY_INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name='tag',
            index=models.Index(condition=models.Q(('created_by__isnull', False)), fields=['created_by'], name='tag_created_by_set'),
        ),
    ]
