"""The calls' Open Data: published calls, their laureates, and the programme's impact.

Nothing personal leaves: no applicant, evaluator, score, comment, document, draft or
unselected application. A laureate that is a natural person (a self-employed
organisation) with no consent to publication recorded is listed without its name, number
or locality. Survey answers are
published only as totals per call, for calls with at least `MINIMUM_GROUP` answers.
"""

import datetime
from typing import Any

from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest, NullIf
from django.utils import timezone

from territoria.calls.models import Application, Call, Instrument, SurveyAnswer
from territoria.calls.services.impact import SUPPORTED
from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.services import withheld_person
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
)


def year_of(column: str) -> Any:
    """The year of a moment, in Brussels."""
    return ExtractYear(column, tzinfo=timezone.get_default_timezone())


def in_brussels(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def instrument_names(key: str) -> Any:
    """Each instrument's name in the page's language, by its `key` (code, or French name)."""

    def labels(lang: str) -> dict[str, str]:
        column = "name" if lang == "fr" else f"name_{lang}"
        return {
            str(row[key]): row[column] or row["name"]
            for row in Instrument.objects.values("code", "name", column)
        }

    return labels


def instrument_fields(path: str) -> list[Field]:
    return [
        Field("instrument_code", Translated("Dispositif (code)", "Instrument (code)", "Instrument (code)", "Instrument (Code)"), "text", f"{path}__code", facet=True, value_labels=instrument_names("code")),
        Field("instrument", Translated("Dispositif", "Instrument", "Instrument", "Instrument"), "text", f"{path}__name", facet=True, value_labels=instrument_names("name")),
    ]  # fmt: skip


# --- calls -------------------------------------------------------------------------------


def count_of(applications: models.QuerySet[Application]) -> Any:
    """How many of `applications` each call has (a correlated subquery: no row is repeated)."""
    counts = applications.filter(call=OuterRef("pk")).order_by().values("call")
    return Coalesce(
        Subquery(counts.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
    )


def published_calls() -> models.QuerySet[Call]:
    laureates = Application.objects.filter(status__in=SUPPORTED)
    granted = laureates.filter(call=OuterRef("pk")).order_by().values("call")
    return Call.objects.published().annotate(
        submitted_count=count_of(Application.objects.filter(submitted_at__isnull=False)),
        laureate_count=count_of(laureates),
        granted_total=Subquery(
            granted.annotate(total=as_double(Sum("granted_amount"))).values("total"),
            output_field=FloatField(),
        ),
        is_open=Exists(Call.objects.open_at(timezone.now()).filter(pk=OuterRef("pk"))),
    )


def eligibility_values(relation: str) -> Any:
    """The labels of a call's eligibility concepts (`eligible_types`, `eligible_sizes`)."""
    through: type[models.Model] = getattr(Call, relation).through

    def values(lang: str) -> models.QuerySet[Any]:
        links = through._default_manager.filter(call__is_published=True)
        return links.values(owner=F("call_id"), value=localized("concept__label", lang))

    return values


def call_fields() -> list[Field]:
    return [
        *instrument_fields("instrument"),
        Field("code", Translated("Code de l'appel", "Call code", "Code van de oproep", "Code des Aufrufs"), "text", "code"),
        Field("title", Translated("Appel", "Call", "Oproep", "Aufruf"), "text", "title"),
        Field("summary", Translated("Résumé", "Summary", "Samenvatting", "Zusammenfassung"), "text", "summary"),
        Field("description", Translated("Texte de l'appel", "Full text", "Volledige tekst", "Volltext"), "text", "description"),
        Field("year", Translated("Année", "Year", "Jaar", "Jahr"), "int", year_of("opens_at"), facet=True),
        Field("opens_at", Translated("Ouverture", "Opens at", "Opening", "Öffnung"), "datetime", "opens_at"),
        Field("closes_at", Translated("Clôture", "Closes at", "Sluiting", "Schluss"), "datetime", "closes_at"),
        Field(
            "is_open",
            Translated("Ouvert", "Open", "Open", "Offen"),
            "boolean",
            "is_open",
            description=Translated(
                "Ouvert aux candidatures au moment de la requête.",
                "Open to applications at the time of the request.",
                "Open voor kandidaturen op het moment van de aanvraag.",
                "Zum Zeitpunkt der Anfrage für Bewerbungen offen.",
            ),
            facet=True,
        ),
        Field("budget", Translated("Budget (€)", "Budget (€)", "Budget (€)", "Budget (€)"), "double", as_double("budget")),
        Field("max_amount", Translated("Montant maximal par projet (€)", "Maximum per project (€)", "Maximumbedrag per project (€)", "Höchstbetrag je Projekt (€)"), "double", as_double("max_amount")),
        Field(
            "seat_required_in",
            Translated("Lieu du siège requis", "Seat required in", "Zetel vereist in", "Sitz erforderlich in"),
            "text",
            lambda lang: localized("seat_in__label", lang),
            description=Translated(
                "Le lieu (région, province, commune) où le siège du candidat doit se trouver ; vide : partout.",
                "The place (region, province, municipality) where the applicant's seat must be; empty: anywhere.",
                "De plaats (gewest, provincie, gemeente) waar de zetel van de kandidaat moet liggen; leeg: overal.",
                "Der Ort (Region, Provinz, Gemeinde), an dem der Sitz des Bewerbers liegen muss; leer: überall.",
            ),
            facet=True,
        ),
        Field("eligible_types", Translated("Types d'organisation éligibles", "Eligible organisation types", "In aanmerking komende soorten organisaties", "Förderfähige Organisationstypen"), "text", multivalued=True, facet=True, values=eligibility_values("eligible_types")),
        Field("eligible_sizes", Translated("Tailles éligibles", "Eligible sizes", "In aanmerking komende groottes", "Förderfähige Größen"), "text", multivalued=True, facet=True, values=eligibility_values("eligible_sizes")),
        Field("submitted_applications", Translated("Candidatures déposées", "Applications submitted", "Ingediende kandidaturen", "Eingereichte Bewerbungen"), "int", "submitted_count", aggregated=True),
        Field("laureates", Translated("Lauréats", "Laureates", "Laureaten", "Preisträger"), "int", "laureate_count", aggregated=True),
        Field("granted_amount", Translated("Montant octroyé (€)", "Amount granted (€)", "Toegekend bedrag (€)", "Bewilligter Betrag (€)"), "double", "granted_total", aggregated=True),
        Field("url", Translated("Page de l'appel", "Call page", "Pagina van de oproep", "Seite des Aufrufs"), "text", page_path("calls:call", "code")),
    ]  # fmt: skip


def calls_modified() -> datetime.datetime | None:
    calls = Call.objects.published()
    submitted = Application.objects.filter(call__in=calls, submitted_at__isnull=False)
    return latest(
        submitted.aggregate(latest=Max("updated_at"))["latest"],
        latest_audited_change(calls, Instrument.objects.filter(calls__in=calls)),
    )


def calls_period() -> tuple[datetime.date | None, datetime.date | None]:
    span = Call.objects.published().aggregate(first=Min("opens_at"), last=Max("closes_at"))
    return in_brussels(span["first"]), in_brussels(span["last"])


CALLS = register(
    Dataset(
        id="calls",
        title=Translated(
            fr="Appels à projets",
            en="Calls for projects",
            nl="Projectoproepen",
            de="Projektaufrufe",
        ),
        description=Translated(
            fr="Les appels à projets publiés des dispositifs de soutien (Start IA, Tremplin IA, "
            "Cap IA…) : période de dépôt, budget, montant maximal par projet, conditions "
            "d'éligibilité, nombre de candidatures déposées et de lauréats, montant octroyé.",
            en="The published calls for projects of the support instruments (Start IA, Tremplin "
            "IA, Cap IA…): submission window, budget, maximum per project, eligibility "
            "conditions, numbers of applications submitted and of laureates, amount granted.",
            nl="De gepubliceerde projectoproepen van de steuninstrumenten (Start IA, Tremplin "
            "IA, Cap IA…): indieningsperiode, budget, maximumbedrag per project, "
            "toelatingsvoorwaarden, aantal ingediende kandidaturen en laureaten, toegekend bedrag.",
            de="Die veröffentlichten Projektaufrufe der Förderinstrumente (Start IA, Tremplin "
            "IA, Cap IA…): Einreichungsfrist, Budget, Höchstbetrag je Projekt, "
            "Förderbedingungen, Zahl der eingereichten Bewerbungen und der Preisträger, "
            "bewilligter Betrag.",
        ),
        theme="ECON",
        keywords=TerritoryKeywords(
            fr=(
                "appels à projets",
                "intelligence artificielle",
                "{programme}",
                "aides aux entreprises",
            ),
            en=(
                "calls for projects",
                "artificial intelligence",
                "{programme}",
                "business support",
            ),
            nl=(
                "projectoproepen",
                "artificiële intelligentie",
                "{programme}",
                "steun aan bedrijven",
            ),
            de=(
                "Projektaufrufe",
                "künstliche Intelligenz",
                "{programme}",
                "Unternehmensförderung",
            ),
        ),
        queryset=published_calls,
        fields=call_fields,
        modified=calls_modified,
        search_columns=("title", "summary", "code", "instrument__name"),
        temporal=calls_period,
        ordering=("-opens_at", "code"),
    )
)


# --- laureates ---------------------------------------------------------------------------


def unless_withheld(column: str) -> Any:
    return Case(When(identity_withheld=True, then=Value(None)), default=F(column))


def laureates() -> models.QuerySet[Application]:
    """Selected applications (then in progress or completed) of published calls.

    The name, number and locality of a natural person without recorded consent to publication
    (`ecosystem.services.withheld_person`) are withheld here, in the queryset,
    so that no filter or search can reach them either.
    """
    return (
        Application.objects.filter(call__is_published=True, status__in=SUPPORTED)
        .annotate(identity_withheld=withheld_person("organisation__"))
        .annotate(
            public_name=unless_withheld("organisation__name"),
            public_number=unless_withheld("organisation__enterprise_number"),
            public_postcode=unless_withheld("organisation__postcode"),
            public_city=unless_withheld("organisation__city"),
        )
    )


def laureate_fields() -> list[Field]:
    return [
        Field("reference", Translated("Référence", "Reference", "Referentie", "Referenz"), "text", "reference"),
        Field("call", Translated("Appel (code)", "Call (code)", "Oproep (code)", "Aufruf (Code)"), "text", "call__code", facet=True),
        Field("call_title", Translated("Appel", "Call", "Oproep", "Aufruf"), "text", "call__title"),
        *instrument_fields("call__instrument"),
        Field(
            "year",
            Translated("Année", "Year", "Jaar", "Jahr"),
            "int",
            year_of("call__opens_at"),
            description=Translated("L'année d'ouverture de l'appel.", "The year the call opened.", "Het jaar waarin de oproep openging.", "Das Jahr, in dem der Aufruf eröffnet wurde."),
            facet=True,
        ),
        Field("organisation", Translated("Organisation", "Organisation", "Organisatie", "Organisation"), "text", "public_name"),
        Field("enterprise_number", Translated("Numéro d'entreprise", "Enterprise number", "Ondernemingsnummer", "Unternehmensnummer"), "text", "public_number"),
        Field(
            "identity_withheld",
            Translated("Identité non publiée", "Identity withheld", "Identiteit niet gepubliceerd", "Identität nicht veröffentlicht"),
            "boolean",
            "identity_withheld",
            description=Translated(
                "Le lauréat est une personne physique sans consentement à la publication : son nom, son numéro d'entreprise, son code postal et sa localité ne sont pas publiés.",
                "The laureate is a natural person who has not consented to publication: their name, enterprise number, postcode and locality are not published.",
                "De laureaat is een natuurlijke persoon zonder toestemming voor publicatie: naam, ondernemingsnummer, postcode en plaats worden niet gepubliceerd.",
                "Der Preisträger ist eine natürliche Person ohne Einwilligung zur Veröffentlichung: Name, Unternehmensnummer, Postleitzahl und Ort werden nicht veröffentlicht.",
            ),
        ),
        Field("size_class", Translated("Taille", "Size", "Grootte", "Größe"), "text", lambda lang: localized("organisation__size_class__label", lang), facet=True),
        Field("municipality", Translated("Commune", "Municipality", "Gemeente", "Gemeinde"), "text", lambda lang: localized("organisation__municipality__label", lang), facet=True),
        Field("postcode", Translated("Code postal", "Postcode", "Postcode", "Postleitzahl"), "text", "public_postcode"),
        Field("city", Translated("Localité", "Locality", "Plaats", "Ort"), "text", "public_city"),
        Field("title", Translated("Projet", "Project", "Project", "Projekt"), "text", "title"),
        Field("granted_amount", Translated("Montant octroyé (€)", "Amount granted (€)", "Toegekend bedrag (€)", "Bewilligter Betrag (€)"), "double", as_double("granted_amount")),
    ]  # fmt: skip


def laureates_modified() -> datetime.datetime | None:
    last = Max(Greatest("updated_at", "organisation__updated_at"))
    changed = laureates().aggregate(latest=last)["latest"]
    calls = Call.objects.published()
    return latest(changed, latest_audited_change(calls, Instrument.objects.filter(calls__in=calls)))


def laureates_period() -> tuple[datetime.date | None, datetime.date | None]:
    span = laureates().aggregate(first=Min("call__opens_at"), last=Max("call__closes_at"))
    return in_brussels(span["first"]), in_brussels(span["last"])


LAUREATES = register(
    Dataset(
        id="laureates",
        title=Translated(
            fr="Lauréats des appels à projets",
            en="Laureates of the calls for projects",
            nl="Laureaten van de projectoproepen",
            de="Preisträger der Projektaufrufe",
        ),
        description=Translated(
            fr="Une ligne par projet retenu d'un appel publié : l'appel, le dispositif, "
            "l'organisation lauréate (nom et numéro d'entreprise de la BCE, commune), le titre "
            "du projet et le montant octroyé. Une personne physique qui n'a pas consenti à la "
            "publication est publiée sans son nom, son numéro ni sa localité.",
            en="One row per project selected in a published call: the call, the instrument, the "
            "laureate organisation (name and enterprise number from the KBO/BCE, municipality), "
            "the project title and the amount granted. A natural person who has not consented to "
            "publication is published without their name, number or locality.",
            nl="Eén rij per geselecteerd project van een gepubliceerde oproep: de oproep, het "
            "instrument, de laureaat (naam en ondernemingsnummer uit de KBO, gemeente), de titel "
            "van het project en het toegekende bedrag. Een natuurlijke persoon zonder toestemming "
            "voor publicatie wordt zonder naam, nummer of plaats gepubliceerd.",
            de="Eine Zeile je ausgewähltem Projekt eines veröffentlichten Aufrufs: der Aufruf, "
            "das Instrument, die ausgezeichnete Organisation (Name und Unternehmensnummer aus "
            "der ZDU/KBO, Gemeinde), der Projekttitel und der bewilligte Betrag. Eine natürliche "
            "Person ohne Einwilligung zur Veröffentlichung wird ohne Namen, Nummer und Ort "
            "veröffentlicht.",
        ),
        theme="ECON",
        keywords=TerritoryKeywords(
            fr=(
                "lauréats",
                "appels à projets",
                "intelligence artificielle",
                "{programme}",
                "subventions",
            ),
            en=(
                "laureates",
                "calls for projects",
                "artificial intelligence",
                "{programme}",
                "grants",
            ),
            nl=(
                "laureaten",
                "projectoproepen",
                "artificiële intelligentie",
                "{programme}",
                "subsidies",
            ),
            de=(
                "Preisträger",
                "Projektaufrufe",
                "künstliche Intelligenz",
                "{programme}",
                "Zuschüsse",
            ),
        ),
        queryset=laureates,
        fields=laureate_fields,
        modified=laureates_modified,
        search_columns=("reference", "title", "public_name", "call__title"),
        temporal=laureates_period,
        ordering=("call__opens_at", "call__code", "reference", "pk"),
    )
)


# --- programme-impact --------------------------------------------------------------------


# The survey's yes/no questions: the answers counted, and who answered yes as a relative
# clause ("Respondents who …") in each language.
QUESTIONS = {
    "would_recommend": (
        Q(would_recommend=True),
        Translated("recommanderaient le programme", "would recommend the programme", "het programma zouden aanbevelen", "das Programm empfehlen würden"),
    ),
    "improved_competitiveness": (
        Q(improved_competitiveness=True),
        Translated("ont amélioré leur compétitivité", "improved their competitiveness", "hun concurrentievermogen hebben verbeterd", "ihre Wettbewerbsfähigkeit verbessert haben"),
    ),
    "improved_quality": (
        Q(improved_quality=True),
        Translated("ont amélioré la qualité de leurs produits ou services", "improved the quality of their products or services", "de kwaliteit van hun producten of diensten hebben verbeterd", "die Qualität ihrer Produkte oder Dienstleistungen verbessert haben"),
    ),
    "reached_production": (
        Q(reached_production=True),
        Translated("ont mis leur solution d'IA en production", "put their AI solution into production", "hun AI-oplossing in productie hebben gebracht", "ihre KI-Lösung in Betrieb genommen haben"),
    ),
}  # fmt: skip


def impact_rows() -> models.QuerySet[Call]:
    """Published calls with at least `MINIMUM_GROUP` survey answers, and their totals.

    Each row is a call whose answers are totalled in correlated subqueries: whatever the
    API then groups, filters or counts works on these totals, never on single answers,
    and a call with too few respondents is simply not a row.
    """
    answers = (
        SurveyAnswer.objects.filter(application__call=OuterRef("pk"))
        .order_by()
        .values("application__call")
    )

    def total(aggregate: Any, output_field: Any) -> Any:
        return Subquery(
            answers.annotate(total=aggregate).values("total"), output_field=output_field
        )

    invested = Q(investment_before__gt=0)
    counts = {
        name: total(Count("pk", filter=condition), IntegerField())
        for name, (condition, _said) in QUESTIONS.items()
    }
    rows = (
        Call.objects.published()
        .annotate(
            respondents=Coalesce(total(Count("pk"), IntegerField()), 0),
            **counts,
            jobs_created=total(Sum("jobs_created"), IntegerField()),
            investment_before=total(as_double(Sum("investment_before")), FloatField()),
            investment_after=total(as_double(Sum("investment_after")), FloatField()),
            # As the impact page: the multiplier counts only answers that invested before.
            invested_before=total(
                as_double(Sum("investment_before", filter=invested)), FloatField()
            ),
            invested_after=total(as_double(Sum("investment_after", filter=invested)), FloatField()),
        )
        .filter(respondents__gte=MINIMUM_GROUP)
    )
    shares = {
        f"{name}_share": as_double(F(name)) * Value(100.0) / as_double(F("respondents"))
        for name in QUESTIONS
    }
    return rows.annotate(
        **shares,
        investment_multiplier=F("invested_after") / NullIf(F("invested_before"), Value(0.0)),
    )


def impact_fields() -> list[Field]:
    fields = [
        *instrument_fields("instrument"),
        Field("call", Translated("Appel (code)", "Call (code)", "Oproep (code)", "Aufruf (Code)"), "text", "code", facet=True),
        Field("call_title", Translated("Appel", "Call", "Oproep", "Aufruf"), "text", "title"),
        Field("year", Translated("Année de l'appel", "Call year", "Jaar van de oproep", "Jahr des Aufrufs"), "int", year_of("opens_at"), facet=True),
        Field("respondents", Translated("Répondants", "Respondents", "Respondenten", "Befragte"), "int", "respondents", aggregated=True),
    ]  # fmt: skip
    for name, (_condition, said) in QUESTIONS.items():
        count = Translated(
            f"Répondants qui {said.fr}",
            f"Respondents who {said.en}",
            f"Respondenten die {said.nl}",
            f"Befragte, die {said.de}",
        )
        share = Translated(
            f"Part des répondants qui {said.fr} (%)",
            f"Share of respondents who {said.en} (%)",
            f"Aandeel respondenten die {said.nl} (%)",
            f"Anteil der Befragten, die {said.de} (%)",
        )
        fields.append(Field(name, count, "int", name, aggregated=True))
        fields.append(Field(f"{name}_share", share, "double", f"{name}_share", aggregated=True))
    return fields + [
        Field("jobs_created", Translated("Emplois créés", "Jobs created", "Gecreëerde banen", "Geschaffene Arbeitsplätze"), "int", "jobs_created", aggregated=True),
        Field("investment_before", Translated("Investissement annuel en IA avant le projet (€)", "Yearly AI investment before the project (€)", "Jaarlijkse AI-investering vóór het project (€)", "Jährliche KI-Investition vor dem Projekt (€)"), "double", "investment_before", aggregated=True),
        Field("investment_after", Translated("Investissement annuel en IA après le projet (€)", "Yearly AI investment after the project (€)", "Jaarlijkse AI-investering na het project (€)", "Jährliche KI-Investition nach dem Projekt (€)"), "double", "investment_after", aggregated=True),
        Field(
            "investment_multiplier",
            Translated("Multiplication de l'investissement en IA", "AI investment multiplier", "Vermenigvuldiging van de AI-investering", "Vervielfachung der KI-Investition"),
            "double",
            "investment_multiplier",
            description=Translated(
                "L'investissement après le projet divisé par l'investissement avant, parmi les répondants qui investissaient déjà.",
                "Investment after the project divided by investment before, among respondents who already invested.",
                "De investering na het project gedeeld door die ervoor, bij respondenten die al investeerden.",
                "Die Investition nach dem Projekt geteilt durch die davor, unter den Befragten, die bereits investierten.",
            ),
            aggregated=True,
        ),
    ]  # fmt: skip


def impact_modified() -> datetime.datetime | None:
    answers = SurveyAnswer.objects.filter(application__call__in=impact_rows().values("pk"))
    moment: datetime.datetime | None = answers.aggregate(latest=Max("answered_at"))["latest"]
    return moment


def impact_period() -> tuple[datetime.date | None, datetime.date | None]:
    span = impact_rows().aggregate(first=Min("opens_at"), last=Max("closes_at"))
    return in_brussels(span["first"]), in_brussels(span["last"])


IMPACT = register(
    Dataset(
        id="programme-impact",
        title=Translated(
            fr="Impact du programme : enquête de suivi des lauréats",
            en="Programme impact: laureates' follow-up survey",
            nl="Impact van het programma: opvolgingsenquête bij de laureaten",
            de="Wirkung des Programms: Folgebefragung der Preisträger",
        ),
        description=Translated(
            fr="Les réponses des lauréats à l'enquête de suivi, totalisées par appel (avec son "
            "dispositif et son année) : nombre de répondants, réponses à chaque question, "
            "emplois créés, investissements en IA. Seuls les appels d'au moins "
            f"{MINIMUM_GROUP} répondants sont publiés, pour qu'aucune réponse ne soit "
            "attribuable à une entreprise.",
            en="The laureates' answers to the follow-up survey, totalled per call (with its "
            "instrument and year): number of respondents, answers to each question, jobs "
            f"created, AI investment. Only calls with at least {MINIMUM_GROUP} respondents "
            "are published, so that no answer can be traced to a company.",
            nl="De antwoorden van de laureaten op de opvolgingsenquête, opgeteld per oproep "
            "(met het instrument en het jaar): aantal respondenten, antwoorden op elke vraag, "
            "gecreëerde banen, AI-investeringen. Alleen oproepen met minstens "
            f"{MINIMUM_GROUP} respondenten worden gepubliceerd, zodat geen antwoord tot een "
            "onderneming te herleiden is.",
            de="Die Antworten der Preisträger auf die Folgebefragung, summiert je Aufruf (mit "
            "Instrument und Jahr): Zahl der Befragten, Antworten auf jede Frage, geschaffene "
            "Arbeitsplätze, KI-Investitionen. Veröffentlicht werden nur Aufrufe mit mindestens "
            f"{MINIMUM_GROUP} Befragten, damit keine Antwort einem Unternehmen zugeordnet "
            "werden kann.",
        ),
        theme="ECON",
        keywords=TerritoryKeywords(
            fr=("impact", "enquête", "intelligence artificielle", "{programme}", "emplois"),
            en=("impact", "survey", "artificial intelligence", "{programme}", "jobs"),
            nl=("impact", "enquête", "artificiële intelligentie", "{programme}", "banen"),
            de=(
                "Wirkung",
                "Umfrage",
                "künstliche Intelligenz",
                "{programme}",
                "Arbeitsplätze",
            ),
        ),
        queryset=impact_rows,
        fields=impact_fields,
        modified=impact_modified,
        search_columns=("title", "code", "instrument__name"),
        temporal=impact_period,
        ordering=("opens_at", "code"),
    )
)
