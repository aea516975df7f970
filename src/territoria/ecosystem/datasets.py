"""The ecosystem's published datasets: organisations, events and publications.

People are never published: they are personal data. Organisations publish what the
KBO/BCE already makes public (names, number, legal form, address, founding date) and
what the agency describes (website, descriptions, taxonomy tags), one multivalued facet
per taxonomy scheme. A natural person (self-employed) is a row only with their recorded
consent, and their street and coordinates stay empty (`services.with_public_address`).
"""

import datetime
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from territoria.core.i18n import LANGUAGE_CODES
from territoria.ecosystem.legal_forms import legal_form_column
from territoria.ecosystem.models import (
    JURIDICAL_FORM,
    Event,
    KboCode,
    Organisation,
    Publication,
    Source,
)
from territoria.ecosystem.services import (
    public_organisations,
    search_condition,
    with_public_address,
    withheld_person_condition,
)
from territoria.opendata.keywords import TerritoryKeywords
from territoria.opendata.registry import (
    Dataset,
    Field,
    Translated,
    localized,
    register,
    scheme_fields,
)

ORGANISATION_SCHEMES = ("org-type", "technology", "label", "nace", "size", "territory")
T = Translated
HOME_WITHHELD = T(
    "Vide pour une personne physique (indépendant) : son adresse est son domicile.",
    "Empty for a natural person (self-employed): their address is their home.",
    "Leeg voor een natuurlijke persoon (zelfstandige): het adres is zijn of haar woning.",
    "Leer bei einer natürlichen Person (Selbstständige): Die Adresse ist ihre Wohnung.",
)


def organisation_name(lang: str) -> Any:
    """The name in `lang` when the organisation has one, else its registered name."""
    if lang == "fr":
        return "name"
    text = TextField()
    return Coalesce(
        NullIf(F(f"name_{lang}"), Value(""), output_field=text), F("name"), output_field=text
    )


def legal_form(lang: str) -> Any:
    """The legal form in `lang`: where the organisation's code has a label in that language in
    the register (code.csv), that label, as its page shows it (`models.legal_labels`);
    else the stored form as `legal_form_column` writes it. French, the stored form itself."""
    column = legal_form_column(lang)
    stored = F(column) if isinstance(column, str) else column
    if lang == settings.LANGUAGE_CODE or lang not in LANGUAGE_CODES:
        return stored
    label = f"label_{lang}"
    coded = KboCode.objects.filter(
        category=JURIDICAL_FORM, code=OuterRef("juridical_form")
    ).exclude(**{label: ""})
    text = TextField()
    return Case(
        # A natural person has no form of the register, and most have no code to look up.
        When(
            Q(natural_person_form=False) & ~Q(juridical_form=""),
            then=Coalesce(Subquery(coded.values(label)[:1], output_field=text), stored),
        ),
        default=stored,
        output_field=text,
    )


def organisation_fields() -> list[Field]:
    return [
        Field("id", T("Identifiant", "Identifier", "Identificatie", "Kennung"), "int", "pk"),
        Field(
            "enterprise_number",
            T(
                "Numéro d'entreprise",
                "Enterprise number",
                "Ondernemingsnummer",
                "Unternehmensnummer",
            ),
            "text",
            "enterprise_number",
            description=T(
                "Numéro BCE, écrit 0123.456.789.",
                "KBO/BCE number, written 0123.456.789.",
                "KBO-nummer, geschreven als 0123.456.789.",
                "ZDU-Nummer, geschrieben 0123.456.789.",
            ),
        ),
        Field(
            "name",
            T("Dénomination", "Name", "Benaming", "Bezeichnung"),
            "text",
            organisation_name,
        ),
        Field(
            "legal_form",
            T("Forme juridique", "Legal form", "Rechtsvorm", "Rechtsform"),
            "text",
            legal_form,
            description=T(
                "Telle que la BCE l'inscrit, dans la langue demandée quand elle y a une forme "
                "officielle (SRL : BV en néerlandais, GmbH en allemand).",
                "As registered with the KBO/BCE, in the requested language where the form has "
                "an official name in it (SRL: BV in Dutch, GmbH in German); in French otherwise.",
                "Zoals de KBO ze registreert, in de gevraagde taal wanneer de vorm er een "
                "officiële naam in heeft (SRL: BV in het Nederlands, GmbH in het Duits).",
                "Wie die ZDU sie einträgt, in der gewünschten Sprache, wenn die Form dort einen "
                "amtlichen Namen hat (SRL: BV auf Niederländisch, GmbH auf Deutsch).",
            ),
            facet=True,
        ),
        Field(
            "street",
            T("Rue et numéro", "Street and number", "Straat en nummer", "Straße und Hausnummer"),
            "text",
            "public_street",
            description=HOME_WITHHELD,
        ),
        Field(
            "postcode", T("Code postal", "Postcode", "Postcode", "Postleitzahl"), "text", "postcode"
        ),
        Field("city", T("Localité", "Locality", "Plaats", "Ort"), "text", "city", facet=True),
        Field("country", T("Pays", "Country", "Land", "Land"), "text", "country"),
        Field(
            "geo_point_2d",
            T("Coordonnées", "Coordinates", "Coördinaten", "Koordinaten"),
            "geo_point_2d",
            ("public_latitude", "public_longitude"),
            description=HOME_WITHHELD,
        ),
        Field("website", T("Site web", "Website", "Website", "Website"), "text", "website"),
        Field(
            "description",
            T("Description", "Description", "Beschrijving", "Beschreibung"),
            "text",
            lambda lang: localized("description", lang),
        ),
        Field(
            "founded_on",
            T("Date de création", "Founded on", "Opgericht op", "Gegründet am"),
            "date",
            "founded_on",
            facet=True,
        ),
        Field(
            "is_active",
            T("Active", "Active", "Actief", "Aktiv"),
            "boolean",
            "is_active",
            facet=True,
        ),
        Field(
            "source",
            T("Source", "Source", "Bron", "Quelle"),
            "text",
            "source",
            facet=True,
            value_labels=dict(Source.choices),
        ),
        *scheme_fields(
            Organisation,
            ORGANISATION_SCHEMES,
            mirrored={"territory": "municipality", "size": "size_class"},
        ),
    ]


