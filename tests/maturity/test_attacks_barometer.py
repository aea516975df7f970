"""Attacks on the Digiscore barometer: totalling a small group from what the page, the
reports' peers and the Open Data API publish; forging who counts; publishing a year twice,
early or differently; hostile addresses and headers; the demo command's arguments.

Each test states a rule the feature keeps. Those marked `xfail(strict=True)` are findings:
they fail on the current code and pass once it is fixed (then drop the mark).
"""

from __future__ import annotations

import datetime
import itertools

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from territoria.accounts.models import Affiliation, AffiliationRequest
from territoria.core.disclosure import MINIMUM_GROUP, protect
from territoria.ecosystem.profile import Profile
from territoria.maturity.definition import DefinitionError, parse
from territoria.maturity.models import Assessment, BarometerYear, Benchmark, DimensionScore
from territoria.maturity.services.assessments import answer, complete, start
from territoria.maturity.services.barometer import GROUPINGS, publications, publish
from territoria.maturity.services.peers import peer_group
from territoria.maturity.services.questionnaires import store
from tests.conftest import make_user
from tests.core.test_disclosure import exposed
from tests.factories import organisation
from tests.maturity.companies import LAST_YEAR, SMALL_C, at, counted, in_year, linked_company
from tests.maturity.test_attacks_maturity import browser, document, taken

pytestmark = pytest.mark.django_db

DATASET = "/api/explore/v2.1/catalog/datasets/digiscore-benchmarks"
RECORDS = f"{DATASET}/records"
THIS_YEAR = LAST_YEAR + 1


@pytest.fixture
def digiscore():
    return store(parse(document(code="digiscore")))


# --- An audit stronger than a cell's: any set of atoms ------------------------------------


def readable_groups(published, counts):
    """Every set of atoms holding 1 to 4 respondents whose total a reader works out from
    the published cells (its indicator lies in their span), with the combination."""
    atoms = sorted(a for a, n in counts.items() if n)
    if not published:
        return []
    matrix = np.array(
        [
            [
                all(v is None or v == part for v, part in zip(cell, atom, strict=True))
                for atom in atoms
            ]
            for cell in published
        ],
        dtype=float,
    )
    found = []
    for size in range(1, len(atoms) + 1):
        for chosen in itertools.combinations(range(len(atoms)), size):
            held = sum(counts[atoms[i]] for i in chosen)
            if not 0 < held < MINIMUM_GROUP:
                continue
            vector = np.zeros(len(atoms))
            vector[list(chosen)] = 1
            weights, *_ = np.linalg.lstsq(matrix.T, vector, rcond=None)
            if np.abs(matrix.T @ weights - vector).max() < 1e-9:
                found.append(([atoms[i] for i in chosen], held, weights))
    return found


# Everyone minus section C (5 medium, 12 micro) minus J's medium companies: J's micro
# company and M's three, 4 respondents.
FOUR_OF_TWO_SECTIONS = {
    ("J", "micro", "BE-WHT"): 1,
    ("J", "medium", "BE-WLG"): 5,
    ("C", "micro", "BE-WHT"): 12,
    ("C", "medium", "BE-WNA"): 6,
    ("M", "small", "BE-WNA"): 3,
}
# Everyone minus C's medium companies minus section M: two companies, C/micro and J/small.
TWO_COMPANIES = {
    ("C", "micro", "BE-WHT"): 1,
    ("M", "small", "BE-WNA"): 8,
    ("C", "medium", "BE-WHT"): 5,
    ("J", "small", "BE-WLG"): 1,
}
# With unknown values: section C plus section M minus M's small minus the province WNA.
WITH_UNKNOWNS = {
    ("C", "", "BE-WHT"): 2,
    ("", "", "BE-WLG"): 6,
    ("", "small", "BE-WHT"): 8,
    ("M", "medium", "BE-WLG"): 1,
    ("J", "medium", "BE-WHT"): 1,
    ("M", "", "BE-WNA"): 8,
    ("C", "micro", "BE-WHT"): 1,
    ("C", "medium", "BE-WNA"): 2,
    ("M", "small", "BE-WHT"): 8,
}


