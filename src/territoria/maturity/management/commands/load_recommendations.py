from typing import Any

from django.core.management.base import BaseCommand, CommandError

from territoria.maturity.services.recommendations import RuleFileError, load_shipped


class Command(BaseCommand):
    help = (
        "Load the report's recommendation rules that come with Territoria; a rule already "
        "there (maybe edited by staff) is kept. Run it after the instruments and the strategy."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = load_shipped()
        except RuleFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{len(loaded.created)} rules created, {len(loaded.kept)} already there (kept)"
        )
        for item in loaded.missing:
            self.stderr.write(f"not linked, not in this database: {item}")
