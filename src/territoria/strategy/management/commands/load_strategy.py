from typing import Any

from django.core.management.base import BaseCommand

from territoria.core import territory
from territoria.strategy.services.reference import load_strategy_reference


class Command(BaseCommand):
    help = (
        "Create or update the region's published strategy (versions, actions and figures) from "
        "the strategy file its territory profile names."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = load_strategy_reference()
        if loaded is None:
            self.stdout.write(
                f"Strategy reference: the territory profile ({territory.current().code}) names "
                "no strategy file; the dashboard says no strategy is loaded."
            )
            return
        self.stdout.write(
            f"Strategy reference: {loaded.strategies} versions, {loaded.programmes} programmes, "
            f"{loaded.actions} actions, {loaded.indicators} indicators, "
            f"{loaded.measurements} measurements."
        )
