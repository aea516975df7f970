"""The laureates' progress: T0 (the support's year or before) beside T1 (a later year), one
rule for the calls' public impact page (means only, from five companies) and the staff's
page (per instrument, per company)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from territoria.calls.models import Application, Call, Instrument
from territoria.core.disclosure import MINIMUM_GROUP
from territoria.core.models import Role
from territoria.ecosystem.models import Organisation
from territoria.maturity.definition import OVERALL, parse
from territoria.maturity.services.progress import WINDOW, pairs, progress
from territoria.maturity.services.questionnaires import store
from tests.conftest import make_user
from tests.maturity.companies import Company, counted, linked_company
from tests.maturity.test_attacks_maturity import document

pytestmark = pytest.mark.django_db

SUPPORT = 2022


@pytest.fixture
def digiscore():
    return store(parse(document(code="digiscore")))


def call(code="start-ia-2022", instrument="start-ia", published=True):
    found, _created = Instrument.objects.get_or_create(
        code=instrument,
        defaults={"prefix": instrument[:3].upper(), "name": instrument, "summary": "…"},
    )
    opens = timezone.make_aware(datetime.datetime(SUPPORT, 2, 1))
    made, _created = Call.objects.get_or_create(
        code=code,
        defaults={
            "instrument": found, "title": code, "summary": "…", "opens_at": opens,
            "closes_at": opens + datetime.timedelta(days=60), "is_published": published,
            "budget": Decimal(1000), "max_amount": Decimal(100),
        },
    )  # fmt: skip
    return made


def laureate(company: Company, status=Application.Status.SELECTED, of=None, year=SUPPORT):
    return Application.objects.create(
        call=of or call(),
        organisation=Organisation.objects.get(enterprise_number=company.number),
        created_by=company.user,
        status=status,
        submitted_at=timezone.make_aware(datetime.datetime(year, 3, 1)),
    )


def followed(digiscore, before=(1, 1), after=(3, 4), t0=SUPPORT, t1=SUPPORT + 2, **kwargs):
    """A laureate company with a T0 and a T1."""
    company = linked_company()
    laureate(company, **kwargs)
    counted(digiscore, *before, year=t0, company=company)
    counted(digiscore, *after, year=t1, company=company)
    return company


def test_a_laureate_is_compared_from_its_support_year_to_its_latest_later(digiscore):
    company = linked_company()
    laureate(company)
    counted(digiscore, 0, 0, year=SUPPORT - 2, company=company)  # an earlier T0, superseded
    counted(digiscore, 1, 1, year=SUPPORT, company=company)  # T0: 20, 20
    counted(digiscore, 2, 2, year=SUPPORT + 1, company=company)
    counted(digiscore, 4, 3, year=SUPPORT + 2, company=company)  # T1: 80, 60
    (pair,) = pairs()
    assert float(pair.before.overall) == 20 and float(pair.after.overall) == 70
    shown = progress([pair])
    assert shown.companies == 1 and not shown.shown
    means = {m.dimension: (m.before, m.after, m.change) for m in shown.means}
    assert means[OVERALL] == (Decimal(20), Decimal(70), Decimal(50))
    assert means["infra"] == (Decimal(20), Decimal(80), Decimal(60))
    assert [m.dimension for m in shown.means] == [OVERALL, "infra", "strategy"]


def test_who_is_not_in_the_figures(digiscore):
    followed(digiscore)  # the one that counts
    # Not selected, or a call never published.
    followed(digiscore, status=Application.Status.REJECTED)
    followed(digiscore, of=call("hidden", published=False))
    # Only a T0, or only assessments after the support began.
    only_before = linked_company()
    laureate(only_before)
    counted(digiscore, 1, 1, year=SUPPORT, company=only_before)
    only_after = linked_company()
    laureate(only_after)
    counted(digiscore, 1, 1, year=SUPPORT + 1, company=only_after)
    counted(digiscore, 3, 3, year=SUPPORT + 2, company=only_after)
    # Not a laureate at all.
    stranger = linked_company()
    counted(digiscore, 1, 1, year=SUPPORT, company=stranger)
    counted(digiscore, 5, 5, year=SUPPORT + 2, company=stranger)
    assert len(pairs()) == 1


def test_an_assessment_not_linked_to_the_company_does_not_count(digiscore):
    from territoria.accounts.models import Affiliation

    company = followed(digiscore)
    assert len(pairs()) == 1
    Affiliation.objects.filter(user=company.user).delete()
    # The respondent was fixed when each was completed: a later unlink keeps them counted,
    # as the barometer does; an assessment made without the link never counts.
    intruder = linked_company()
    laureate(intruder)
    Affiliation.objects.filter(user=intruder.user).delete()
    counted(digiscore, 1, 1, year=SUPPORT, company=intruder)
    counted(digiscore, 5, 5, year=SUPPORT + 2, company=intruder)
    assert len(pairs()) == 1


def test_a_company_selected_twice_counts_once_from_its_first_support(digiscore):
    company = followed(digiscore)
    laureate(company, of=call("tremplin-2024", instrument="tremplin-ia"), year=SUPPORT + 2)
    (pair,) = pairs()
    assert pair.support_year == SUPPORT and pair.call == "start-ia-2022"


def impact_page(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get("/calls/impact/", headers={"accept-language": "en"})
    assert response.status_code == 200
    return response.content.decode()


def progress_section(html):
    start = html.index('aria-labelledby="maturity-progress-heading"')
    return html[start : html.index("</section>", start)]


def test_a_cohort_of_fewer_than_five_shows_its_size_but_no_means(digiscore):
    for _ in range(MINIMUM_GROUP - 1):
        followed(digiscore)
    html = impact_page()
    assert "Digital maturity of the laureates" in html
    assert f'<th scope="row">{SUPPORT}</th><td class="num">{MINIMUM_GROUP - 1}</td>' in html
    assert "no: too few companies" in html
    assert "figure-maturity-progress" not in html and "Rests on" not in html


def test_a_closed_cohort_of_five_shows_its_means(digiscore):
    for _ in range(MINIMUM_GROUP - 1):
        followed(digiscore)
    followed(digiscore, before=(0, 0), after=(5, 5))
    html = impact_page()
    assert f"Rests on {MINIMUM_GROUP} laureate companies" in html
    assert 'id="figure-maturity-progress"' in html
    # Four companies 20 → 70 and one 0 → 100: the means 16 → 76.
    assert '<td class="num">16.0</td><td class="num">76.0</td><td class="num">+60.0</td>' in html
    assert "Per instrument and per company" not in html  # staff's link only


def test_a_cohort_is_computed_once_so_no_later_company_can_be_subtracted(digiscore):
    for _ in range(MINIMUM_GROUP):
        followed(digiscore)
    first = progress_section(impact_page())
    followed(digiscore, before=(0, 0), after=(5, 5))  # entered late, for the same year
    assert progress_section(impact_page()) == first
    assert progress(pairs()).companies == MINIMUM_GROUP + 1  # staff see it, live


def test_a_cohort_whose_window_is_not_over_is_not_shown(digiscore):
    this_year = timezone.localdate().year
    for _ in range(MINIMUM_GROUP):
        followed(digiscore, t0=this_year - 2, t1=this_year - 1, year=this_year - 2)
    html = impact_page()
    assert "No cohort of laureates is complete yet." in html
    assert len(pairs()) == MINIMUM_GROUP


def test_a_t1_after_the_window_does_not_count(digiscore):
    followed(digiscore, t1=SUPPORT + WINDOW + 1)
    assert pairs() == []
    followed(digiscore, t1=SUPPORT + WINDOW)
    assert len(pairs()) == 1


def test_the_staff_page_shows_each_instrument_and_company(digiscore):
    followed(digiscore)
    followed(digiscore, before=(5, 5), after=(4, 4), of=call("tremplin", instrument="tremplin-ia"))
    staff = make_user("analyst", Role.STAFF)
    assert "Per instrument and per company" in impact_page(staff)
    client = Client()
    client.force_login(staff)
    html = client.get("/digiscore/progress/", headers={"accept-language": "en"}).content.decode()
    assert "start-ia-2022" in html and "tremplin" in html
    assert "1 company with a T0 and a T1" in html
    assert "+50.0" in html and "-20.0" in html  # 20 → 70, and 100 → 80


def test_the_staff_page_is_for_staff_only(digiscore):
    assert Client().get("/digiscore/progress/").status_code == 302
    applicant = Client()
    applicant.force_login(make_user("someone", Role.APPLICANT))
    assert applicant.get("/digiscore/progress/").status_code == 403
