"""The demo's programme history reproduces the published figures (fictitious organisations)."""

from decimal import Decimal

import pytest
from django.db.models import Count

from territoria.calls.history import load_programme_history
from territoria.calls.models import Application, Assignment
from territoria.calls.services.impact import figures, requests_per_year
from territoria.core.models import Role, User
from territoria.ecosystem.demo import load_demo_ecosystem
from territoria.ecosystem.models import Organisation


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            evaluator = User.objects.create(username="demo-evaluator", role=Role.EVALUATOR)
            load_demo_ecosystem(organisations=3000)  # the demo default
            counts = load_programme_history()
            yield counts, evaluator
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_published_totals(history):
    found = {f.key: f.value for f in figures()}
    assert found["requests"] == 1100
    assert found["organisations"] == 750
    assert found["smes"] > 80
    assert found["experts"] == 69
    assert found["laureates-start-ia"] == 515
    assert found["laureates-tremplin-ia"] == 235
    assert found["laureates-cap-ia"] == 4
    assert found["laureates-start-ia-public"] == 10
    assert found["recommend"] == 95
    assert found["competitiveness"] == 88
    assert found["investment"] == Decimal("2.4")


@pytest.mark.django_db
def test_the_early_figures_and_the_growth(history):
    early = Application.objects.filter(submitted_at__year__lte=2021)
    tremplin = early.filter(call__instrument__code="tremplin-ia")
    assert tremplin.count() == 77
    assert tremplin.filter(status__in=["selected", "progress", "completed"]).count() == 27
    cap = Application.objects.filter(call__instrument__code="cap-ia")
    assert (cap.count(), cap.filter(status="completed").count()) == (8, 4)
    public = Application.objects.filter(call__instrument__code="start-ia-public")
    assert (public.count(), public.filter(status="completed").count()) == (31, 10)
    assert early.filter(call__instrument__code="start-ia", status="completed").count() == 81
    years = {y.year: y.requests for y in requests_per_year()}
    assert years[2024] == 7 * years[2022]
    assert round(years[2024] / years[2023], 1) == 2.5


@pytest.mark.django_db
def test_the_press_release_projects_are_laureates(history):
    published = Organisation.objects.filter(source="published")
    laureates = Application.objects.filter(
        organisation__in=published, status__in=["selected", "progress", "completed"]
    )
    assert laureates.values("organisation").distinct().count() == 6


@pytest.mark.django_db
def test_fourteen_start_ia_laureates_went_on_to_tremplin_ia(history):
    twice = (
        Application.objects.filter(status__in=["selected", "progress", "completed"])
        .values("organisation")
        .annotate(n=Count("pk"))
        .filter(n=2)
    )
    assert twice.count() == 14


@pytest.mark.django_db
def test_the_demo_evaluator_has_reviews_to_make(history):
    _counts, evaluator = history
    pending = Assignment.objects.filter(evaluator=evaluator, conflict__isnull=True)
    assert pending.count() == 12
    assert all(a.application.status == "evaluation" for a in pending)
