import datetime
from decimal import Decimal

import pytest

from territoria.strategy.models import Indicator, Measurement
from territoria.strategy.services.progress import Status, linear_trend, progress, series
from tests.factories import strategy_tree

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def indicator(db):
    return strategy_tree()["indicator"]


def measure(indicator, *points):
    for day, value in points:
        Measurement.objects.create(
            indicator=indicator,
            measured_on=datetime.date.fromisoformat(day),
            value=Decimal(value),
            source_url="https://example.org/source",
        )


def test_linear_trend_is_the_least_squares_line():
    slope, intercept = linear_trend([(0, 1), (1, 3), (2, 5)])
    assert slope == pytest.approx(2)
    assert intercept == pytest.approx(1)
    assert linear_trend([(1, 5)]) is None


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", [10, 15, 35]), ("last", [10, 5, 20]), ("max", [10, 10, 20])],
)
def test_series_follow_the_aggregation(indicator, aggregation, expected):
    indicator.aggregation = aggregation
    measure(indicator, ("2022-12-31", 10), ("2023-12-31", 5), ("2024-12-31", 20))
    assert [p.value for p in series(indicator, indicator.measurements.all())] == expected


def test_without_target_or_data(indicator):
    assert progress(indicator, today=TODAY).status == Status.NO_DATA
    measure(indicator, ("2024-12-31", 10))
    standing = progress(indicator, today=TODAY)
    assert standing.status == Status.NO_TARGET
    assert standing.current == 10


def set_target(indicator, value, day):
    indicator.target_value = Decimal(value)
    indicator.target_date = datetime.date.fromisoformat(day)
    indicator.save()


def test_a_steady_rise_that_reaches_the_target_is_on_track(indicator):
    set_target(indicator, 300, "2028-12-31")
    measure(indicator, ("2022-12-31", 100), ("2023-12-31", 140), ("2024-12-31", 180))
    standing = progress(indicator, today=TODAY)
    assert standing.status == Status.ON_TRACK
    assert standing.projected == pytest.approx(340, rel=0.01)
    assert standing.percent == 60
    assert standing.trend_per_year == pytest.approx(40, rel=0.01)


def test_a_slow_rise_is_at_risk(indicator):
    set_target(indicator, 1000, "2028-12-31")
    measure(indicator, ("2022-12-31", 100), ("2023-12-31", 110), ("2024-12-31", 120))
    standing = progress(indicator, today=TODAY)
    assert standing.status == Status.AT_RISK
    assert standing.needs_attention


def test_reached_missed_and_insufficient(indicator):
    set_target(indicator, 150, "2025-12-31")
    measure(indicator, ("2024-12-31", 100))
    assert progress(indicator, today=datetime.date(2025, 1, 1)).status == Status.INSUFFICIENT
    assert progress(indicator, today=TODAY).status == Status.MISSED
    measure(indicator, ("2025-06-30", 150))
    assert progress(indicator, today=TODAY).status == Status.ACHIEVED


def test_a_falling_target(indicator):
    """Fewer white zones: the target is reached from above."""
    indicator.target_direction = Indicator.Direction.DECREASE
    set_target(indicator, 20, "2028-12-31")
    measure(indicator, ("2022-12-31", 100), ("2023-12-31", 80), ("2024-12-31", 60))
    standing = progress(indicator, today=TODAY)
    assert standing.status == Status.ON_TRACK
    assert standing.percent == 50
    set_target(indicator, 0, "2025-12-31")
    assert progress(indicator, today=TODAY).status == Status.MISSED


def test_the_direction_is_declared_not_guessed(indicator):
    """Review findings: one high figure is not 'reached' for a target from above, and
    figures above a target from below are reached, whatever their first value."""
    indicator.target_direction = Indicator.Direction.DECREASE
    set_target(indicator, 10, "2028-12-31")
    measure(indicator, ("2024-12-31", 500))
    standing = progress(indicator, today=TODAY)
    assert standing.status == Status.INSUFFICIENT and standing.share is None
    indicator.measurements.all().delete()
    indicator.target_direction = Indicator.Direction.INCREASE
    set_target(indicator, 100, "2028-12-31")
    measure(indicator, ("2023-12-31", 120), ("2024-12-31", 130))
    standing = progress(indicator, today=TODAY)
    assert standing.status == Status.ACHIEVED and standing.percent == 130


def test_figures_after_the_target_date_do_not_reach_it(indicator):
    indicator.aggregation = Indicator.Aggregation.SUM
    set_target(indicator, 100, "2024-12-31")
    measure(indicator, ("2023-12-31", 50), ("2025-06-30", 60))
    assert progress(indicator, today=TODAY).status == Status.MISSED


def test_a_projection_of_a_count_never_falls_below_zero(indicator):
    set_target(indicator, 1000, "2035-12-31")
    measure(indicator, ("2022-12-31", 300), ("2023-12-31", 200), ("2024-12-31", 100))
    standing = progress(indicator, today=TODAY)
    assert standing.projected == 0 and standing.status == Status.AT_RISK


def test_a_summed_indicator_projects_its_running_total(indicator):
    indicator.aggregation = Indicator.Aggregation.SUM
    set_target(indicator, 100, "2026-12-31")
    measure(indicator, ("2023-12-31", 20), ("2024-12-31", 20), ("2025-12-31", 20))
    standing = progress(indicator, today=datetime.date(2026, 1, 15))
    assert standing.current == 60
    assert standing.status == Status.AT_RISK  # 80 by the end of 2026, not 100
    assert standing.projected == pytest.approx(80, rel=0.01)
