"""Form fields that read what people write, in any of the site's languages."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Spaces people put between thousands: plain, no-break, narrow no-break, thin.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def parse_amount(text: str) -> Decimal:
    """An amount of money as people write it: 1.500, 1 500, 1,500, 1500,50, 1.500,50,
    1,500.50 or 1500.50. A dot or a comma followed by exactly three digits groups
    thousands (no amount has three decimals); with both, the last one is the decimal mark.
    Raises ValueError when it cannot be read."""
    compact = _SPACES.sub("", text).removesuffix("€").removeprefix("€")
    if not compact or not re.fullmatch(r"-?[\d.,]+", compact):
        raise ValueError(text)
    sign, digits = ("-", compact[1:]) if compact.startswith("-") else ("", compact)
    if "." in digits and "," in digits:
        decimal_mark = "." if digits.rfind(".") > digits.rfind(",") else ","
        whole, _mark, cents = digits.rpartition(decimal_mark)
        number = f"{whole.replace('.', '').replace(',', '')}.{cents}"
    elif _GROUPED.match(digits):
        number = digits.replace(".", "").replace(",", "")
    elif digits.count(".") + digits.count(",") <= 1:
        number = digits.replace(",", ".")
    else:
        raise ValueError(text)
    try:
        return Decimal(sign + number)
    except InvalidOperation:
        raise ValueError(text) from None


class AmountField(forms.DecimalField):
    """A decimal field that reads amounts written the Belgian, French or English way."""

    default_error_messages = {"invalid": _("Write an amount, e.g. 12.500 or 12 500,50.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.localize = True
        self.widget.is_localized = True
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return Decimal(value)
        try:
            return parse_amount(str(value))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
