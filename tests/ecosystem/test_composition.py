"""The composition of the directory's selection: by type, size class and NACE section, and
per municipality; the same organisations as the results, following every refinement."""

import re
from collections import Counter

import pytest

from territoria.ecosystem.models import Organisation
from territoria.taxonomy import containers
from territoria.taxonomy.engine import SqlMagnetEngine
from territoria.taxonomy.models import Concept
from tests.factories import concept, organisation


@pytest.fixture
def ecosystem(db):
    namur, liege, arlon = (concept(f"territory:{n}") for n in ("namur", "liege", "arlon"))
    micro, small = concept("size:micro"), concept("size:small")
    organisation("Nexalis", "org-type:startup", "nace:K62", municipality=namur, size_class=micro)
    organisation("Datavia", "org-type:startup", "nace:K63", municipality=namur, size_class=micro)
    organisation("Robotix", "org-type:startup", "nace:C28", municipality=liege, size_class=small)
    organisation("Boulangerie", "org-type:sme", "nace:C10", municipality=liege, size_class=small)
    organisation("Mosa Conseil", "org-type:sme", "nace:N70", municipality=arlon)
    # Two types at once: counted in both.
    organisation("Campus Lab", "org-type:university", "org-type:research-centre", "nace:N72")


def pictures(client, query: str = ""):
    response = client.get(f"/ecosystem/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.context["pictures"], response.context["page"].paginator.count


def composition(pictures, scheme: str) -> dict[str, int]:
    found = next(c for c in pictures["compositions"] if c.scheme == scheme)
    return {share.code: share.count for share in found.shares}


def expected(selection: list[Organisation], scheme: str) -> dict[str, int]:
    """Counted from the records, through SQL: each record under its top-level concept."""
    counts: Counter[str] = Counter()
    for org in selection:
        roots = set()
        for tag in org.tags.filter(concept__scheme__code=scheme).select_related("concept"):
            node: Concept = tag.concept
            while node.parent_id is not None:
                node = node.parent  # type: ignore[assignment]
            roots.add(f"{scheme}:{node.notation}")
        counts.update(roots)
    return dict(counts)


def selection_of(query: str) -> list[Organisation]:
    """The organisations the directory lists for `query` (its `q` and `c`)."""
    from django.test import Client

    response = Client().get(f"/ecosystem/?{query}")
    return list(response.context["page"].paginator.object_list)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "c=org-type:startup",
        "c=org-type:startup&c=org-type:sme",
        "c=nace:C&c=size:small",
        "q=ix&c=territory:BE-WLG",
        "c=territory:BE-WNA&c=territory:arlon",
    ],
)
def test_the_counts_by_type_size_and_sector_are_the_selections(client, ecosystem, query):
    shown, total = pictures(client, query)
    selection = selection_of(query)
    assert len(selection) == total
    for scheme in ("org-type", "size", "nace"):
        assert composition(shown, scheme) == expected(selection, scheme), scheme
    by_place = Counter(
        org.municipality.notation for org in selection if org.municipality is not None
    )
    assert {p["notation"]: p["count"] for p in shown["places"]} == dict(by_place)
    # The SQL engine, asked for the same records, agrees with the bitmap index.
    sql = SqlMagnetEngine().facet_counts(
        containers.get("organisation"),
        Organisation.objects.filter(pk__in=[o.pk for o in selection]),
        ["org-type"],
    )
    for code, count in composition(shown, "org-type").items():
        assert sql[concept(code).pk] == count


def test_the_composition_follows_a_facet_refinement(client, ecosystem):
    everything, total = pictures(client)
    assert total == 6
    assert composition(everything, "org-type") == {
        "org-type:startup": 3,
        "org-type:sme": 2,
        "org-type:university": 1,
        "org-type:research-centre": 1,
    }
    assert composition(everything, "nace") == {"nace:C": 2, "nace:K": 2, "nace:N": 2}

    startups, total = pictures(client, "c=org-type:startup")
    assert total == 3
    # Not the facet's disjunctive counts, which would still offer the SMEs.
    assert composition(startups, "org-type") == {"org-type:startup": 3}
    assert composition(startups, "size") == {"size:micro": 2, "size:small": 1}
    assert composition(startups, "nace") == {"nace:K": 2, "nace:C": 1}
    assert [(p["notation"], p["count"]) for p in startups["places"]] == [
        ("namur", 2),
        ("liege", 1),
    ]


def test_bars_are_drawn_to_the_largest_count_with_the_figure_as_text(client, ecosystem):
    page = client.get("/ecosystem/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = page.split('id="composition-org-type"')[1].split("</li>")[0]
    rows = re.findall(
        r'<th scope="row">([^<]+)<svg class="bar"[^>]*><rect width="(\d+)" height="10"/></svg>'
        r'</th><td class="num">(\d+)</td>',
        card,
    )
    assert rows[:2] == [("Start-up", "100", "3"), ("SME", "67", "2")]
    assert "<caption>Organisation type</caption>" in card


def test_an_empty_selection_shows_no_pictures(client, ecosystem):
    shown, total = pictures(client, "q=nothing-like-this")
    assert total == 0 and shown is None
