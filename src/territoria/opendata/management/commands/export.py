"""`territoria export DATASET --format csv -o FILE`: the API's export, written to a file."""

import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from territoria.core.progress import ProgressBar
from territoria.opendata import exports, registry
from territoria.opendata.api import export_columns
from territoria.opendata.params import QueryError, parse_request
from territoria.opendata.services import Query, run


class Command(BaseCommand):
    help = "Export a published dataset (csv, json, jsonl, geojson, parquet, xlsx), as the API does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", help="dataset id, e.g. organisations")
        parser.add_argument(
            "--format", default="csv", help="csv (default), json, jsonl, geojson, parquet, xlsx"
        )
        parser.add_argument("-o", "--output", help="file to write (default: DATASET.FORMAT here)")
        for name in ("select", "where", "group_by", "order_by", "lang", "timezone", "limit"):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)
        parser.add_argument(
            "--refine", action="append", default=[], help="field:value (repeatable)"
        )
        parser.add_argument(
            "--exclude", action="append", default=[], help="field:value (repeatable)"
        )
        for name in ("delimiter", "list_separator", "parquet_compression"):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)
        for name in ("with_bom", "use_labels", "quote_all", "compressed"):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            dataset = registry.get(options["dataset"])
        except registry.UnknownDataset:
            known = ", ".join(d.id for d in registry.all_datasets())
            raise CommandError(
                f"unknown dataset {options['dataset']!r}; the datasets are: {known}"
            ) from None
        format_name = options["format"]
        if format_name not in exports.FORMATS:
            raise CommandError(
                f"unknown format {format_name!r}; the formats are: {', '.join(exports.FORMATS)}"
            )
        params = QueryDict(mutable=True)
        for key, value in options.items():
            if key in ("refine", "exclude"):
                params.setlist(key, value)
            elif isinstance(value, bool):
                if value:
                    params[key] = "true"
            elif value is not None and key not in (
                "dataset",
                "format",
                "output",
                "verbosity",
                "settings",
                "pythonpath",
                "traceback",
                "no_color",
                "force_color",
                "skip_checks",
            ):
                params[key] = str(value)
        try:
            export_options = exports.parse_options(params)
            query = run(Query, dataset, parse_request(params, export=True))
            total = run(query.selection.rows().count) if not query.compiled.aggregated else 0
        except (QueryError, exports.ExportOptionError) as problem:
            raise CommandError(str(problem)) from None
        output = Path(
            options["output"] or exports.filename(dataset.id, format_name, export_options)
        )
        progress = ProgressBar(f"Export {dataset.id}", total or 1, stream=sys.stderr)
        written = self._write(output, query, format_name, export_options, progress)
        progress.finish()
        self.stdout.write(f"{dataset.id}: {written:,} rows written to {output}")

    def _write(
        self,
        output: Path,
        query: Query,
        format_name: str,
        options: exports.ExportOptions,
        progress: ProgressBar,
    ) -> int:
        counted = [0]

        def rows() -> Iterator[Sequence[Any]]:
            for row in query.export_rows():
                counted[0] += 1
                if counted[0] % 5000 == 0:
                    progress.update(counted[0])
                yield row

        # Written beside the target then renamed: a failed export leaves no half file.
        directory = output.resolve().parent
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{output.name}.", suffix=".part"
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                for chunk in exports.stream(format_name, export_columns(query), rows(), options):
                    stream.write(chunk)
            os.replace(temporary, output)
        except BaseException as problem:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(problem, (QueryError, exports.ExportOptionError)):
                raise CommandError(str(problem)) from None
            raise
        return counted[0]
