from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from territoria.core import territory
from territoria.core.models import TerritoryProfile

# The model's fields as territory.toml names them, for the errors.
KEYS = {
    "code": "code",
    "name": "name.fr",
    "publisher": "publisher.name.fr",
    "publisher_url": "publisher.url",
    "publisher_email": "publisher.email",
    "publisher_address": "publisher.address",
    "programme": "programme.name.fr",
    "strategy": "programme.strategy.fr",
    "east": "bbox",
    "north": "bbox",
    "tiles_url": "tiles.url",
    "tiles_attribution": "tiles.attribution",
    "credits": "sources.places",
    "source": "the profile's path",
}


class Command(BaseCommand):
    help = (
        "Load a territory profile (territory.toml, or its folder) into the database, with its "
        "territory scheme; without a path, the configured one (TERRITORIA_TERRITORY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="territory.toml or the folder holding it")

    def handle(self, *args: Any, **options: Any) -> None:
        from territoria.taxonomy.models import ConceptScheme
        from territoria.taxonomy.services.schemes import SchemeImportError, import_scheme_csv

        try:
            profile = territory.read(options["path"] or territory.configured_file())
        except territory.ProfileError as error:
            raise CommandError(str(error)) from None
        source = str(Path(profile.folder) / "territory.toml")
        row = TerritoryProfile.from_territory(profile, source)
        try:
            # What the back office checks (lengths, the website's and e-mail's form, the
            # bounding box), checked of the file too: its values reach every page.
            row.full_clean(validate_unique=False)  # one row, replaced
        except ValidationError as error:
            problems = "; ".join(
                f"`{KEYS.get(field, field)}`: {' '.join(messages)}"
                for field, messages in error.message_dict.items()
            )
            raise CommandError(f"{source}: {problems}") from None
        with transaction.atomic():
            row.save()
            scheme = ConceptScheme.objects.filter(code="territory").first()
            if scheme is not None:  # else `load_reference` creates it from the profile
                try:
                    with profile.scheme_file.open(encoding="utf-8") as stream:
                        import_scheme_csv(scheme, stream, source=str(profile.scheme_file))
                except SchemeImportError as error:
                    raise CommandError(str(error)) from None
                except UnicodeDecodeError as error:
                    raise CommandError(f"{profile.scheme_file}: {error}") from None
                if not scheme.concepts.filter(notation=profile.region_concept).exists():
                    raise CommandError(
                        f"{profile.scheme_file}: the region's concept "
                        f"{profile.region_concept!r} is not in the scheme"
                    )
        territory.forget()
        self.stdout.write(
            f"Territory profile: {profile.name('en')} ({profile.code}), from {source}."
        )
