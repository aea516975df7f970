import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from territoria.core.progress import ProgressBar
from territoria.ecosystem.kbo.generator import generate


class Command(BaseCommand):
    help = (
        "Write a fictitious KBO/BCE open-data extract in the official layout and proportions "
        "(real postcodes, legal forms and NACE-BEL codes; made-up names), for tests and benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="the folder to write into")
        parser.add_argument("--enterprises", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--update",
            type=float,
            default=0.0,
            metavar="SHARE",
            help="write the update extract that follows the full one of the same size and "
            "seed, touching this share of enterprises (0.01: 1 %%)",
        )
        parser.add_argument("--zip", action="store_true", help="write the zip as published")

    def handle(self, *args: Any, **options: Any) -> None:
        total = options["enterprises"]
        bar = ProgressBar(
            "KBO extract",
            total if not options["update"] else max(1, int(total * options["update"])),
            stream=sys.stderr,
        )
        written = generate(
            options["out"],
            total,
            seed=options["seed"],
            update_share=options["update"],
            progress=bar.update,
            as_zip=options["zip"],
        )
        bar.finish()
        self.stdout.write(f"KBO extract written: {written}")
