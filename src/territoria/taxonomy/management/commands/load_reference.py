from typing import Any

from django.core.management.base import BaseCommand

from territoria.taxonomy.services.reference import load_reference_schemes


class Command(BaseCommand):
    help = "Create or update the reference concept schemes (nace, territory, technology, …)."

    def handle(self, *args: Any, **options: Any) -> None:
        schemes = load_reference_schemes()
        total = sum(scheme.concepts.count() for scheme in schemes)
        self.stdout.write(f"Reference schemes: {len(schemes)} schemes, {total} concepts.")
