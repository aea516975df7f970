"""The published Digital Wallonia data, loaded from strategy/reference/digital-wallonia.toml."""

import datetime
from decimal import Decimal

import pytest

from territoria.ecosystem.models import Publication
from territoria.strategy.models import (
    Action,
    Ambition,
    Indicator,
    Measurement,
    PolicyLever,
    Programme,
    Strategy,
)
from territoria.strategy.services.reference import load_strategy_reference, parse_partial_date
from territoria.taxonomy.services import tags_of


@pytest.fixture
def loaded(db):
    return load_strategy_reference()


def value(code: str, day: str) -> Decimal:
    return Measurement.objects.get(
        indicator__code=code, measured_on=datetime.date.fromisoformat(day)
    ).value


def test_three_versions_with_their_structure(loaded):
    assert list(Strategy.objects.values_list("code", "status")) == [
        ("dw-2016-2024", "closed"),
        ("dw-2024-2029", "proposed"),
        ("dw-2025-2029", "active"),
    ]
    assert Strategy.objects.get(is_default=True).code == "dw-2016-2024"
    assert Ambition.objects.filter(strategy__code="dw-2016-2024").count() == 5
    assert Ambition.objects.filter(strategy__code="dw-2025-2029").count() == 6
    assert Strategy.objects.get(code="dw-2025-2029").level == "priority"
    memo = Strategy.objects.get(code="dw-2024-2029")
    assert PolicyLever.objects.filter(ambition__strategy=memo).count() == 15
    for ambition in memo.ambitions.all():
        assert ambition.levers.count() == 3
        assert len(ambition.value_list) == 3
    territoire = memo.ambitions.get(code="territoire-intelligent")
    assert territoire.value_list == ["résilience", "transformation", "confiance"]


def test_the_programmes_named_in_the_sources(loaded):
    names = set(
        Programme.objects.filter(strategy__code="dw-2016-2024").values_list("name", flat=True)
    )
    for expected in (
        "Giga Région",
        "Digital Wallonia 4 AI",
        "Cyberwal by Digital Wallonia",
        "Data 4 Wallonia",
    ):
        assert any(expected in name for name in names), expected


def test_the_published_figures(loaded):
    assert value("last-mile-households", "2025-12-31") == 58414
    assert value("equipements-ecoles", "2024-02-01") == 62000
    assert value("ecoles-equipees", "2024-02-01") == 3500
    assert value("epn-nombre", "2023-12-31") == 166
    assert value("epn-nombre", "2024-12-31") == 226
    assert value("wing-montant", "2024-02-01") == Decimal("29800000")
    assert value("wing-levees", "2024-02-01") == 155
    assert value("start-ia-laureats", "2021-10-21") == 81
    assert value("start-ia-laureats", "2025-01-01") == 515


def test_every_figure_cites_its_source(loaded):
    measurements = Measurement.objects.select_related("source_publication")
    assert measurements.count() == loaded.measurements > 60
    for m in measurements:
        assert m.source_publication is not None
        assert m.source_publication.source == "published"
        assert m.note.strip(), m


def test_actions_carry_type_audiences_and_say_when_they_have_no_figure(loaded):
    epn = Action.objects.get(code="reseau-epn")
    codes = {c.code for c in tags_of(epn)}
    assert "action-type:network" in codes
    assert any(code.startswith("audience:") for code in codes)
    without = Action.objects.filter(indicators__isnull=True)
    assert without.exists()  # shown as "no measurement published", never invented


def test_loading_twice_changes_nothing(loaded):
    models = (
        Strategy,
        Ambition,
        PolicyLever,
        Programme,
        Action,
        Indicator,
        Measurement,
        Publication,
    )
    counts = [model.objects.count() for model in models]
    load_strategy_reference()
    assert counts == [model.objects.count() for model in models]


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2022", False, (datetime.date(2022, 1, 1), "year")),
        ("2022", True, (datetime.date(2022, 12, 31), "year")),
        ("2024-02", True, (datetime.date(2024, 2, 29), "month")),
        ("2024-12", True, (datetime.date(2024, 12, 31), "month")),
        ("2021-10-21", False, (datetime.date(2021, 10, 21), "day")),
        ("", False, (None, "day")),
    ],
)
def test_partial_dates(text, end, expected):
    assert parse_partial_date(text, end) == expected


def test_every_ambition_has_its_title_in_the_four_languages(loaded):
    for ambition in Ambition.objects.all():
        assert ambition.title_nl and ambition.title_de and ambition.title_en, ambition.code
    first = Ambition.objects.get(strategy__code="dw-2016-2024", code="innovation-numerique")
    assert (first.title_nl, first.title_de, first.title_en) == (
        "Digitale innovatie",
        "Digitale Innovation",
        "Digital innovation",
    )
    assert first.summary_en == "Developing our technological excellence"
    # The memorandum's long descriptions are left in French: they show the marked fallback.
    memo = Ambition.objects.get(strategy__code="dw-2024-2029", code="innovation-numerique")
    assert memo.description and not memo.description_en


def test_reloading_keeps_the_translations_staff_added(loaded):
    programme = Programme.objects.get(strategy__code="dw-2016-2024", code="giga-region")
    Programme.objects.filter(pk=programme.pk).update(name_en="Giga Region")
    load_strategy_reference()
    programme.refresh_from_db()
    assert programme.name_en == "Giga Region"
