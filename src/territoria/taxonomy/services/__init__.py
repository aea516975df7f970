"""Services of the taxonomy app: hierarchy upkeep, tagging, scheme files, refinement, magnets."""

from territoria.taxonomy.services.import_worker import run_scheme_import
from territoria.taxonomy.services.magnets import save_magnet, visible_magnets
from territoria.taxonomy.services.schemes import (
    SchemeImportError,
    export_scheme_csv,
    export_scheme_turtle,
    import_scheme_csv,
    import_scheme_turtle,
)
from territoria.taxonomy.services.search import (
    RecordsInOrder,
    RecordsRanked,
    UnknownScheme,
    describe_records,
    evaluate,
    flatten,
    refine,
    schemes_by_code,
    selection_expression,
)
from territoria.taxonomy.services.tagging import (
    concepts_by_code,
    rebuild_closure,
    set_tags,
    tags_of,
)

__all__ = [
    "RecordsInOrder",
    "RecordsRanked",
    "SchemeImportError",
    "UnknownScheme",
    "concepts_by_code",
    "describe_records",
    "evaluate",
    "export_scheme_csv",
    "export_scheme_turtle",
    "import_scheme_csv",
    "import_scheme_turtle",
    "run_scheme_import",
    "rebuild_closure",
    "refine",
    "save_magnet",
    "visible_magnets",
    "flatten",
    "schemes_by_code",
    "selection_expression",
    "set_tags",
    "tags_of",
]
