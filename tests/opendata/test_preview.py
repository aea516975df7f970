"""The dataset page's preview, made readable: long texts cut with the whole one click away,
columns a page leaves empty folded and named, taxonomy facets as a tree with one label per
level, and coded values by their label in the page's language while the API keeps them."""

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from territoria.calls.models import Instrument
from territoria.ecosystem.models import Organisation
from territoria.opendata import registry, selection
from territoria.opendata.preview import PREVIEW_CHARS, cut, display, facet_tree
from territoria.taxonomy import index
from tests.factories import organisation, strategy_tree

PAGE = "/data/organisations/"
RECORDS = "/api/explore/v2.1/catalog/datasets/organisations/records"
LONG = (
    "Nexalis accompagne les PME wallonnes dans leurs projets d'intelligence artificielle, "
    "de l'audit des données jusqu'à la mise en production des modèles, avec une attention "
    "particulière à la sobriété énergétique et à l'explicabilité des décisions automatisées."
)
NAMUR_TOWN = "Wallonie/Namur/Namur"


@pytest.fixture
def orgs(db: Any) -> dict[str, Organisation]:
    index._cache.clear()
    selection._ids_cache.clear()
    cache.clear()
    found = {
        "nexalis": organisation(
            "Nexalis SRL",
            "territory:namur",
            city="Namur",
            description_fr=LONG,
            source=Organisation._meta.get_field("source").default,
        ),
        "datavia": organisation(
            "Datavia SRL", "territory:namur", city="Namur", description_fr="Données.", source="demo"
        ),
        "mosa": organisation("Mosa SA", "territory:andenne", city="Andenne", source="published"),
        "robotix": organisation("Robotix SA", "territory:liege", city="Liège", source="demo"),
    }
    index.bump()
    return found


