"""The impact page's breakdowns: requests per year and per instrument, laureates per province
and per sector, each a bar chart with a table of the same figures beside it."""

import html
import json
import re
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from territoria.calls.models import Application, Instrument
from territoria.calls.services.impact_charts import laureates_by_province, laureates_by_sector
from tests.calls.conftest import brussels, make_call
from tests.factories import concept, organisation

# (call, status, municipality, NACE codes with the main activity first, submitted in)
ROWS = [
    ("t2023", "completed", "namur", ["nace:K62", "nace:C10"], 2023),
    ("t2023", "rejected", "namur", ["nace:C10"], 2023),
    ("t2024", "selected", "liege", ["nace:C10", "nace:K62"], 2024),
    ("t2024", "progress", "wavre", ["nace:K62"], 2024),
    ("s2024", "selected", "namur", ["nace:J"], 2024),
    ("s2024", "submitted", "mons", [], 2024),
    ("s2025", "completed", None, [], 2025),
    ("s2025", "draft", "arlon", ["nace:M"], None),
]


@pytest.fixture
def programme(users):
    start_ia, _ = Instrument.objects.get_or_create(
        code="start-ia",
        defaults={"prefix": "SIA", "name": "Start IA", "name_en": "Start AI", "summary": "."},
    )
    calls = {}
    for code in ("t2023", "t2024", "s2024", "s2025"):
        calls[code] = make_call(code)
        if code.startswith("s"):
            calls[code].instrument = start_ia
            calls[code].save()
    Instrument.objects.filter(code="tremplin-ia").update(name_en="Springboard AI")
    applications = []
    for i, (call, status, place, codes, year) in enumerate(ROWS):
        org = organisation(
            f"Org {i}", *codes, municipality=concept(f"territory:{place}") if place else None
        )
        applications.append(
            Application.objects.create(
                call=calls[call],
                organisation=org,
                created_by=users["applicant"],
                status=status,
                submitted_at=brussels(year, 3, 1, 10, 0) if year else None,
            )  # fmt: skip
        )
    return applications


def english(client) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/calls/impact/")
    assert response.status_code == 200
    return response.content.decode()


def table(page: str, table_id: str) -> list[list[str]]:
    """The table's rows as the text of their cells, the header row first."""
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def figure(page: str, script_id: str) -> dict:
    source = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', page)
    return json.loads(source.group(1))


def test_requests_per_year_and_per_instrument(client, programme):
    page = english(client)
    rows = table(page, "requests-per-year")
    assert rows == [
        # Instruments in their order (position, then name): Start IA before Tremplin IA.
        ["Year", "Start AI", "Springboard AI", "Requests", "Growth"],
        ["2023", "0", "2", "2", "—"],
        ["2024", "2", "2", "4", "+100 %"],
        ["2025", "1", "0", "1", "-75 %"],
    ]
    # Counted apart from the page: drafts are not requests.
    submitted = Application.objects.filter(submitted_at__isnull=False)
    per_instrument = Counter(
        (a.submitted_at.year, a.call.instrument.code) for a in submitted.select_related("call")
    )
    assert per_instrument[(2024, "start-ia")] == 2 and sum(per_instrument.values()) == 7
    chart = figure(page, "figure-requests-chart")
    assert [trace["type"] for trace in chart["data"]] == ["bar", "bar"]
    assert [(t["name"], t["x"], t["y"]) for t in chart["data"]] == [
        ("Start AI", ["2023", "2024", "2025"], [0, 2, 1]),
        ("Springboard AI", ["2023", "2024", "2025"], [2, 2, 0]),
    ]
    assert chart["layout"]["barmode"] == "group"


def test_laureates_by_province_follow_the_territory_tree(client, programme):
    page = english(client)
    rows = table(page, "laureates-by-province")
    assert rows[0] == ["Province", "Laureates"]
    counts = {name: int(n) for name, n in rows[1:]}
    # Laureates: completed, selected and in progress; a municipality counts for its province.
    assert counts == {
        "Walloon Brabant": 1,  # Wavre
        "Hainaut": 0,  # Mons: submitted, not selected
        "Liège": 1,
        "Luxembourg": 0,  # Arlon: a draft
        "Namur": 2,
        "Outside the region or not located": 1,  # no municipality
    }
    assert (
        sum(counts.values())
        == Application.objects.filter(status__in=["selected", "progress", "completed"]).count()
    )
    chart = figure(page, "figure-provinces-chart")
    assert chart["data"][0]["type"] == "bar" and chart["data"][0]["orientation"] == "h"
    assert dict(zip(chart["data"][0]["y"], chart["data"][0]["x"], strict=True)) == counts


def test_a_province_is_found_through_the_closure_not_the_names(programme):
    namur = concept("territory:BE-WNA")
    namur.label_fr = namur.label_en = "Renamed"
    namur.save()
    assert {s.notation: s.count for s in laureates_by_province()}["BE-WNA"] == 2


def test_laureates_by_sector_count_the_section_of_the_main_activity(client, programme):
    page = english(client)
    rows = table(page, "laureates-by-sector")
    assert rows[0] == ["Sector (NACE section)", "Laureates"]
    # Org 0 (K62 first, then C10) and Org 3 (K62): K; Org 2 (C10 first): C; Org 4 tagged
    # with the section J itself; Org 6, with no activity, last. The largest first.
    assert rows[1:] == [
        [f"K {concept('nace:K').label_en}", "2"],
        [f"C {concept('nace:C').label_en}", "1"],
        [f"J {concept('nace:J').label_en}", "1"],
        ["No activity recorded", "1"],
    ]
    shares = {s.notation: s.count for s in laureates_by_sector()}
    assert shares == {"K": 2, "C": 1, "J": 1, "": 1}
    chart = figure(page, "figure-sectors-chart")
    assert chart["data"][0]["y"] == ["K", "C", "J", "—"]
    assert chart["data"][0]["x"] == [2, 1, 1, 1]
    assert chart["layout"]["xaxis"]["dtick"] == 1  # whole laureates only


def test_numbers_and_separators_follow_the_page_language(client, programme):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/calls/impact/").content.decode()
    assert figure(page, "figure-requests-chart")["layout"]["separators"] == ",\u202f"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/calls/impact/").content.decode()
    assert figure(page, "figure-requests-chart")["layout"]["separators"] == ".,"


def test_with_no_application_the_tables_say_so_and_no_chart_is_drawn(client, db):
    page = english(client)
    assert "No request yet." in page and "No laureate yet." in page
    assert "data-chart=" not in page and "plotly" not in page


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/calls/impact/").status_code == 200
    return len(queries)


def test_the_page_takes_a_fixed_number_of_queries(
    client, programme, users, django_assert_max_num_queries
):
    # The provinces and sectors read the laureates' profiles (`ecosystem.profile`), five
    # queries each whatever their number; the Digiscore's section reads its closed cohorts
    # (`maturity.services.progress.published`), two.
    with django_assert_max_num_queries(28):
        client.get("/calls/impact/")
    before = count_queries(client)
    call = make_call("more")
    for i in range(6):
        org = organisation(f"More {i}", "nace:A01", municipality=concept("territory:arlon"))
        Application.objects.create(
            call=call, organisation=org, created_by=users["applicant"], status="selected",
            submitted_at=brussels(2025, 4, 1, 10, 0),
        )  # fmt: skip
    assert count_queries(client) == before
    counts = {s.notation: s.count for s in laureates_by_province()}
    assert counts["BE-WLX"] == 6
