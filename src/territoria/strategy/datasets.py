"""The strategy's Open Data: its actions, and the measurements of its indicators.

Draft versions are staff-only everywhere, so neither dataset ever holds a row, a
value or a date of theirs. Codes (status, unit…) stay codes, the same in every
language; concept labels (types, audiences) follow the requested language.
"""

import datetime
from typing import Any

from django.db import models
from django.db.models import CharField, F, Max, Min, Value
from django.db.models.functions import Coalesce, NullIf

from territoria.ecosystem.services import withheld_person_condition
from territoria.opendata.keywords import TerritoryKeywords
from territoria.opendata.registry import (
    Dataset,
    Field,
    Translated,
    as_double,
    latest,
    latest_audited_change,
    localized,
    page_path,
    register,
    scheme_fields,
)
from territoria.strategy.containers import public_actions
from territoria.strategy.models import Action, Ambition, Indicator, Measurement, Programme, Strategy


def public_versions() -> models.QuerySet[Strategy]:
    return Strategy.objects.exclude(status=Strategy.Status.DRAFT)


def public_measurements() -> models.QuerySet[Measurement]:
    return Measurement.objects.exclude(indicator__programme__strategy__status=Strategy.Status.DRAFT)


def organisation_name(path: str, lang: str) -> Any:
    """An organisation's name in `lang`, else its official name."""
    return Coalesce(NullIf(F(f"{path}__name_{lang}"), Value("")), F(f"{path}__name"))


# --- strategy-actions --------------------------------------------------------------------

# The schemes that tag actions besides their type (a concept field): target audiences,
# and the technologies and labels the reference data gives them.
ACTION_SCHEMES = ("audience", "technology", "label")


def partner_values(lang: str) -> models.QuerySet[Any]:
    links = Action.partners.through._default_manager.exclude(
        action__programme__strategy__status=Strategy.Status.DRAFT
    ).exclude(withheld_person_condition("organisation__"))
    return links.values(owner=F("action_id"), value=organisation_name("organisation", lang))


def lever_values(lang: str) -> models.QuerySet[Any]:
    links = Action.levers.through._default_manager.exclude(
        action__programme__strategy__status=Strategy.Status.DRAFT
    )
    return links.values(owner=F("action_id"), value=F("policylever__title"))


STATUS_CODES = Translated(
    "planned : prévue ; ongoing : en cours ; done : terminée.",
    "planned, ongoing or done.",
    "planned: gepland; ongoing: lopend; done: afgerond.",
    "planned: geplant; ongoing: laufend; done: abgeschlossen.",
)


def strategy_fields(path: str) -> list[Field]:
    """The version, ambition and programme a row belongs to, through `path` (a programme)."""
    return [
        Field("strategy", Translated("Stratégie (code)", "Strategy (code)", "Strategie (code)", "Strategie (Code)"), "text", f"{path}__strategy__code", facet=True),
        Field("strategy_version", Translated("Version de la stratégie", "Strategy version", "Versie van de strategie", "Version der Strategie"), "text", f"{path}__strategy__version", facet=True),
        Field(
            "strategy_status",
            Translated("Statut de la stratégie", "Strategy status", "Status van de strategie", "Status der Strategie"),
            "text",
            f"{path}__strategy__status",
            description=Translated(
                "proposed : proposée ; active : en vigueur ; closed : clôturée.",
                "proposed, active (in force) or closed.",
                "proposed: voorgesteld; active: van kracht; closed: afgesloten.",
                "proposed: vorgeschlagen; active: in Kraft; closed: abgeschlossen.",
            ),
            facet=True,
            value_labels=dict(Strategy.Status.choices),
        ),
        Field("ambition_code", Translated("Ambition (code)", "Ambition (code)", "Ambitie (code)", "Ambition (Code)"), "text", f"{path}__ambition__code"),
        Field("ambition", Translated("Ambition", "Ambition", "Ambitie", "Ambition"), "text", f"{path}__ambition__title", facet=True),
        Field("programme_code", Translated("Programme (code)", "Programme (code)", "Programma (code)", "Programm (Code)"), "text", f"{path}__code"),
        Field("programme", Translated("Programme", "Programme", "Programma", "Programm"), "text", f"{path}__name", facet=True),
    ]  # fmt: skip


