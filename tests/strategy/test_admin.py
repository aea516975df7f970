import datetime

import pytest

from territoria.core.models import AuditEntry
from territoria.strategy.models import Measurement
from tests.factories import strategy_tree


@pytest.fixture
def tree(db):
    return strategy_tree()


@pytest.mark.parametrize(
    "model",
    [
        "strategy",
        "ambition",
        "policylever",
        "programme",
        "action",
        "indicator",
        "measurement",
        "measurementimport",
    ],
)
def test_staff_open_every_strategy_list_and_form(client_for, tree, model):
    staff = client_for("staff")
    assert staff.get(f"/admin/strategy/{model}/").status_code == 200
    expected = 403 if model == "measurementimport" else 200
    assert staff.get(f"/admin/strategy/{model}/add/").status_code == expected


def post_measurement(client, indicator, day, value, source="https://example.org/s"):
    return client.post(
        "/admin/strategy/measurement/add/",
        {
            "indicator": indicator.pk,
            "measured_on": day,
            "value": value,
            "source_url": source,
            "note": "",
        },
    )


def test_staff_record_a_measurement_checked_and_audited(client_for, tree):
    staff = client_for("staff")
    indicator = tree["indicator"]
    response = post_measurement(staff, indicator, "31/12/2024", "226")
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    entry = AuditEntry.objects.get(action="measurement.create")
    assert entry.object_id == str(measurement.pk)

    again = post_measurement(staff, indicator, "31/12/2024", "300")
    assert again.status_code == 200  # the form again, with the error
    assert Measurement.objects.count() == 1
    fraction = post_measurement(staff, indicator, "31/12/2023", "12,5")
    assert fraction.status_code == 200 and Measurement.objects.count() == 1
    no_source = post_measurement(staff, indicator, "31/12/2022", "10", source="")
    assert no_source.status_code == 200 and Measurement.objects.count() == 1


def test_measurements_recorded_inline_on_the_indicator_are_audited(client_for, tree):
    staff = client_for("staff")
    indicator = tree["indicator"]
    url = f"/admin/strategy/indicator/{indicator.pk}/change/"
    data = {
        "code": indicator.code, "programme": indicator.programme_id, "action": indicator.action_id,
        "name": "Indicator", "unit": "count", "unit_label": "", "definition": "", "aggregation": "last",
        "target_value": "", "target_date": "",
        "measurements-TOTAL_FORMS": "1", "measurements-INITIAL_FORMS": "0",
        "measurements-MIN_NUM_FORMS": "0", "measurements-MAX_NUM_FORMS": "1000",
        "measurements-0-measured_on": "31/12/2023", "measurements-0-value": "166",
        "measurements-0-source_url": "https://example.org/epn", "measurements-0-note": "",
    }  # fmt: skip
    response = staff.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Measurement.objects.get().measured_on == datetime.date(2023, 12, 31)
    assert AuditEntry.objects.filter(action="measurement.create").count() == 1


def test_other_roles_cannot_reach_the_strategy_admin(client_for, tree):
    for role in ("applicant", "evaluator", "expert"):
        response = client_for(role).get("/admin/strategy/measurement/add/")
        assert response.status_code == 302  # to the admin login
    assert (
        post_measurement(client_for("applicant"), tree["indicator"], "31/12/2024", "1").status_code
        == 302
    )
    assert not Measurement.objects.exists()
