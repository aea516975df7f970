"""Content staff write in French and translate beside it, in the page's language.

`{{ call|translated:"title" }}` is the title in the page's language, or the French one
marked as such (see `core.i18n.marked`); `{{ call|translated_text:"title" }}` is the same
text without markup, for `<title>`, `<option>` and attributes; `{{ value|marked }}` renders a
text already chosen in Python (an `InLanguage`) by the same rule.
"""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from territoria.core import i18n

register = template.Library()


@register.filter
def translated(obj: Any, field: str) -> SafeString:
    return i18n.marked(i18n.translated(obj, field))


@register.filter
def translated_text(obj: Any, field: str) -> str:
    return i18n.translated(obj, field).text


@register.filter
def marked(value: i18n.InLanguage) -> SafeString:
    return i18n.marked(value)
