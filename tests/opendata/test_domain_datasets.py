"""The strategy's and the calls' published datasets: their rows, read as the compiler reads
them, and above all what they never publish."""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import ExtractYear
from django.db.models.lookups import IContains

from territoria.calls.models import (
    Application,
    Assignment,
    Call,
    Criterion,
    FinalScore,
    Instrument,
    Score,
    SurveyAnswer,
)
from territoria.core.disclosure import MINIMUM_GROUP
from territoria.core.services import record_audit
from territoria.ecosystem.models import Publication
from territoria.opendata import registry
from territoria.opendata.registry import Dataset
from territoria.strategy.models import Action, Measurement, PolicyLever
from territoria.taxonomy.models import Tag
from tests.calls.conftest import brussels, make_call
from tests.factories import concept, organisation, strategy_tree

DOMAIN_DATASETS = [
    "strategy-actions",
    "strategy-indicators",
    "calls",
    "laureates",
    "programme-impact",
]
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
UNIQUE_LAST_KEY = {
    "strategy-actions": "pk",
    "strategy-indicators": "pk",
    "calls": "code",
    "laureates": "pk",
    "programme-impact": "code",
}


def as_expression(column: Any) -> Any:
    return F(column) if isinstance(column, str) else column


def rows(dataset_id: str, lang: str = "fr", **where: Any) -> list[dict[str, Any]]:
    """The dataset's records as the compiler builds them: one annotation per single-valued
    field, the multivalued ones read apart and grouped by owner. `where` filters on fields
    by their published names (`respondents__gt=5`), through their annotations."""
    dataset = registry.get(dataset_id)
    fields = dataset.fields()
    single = [f for f in fields if not f.multivalued]
    aliases = {f.name: f"c{i}" for i, f in enumerate(single)}
    annotations = {aliases[f.name]: as_expression(f.column_for(lang)) for f in single}
    conditions = {}
    for lookup, value in where.items():
        name, _, rest = lookup.partition("__")
        conditions["__".join(filter(None, [aliases[name], rest]))] = value
    queryset = dataset.queryset().annotate(**annotations).filter(**conditions)
    multi: dict[str, dict[Any, list[str]]] = {}
    for f in fields:
        if f.multivalued:
            assert f.values is not None
            by_owner: dict[Any, list[str]] = {}
            for owner, value in f.values(lang).values_list("owner", "value"):
                by_owner.setdefault(owner, []).append(value)
            multi[f.name] = {owner: sorted(values) for owner, values in by_owner.items()}
    result = []
    ordered = queryset.order_by(*dataset.ordering)
    for pk, *values in ordered.values_list("pk", *annotations):
        record = {f.name: value for f, value in zip(single, values, strict=True)}
        for name, by_owner in multi.items():
            record[name] = by_owner.get(pk, [])
        result.append(record)
    return result


def every_text(records: list[dict[str, Any]]) -> str:
    return "\n".join(str(value) for record in records for value in record.values())


# --- strategy ----------------------------------------------------------------------------


@pytest.fixture
def strategy(db):
    """A version in force and a draft one, each with an action, an indicator, measurements."""
    public = strategy_tree("dw", status="active", version="V3 (2022)")
    draft = strategy_tree("secret", status="draft")
    action = public["action"]
    action.description = "Former les PME."
    action.action_type = concept("action-type:training")
    action.date_precision = Action.Precision.YEAR
    action.budget = Decimal("1250000.50")
    action.recovery_plan = True
    action.save()
    content_type = ContentType.objects.get_for_model(Action)
    for code in ("audience:smes", "audience:citizens"):
        Tag.objects.create(content_type=content_type, object_id=action.pk, concept=concept(code))
    partner = organisation("Agence du Numérique", name_en="Digital Agency")
    action.partners.add(partner)
    lever = PolicyLever.objects.create(
        ambition=public["ambition"], code="skills", order=1, title="Compétences"
    )
    action.levers.add(lever)
    draft_action = draft["action"]
    Tag.objects.create(
        content_type=content_type, object_id=draft_action.pk, concept=concept("audience:schools")
    )
    draft_action.partners.add(partner)
    draft_action.levers.add(
        PolicyLever.objects.create(
            ambition=draft["ambition"], code="secret", order=1, title="Levier secret"
        )
    )
    indicator = public["indicator"]
    indicator.definition = "Entreprises formées."
    indicator.is_key = True
    indicator.unit_label = "entreprises"
    indicator.target_value = Decimal(500)
    indicator.target_date = datetime.date(2025, 12, 31)
    indicator.save()
    report = Publication.objects.create(
        title="Rapport annuel", published_on=datetime.date(2024, 1, 1), url="https://r.example"
    )
    Measurement.objects.create(
        indicator=indicator, measured_on=datetime.date(2023, 12, 31), value=Decimal(120),
        source_publication=report, note="« 120 entreprises formées »",
    )  # fmt: skip
    Measurement.objects.create(
        indicator=indicator, measured_on=datetime.date(2024, 12, 31), value=Decimal("300.5"),
        source_url="https://stats.example/2024",
    )  # fmt: skip
    Measurement.objects.create(
        indicator=draft["indicator"], measured_on=datetime.date(2024, 6, 30), value=Decimal(7),
        source_url="https://secret.example", note="Chiffre confidentiel",
    )  # fmt: skip
    return {"public": public, "draft": draft, "partner": partner}