@pytest.mark.parametrize(
    "counts",
    [TWO_COMPANIES, FOUR_OF_TWO_SECTIONS, WITH_UNKNOWNS],
    ids=["two-companies", "four-of-two-sections", "with-unknowns"],
)
def test_no_combination_of_published_cells_totals_fewer_than_five(counts):
    published = protect(counts, GROUPINGS)
    found = readable_groups(published, counts)
    assert not found, [(atoms, held) for atoms, held, _weights in found]


@pytest.mark.parametrize(
    "counts",
    [TWO_COMPANIES, FOUR_OF_TWO_SECTIONS, WITH_UNKNOWNS],
    ids=["two-companies", "four-of-two-sections", "with-unknowns"],
)
def test_the_same_tables_keep_the_rule_for_cells_atoms_and_relations(counts):
    # What `protect` promises in its own words holds: the leak is of another kind.
    published = protect(counts, GROUPINGS)
    assert not exposed(published, counts, GROUPINGS)


@pytest.mark.parametrize(
    "counts",
    [
        {("C", "small", "BE-WNA"): 1},  # alone
        {(s, "small", "BE-WNA"): 1 for s in "ABCDEFGHIJKLMN"},  # many atoms of one
        {("C", "", ""): 5, ("", "small", ""): 5, ("", "", "BE-WNA"): 5},  # unknowns only
        {("C", "small", "BE-WNA"): 5, ("J", "medium", "BE-WHT"): 5, ("C", "micro", ""): 1},
        {("C", "small", "BE-WNA"): 40, ("C", "small", "BE-WHT"): 4},  # a structural zero
    ],
    ids=["alone", "many-ones", "unknowns-only", "one-unknown", "structural-zero"],
)
def test_tables_of_small_atoms_and_unknowns_give_no_group_under_five(counts):
    published = protect(counts, GROUPINGS)
    assert all("" not in cell for cell in published)
    assert not readable_groups(published, counts)


# --- The same, read from the Open Data API ------------------------------------------------


