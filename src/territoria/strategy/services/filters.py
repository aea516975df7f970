"""The action list's filters, read from the URL so that every filtered view is a link.

Parameters: `ambition` and `programme` (codes), `c` (concepts: types, audiences or any
other scheme; alternatives within a scheme, all schemes together), `status`,
`recovery` (`yes`/`no`), `from` and `to` (dates: actions running at some point in
the range). A wrong value is reported and ignored, never an error page.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from territoria.core.i18n import translated
from territoria.strategy.models import Action, Ambition, Programme, Strategy
from territoria.strategy.services.imports import parse_date, shown
from territoria.taxonomy import containers
from territoria.taxonomy.engine import MagnetEngine, SqlMagnetEngine, engine
from territoria.taxonomy.models import Concept, Tag
from territoria.taxonomy.services import concepts_by_code, refine, schemes_by_code
from territoria.taxonomy.services.search import Refinement

FACET_SCHEMES = ["action-type", "audience"]
CODE = re.compile(r"[-a-zA-Z0-9_]{1,80}")
MAX_CONCEPTS = 40


@dataclass
class ActionFilters:
    strategy: Strategy
    ambition: Ambition | None = None
    programme: Programme | None = None
    concepts: list[Concept] = field(default_factory=list)
    status: str = ""
    recovery: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.params())

    def params(self) -> list[tuple[str, str]]:
        """The filters as URL parameters, in a stable order."""
        pairs: list[tuple[str, str]] = []
        if self.ambition:
            pairs.append(("ambition", self.ambition.code))
        if self.programme:
            pairs.append(("programme", self.programme.code))
        pairs += [("c", concept.code) for concept in self.concepts]
        if self.status:
            pairs.append(("status", self.status))
        if self.recovery:
            pairs.append(("recovery", self.recovery))
        if self.start:
            pairs.append(("from", self.start.isoformat()))
        if self.end:
            pairs.append(("to", self.end.isoformat()))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.params())


def is_code(text: str) -> bool:
    """A value that can be a code at all (a slug), worth a query."""
    return CODE.fullmatch(text) is not None


def parse_filters(strategy: Strategy, query: QueryDict) -> ActionFilters:
    filters = ActionFilters(strategy)
    ambition_code = query.get("ambition", "").strip()
    if ambition_code:
        filters.ambition = (
            strategy.ambitions.filter(code=ambition_code).first()
            if is_code(ambition_code)
            else None
        )
        if filters.ambition is None:
            filters.problems.append(_("Unknown ambition “%s”, ignored.") % shown(ambition_code))
    programme_code = query.get("programme", "").strip()
    if programme_code:
        filters.programme = (
            strategy.programmes.filter(code=programme_code).first()
            if is_code(programme_code)
            else None
        )
        if filters.programme is None:
            filters.problems.append(_("Unknown programme “%s”, ignored.") % shown(programme_code))
    codes = list(dict.fromkeys(query.getlist("c")))
    if len(codes) > MAX_CONCEPTS:
        filters.problems.append(
            _("At most %d concepts at once: the others are ignored.") % MAX_CONCEPTS
        )
        codes = codes[:MAX_CONCEPTS]
    found = concepts_by_code(codes)
    filters.concepts = [found[code] for code in codes if code in found]
    for code in codes:
        if code not in found:
            filters.problems.append(_("Unknown concept “%s”, ignored.") % shown(code))
    status = query.get("status", "")
    if status in Action.Status.values:
        filters.status = status
    elif status:
        filters.problems.append(_("Unknown status “%s”, ignored.") % shown(status))
    recovery = query.get("recovery", "")
    if recovery in ("yes", "no"):
        filters.recovery = recovery
    elif recovery:
        filters.problems.append(_("Recovery plan: answer yes or no."))
    for name, attribute in (("from", "start"), ("to", "end")):
        text = query.get(name, "").strip()
        if text:
            try:
                setattr(filters, attribute, parse_date(text))
            except ValueError as error:
                filters.problems.append(str(error))
    if filters.start and filters.end and filters.end < filters.start:
        filters.problems.append(_("The date range ends before it starts; dates ignored."))
        filters.start = filters.end = None
    return filters


def base_actions(filters: ActionFilters) -> QuerySet[Action]:
    """The strategy's actions narrowed by everything but the concepts."""
    actions = Action.objects.filter(programme__strategy=filters.strategy)
    if filters.ambition:
        actions = actions.filter(programme__ambition=filters.ambition)
    if filters.programme:
        actions = actions.filter(programme=filters.programme)
    if filters.status:
        actions = actions.filter(status=filters.status)
    if filters.recovery:
        actions = actions.filter(recovery_plan=filters.recovery == "yes")
    # An action runs within the range if it starts before the range ends and ends
    # after it starts; with no end date, a planned or ongoing action still runs, a
    # finished one has an unknown end. Actions without dates cannot qualify.
    if filters.end:
        actions = actions.filter(start_on__lte=filters.end)
    if filters.start:
        actions = actions.filter(start_on__isnull=False).filter(
            Q(end_on__gte=filters.start)
            | Q(end_on__isnull=True, status__in=[Action.Status.PLANNED, Action.Status.ONGOING])
        )
    return actions


