from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from territoria.core.progress import ProgressBar
from territoria.ecosystem.demo import load_demo_ecosystem


class Command(BaseCommand):
    help = (
        "Load the fictitious demo ecosystem (organisations, people, events, publications, magnets)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisations", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=20251123)

    def handle(self, *args: Any, **options: Any) -> None:
        bar = ProgressBar("Demo ecosystem", options["organisations"])
        report = load_demo_ecosystem(
            organisations=options["organisations"], seed=options["seed"], progress=bar.update
        )
        bar.finish()
        self.stdout.write(
            f"Demo ecosystem: {report.organisations} organisations, {report.people} people, "
            f"{report.events} events, {report.publications} publications, {report.tags} tags, "
            f"magnets: {', '.join(report.magnets)}."
        )