@pytest.mark.django_db
def test_it_publishes_the_actions_of_public_versions_only(strategy):
    action = strategy["public"]["action"]
    assert rows("strategy-actions") == [
        {
            "action_id": action.pk,
            "strategy": "dw",
            "strategy_version": "V3 (2022)",
            "strategy_status": "active",
            "ambition_code": "amb",
            "ambition": "Ambition",
            "programme_code": "prog",
            "programme": "Programme dw",
            "code": "act",
            "title": "Action dw",
            "description": "Former les PME.",
            "action_type": "Formation",
            "audience": ["Citoyens", "PME et TPE"],
            "technology": [],
            "label": [],
            "policy_levers": ["Compétences"],
            "status": "ongoing",
            "start_date": datetime.date(2022, 1, 1),
            "end_date": datetime.date(2025, 12, 31),
            "date_precision": "year",
            "budget": 1250000.5,
            "recovery_plan": True,
            "partners": ["Agence du Numérique"],
            "url": f"/dashboard/actions/{action.pk}/",
        }
    ]


@pytest.mark.django_db
def test_it_never_shows_a_draft_version_through_actions_or_their_values(strategy):
    dataset = registry.get("strategy-actions")
    draft_action = strategy["draft"]["action"]
    assert not dataset.queryset().filter(pk=draft_action.pk).exists()
    for f in dataset.fields():
        if f.multivalued and f.scheme is None:  # the registry's own for taxonomy facets
            assert f.values is not None
            assert not f.values("fr").filter(owner=draft_action.pk).exists(), f.name
    text = every_text(rows("strategy-actions"))
    assert "secret" not in text.lower() and "Écoles" not in text  # the draft's audience


@pytest.mark.django_db
def test_it_gives_labels_in_the_requested_language(strategy):
    [record] = rows("strategy-actions", lang="en")
    assert record["action_type"] == "Training"
    assert record["audience"] == ["Citizens", "SMEs and micro-enterprises"]
    assert record["partners"] == ["Digital Agency"]
    assert record["status"] == "ongoing"  # a code, the same in every language
    [record] = rows("strategy-actions", lang="de")
    assert record["action_type"] == "Ausbildung"
    dataset = registry.get("strategy-actions")
    assert dataset.title.get("en") == "Digital strategy: actions"
    assert dataset.field_map()["audience"].label.get("nl") == "Doelgroep"


@pytest.mark.django_db
def test_it_makes_taxonomy_facets_of_the_schemes_tagging_actions(strategy):
    action = strategy["public"]["action"]
    Tag.objects.create(
        content_type=ContentType.objects.get_for_model(Action),
        object_id=action.pk,
        concept=concept("technology:ai"),
    )
    fields = registry.get("strategy-actions").field_map()
    for name in ("audience", "technology", "label"):
        assert fields[name].multivalued and fields[name].facet and fields[name].scheme == name
    assert registry.get("strategy-actions").container == "action"
    assert rows("strategy-actions")[0]["technology"] == ["Intelligence artificielle"]


