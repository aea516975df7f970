"""On PostgreSQL, a trigram index makes the directory's `LIKE '%word%'` search use an index.

pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner may create it.
SQLite has no such index; at the embedded database's sizes a scan is fast enough.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ecosystem_organisation_search_trgm "
    "ON ecosystem_organisation USING gin (search_text gin_trgm_ops)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ecosystem_organisation_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0002_initial")]
    operations = [migrations.RunPython(create, drop)]
