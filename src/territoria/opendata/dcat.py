"""The open data catalogue in DCAT-AP 3.0.1.

The graph is built from the dataset registry alone: one `dcat:Catalog`, one
`dcat:DataService` (the Explore API), and per dataset one `dcat:Dataset` with a
`dcat:Distribution` per export format of the API.

Two choices follow from how the profile is checked and harvested:

- Every resource that the SHACL range shapes constrain (licence, format, media type,
  theme, language, location, access right, availability, publisher type…) is typed in
  the graph itself, with a label where it is a `skos:Concept`: validators and most
  harvesters do not dereference the EU vocabularies. Authority concepts also carry their
  `skos:inScheme`, which the profile's vocabulary shapes look for.
- IRIs are stable and point into the site: the catalogue is the DCAT export URL, a
  dataset is `#dataset` on its landing page (the page itself is a `foaf:Document`), a
  distribution is `#<format>` on the same page, the data service is `#service` on the
  API root.
"""

import datetime
from typing import Any

from django.conf import settings
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, RDF, SKOS, XSD
from rdflib.term import Node

from territoria.core import territory
from territoria.opendata.registry import (
    LANGUAGES,
    THEMES,
    Dataset,
    Translated,
    all_datasets,
)

DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
AUTHORITY = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
EXPLORE = "/api/explore/v2.1/"

# Dataset export formats of the Explore API: EU file-type code and media type.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    # The EU file-type list has no JSON Lines entry; JSON is the closest file type.
    "jsonl": ("JSON", "application/jsonl"),
    "geojson": ("GEOJSON", "application/geo+json"),
    "parquet": ("PARQUET", "application/vnd.apache.parquet"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
# Not registered at IANA: an IANA IRI for it would not exist, so no dcat:mediaType.
UNREGISTERED_MEDIA_TYPES = frozenset({"application/jsonl"})
_FORMAT_LABELS = {
    "csv": "CSV",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "geojson": "GeoJSON",
    "parquet": "Parquet",
    "xlsx": "Excel (XLSX)",
}

# Serialisations of the catalogue: rdflib format and media type.
SERIALISATIONS: dict[str, tuple[str, str]] = {
    "turtle": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdfxml": ("pretty-xml", "application/rdf+xml"),
}

_PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "dcatap": DCATAP,
    "foaf": FOAF,
    "gsp": GEO,
    "skos": SKOS,
    "vcard": VCARD,
    "xsd": XSD,
}

_LANGUAGE_CODES = {"fr": "FRA", "nl": "NLD", "de": "DEU", "en": "ENG"}

# Registry licence id → EU licence code and ADMS licence types.
LICENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "CC-BY-4.0": ("CC_BY_4_0", ("Attribution",)),
    "CC-BY-SA-4.0": ("CC_BYSA_4_0", ("Attribution", "ViralEffect-ShareAlike")),
    "CC0-1.0": ("CC0", ("PublicDomain",)),
    "ODbL-1.0": ("ODC_BL", ("Attribution", "ViralEffect-ShareAlike")),
}
_LICENCE_TYPE_LABELS = {
    "Attribution": {"en": "Attribution", "fr": "Attribution"},
    "ViralEffect-ShareAlike": {
        "en": "Viral effect (a.k.a. Share-alike)",
        "fr": "Partage dans les mêmes conditions",
    },
    "PublicDomain": {"en": "Public domain", "fr": "Domaine public"},
}
# The catalogue's own metadata and the API are published under the registry's default.
CATALOGUE_LICENCE = "CC-BY-4.0"

# The publisher is a regional agency: a public body of the region the profile describes.
_PUBLISHER_TYPE = "RegionalAuthority"
_PUBLISHER_TYPE_LABELS = {"en": "Regional authority", "fr": "Autorité régionale"}

_DISTRIBUTION_DESCRIPTIONS = {
    "fr": "Export complet du jeu de données au format {label}.",
    "nl": "Volledige export van de dataset in {label}-formaat.",
    "de": "Vollständiger Export des Datensatzes im Format {label}.",
    "en": "Full export of the dataset in {label} format.",
}