@pytest.mark.django_db
def test_it_publishes_one_row_per_measurement_of_public_versions(strategy):
    indicator = strategy["public"]["indicator"]
    common = {
        "indicator_code": "ind-dw",
        "indicator": "Indicator",
        "definition": "Entreprises formées.",
        "unit": "count",
        "unit_label": "entreprises",
        "aggregation": "last",
        "key_indicator": True,
        "target_value": 500.0,
        "target_date": datetime.date(2025, 12, 31),
        "target_direction": "increase",
        "strategy": "dw",
        "strategy_version": "V3 (2022)",
        "strategy_status": "active",
        "ambition_code": "amb",
        "ambition": "Ambition",
        "programme_code": "prog",
        "programme": "Programme dw",
        "action_id": indicator.action_id,
        "action": "Action dw",
        "url": "/dashboard/indicators/ind-dw/",
    }
    assert rows("strategy-indicators") == [
        {
            **common,
            "date": datetime.date(2023, 12, 31),
            "value": 120.0,
            "source": "Rapport annuel",
            "source_url": "https://r.example",
            "note": "« 120 entreprises formées »",
        },
        {
            **common,
            "date": datetime.date(2024, 12, 31),
            "value": 300.5,
            "source": "https://stats.example/2024",
            "source_url": "https://stats.example/2024",
            "note": "",
        },
    ]


@pytest.mark.django_db
def test_its_strategy_dates_come_from_public_records_only(strategy):
    actions, indicators = registry.get("strategy-actions"), registry.get("strategy-indicators")
    assert actions.temporal is not None and indicators.temporal is not None
    assert actions.temporal() == (datetime.date(2022, 1, 1), datetime.date(2025, 12, 31))
    assert indicators.temporal() == (datetime.date(2023, 12, 31), datetime.date(2024, 12, 31))
    secret = Measurement.objects.get(indicator=strategy["draft"]["indicator"])
    public = Measurement.objects.filter(indicator=strategy["public"]["indicator"])
    Measurement.objects.filter(pk=secret.pk).update(
        recorded_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    )
    assert indicators.modified() == max(m.recorded_at for m in public)
    assert actions.modified() is None  # no audited change yet


@pytest.mark.django_db
def test_its_modified_date_follows_audited_changes_of_public_records_only(strategy, users):
    actions = registry.get("strategy-actions")
    record_audit(users["staff"], "action.change", strategy["draft"]["action"])
    assert actions.modified() is None
    entry = record_audit(users["staff"], "programme.change", strategy["public"]["programme"])
    assert actions.modified() == entry.created_at


# --- calls -------------------------------------------------------------------------------


def apply(call: Call, user: Any, status: str, name: str, **fields: Any) -> Application:
    org = fields.pop("org", None) or organisation(name, postcode="5000", city="Namur")
    submitted = None if status == "draft" else brussels(2024, 3, 1, 10, 0)
    return Application.objects.create(
        call=call, organisation=org, created_by=user, status=status, submitted_at=submitted,
        reference=None if status == "draft" else f"REF-{name}", title=f"Projet {name}",
        summary="Résumé confidentiel", needs="Besoins confidentiels", **fields,
    )  # fmt: skip


@pytest.fixture
def calls(users):
    """A published call with applications at every step, and an unpublished one."""
    call = make_call(
        "ia-2024", opens=brussels(2024, 2, 1, 9, 0), closes=brussels(2024, 4, 1, 12, 0),
        seat_in=concept("territory:BE-WAL"),
    )  # fmt: skip
    call.eligible_sizes.set([concept("size:small"), concept("size:micro")])
    hidden = make_call("hidden")
    Call.objects.filter(pk=hidden.pk).update(is_published=False, title="Appel caché")
    user = users["applicant"]
    laureate = apply(
        call, user, "selected", "Laureate", granted_amount=Decimal("40000"),
        org=organisation("Lauréate SA", postcode="4000", city="Liège",
                         municipality=concept("territory:liege"), size_class=concept("size:small")),
        consensus_comment="Commentaire du jury", status_reason="Retour au candidat",
    )  # fmt: skip
    completed = apply(call, user, "completed", "Completed", granted_amount=Decimal(20000))
    for status in ("draft", "submitted", "rejected", "reserve", "evaluation", "withdrawn"):
        apply(call, user, status, status.capitalize())
    apply(hidden, user, "selected", "Hidden", granted_amount=Decimal(1000))
    criterion = Criterion.objects.create(call=call, order=1, title="Qualité")
    assignment = Assignment.objects.create(
        application=laureate, evaluator=users["evaluator"], conflict=False,
        comment="Avis de l'évaluateur",
    )  # fmt: skip
    Score.objects.create(assignment=assignment, criterion=criterion, value=Decimal("4.5"))
    FinalScore.objects.create(application=laureate, criterion=criterion, value=Decimal("4.0"))
    return {"call": call, "hidden": hidden, "laureate": laureate, "completed": completed}