def records(**params):
    response = browser().get(RECORDS, {"limit": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def total(row):
    return row["mean_score"] * row["respondents"]


def test_one_company_never_reads_anothers_score_from_the_dataset(digiscore):
    counted(digiscore, 5, 5, Profile("C", "micro", "BE-WHT"))  # the target: 100
    counted(digiscore, 0, 0, Profile("J", "small", "BE-WLG"))  # the reader: 0
    for _ in range(5):
        counted(digiscore, 1, 1, Profile("C", "medium", "BE-WHT"))
    for _ in range(8):
        counted(digiscore, 2, 2, Profile("M", "small", "BE-WNA"))
    rows = records(where='dimension="overall"')
    cells = [(r["nace_section"], r["size_class"], r["province"]) for r in rows]
    assert all(r["respondents"] >= MINIMUM_GROUP for r in rows)
    assert len(set(cells)) == len(cells)
    found = readable_groups(cells, TWO_COMPANIES)
    for _atoms, _held, weights in found:
        read = sum(w * total(row) for w, row in zip(weights, rows, strict=True))
        assert abs(read - 100) > 5, f"the target's overall score read as {read:.1f}"
    assert not found


def test_every_row_of_the_dataset_and_its_exports_stands_for_five_or_more(digiscore):
    for _ in range(6):
        counted(digiscore, 3, 3, Profile("C", "small", "BE-WNA"))
    for _ in range(2):
        counted(digiscore, 5, 5, Profile("C", "", "BE-WNA"))  # size unknown
    counted(digiscore, 5, 0, Profile("J", "medium", ""))  # alone of its section
    rows = records()
    assert rows and all(r["respondents"] >= MINIMUM_GROUP for r in rows)
    assert all("" not in (r["nace_section"], r["size_class"], r["province"]) for r in rows)
    response = browser().get(f"{DATASET}/exports/csv")
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert len(lines) == len(rows) + 1
    header = lines[0].split(";")
    column = header.index("respondents")
    assert all(int(line.split(";")[column]) >= MINIMUM_GROUP for line in lines[1:])


@pytest.mark.parametrize(
    "select",
    [
        "sum(respondents) as n",
        "avg(mean_score) as m",
        "max(respondents) as n",
        "sum(respondents*1) as n",
        "avg(mean_score+0) as m",
    ],
)
def test_the_dataset_refuses_to_aggregate_its_aggregates(digiscore, select):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    response = browser().get(RECORDS, {"select": select})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"where": "respondents < 5"},
        {"where": "year = 99999999999999999999999"},
        {"where": "mean_score * respondents > 0"},
        {"group_by": "nace_section, size_class", "select": "count(*) as n"},
        {"group_by": "respondents", "select": "count(*) as n"},
        {"refine": "year:abc"},
        {"refine": ["dimension:overall", "nace_section:C"]},
        {"order_by": "respondents asc"},
        {"select": "sum(mean_score * respondents) as s", "where": "province is null"},
    ],
)
def test_hostile_queries_answer_a_client_error_or_published_rows_only(digiscore, params):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1, Profile("C", "small", "BE-WNA"))
    counted(digiscore, 5, 5, Profile("J", "micro", "BE-WHT"))  # alone
    response = browser().get(RECORDS, params)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        for row in response.json()["results"]:
            assert row.get("respondents", MINIMUM_GROUP) >= MINIMUM_GROUP
            assert row.get("nace_section") != "J"


def test_every_endpoint_of_the_dataset_answers_and_holds_only_the_digiscore(digiscore):
    tiny = store(parse(document()))  # another questionnaire: its peers' figures
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
        counted(tiny, 5, 5)
    publications("tiny")
    other = Benchmark.objects.filter(publication__questionnaire_code="tiny").first()
    client = browser()
    assert client.get(f"{RECORDS}/{other.pk}").status_code == 404
    for path in ("", "/facets", "/exports", "/records?limit=0"):
        assert client.get(f"{DATASET}{path}").status_code == 200, path
    links = [link["href"] for link in client.get(f"{DATASET}/exports").json()["links"]]
    formats = [href for href in links if "/exports/" in href]
    assert len(formats) >= 3
    for href in formats:
        response = client.get(href)
        assert response.status_code == 200, href
        if response.streaming:
            b"".join(response.streaming_content)
    page = client.get("/data/digiscore-benchmarks/", headers={"accept-language": "de"})
    assert page.status_code == 200
    assert (
        "100.0" not in b"".join(client.get(f"{DATASET}/exports/csv").streaming_content).decode()
    )  # tiny's 100s are not the Digiscore's


# --- Peers: a report reads only what is published -----------------------------------------


def test_the_peers_of_every_profile_are_published_rows(digiscore):
    for _ in range(6):
        counted(digiscore, 4, 2, Profile("C", "small", "BE-WNA"))
    for _ in range(3):
        counted(digiscore, 1, 1, Profile("C", "medium", "BE-WHT"))
    for _ in range(5):
        counted(digiscore, 0, 5, Profile("J", "micro", "BE-WHT"))
    publications("digiscore")
    published = {
        (r.nace_section, r.size_class, r.province, r.mean_score, r.respondents)
        for r in Benchmark.objects.filter(dimension="overall")
    }
    seen = set()
    for section, size in itertools.product(["C", "J", "M", ""], ["small", "medium", "micro", ""]):
        group = peer_group(taken(digiscore, 2, 2, profile=Profile(section, size, "")))
        assert group is not None and group.year == LAST_YEAR
        row = (group.nace_section or None, group.size_class or None, None)
        seen.add(row)
        assert (*row, group.overall, group.respondents) in published
    # C (9) and C/small (6) would give C/medium's three companies: one of them is withheld.
    assert (None, None, None) in seen
    assert not {("C", None, None), ("C", "small", None)} <= seen


