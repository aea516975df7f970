"""How the dataset page shows records and facet values to people: each value in the page's
language (coded values by their label), long texts cut with the rest a click away, the
columns a page leaves empty folded, and taxonomy facets as a tree of their paths.

The API and the exports are untouched by all this: they keep the values as stored.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

# Long texts are cut in the preview; the rest is one click away, the exports and the API
# give them whole.
PREVIEW_CHARS = 160
# A cut falls on a space when there is one this close to the limit, so words stay whole.
WORD_SLACK = 40


@dataclass(frozen=True)
class Cell:
    """A value as a cell shows it: `text`; a long text's start, and `full`, the whole."""

    text: str
    href: str = ""
    full: str = ""
    empty: bool = False


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def display(value: Any, kind: str, labels: Mapping[str, str] | None = None) -> Cell:
    """A value as the preview shows it, in the page's language (`labels`: the field's coded
    values and their labels)."""
    if is_empty(value):
        return Cell("—", empty=True)
    labels = labels or {}
    if isinstance(value, list):
        return cut(", ".join(labels.get(str(v), str(v)) for v in value))
    if kind == "boolean":
        return Cell(labels.get("true" if value else "false") or (_("Yes") if value else _("No")))
    if kind == "geo_point_2d" and isinstance(value, dict):
        return Cell(coordinates(value["lat"], value["lon"]))
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return Cell(formats.date_format(local, "SHORT_DATETIME_FORMAT"))
    if isinstance(value, datetime.date):
        return Cell(formats.date_format(value, "SHORT_DATE_FORMAT"))
    if kind == "double" and isinstance(value, float):
        return Cell(formats.number_format(round(value, 6), use_l10n=True))
    text = str(value)
    if text in labels:
        return Cell(labels[text])
    if text.startswith(("https://", "http://")):
        return Cell(text, href=text)
    return cut(text)


def cut(text: str) -> Cell:
    """`text` whole when short; else its start, cut on a word boundary, and the whole."""
    if len(text) <= PREVIEW_CHARS:
        return Cell(text)
    end = text.rfind(" ", PREVIEW_CHARS - WORD_SLACK, PREVIEW_CHARS)
    end = end if end > 0 else PREVIEW_CHARS - 1
    return Cell(text[:end].rstrip() + "…", full=text)


def coordinates(latitude: float, longitude: float) -> str:
    """A point in the page's language: "50.4674, 4.8719", or "50,4674; 4,8719" where the
    comma is the decimal separator."""
    pair = "; " if formats.get_format("DECIMAL_SEPARATOR") == "," else ", "
    return pair.join(
        formats.number_format(number, use_l10n=True) for number in (latitude, longitude)
    )


def value_label(value: str, kind: str, labels: Mapping[str, str]) -> str:
    """A facet or filter value as people read it (the refinement keeps `value`)."""
    if value in labels:
        return labels[value]
    if kind == "boolean":
        return _("Yes") if value == "true" else _("No") if value == "false" else value
    return value


def folded_columns(
    columns: list[dict[str, str]], rows: list[list[Cell]]
) -> tuple[list[int], list[dict[str, str]]]:
    """The indexes of the columns some record of the page fills, and the columns none
    does (folded: listed under the table rather than shown empty)."""
    if not rows:
        return list(range(len(columns))), []
    kept = [i for i in range(len(columns)) if any(not row[i].empty for row in rows)]
    folded = [column for i, column in enumerate(columns) if i not in set(kept)]
    return kept, folded


@dataclass
class FacetNode:
    """One value of a facet; in a taxonomy facet, with the values under it."""

    value: dict[str, Any]
    children: list["FacetNode"] = field(default_factory=list)

    @property
    def selected_within(self) -> bool:
        """The value or one under it is refined: its branch opens."""
        return bool(self.value["selected"]) or any(c.selected_within for c in self.children)


def facet_tree(values: list[dict[str, Any]]) -> list[FacetNode]:
    """Taxonomy facet values (their `path`: labels from the top, joined by "/") as a tree,
    each value under the nearest value whose path starts its own, and labelled by the part
    of its path below it: one label per level. The order of `values` is kept among
    siblings. A label may hold a "/" itself: it is then never mistaken for a level, since
    only the paths of actual values count as parents."""
    nodes = {value["path"]: FacetNode(value) for value in values}
    roots: list[FacetNode] = []
    for value in values:
        node = nodes[value["path"]]
        parent, below = _parent(value["path"], nodes)
        node.value["label"] = below
        (roots if parent is None else parent.children).append(node)
    return roots


def _parent(path: str, nodes: Mapping[str, FacetNode]) -> tuple[FacetNode | None, str]:
    start = len(path)
    while (start := path.rfind("/", 0, start)) > 0:
        parent = nodes.get(path[:start])
        if parent is not None:
            return parent, path[start + 1 :]
    return None, path
