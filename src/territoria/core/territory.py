"""The territory profile: the region this platform serves, as data.

A profile is a folder: `territory.toml` (names, NUTS code, bounding box, publisher,
programme, colours, logo, strategy file…), `territory.csv` (the `territory` concept scheme:
the region, its subdivisions and municipalities), `places.csv` (each municipality's
postcodes and coordinates) and `outline.json` (the region's outline, GeoJSON, for maps). Two ship with
Territoria, under `territoria/territories/`: the default one (settings.TERRITORY_FILE) and
an example for Brussels.

`territoria manage load_territory PATH` copies the file into the database, where staff
edit it in the back office; until then, the configured file (`TERRITORIA_TERRITORY`) is
the profile. Nothing else in the code names a region: it asks `current()`.
"""

import csv
import json
import time
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import get_language

LANGUAGES = ("fr", "nl", "de", "en")
PACKAGED = Path(__file__).resolve().parent.parent / "territories"
# How long a process keeps the profile before reading the database again: staff's edits
# show everywhere within this time (at once in the process that saved them).
CACHE_SECONDS = 30.0


class ProfileError(ValueError):
    """A profile file Territoria cannot use; the message names the file and the key."""


@dataclass(frozen=True)
class Place:
    """A municipality of the territory scheme: its postcodes and coordinates."""

    notation: str
    refnis: str
    postcodes: tuple[str, ...]
    latitude: float
    longitude: float


Texts = dict[str, str]


@dataclass(frozen=True)
class Territory:
    code: str
    folder: Path
    names: Texts
    nuts: str
    region_concept: str
    bbox: tuple[float, float, float, float]  # west, south, east, north
    centroid: tuple[float, float]  # longitude, latitude
    languages: tuple[str, ...]
    default_language: str
    publisher_names: Texts
    publisher_url: str
    publisher_email: str
    publisher_address: str
    programme_names: Texts
    strategy_names: Texts
    colours: dict[str, str]
    logo_svg: str
    tiles_url: str = ""
    tiles_attribution: str = ""
    credits: str = ""
    scheme_file: Path = field(default=Path())

    def name(self, language: str | None = None) -> str:
        return _in(self.names, language)

    def publisher(self, language: str | None = None) -> str:
        return _in(self.publisher_names, language)

    def programme(self, language: str | None = None) -> str:
        return _in(self.programme_names, language)

    def strategy(self, language: str | None = None) -> str:
        return _in(self.strategy_names, language)

    def places(self) -> dict[str, Place]:
        return read_places(self.folder / "places.csv")

    def place_of_postcode(self, postcode: str) -> Place | None:
        """The municipality a postcode belongs to (the first, for a shared postcode)."""
        postcode = postcode.strip()
        for place in self.places().values():
            if postcode in place.postcodes:
                return place
        return None

    def strategy_file(self) -> Path | None:
        """The published strategy this region's dashboard loads (`strategy_file` in
        territory.toml, relative to it), or None: a profile need not have one."""
        return _strategy_file(self.folder / "territory.toml")

    def outline(self) -> dict[str, Any]:
        """The region's outline as a GeoJSON geometry (empty when the profile has none)."""
        path = self.folder / "outline.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    @property
    def nuts_uri(self) -> str:
        return f"http://data.europa.eu/nuts/code/{self.nuts}"

    @property
    def bbox_wkt(self) -> str:
        w, s, e, n = self.bbox
        return f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"

    @property
    def centroid_wkt(self) -> str:
        return f"POINT({self.centroid[0]} {self.centroid[1]})"


def _in(texts: Texts, language: str | None) -> str:
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    for code in (language, settings.LANGUAGE_CODE, *LANGUAGES):
        if texts.get(code):
            return texts[code]
    return ""


@cache
def read_places(path: Path) -> dict[str, Place]:
    if not path.exists():
        return {}
    places = {}
    with path.open(encoding="utf-8") as stream:
        for line, row in enumerate(csv.DictReader(stream), start=2):
            try:
                places[row["notation"]] = Place(
                    row["notation"],
                    row.get("refnis", ""),
                    tuple(row["postcodes"].split()),
                    float(row["latitude"]),
                    float(row["longitude"]),
                )
            except (KeyError, ValueError, TypeError) as error:
                raise ProfileError(f"{path}, line {line}: {error!r}") from None
    return places


@cache
def _strategy_file(path: Path) -> Path | None:
    # Read from the file, not the database row: it names a file beside the profile's.
    try:
        name = tomllib.loads(path.read_text(encoding="utf-8")).get("strategy_file", "")
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    return (path.parent / name).resolve() if isinstance(name, str) and name else None


