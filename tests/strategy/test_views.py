import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.utils import translation

from territoria.core.models import AuditEntry
from territoria.strategy.models import (
    Action,
    Ambition,
    Measurement,
    MeasurementImport,
    PolicyLever,
    Programme,
    Strategy,
)
from territoria.taxonomy.services import set_tags
from tests.factories import concept, strategy_tree


@pytest.fixture
def dashboard(db):
    tree = strategy_tree("dw", is_default=True)
    programme = tree["programme"]
    second = Ambition.objects.create(
        strategy=tree["strategy"], code="usages", order=2, title="Usages"
    )
    other = Programme.objects.create(
        strategy=tree["strategy"], ambition=second, code="edu", name="Edu"
    )
    actions = {"act": tree["action"]}
    specs = [
        ("calls", programme, "call-for-projects", ["smes", "startups"], "done", True, (2020, 2021)),
        ("epn", other, "network", ["citizens"], "ongoing", False, (2023, None)),
        ("schools", other, "equipment", ["schools"], "planned", True, (2026, 2027)),
        ("study", other, "study", [], "done", False, None),
    ]
    for code, prog, kind, audiences, status, recovery, years in specs:
        action = Action.objects.create(
            programme=prog, code=code, title=f"Action {code}", status=status,
            recovery_plan=recovery, action_type=concept(f"action-type:{kind}"),
            start_on=datetime.date(years[0], 1, 1) if years else None,
            end_on=datetime.date(years[1], 12, 31) if years and years[1] else None,
            date_precision="year", budget=Decimal("1500000") if code == "calls" else None,
        )  # fmt: skip
        set_tags(action, [concept(f"audience:{a}") for a in audiences] + [action.action_type])
        actions[code] = action
    indicator = tree["indicator"]
    indicator.is_key = True
    indicator.save()
    for year, value in ((2022, 100), (2023, 150)):
        Measurement.objects.create(
            indicator=indicator, measured_on=datetime.date(year, 12, 31), value=value,
            source_url=f"https://example.org/{year}", note=f"« {value} en {year} »",
        )  # fmt: skip
    return {**tree, "actions": actions, "other": other}


def test_the_home_shows_ambitions_key_figures_and_their_sources(client, dashboard):
    page = client.get("/dashboard/").content.decode()
    assert "Ambition" in page and "Usages" in page
    assert "https://example.org/2023" in page  # the latest figure's source
    assert "150" in page


def test_the_version_switch_and_an_unknown_version(client, dashboard):
    strategy_tree("other", status="closed")
    assert client.get("/dashboard/?version=other")["Location"] == "/dashboard/other/"
    assert client.get("/dashboard/?version=nope").status_code == 200
    assert client.get("/dashboard/nope/").status_code == 404


def test_a_draft_version_is_hidden_from_the_public(client, client_for, dashboard):
    strategy_tree("draft", status="draft")
    assert "Strategy draft" not in client.get("/dashboard/versions/").content.decode()
    assert "Strategy draft" in client_for("staff").get("/dashboard/versions/").content.decode()
    assert client.get("/dashboard/?version=draft").status_code == 200  # the default version
    assert client_for("staff").get("/dashboard/?version=draft")["Location"] == "/dashboard/draft/"


def rows_of(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"act", "calls", "epn", "schools", "study"}),
        ("ambition=usages", {"epn", "schools", "study"}),
        ("programme=prog", {"act", "calls"}),
        ("status=done", {"calls", "study"}),
        ("recovery=yes", {"calls", "schools"}),
        ("recovery=no", {"act", "epn", "study"}),
        ("c=audience:companies", {"calls"}),  # SMEs and start-ups are companies
        ("c=audience:citizens&c=audience:schools", {"epn", "schools"}),  # either
        ("c=audience:citizens&c=action-type:equipment", set()),  # both schemes
        ("from=2024-01-01", {"act", "epn", "schools"}),  # running in 2024 or later
        ("from=2021-06-01&to=2022-06-01", {"act", "calls"}),
        ("to=2020-12-31", {"calls"}),
        ("ambition=usages&recovery=yes", {"schools"}),
    ],
)
def test_filters(client, dashboard, query, expected):
    response = client.get(f"/dashboard/dw/actions/?{query}")
    assert response.status_code == 200
    shown = {
        row.split("</a>")[0].rsplit(">", 1)[-1]
        for row in response.content.decode().split('href="/dashboard/actions/')[1:]
    }
    titles = {"Action dw" if code == "act" else f"Action {code}" for code in expected}
    assert shown == titles
    csv_rows = rows_of(client.get(f"/dashboard/dw/actions.csv?{query}"))
    assert {row[0] for row in csv_rows[1:]} == titles


