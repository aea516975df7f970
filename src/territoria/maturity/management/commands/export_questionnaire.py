from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.maturity.models import Questionnaire
from territoria.maturity.services.questionnaires import export_file


class Command(BaseCommand):
    help = "Write a questionnaire version as its JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="e.g. digiscore")
        parser.add_argument("number", nargs="?", type=int, help="its version (default: the latest)")
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args: Any, code: str, output: Path, **options: Any) -> None:
        versions = Questionnaire.objects.filter(code=code).order_by("-version")
        if options["number"] is not None:
            versions = versions.filter(version=options["number"])
        questionnaire = versions.first()
        if questionnaire is None:
            raise CommandError(f"no questionnaire {code!r} of that version")
        export_file(questionnaire, output)
        self.stdout.write(f"{code} version {questionnaire.version} written to {output}.")
