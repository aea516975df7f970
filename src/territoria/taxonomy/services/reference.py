"""The reference concept schemes shipped with Territoria (taxonomy/reference/*.csv); the
`territory` scheme comes from the territory profile (core/territory.py)."""

import csv
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from territoria.core import territory
from territoria.taxonomy.models import ConceptScheme
from territoria.taxonomy.services.schemes import import_scheme_csv

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"


@transaction.atomic
def load_reference_schemes(progress: Callable[[str], None] | None = None) -> list[ConceptScheme]:
    """Create or update every reference scheme and its concepts; safe to run again."""
    loaded = []
    with open(REFERENCE_DIR / "schemes.csv", encoding="utf-8") as index:
        for row in csv.DictReader(index):
            scheme, _created = ConceptScheme.objects.update_or_create(
                code=row["code"],
                defaults={
                    "kind": row["kind"],
                    "position": int(row["position"]),
                    "description": row["description"],
                    **{f"title_{lang}": row[f"title_{lang}"] for lang in ("fr", "nl", "de", "en")},
                },
            )
            path = (
                territory.current().scheme_file
                if scheme.code == "territory"
                else REFERENCE_DIR / f"{scheme.code}.csv"
            )
            with open(path, encoding="utf-8") as stream:
                import_scheme_csv(scheme, stream, source=path.name)
            loaded.append(scheme)
            if progress:
                progress(scheme.code)
    return loaded
