"""Two strategy versions side by side: ambitions and programmes matched by their codes."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Count

from territoria.strategy.models import Ambition, Programme, Strategy

T = TypeVar("T")


@dataclass(frozen=True)
class Pair(Generic[T]):
    code: str
    left: T | None
    right: T | None

    @property
    def kept(self) -> bool:
        return self.left is not None and self.right is not None

    @property
    def dropped(self) -> bool:
        return self.right is None

    @property
    def added(self) -> bool:
        return self.left is None


@dataclass(frozen=True)
class Comparison:
    left: Strategy
    right: Strategy
    ambitions: list[Pair[Ambition]]
    programmes: list[Pair[Programme]]

    @property
    def carried_over(self) -> list[Pair[Programme]]:
        return [p for p in self.programmes if p.kept]

    @property
    def dropped(self) -> list[Pair[Programme]]:
        return [p for p in self.programmes if p.dropped]

    @property
    def added(self) -> list[Pair[Programme]]:
        return [p for p in self.programmes if p.added]


def _pairs(left: list[T], right: list[T], code: str = "code") -> list[Pair[T]]:
    by_code = {getattr(item, code): item for item in right}
    pairs = [
        Pair(getattr(item, code), item, by_code.pop(getattr(item, code), None)) for item in left
    ]
    pairs += [Pair(key, None, item) for key, item in by_code.items()]
    return pairs


def _programmes(strategy: Strategy) -> list[Programme]:
    return list(
        strategy.programmes.select_related("ambition")
        .annotate(action_count=Count("actions", distinct=True))
        .order_by("ambition__order", "name")
    )


def compare(left: Strategy, right: Strategy) -> Comparison:
    return Comparison(
        left=left,
        right=right,
        ambitions=_pairs(
            list(left.ambitions.annotate(lever_count=Count("levers"))),
            list(right.ambitions.annotate(lever_count=Count("levers"))),
        ),
        programmes=_pairs(_programmes(left), _programmes(right)),
    )
