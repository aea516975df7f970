"""A questionnaire as plain data: what is imported and exported as JSON, stored in the
database, and scored.

One representation serves the three: `parse` reads and checks a JSON document (every
error names where it is, as `dimensions[2].questions[0].choices[1].score`), `dump`
writes it back, and `services.questionnaires` stores it as rows staff can edit.

The format (`territoria-questionnaire/1`): a code and version, an audience (`company` or
`public-body`), texts in the four languages, maturity levels as bands of the 0–100 score
that cover it without gap, and dimensions of questions of four kinds:

- `single`: one choice among 2 or more, each with its score 0–100;
- `checklist`: any of its items, each worth `points`; an `exclusive` item ("none of
  these") is ticked alone and worth nothing;
- `scale`: an adoption level 0–5, with the words of both ends;
- `grid`: rows each answered yes, partly or no.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT = "territoria-questionnaire/1"
LANGUAGES = ("fr", "nl", "de", "en")
AUDIENCES = ("company", "public-body")
KINDS = ("single", "checklist", "scale", "grid")
# What the database holds: a version (an integer), a position in a list (a small integer).
LARGEST_VERSION = 2_147_483_647
POSITIONS = 32_767
CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SCALE_TOP = 5
GRID_ANSWERS = {"yes": 100.0, "partly": 50.0, "no": 0.0}
# Names the step's form uses itself: a question coded so would be read as them.
RESERVED = {"next", "stop", "csrfmiddlewaretoken"}
# The barometer's name for the mean of the dimensions (`Benchmark.dimension`).
OVERALL = "overall"


class DefinitionError(ValueError):
    """A questionnaire document that cannot be used, and where."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


Texts = dict[str, str]


@dataclass(frozen=True)
class Option:
    """A choice of a single-choice question, an item of a checklist or a row of a grid."""

    code: str
    label: Texts
    score: float = 0.0  # single choice: 0–100
    points: float = 0.0  # checklist: what ticking it is worth
    exclusive: bool = False  # checklist: "none of these", ticked alone


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    text: Texts
    help: Texts = field(default_factory=dict)
    weight: float = 1.0
    options: tuple[Option, ...] = ()
    low: Texts = field(default_factory=dict)  # scale: the words of 0
    high: Texts = field(default_factory=dict)  # scale: the words of 5


@dataclass(frozen=True)
class Dimension:
    code: str
    label: Texts
    description: Texts
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Level:
    code: str
    label: Texts
    low: int
    high: int


@dataclass(frozen=True)
class Definition:
    code: str
    version: int
    audience: str
    title: Texts
    description: Texts
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]

    def questions(self) -> list[Question]:
        return [q for d in self.dimensions for q in d.questions]


def parse(document: Any) -> Definition:
    """A questionnaire from its JSON document (already decoded), checked whole."""
    reader = _Reader(document, "")
    if reader.take("format", str) != FORMAT:
        raise DefinitionError("format", f"expected {FORMAT!r}")
    audience = reader.take("audience", str)
    if audience not in AUDIENCES:
        raise DefinitionError("audience", f"one of {', '.join(AUDIENCES)}, not {audience!r}")
    version = reader.take("version", int)
    if isinstance(version, bool) or not 1 <= version <= LARGEST_VERSION:
        raise DefinitionError("version", f"a whole number from 1 to {LARGEST_VERSION:,}")
    definition = Definition(
        code=reader.code("code"),
        version=version,
        audience=audience,
        title=reader.texts("title", most=200),
        description=reader.texts("description", required=False),
        levels=tuple(_level(item) for item in reader.items("levels")),
        dimensions=tuple(_dimension(item) for item in reader.items("dimensions")),
    )
    check_levels(definition.levels)
    seen: set[str] = set()
    for d, dimension in enumerate(definition.dimensions):
        if dimension.code in seen:
            raise DefinitionError(f"dimensions[{d}].code", f"{dimension.code!r} is used twice")
        if dimension.code == OVERALL:
            raise DefinitionError(f"dimensions[{d}].code", f"{OVERALL!r} names the mean of all")
        seen.add(dimension.code)
    questions: set[str] = set()
    for d, dimension in enumerate(definition.dimensions):
        for q, question in enumerate(dimension.questions):
            if question.code in RESERVED:
                where = f"dimensions[{d}].questions[{q}].code"
                raise DefinitionError(where, f"{question.code!r} names a button of the form")
            if question.code in questions:
                where = f"dimensions[{d}].questions[{q}].code"
                raise DefinitionError(where, f"{question.code!r} is used twice")
            questions.add(question.code)
    return definition