def action_fields() -> list[Field]:
    return [
        Field("action_id", Translated("Identifiant de l'action", "Action identifier", "Identificatie van de actie", "Kennung der Maßnahme"), "int", "pk"),
        *strategy_fields("programme"),
        Field("code", Translated("Code de l'action", "Action code", "Code van de actie", "Code der Maßnahme"), "text", "code"),
        Field("title", Translated("Action", "Action", "Actie", "Maßnahme"), "text", "title"),
        Field("description", Translated("Description", "Description", "Beschrijving", "Beschreibung"), "text", "description"),
        Field("action_type", Translated("Type d'action", "Action type", "Soort actie", "Art der Maßnahme"), "text", lambda lang: localized("action_type__label", lang), facet=True),
        *scheme_fields(Action, ACTION_SCHEMES),
        Field("policy_levers", Translated("Leviers politiques", "Policy levers", "Beleidshefbomen", "Politische Hebel"), "text", multivalued=True, facet=True, values=lever_values),
        Field("status", Translated("Statut", "Status", "Status", "Status"), "text", "status", description=STATUS_CODES, facet=True, value_labels=dict(Action.Status.choices)),
        Field("start_date", Translated("Début", "Start", "Begin", "Beginn"), "date", "start_on", facet=True),
        Field("end_date", Translated("Fin", "End", "Einde", "Ende"), "date", "end_on", facet=True),
        Field(
            "date_precision",
            Translated("Précision des dates", "Date precision", "Nauwkeurigheid van de data", "Genauigkeit der Daten"),
            "text",
            "date_precision",
            description=Translated(
                "day, month ou year : quand seule l'année est connue (year), les dates sont le premier et le dernier jour de cette année.",
                "day, month or year: when only the year is known (year), the dates are its first and last day.",
                "day, month of year: als alleen het jaar bekend is (year), zijn de data de eerste en de laatste dag van dat jaar.",
                "day, month oder year: Ist nur das Jahr bekannt (year), sind die Daten der erste und der letzte Tag dieses Jahres.",
            ),
            facet=True,
            value_labels=dict(Action.Precision.choices),
        ),
        Field("budget", Translated("Budget (€)", "Budget (€)", "Budget (€)", "Budget (€)"), "double", as_double("budget")),
        Field("recovery_plan", Translated("Financée par le plan de relance", "Funded by the recovery plan", "Gefinancierd door het herstelplan", "Aus dem Aufbauplan finanziert"), "boolean", "recovery_plan", facet=True),
        Field("partners", Translated("Partenaires", "Partners", "Partners", "Partner"), "text", multivalued=True, values=partner_values),
        Field("url", Translated("Page de l'action", "Action page", "Pagina van de actie", "Seite der Maßnahme"), "text", page_path("strategy:action", "pk")),
    ]  # fmt: skip


def actions_modified() -> datetime.datetime | None:
    return latest_audited_change(
        public_versions(),
        Ambition.objects.filter(strategy__in=public_versions()),
        Programme.objects.filter(strategy__in=public_versions()),
        public_actions(),
    )


def actions_period() -> tuple[datetime.date | None, datetime.date | None]:
    span = public_actions().aggregate(first=Min("start_on"), last=Max("end_on"))
    return span["first"], span["last"]


ACTIONS = register(
    Dataset(
        id="strategy-actions",
        title=Translated(
            fr="Stratégie numérique : actions",
            en="Digital strategy: actions",
            nl="Digitale strategie: acties",
            de="Digitalstrategie: Maßnahmen",
        ),
        description=Translated(
            fr="Les actions opérationnelles de la stratégie numérique, version par version (hors "
            "versions en préparation) : ambition et programme, type, publics cibles, statut, "
            "dates, budget, financement par le plan de relance et partenaires.",
            en="The operational actions of the digital strategy, version by version (versions "
            "in preparation excluded): ambition and programme, type, target audiences, status, "
            "dates, budget, recovery-plan funding and partners.",
            nl="De operationele acties van de digitale strategie, versie per versie (zonder "
            "versies in voorbereiding): ambitie en programma, soort, doelgroepen, status, data, "
            "budget, financiering door het herstelplan en partners.",
            de="Die operativen Maßnahmen der Digitalstrategie, Version für Version (ohne "
            "Versionen in Vorbereitung): Ambition und Programm, Art, Zielgruppen, Status, Daten, "
            "Budget, Finanzierung durch den Aufbauplan und Partner.",
        ),
        theme="GOVE",
        keywords=TerritoryKeywords(
            fr=(
                "stratégie numérique",
                "{strategy}",
                "actions",
                "programmes",
                "politique publique",
            ),
            en=("digital strategy", "{strategy}", "actions", "programmes", "public policy"),
            nl=(
                "digitale strategie",
                "{strategy}",
                "acties",
                "programma's",
                "overheidsbeleid",
            ),
            de=(
                "Digitalstrategie",
                "{strategy}",
                "Maßnahmen",
                "Programme",
                "öffentliche Politik",
            ),
        ),
        queryset=public_actions,
        fields=action_fields,
        modified=actions_modified,
        container="action",
        search_columns=("title", "description", "code", "programme__name"),
        temporal=actions_period,
        ordering=(
            "programme__strategy__start_year",
            "programme__strategy__code",
            "programme__ambition__order",
            "programme__code",
            "title",
            "pk",
        ),
    )
)


