"""Questionnaire documents: the shipped ones are complete in four languages and survive a
round trip; a wrong document is refused with the place of the error."""

import copy
import json

import pytest

from territoria.maturity.definition import KINDS, LANGUAGES, DefinitionError, dump, parse
from territoria.maturity.services.questionnaires import SHIPPED

SHIPPED_FILES = sorted(SHIPPED.glob("*.json"))

MINIMAL = {
    "format": "territoria-questionnaire/1",
    "code": "mini",
    "version": 1,
    "audience": "company",
    "title": {"fr": "Mini"},
    "levels": [
        {"code": "low", "label": {"fr": "Bas"}, "from": 0, "to": 50},
        {"code": "high", "label": {"fr": "Haut"}, "from": 51, "to": 100},
    ],
    "dimensions": [
        {
            "code": "only",
            "label": {"fr": "Seule"},
            "questions": [
                {
                    "code": "q1",
                    "type": "single",
                    "text": {"fr": "?"},
                    "choices": [
                        {"code": "a", "label": {"fr": "A"}, "score": 0},
                        {"code": "b", "label": {"fr": "B"}, "score": 100},
                    ],
                },
            ],
        }
    ],
}


def test_the_platform_ships_the_three_questionnaires():
    codes = {json.loads(path.read_text())["code"] for path in SHIPPED_FILES}
    assert codes == {"digiscore", "dma-sme", "dma-public"}


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_a_shipped_questionnaire_is_whole_in_four_languages_and_survives_a_round_trip(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    definition = parse(document)
    assert parse(dump(definition)) == definition
    texts = [definition.title, *(d.label for d in definition.dimensions)]
    for question in definition.questions():
        texts.append(question.text)
        texts.extend(o.label for o in question.options)
    assert all(set(text) == set(LANGUAGES) for text in texts)
    assert {q.kind for q in definition.questions()} == set(KINDS)
    expected = {"digiscore": 4, "dma-sme": 6, "dma-public": 6}[definition.code]
    assert len(definition.dimensions) == expected


def broken(change):
    document = copy.deepcopy(MINIMAL)
    change(document)
    return document


def question(document):
    return document["dimensions"][0]["questions"][0]


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (lambda d: d.update(format="other/1"), "format", "expected"),
        (lambda d: d.pop("code"), "code", "missing"),
        (lambda d: d.update(code="Not a code"), "code", "lowercase"),
        (lambda d: d.update(version=0), "version", "from 1"),
        (lambda d: d.update(version="1"), "version", "a whole number"),
        (lambda d: d.update(audience="everyone"), "audience", "one of"),
        (lambda d: d.update(title={"nl": "Mini"}), "title.fr", "French"),
        (lambda d: d.update(title={"fr": "Mini", "it": "x"}), "title.it", "a language"),
        (lambda d: d["levels"][1].update({"from": 52}), "levels[1]", "gap"),
        (lambda d: d["levels"][1].update({"from": 40}), "levels[1]", "overlaps"),
        (lambda d: d["levels"][1].update({"to": 99}), "levels", "end at 100"),
        (lambda d: d["levels"][1].update({"to": 101}), "levels[1].to", "0 to 100"),
        (lambda d: d.update(dimensions=[]), "dimensions", "at least 1"),
        (lambda d: question(d).update(type="essay"), "dimensions[0].questions[0].type", "one of"),
        (
            lambda d: question(d)["choices"][1].update(score=120),
            "dimensions[0].questions[0].choices[1].score",
            "0 to 100",
        ),
        (
            lambda d: question(d)["choices"][1].update(score=0),
            "dimensions[0].questions[0].choices",
            "above 0",
        ),
        (
            lambda d: question(d)["choices"][1].update(code="a"),
            "dimensions[0].questions[0].choices[1].code",
            "used twice",
        ),
        (lambda d: question(d).update(weight=0), "dimensions[0].questions[0].weight", "above 0"),
        (
            lambda d: d["dimensions"][0]["questions"].append(copy.deepcopy(question(d))),
            "dimensions[0].questions[1].code",
            "used twice",
        ),
        (
            lambda d: question(d).update(
                type="checklist",
                choices=[
                    {"code": "a", "label": {"fr": "A"}, "points": 1},
                    {"code": "n", "label": {"fr": "N"}, "exclusive": True, "points": 1},
                ],
            ),
            "dimensions[0].questions[0].choices[1].points",
            "exclusive",
        ),
        (
            lambda d: question(d).update(type="scale"),
            "dimensions[0].questions[0].low",
            "missing",
        ),
        (
            lambda d: question(d).update(type="grid"),
            "dimensions[0].questions[0].rows",
            "missing",
        ),
        (lambda d: d["dimensions"][0].update(questions="q1"), "dimensions[0].questions", "a list"),
    ],
)
def test_a_wrong_document_is_refused_with_the_place_of_the_error(change, where, message):
    with pytest.raises(DefinitionError, match=message) as raised:
        parse(broken(change))
    assert raised.value.where == where


def test_the_minimal_document_is_read():
    definition = parse(MINIMAL)
    assert [q.code for q in definition.questions()] == ["q1"]
    assert parse(dump(definition)) == definition


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(DefinitionError, match="expected an object"):
        parse([MINIMAL])