def read(path: Path | str) -> Territory:
    """The profile in `path` (a `territory.toml`, or the folder holding one), checked."""
    path = Path(path)
    if path.is_dir():
        path = path / "territory.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such territory profile") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise ProfileError(f"{path}: {error}") from None
    where = str(path)

    def need(key: str, kind: type | tuple[type, ...], table: dict[str, Any] = data) -> Any:
        if key not in table:
            raise ProfileError(f"{where}: `{key}` is missing")
        value = table[key]
        if not isinstance(value, kind):
            raise ProfileError(f"{where}: `{key}` has the wrong type ({type(value).__name__})")
        return value

    def texts(key: str, table: dict[str, Any] = data) -> Texts:
        value = need(key, dict, table)
        if not value.get("fr"):
            raise ProfileError(f"{where}: `{key}` needs at least its French text (`fr`)")
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ProfileError(f"{where}: `{key}` has unknown languages {sorted(unknown)}")
        return {code: str(value.get(code, "")) for code in LANGUAGES}

    def numbers(key: str, count: int) -> tuple[float, ...]:
        value = need(key, list)
        if len(value) != count or not all(isinstance(v, int | float) for v in value):
            raise ProfileError(f"{where}: `{key}` must be {count} numbers")
        return tuple(float(v) for v in value)

    bbox = numbers("bbox", 4)
    if not (-180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90):
        raise ProfileError(f"{where}: `bbox` must be west, south, east, north (WGS 84)")
    languages = tuple(need("languages", list))
    if not languages or set(languages) - set(LANGUAGES):
        raise ProfileError(f"{where}: `languages` must be among {', '.join(LANGUAGES)}")
    default_language = need("default_language", str)
    if default_language not in languages:
        raise ProfileError(f"{where}: `default_language` must be one of `languages`")
    publisher = need("publisher", dict)
    programme = need("programme", dict)
    colours = need("colours", dict)
    for key in ("primary", "accent"):
        check_colour(f"{where}: colours.{key}", str(colours.get(key, "")))
    logo = path.parent / need("logo", str)
    if not logo.is_file():
        raise ProfileError(f"{where}: logo {logo} not found")
    logo_svg = _text(logo)
    tiles = data.get("tiles", {})
    if not isinstance(tiles, dict):
        raise ProfileError(f"{where}: `tiles` has the wrong type ({type(tiles).__name__})")
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise ProfileError(f"{where}: `sources` has the wrong type ({type(sources).__name__})")
    strategy = data.get("strategy_file", "")
    if not isinstance(strategy, str):
        raise ProfileError(
            f"{where}: `strategy_file` has the wrong type ({type(strategy).__name__})"
        )
    if strategy and not (path.parent / strategy).is_file():
        raise ProfileError(f"{where}: `strategy_file` {path.parent / strategy} not found")
    scheme_file = path.parent / "territory.csv"
    if not scheme_file.exists():
        raise ProfileError(f"{where}: its territory scheme {scheme_file} is missing")
    # The places and the outline are read by the pages that draw maps: checked now, so that
    # a faulty file is refused here rather than breaking those pages.
    try:
        read_places(path.parent / "places.csv")
    except UnicodeDecodeError as error:
        raise ProfileError(f"{path.parent / 'places.csv'}: {error}") from None
    _check_outline(path.parent / "outline.json")
    return Territory(
        code=need("code", str),
        folder=path.parent,
        names=texts("name"),
        nuts=need("nuts", str),
        region_concept=need("region_concept", str),
        bbox=(bbox[0], bbox[1], bbox[2], bbox[3]),
        centroid=(lambda c: (c[0], c[1]))(numbers("centroid", 2)),
        languages=languages,
        default_language=default_language,
        publisher_names=texts("name", publisher),
        publisher_url=str(publisher.get("url", "")),
        publisher_email=need("email", str, publisher),
        publisher_address=str(publisher.get("address", "")),
        programme_names=texts("name", programme),
        strategy_names=texts("strategy", programme),
        colours={key: str(colours[key]) for key in ("primary", "accent")},
        logo_svg=logo_svg,
        tiles_url=str(tiles.get("url", "")),
        tiles_attribution=str(tiles.get("attribution", "")),
        credits=str(sources.get("places", "")),
        scheme_file=scheme_file,
    )


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        raise ProfileError(f"{path}: {error}") from None


def _check_outline(path: Path) -> None:
    """outline.json, when there is one: a GeoJSON Polygon or MultiPolygon of lon/lat points."""
    if not path.exists():
        return
    try:
        geometry = json.loads(_text(path))
    except json.JSONDecodeError as error:
        raise ProfileError(f"{path}: {error}") from None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in ("Polygon", "MultiPolygon"):
        raise ProfileError(f"{path}: not a GeoJSON Polygon or MultiPolygon")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    try:
        for polygon in polygons:
            for ring in polygon:
                for point in ring:
                    if len(point) < 2 or not all(isinstance(v, int | float) for v in point[:2]):
                        raise TypeError(point)
    except TypeError:
        raise ProfileError(
            f"{path}: `coordinates` must be rings of [longitude, latitude]"
        ) from None


def contrast(colour: str, against: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""

    def luminance(value: str) -> float:
        channels = [int(value[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(colour), luminance(against)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_colour(where: str, colour: str) -> None:
    """A brand colour is #rrggbb and keeps 4.5:1 against white (text and links use it)."""
    if (
        len(colour) != 7
        or colour[0] != "#"
        or any(c not in "0123456789abcdefABCDEF" for c in colour[1:])
    ):
        raise ProfileError(f"{where}: {colour!r} is not a #rrggbb colour")
    if contrast(colour) < 4.5:
        raise ProfileError(
            f"{where}: {colour} has a contrast of {contrast(colour):.2f}:1 against white; "
            "WCAG AA needs at least 4.5:1"
        )


# --- The profile in use ---------------------------------------------------------------------

_cached: tuple[float, Territory] | None = None


def configured_file() -> Path:
    return Path(settings.TERRITORY_FILE)


def configured() -> Territory:
    """The profile file the settings name (TERRITORIA_TERRITORY), as it is on disk."""
    return _read_cached(configured_file())


@cache
def _read_cached(path: Path) -> Territory:
    return read(path)


def current() -> Territory:
    """The profile in use: the one staff edit in the database, or the configured file."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    from territoria.core.models import TerritoryProfile

    row = TerritoryProfile.objects.first()
    territory = row.as_territory() if row is not None else configured()
    _cached = (now, territory)
    return territory


def forget() -> None:
    """Read the profile again on next use (after a change, or between tests)."""
    global _cached
    _cached = None
