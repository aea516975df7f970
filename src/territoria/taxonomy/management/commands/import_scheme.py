from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.taxonomy.models import ConceptScheme
from territoria.taxonomy.services import SchemeImportError, import_scheme_csv, import_scheme_turtle


class Command(BaseCommand):
    help = (
        "Import a concept scheme from CSV or SKOS Turtle; nothing is written if any line is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="scheme code, e.g. technology (created if new)")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["csv", "turtle"], help="default: from the file extension"
        )
        parser.add_argument("--title", default="", help="French title of a new scheme")
        parser.add_argument("--kind", choices=["generic", "specific"], default="specific")

    def handle(self, *args: Any, code: str, file: Path, **options: Any) -> None:
        fmt = options["format"] or (
            "turtle" if file.suffix.lower() in (".ttl", ".turtle") else "csv"
        )
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        scheme = ConceptScheme.objects.filter(code=code).first() or ConceptScheme(
            code=code, title_fr=options["title"], kind=options["kind"]
        )
        try:
            if fmt == "csv":
                with open(file, encoding="utf-8-sig", newline="") as stream:
                    report = import_scheme_csv(scheme, stream, source=str(file))
            else:
                report = import_scheme_turtle(
                    scheme, file.read_text(encoding="utf-8"), source=str(file)
                )
        except SchemeImportError as exc:
            raise CommandError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
        self.stdout.write(f"{code}: {report.created} concepts created, {report.updated} updated.")
