"""The dashboard's overview: one tile per ambition, with its figures, trends and standings.

Everything comes from a fixed number of queries, however many ambitions and indicators a
version has: the ambitions with their counts, the indicators, their measurements (one
query, in `progress_of_all`), the actions' statuses and the programmes' count.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils.functional import Promise

from territoria.strategy.charts import Sparkline, sparkline
from territoria.strategy.models import Action, Ambition, Indicator, Strategy
from territoria.strategy.services.progress import Progress, Status, progress_of_all

# How many indicators a tile draws: more would turn the tile back into a table.
HEADLINES_PER_TILE = 3
# The standings a tile counts, in the order it lists them (targeted indicators only).
TILE_STATUSES = [Status.ACHIEVED, Status.ON_TRACK, Status.AT_RISK, Status.MISSED]


@dataclass
class Headline:
    """An indicator a tile shows: its latest figure, its line, its way to the target."""

    standing: Progress
    sparkline: Sparkline | None

    @property
    def bar_value(self) -> int | None:
        """The progress bar's filling (a bar cannot go past full; the text says how far)."""
        percent = self.standing.percent
        return None if percent is None else min(percent, 100)

    @property
    def towards_target(self) -> bool:
        return self.standing.indicator.target_direction == Indicator.Direction.INCREASE


@dataclass
class Tile:
    ambition: Ambition
    standings: list[Progress]  # every indicator of the ambition
    headlines: list[Headline]
    statuses: list[tuple[str, str, int]]  # (status, label, count), the counts above zero

    @property
    def table_standings(self) -> list[Progress]:
        """The rows of the tile's table: its key indicators and any other it draws."""
        drawn = {h.standing.indicator.pk for h in self.headlines}
        return [p for p in self.standings if p.indicator.is_key or p.indicator.pk in drawn]

    @property
    def indicator_count(self) -> int:
        return len(self.standings)

    @property
    def published_count(self) -> int:
        """Indicators with at least one published figure."""
        return sum(1 for p in self.standings if p.series)

    @property
    def targeted_count(self) -> int:
        return sum(1 for p in self.standings if p.indicator.target_value is not None)


@dataclass
class Overview:
    tiles: list[Tile]
    programme_count: int
    action_count: int
    action_statuses: list[tuple[str | Promise, int]]  # (label, count) in the statuses' order
    indicator_count: int
    measurement_count: int


def headlines(standings: list[Progress]) -> list[Headline]:
    """The indicators a tile draws: key ones with figures (others if none is key), those
    with a line and a target first, in the indicators' own order otherwise."""
    published = [p for p in standings if p.series]
    chosen = [p for p in published if p.indicator.is_key] or published
    chosen = sorted(
        chosen,
        key=lambda p: (len(p.series) < 2, p.indicator.target_value is None),
    )[:HEADLINES_PER_TILE]
    return [Headline(p, sparkline(p.series)) for p in chosen]


def overview(version: Strategy) -> Overview:
    """The tiles of a version's ambitions and the version's totals."""
    ambitions = list(
        version.ambitions.select_related("strategy").annotate(
            programme_count=Count("programmes", distinct=True),
            action_count=Count("programmes__actions", distinct=True),
            lever_count=Count("levers", distinct=True),
        )
    )
    indicators = Indicator.objects.filter(programme__strategy=version).select_related(
        "programme__ambition", "programme__strategy", "action"
    )
    standings = progress_of_all(indicators)
    by_ambition: dict[int, list[Progress]] = {}
    for standing in standings:
        by_ambition.setdefault(standing.indicator.programme.ambition_id, []).append(standing)
    tiles = []
    for ambition in ambitions:
        own = by_ambition.get(ambition.pk, [])
        counted = Counter(p.status for p in own)
        tiles.append(
            Tile(
                ambition=ambition,
                standings=own,
                headlines=headlines(own),
                statuses=[
                    (status, str(Status.LABELS[status]), counted[status])
                    for status in TILE_STATUSES
                    if counted[status]
                ],
            )
        )
    statuses = Counter(
        Action.objects.filter(programme__strategy=version).values_list("status", flat=True)
    )
    return Overview(
        tiles=tiles,
        programme_count=version.programmes.count(),
        action_count=sum(statuses.values()),
        action_statuses=[(label, statuses.get(value, 0)) for value, label in Action.Status.choices],
        indicator_count=len(standings),
        measurement_count=sum(len(p.measurements) for p in standings),
    )
