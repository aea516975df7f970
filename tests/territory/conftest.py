"""The two packaged territory profiles, each switched to as `territoria demo --territory`
does: the settings name its file, and its territory scheme is loaded.

Both schemes are loaded whatever the profile, as in a database that served one region and
then another: an organisation of the other region has a municipality the scheme knows,
outside the region of the profile in use.
"""

from dataclasses import dataclass

import pytest

from territoria.core import territory
from territoria.taxonomy.models import Concept, ConceptScheme
from territoria.taxonomy.services import import_scheme_csv

PROFILES = ("wallonia", "brussels")


@dataclass(frozen=True)
class Profiles:
    current: territory.Territory
    other: territory.Territory

    def municipality(self, profile: territory.Territory) -> Concept:
        """The profile's first municipality (in its places) with a single postcode."""
        notation = next(n for n, p in profile.places().items() if len(p.postcodes) == 1)
        return Concept.objects.get(scheme__code="territory", notation=notation)


def load_scheme(profile: territory.Territory) -> None:
    scheme = ConceptScheme.objects.get(code="territory")
    with profile.scheme_file.open(encoding="utf-8") as stream:
        import_scheme_csv(scheme, stream, source=profile.scheme_file.name)


@pytest.fixture(params=PROFILES)
def profiles(request, settings, db) -> Profiles:
    other = PROFILES[1 - PROFILES.index(request.param)]
    settings.TERRITORY_FILE = territory.PACKAGED / request.param / "territory.toml"
    territory.forget()
    current = territory.current()
    assert current.code == request.param
    other_profile = territory.read(territory.PACKAGED / other)
    for profile in (current, other_profile):
        load_scheme(profile)
    return Profiles(current, other_profile)
