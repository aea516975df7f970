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
        "target_value": "", "target_date": "", "target_direction": "increase",
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


def test_an_action_takes_only_levers_of_its_own_version(client_for, tree):
    from territoria.strategy.admin import ActionForm
    from territoria.strategy.models import PolicyLever

    other = strategy_tree("other")
    foreign = PolicyLever.objects.create(
        ambition=other["ambition"], code="l", order=1, title="Lever"
    )
    action = tree["action"]
    form = ActionForm(
        instance=action,
        data={"programme": action.programme_id, "code": "act", "title": "A", "status": "ongoing",
              "date_precision": "day", "levers": [foreign.pk]},
    )  # fmt: skip
    assert not form.is_valid() and "levers" in form.errors
    action.levers.add(foreign)  # recorded some other way: the public page still leaves it out
    page = client_for("anonymous").get(f"/dashboard/actions/{action.pk}/").content.decode()
    assert "Lever" not in page


def test_an_indicator_added_on_the_action_page_joins_the_action_programme(client_for, tree):
    from territoria.strategy.models import Indicator

    action = tree["action"]
    data = {
        "programme": action.programme_id, "code": "act", "title": action.title, "description": "",
        "action_type": "", "start_on": "", "end_on": "", "date_precision": "day",
        "status": "ongoing", "budget": "",
        "taxonomy-tag-content_type-object_id-TOTAL_FORMS": "0",
        "taxonomy-tag-content_type-object_id-INITIAL_FORMS": "0",
        "indicators-TOTAL_FORMS": "1", "indicators-INITIAL_FORMS": "0",
        "indicators-0-code": "new-ind", "indicators-0-name": "New", "indicators-0-unit": "count",
        "indicators-0-aggregation": "last", "indicators-0-target_direction": "increase",
    }  # fmt: skip
    response = client_for("staff").post(f"/admin/strategy/action/{action.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Indicator.objects.get(code="new-ind").programme_id == action.programme_id


def test_a_unit_that_contradicts_recorded_measurements_is_refused(tree):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    indicator = tree["indicator"]
    indicator.unit = "ratio"
    indicator.save()
    Measurement.objects.create(
        indicator=indicator, measured_on=datetime.date(2024, 1, 1), value=Decimal("2.5"),
        source_url="https://example.org",
    )  # fmt: skip
    indicator.unit = "count"
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert "unit" in error.value.message_dict
