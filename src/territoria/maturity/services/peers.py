"""Peers: how an assessment compares with others of its NACE section and size class.

The comparison reads the barometer of the assessment's year, or of the latest closed year
before it (`services.barometer`), so a report shows nothing the public barometer does
not: a group of at least five respondents, never one to be had by subtraction, and
figures that do not move as companies answer. The closest group published is used, and the report says which: the
same section and size, the same section, the same size, then everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from territoria.maturity.definition import OVERALL
from territoria.maturity.models import Assessment, Benchmark
from territoria.maturity.services.barometer import publications


@dataclass(frozen=True)
class PeerGroup:
    scope: str  # "section-size", "section", "size" or "everyone"
    year: int
    nace_section: str
    size_class: str
    respondents: int
    overall: Decimal
    dimensions: dict[str, Decimal]


def peer_group(assessment: Assessment) -> PeerGroup | None:
    """The closest published group of the assessment's year, or of the latest closed year
    before it (this year's are not published yet); None when there is none."""
    year = assessment.year or timezone.localdate().year
    published = [p for p in publications(assessment.questionnaire.code) if p.year <= year]
    if not published:
        return None
    latest = published[-1]
    section, size = assessment.nace_section or None, assessment.size_class or None
    figures: dict[tuple[str | None, str | None], dict[str, Benchmark]] = {}
    rows = Benchmark.objects.filter(publication=latest, province__isnull=True).filter(
        Q(nace_section__isnull=True) | Q(nace_section=section or "")
    )
    for row in rows:
        figures.setdefault((row.nace_section, row.size_class), {})[row.dimension] = row
    for scope, key in _scopes(section, size):
        found = figures.get(key, {})
        if OVERALL in found:
            return PeerGroup(
                scope=scope,
                year=latest.year,
                nace_section=key[0] or "",
                size_class=key[1] or "",
                respondents=found[OVERALL].respondents,
                overall=found[OVERALL].mean_score,
                dimensions={d: row.mean_score for d, row in found.items() if d != OVERALL},
            )
    return None


def _scopes(
    section: str | None, size: str | None
) -> list[tuple[str, tuple[str | None, str | None]]]:
    scopes: list[tuple[str, tuple[str | None, str | None]]] = []
    if section and size:
        scopes.append(("section-size", (section, size)))
    if section:
        scopes.append(("section", (section, None)))
    if size:
        scopes.append(("size", (None, size)))
    scopes.append(("everyone", (None, None)))
    return scopes