# --- strategy-indicators -----------------------------------------------------------------


def indicator_fields() -> list[Field]:
    return [
        Field("indicator_code", Translated("Indicateur (code)", "Indicator (code)", "Indicator (code)", "Indikator (Code)"), "text", "indicator__code", facet=True),
        Field("indicator", Translated("Indicateur", "Indicator", "Indicator", "Indikator"), "text", "indicator__name", facet=True),
        Field("definition", Translated("Définition", "Definition", "Definitie", "Definition"), "text", "indicator__definition"),
        Field(
            "unit",
            Translated("Unité", "Unit", "Eenheid", "Einheit"),
            "text",
            "indicator__unit",
            description=Translated(
                "count : nombre ; eur : euros ; percent : pourcentage ; ratio : rapport.",
                "count, eur (euros), percent or ratio.",
                "count: aantal; eur: euro; percent: percentage; ratio: verhouding.",
                "count: Anzahl; eur: Euro; percent: Prozentsatz; ratio: Verhältnis.",
            ),
            facet=True,
            value_labels=dict(Indicator.Unit.choices),
        ),
        Field("unit_label", Translated("Unité affichée", "Unit as shown", "Weergegeven eenheid", "Angezeigte Einheit"), "text", "indicator__unit_label"),
        Field(
            "aggregation",
            Translated("Agrégation", "Aggregation", "Aggregatie", "Aggregation"),
            "text",
            "indicator__aggregation",
            description=Translated(
                "sum : chaque mesure est le montant de sa période et elles s'additionnent ; last : chaque mesure est un total cumulé ou un niveau ; max : la plus haute valeur compte.",
                "sum: each measurement is its period's amount and they add up; last: each measurement is a running total or a level; max: the highest value counts.",
                "sum: elke meting is het bedrag van haar periode en ze worden opgeteld; last: elke meting is een cumulatief totaal of een niveau; max: de hoogste waarde telt.",
                "sum: Jede Messung ist der Betrag ihres Zeitraums, sie werden addiert; last: Jede Messung ist eine laufende Summe oder ein Stand; max: Der höchste Wert zählt.",
            ),
            facet=True,
            value_labels=dict(Indicator.Aggregation.choices),
        ),
        Field("key_indicator", Translated("Indicateur clé", "Key indicator", "Kernindicator", "Schlüsselindikator"), "boolean", "indicator__is_key", facet=True),
        Field("target_value", Translated("Cible", "Target", "Streefwaarde", "Zielwert"), "double", as_double("indicator__target_value")),
        Field("target_date", Translated("Échéance de la cible", "Target date", "Streefdatum", "Zieldatum"), "date", "indicator__target_date"),
        Field(
            "target_direction",
            Translated("Sens de la cible", "Target direction", "Richting van de streefwaarde", "Richtung des Zielwerts"),
            "text",
            "indicator__target_direction",
            description=Translated(
                "increase : atteinte à la cible ou au-dessus ; decrease : atteinte à la cible ou en dessous.",
                "increase: reached at or above the target; decrease: reached at or below it.",
                "increase: bereikt op of boven de streefwaarde; decrease: bereikt op of onder de streefwaarde.",
                "increase: erreicht bei oder über dem Zielwert; decrease: erreicht bei oder unter dem Zielwert.",
            ),
            facet=True,
            value_labels=dict(Indicator.Direction.choices),
        ),
        *strategy_fields("indicator__programme"),
        Field("action_id", Translated("Identifiant de l'action", "Action identifier", "Identificatie van de actie", "Kennung der Maßnahme"), "int", "indicator__action_id"),
        Field("action", Translated("Action", "Action", "Actie", "Maßnahme"), "text", "indicator__action__title"),
        Field("date", Translated("Date de la mesure", "Measurement date", "Datum van de meting", "Datum der Messung"), "date", "measured_on", facet=True),
        Field("value", Translated("Valeur", "Value", "Waarde", "Wert"), "double", as_double("value")),
        Field(
            "source",
            Translated("Source", "Source", "Bron", "Quelle"),
            "text",
            Coalesce(NullIf(F("source_publication__title"), Value("")), F("source_url"), output_field=CharField()),
            description=Translated(
                "Le titre de la publication source, à défaut son adresse.",
                "The source publication's title, or else its address.",
                "De titel van de bronpublicatie, anders het adres ervan.",
                "Der Titel der Quellpublikation, sonst ihre Adresse.",
            ),
        ),
        Field("source_url", Translated("Adresse de la source", "Source address", "Adres van de bron", "Adresse der Quelle"), "text", Coalesce(NullIf(F("source_url"), Value("")), F("source_publication__url"), output_field=CharField())),
        Field(
            "note",
            Translated("Citation de la source", "Quote from the source", "Citaat uit de bron", "Zitat aus der Quelle"),
            "text",
            "note",
            description=Translated(
                "Le passage de la source qui donne le chiffre.",
                "The passage of the source that states the figure.",
                "De passage uit de bron die het cijfer vermeldt.",
                "Die Stelle der Quelle, die die Zahl nennt.",
            ),
        ),
        Field("url", Translated("Page de l'indicateur", "Indicator page", "Pagina van de indicator", "Seite des Indikators"), "text", page_path("strategy:indicator", "indicator__code")),
    ]  # fmt: skip


