import pytest

from territoria.taxonomy.expressions import ExpressionError, parse, resolve, to_json


@pytest.mark.parametrize(
    "data, path",
    [
        ("technology:ai", "expression"),
        ({}, "expression"),
        ({"concept": "ai"}, "expression.concept"),
        ({"all": []}, "expression.all"),
        ({"all": [{"concept": "technology:ai"}, {"bogus": 1}]}, "expression.all[1]"),
        ({"any": [{"not": {"concept": 3}}]}, "expression.any[0].not.concept"),
        ({"all": [{"concept": "a:b"}], "any": []}, "expression"),
    ],
)
def test_a_malformed_expression_names_the_wrong_part(data, path):
    with pytest.raises(ExpressionError) as error:
        parse(data)
    assert error.value.path == path


def test_it_round_trips_to_json():
    data = {
        "all": [
            {"concept": "technology:ai"},
            {"not": {"any": [{"concept": "nace:C"}, {"concept": "size:micro"}]}},
        ]
    }
    assert to_json(parse(data)) == data


def test_it_refuses_absurdly_deep_expressions():
    data: dict = {"concept": "technology:ai"}
    for _ in range(40):
        data = {"not": data}
    with pytest.raises(ExpressionError) as error:
        parse(data)
    assert error.value.path.count(".not") > 20


@pytest.mark.django_db
def test_an_unknown_concept_is_named_with_its_place():
    with pytest.raises(ExpressionError) as error:
        resolve(parse({"all": [{"concept": "technology:ai"}, {"concept": "technology:telepathy"}]}))
    assert error.value.path == "expression.all[1].concept"
    assert "technology:telepathy" in error.value.message