def body_of(client: Client, params: dict[str, Any] | None = None, language: str = "fr") -> str:
    response = client.get(PAGE, params or {}, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode()


def header(body: str) -> list[str]:
    return re.findall(r'<th scope="col" data-field="([^"]+)"', body)


def cells(body: str, field: str) -> list[str]:
    """The HTML of each cell of column `field`, row by row."""
    position = header(body).index(field)
    tbody = body.split('id="records-table"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    return [re.findall(r"<td>(.*?)</td>", row, re.S)[position] for row in rows]


def text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


class FacetReader(HTMLParser):
    """A facet's checkboxes in document order: (depth of nested lists, value, label,
    whether it is ticked), and the open state of each branch."""

    def __init__(self, fieldset_id: str) -> None:
        super().__init__()
        self.fieldset_id = fieldset_id
        self.inside = False
        self.depth = 0
        self.values: list[dict[str, Any]] = []
        self.branches: list[bool] = []
        self._label: dict[str, Any] | None = None
        self._in_span = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "fieldset" and attributes.get("id") == self.fieldset_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "ul":
            self.depth += 1
        elif tag == "input" and attributes.get("type") == "checkbox":
            self._label = {
                "depth": self.depth,
                "value": attributes["value"],
                "checked": "checked" in attributes,
                "label": "",
            }
            self.values.append(self._label)
        elif tag == "span" and self._label is not None and not self._label["label"]:
            self._in_span = True
        elif tag == "details" and "facet-branch" in (attributes.get("class") or ""):
            self.branches.append("open" in attributes)

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "ul":
            self.depth -= 1
        elif tag == "span":
            self._in_span = False
        elif tag == "label":
            self._label = None
        elif tag == "fieldset":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self._in_span and self._label is not None:
            self._label["label"] += data


def facet(body: str, name: str) -> FacetReader:
    reader = FacetReader(f"facet-{name}")
    reader.feed(body)
    return reader


# --- long texts ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_long_text_shows_its_start_and_the_whole_text_one_click_away(
    client: Client, orgs: dict[str, Organisation]
) -> None:
    body = body_of(client, {"q": "Nexalis"})
    (cell,) = cells(body, "description")
    summary = re.search(r'<summary><span class="long-start">(.*?)</span>', cell, re.S)
    assert summary, cell
    start = html.unescape(summary.group(1))
    assert start.endswith("…") and len(start) <= PREVIEW_CHARS
    assert LONG.startswith(start[:-1])
    # The whole text is in the page (for screen readers and the browser's search), in the
    # <details> the summary opens, without a script.
    whole = re.search(r'<p class="long-full">(.*?)</p>', cell, re.S)
    assert whole and html.unescape(whole.group(1)) == LONG
    assert "Afficher tout le texte" in cell or "Show the whole text" in cell
    # A short text is shown as it is.
    (short,) = cells(body_of(client, {"q": "Datavia"}), "description")
    assert short == "Données."


def test_a_text_is_cut_on_a_word_and_only_when_it_is_long() -> None:
    assert cut("x" * PREVIEW_CHARS).full == ""
    long_words = ("mot " * 100).strip()
    cell = cut(long_words)
    assert cell.full == long_words
    assert cell.text.endswith("mot…") and len(cell.text) <= PREVIEW_CHARS
    # One endless word is cut where it must.
    assert len(cut("y" * 500).text) == PREVIEW_CHARS
    # A list of values is one text.
    assert display(["a" * 100, "b" * 100], "text").full == "a" * 100 + ", " + "b" * 100


# --- folded columns --------------------------------------------------------------------


@pytest.mark.django_db
def test_columns_without_a_value_on_the_page_are_folded_and_named_under_the_table(
    client: Client, orgs: dict[str, Organisation]
) -> None:
    body = body_of(client)
    columns = header(body)
    assert "website" not in columns and "street" not in columns
    assert {"name", "description", "source", "is_active"} <= set(columns)
    folded = re.search(r'<p class="meta folded-columns" id="folded-columns">(.*?)</p>', body, re.S)
    assert folded, "the folded columns are not named"
    english = body_of(client, language="en").split('id="folded-columns">', 1)[1]
    assert english.startswith("Columns without a value on this page: ")
    named = re.findall(r'<span data-field="([^"]+)">([^<]+)</span>', folded.group(1))
    assert ("website", "Site web") in named
    assert ("street", "Rue et numéro") in named
    assert "description" not in dict(named)
    # A page without a description folds that column too; the API still gives the field.
    narrowed = body_of(client, {"q": "Robotix"})
    assert "description" not in header(narrowed)
    assert 'data-field="description">Description</span>' in narrowed
    (record,) = client.get(RECORDS, {"where": 'search("Robotix")'}).json()["results"]
    assert record["description"] is None and record["website"] is None
    # A value anywhere on the page brings the column back.
    Organisation.objects.filter(pk=orgs["mosa"].pk).update(website="https://mosa.example")
    assert "website" in header(body_of(client))


@pytest.mark.django_db
def test_a_page_without_records_folds_nothing(
    client: Client, orgs: dict[str, Organisation]
) -> None:
    body = body_of(client, {"q": "nothing matches this"})
    assert "0 fiche" in body
    assert 'id="folded-columns"' not in body
    assert "name" in header(body)


# --- taxonomy facets as trees ----------------------------------------------------------


@pytest.mark.django_db
def test_a_taxonomy_facet_is_a_tree_with_one_label_per_level(
    client: Client, orgs: dict[str, Organisation], settings: Any
) -> None:
    territory = facet(body_of(client), "territory")
    shown = [(v["depth"], v["label"], v["value"]) for v in territory.values]
    assert shown == [
        (1, "Wallonie", "territory:Wallonie"),
        (2, "Namur", "territory:Wallonie/Namur"),
        (3, "Namur", f"territory:{NAMUR_TOWN}"),
        (3, "Andenne", "territory:Wallonie/Namur/Andenne"),
        (2, "Liège", "territory:Wallonie/Liège"),
        (3, "Liège", "territory:Wallonie/Liège/Liège"),
    ]
    # A facet of a few values shows them all.
    assert territory.branches == [True, True, True]
    # A larger one folds its branches, but for the only root (Wallonia): folded, it would
    # leave nothing to choose.
    settings.FACET_LIMIT = 5
    territory = facet(body_of(client), "territory")
    assert len(territory.values) == 6
    assert territory.branches == [True, False, False]
    summaries = re.findall(
        r'<details class="facet-branch"[^>]*><summary>([^<]+)</summary>',
        body_of(client, language="en"),
    )
    assert summaries == [
        "2 values within Wallonia",
        "2 values within Namur",
        "1 value within Liège",
    ]


@pytest.mark.django_db
def test_a_value_of_the_tree_refines_by_its_whole_path_and_its_branch_stays_open(
    client: Client, orgs: dict[str, Organisation], settings: Any
) -> None:
    settings.FACET_LIMIT = 5
    body = body_of(client, {"refine": f"territory:{NAMUR_TOWN}"})
    assert "2 fiches" in body
    territory = facet(body, "territory")
    ticked = [v for v in territory.values if v["checked"]]
    assert [(v["label"], v["depth"]) for v in ticked] == [("Namur", 3)]
    # The branches down to the ticked value are open.
    assert territory.branches == [True, True]
    assert {text(c) for c in cells(body, "name")} == {"Nexalis SRL", "Datavia SRL"}
    # The filter names the whole path; the API counts the same records.
    assert f"Territoire : {NAMUR_TOWN}" in body
    answer = client.get(RECORDS, {"refine": f"territory:{NAMUR_TOWN}"}).json()
    assert answer["total_count"] == 2
    # The province counts its towns.
    assert "3 fiches" in body_of(client, {"refine": "territory:Wallonie/Namur"})


def test_the_tree_puts_each_value_under_its_nearest_listed_ancestor() -> None:
    def value(path: str) -> dict[str, Any]:
        return {"path": path, "label": path, "selected": path == "A/B/C"}

    roots = facet_tree([value("A"), value("A/B/C"), value("X/Y"), value("A/B/C/D"), value("A/E")])
    tree = [
        (root.value["label"], [(c.value["label"], [g.value["label"] for g in c.children]) for c in root.children])
        for root in roots
    ]  # fmt: skip
    # "A/B" is not listed: "C" goes under "A" with the part of its path below it. "X/Y"
    # has no listed ancestor: a root with its whole path (a label may hold a "/").
    assert tree == [("A", [("B/C", ["D"]), ("E", [])]), ("X/Y", [])]
    assert roots[0].selected_within and not roots[1].selected_within


# --- coded values by their label -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "demo", "published", "yes"),
    [
        ("fr", "Fiche de démonstration fictive", "Publié par l'Agence", "Oui"),
        ("en", "Fictitious demo record", "Published by the agency", "Yes"),
    ],
)
def test_coded_values_are_shown_by_their_label_in_the_page_language(
    client: Client,
    orgs: dict[str, Organisation],
    language: str,
    demo: str,
    published: str,
    yes: str,
) -> None:
    body = body_of(client, language=language)
    names = [text(c) for c in cells(body, "name")]
    sources = dict(zip(names, [text(c) for c in cells(body, "source")], strict=True))
    assert sources["Robotix SA"] == demo
    assert sources["Mosa SA"] == published
    assert set(text(c) for c in cells(body, "is_active")) == {yes}
    # The facet shows the label and refines by the value.
    labels = {v["value"]: v["label"] for v in facet(body, "source").values}
    assert labels["source:demo"] == demo
    assert labels["source:published"] == published
    assert "source:Fiche" not in body
    # So does the filter's chip.
    refined = body_of(client, {"refine": "source:demo"}, language)
    assert f"Source : {demo}" in html.unescape(refined)
    assert {text(c) for c in cells(refined, "name")} == {"Datavia SRL", "Robotix SA"}
    # The API keeps the values as they are, whatever the language.
    answer = client.get(RECORDS, {"refine": "source:demo", "lang": language}).json()
    assert {r["source"] for r in answer["results"]} == {"demo"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "ongoing", "active"),
    [("fr", "En cours", "En vigueur"), ("en", "Ongoing", "In force")],
)
def test_the_strategy_codes_are_shown_by_their_label(
    client: Client, db: Any, language: str, ongoing: str, active: str
) -> None:
    strategy_tree()
    page = client.get("/data/strategy-actions/", headers={"Accept-Language": language})
    body = page.content.decode()
    assert [text(c) for c in cells(body, "status")] == [ongoing]
    assert [text(c) for c in cells(body, "strategy_status")] == [active]
    assert {v["value"]: v["label"] for v in facet(body, "status").values} == {
        "status:ongoing": ongoing
    }
    answer = client.get("/api/explore/v2.1/catalog/datasets/strategy-actions/records").json()
    assert [r["status"] for r in answer["results"]] == ["ongoing"]


@pytest.mark.django_db
def test_an_instrument_code_is_shown_by_the_instrument_name_in_the_language(db: Any) -> None:
    Instrument.objects.create(
        code="start-ia-public",
        prefix="SIP",
        name="Start IA secteur public",
        name_en="Start IA public sector",
        summary="…",
    )
    for dataset_id in ("calls", "laureates", "programme-impact"):
        fields = registry.get(dataset_id).field_map()
        assert fields["instrument_code"].labels_for("en") == {
            "start-ia-public": "Start IA public sector"
        }
        assert fields["instrument_code"].labels_for("fr") == {
            "start-ia-public": "Start IA secteur public"
        }
        # Dutch has no name of its own here: the French one stands.
        assert fields["instrument"].labels_for("nl") == {
            "Start IA secteur public": "Start IA secteur public"
        }
