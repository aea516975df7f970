"""ODSQL's geographic functions on geo_point_2d fields, without PostGIS: `within_distance()`
and `in_bbox()` in `where`, `distance()` in `select` and `order_by`, and the geom'…'
literals they take.

A geo_point_2d field is two columns, a latitude and a longitude in degrees (WGS 84). A
distance is the great-circle (haversine) distance on a sphere of Elasticsearch's mean
Earth radius, 6,371,008.7714 m: Opendatasoft computes its "arc distance" on
Elasticsearch, so the same radius gives the same metres. `within_distance()` first keeps
the points in the circle's bounding box, a condition on the two columns alone that an
index can serve, then tests the exact distance; the box is the exact one of a circle
on the sphere (its longitude span is asin(sin r / cos φ), wider than r / cos φ), widened
by a hair for rounding, so that it never leaves out a point the distance keeps.
"""

import json
import math
import re
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import ASin, Cos, Radians, Sin, Sqrt
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThanOrEqual

from territoria.opendata import odsql
from territoria.opendata.compiler_types import text_of
from territoria.opendata.odsql import ODSQLError

EARTH_RADIUS_M = 6_371_008.7714
# Opendatasoft's units of distance, in metres (the international yard and foot).
UNITS = {
    "m": 1.0,
    "km": 1000.0,
    "cm": 0.01,
    "mm": 0.001,
    "mi": 1609.344,
    "yd": 0.9144,
    "ft": 0.3048,
}
# A number in linear time: each digit belongs to one part (`\d+\.?\d*` would split a run
# of digits in as many ways as it has, and backtrack through each on a text that fails).
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WKT_POINT = re.compile(rf"\s*POINT\s*\(\s*({_NUMBER})\s+({_NUMBER})\s*\)\s*", re.IGNORECASE)
# How deep a GeoJSON point's members may nest ({"properties": {"a": [1, 2]}}): json.loads
# recurses, and a text of thousands of brackets would raise RecursionError.
_MAX_NESTING = 32
# How much wider than exact the prefilter box is, in degrees: far above the rounding of
# doubles, far below any distance that matters.
_MARGIN = 1e-9


def point(node: Any, what: str) -> tuple[float, float]:
    """The (latitude, longitude) of a geom'…' point: WKT `POINT(lon lat)` or a GeoJSON
    Point, longitude first in both, as these formats write it."""
    if not (isinstance(node, odsql.Literal) and isinstance(node.value, odsql.Geometry)):
        raise ODSQLError(f"{what} needs a point written geom'POINT(longitude latitude)'")
    text = node.value.text
    coordinates: Any = None
    match = _WKT_POINT.fullmatch(text)
    if match:
        coordinates = [float(match.group(1)), float(match.group(2))]
    elif text.lstrip().startswith("{") and _nesting(text) <= _MAX_NESTING:
        try:
            shape = json.loads(text)
        except (ValueError, RecursionError):
            shape = None
        if isinstance(shape, dict) and shape.get("type") == "Point":
            coordinates = shape.get("coordinates")
    numbers = _doubles(coordinates)
    if numbers is None:
        raise ODSQLError(
            f"{what}: {text_of(node)} is not a point: write geom'POINT(longitude latitude)' "
            'or a GeoJSON point, geom\'{"type": "Point", "coordinates": [longitude, latitude]}\''
        )
    longitude, latitude = numbers
    return checked(latitude, longitude, what)


def _doubles(coordinates: Any) -> tuple[float, float] | None:
    """A point's two coordinates as doubles, or None: not two numbers, or a whole number
    no double holds (JSON reads [1000…0, 50] as a Python int of any size)."""
    if not (
        isinstance(coordinates, list)
        and len(coordinates) == 2
        and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coordinates)
    ):
        return None
    try:
        return float(coordinates[0]), float(coordinates[1])
    except OverflowError:
        return None


