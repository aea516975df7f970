"""Questionnaires between their JSON documents and the database.

`store` writes a checked `Definition` as a new version (never over a published one),
`definition_of` reads a stored version back (what scoring and export use), and
`import_file` / `export_file` are what the commands and the back office call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from territoria.core.i18n import TRANSLATED_LANGUAGES
from territoria.maturity import definition as spec
from territoria.maturity.models import Dimension, Level, Option, Question, Questionnaire

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires"


class QuestionnaireError(ValueError):
    """A questionnaire that cannot be imported, and why (with the file and place)."""


def _fields(name: str, texts: spec.Texts) -> dict[str, str]:
    """`{"fr": …, "nl": …}` as a model's `name`, `name_nl`… fields."""
    found = {name: texts.get("fr", "")}
    found.update({f"{name}_{code}": texts.get(code, "") for code in TRANSLATED_LANGUAGES})
    return found


def _texts(obj: Any, name: str) -> spec.Texts:
    found = {"fr": getattr(obj, name)}
    found.update({code: getattr(obj, f"{name}_{code}") for code in TRANSLATED_LANGUAGES})
    return {code: text for code, text in found.items() if text}


@transaction.atomic
def store(definition: spec.Definition, publish: bool = True) -> Questionnaire:
    """Write `definition` as its code's version; a version already there is replaced only
    while it is an unpublished draft that no assessment uses."""
    existing = (
        Questionnaire.objects.select_for_update()
        .filter(code=definition.code, version=definition.version)
        .first()
    )
    if existing is not None:
        if existing.is_published or existing.assessments.exists():
            raise QuestionnaireError(
                f"{definition.code} version {definition.version} is already published: "
                "give the new one the next version number"
            )
        existing.delete()
    questionnaire = Questionnaire.objects.create(
        code=definition.code,
        version=definition.version,
        audience=definition.audience,
        published_at=timezone.now() if publish else None,
        **_fields("title", definition.title),
        **_fields("description", definition.description),
    )
    Level.objects.bulk_create(
        Level(
            questionnaire=questionnaire,
            code=level.code,
            low=level.low,
            high=level.high,
            **_fields("label", level.label),
        )
        for level in definition.levels
    )
    for d, dimension in enumerate(definition.dimensions):
        stored = Dimension.objects.create(
            questionnaire=questionnaire,
            code=dimension.code,
            position=d,
            **_fields("label", dimension.label),
            **_fields("description", dimension.description),
        )
        for q, question in enumerate(dimension.questions):
            row = Question.objects.create(
                dimension=stored,
                code=question.code,
                position=q,
                kind=question.kind,
                weight=question.weight,
                **_fields("text", question.text),
                **_fields("help", question.help),
                **_fields("low", question.low),
                **_fields("high", question.high),
            )
            Option.objects.bulk_create(
                Option(
                    question=row,
                    code=option.code,
                    position=o,
                    score=option.score,
                    points=option.points,
                    exclusive=option.exclusive,
                    **_fields("label", option.label),
                )
                for o, option in enumerate(question.options)
            )
    return questionnaire


def definition_of(questionnaire: Questionnaire) -> spec.Definition:
    """A stored version as plain data, in four queries."""
    dimensions = list(questionnaire.dimensions.all())
    questions = list(
        Question.objects.filter(dimension__questionnaire=questionnaire).order_by(
            "dimension__position", "position", "pk"
        )
    )
    options: dict[int, list[Option]] = {}
    for option in Option.objects.filter(question__dimension__questionnaire=questionnaire):
        options.setdefault(option.question_id, []).append(option)
    by_dimension: dict[int, list[spec.Question]] = {}
    for question in questions:
        by_dimension.setdefault(question.dimension_id, []).append(
            spec.Question(
                code=question.code,
                kind=question.kind,
                text=_texts(question, "text"),
                help=_texts(question, "help"),
                weight=question.weight,
                options=tuple(
                    spec.Option(o.code, _texts(o, "label"), o.score, o.points, o.exclusive)
                    for o in options.get(question.pk, [])
                ),
                low=_texts(question, "low"),
                high=_texts(question, "high"),
            )
        )
    return spec.Definition(
        code=questionnaire.code,
        version=questionnaire.version,
        audience=questionnaire.audience,
        title=_texts(questionnaire, "title"),
        description=_texts(questionnaire, "description"),
        levels=tuple(
            spec.Level(lv.code, _texts(lv, "label"), lv.low, lv.high)
            for lv in questionnaire.levels.all()
        ),
        dimensions=tuple(
            spec.Dimension(
                d.code,
                _texts(d, "label"),
                _texts(d, "description"),
                tuple(by_dimension.get(d.pk, [])),
            )
            for d in dimensions
        ),
    )


def read_file(path: Path) -> spec.Definition:
    """A questionnaire file parsed and checked; errors name the file and the place."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_once_each)
    except DuplicateKey as twice:
        raise QuestionnaireError(
            f"{path}: the key {twice.key!r} is given twice in one object"
        ) from None
    except RecursionError:
        raise QuestionnaireError(f"{path}: nested too deeply to be a questionnaire") from None
    except FileNotFoundError:
        raise QuestionnaireError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise QuestionnaireError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise QuestionnaireError(f"{path}, line {exc.lineno}: not JSON ({exc.msg})") from None
    try:
        return spec.parse(document)
    except spec.DefinitionError as exc:
        raise QuestionnaireError(f"{path}: {exc}") from None


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once (json keeps the last silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def import_file(path: Path, publish: bool = True) -> Questionnaire:
    return store(read_file(path), publish=publish)


def export_file(questionnaire: Questionnaire, path: Path) -> None:
    document = spec.dump(definition_of(questionnaire))
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_shipped() -> list[Questionnaire]:
    """The questionnaires that come with the platform, each version once (idempotent)."""
    loaded = []
    for path in sorted(SHIPPED.glob("*.json")):
        definition = read_file(path)
        found = Questionnaire.objects.filter(
            code=definition.code, version=definition.version
        ).first()
        loaded.append(found or store(definition))
    return loaded


def current(code: str) -> Questionnaire | None:
    """The latest published version of a questionnaire."""
    return (
        Questionnaire.objects.filter(code=code, published_at__isnull=False)
        .order_by("-version")
        .first()
    )
