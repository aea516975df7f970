"""The Belgian enterprise number (KBO/BCE): ten digits written 0123.456.789."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# ASCII digits only: int() and \d also take look-alikes (fullwidth, Arabic-Indic…).
_NOT_DIGITS = re.compile(r"[^0-9]")


def normalise_enterprise_number(value: str) -> str:
    """`0123456749`, `BE 0123.456.749` or `123456749` → `0123.456.749`; ValidationError if invalid."""
    digits = _NOT_DIGITS.sub("", value or "")
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) != 10:
        raise ValidationError(
            _("%(value)s: an enterprise number has 10 digits (0123.456.789)"),
            code="length",
            params={"value": value},
        )
    if digits[0] not in "01":
        raise ValidationError(
            _("%(value)s: an enterprise number starts with 0 or 1"),
            code="prefix",
            params={"value": value},
        )
    body, check = int(digits[:8]), int(digits[8:])
    if 97 - body % 97 != check:
        raise ValidationError(
            _("%(value)s: the check digits do not match (expected %(expected)02d)"),
            code="checksum",
            params={"value": value, "expected": 97 - body % 97},
        )
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def validate_enterprise_number(value: str) -> None:
    if value and normalise_enterprise_number(value) != value:
        raise ValidationError(
            _("%(value)s: write the enterprise number as 0123.456.789"),
            code="format",
            params={"value": value},
        )


def enterprise_number_from_digits(first_eight: int) -> str:
    """The valid enterprise number whose first eight digits are `first_eight`."""
    digits = f"{first_eight:08d}{97 - first_eight % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"
