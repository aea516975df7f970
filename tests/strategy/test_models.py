import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from territoria.strategy.models import Ambition, Indicator, Measurement, Programme, Strategy
from tests.factories import strategy_tree


def test_only_one_version_is_shown_first(db):
    strategy_tree("a", is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        strategy_tree("b", is_default=True)


def test_a_period_and_action_dates_run_forward(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Strategy.objects.create(code="x", name="X", start_year=2025, end_year=2020, status="active")
    action = strategy_tree()["action"]
    action.end_on = datetime.date(2000, 1, 1)
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "end_on" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        action.save()


def test_a_version_code_cannot_be_a_word_of_the_addresses(db):
    version = Strategy(code="compare", name="X", start_year=2020, end_year=2021, status="draft")
    with pytest.raises(ValidationError) as error:
        version.full_clean()
    assert "code" in error.value.message_dict


def test_a_programme_belongs_to_an_ambition_of_its_own_version(db):
    first, second = strategy_tree("a"), strategy_tree("b")
    programme = Programme(
        strategy=first["strategy"], ambition=second["ambition"], code="p", name="P"
    )
    with pytest.raises(ValidationError) as error:
        programme.full_clean()
    assert "ambition" in error.value.message_dict


def test_the_same_ambition_code_may_recur_across_versions_not_within_one(db):
    first = strategy_tree("a")
    strategy_tree("b")  # same "amb" code in another version
    with pytest.raises(IntegrityError), transaction.atomic():
        Ambition.objects.create(strategy=first["strategy"], code="amb", order=9, title="Again")


@pytest.mark.parametrize(
    ("unit", "value", "field"),
    [
        ("count", "12.5", "value"),
        ("count", "-1", "value"),
        ("percent", "120", "value"),
        ("eur", "10.001", "value"),
        ("ratio", "-2", "value"),
        ("count", "12", None),
        ("percent", "3.1", None),
        ("eur", "29800000.50", None),
    ],
)
def test_measurements_are_checked_against_the_unit(db, unit, value, field):
    indicator = strategy_tree()["indicator"]
    indicator.unit = unit
    indicator.save()
    measurement = Measurement(
        indicator=indicator, measured_on=datetime.date(2024, 1, 1), value=Decimal(value),
        source_url="https://example.org",
    )  # fmt: skip
    if field is None:
        measurement.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            measurement.full_clean()
        assert field in error.value.message_dict


def test_a_measurement_needs_a_source_a_past_date_and_a_free_date(db):
    indicator = strategy_tree()["indicator"]
    orphan = Measurement(indicator=indicator, measured_on=datetime.date(2024, 1, 1), value=1)
    with pytest.raises(ValidationError) as error:
        orphan.full_clean()
    assert "source_url" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        orphan.save()  # the database refuses it too
    future = Measurement(
        indicator=indicator, measured_on=datetime.date.today() + datetime.timedelta(days=2),
        value=1, source_url="https://example.org",
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        future.full_clean()
    assert "measured_on" in error.value.message_dict
    Measurement.objects.create(
        indicator=indicator, measured_on=datetime.date(2024, 1, 1), value=1,
        source_url="https://example.org",
    )  # fmt: skip
    twin = Measurement(
        indicator=indicator, measured_on=datetime.date(2024, 1, 1), value=2,
        source_url="https://example.org",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        twin.full_clean()


def test_an_indicator_target_needs_value_and_date_and_its_action_in_its_programme(db):
    tree, other = strategy_tree("a"), strategy_tree("b")
    indicator = Indicator(
        code="x", programme=tree["programme"], action=other["action"], name="X", unit="count",
        target_value=Decimal(10),
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert {"action", "target_date"} <= set(error.value.message_dict)


def test_dates_are_shown_as_precisely_as_known(db):
    action = strategy_tree()["action"]
    action.date_precision = "year"
    assert (action.shown_start, action.shown_end) == ("2022", "2025")
    action.date_precision = "month"
    assert action.shown_end == "12/2025"
    action.date_precision = "day"
    assert action.shown_start == "01/01/2022"