def _nesting(text: str) -> int:
    """How deep a JSON text's arrays and objects nest, read without recursion (brackets
    inside strings aside)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def checked(latitude: float, longitude: float, what: str) -> tuple[float, float]:
    """The coordinates, when they are a place on Earth."""
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise ODSQLError(f"{what}: a latitude lies between -90 and 90, not {latitude}")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise ODSQLError(f"{what}: a longitude lies between -180 and 180, not {longitude}")
    return latitude, longitude


def metres(node: Any, what: str) -> float:
    """A distance (`10km`, `100yd`, or a bare number of metres) in metres."""
    if isinstance(node, odsql.Quantity):
        number, unit = node.number, node.unit
        if unit not in UNITS:
            raise ODSQLError(
                f"{what}: unknown unit {unit!r} in {text_of(node)}; the units are "
                f"{', '.join(UNITS)}"
            )
    elif isinstance(node, odsql.Literal) and isinstance(node.value, Decimal):
        number, unit = node, "m"
    else:
        raise ODSQLError(f"{what} needs a distance such as 10km, not {text_of(node)}")
    value = float(odsql.number_value(number)) * UNITS[unit]
    if not math.isfinite(value) or value < 0:
        raise ODSQLError(f"{what}: a distance is a positive number, not {text_of(node)}")
    return value


def distance(columns: tuple[str, str], latitude: float, longitude: float) -> Any:
    """The haversine distance in metres from each row's point to (latitude, longitude);
    null where the row has no point."""
    lat, lon = (F(c) for c in columns)
    half_dlat = Sin((Radians(lat) - Value(math.radians(latitude))) / Value(2.0))
    half_dlon = Sin((Radians(lon) - Value(math.radians(longitude))) / Value(2.0))
    cosines = Cos(Radians(lat)) * Value(math.cos(math.radians(latitude)))
    root = Sqrt(half_dlat * half_dlat + cosines * half_dlon * half_dlon)
    # Rounding may take the root a hair past 1 for antipodes, where asin() would refuse
    # it. (Not LEAST(): PostgreSQL's ignores a null, and a row without a point would be
    # half the Earth away instead of nowhere.)
    clamped = Case(When(GreaterThan(root, Value(1.0)), then=Value(1.0)), default=root)
    return models.ExpressionWrapper(
        Value(2 * EARTH_RADIUS_M) * ASin(clamped), output_field=models.FloatField()
    )


def within(columns: tuple[str, str], latitude: float, longitude: float, radius: float) -> Q:
    """The rows whose point lies at most `radius` metres from (latitude, longitude)."""
    lat, lon = (F(c) for c in columns)
    angle = radius / EARTH_RADIUS_M  # radians
    box = Q()
    if angle < math.pi:
        span = math.degrees(angle) + _MARGIN
        box &= Q(GreaterThanOrEqual(lat, Value(latitude - span)))
        box &= Q(LessThanOrEqual(lat, Value(latitude + span)))
        polar = abs(latitude) + math.degrees(angle) >= 90
        if not polar:
            ratio = min(1.0, math.sin(angle) / math.cos(math.radians(latitude)))
            width = math.degrees(math.asin(ratio))
            west, east = longitude - width - _MARGIN, longitude + width + _MARGIN
            if west >= -180 and east <= 180:  # (across the antimeridian: no box)
                box &= Q(GreaterThanOrEqual(lon, Value(west)))
                box &= Q(LessThanOrEqual(lon, Value(east)))
    exact = Q(LessThanOrEqual(distance(columns, latitude, longitude), Value(radius)))
    return box & exact


def in_bbox(columns: tuple[str, str], corners: list[float]) -> Q:
    """The rows whose point lies in the box of two opposite corners (lat1, lon1, lat2,
    lon2), edges included."""
    lat1, lon1, lat2, lon2 = corners
    lat, lon = (F(c) for c in columns)
    return (
        Q(GreaterThanOrEqual(lat, Value(min(lat1, lat2))))
        & Q(LessThanOrEqual(lat, Value(max(lat1, lat2))))
        & Q(GreaterThanOrEqual(lon, Value(min(lon1, lon2))))
        & Q(LessThanOrEqual(lon, Value(max(lon1, lon2))))
    )
