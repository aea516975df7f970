"""The public barometer and its Open Data: closed years only, groups of five or more, none
to be had by subtraction, the page and the dataset showing the same figures."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.profile import Profile
from territoria.maturity.definition import parse
from territoria.maturity.models import BarometerYear, Benchmark
from territoria.maturity.services.barometer import publications
from territoria.maturity.services.questionnaires import store
from tests.maturity.companies import LAST_YEAR, counted, linked_company
from tests.maturity.test_attacks_maturity import document

pytestmark = pytest.mark.django_db

RECORDS = "/api/explore/v2.1/catalog/datasets/digiscore-benchmarks/records"


@pytest.fixture
def digiscore():
    return store(parse(document(code="digiscore")))


def page(query="", lang="en"):
    response = Client().get(f"/digiscore/barometer/{query}", headers={"accept-language": lang})
    return response.status_code, response.content.decode()


def two_years(questionnaire):
    """Two closed years: eight companies of section C the year before last (5 small, 3
    medium), then twelve of sections C and J, in two provinces."""
    for _ in range(5):
        counted(questionnaire, 4, 2, Profile("C", "small", "BE-WNA"), year=LAST_YEAR - 1)
    for _ in range(3):
        counted(questionnaire, 1, 1, Profile("C", "medium", "BE-WNA"), year=LAST_YEAR - 1)
    for _ in range(6):
        counted(questionnaire, 5, 3, Profile("C", "small", "BE-WHT"))
    for _ in range(6):
        counted(questionnaire, 2, 0, Profile("J", "micro", "BE-WNA"))


def test_with_no_closed_year_the_page_says_so(digiscore):
    counted(digiscore, 5, 5, year=LAST_YEAR + 1)
    status, html = page()
    assert status == 200
    assert "No year has enough respondents to be published yet." in html


def test_the_page_shows_every_year_and_the_chosen_years_groups(digiscore):
    two_years(digiscore)
    status, html = page()
    assert status == 200
    trend = re.findall(r'<th scope="row">(\d{4})</th><td class="num">(\d+)</td>', html)
    assert trend == [(str(LAST_YEAR - 1), "8"), (str(LAST_YEAR), "12")]
    # The latest year by default: sections C and J, sizes small and micro, two provinces.
    assert "Manufacturing" in html and "Publishing, broadcasting" in html
    assert 'data-chart="sections-figure"' in html and 'id="sections-figure"' in html
    # Section J micro: (40 + 0) / 2 = 20.0 overall; the table beside the chart says it.
    assert re.search(
        r"distribution activities</th><td class=\"num\">6</td><td class=\"num\">20.0<", html
    )
    assert f'<option value="{LAST_YEAR}" selected>{LAST_YEAR}</option>' in html


def test_a_group_of_fewer_than_five_is_nowhere_on_the_page(digiscore):
    two_years(digiscore)
    status, html = page(f"?year={LAST_YEAR - 1}")
    assert status == 200
    # 3 medium companies: no medium row, and section C (8) minus small (5) would give them.
    assert "Medium" not in html
    everyone = Benchmark.objects.filter(publication__year=LAST_YEAR - 1)
    assert all(row.respondents >= MINIMUM_GROUP for row in everyone)
    shown = {(r.nace_section, r.size_class) for r in everyone if r.province is None}
    assert not {("C", None), ("C", "small")} <= shown


@pytest.mark.parametrize("year", ["1999", "abc", "2" * 40, f"{LAST_YEAR + 1}"])
def test_a_year_with_no_published_figures_is_not_found(digiscore, year):
    two_years(digiscore)
    assert page(f"?year={year}")[0] == 404


def test_the_page_in_french_writes_decimals_with_a_comma(digiscore):
    two_years(digiscore)
    status, html = page(lang="fr")
    assert status == 200 and "20,0" in html and "Baromètre" in html


def test_no_company_name_or_number_is_on_the_page(digiscore):
    company = linked_company("Boulangerie Unique SA")
    for _ in range(MINIMUM_GROUP - 1):
        counted(digiscore, 1, 1)
    counted(digiscore, 5, 5, company=company)
    html = page()[1]
    assert company.number not in html and "Boulangerie Unique" not in html


def test_the_dataset_publishes_the_pages_figures_and_nothing_else(digiscore):
    two_years(digiscore)
    body = Client().get(RECORDS, {"limit": 100}).json()
    rows = body["results"]
    assert body["total_count"] == Benchmark.objects.count() == len(rows)
    assert set(rows[0]) == {
        "year",
        "nace_section",
        "size_class",
        "province",
        "dimension",
        "mean_score",
        "respondents",
    }
    assert min(row["respondents"] for row in rows) >= MINIMUM_GROUP
    everyone = [
        row
        for row in rows
        if row["year"] == LAST_YEAR
        and row["nace_section"] is None
        and row["size_class"] is None
        and row["province"] is None
    ]
    means = {row["dimension"]: row["mean_score"] for row in everyone}
    # 6 × (100, 60) and 6 × (40, 0): infra 70, strategy 30, overall 50.
    assert means == {"infra": 70.0, "strategy": 30.0, "overall": 50.0}


def test_the_dataset_refuses_to_add_up_its_respondents(digiscore):
    two_years(digiscore)
    response = Client().get(RECORDS, {"select": "sum(respondents) as n"})
    assert response.status_code == 400


def test_a_year_just_over_is_published_by_its_first_reader(digiscore):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    assert Client().get(RECORDS).json()["total_count"] > 0
    assert [p.year for p in publications("digiscore")] == [LAST_YEAR]
    assert Benchmark.objects.get(
        nace_section=None, size_class=None, province=None, dimension="overall"
    ).mean_score == Decimal("20.0")


def test_a_closed_year_without_respondents_is_kept_empty_and_not_shown(digiscore):
    for year in (LAST_YEAR - 2, LAST_YEAR):
        for _ in range(MINIMUM_GROUP):
            counted(digiscore, 1, 1, year=year)
    assert [p.year for p in publications("digiscore")] == [LAST_YEAR - 2, LAST_YEAR]
    empty = BarometerYear.objects.get(year=LAST_YEAR - 1)
    assert empty.respondents == 0 and not empty.figures.exists()
    # Read again: nothing more is published, the assessments are not read.
    assert [p.year for p in publications("digiscore")] == [LAST_YEAR - 2, LAST_YEAR]
    assert BarometerYear.objects.count() == 3
