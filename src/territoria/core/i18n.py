"""Fields stored once per language (`label_fr`, `label_nl`, …), read in the active language."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.translation import get_language

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _pick(get: Callable[[str], Any], field: str, language: str | None) -> str:
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    for code in [language, settings.LANGUAGE_CODE, *LANGUAGE_CODES]:
        value = get(f"{field}_{code}")
        if value:
            return str(value)
    return ""


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """`obj.<field>_<language>`, falling back to French then to any language that is filled in."""
    return _pick(lambda name: getattr(obj, name, ""), field, language)


def localized_value(row: dict[str, Any], field: str, language: str | None = None) -> str:
    """The same choice as `localized`, for a row read with `.values()`."""
    return _pick(row.get, field, language)


def current_language() -> str:
    """The active language's code among the site's languages (French otherwise)."""
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
