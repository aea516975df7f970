"""Fields stored once per language (`label_fr`, `label_nl`, …), read in the active language."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import models
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext_lazy

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


# --- Content written in French, translated beside it ------------------------------------
#
# A model keeps its French text in the field the rest of the code reads (`Call.title`)
# and the translations in siblings named after it (`title_nl`, `title_de`, `title_en`),
# declared in one line: `title_nl, title_de, title_en = translations(title)`.

# The site's languages other than French, in the order of its language menu.
TRANSLATED_LANGUAGES = ("nl", "de", "en")
_LANGUAGE_SUFFIXES = {
    "nl": gettext_lazy("{field} (Dutch)"),
    "de": gettext_lazy("{field} (German)"),
    "en": gettext_lazy("{field} (English)"),
}

_Text = TypeVar("_Text", models.CharField, models.TextField)


def translations(field: _Text) -> tuple[_Text, _Text, _Text]:
    """The Dutch, German and English siblings of a French text field: same type and length,
    blank allowed, named "<verbose name> (Dutch)" etc."""
    if field.verbose_name is None:
        raise ValueError("a translated field needs a verbose name")
    nl, de, en = (_sibling(field, code) for code in TRANSLATED_LANGUAGES)
    return nl, de, en


def _sibling(field: _Text, code: str) -> _Text:
    options: dict[str, Any] = {"blank": True}
    if field.max_length is not None:
        options["max_length"] = field.max_length
    verbose_name = format_lazy(_LANGUAGE_SUFFIXES[code], field=field.verbose_name)
    return type(field)(verbose_name, **options)


# How the marker of a text shown in its fallback language reads to a screen reader.
_FALLBACK_NAMES = {"fr": gettext_lazy("not yet translated, in French")}


class InLanguage(NamedTuple):
    """A text and the language it is actually written in."""

    text: str
    language: str


def translated(obj: Any, field: str, language: str | None = None) -> InLanguage:
    """`obj.<field>` in `language` (the active one by default): its translation
    `<field>_<language>` when filled in, else the French `<field>`; empty for no object."""
    language = (language or current_language())[:2]
    if language != settings.LANGUAGE_CODE:
        text = getattr(obj, f"{field}_{language}", "")
        if text:
            return InLanguage(str(text), language)
    return InLanguage(str(getattr(obj, field, "") or ""), settings.LANGUAGE_CODE)


def marked(value: InLanguage, language: str | None = None) -> SafeString:
    """`value` as HTML for a page in `language` (the active one): the text itself when it is
    in that language; otherwise the text with its own `lang` attribute (WCAG 3.1.2) after a
    small visible marker naming the fallback (kept first, so that truncating the text never
    drops it)."""
    page_language = (language or current_language())[:2]
    if not value.text or value.language == page_language:
        return conditional_escape(value.text)
    return format_html(
        '<span class="untranslated"><span class="fallback-marker">'
        '<span aria-hidden="true">{}</span><span class="visually-hidden">({}) </span></span>'
        '<span lang="{}">{}</span></span>',
        value.language.upper(),
        _FALLBACK_NAMES.get(value.language, value.language),
        value.language,
        value.text,
    )


def translation_values(fields: Sequence[str], texts: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The sibling fields' values from each language's texts, in the order of `fields`:
    `(("title", "summary"), {"nl": ("Titel", "…")})` → `{"title_nl": "Titel", "summary_nl": "…"}`."""
    return {
        f"{field}_{code}": text
        for code, values in texts.items()
        for field, text in zip(fields, values, strict=True)
    }


def plotly_separators() -> str:
    """The page language's decimal then thousands separator, as Plotly's layout takes them:
    a chart writes its numbers as the table beside it does."""
    return f"{get_format('DECIMAL_SEPARATOR')}{get_format('THOUSAND_SEPARATOR')}"