# --- Who counts ---------------------------------------------------------------------------


def everyone_overall():
    publications("digiscore")
    row = Benchmark.objects.filter(
        nace_section=None, size_class=None, province=None, dimension="overall"
    ).first()
    return None if row is None else (row.respondents, row.mean_score)


def test_forged_respondents_make_up_no_group(users, digiscore):
    for _ in range(MINIMUM_GROUP - 1):
        counted(digiscore, 1, 1)
    pending = organisation("Pending SA")
    refused = organisation("Refused SA")
    other = linked_company("Other SA")
    for company, status in ((pending, "pending"), (refused, "refused")):
        AffiliationRequest.objects.create(
            user=users["applicant"],
            enterprise_number=company.enterprise_number,
            organisation=company,
            status=status,
        )
    staff = make_user("agency", "staff")
    with in_year(LAST_YEAR):
        for number, owner in (
            (pending.enterprise_number, users["applicant"]),  # a request, not approved
            (refused.enterprise_number, users["applicant"]),  # refused
            (pending.enterprise_number, other.user),  # linked to another company
            (other.number, users["other_applicant"]),  # a number typed, no link
            (other.number, staff),  # staff are linked to no company
        ):
            assessment = taken(digiscore, 5, 5, number, profile=SMALL_C, owner=owner)
            assert assessment.respondent == ""
    assert everyone_overall() is None
    assert peer_group(taken(digiscore, 2, 2, profile=SMALL_C)) is None


def test_two_accounts_of_one_company_count_once(digiscore):
    company = linked_company("Twice SA")
    colleague = make_user("colleague", "applicant")
    Affiliation.objects.create(
        user=colleague, organisation=company.user.affiliations.get().organisation
    )
    counted(digiscore, 0, 0, company=company)
    with in_year(LAST_YEAR):
        taken(digiscore, 5, 5, company.number, profile=SMALL_C, owner=colleague)
    for _ in range(MINIMUM_GROUP - 2):
        counted(digiscore, 1, 1)
    assert everyone_overall() is None  # 4 companies
    latest = Assessment.objects.filter(respondent=f"enterprise:{company.number}")
    assert latest.filter(is_latest_of_year=True).count() == 1
    assert latest.filter(is_latest=True).count() == 1


def test_completing_twice_scores_once_and_counts_once(digiscore):
    company = linked_company()
    with in_year(LAST_YEAR):
        started = start(digiscore, company.number, owner=company.user, profile=SMALL_C)
        answer(started.assessment, {"infra-q": 5, "strategy-q": 5})
        first = complete(started.assessment)
        second = complete(Assessment.objects.get(pk=started.assessment.pk))
    assert first.pk == second.pk and first.completed_at == second.completed_at
    assert DimensionScore.objects.filter(assessment=first).count() == 2
    assert Assessment.objects.filter(is_latest_of_year=True).count() == 1


def test_an_assessment_finished_the_next_year_counts_in_the_next_year(digiscore):
    company = linked_company()
    with in_year(LAST_YEAR - 1):
        started = start(digiscore, company.number, owner=company.user, profile=SMALL_C)
        answer(started.assessment, {"infra-q": 5, "strategy-q": 5})
    with in_year(LAST_YEAR):
        done = complete(started.assessment)
    assert done.year == LAST_YEAR


# --- Publication: closed years, once --------------------------------------------------------