def check_levels(levels: tuple[Level, ...] | list[Level]) -> None:
    """Bands of whole scores that run from 0 to 100, each starting where the last stopped."""
    if not levels:
        raise DefinitionError("levels", "at least one level")
    expected = 0
    for n, level in enumerate(sorted(levels, key=lambda level: level.low)):
        if level.low != expected:
            gap = "overlaps the one before" if level.low < expected else "leaves a gap before it"
            raise DefinitionError(f"levels[{n}]", f"{level.code!r} starts at {level.low}: {gap}")
        if level.high < level.low:
            raise DefinitionError(f"levels[{n}]", f"{level.code!r} ends before it starts")
        expected = level.high + 1
    if expected != 101:
        raise DefinitionError("levels", "the last level must end at 100")


def dump(definition: Definition) -> dict[str, Any]:
    """The JSON document of a questionnaire (what `parse` reads)."""
    return {
        "format": FORMAT,
        "code": definition.code,
        "version": definition.version,
        "audience": definition.audience,
        "title": definition.title,
        "description": definition.description,
        "levels": [
            {"code": lv.code, "label": lv.label, "from": lv.low, "to": lv.high}
            for lv in definition.levels
        ],
        "dimensions": [
            {
                "code": d.code,
                "label": d.label,
                "description": d.description,
                "questions": [_dump_question(q) for q in d.questions],
            }
            for d in definition.dimensions
        ],
    }


