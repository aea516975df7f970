from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.core.progress import ProgressBar
from territoria.maturity.demo import T0_YEARS, YEARS, load_demo_assessments


class Command(BaseCommand):
    help = (
        "Replace the demo Digiscore history: about 3,000 assessments of the demo organisations "
        "(2020-2025) whose barometer gives the published figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=20201)
        parser.add_argument(
            "--laureate",
            action="append",
            default=[],
            metavar="PK:YEAR",
            help="an organisation supported from YEAR: assessed that year and two years after",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        laureates = {}
        for given in options["laureate"]:
            pk, _, year = given.partition(":")
            if not (_whole(pk, 18) and _whole(year, 4)):
                raise CommandError(f"--laureate {given!r}: expected PK:YEAR, such as 42:2022")
            if int(year) not in T0_YEARS:
                raise CommandError(
                    f"--laureate {given!r}: the demo's first assessments (T0) are of "
                    f"{T0_YEARS[0]} to {T0_YEARS[-1]}, their follow-ups two years later"
                )
            laureates[int(pk)] = int(year)
        bar = ProgressBar("Demo Digiscore", sum(count for count, _targets in YEARS.values()))
        try:
            report = load_demo_assessments(laureates, seed=options["seed"], progress=bar.update)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        bar.finish()
        figures = ", ".join(
            f"{year} overall {means['overall']:.1f}" for year, means in report.means.items()
        )
        self.stdout.write(
            f"Demo Digiscore: {report.assessments} assessments, {report.followed} followed "
            f"from T0 to T1; {figures}."
        )


def _whole(text: str, digits: int) -> bool:
    """ASCII digits, at most `digits` of them (`str.isdigit` accepts "²")."""
    return text.isascii() and text.isdigit() and len(text) <= digits
