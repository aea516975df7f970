import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.taxonomy.models import ConceptScheme
from territoria.taxonomy.services import export_scheme_csv, export_scheme_turtle


class Command(BaseCommand):
    help = "Export a concept scheme as CSV or SKOS Turtle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--format", choices=["csv", "turtle"], default="csv")
        parser.add_argument(
            "-o", "--output", type=Path, help="file to write (default: standard output)"
        )

    def handle(self, *args: Any, code: str, **options: Any) -> None:
        scheme = ConceptScheme.objects.filter(code=code).first()
        if scheme is None:
            known = ", ".join(ConceptScheme.objects.values_list("code", flat=True))
            raise CommandError(f"unknown scheme {code!r}; known: {known}")
        output = options["output"]
        stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if options["format"] == "csv":
                export_scheme_csv(scheme, stream)
            else:
                stream.write(export_scheme_turtle(scheme))
        finally:
            if output:
                stream.close()
