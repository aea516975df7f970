from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.maturity.services.questionnaires import QuestionnaireError, import_file


class Command(BaseCommand):
    help = (
        "Import a questionnaire version from its JSON document "
        "(format territoria-questionnaire/1); nothing is written if any part is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--draft", action="store_true", help="keep it unpublished, for staff to review"
        )

    def handle(self, *args: Any, file: Path, draft: bool, **options: Any) -> None:
        try:
            questionnaire = import_file(file, publish=not draft)
        except QuestionnaireError as exc:
            raise CommandError(str(exc)) from None
        state = "draft" if draft else "published"
        self.stdout.write(f"{questionnaire.code} version {questionnaire.version}: {state}.")
