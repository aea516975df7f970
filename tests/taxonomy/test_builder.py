import pytest

from territoria.taxonomy import builder

EXPRESSION = {
    "all": [
        {"concept": "nace:C"},
        {"not": {"any": [{"concept": "label:made-different"}, {"concept": "size:micro"}]}},
    ]
}


def test_a_tree_maps_back_to_its_expression():
    assert builder.to_expression(builder.from_expression(EXPRESSION)) == EXPRESSION


def test_operations_edit_the_tree_by_path():
    tree = builder.from_expression(EXPRESSION)
    builder.apply(tree, "add-concept", "1", "technology:ai — Intelligence artificielle")
    builder.apply(tree, "toggle-not", "1")
    builder.apply(tree, "toggle-op", "")
    assert builder.to_expression(tree) == {
        "any": [
            {"concept": "nace:C"},
            {
                "any": [
                    {"concept": "label:made-different"},
                    {"concept": "size:micro"},
                    {"concept": "technology:ai"},
                ]
            },
        ]
    }
    builder.apply(tree, "remove", "1.0")
    builder.apply(tree, "add-group", "")
    assert builder.to_expression(tree) == {
        "any": [
            {"concept": "nace:C"},
            {"any": [{"concept": "size:micro"}, {"concept": "technology:ai"}]},
        ]
    }


@pytest.mark.parametrize(
    "operation, path", [("remove", "7"), ("add-concept", "0"), ("explode", ""), ("remove", "x")]
)
def test_a_wrong_operation_raises_a_builder_error(operation, path):
    tree = builder.from_expression(EXPRESSION)
    with pytest.raises(builder.BuilderError):
        builder.apply(tree, operation, path, "nace:C")
