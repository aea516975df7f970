"""On SQLite, the organisations' search text in an FTS5 trigram index: `search_condition`
finds any part of a word of three letters or more without reading every row (two
million of them once the KBO/BCE register is imported). Triggers keep it in step with
every write, the import's raw statements included. PostgreSQL has its trigram index
(0003).
"""

from django.db import migrations

TABLE = "ecosystem_organisation_search"
CREATE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(search_text, "
    "content='ecosystem_organisation', content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_insert AFTER INSERT ON ecosystem_organisation
    BEGIN INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_delete AFTER DELETE ON ecosystem_organisation
    BEGIN INSERT INTO {TABLE}({TABLE}, rowid, search_text)
    VALUES ('delete', old.id, old.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_update AFTER UPDATE OF search_text
    ON ecosystem_organisation BEGIN
    INSERT INTO {TABLE}({TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END""",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("ecosystem", "0008_kbo_register")]
    operations = [migrations.RunPython(create, drop)]