def test_the_csv_holds_the_table_column_for_column(client, dashboard):
    with translation.override("en"):
        rows = rows_of(
            client.get("/dashboard/dw/actions.csv?programme=prog", HTTP_ACCEPT_LANGUAGE="en")
        )
    assert rows[0] == [
        "Action",
        "Programme",
        "Ambition",
        "Type",
        "Audiences",
        "Start",
        "End",
        "Status",
        "Budget",
        "Recovery plan",
    ]
    calls = next(row for row in rows if row[0] == "Action calls")
    assert calls[1:] == [
        "Programme dw",
        "Ambition",
        "Call for projects",
        "SMEs and micro-enterprises, Start-ups",
        "2020",
        "2021",
        "done",
        "1500000",
        "yes",
    ]


def test_wrong_filter_values_are_reported_not_errors(client, dashboard):
    response = client.get(
        "/dashboard/dw/actions/?ambition=x&status=lost&recovery=maybe&from=tomorrow&c=nope:x&to=2020-01-01&from=2021-01-01"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<li>") >= 4
    assert "5 actions" in page or "5 actions" in page.replace("\xa0", " ")


def test_an_htmx_request_gets_the_fragment(client, dashboard):
    response = client.get("/dashboard/dw/actions/?status=done", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_action_indicator_and_programme_pages(client, dashboard):
    action = dashboard["action"]
    page = client.get(f"/dashboard/actions/{action.pk}/").content.decode()
    assert 'data-chart="figure-ind-dw"' in page
    assert 'id="figure-ind-dw" type="application/json"' in page
    assert re.search(r"/static/vendor/plotly-territoria\.min\.[0-9a-f]{12}\.js", page)
    assert "« 150 en 2023 »" in page
    study = dashboard["actions"]["study"]
    page = client.get(f"/dashboard/actions/{study.pk}/").content.decode()
    assert "plotly-territoria" not in page
    assert "not published" in page or "publié" in page
    assert client.get("/dashboard/indicators/ind-dw/").status_code == 200
    assert client.get("/dashboard/dw/programmes/prog/").status_code == 200
    assert client.get("/dashboard/dw/ambitions/usages/").status_code == 200


def test_plotly_is_served_from_the_package(client, dashboard, settings):
    from django.templatetags.static import static

    response = client.get(static("vendor/plotly-territoria.min.js"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"plotly.js (territoria" in body[:200]


def test_steering_lists_indicators_at_risk(client, dashboard):
    indicator = dashboard["indicator"]
    indicator.target_value, indicator.target_date = Decimal(10_000), datetime.date(2030, 12, 31)
    indicator.save()
    page = client.get("/dashboard/dw/steering/").content.decode()
    at_risk = page.split("<h2>")[1]
    assert "Indicator" in at_risk and "status-at-risk" in at_risk


def test_comparison_of_two_versions(client, dashboard):
    new = Strategy.objects.create(
        code="next", name="Next", start_year=2025, end_year=2029, status="active", level="priority"
    )
    ambition = Ambition.objects.create(
        strategy=new, code="amb", order=1, title="Renamed", values="a, b, c"
    )
    PolicyLever.objects.create(ambition=ambition, code="l1", order=1, title="Lever")
    Programme.objects.create(strategy=new, ambition=ambition, code="prog", name="Programme kept")
    Programme.objects.create(strategy=new, ambition=ambition, code="fresh", name="Fresh")
    page = client.get("/dashboard/compare/?left=dw&right=next").content.decode()
    table = page.split('id="programme-comparison"')[1]
    assert table.index("Programme dw") < table.index("Edu") < table.index("Fresh")
    assert "Renamed" in page and "a, b, c" in page
    same = client.get("/dashboard/compare/?left=dw&right=dw")
    assert same.status_code == 200 and "programme-comparison" not in same.content.decode()


def test_the_import_pages_for_staff(client_for, dashboard):
    staff = client_for("staff")
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = "indicator;date;value;source_url\nind-dw;2024-12-31;200;https://e.org/x\nind-dw;2024-12-31;3;https://e.org/x\nzz;2024-12-31;3;https://e.org/x\n"
    response = staff.post(
        "/dashboard/measurements/import/", {"file": SimpleUploadedFile("m.csv", bad.encode())}
    )
    staged = MeasurementImport.objects.get()
    assert response["Location"] == f"/dashboard/measurements/import/{staged.pk}/"
    page = staff.get(response["Location"]).content.decode()
    assert 'id="import-problems"' in page and 'value="valid"' in page and 'value="all"' not in page
    staff.post(response["Location"], {"choice": "all"})  # refused: a line is wrong
    assert not Measurement.objects.filter(measured_on=datetime.date(2024, 12, 31)).exists()
    staff.post(response["Location"], {"choice": "valid"})
    assert Measurement.objects.filter(measured_on=datetime.date(2024, 12, 31)).count() == 1
    assert AuditEntry.objects.filter(action="measurement.import").exists()
    response = staff.post(
        "/dashboard/measurements/import/", {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00")}
    )
    assert response.status_code == 200 and "UTF-8" in response.content.decode()


def test_non_staff_cannot_post_an_import(client_for, dashboard):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for role in ("applicant", "evaluator", "expert"):
        response = client_for(role).post(
            "/dashboard/measurements/import/", {"file": SimpleUploadedFile("m.csv", b"x")}
        )
        assert response.status_code == 403
    assert client_for("anonymous").post("/dashboard/measurements/import/").status_code == 302
    staged = MeasurementImport.objects.create(
        file_name="m.csv",
        content="indicator;date;value;source_url\nind-dw;2024-12-31;1;https://e.org\n",
    )
    assert (
        client_for("applicant")
        .post(f"/dashboard/measurements/import/{staged.pk}/", {"choice": "all"})
        .status_code
        == 403
    )
    staged.refresh_from_db()
    assert staged.status == "checked"


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/?version=%00",
        "/dashboard/dw/actions/?ambition=%00",
        "/dashboard/dw/actions/?programme=a%00b",
        "/dashboard/dw/actions.csv?ambition=%00&c=x%00y",
        "/dashboard/dw/actions/?from=0000-01-01&to=99999-01-01",
        "/dashboard/dw/actions/?from=2024-02-30",
        "/dashboard/compare/?left=%00&right=dw",
        "/dashboard/compare/?foo=bar",
    ],
)
def test_hostile_parameters_never_fail(client, dashboard, url):
    assert client.get(url).status_code == 200


def test_a_draft_version_lists_its_actions_for_staff(client_for, dashboard):
    draft = strategy_tree("draft", status="draft")
    set_tags(draft["action"], [concept("audience:citizens")])
    staff = client_for("staff")
    page = staff.get("/dashboard/draft/actions/?c=audience:citizens").content.decode()
    assert "Action draft" in page
    rows = rows_of(staff.get("/dashboard/draft/actions.csv?c=audience:citizens"))
    assert [row[0] for row in rows[1:]] == ["Action draft"]


def test_turning_a_version_into_a_draft_hides_its_actions_from_magnets(client, dashboard):
    body = {"expression": {"concept": "audience:citizens"}, "container": "action"}
    evaluate = lambda: client.post(  # noqa: E731
        "/api/v1/magnets/evaluate", body, content_type="application/json"
    ).json()["count"]
    assert evaluate() == 1  # Action epn
    version = dashboard["strategy"]
    version.status = Strategy.Status.DRAFT
    version.save()
    assert evaluate() == 0


def test_other_concepts_stay_in_the_form(client, dashboard):
    set_tags(dashboard["action"], [concept("technology:ai")])
    page = client.get("/dashboard/dw/actions/?c=technology:ai").content.decode()
    assert '<input type="hidden" name="c" value="technology:ai">' in page
    assert "Action dw" in page and "Action epn" not in page


def test_the_result_count_is_announced_out_of_band(client, dashboard):
    fragment = client.get("/dashboard/dw/actions/?status=done", HTTP_HX_REQUEST="true")
    assert 'id="actions-live" hx-swap-oob="innerHTML"' in fragment.content.decode()
    page = client.get("/dashboard/dw/actions/").content.decode()
    assert 'id="actions-live"' in page and "hx-swap-oob" not in page


@pytest.mark.parametrize(
    "language, whole, target, separators",
    [
        ("fr", "1\u202f632", "2\u202f500,50", ",\u202f"),
        ("nl", "1.632", "2.500,50", ",."),
        ("de", "1.632", "2.500,50", ",."),
        ("en", "1,632", "2,500.50", ".,"),
    ],
)
def test_an_indicator_writes_its_figures_in_the_page_language_table_and_chart_alike(
    client, dashboard, language, whole, target, separators
):
    indicator = dashboard["indicator"]
    indicator.target_value, indicator.target_date = Decimal("2500.5"), datetime.date(2030, 12, 31)
    indicator.save()
    Measurement.objects.create(
        indicator=indicator, measured_on=datetime.date(2024, 12, 31), value=Decimal(1632),
        source_url="https://example.org/2024",
    )  # fmt: skip
    page = client.get("/dashboard/indicators/ind-dw/", HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert f'<html lang="{language}">' in text
    assert f'<td class="num">{whole}</td>' in text
    assert f" {target} " in text
    script = re.search(r'<script id="figure-ind-dw" type="application/json">(.*?)</script>', text)
    assert script is not None
    assert json.loads(script.group(1))["layout"]["separators"] == separators
