"""Amounts as people write them, whatever the page's language shows."""

from decimal import Decimal

import pytest

from territoria.core.fields import AmountField, parse_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("50.000", "50000"),  # Belgian: a dot between thousands
        ("50 000", "50000"),
        ("50\u202f000", "50000"),  # as French pages write it
        ("50,000", "50000"),  # as English pages write it
        ("1.500,50", "1500.50"),
        ("1,500.50", "1500.50"),
        ("1500,50", "1500.50"),
        ("1500.50", "1500.50"),
        ("1,5", "1.5"),
        ("1.234.567", "1234567"),
        ("€ 3.000", "3000"),
    ],
)
def test_an_amount_is_read_however_it_is_written(typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["1.2.3", "abc", "1,23,4", "1.50.000", "12e3", "--5"])
def test_what_is_no_amount_is_refused(typed):
    with pytest.raises(ValueError):
        parse_amount(typed)


def test_the_field_names_the_mistake():
    field = AmountField(max_digits=12, decimal_places=2)
    assert field.clean("12.500") == Decimal("12500")
    with pytest.raises(Exception) as refused:
        field.clean("douze mille")
    assert "12" in str(refused.value)