@pytest.mark.django_db
def test_it_publishes_published_calls_with_their_counts(calls):
    [record] = rows("calls")
    assert record == {
        "instrument_code": "tremplin-ia",
        "instrument": "Tremplin IA",
        "code": "ia-2024",
        "title": "Call ia-2024",
        "summary": "Un appel.",
        "description": "",
        "year": 2024,
        "opens_at": calls["call"].opens_at,
        "closes_at": calls["call"].closes_at,
        "is_open": False,
        "budget": 100000.0,
        "max_amount": 50000.0,
        "seat_required_in": "Wallonie",
        "eligible_types": [],
        "eligible_sizes": ["Micro-entreprise", "Petite entreprise"],
        # Every application but the draft was submitted, the withdrawn one included.
        "submitted_applications": 7,
        "laureates": 2,
        "granted_amount": 60000.0,
        "url": "/calls/ia-2024/",
    }
    fields = registry.get("calls").field_map()
    assert all(fields[name].aggregated for name in ("submitted_applications", "laureates"))


@pytest.mark.django_db
def test_it_tells_which_calls_are_open_now(calls):
    make_call("open-now")
    assert [(r["code"], r["is_open"]) for r in rows("calls")] == [
        ("open-now", True),
        ("ia-2024", False),
    ]


@pytest.mark.django_db
def test_it_filters_on_the_computed_counts_of_calls(calls):
    make_call("empty")
    assert [r["code"] for r in rows("calls", laureates__gte=1)] == ["ia-2024"]
    assert [r["code"] for r in rows("calls", submitted_applications=0)] == ["empty"]


@pytest.mark.django_db
def test_it_lists_the_selected_applications_of_published_calls_only(calls):
    laureate = calls["laureate"]
    records = rows("laureates")
    assert [r["reference"] for r in records] == ["REF-Completed", "REF-Laureate"]
    assert records[1] == {
        "reference": "REF-Laureate",
        "call": "ia-2024",
        "call_title": "Call ia-2024",
        "instrument_code": "tremplin-ia",
        "instrument": "Tremplin IA",
        "year": 2024,
        "organisation": "Lauréate SA",
        "enterprise_number": laureate.organisation.enterprise_number,
        "identity_withheld": False,
        "size_class": "Petite entreprise",
        "municipality": "Liège",
        "postcode": "4000",
        "city": "Liège",
        "title": "Projet Laureate",
        "granted_amount": 40000.0,
    }
    assert rows("laureates", lang="en")[1]["size_class"] == "Small enterprise"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tags", "fields"),
    [(("org-type:self-employed",), {}), ((), {"legal_form": "Personne physique"})],
)
def test_it_withholds_who_a_natural_person_laureate_is(calls, users, tags, fields):
    person = organisation(
        "Jeanne Dupont", *tags, postcode="5030", city="Gembloux",
        municipality=concept("territory:gembloux"), **fields,
    )  # fmt: skip
    apply(calls["call"], users["applicant"], "progress", "Person", org=person)
    [record] = [r for r in rows("laureates") if r["reference"] == "REF-Person"]
    assert record["identity_withheld"] is True
    assert record["organisation"] is None and record["enterprise_number"] is None
    assert record["postcode"] is None and record["city"] is None
    assert record["municipality"] == "Gembloux"
    assert "Dupont" not in every_text(rows("laureates"))
    # Neither a search nor a filter reaches the withheld name.
    dataset = registry.get("laureates")
    for column in dataset.search_columns:
        assert not dataset.queryset().filter(IContains(F(column), Value("Dupont"))).exists()
    assert not rows("laureates", organisation="Jeanne Dupont")


