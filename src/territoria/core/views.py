from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    """A page that explains what went wrong, in the site's layout."""
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        # API clients parse what they get: JSON in Opendatasoft's error shape, never a page.
        return JsonResponse(
            {"error_code": "NotFound", "message": f"No API route at {request.path}"}, status=404
        )
    return error_page(request, 404, _("Page not found"), _("There is nothing at this address."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403, _("Access denied"), _("Your account may not open this page."))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400, _("Bad request"), _("The request could not be understood."))


def territory_logo(request: HttpRequest) -> HttpResponse:
    """The region's logo (edited by staff as SVG text). Pages show it in <img>, where an SVG
    runs no script; its own policy forbids scripts should someone open it directly."""
    from hashlib import sha256

    from territoria.core import territory

    svg = territory.current().logo_svg
    etag = f'"{sha256(svg.encode()).hexdigest()[:16]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


def _cached_text(request: HttpRequest, text: str, content_type: str) -> HttpResponse:
    """`text` with an ETag of its content: a browser asks again after five minutes, and a
    304 answers when nothing changed (staff's edits to the profile show within that time)."""
    from hashlib import sha256

    etag = f'"{sha256(text.encode()).hexdigest()[:16]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(text, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    return response


def territory_theme(request: HttpRequest) -> HttpResponse:
    """The region's colours as CSS custom properties (core/territoria.css uses them): a
    stylesheet, since the site's policy allows no inline style."""
    from territoria.core import territory

    return _cached_text(
        request, theme_stylesheet(territory.current().colours), "text/css; charset=utf-8"
    )


def territory_outline(request: HttpRequest) -> HttpResponse:
    """The region's outline as a small SVG picture, drawn from the profile's GeoJSON."""
    from territoria.core import territory

    profile = territory.current()
    svg = outline_svg(profile.outline(), profile.colours)
    response = _cached_text(request, svg, "image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "core/legal_notice.html")


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


# --- The region's colours and outline, drawn for the pages ----------------------------------


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` (0-1) of `other` mixed in, both #rrggbb."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def _readable(colour: str, background: str, ratio: float = 4.5) -> str:
    """`colour`, darkened as little as needed to keep `ratio` against `background`."""
    from territoria.core.territory import contrast

    share = 0.0
    while contrast(_mix(colour, "#000000", share), background) < ratio and share < 1:
        share += 0.05
    return _mix(colour, "#000000", share)


def theme_stylesheet(colours: dict[str, str]) -> str:
    """CSS custom properties from the brand colours: each colour, a darker one for hover,
    and pale tints for backgrounds; text colours keep 4.5:1 on every tint they sit on."""
    primary, accent = colours["primary"].lower(), colours["accent"].lower()
    tint, soft = _mix(primary, "#ffffff", 0.94), _mix(primary, "#ffffff", 0.85)
    accent_tint = _mix(accent, "#ffffff", 0.92)
    values = {
        "--brand": _readable(primary, tint),
        "--brand-dark": _mix(primary, "#000000", 0.25),
        "--brand-tint": tint,
        "--brand-soft": soft,
        "--accent": _readable(accent, accent_tint),
        "--accent-dark": _mix(accent, "#000000", 0.3),
        "--accent-tint": accent_tint,
    }
    lines = "".join(f"  {name}: {value};\n" for name, value in values.items())
    return f"/* The region's colours (territory profile). */\n:root {{\n{lines}}}\n"


def outline_svg(geometry: dict[str, Any], colours: dict[str, str]) -> str:
    """The region's (Multi)Polygon as a picture, drawn as the directory's map draws it
    (`core.maps`), framed on the outline itself; an empty picture when there is none."""
    from territoria.core.maps import Frame, outline_path

    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    points = [point for polygon in polygons for ring in polygon for point in ring]
    if not points:
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>'
    longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
    frame = Frame((min(longitudes), min(latitudes), max(longitudes), max(latitudes)), 1000.0)
    fill, stroke = _mix(colours["primary"], "#ffffff", 0.85), colours["primary"]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-8 -8 {frame.width + 16:.0f} '
        f'{frame.height + 16:.0f}"><path d="{outline_path(geometry, frame)}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="4" stroke-linejoin="round" fill-rule="evenodd"/></svg>'
    )
