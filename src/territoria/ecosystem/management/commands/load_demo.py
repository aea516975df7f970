from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from territoria.core.progress import ProgressBar
from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import public_organisations


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
        # What the demo added, then the register's total and what the public pages count
        # (the strategy's reference data bring organisations of their own).
        recorded, public = Organisation.objects.count(), public_organisations().count()
        self.stdout.write(
            f"Demo ecosystem: {report.organisations} organisations added ({recorded} recorded, "
            f"{public} public: natural persons are never shown), {report.people} people, "
            f"{report.events} events, {report.publications} publications, {report.tags} tags, "
            f"magnets: {', '.join(report.magnets)}."
        )
