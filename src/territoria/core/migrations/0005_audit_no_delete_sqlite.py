"""On SQLite, the audit log refuses DELETE too (PostgreSQL's trigger already does).

Django's test flush, which empties tables with DELETE, lifts it for its own statements
(`core.sqlite.base.DatabaseOperations.sql_flush`).
"""

from django.db import migrations

from territoria.core.sqlite.base import AUDIT_NO_DELETE, AUDIT_NO_DELETE_DROP


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(AUDIT_NO_DELETE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(AUDIT_NO_DELETE_DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_user_language")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
