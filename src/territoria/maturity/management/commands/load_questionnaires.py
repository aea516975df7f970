from typing import Any

from django.core.management.base import BaseCommand, CommandError

from territoria.maturity.services.questionnaires import QuestionnaireError, load_shipped


class Command(BaseCommand):
    help = "Load the questionnaires that come with Territoria (Digiscore, EU DMA); idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = load_shipped()
        except QuestionnaireError as exc:
            raise CommandError(str(exc)) from None
        for questionnaire in loaded:
            self.stdout.write(f"{questionnaire.code} version {questionnaire.version}")
