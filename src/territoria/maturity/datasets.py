"""The Digiscore's Open Data: the barometer's published figures (`services.barometer`),
the same rows as the public page, and nothing finer: no group under five respondents,
none to be had by subtraction, no year before it is over."""

import datetime
from collections.abc import Callable

from django.db import models
from django.db.models import F, Max, Min
from django.utils import translation

from territoria.core.disclosure import MINIMUM_GROUP
from territoria.ecosystem.profile import province_labels, section_labels, size_labels
from territoria.maturity.definition import OVERALL
from territoria.maturity.models import Benchmark
from territoria.maturity.services.barometer import BAROMETER, publications
from territoria.maturity.services.questionnaires import current, definition_of
from territoria.opendata.registry import Dataset, Field, Keywords, Translated, as_double, register


def benchmark_rows() -> models.QuerySet[Benchmark]:
    publications(BAROMETER)  # a year just over is published by its first reader
    return Benchmark.objects.filter(publication__questionnaire_code=BAROMETER).annotate(
        year=F("publication__year")
    )


def _labels(pick: Callable[[], dict[str, str]]) -> Callable[[str], dict[str, str]]:
    def labels(lang: str) -> dict[str, str]:
        with translation.override(lang):
            return pick()

    return labels


def dimension_labels(lang: str) -> dict[str, str]:
    questionnaire = current(BAROMETER)
    with translation.override(lang):
        labels = {OVERALL: str(translation.gettext("Overall"))}
    if questionnaire is not None:
        for dimension in definition_of(questionnaire).dimensions:
            labels[dimension.code] = dimension.label.get(lang) or dimension.label.get("fr", "")
    return labels


def benchmark_fields() -> list[Field]:
    every = Translated(
        "Vide : toutes les valeurs.",
        "Empty: every value.",
        "Leeg: alle waarden.",
        "Leer: alle Werte.",
    )
    return [
        Field("year", Translated("Année", "Year", "Jaar", "Jahr"), "int", "year", facet=True),
        Field("nace_section", Translated("Section NACE", "NACE section", "NACE-sectie", "NACE-Abschnitt"), "text", "nace_section", facet=True, description=every, value_labels=_labels(section_labels)),
        Field("size_class", Translated("Classe de taille", "Size class", "Grootteklasse", "Größenklasse"), "text", "size_class", facet=True, description=every, value_labels=_labels(size_labels)),
        Field("province", Translated("Province", "Province", "Provincie", "Provinz"), "text", "province", facet=True, description=every, value_labels=_labels(province_labels)),
        Field("dimension", Translated("Dimension", "Dimension", "Dimensie", "Dimension"), "text", "dimension", facet=True, description=Translated(
            "« overall » : la moyenne des dimensions.",
            "“overall”: the mean of the dimensions.",
            "“overall”: het gemiddelde van de dimensies.",
            "„overall“: der Mittelwert der Dimensionen.",
        ), value_labels=dimension_labels),
        Field("mean_score", Translated("Score moyen (0 à 100)", "Mean score (0 to 100)", "Gemiddelde score (0 tot 100)", "Mittlere Punktzahl (0 bis 100)"), "double", as_double("mean_score"), aggregated=True),
        Field("respondents", Translated("Répondants", "Respondents", "Respondenten", "Befragte"), "int", "respondents", aggregated=True),
    ]  # fmt: skip


def benchmarks_modified() -> datetime.datetime | None:
    moment: datetime.datetime | None = benchmark_rows().aggregate(
        latest=Max("publication__published_at")
    )["latest"]
    return moment


def benchmarks_period() -> tuple[datetime.date | None, datetime.date | None]:
    span = benchmark_rows().aggregate(first=Min("publication__year"), last=Max("publication__year"))
    first, last = span["first"], span["last"]
    return (
        datetime.date(first, 1, 1) if first else None,
        datetime.date(last, 12, 31) if last else None,
    )


BENCHMARKS = register(
    Dataset(
        id="digiscore-benchmarks",
        title=Translated(
            fr="Baromètre Digiscore : maturité numérique des organisations",
            en="Digiscore barometer: organisations' digital maturity",
            nl="Digiscore-barometer: digitale maturiteit van organisaties",
            de="Digiscore-Barometer: digitale Reife der Organisationen",
        ),
        description=Translated(
            fr="Les scores moyens (0 à 100) du Digiscore par année, section NACE, classe de "
            "taille et province, pour chaque dimension et pour leur moyenne (« overall »). "
            "Chaque organisation compte une fois par an, avec sa dernière évaluation faite "
            "depuis un compte lié à elle ; une année est publiée une fois terminée. Un champ "
            "de regroupement vide signifie « toutes les valeurs ». Aucun groupe de moins de "
            f"{MINIMUM_GROUP} répondants n'est publié, ni aucun groupe qu'on pourrait déduire "
            "des autres par soustraction.",
            en="The Digiscore's mean scores (0 to 100) by year, NACE section, size class and "
            "province, for each dimension and for their mean (“overall”). Each organisation "
            "counts once a year, with its latest assessment made from an account linked to "
            "it; a year is published once it is over. An empty grouping field means “every "
            f"value”. No group of fewer than {MINIMUM_GROUP} respondents is published, nor any "
            "group that could be worked out from the others by subtraction.",
            nl="De gemiddelde Digiscore-scores (0 tot 100) per jaar, NACE-sectie, grootteklasse "
            "en provincie, voor elke dimensie en voor hun gemiddelde (“overall”). Elke "
            "organisatie telt één keer per jaar mee, met haar laatste evaluatie vanuit een "
            "account dat aan haar gekoppeld is; een jaar wordt gepubliceerd zodra het voorbij "
            "is. Een leeg groeperingsveld betekent “alle waarden”. Geen groep van minder dan "
            f"{MINIMUM_GROUP} respondenten wordt gepubliceerd, noch een groep die uit de andere "
            "door aftrekking af te leiden is.",
            de="Die mittleren Digiscore-Punktzahlen (0 bis 100) nach Jahr, NACE-Abschnitt, "
            "Größenklasse und Provinz, für jede Dimension und ihren Mittelwert („overall“). "
            "Jede Organisation zählt einmal im Jahr, mit ihrer letzten Bewertung von einem mit "
            "ihr verknüpften Konto aus; ein Jahr wird veröffentlicht, sobald es vorbei ist. Ein "
            "leeres Gruppierungsfeld bedeutet „alle Werte“. Keine Gruppe mit weniger als "
            f"{MINIMUM_GROUP} Befragten wird veröffentlicht, auch keine, die sich aus den "
            "anderen durch Subtraktion ableiten ließe.",
        ),
        theme="ECON",
        keywords=Keywords(
            fr=("maturité numérique", "Digiscore", "baromètre", "PME", "transformation numérique"),
            en=("digital maturity", "Digiscore", "barometer", "SME", "digital transformation"),
            nl=("digitale maturiteit", "Digiscore", "barometer", "kmo", "digitale transformatie"),
            de=("digitale Reife", "Digiscore", "Barometer", "KMU", "digitale Transformation"),
        ),
        queryset=benchmark_rows,
        fields=benchmark_fields,
        modified=benchmarks_modified,
        temporal=benchmarks_period,
        ordering=("publication__year", "nace_section", "size_class", "province", "dimension"),
    )
)
