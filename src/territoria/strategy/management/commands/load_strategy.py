from typing import Any

from django.core.management.base import BaseCommand

from territoria.strategy.services.reference import load_strategy_reference


class Command(BaseCommand):
    help = "Create or update the published Digital Wallonia strategy versions, actions and figures."

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = load_strategy_reference()
        self.stdout.write(
            f"Strategy reference: {loaded.strategies} versions, {loaded.programmes} programmes, "
            f"{loaded.actions} actions, {loaded.indicators} indicators, "
            f"{loaded.measurements} measurements."
        )