@pytest.mark.django_db
def test_its_call_dates_cover_published_calls(calls):
    assert registry.get("calls").temporal() == (  # type: ignore[misc]
        datetime.date(2024, 2, 1),
        datetime.date(2024, 4, 1),
    )
    laureates = registry.get("laureates")
    assert laureates.temporal is not None
    assert laureates.temporal() == (datetime.date(2024, 2, 1), datetime.date(2024, 4, 1))
    assert laureates.modified() == max(
        calls["laureate"].updated_at,
        calls["laureate"].organisation.updated_at,
        calls["completed"].updated_at,
        calls["completed"].organisation.updated_at,
    )


# --- programme-impact --------------------------------------------------------------------


def surveyed(call: Call, user: Any, count: int) -> None:
    for i in range(count):
        application = apply(
            call, user, "completed", f"{call.code}-{i}", granted_amount=Decimal(1000)
        )
        SurveyAnswer.objects.create(
            application=application,
            improved_competitiveness=i % 2 == 0,
            improved_quality=True,
            would_recommend=i != 0,
            reached_production=False,
            investment_before=Decimal(10_000 if i else 0),
            investment_after=Decimal(25_000),
            jobs_created=i,
            answered_by=user,
        )


@pytest.fixture
def impact(users):
    """Tremplin IA 2024: five answers; Start IA 2024: four; an unpublished call: six."""
    user = users["applicant"]
    tremplin = make_call("t-2024", opens=brussels(2024, 1, 10, 9, 0))
    surveyed(tremplin, user, MINIMUM_GROUP)
    start_ia = Instrument.objects.create(
        code="start-ia", prefix="SIA", name="Start IA", summary="."
    )
    small = make_call("s-2024", opens=brussels(2024, 2, 1, 9, 0))
    Call.objects.filter(pk=small.pk).update(instrument=start_ia)
    surveyed(small, user, MINIMUM_GROUP - 1)
    hidden = make_call("hidden-2025", opens=brussels(2025, 1, 10, 9, 0))
    Call.objects.filter(pk=hidden.pk).update(is_published=False)
    surveyed(hidden, user, MINIMUM_GROUP + 1)
    return {"tremplin": tremplin, "small": small, "hidden": hidden}


@pytest.mark.django_db
def test_it_totals_the_survey_answers_of_calls_with_enough_respondents(impact):
    assert MINIMUM_GROUP == 5  # DESIGN: groups of at least 5
    assert rows("programme-impact") == [
        {
            "instrument_code": "tremplin-ia",
            "instrument": "Tremplin IA",
            "call": "t-2024",
            "call_title": "Call t-2024",
            "year": 2024,
            "respondents": 5,
            "would_recommend": 4,
            "would_recommend_share": 80.0,
            "improved_competitiveness": 3,
            "improved_competitiveness_share": 60.0,
            "improved_quality": 5,
            "improved_quality_share": 100.0,
            "reached_production": 0,
            "reached_production_share": 0.0,
            "jobs_created": 0 + 1 + 2 + 3 + 4,
            "investment_before": 40000.0,
            "investment_after": 125000.0,
            # Among the four who invested before: 100,000 after for 40,000 before.
            "investment_multiplier": 2.5,
        }
    ]
    fields = registry.get("programme-impact").fields()
    assert [f.name for f in fields if not f.aggregated] == [
        "instrument_code", "instrument", "call", "call_title", "year",
    ]  # fmt: skip


@pytest.mark.django_db
def test_its_rows_can_be_filtered_sorted_and_counted(impact, users):
    later = make_call("t-2025", opens=brussels(2025, 1, 10, 9, 0))
    surveyed(later, users["applicant"], MINIMUM_GROUP + 1)
    dataset = registry.get("programme-impact")
    assert [(r["year"], r["respondents"]) for r in rows("programme-impact")] == [
        (2024, 5),
        (2025, 6),
    ]
    assert [r["year"] for r in rows("programme-impact", respondents__gt=5)] == [2025]
    assert [r["year"] for r in rows("programme-impact", year=2024)] == [2024]
    assert [r["call"] for r in rows("programme-impact", would_recommend_share__gte=80)] == [
        "t-2024",
        "t-2025",
    ]
    annotated = dataset.queryset().annotate(c0=F("code"), c1=F("respondents"))
    assert list(annotated.order_by("-c1").values_list("c0", "c1")) == [
        ("t-2025", 6),
        ("t-2024", 5),
    ]
    assert annotated.count() == 2
    assert dataset.temporal is not None
    assert dataset.temporal()[0] == datetime.date(2024, 1, 10)


