"""Scoring: every score within 0–100, never lower when one answer improves; answers that
do not fit their question are refused, naming it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territoria.maturity.definition import Definition, Dimension, Level, Option
from territoria.maturity.definition import Question as Q
from territoria.maturity.scoring import AnswerError, check_answer, level_of, missing, score

TEXT = {"fr": "x"}
LEVELS = (Level("basic", TEXT, 0, 25), Level("average", TEXT, 26, 50), Level("high", TEXT, 51, 100))
GRID_ORDER = ["no", "partly", "yes"]


@st.composite
def questions(draw, code):
    kind = draw(st.sampled_from(["single", "checklist", "scale", "grid"]))
    weight = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
    if kind == "scale":
        return Q(code, kind, TEXT, weight=weight, low=TEXT, high=TEXT)
    count = draw(st.integers(2, 5))
    if kind == "single":
        scores = draw(st.lists(st.integers(0, 100), min_size=count, max_size=count))
        scores[-1] = max(scores[-1], 1)
        options = tuple(Option(f"o{n}", TEXT, score=s) for n, s in enumerate(scores))
    elif kind == "checklist":
        points = draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
        options = tuple(Option(f"o{n}", TEXT, points=p) for n, p in enumerate(points))
        if draw(st.booleans()):
            options += (Option("none", TEXT, exclusive=True),)
    else:
        options = tuple(Option(f"r{n}", TEXT) for n in range(count))
    return Q(code, kind, TEXT, weight=weight, options=options)


@st.composite
def questionnaires(draw):
    dimensions = []
    for d in range(draw(st.integers(1, 4))):
        items = [draw(questions(f"q{d}-{n}")) for n in range(draw(st.integers(1, 4)))]
        dimensions.append(Dimension(f"d{d}", TEXT, {}, tuple(items)))
    return Definition("t", 1, "company", TEXT, {}, LEVELS, tuple(dimensions))


def answer_of(draw, question):
    if question.kind == "single":
        return draw(st.sampled_from([o.code for o in question.options]))
    if question.kind == "checklist":
        exclusive = any(o.exclusive for o in question.options)
        if exclusive and draw(st.booleans()):
            return ["none"]
        items = [o.code for o in question.options if not o.exclusive]
        return draw(st.lists(st.sampled_from(items), unique=True, min_size=1 if exclusive else 0))
    if question.kind == "scale":
        return draw(st.integers(0, 5))
    return {o.code: draw(st.sampled_from(GRID_ORDER)) for o in question.options}


def improved(question, answer):
    """Every answer one step better than `answer` (none if it is the best)."""
    if question.kind == "single":
        current = next(o.score for o in question.options if o.code == answer)
        return [o.code for o in question.options if o.score > current]
    if question.kind == "checklist":
        kept = [code for code in answer if code != "none"]
        return [kept + [o.code] for o in question.options if not o.exclusive and o.code not in kept]
    if question.kind == "scale":
        return [answer + 1] if answer < 5 else []
    better = []
    for row, value in answer.items():
        step = GRID_ORDER.index(value)
        if step < 2:
            better.append({**answer, row: GRID_ORDER[step + 1]})
    return better


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_scores_stay_within_0_and_100_and_never_drop_when_an_answer_improves(data):
    definition = data.draw(questionnaires())
    answers = {q.code: check_answer(q, answer_of(data.draw, q)) for q in definition.questions()}
    scores = score(definition, answers)
    values = [*scores.dimensions.values(), scores.overall]
    assert all(0 <= value <= 100 for value in values)
    assert level_of(definition.levels, scores.overall) in definition.levels
    for question in definition.questions():
        for better in improved(question, answers[question.code]):
            after = score(definition, {**answers, question.code: check_answer(question, better)})
            assert after.overall >= scores.overall
            for code, value in scores.dimensions.items():
                assert after.dimensions[code] >= value


def test_the_best_answers_score_100_and_the_worst_0():
    single = Q(
        "s", "single", TEXT, options=(Option("a", TEXT, score=0), Option("b", TEXT, score=60))
    )
    checklist = Q(
        "c",
        "checklist",
        TEXT,
        options=(
            Option("a", TEXT, points=1),
            Option("b", TEXT, points=3),
            Option("none", TEXT, exclusive=True),
        ),
    )
    scale = Q("k", "scale", TEXT, low=TEXT, high=TEXT)
    grid = Q("g", "grid", TEXT, options=(Option("r1", TEXT), Option("r2", TEXT)))
    definition = Definition(
        "t", 1, "company", TEXT, {}, LEVELS,
        (Dimension("one", TEXT, {}, (single, checklist)), Dimension("two", TEXT, {}, (scale, grid))),
    )  # fmt: skip
    best = {"s": "b", "c": ["a", "b"], "k": 5, "g": {"r1": "yes", "r2": "yes"}}
    worst = {"s": "a", "c": ["none"], "k": 0, "g": {"r1": "no", "r2": "no"}}
    assert score(definition, best).overall == 100
    assert score(definition, worst).overall == 0
    middle = {"s": "a", "c": ["b"], "k": 3, "g": {"r1": "partly", "r2": "yes"}}
    scores = score(definition, middle)
    # one: (0 + 75) / 2; two: (60 + 75) / 2; overall their mean.
    assert scores.dimensions == {"one": 37.5, "two": 67.5}
    assert scores.overall == 52.5
    assert missing(definition, {"s": "a"}) == ["c", "k", "g"]


def test_weights_count_in_their_dimension():
    a = Q("a", "scale", TEXT, weight=3, low=TEXT, high=TEXT)
    b = Q("b", "scale", TEXT, weight=1, low=TEXT, high=TEXT)
    definition = Definition(
        "t", 1, "company", TEXT, {}, LEVELS, (Dimension("d", TEXT, {}, (a, b)),)
    )
    assert score(definition, {"a": 5, "b": 0}).overall == 75


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("single", "zzz", "choose one of the options"),
        ("single", ["a"], "choose one of the options"),
        ("checklist", "a", "tick items of the list"),
        ("checklist", ["a", "zzz"], "tick items of the list"),
        ("checklist", ["a", "none"], "goes alone"),
        ("checklist", [], "at least one item"),
        ("scale", 6, "from 0 to 5"),
        ("scale", -1, "from 0 to 5"),
        ("scale", True, "from 0 to 5"),
        ("scale", "3", "from 0 to 5"),
        ("grid", {"a": "yes"}, "answer every row"),
        ("grid", {"a": "yes", "b": "maybe"}, "yes, partly or no"),
        ("grid", ["yes", "no"], "answer every row"),
    ],
)
def test_an_answer_that_does_not_fit_is_refused_naming_its_question(kind, value, message):
    options = (Option("a", TEXT, score=10, points=1), Option("b", TEXT, score=50, points=1))
    if kind == "checklist":
        options += (Option("none", TEXT, exclusive=True),)
    question = Q("the-question", kind, TEXT, options=() if kind == "scale" else options)
    with pytest.raises(AnswerError, match=message) as raised:
        check_answer(question, value)
    assert raised.value.question == "the-question"


def test_a_checklist_answer_is_kept_once_each_in_the_list_order():
    options = (Option("a", TEXT, points=1), Option("b", TEXT, points=1))
    question = Q("c", "checklist", TEXT, options=options)
    assert check_answer(question, ["b", "a", "b"]) == ["a", "b"]
    assert check_answer(question, []) == []  # no "none of these" to tick: nothing is an answer


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0, "basic"),
        (25.4, "basic"),
        (25.5, "average"),
        (50.4, "average"),
        (50.5, "high"),
        (100, "high"),
    ],
)
def test_the_level_is_read_from_the_score_rounded_to_a_whole(value, level):
    assert level_of(LEVELS, value).code == level
