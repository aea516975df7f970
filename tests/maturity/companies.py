"""Companies taking a questionnaire as the barometer counts them: from an account linked
to the company (an approved affiliation), in a given year."""

from __future__ import annotations

import contextlib
import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from territoria.accounts.models import Affiliation
from territoria.core.models import Role
from territoria.ecosystem.profile import Profile
from territoria.maturity.services.assessments import answer, complete, start
from tests.conftest import make_user
from tests.factories import organisation

_accounts = itertools.count(1)
LAST_YEAR = timezone.localdate().year - 1
SMALL_C = Profile("C", "small", "")


@dataclass(frozen=True)
class Company:
    user: Any
    number: str


def linked_company(name: str = "Company SRL") -> Company:
    """A company of the registry and an account the agency linked to it."""
    company = organisation(name)
    user = make_user(f"company{next(_accounts)}", Role.APPLICANT)
    Affiliation.objects.create(user=user, organisation=company)
    return Company(user, company.enterprise_number)


@contextlib.contextmanager
def at(moment: datetime.datetime) -> Iterator[None]:
    """The clock set to `moment` (assessments take their year from it)."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


def in_year(year: int) -> contextlib.AbstractContextManager[None]:
    """The clock set to mid-June of `year`."""
    return at(timezone.make_aware(datetime.datetime(year, 6, 15, 12)))


def counted(
    questionnaire: Any,
    infra: int,
    strategy: int,
    profile: Profile = SMALL_C,
    year: int = LAST_YEAR,
    company: Company | None = None,
) -> Any:
    """A completed assessment the barometer counts, answered with two 0–5 scales."""
    company = company or linked_company()
    with in_year(year):
        started = start(questionnaire, company.number, owner=company.user, profile=profile)
        assert answer(started.assessment, {"infra-q": infra, "strategy-q": strategy}) == {}
        return complete(started.assessment)