@pytest.mark.django_db
def test_regrouping_its_rows_never_reaches_the_answers_of_small_groups(impact):
    # However the API groups the rows (facets, group_by), it counts and sums calls with
    # enough respondents, never the answers of the others.
    queryset = registry.get("programme-impact").queryset()
    by_year = queryset.values(year=ExtractYear("opens_at")).annotate(
        calls=Count("*"), answers=Sum("respondents")
    )
    assert list(by_year.order_by("year")) == [{"year": 2024, "calls": 1, "answers": 5}]
    assert queryset.aggregate(n=Count("*"))["n"] == 1
    assert list(queryset.values_list("pk", "respondents")) == [(impact["tremplin"].pk, 5)]


# --- all of them -------------------------------------------------------------------------

PYTHON_TYPES = {
    "text": str,
    "int": int,
    "double": float,
    "date": datetime.date,
    "datetime": datetime.datetime,
    "boolean": bool,
}


@pytest.mark.django_db
@pytest.mark.parametrize("dataset_id", DOMAIN_DATASETS)
def test_every_value_has_its_declared_type(dataset_id, strategy, calls, impact):
    fields = registry.get(dataset_id).field_map()
    for record in rows(dataset_id):
        for name, value in record.items():
            values = value if fields[name].multivalued else [value]
            for one in values:
                if one is not None:
                    expected = PYTHON_TYPES[fields[name].type]
                    assert type(one) is expected, (name, one)


@pytest.mark.django_db
def test_no_dataset_publishes_personal_data(strategy, calls, impact, users):
    forbidden_names = re.compile(
        r"mail|user|person|evaluat|score|comment|consensus|reason|needs|summary_|document|answered_by|created_by",
    )
    secrets = [
        "@test.example", "Commentaire du jury", "Retour au candidat", "Avis de l'évaluateur",
        "Résumé confidentiel", "Besoins confidentiels", "Appel caché", "Chiffre confidentiel",
        "Levier secret", "REF-Rejected", "REF-Reserve", "REF-Hidden", "REF-Evaluation",
        "REF-Withdrawn", "REF-Submitted", "Projet Draft", "Projet Rejected", "Projet Hidden",
    ]  # fmt: skip
    secrets += [user.username for user in users.values() if user is not None]
    for dataset_id in DOMAIN_DATASETS:
        fields = registry.get(dataset_id).fields()
        assert not [f.name for f in fields if forbidden_names.search(f.name)], dataset_id
        for lang in ("fr", "en"):
            text = every_text(rows(dataset_id, lang))
            leaked = [s for s in secrets if re.search(rf"\b{re.escape(s)}\b", text)]
            assert not leaked, (dataset_id, leaked)


@pytest.mark.django_db
@pytest.mark.parametrize("dataset_id", DOMAIN_DATASETS)
def test_it_declares_each_dataset_fully(dataset_id, strategy, calls, impact):
    dataset: Dataset = registry.get(dataset_id)
    for text in (dataset.title, dataset.description):
        assert all(getattr(text, lang) for lang in registry.LANGUAGES)
    assert dataset.keywords.fr and dataset.theme in registry.THEMES
    names = [f.name for f in dataset.fields()]
    assert len(names) == len(set(names))
    for f in dataset.fields():
        assert IDENTIFIER.fullmatch(f.name), f.name
        assert all(getattr(f.label, lang) for lang in registry.LANGUAGES), f.name
        assert f.type != "geo_point_2d"
    # The last sort key is unique: the pk or a unique code.
    assert dataset.ordering[-1] == UNIQUE_LAST_KEY[dataset_id]
    for column in dataset.search_columns:
        dataset.queryset().filter(IContains(F(column), Value("x"))).exists()
    dataset.modified()
    assert dataset.temporal is not None
    dataset.temporal()
    assert rows(dataset_id)
    assert rows(dataset_id, lang="nl")