def catalogue_graph(base_url: str, datasets: list[Dataset] | None = None) -> Graph:
    """The DCAT-AP catalogue of `datasets` (all registered ones by default).

    `base_url` is the site origin. The graph carries every language the registry has, titles,
    descriptions and keywords alike, each literal tagged with its language. Calls each
    dataset's `fields()`, `modified()` and `temporal()`, which may query the database.
    """
    datasets = all_datasets() if datasets is None else datasets
    return _CatalogueBuilder(base_url.rstrip("/")).build(datasets)


def serialise(graph: Graph, fmt: str) -> tuple[bytes, str]:
    """The graph as `turtle`, `jsonld` or `rdfxml`: (body, media type)."""
    try:
        rdflib_format, media_type = SERIALISATIONS[fmt]
    except KeyError:
        raise ValueError(f"unknown RDF serialisation {fmt!r}") from None
    options: dict[str, Any] = {}
    if fmt == "jsonld":
        # Compact keys (`dct:title`) instead of full IRIs, as in the other two formats.
        options["context"] = {prefix: str(ns) for prefix, ns in _PREFIXES.items()}
    return graph.serialize(format=rdflib_format, encoding="utf-8", **options), media_type


class _CatalogueBuilder:
    """Adds the catalogue's triples to one graph. A shared resource (publisher, licence,
    theme…) is described again each time it is referenced: a graph is a set of triples,
    so the repetition costs nothing and no resource is left untyped."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.graph = Graph(bind_namespaces="core")
        for prefix, namespace in _PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.site = getattr(settings, "SITE_NAME", "Territoria")
        # The region, its publisher and their names: the territory profile, read once.
        self.territory = territory.current()
        self.catalogue = URIRef(f"{base}{EXPLORE}catalog/exports/dcat#catalog")
        self.service = URIRef(f"{base}{EXPLORE}#service")
        self.modified: dict[str, datetime.date | None] = {}

    def add(self, subject: Node, predicate: Node, obj: Node) -> None:
        self.graph.add((subject, predicate, obj))

    def add_texts(self, subject: Node, predicate: Node, text: Translated) -> None:
        for code in LANGUAGES:
            if value := getattr(text, code):
                self.add(subject, predicate, Literal(value, lang=code))

    def build(self, datasets: list[Dataset]) -> Graph:
        # Read once: the catalogue's date is the latest of the datasets' (one query each).
        self.modified = {dataset.id: dataset.modified() for dataset in datasets}
        self.add_catalogue(datasets)
        self.add_service(datasets)
        for dataset in datasets:
            self.add_dataset(dataset)
        return self.graph

    # --- The catalogue and the API ----------------------------------------------------

    def add_catalogue(self, datasets: list[Dataset]) -> None:
        catalogue, site = self.catalogue, self.site
        publisher = self.territory.publisher
        self.add(catalogue, RDF.type, DCAT.Catalog)
        title = Translated(
            fr=f"{site} — données ouvertes",
            en=f"{site} — open data",
            nl=f"{site} — open data",
            de=f"{site} — offene Daten",
        )
        description = Translated(
            fr=f"Les jeux de données ouverts publiés par {publisher('fr')} sur {site}, "
            "la plateforme d’intelligence territoriale.",
            en=f"The open datasets published by {publisher('en')} on {site}, "
            "the territorial intelligence platform.",
            nl=f"De open datasets die {publisher('nl')} publiceert op {site}, "
            "het platform voor territoriale intelligentie.",
            de=f"Die offenen Datensätze, die {publisher('de')} auf {site}, "
            "der Plattform für territoriale Intelligenz, veröffentlicht.",
        )
        self.add_texts(catalogue, DCTERMS.title, title)
        self.add_texts(catalogue, DCTERMS.description, description)
        self.add(catalogue, DCTERMS.publisher, self.publisher())
        self.add(catalogue, FOAF.homepage, self.document(f"{self.base}/data/"))
        for code in LANGUAGES:
            self.add(catalogue, DCTERMS.language, self.language(code))
        self.add(catalogue, DCTERMS.license, self.licence(CATALOGUE_LICENCE))
        self.add(catalogue, DCTERMS.spatial, self.region())
        self.add(catalogue, DCAT.themeTaxonomy, self.theme_scheme())
        if issued := _as_date(getattr(settings, "OPENDATA_CATALOGUE_ISSUED", None)):
            self.add(catalogue, DCTERMS.issued, _date_literal(issued))
        if dates := [date for date in self.modified.values() if date is not None]:
            self.add(catalogue, DCTERMS.modified, _date_literal(max(dates, key=_instant)))
        for dataset in datasets:
            self.add(catalogue, DCAT.dataset, self.dataset_iri(dataset))
        self.add(catalogue, DCAT.service, self.service)

    def add_service(self, datasets: list[Dataset]) -> None:
        service, site = self.service, self.site
        self.add(service, RDF.type, DCAT.DataService)
        self.add_texts(
            service,
            DCTERMS.title,
            Translated(
                fr=f"API Explore de {site}",
                en=f"{site} Explore API",
                nl=f"Explore-API van {site}",
                de=f"Explore-API von {site}",
            ),
        )
        self.add_texts(
            service,
            DCTERMS.description,
            Translated(
                fr="Recherche, agrégation et export des jeux de données, "
                "compatible avec l’API Explore v2.1 d’Opendatasoft.",
                en="Search, aggregation and export of the datasets, "
                "compatible with the Opendatasoft Explore API v2.1.",
                nl="Zoeken, aggregeren en exporteren van de datasets, "
                "compatibel met de Opendatasoft Explore API v2.1.",
                de="Suche, Aggregation und Export der Datensätze, "
                "kompatibel mit der Opendatasoft Explore API v2.1.",
            ),
        )
        self.add(service, DCAT.endpointURL, URIRef(f"{self.base}{EXPLORE}"))
        self.add(service, DCAT.endpointDescription, URIRef(f"{self.base}{EXPLORE}catalog/datasets"))
        standard = URIRef("https://help.opendatasoft.com/apis/ods-explore-v2/explore_v2.1.html")
        self.add(service, DCTERMS.conformsTo, standard)
        self.add(standard, RDF.type, DCTERMS.Standard)
        self.add(standard, DCTERMS.title, Literal("Opendatasoft Explore API v2.1", lang="en"))
        self.add(service, DCAT.landingPage, self.document(f"{self.base}/data/"))
        self.add(service, DCTERMS.format, self.file_type("JSON"))
        self.add(service, DCTERMS.license, self.licence(CATALOGUE_LICENCE))
        self.add(service, DCTERMS.accessRights, self.public_access())
        self.add(service, DCTERMS.publisher, self.publisher())
        self.add(service, DCAT.contactPoint, self.contact_point())
        for code, keyword in (
            ("fr", "données ouvertes"),
            ("nl", "open data"),
            ("de", "offene Daten"),
            ("en", "open data"),
            ("en", "API"),
        ):
            self.add(service, DCAT.keyword, Literal(keyword, lang=code))
        for theme in sorted({dataset.theme for dataset in datasets}):
            self.add(service, DCAT.theme, self.theme(theme))
        for dataset in datasets:
            self.add(service, DCAT.servesDataset, self.dataset_iri(dataset))

    # --- Datasets and their distributions ---------------------------------------------

    def dataset_iri(self, dataset: Dataset) -> URIRef:
        return URIRef(f"{self.landing_page(dataset)}#dataset")

    def landing_page(self, dataset: Dataset) -> str:
        return f"{self.base}/data/{dataset.id}/"

    def add_dataset(self, dataset: Dataset) -> None:
        node = self.dataset_iri(dataset)
        self.add(node, RDF.type, DCAT.Dataset)
        self.add(node, DCTERMS.identifier, Literal(dataset.id))
        self.add_texts(node, DCTERMS.title, dataset.title)
        self.add_texts(node, DCTERMS.description, dataset.description)
        for code, keyword in dataset.keywords.tagged():
            self.add(node, DCAT.keyword, Literal(keyword, lang=code))
        self.add(node, DCAT.theme, self.theme(dataset.theme))
        self.add(node, DCTERMS.publisher, self.publisher())
        self.add(node, DCAT.contactPoint, self.contact_point())
        self.add(node, DCTERMS.license, self.licence(dataset.licence, dataset.id))
        self.add(node, DCTERMS.accessRights, self.public_access())
        self.add(node, DCAT.landingPage, self.document(self.landing_page(dataset)))
        if (modified := self.modified[dataset.id]) is not None:
            self.add(node, DCTERMS.modified, _date_literal(modified))
        if dataset.spatial:
            self.add(node, DCTERMS.spatial, self.region())
        if dataset.temporal is not None:
            start, end = dataset.temporal()
            if start is not None or end is not None:
                period = BNode()
                self.add(node, DCTERMS.temporal, period)
                self.add(period, RDF.type, DCTERMS.PeriodOfTime)
                if start is not None:
                    self.add(period, DCAT.startDate, _date_literal(start))
                if end is not None:
                    self.add(period, DCAT.endDate, _date_literal(end))
        has_geometry = any(field.type == "geo_point_2d" for field in dataset.fields())
        for fmt in EXPORT_FORMATS:
            if fmt != "geojson" or has_geometry:
                self.add(node, DCAT.distribution, self.add_distribution(dataset, fmt))

    def add_distribution(self, dataset: Dataset, fmt: str) -> URIRef:
        file_type, media_type = EXPORT_FORMATS[fmt]
        node = URIRef(f"{self.landing_page(dataset)}#{fmt}")
        url = URIRef(f"{self.base}{EXPLORE}catalog/datasets/{dataset.id}/exports/{fmt}")
        label = _FORMAT_LABELS[fmt]
        self.add(node, RDF.type, DCAT.Distribution)
        for code in LANGUAGES:
            if title := getattr(dataset.title, code):
                self.add(node, DCTERMS.title, Literal(f"{title} ({label})", lang=code))
            description = _DISTRIBUTION_DESCRIPTIONS[code].format(label=label)
            self.add(node, DCTERMS.description, Literal(description, lang=code))
        self.add(node, DCAT.accessURL, url)
        self.add(node, DCAT.downloadURL, url)
        self.add(node, DCAT.accessService, self.service)
        self.add(node, DCTERMS.format, self.file_type(file_type))
        if media_type not in UNREGISTERED_MEDIA_TYPES:
            iana = URIRef(f"{IANA}{media_type}")
            self.add(node, DCAT.mediaType, iana)
            self.add(iana, RDF.type, DCTERMS.MediaType)
        self.add(node, DCTERMS.license, self.licence(dataset.licence, dataset.id))
        availability = self.concept(
            URIRef(f"{AUTHORITY}planned-availability/STABLE"),
            URIRef(f"{AUTHORITY}planned-availability"),
            {"en": "stable", "fr": "stable"},
        )
        self.add(node, DCATAP.availability, availability)
        return node

    # --- Shared resources, typed for the range shapes ---------------------------------

    def concept(self, iri: URIRef, scheme: URIRef, labels: dict[str, str]) -> URIRef:
        self.add(iri, RDF.type, SKOS.Concept)
        self.add(iri, SKOS.inScheme, scheme)
        for code, label in labels.items():
            self.add(iri, SKOS.prefLabel, Literal(label, lang=code))
        return iri

    def document(self, url: str) -> URIRef:
        node = URIRef(url)
        self.add(node, RDF.type, FOAF.Document)
        return node

    def publisher(self) -> URIRef:
        node = URIRef(f"{self.base}/#publisher")
        self.add(node, RDF.type, FOAF.Agent)
        self.add_names(node, FOAF.name)
        publisher_type = self.concept(
            URIRef(f"http://purl.org/adms/publishertype/{_PUBLISHER_TYPE}"),
            URIRef("http://purl.org/adms/publishertype/1.0"),
            _PUBLISHER_TYPE_LABELS,
        )
        self.add(node, DCTERMS.type, publisher_type)
        return node

    def contact_point(self) -> URIRef:
        node = URIRef(f"{self.base}/#contact-point")
        self.add(node, RDF.type, VCARD.Kind)
        self.add_names(node, VCARD.fn)
        self.add(node, VCARD.hasEmail, URIRef(f"mailto:{self.territory.publisher_email}"))
        if url := self.territory.publisher_url:
            self.add(node, VCARD.hasURL, URIRef(url))
        return node

    def add_names(self, node: Node, predicate: URIRef) -> None:
        """The publisher's name in each language the profile gives it, once where they agree
        (an agency's name is often the same in every language)."""
        names = self.territory.publisher_names
        if len({name for name in names.values() if name}) == 1:
            self.add(node, predicate, Literal(names["fr"]))
            return
        for code, name in names.items():
            if name:
                self.add(node, predicate, Literal(name, lang=code))

    def licence(self, licence: str, dataset_id: str | None = None) -> URIRef:
        try:
            code, types = LICENCES[licence]
        except KeyError:
            owner = f"dataset {dataset_id}" if dataset_id else "catalogue"
            raise ValueError(f"{owner}: no EU licence IRI for licence {licence!r}") from None
        node = URIRef(f"{AUTHORITY}licence/{code}")
        self.add(node, RDF.type, DCTERMS.LicenseDocument)
        for licence_type in types:
            concept = self.concept(
                URIRef(f"http://purl.org/adms/licencetype/{licence_type}"),
                URIRef("http://purl.org/adms/licencetype/1.0"),
                _LICENCE_TYPE_LABELS[licence_type],
            )
            self.add(node, DCTERMS.type, concept)
        return node

    def public_access(self) -> URIRef:
        node = self.concept(
            URIRef(f"{AUTHORITY}access-right/PUBLIC"),
            URIRef(f"{AUTHORITY}access-right"),
            {"en": "public", "fr": "public"},
        )
        self.add(node, RDF.type, DCTERMS.RightsStatement)
        return node

    def file_type(self, code: str) -> URIRef:
        node = URIRef(f"{AUTHORITY}file-type/{code}")
        self.add(node, RDF.type, DCTERMS.MediaTypeOrExtent)
        self.add(node, SKOS.inScheme, URIRef(f"{AUTHORITY}file-type"))
        return node

    def language(self, code: str) -> URIRef:
        node = URIRef(f"{AUTHORITY}language/{_LANGUAGE_CODES[code]}")
        self.add(node, RDF.type, DCTERMS.LinguisticSystem)
        self.add(node, SKOS.inScheme, URIRef(f"{AUTHORITY}language"))
        return node

    def theme_scheme(self) -> URIRef:
        node = URIRef(f"{AUTHORITY}data-theme")
        self.add(node, RDF.type, SKOS.ConceptScheme)
        self.add(node, DCTERMS.title, Literal("Data theme", lang="en"))
        self.add(node, DCTERMS.title, Literal("Thème des données", lang="fr"))
        return node

    def theme(self, code: str) -> URIRef:
        return self.concept(
            URIRef(f"{AUTHORITY}data-theme/{code}"), self.theme_scheme(), THEMES[code]
        )

    def region(self) -> URIRef:
        """The region the data cover: its NUTS region, names, bounding box and centroid,
        from the territory profile."""
        region = self.territory
        node = URIRef(region.nuts_uri)
        self.add(node, RDF.type, DCTERMS.Location)
        for code, label in region.names.items():
            if label:
                self.add(node, SKOS.prefLabel, Literal(label, lang=code))
        self.add(node, DCAT.bbox, Literal(region.bbox_wkt, datatype=GEO.wktLiteral))
        self.add(node, DCAT.centroid, Literal(region.centroid_wkt, datatype=GEO.wktLiteral))
        return node


def _date_literal(value: datetime.date) -> Literal:
    # datetime is a subclass of date: test it first to keep the time of day.
    if isinstance(value, datetime.datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    return Literal(value.isoformat(), datatype=XSD.date)


def _instant(value: datetime.date) -> datetime.datetime:
    """A date or datetime as an aware datetime, to compare the two kinds."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    return datetime.datetime.combine(value, datetime.time.min, tzinfo=datetime.UTC)


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    # Settings read from the environment give ISO strings, empty when unset.
    if isinstance(value, str):
        return datetime.date.fromisoformat(value) if value else None
    return value
