import pytest
from django.core.exceptions import ValidationError

from territoria.ecosystem.validators import (
    enterprise_number_from_digits,
    normalise_enterprise_number,
    validate_enterprise_number,
)


@pytest.mark.parametrize(
    "raw", ["0403.170.701", "0403170701", "BE 0403.170.701", "403170701", "BE0403 170 701"]
)
def test_it_accepts_the_usual_spellings_of_a_valid_number(raw):
    assert normalise_enterprise_number(raw) == "0403.170.701"


@pytest.mark.parametrize(
    "raw, code", [("0403.170.702", "checksum"), ("12345", "length"), ("2403.170.701", "prefix")]
)
def test_it_refuses_a_wrong_number_and_says_why(raw, code):
    with pytest.raises(ValidationError) as error:
        normalise_enterprise_number(raw)
    assert error.value.code == code


def test_the_check_digits_are_97_minus_the_remainder():
    number = enterprise_number_from_digits(4_031_707)
    assert number == "0403.170.701"
    assert 97 - 4_031_707 % 97 == 1


def test_the_stored_form_is_the_dotted_one():
    validate_enterprise_number("0403.170.701")
    with pytest.raises(ValidationError):
        validate_enterprise_number("0403170701")
