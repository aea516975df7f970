from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.strategy.services.imports import MeasurementImportError, import_measurements


class Command(BaseCommand):
    help = (
        "Import indicator measurements from a CSV file (indicator;date;value;source_url;note). "
        "Nothing is imported if a line is wrong, unless --only-valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--only-valid", action="store_true", help="import the valid lines, skip the wrong ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: {error}") from None
        try:
            done = import_measurements(text, path.name, only_valid=options["only_valid"])
        except MeasurementImportError as error:
            lines = [f"{path}:{p.line}: {p.field or 'file'}: {p.message}" for p in error.problems]
            raise CommandError(
                "nothing imported; fix these lines or use --only-valid:\n" + "\n".join(lines)
            ) from None
        for problem in done.problems:
            self.stderr.write(
                f"{path}:{problem['line']}: skipped: {problem['field']}: {problem['message']}"
            )
        self.stdout.write(f"{done.imported} measurement(s) imported from {path}.")