def _organisations_modified() -> Any:
    """The last change of a public row, or of a consent (a row entering or leaving): a
    consent withdrawn must not move the date back; a hidden person's edits date nothing."""
    changes = [
        _latest(public_organisations(), "updated_at"),
        _latest(Organisation.objects.all(), "publication_changed_at"),
    ]
    return max((change for change in changes if change is not None), default=None)


def _latest(records: QuerySet[Any], column: str) -> Any:
    return records.aggregate(latest=Max(column))["latest"]


def _span(records: QuerySet[Any], column: str) -> tuple[datetime.date | None, datetime.date | None]:
    span = records.aggregate(first=Min(column), last=Max(column))
    return span["first"], span["last"]


def public_organisation_rows() -> QuerySet[Organisation]:
    """The dataset's rows: the public organisations, each address as the public may see it
    (the rule read as a set: exports read the whole table)."""
    return with_public_address(public_organisations(), per_row=False)


def organisation_rows_by_key() -> QuerySet[Organisation]:
    """The dataset's columns for rows whose ids come from the index's public records: the
    rule that made them public is not read again for a page of them."""
    return with_public_address(Organisation.objects.all())


def organiser(column: str) -> Any:
    """The organiser's `column`, withheld when the organiser is a withheld natural person."""
    return Case(
        When(withheld_person_condition("organiser__", per_row=True), then=Value(None)),
        default=F(f"organiser__{column}"),
        output_field=TextField(),
    )


register(
    Dataset(
        id="organisations",
        title=T(
            "Organisations de l'écosystème numérique",
            "Organisations of the digital ecosystem",
            "Organisaties van het digitale ecosysteem",
            "Organisationen des digitalen Ökosystems",
        ),
        description=T(
            "Entreprises, organismes publics, centres de recherche et associations de "
            "l'écosystème numérique, avec leurs données publiques (BCE) et leurs "
            "qualifications (technologies, labels, secteur, taille, territoire).",
            "Companies, public bodies, research centres and associations of the digital "
            "ecosystem, with their public data (KBO/BCE) and their qualifications "
            "(technologies, labels, sector, size, territory).",
            "Bedrijven, overheidsinstanties, onderzoekscentra en verenigingen van het "
            "digitale ecosysteem, met hun openbare gegevens (KBO) en hun kwalificaties "
            "(technologieën, labels, sector, grootte, grondgebied).",
            "Unternehmen, öffentliche Einrichtungen, Forschungszentren und Verbände des "
            "digitalen Ökosystems mit ihren öffentlichen Daten (ZDU) und ihren Merkmalen "
            "(Technologien, Labels, Branche, Größe, Gebiet).",
        ),
        theme="ECON",
        keywords=TerritoryKeywords(
            fr=("entreprises", "numérique", "écosystème", "BCE", "KBO", "{region}"),
            en=("companies", "digital", "ecosystem", "KBO", "BCE", "{region}"),
            nl=("bedrijven", "digitaal", "ecosysteem", "KBO", "{region}"),
            de=("Unternehmen", "Digitalisierung", "Ökosystem", "ZDU", "{region}"),
        ),
        queryset=public_organisation_rows,
        rows_by_key=organisation_rows_by_key,
        fields=organisation_fields,
        modified=_organisations_modified,
        container="organisation",
        extra={"search": search_condition},
        temporal=lambda: _span(public_organisations(), "founded_on"),
    )
)