def filter_actions(filters: ActionFilters) -> Refinement:
    """The filtered actions (records) and the type and audience counts beside them.

    Public versions are answered from the bitmap index. A draft version (staff only)
    is outside the public index, so its list is answered in SQL, with every action.
    """
    container = containers.get("action")
    using: MagnetEngine = engine
    if not filters.strategy.is_public:
        container = dataclasses.replace(container, public_queryset=Action.objects.all)
        using = SqlMagnetEngine()
    refinement = refine(
        container,
        base_actions(filters),
        filters.concepts,
        schemes_by_code(FACET_SCHEMES),
        using=using,
    )
    refinement.records = listing(refinement.records)
    return refinement


def listing(actions: QuerySet[Action]) -> QuerySet[Action]:
    return (
        actions.select_related("programme__ambition", "action_type")
        .defer("description")
        .order_by("programme__ambition__order", "programme__name", "title", "pk")
    )


def audiences_of(actions: list[Action]) -> dict[int, list[Concept]]:
    """Each action's target audiences, in two small queries."""
    result: dict[int, list[Concept]] = {action.pk: [] for action in actions}
    audiences = {
        concept.pk: concept
        for concept in Concept.objects.filter(scheme__code="audience").select_related("scheme")
    }
    pairs = (
        Tag.objects.filter(
            content_type=ContentType.objects.get_for_model(Action),
            object_id__in=list(result),
            concept_id__in=list(audiences),
        )
        .order_by("concept__position", "concept__notation")
        .values_list("object_id", "concept_id")
    )
    for object_id, concept_id in pairs:
        result[object_id].append(audiences[concept_id])
    return result


def rows(actions: list[Action]) -> list[dict[str, Any]]:
    """The action table's rows: what the page shows and the CSV holds, column for column."""
    audiences = audiences_of(actions)
    statuses = {value: str(label) for value, label in Action.Status.choices}
    yes, no = _("yes"), _("no")
    # One reverse() for the whole table: the rows differ only by the action's id.
    url = reverse("strategy:action", args=[0]).removesuffix("0/") + "{}/"
    return [
        {
            "url": url.format(action.pk),
            "title": translated(action, "title"),
            "programme": translated(action.programme, "name"),
            "ambition": translated(action.programme.ambition, "title"),
            "type": action.action_type.label if action.action_type else "",
            "audiences": ", ".join(c.label for c in audiences[action.pk]),
            "start": action.shown_start,
            "end": action.shown_end,
            "status": statuses[action.status],
            "budget": action.budget,
            "recovery_plan": yes if action.recovery_plan else no,
        }
        for action in actions
    ]