def _dump_question(question: Question) -> dict[str, Any]:
    found: dict[str, Any] = {"code": question.code, "type": question.kind, "text": question.text}
    if question.help:
        found["help"] = question.help
    if question.weight != 1:
        found["weight"] = question.weight
    if question.kind == "single":
        found["choices"] = [
            {"code": o.code, "label": o.label, "score": _number(o.score)} for o in question.options
        ]
    elif question.kind == "checklist":
        found["choices"] = [
            {"code": o.code, "label": o.label, "exclusive": True}
            if o.exclusive
            else {"code": o.code, "label": o.label, "points": _number(o.points)}
            for o in question.options
        ]
    elif question.kind == "scale":
        found["low"], found["high"] = question.low, question.high
    else:
        found["rows"] = [{"code": o.code, "label": o.label} for o in question.options]
    return found


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class _Reader:
    """Fields of one JSON object, each error naming its path."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            raise DefinitionError(where, "expected an object")
        self.value, self.where = value, where

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def take(self, key: str, kind: type, required: bool = True, default: Any = None) -> Any:
        if key not in self.value:
            if required:
                raise DefinitionError(self.path(key), "missing")
            return default
        value = self.value[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise DefinitionError(self.path(key), f"expected {_KIND_NAMES[kind]}")
        return value

    def code(self, key: str) -> str:
        value = self.take(key, str)
        if not CODE.match(value) or len(value) > 60:
            raise DefinitionError(
                self.path(key), f"{value!r}: lowercase letters, digits and hyphens, 60 at most"
            )
        return str(value)

    def texts(self, key: str, required: bool = True, most: int | None = None) -> Texts:
        value = self.take(key, dict, required=required, default={})
        found: Texts = {}
        for language, text in value.items():
            if language not in LANGUAGES:
                raise DefinitionError(
                    f"{self.path(key)}.{language}", f"a language among {', '.join(LANGUAGES)}"
                )
            if not isinstance(text, str):
                raise DefinitionError(f"{self.path(key)}.{language}", "expected text")
            if most is not None and len(text.strip()) > most:
                raise DefinitionError(f"{self.path(key)}.{language}", f"{most} characters at most")
            if text.strip():
                found[language] = text.strip()
        if (required or found) and "fr" not in found:
            raise DefinitionError(f"{self.path(key)}.fr", "the French text is required")
        return found

    def items(self, key: str, least: int = 1) -> list[_Reader]:
        value = self.take(key, list)
        if len(value) < least:
            raise DefinitionError(self.path(key), f"at least {least}")
        if len(value) > POSITIONS:
            raise DefinitionError(self.path(key), f"{POSITIONS:,} at most")
        return [_Reader(item, f"{self.path(key)}[{n}]") for n, item in enumerate(value)]


_KIND_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
_KIND_NAMES.update({dict: "an object", list: "a list"})


def _level(reader: _Reader) -> Level:
    low, high = reader.take("from", int), reader.take("to", int)
    for key, value in (("from", low), ("to", high)):
        if not 0 <= value <= 100:
            raise DefinitionError(reader.path(key), "a score from 0 to 100")
    return Level(reader.code("code"), reader.texts("label", most=80), low, high)


def _dimension(reader: _Reader) -> Dimension:
    return Dimension(
        code=reader.code("code"),
        label=reader.texts("label", most=120),
        description=reader.texts("description", required=False),
        questions=tuple(_question(item) for item in reader.items("questions")),
    )


def _question(reader: _Reader) -> Question:
    kind = reader.take("type", str)
    if kind not in KINDS:
        raise DefinitionError(reader.path("type"), f"one of {', '.join(KINDS)}, not {kind!r}")
    weight = reader.take("weight", float, required=False, default=1.0)
    if not 0 < weight <= 100:
        raise DefinitionError(reader.path("weight"), "a number above 0, at most 100")
    common: dict[str, Any] = {
        "code": reader.code("code"),
        "kind": kind,
        "text": reader.texts("text"),
        "help": reader.texts("help", required=False),
        "weight": weight,
    }
    if kind == "scale":
        return Question(
            **common, low=reader.texts("low", most=120), high=reader.texts("high", most=120)
        )
    key = "rows" if kind == "grid" else "choices"
    items = reader.items(key, least=2)
    options = tuple(_option(item, kind) for item in items)
    codes = [o.code for o in options]
    for n, code in enumerate(codes):
        if code in codes[:n]:
            raise DefinitionError(items[n].path("code"), f"{code!r} is used twice")
    if kind == "single" and max(o.score for o in options) <= 0:
        raise DefinitionError(reader.path(key), "at least one choice must score above 0")
    if kind == "checklist":
        if sum(o.points for o in options) <= 0:
            raise DefinitionError(reader.path(key), "at least one item must be worth points")
    return Question(**common, options=options)


def _option(reader: _Reader, kind: str) -> Option:
    code, label = reader.code("code"), reader.texts("label", most=200)
    if kind == "single":
        score = reader.take("score", float)
        if not 0 <= score <= 100:
            raise DefinitionError(reader.path("score"), "a score from 0 to 100")
        return Option(code, label, score=score)
    if kind == "checklist":
        if reader.take("exclusive", bool, required=False, default=False):
            if "points" in reader.value:
                raise DefinitionError(reader.path("points"), "an exclusive item is worth nothing")
            return Option(code, label, exclusive=True)
        points = reader.take("points", float)
        if not 0 < points <= 100:
            raise DefinitionError(reader.path("points"), "a number above 0, at most 100")
        return Option(code, label, points=points)
    return Option(code, label)
