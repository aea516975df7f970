"""Moments as the calls show them: Brussels time, with its UTC offset."""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _


def brussels(moment: datetime.datetime) -> str:
    """A moment as the pages and e-mails show it: Brussels time, with its UTC offset."""
    local = timezone.localtime(moment, timezone.get_default_timezone())
    offset = local.strftime("%z")
    return _("%(when)s (Brussels time, UTC%(offset)s)") % {
        "when": formats.date_format(local, "DATETIME_FORMAT"),
        "offset": f"{offset[:3]}:{offset[3:]}",
    }
