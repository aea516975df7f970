"""`{{ expert.languages|language_names }}`: "fr, en" read as "French, English" in the page's language."""

from django import template
from django.utils.translation import get_language_info

register = template.Library()


@register.filter
def language_names(codes: str) -> str:
    names = []
    for code in (part.strip() for part in codes.replace(";", ",").split(",")):
        try:
            names.append(str(get_language_info(code.lower())["name_translated"]))
        except KeyError:  # not a language Django knows: shown as written
            names.append(code)
    return ", ".join(name for name in names if name)
