import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from territoria.ecosystem.kbo.importer import (
    DEFAULT_MAX_BAD_SHARE,
    DEFAULT_MAX_STRUCK_OFF_SHARE,
    ImportRefused,
    import_extract,
)
from territoria.ecosystem.kbo.reader import ExtractError


def share(text: str) -> float:
    """A share between 0 and 1 (NaN is not one)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


class Command(BaseCommand):
    help = (
        "Import a KBO/BCE open-data extract (full or update; the folder or the zip as "
        "published) into the organisations. Safe to run again: the same extract changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("extract", help="the extract's folder or zip file")
        parser.add_argument(
            "--max-bad-share",
            type=share,
            default=DEFAULT_MAX_BAD_SHARE,
            help="refuse the whole extract when more than this share of rows is refused "
            f"(default {DEFAULT_MAX_BAD_SHARE})",
        )
        parser.add_argument(
            "--max-struck-off-share",
            type=share,
            default=DEFAULT_MAX_STRUCK_OFF_SHARE,
            help="refuse a full extract that would strike off more than this share of the "
            f"enterprises imported before (default {DEFAULT_MAX_STRUCK_OFF_SHARE})",
        )
        parser.add_argument("--report", type=Path, help="where to write the refused rows (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = import_extract(
                options["extract"],
                max_bad_share=options["max_bad_share"],
                max_struck_off_share=options["max_struck_off_share"],
                report_path=options["report"],
                progress=sys.stderr,
            )
        except (ExtractError, ImportRefused) as error:
            raise CommandError(str(error)) from None
        bad = sum(outcome.bad.values())
        self.stdout.write(
            f"KBO {outcome.run.extract_type} extract {outcome.run.extract_number}: "
            f"{sum(outcome.read.values()):,} rows read, {bad:,} refused"
            + (f" (listed in {outcome.report})" if bad else "")
            + f"; organisations: {outcome.created:,} created, {outcome.updated:,} updated, "
            f"{outcome.unchanged:,} unchanged, {outcome.struck_off:,} struck off."
        )
