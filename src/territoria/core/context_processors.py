from django.conf import settings
from django.http import HttpRequest

from territoria.core import territory


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DEMO_MODE": settings.DEMO_MODE,
        "TERRITORY": territory.current(),
    }
