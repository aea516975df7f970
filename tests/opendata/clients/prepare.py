"""The database a live server of tests/opendata/test_clients.py serves, and what is in it.

Run in a process of its own on the server's settings (`DATABASE_URL`, `TERRITORIA_DATA_DIR`):
migrates that fresh database, loads what `territoria demo` loads (the territory, the reference
schemes, the strategy, a small fictitious ecosystem, the calls), then writes to the JSON file
named by its argument the published rows of the datasets the tests query, read through the
ORM from each dataset's declaration (its queryset and its fields' columns), not through the
Explore API's query engine.

    python tests/opendata/clients/prepare.py OUTPUT.json [ORGANISATIONS]
"""

import datetime
import io
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

# The datasets whose every published row the tests read (the others: their counts only).
ROW_DATASETS = ("organisations", "calls")


def load(organisations: int) -> None:
    """What `territoria demo` loads (territoria.cli.demo), on the configured database."""
    from django.core.management import call_command

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0, **quiet)
    call_command("load_territory", **quiet)
    call_command("load_reference", **quiet)
    call_command("load_strategy", **quiet)
    call_command("load_demo", organisations=organisations, **quiet)
    call_command("load_demo_calls", **quiet)


def plain(value: Any) -> Any:
    """A value as the API publishes it: moments in UTC, ISO 8601; no empty text (null)."""
    if value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def published_rows(dataset: Any, lang: str) -> list[dict[str, Any]]:
    """Every row of `dataset` with the value of each of its fields in `lang` (a multivalued
    field: the sorted list of its values, or None), geographic points left out."""
    from django.db.models import F

    fields = [f for f in dataset.fields() if f.type != "geo_point_2d"]
    single = {f.name: f for f in fields if not f.multivalued}
    columns = {}
    for name, spec in single.items():
        column = spec.column_for(lang)
        columns[f"published_{name}"] = F(column) if isinstance(column, str) else column
    rows = {
        row["pk"]: {name: plain(row[f"published_{name}"]) for name in single} | {"pk": row["pk"]}
        for row in dataset.queryset().annotate(**columns).values("pk", *columns)
    }
    for spec in fields:
        if not spec.multivalued:
            continue
        values: dict[Any, list[str]] = {}
        for link in spec.values(lang):
            if link["owner"] in rows and link["value"] is not None:
                values.setdefault(link["owner"], []).append(link["value"])
        for pk, row in rows.items():
            row[spec.name] = sorted(values[pk]) if pk in values else None
    return [rows[pk] for pk in sorted(rows)]


def describe() -> dict[str, Any]:
    from django.db import connection

    from territoria.ecosystem.services import search_organisations
    from territoria.opendata import registry

    catalogue = [
        {
            "dataset_id": dataset.id,
            "records_count": dataset.queryset().order_by().count(),
            "theme": dataset.theme,
            "theme_label": {lang: registry.THEMES[dataset.theme][lang] for lang in ("fr", "en")},
            "title": {lang: dataset.title.get(lang) for lang in ("fr", "en")},
            "fields": [spec.name for spec in dataset.fields()],
            "facets": [spec.name for spec in dataset.fields() if spec.facet],
        }
        for dataset in registry.all_datasets()
    ]
    rows = {
        dataset_id: {lang: published_rows(registry.get(dataset_id), lang) for lang in ("fr", "en")}
        for dataset_id in ROW_DATASETS
    }
    # What a full-text search finds is the domain's own rule (ecosystem.services).
    words = sorted({row["city"] for row in rows["organisations"]["fr"] if row["city"]})
    searches = {
        word: sorted(search_organisations(word).values_list("pk", flat=True)) for word in words
    }
    return {
        "database": connection.vendor,
        "catalogue": catalogue,
        "rows": rows,
        "organisation_searches": searches,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
    import django

    django.setup()
    output = Path(sys.argv[1])
    load(int(sys.argv[2]) if len(sys.argv) > 2 else 150)
    output.write_text(json.dumps(describe(), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
