from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from territoria.calls.demo import load_demo_calls
from territoria.core.models import User


class Command(BaseCommand):
    help = "Create the instruments and a demo call open now; link an applicant account to an SME."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--applicant", help="username of the applicant account to affiliate")
        parser.add_argument("--expert", help="username of the expert account to affiliate")
        parser.add_argument(
            "--laureate", help="username of the account acting for the expert's laureate"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        applicant = None
        if options["applicant"]:
            applicant = User.objects.get(username=options["applicant"])
        expert = User.objects.get(username=options["expert"]) if options["expert"] else None
        laureate = User.objects.get(username=options["laureate"]) if options["laureate"] else None
        call = load_demo_calls(applicant, expert=expert, laureate=laureate)
        self.stdout.write(
            f"Demo call: {call.title}, open until {call.closes_at:%Y-%m-%d %H:%M %Z}."
        )
