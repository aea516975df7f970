"""Answers checked and scored: each question 0–100, each dimension the weighted mean of
its questions, the whole the mean of the dimensions, to one decimal.

An answer is what a form gives, as JSON keeps it:

- `single`: the chosen option's code;
- `checklist`: the ticked items' codes (an exclusive item alone); an empty list is an
  answer (nothing ticked, scored 0) only when the list has no "none of these" item;
- `scale`: a whole number 0–5;
- `grid`: each row's code → "yes", "partly" or "no".

Improving one answer (a better-scored choice, one more item ticked, a higher level, a
row from no to partly to yes) never lowers a score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, TypeVar

from territoria.maturity.definition import (
    GRID_ANSWERS,
    SCALE_TOP,
    Definition,
    Dimension,
    Question,
)


class AnswerError(ValueError):
    """An answer that does not fit its question: names the question."""

    def __init__(self, question: str, message: str) -> None:
        super().__init__(f"{question}: {message}")
        self.question = question


@dataclass(frozen=True)
class Scores:
    dimensions: dict[str, float]  # dimension code → 0–100, one decimal
    overall: float


def check_answer(question: Question, value: Any) -> Any:
    """The answer as stored, or AnswerError."""
    codes = [o.code for o in question.options]
    if question.kind == "single":
        if value not in codes:
            raise AnswerError(question.code, "choose one of the options")
        return value
    if question.kind == "checklist":
        if not isinstance(value, list) or any(item not in codes for item in value):
            raise AnswerError(question.code, "tick items of the list")
        ticked = [code for code in codes if code in value]  # the list's order, once each
        exclusive = {o.code for o in question.options if o.exclusive}
        if len(ticked) > 1 and exclusive & set(ticked):
            raise AnswerError(question.code, "“none of these” goes alone")
        if not ticked and exclusive:  # the list offers a way to say none: nothing is no answer
            raise AnswerError(question.code, "tick at least one item, or “none of these”")
        return ticked
    if question.kind == "scale":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SCALE_TOP:
            raise AnswerError(question.code, f"a level from 0 to {SCALE_TOP}")
        return value
    if not isinstance(value, Mapping) or set(value) != set(codes):
        raise AnswerError(question.code, "answer every row")
    if any(answer not in GRID_ANSWERS for answer in value.values()):
        raise AnswerError(question.code, "yes, partly or no on each row")
    return {code: value[code] for code in codes}


def question_score(question: Question, answer: Any) -> float:
    """0–100 for a checked answer."""
    if question.kind == "single":
        best = max(o.score for o in question.options)
        chosen = next(o.score for o in question.options if o.code == answer)
        return 100.0 * chosen / best
    if question.kind == "checklist":
        total = sum(o.points for o in question.options)
        return 100.0 * sum(o.points for o in question.options if o.code in answer) / total
    if question.kind == "scale":
        return 100.0 * int(answer) / SCALE_TOP
    return float(sum(GRID_ANSWERS[answer[o.code]] for o in question.options)) / len(
        question.options
    )


def missing(definition: Definition, answers: Mapping[str, Any]) -> list[str]:
    """The codes of the questions not answered yet, in the questionnaire's order."""
    return [q.code for q in definition.questions() if q.code not in answers]


def score(definition: Definition, answers: Mapping[str, Any]) -> Scores:
    """The scores of a complete set of checked answers."""
    exact = [dimension_score(d, answers) for d in definition.dimensions]
    dimensions = {
        d.code: float(tenth(value)) for d, value in zip(definition.dimensions, exact, strict=True)
    }
    overall = sum(exact, Decimal(0)) / len(exact)
    return Scores(dimensions, float(tenth(overall)))


def dimension_score(dimension: Dimension, answers: Mapping[str, Any]) -> Decimal:
    """A dimension's exact score: its questions' scores, weighted."""
    weights = sum((Decimal(str(q.weight)) for q in dimension.questions), Decimal(0))
    total = sum(
        (
            Decimal(str(q.weight)) * Decimal(repr(question_score(q, answers[q.code])))
            for q in dimension.questions
        ),
        Decimal(0),
    )
    return total / weights


class Band(Protocol):
    low: int
    high: int


B = TypeVar("B", bound=Band)


def level_of(levels: Sequence[B], value: float) -> B:
    """The band holding `value` rounded to a whole score (levels as data or as rows)."""
    whole = int(Decimal(repr(value)).quantize(Decimal(1), ROUND_HALF_UP))
    for level in levels:
        if level.low <= whole <= level.high:
            return level
    raise ValueError(f"no level holds {whole}")


def tenth(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)