def test_the_current_and_future_years_are_never_published(digiscore):
    for year in (THIS_YEAR, THIS_YEAR + 1, THIS_YEAR + 50):
        for _ in range(MINIMUM_GROUP):
            counted(digiscore, 3, 3, year=year)
    assert publications("digiscore") == []
    assert records() == []
    for year in (THIS_YEAR, THIS_YEAR + 1):
        with pytest.raises(ValueError):
            publish("digiscore", year)
    assert not BarometerYear.objects.exists()
    status = browser().get("/digiscore/barometer/").status_code
    assert status == 200


def test_new_years_night_in_brussels_belongs_to_the_new_year(digiscore):
    # 23:30 UTC on 31 December is 00:30 on 1 January in Brussels: the answers are of the
    # new year, and the year just over is published without them, whatever the clock.
    eve = datetime.datetime(LAST_YEAR, 12, 31, 23, 30, tzinfo=datetime.UTC)
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    company = linked_company()
    with at(eve):
        started = start(digiscore, company.number, owner=company.user, profile=SMALL_C)
        answer(started.assessment, {"infra-q": 5, "strategy-q": 5})
        assert complete(started.assessment).year == THIS_YEAR
        assert [p.year for p in publications("digiscore")] == [LAST_YEAR]
    assert everyone_overall() == (MINIMUM_GROUP, 20)


def test_a_closed_year_of_fewer_than_five_shows_and_serves_nothing(digiscore):
    for _ in range(MINIMUM_GROUP - 1):
        counted(digiscore, 5, 5)
    response = browser().get("/digiscore/barometer/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "No group is large enough to be shown." in response.content.decode()
    assert records() == []


def published_rows():
    return sorted(
        Benchmark.objects.values_list(
            "nace_section", "size_class", "province", "dimension", "mean_score", "respondents"
        ),
        key=str,
    )


def test_published_figures_never_change_whatever_happens_after(digiscore):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    assert [p.year for p in publications("digiscore")] == [LAST_YEAR]
    before = published_rows()
    assert before
    # A late answer of the closed year, a deletion, a publication asked again.
    counted(digiscore, 5, 5)
    Assessment.objects.filter(is_latest_of_year=True).first().delete()
    again = publish("digiscore", LAST_YEAR)
    assert again.respondents == MINIMUM_GROUP
    assert publications("digiscore") == [again]
    assert published_rows() == before
    assert BarometerYear.objects.count() == 1


def test_a_year_published_twice_keeps_one_set_of_rows(digiscore):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    one = publish("digiscore", LAST_YEAR)
    rows = Benchmark.objects.count()
    two = publish("digiscore", LAST_YEAR)  # as a second request would, meanwhile
    assert one.pk == two.pk and Benchmark.objects.count() == rows


def test_a_dimension_coded_overall_is_refused():
    with pytest.raises(DefinitionError, match="overall"):
        parse(document(code="digiscore", dimensions=("infra", "overall")))


def test_a_year_counts_its_most_common_set_of_dimensions_the_newer_on_a_tie(digiscore):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1, Profile("C", "small", "BE-WNA"))
    newer = store(
        parse(document(code="digiscore", version=2, dimensions=("infra", "strategy", "data")))
    )
    for _ in range(MINIMUM_GROUP):
        company = linked_company()
        with in_year(LAST_YEAR):
            started = start(
                newer, company.number, owner=company.user, profile=Profile("J", "micro", "BE-WHT")
            )
            answer(started.assessment, {"infra-q": 1, "strategy-q": 1, "data-q": 5})
            complete(started.assessment)
    rows = records(where='dimension="data"')
    assert rows and all(r["respondents"] == MINIMUM_GROUP for r in rows)
    assert all(r["mean_score"] == 100.0 for r in rows)
    assert not records(where='nace_section="C"')  # the first version's, not counted
    html = browser().get("/digiscore/barometer/", headers={"accept-language": "en"})
    assert html.status_code == 200


def everyone_rows():
    rows = records(where="nace_section is null and size_class is null and province is null")
    return {r["dimension"]: r for r in rows}


