"""Peers: how an assessment compares with others of its NACE section and size class.

Only groups of at least `MINIMUM_GROUP` other respondents are shown, so a mean never
stands for one or two companies. When the closest group is smaller, the next wider one
is used, and the report says which: the same section and size, the same section, the
same size, then everyone who took the questionnaire. Each respondent counts once, with
their latest completed assessment (`Assessment.is_latest`), and never the one compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, QuerySet

from territoria.maturity.models import Assessment, DimensionScore

# The smallest group whose figures are shown or published (peers, barometer, Open Data).
MINIMUM_GROUP = 5


@dataclass(frozen=True)
class PeerGroup:
    scope: str  # "section-size", "section", "size" or "everyone"
    nace_section: str
    size_class: str
    respondents: int
    overall: Decimal
    dimensions: dict[str, Decimal]


def peer_group(assessment: Assessment) -> PeerGroup | None:
    """The closest group of enough others, with its means; None if even everyone is fewer."""
    others = Assessment.objects.filter(
        questionnaire__code=assessment.questionnaire.code, is_latest=True
    ).exclude(respondent=assessment.respondent)
    for scope, filters in _scopes(assessment):
        group = others.filter(**filters)
        summary = group.aggregate(n=Count("pk"), overall=Avg("overall"))
        if summary["n"] >= MINIMUM_GROUP:
            return PeerGroup(
                scope=scope,
                nace_section=filters.get("nace_section", ""),
                size_class=filters.get("size_class", ""),
                respondents=summary["n"],
                overall=tenth(summary["overall"]),
                dimensions=dimension_means(group),
            )
    return None


def _scopes(assessment: Assessment) -> list[tuple[str, dict[str, str]]]:
    section, size = assessment.nace_section, assessment.size_class
    scopes: list[tuple[str, dict[str, str]]] = []
    if section and size:
        scopes.append(("section-size", {"nace_section": section, "size_class": size}))
    if section:
        scopes.append(("section", {"nace_section": section}))
    if size:
        scopes.append(("size", {"size_class": size}))
    scopes.append(("everyone", {}))
    return scopes


def dimension_means(assessments: QuerySet[Assessment]) -> dict[str, Decimal]:
    """Each dimension's mean score over these assessments, to one decimal."""
    rows = (
        DimensionScore.objects.filter(assessment__in=assessments.values("pk"))
        .values("dimension")
        .annotate(mean=Avg("score"))
        .order_by()
    )
    return {row["dimension"]: tenth(row["mean"]) for row in rows}


def tenth(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)