def indicators_modified() -> datetime.datetime | None:
    measurements = public_measurements()
    recorded = measurements.aggregate(latest=Max("recorded_at"))["latest"]
    indicators = Indicator.objects.exclude(programme__strategy__status=Strategy.Status.DRAFT)
    return latest(recorded, latest_audited_change(indicators, measurements))


def indicators_period() -> tuple[datetime.date | None, datetime.date | None]:
    span = public_measurements().aggregate(first=Min("measured_on"), last=Max("measured_on"))
    return span["first"], span["last"]


INDICATORS = register(
    Dataset(
        id="strategy-indicators",
        title=Translated(
            fr="Stratégie numérique : mesures des indicateurs",
            en="Digital strategy: indicator measurements",
            nl="Digitale strategie: metingen van de indicatoren",
            de="Digitalstrategie: Messungen der Indikatoren",
        ),
        description=Translated(
            fr="Une ligne par mesure datée d'un indicateur de la stratégie numérique (hors "
            "versions en préparation) : l'indicateur, son unité, sa cible, l'ambition, le "
            "programme et l'action qu'il suit, la valeur et sa source.",
            en="One row per dated measurement of an indicator of the digital strategy "
            "(versions in preparation excluded): the indicator, its unit, its target, the "
            "ambition, programme and action it follows, the value and its source.",
            nl="Eén rij per gedateerde meting van een indicator van de digitale strategie "
            "(zonder versies in voorbereiding): de indicator, de eenheid, de streefwaarde, de "
            "ambitie, het programma en de actie die hij volgt, de waarde en de bron.",
            de="Eine Zeile je datierter Messung eines Indikators der Digitalstrategie (ohne "
            "Versionen in Vorbereitung): der Indikator, seine Einheit, sein Zielwert, die "
            "Ambition, das Programm und die Maßnahme, die er verfolgt, der Wert und seine Quelle.",
        ),
        theme="GOVE",
        keywords=TerritoryKeywords(
            fr=(
                "stratégie numérique",
                "{strategy}",
                "indicateurs",
                "tableau de bord",
                "suivi",
            ),
            en=("digital strategy", "{strategy}", "indicators", "dashboard", "monitoring"),
            nl=("digitale strategie", "{strategy}", "indicatoren", "dashboard", "opvolging"),
            de=("Digitalstrategie", "{strategy}", "Indikatoren", "Dashboard", "Monitoring"),
        ),
        queryset=public_measurements,
        fields=indicator_fields,
        modified=indicators_modified,
        search_columns=("indicator__name", "indicator__code", "indicator__definition", "note"),
        temporal=indicators_period,
        ordering=("indicator__code", "measured_on", "pk"),
    )
)