def test_a_lone_respondent_of_a_newer_version_is_not_read_from_the_overall(digiscore):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)  # infra 20, strategy 20, overall 20
    newer = store(
        parse(document(code="digiscore", version=2, dimensions=("infra", "strategy", "data")))
    )
    target = linked_company("Early Adopter SA")
    with in_year(LAST_YEAR):
        started = start(newer, target.number, owner=target.user, profile=SMALL_C)
        answer(started.assessment, {"infra-q": 0, "strategy-q": 0, "data-q": 5})
        complete(started.assessment)  # infra 0, strategy 0, data 100: overall 33.3
    rows = everyone_rows()
    assert "data" not in rows  # not every respondent has it
    if {"overall", "infra", "strategy"} <= set(rows):
        n = rows["overall"]["respondents"]
        # Every respondent of the first version has overall = (infra + strategy) / 2:
        # what is left is the target's overall - (infra + strategy) / 2, alone.
        read = total(rows["overall"]) - (total(rows["infra"]) + total(rows["strategy"])) / 2
        # data = 3 × read + (infra + strategy) / 2 <= 100 would pin all three of its
        # scores: the year counts its most common set of dimensions, the target is not in.
        assert n == MINIMUM_GROUP
        assert abs(read - 33.3) > 5, f"the target's data score read as {3 * read:.0f}"


# --- The page with hostile input ----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "?year=-1",
        f"?year={LAST_YEAR}.0",
        f"?year=%20{LAST_YEAR}",
        "?year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95",  # full-width digits
        f"?year={LAST_YEAR}%00",
        f"?year={LAST_YEAR}&year=abc",
        f"?year[]={LAST_YEAR}",
        "?year=" + "9" * 5000,
        "?year=%FF%FE",
    ],
)
def test_odd_years_find_nothing_or_the_default_without_error_500(digiscore, query):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    assert browser().get(f"/digiscore/barometer/{query}").status_code in (200, 404)


@pytest.mark.parametrize(
    "headers",
    [
        {"accept-language": "*"},
        {"accept-language": "xx-YY;q=abc, de;q=2"},
        {"accept-language": "nl-BE" + ",fr" * 2000},
        {"accept-language": "\u00e9\u00e8"},
        {"hx-request": "true", "hx-target": "main", "hx-boosted": "true"},
        {"hx-request": "true", "hx-history-restore-request": "true"},
    ],
    ids=["star", "bad-q", "long", "latin1", "htmx", "htmx-history"],
)
def test_odd_headers_get_the_page(digiscore, headers):
    for _ in range(MINIMUM_GROUP):
        counted(digiscore, 1, 1)
    response = browser().get(f"/digiscore/barometer/?year={LAST_YEAR}", headers=headers)
    assert response.status_code == 200


# --- The demo command ---------------------------------------------------------------------


@pytest.mark.parametrize("given", ["x", "1", "1:", ":2022", "1:2022:3", "-1:2022", "1:-2022"])
def test_a_malformed_laureate_is_a_command_error(given):
    with pytest.raises(CommandError, match="laureate"):
        call_command("load_demo_assessments", "--laureate", given)


@pytest.mark.parametrize("given", ["\u00b2:2022", "1:\u00b2", "1:" + "9" * 5000])
def test_a_laureate_with_odd_digits_is_a_command_error(given):
    with pytest.raises(CommandError, match="laureate"):
        call_command("load_demo_assessments", "--laureate", given)


@pytest.mark.parametrize("given", ["1:1999", "1:2031"])
def test_a_laureate_year_the_demo_does_not_cover_is_a_command_error(given):
    with pytest.raises(CommandError, match="laureate"):
        call_command("load_demo_assessments", "--laureate", given)


def test_too_few_organisations_for_the_demo_is_said_so(digiscore):
    for n in range(150):
        organisation(f"Demo {n} SRL")
    with pytest.raises(CommandError, match="organisations"):
        call_command("load_demo_assessments")
