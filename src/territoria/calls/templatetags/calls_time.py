"""`{{ moment|brussels }}`: a moment in Brussels time with its UTC offset."""

import datetime

from django import template

from territoria.calls.times import brussels as in_brussels

register = template.Library()


@register.filter
def brussels(moment: datetime.datetime | None) -> str:
    return in_brussels(moment) if moment else ""