def event_fields() -> list[Field]:
    return [
        Field("id", T("Identifiant", "Identifier", "Identificatie", "Kennung"), "int", "pk"),
        Field("title", T("Titre", "Title", "Titel", "Titel"), "text", "title"),
        Field(
            "description",
            T("Description", "Description", "Beschrijving", "Beschreibung"),
            "text",
            "description",
        ),
        Field("starts_on", T("Date", "Date", "Datum", "Datum"), "date", "starts_on", facet=True),
        Field("ends_on", T("Date de fin", "End date", "Einddatum", "Enddatum"), "date", "ends_on"),
        Field("place", T("Lieu", "Place", "Plaats", "Ort"), "text", "place", facet=True),
        Field("url", T("Page web", "Web page", "Webpagina", "Webseite"), "text", "url"),
        Field(
            "organiser",
            T("Organisateur", "Organiser", "Organisator", "Veranstalter"),
            "text",
            lambda lang: organiser("name"),
            facet=True,
        ),
        Field(
            "organiser_enterprise_number",
            T(
                "Numéro d'entreprise de l'organisateur",
                "Organiser's enterprise number",
                "Ondernemingsnummer van de organisator",
                "Unternehmensnummer des Veranstalters",
            ),
            "text",
            lambda lang: organiser("enterprise_number"),
        ),
        *scheme_fields(Event, ("event-type", "technology", "territory", "audience")),
    ]


register(
    Dataset(
        id="events",
        title=T(
            "Événements de l'écosystème numérique",
            "Events of the digital ecosystem",
            "Evenementen van het digitale ecosysteem",
            "Veranstaltungen des digitalen Ökosystems",
        ),
        description=T(
            "Conférences, salons, ateliers et appels organisés dans l'écosystème numérique.",
            "Conferences, fairs, workshops and calls organised in the digital ecosystem.",
            "Conferenties, beurzen, workshops en oproepen in het digitale ecosysteem.",
            "Konferenzen, Messen, Workshops und Aufrufe im digitalen Ökosystem.",
        ),
        theme="TECH",
        keywords=TerritoryKeywords(
            fr=("événements", "numérique", "écosystème", "{region}"),
            en=("events", "digital", "ecosystem", "{region}"),
            nl=("evenementen", "digitaal", "ecosysteem", "{region}"),
            de=("Veranstaltungen", "Digitalisierung", "Ökosystem", "{region}"),
        ),
        queryset=lambda: Event.objects.all(),
        fields=event_fields,
        modified=lambda: Event.objects.filter(starts_on__lte=datetime.date.today()).aggregate(
            latest=Max("starts_on")
        )["latest"],
        container="event",
        search_columns=("title", "description", "place"),
        temporal=lambda: _span(Event.objects.all(), "starts_on"),
    )
)


def publication_fields() -> list[Field]:
    return [
        Field("id", T("Identifiant", "Identifier", "Identificatie", "Kennung"), "int", "pk"),
        Field("title", T("Titre", "Title", "Titel", "Titel"), "text", "title"),
        Field(
            "summary", T("Résumé", "Summary", "Samenvatting", "Zusammenfassung"), "text", "summary"
        ),
        Field(
            "published_on",
            T("Date de publication", "Published on", "Gepubliceerd op", "Veröffentlicht am"),
            "date",
            "published_on",
            facet=True,
        ),
        Field("url", T("Adresse", "Address", "Adres", "Adresse"), "text", "url"),
        *scheme_fields(Publication, ("publication-type", "technology", "territory")),
    ]


register(
    Dataset(
        id="publications",
        title=T(
            "Publications sur l'écosystème numérique",
            "Publications on the digital ecosystem",
            "Publicaties over het digitale ecosysteem",
            "Veröffentlichungen zum digitalen Ökosystem",
        ),
        description=T(
            "Études, baromètres, articles et communiqués publiés sur l'écosystème numérique.",
            "Studies, barometers, articles and press releases on the digital ecosystem.",
            "Studies, barometers, artikels en persberichten over het digitale ecosysteem.",
            "Studien, Barometer, Artikel und Pressemitteilungen zum digitalen Ökosystem.",
        ),
        theme="TECH",
        keywords=TerritoryKeywords(
            fr=("publications", "études", "numérique", "{region}"),
            en=("publications", "studies", "digital", "{region}"),
            nl=("publicaties", "studies", "digitaal", "{region}"),
            de=("Veröffentlichungen", "Studien", "Digitalisierung", "{region}"),
        ),
        queryset=lambda: Publication.objects.all(),
        fields=publication_fields,
        modified=lambda: _latest(Publication.objects.all(), "published_on"),
        container="publication",
        search_columns=("title", "summary"),
        temporal=lambda: _span(Publication.objects.all(), "published_on"),
    )
)
