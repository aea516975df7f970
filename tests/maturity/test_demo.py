"""The demo's Digiscore history: its published barometer gives the published figures."""

from decimal import Decimal

import pytest
from django.db.models import Count

from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.maturity.demo import FOLLOWED, load_demo_assessments
from territoria.maturity.models import Assessment, Benchmark
from territoria.maturity.services.barometer import publications
from territoria.maturity.services.questionnaires import load_shipped


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            load_shipped()
            load_demo_ecosystem(organisations=3000)  # the demo default
            report = load_demo_assessments()
            yield report
            transaction.set_rollback(True)


def everyone(year):
    rows = Benchmark.objects.filter(
        publication__questionnaire_code="digiscore",
        publication__year=year,
        nace_section=None,
        size_class=None,
        province=None,
    )
    return {row.dimension: row.mean_score for row in rows}


@pytest.mark.django_db
def test_the_published_barometer_figures(demo):
    assert [p.year for p in publications("digiscore")] == list(range(2020, 2026))
    assert everyone(2020)["overall"] == Decimal("30.0")
    figures_2022 = everyone(2022)
    assert figures_2022["overall"] == Decimal("31.0")
    assert figures_2022["infrastructure"] == Decimal("40.4")
    assert figures_2022["processes"] == Decimal("27.4")
    assert figures_2022["strategy"] == Decimal("18.3")


@pytest.mark.django_db
def test_about_3000_assessments_each_company_once_a_year(demo):
    assert demo.assessments == Assessment.objects.count() == 3000
    doubles = Assessment.objects.values("respondent", "year").annotate(n=Count("pk"))
    assert not doubles.filter(n__gt=1).exists()
    assert not Assessment.objects.filter(respondent="").exists()


@pytest.mark.django_db
def test_some_companies_have_a_t0_and_a_t1_two_years_apart(demo):
    followers = Assessment.objects.filter(follows__isnull=False).select_related("follows")
    assert followers.count() == demo.followed == FOLLOWED
    for t1 in followers:
        assert t1.year == t1.follows.year + 2
        assert t1.respondent == t1.follows.respondent
    assert sum(t1.overall - t1.follows.overall for t1 in followers) > 0


@pytest.mark.django_db
def test_loading_again_replaces_the_history(demo):
    again = load_demo_assessments()
    assert Assessment.objects.count() == again.assessments == 3000
    publications("digiscore")  # published again by its first reader
    assert everyone(2022)["infrastructure"] == Decimal("40.4")
