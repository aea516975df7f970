"""JSON API of the taxonomy app: magnet evaluation."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from territoria.taxonomy import containers
from territoria.taxonomy.expressions import ExpressionError
from territoria.taxonomy.services import UnknownScheme, evaluate, visible_magnets

router = Router(tags=["magnets"])
MAX_OFFSET = 10_000_000


class EvaluateIn(Schema):
    expression: Any = Field(
        ...,
        description='A magnet expression, e.g. {"all": [{"concept": "technology:ai"}, {"concept": "org-type:startup"}]}',
    )
    container: str = "organisation"
    facets: list[str] = Field(
        default_factory=list, description="Scheme codes to count, e.g. nace, territory"
    )
    limit: int = Field(50, ge=0, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class FacetValueOut(Schema):
    concept: str
    label: str
    count: int


class ResultOut(Schema):
    id: int
    name: str
    enterprise_number: str | None = None
    concepts: list[str]


class EvaluateOut(Schema):
    count: int
    results: list[ResultOut]
    facets: dict[str, list[FacetValueOut]]


class ErrorOut(Schema):
    detail: str


def _evaluate(
    expression: Any, container: str, facets: list[str], limit: int, offset: int
) -> dict[str, Any]:
    try:
        return evaluate(expression, container, facets, limit, offset)
    except (ExpressionError, containers.UnknownContainer, UnknownScheme) as exc:
        raise HttpError(400, str(exc)) from None


@router.post("/magnets/evaluate", response={200: EvaluateOut, 400: ErrorOut}, auth=None)
def evaluate_expression(request: HttpRequest, body: EvaluateIn) -> dict[str, Any]:
    """Evaluate an expression over public records: the count, a page of results, facet counts."""
    return _evaluate(body.expression, body.container, body.facets, body.limit, body.offset)


@router.get("/magnets/{slug}/results", response={200: EvaluateOut, 400: ErrorOut, 404: ErrorOut})
def magnet_results(
    request: HttpRequest, slug: str, facets: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """The results of a saved magnet (public ones for everybody, all of them for staff)."""
    magnet = get_object_or_404(visible_magnets(request.user), slug=slug)
    if not 0 <= limit <= 1000 or not 0 <= offset <= MAX_OFFSET:
        raise HttpError(
            400, f"limit must be between 0 and 1000 and offset between 0 and {MAX_OFFSET}"
        )
    schemes = [code.strip() for code in facets.split(",") if code.strip()]
    return _evaluate(magnet.expression, magnet.container, schemes, limit, offset)
