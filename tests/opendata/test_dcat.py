"""The DCAT-AP catalogue, validated with the official DCAT-AP 3.0.1 SHACL shapes."""

import dataclasses
import datetime
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, SH
from rdflib.term import Node

from territoria.core import territory
from territoria.core.models import TerritoryProfile
from territoria.opendata import registry
from territoria.opendata.dcat import EXPORT_FORMATS, VCARD, catalogue_graph, serialise
from territoria.opendata.registry import Dataset, Field, Keywords, Translated

BASE = "https://territoria.example"
SHACL = Path(__file__).parent / "shacl"
EU = "http://publications.europa.eu/resource/authority/"
SERVICE = URIRef(f"{BASE}/api/explore/v2.1/#service")
WALLONIA = URIRef("http://data.europa.eu/nuts/code/BE3")
# Plain namespaces: pytest's collection probes module attributes, and rdflib's closed
# DCAT and XSD namespaces warn about every name they do not define.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
# A validation result: the results graph and the result node in it.
Result = tuple[Graph, Node]


def fields(*extra: Field) -> list[Field]:
    return [Field("name", Translated(fr="Nom", en="Name"), "text", column="name"), *extra]


LOCATION = Field(
    "location", Translated(fr="Lieu", en="Location"), "geo_point_2d", column=("lat", "lon")
)

ORGANISATIONS = Dataset(
    id="test-dcat-organisations",
    title=Translated(fr="Organisations", en="Organisations", nl="Organisaties"),
    description=Translated(
        fr="Les organisations de l’écosystème.", en="The ecosystem’s organisations."
    ),
    theme="ECON",
    keywords=Keywords(
        fr=("entreprises", "numérique"), en=("companies", "digital"), nl=("bedrijven",)
    ),
    queryset=lambda: ContentType.objects.none(),
    fields=lambda: fields(LOCATION),
    modified=lambda: datetime.datetime(2025, 3, 1, 12, 30, tzinfo=datetime.UTC),
    temporal=lambda: (datetime.date(2020, 1, 1), datetime.date(2025, 12, 31)),
)
PROGRAMMES = Dataset(
    id="test-dcat-programmes",
    title=Translated(fr="Programmes", en="Programmes", nl="Programma’s", de="Programme"),
    description=Translated(fr="Les programmes de soutien.", en="The support programmes."),
    theme="GOVE",
    keywords=Keywords(fr=("programmes",)),
    queryset=lambda: ContentType.objects.none(),
    fields=fields,
    modified=lambda: datetime.date(2025, 4, 2),
    temporal=lambda: (datetime.date(2021, 1, 1), datetime.date(2027, 12, 31)),
)
# What the registry may leave unknown: no date, no period, no place, no geometry.
BARE = Dataset(
    id="test-dcat-bare",
    title=Translated(fr="Nu", en="Bare"),
    description=Translated(fr="Un jeu sans métadonnées facultatives.", en=""),
    theme="TECH",
    keywords=Keywords(fr=()),
    queryset=lambda: ContentType.objects.none(),
    fields=fields,
    modified=lambda: None,
    spatial=False,
)


def dataset_iri(dataset_id: str) -> URIRef:
    return URIRef(f"{BASE}/data/{dataset_id}/#dataset")


FIXTURE_IRIS = {dataset_iri(ORGANISATIONS.id), dataset_iri(PROGRAMMES.id)}


def export_url(dataset_id: str, fmt: str) -> URIRef:
    return URIRef(f"{BASE}/api/explore/v2.1/catalog/datasets/{dataset_id}/exports/{fmt}")


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {obj.language for obj in graph.objects(subject, predicate) if isinstance(obj, Literal)}


def shacl_report(graph: Graph, *shape_files: str) -> tuple[list[Result], str]:
    """The validation results of `graph` against the given shape files, and the report text."""
    shapes = Graph()
    for name in shape_files:
        shapes.parse(SHACL / name)
    _conforms, results, text = validate(graph, shacl_graph=shapes, inference="none")
    return [(results, result) for result in results.objects(None, SH.result)], text


def severities(report: list[Result]) -> Counter[str]:
    return Counter(
        str(results.value(result, SH.resultSeverity)).removeprefix(str(SH))
        for results, result in report
    )


@pytest.fixture(scope="module")
def fixture_datasets():
    datasets = [ORGANISATIONS, PROGRAMMES]
    for dataset in datasets:
        registry.register(dataset)
    yield datasets
    for dataset in datasets:
        registry._registry.pop(dataset.id, None)


@pytest.fixture(scope="module")
def graph(django_db_setup, django_db_blocker, fixture_datasets):
    # Built and validated once for the module. The registered datasets read the test
    # database here, before any test's transaction: hence the unblocking (reads only).
    # The tests using the graph are marked django_db so that the database is created.
    with django_db_blocker.unblock(), override_settings(OPENDATA_CATALOGUE_ISSUED="2025-01-15"):
        return catalogue_graph(BASE)


@pytest.fixture(scope="module")
def core_report(graph):
    return shacl_report(graph, "shapes.ttl", "range.ttl")


@pytest.fixture(scope="module")
def recommended_report(graph):
    return shacl_report(graph, "shapes_recommended.ttl")


@pytest.mark.django_db
def test_it_conforms_to_the_mandatory_and_range_shapes(core_report):
    report, text = core_report
    assert severities(report)["Violation"] == 0, text


@pytest.mark.django_db
def test_it_has_every_recommended_property(graph, recommended_report):
    report, text = recommended_report
    # An empty test database gives the registered datasets no period: the only
    # recommendation they may miss here is dct:temporal (their demo data miss none).
    warnings = [
        (results, result)
        for results, result in report
        if not (
            results.value(result, SH.resultPath) == DCTERMS.temporal
            and results.value(result, SH.focusNode) not in FIXTURE_IRIS
            and graph.value(results.value(result, SH.focusNode), DCTERMS.temporal) is None
        )
    ]
    assert severities(warnings)["Warning"] == 0, text


@pytest.mark.django_db
def test_it_lists_every_registered_dataset_in_the_catalogue_and_the_service(graph):
    catalogue = graph.value(predicate=RDF.type, object=DCAT.Catalog)
    service = graph.value(catalogue, DCAT.service)
    expected = {dataset_iri(dataset.id) for dataset in registry.all_datasets()}
    assert dataset_iri(ORGANISATIONS.id) in expected
    assert set(graph.objects(catalogue, DCAT.dataset)) == expected
    assert set(graph.objects(service, DCAT.servesDataset)) == expected
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == expected
    assert service == SERVICE
    assert graph.value(service, DCAT.endpointURL) == URIRef(f"{BASE}/api/explore/v2.1/")


@pytest.mark.django_db
def test_it_gives_one_distribution_per_export_format_and_geojson_only_with_a_geometry(graph):
    for dataset, formats in (
        (ORGANISATIONS, set(EXPORT_FORMATS)),
        (PROGRAMMES, set(EXPORT_FORMATS) - {"geojson"}),
    ):
        distributions = list(graph.objects(dataset_iri(dataset.id), DCAT.distribution))
        urls = {graph.value(d, DCAT.downloadURL) for d in distributions}
        assert urls == {export_url(dataset.id, fmt) for fmt in formats}
        for distribution in distributions:
            url = graph.value(distribution, DCAT.downloadURL)
            assert graph.value(distribution, DCAT.accessURL) == url
            assert graph.value(distribution, DCAT.accessService) == SERVICE
            assert graph.value(distribution, DCTERMS.license) == URIRef(f"{EU}licence/CC_BY_4_0")

    geojson = URIRef(f"{BASE}/data/{ORGANISATIONS.id}/#geojson")
    assert graph.value(geojson, DCTERMS.format) == URIRef(f"{EU}file-type/GEOJSON")
    assert graph.value(geojson, DCAT.mediaType) == URIRef(
        "http://www.iana.org/assignments/media-types/application/geo+json"
    )
    # JSON Lines has neither an EU file type of its own nor an IANA registration.
    jsonl = URIRef(f"{BASE}/data/{ORGANISATIONS.id}/#jsonl")
    assert graph.value(jsonl, DCTERMS.format) == URIRef(f"{EU}file-type/JSON")
    assert graph.value(jsonl, DCAT.mediaType) is None


@pytest.mark.django_db
def test_it_writes_texts_in_each_language_the_registry_has(graph):
    catalogue = graph.value(predicate=RDF.type, object=DCAT.Catalog)
    assert languages(graph, catalogue, DCTERMS.title) == {"fr", "nl", "de", "en"}
    assert languages(graph, catalogue, DCTERMS.description) == {"fr", "nl", "de", "en"}
    assert set(graph.objects(catalogue, DCTERMS.language)) == {
        URIRef(f"{EU}language/{code}") for code in ("FRA", "NLD", "DEU", "ENG")
    }
    organisations = dataset_iri(ORGANISATIONS.id)
    assert languages(graph, organisations, DCTERMS.title) == {"fr", "en", "nl"}
    assert languages(graph, organisations, DCTERMS.description) == {"fr", "en"}
    assert (organisations, DCTERMS.title, Literal("Organisaties", lang="nl")) in graph
    assert (organisations, DCAT.keyword, Literal("numérique", lang="fr")) in graph


@pytest.mark.django_db
def test_it_tags_each_keyword_with_the_language_it_is_declared_in(graph):
    organisations = dataset_iri(ORGANISATIONS.id)
    assert set(graph.objects(organisations, DCAT.keyword)) == {
        Literal("entreprises", lang="fr"),
        Literal("numérique", lang="fr"),
        Literal("companies", lang="en"),
        Literal("digital", lang="en"),
        Literal("bedrijven", lang="nl"),
    }
    # No German keyword is declared: none is made up from the French.
    assert languages(graph, organisations, DCAT.keyword) == {"fr", "en", "nl"}


@pytest.mark.django_db
def test_every_registered_dataset_publishes_its_keywords_in_the_four_languages(graph):
    for dataset in registry.all_datasets():
        if dataset.id.startswith(("test-", "fixture-")):  # declared by the tests
            continue
        tags = languages(graph, dataset_iri(dataset.id), DCAT.keyword)
        assert tags == {"fr", "nl", "de", "en"}, dataset.id


@pytest.mark.django_db
def test_it_types_dates_and_periods(graph):
    organisations, programmes = dataset_iri(ORGANISATIONS.id), dataset_iri(PROGRAMMES.id)
    assert graph.value(organisations, DCTERMS.modified) == Literal(
        "2025-03-01T12:30:00+00:00", datatype=XSD.dateTime
    )
    assert graph.value(programmes, DCTERMS.modified) == Literal("2025-04-02", datatype=XSD.date)
    period = graph.value(organisations, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2020-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2025-12-31", datatype=XSD.date)
    assert graph.value(organisations, DCTERMS.spatial) == WALLONIA


@pytest.mark.django_db  # the territory profile may be in the database
def test_it_leaves_out_what_the_registry_does_not_know():
    graph = catalogue_graph(BASE, [BARE])
    bare = dataset_iri(BARE.id)
    for predicate in (DCTERMS.modified, DCTERMS.temporal, DCTERMS.spatial):
        assert graph.value(bare, predicate) is None
    catalogue = graph.value(predicate=RDF.type, object=DCAT.Catalog)
    assert graph.value(catalogue, DCTERMS.modified) is None
    assert languages(graph, bare, DCTERMS.description) == {"fr"}
    assert len(list(graph.objects(bare, DCAT.distribution))) == len(EXPORT_FORMATS) - 1


@pytest.mark.parametrize(
    ("fmt", "media_type", "parser"),
    [
        ("turtle", "text/turtle", "turtle"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdfxml", "application/rdf+xml", "xml"),
    ],
)
@pytest.mark.django_db
def test_it_serialises_to_rdf_that_parses_back_to_the_same_graph(graph, fmt, media_type, parser):
    body, served_as = serialise(graph, fmt)
    assert served_as == media_type
    parsed = Graph().parse(data=body, format=parser)
    assert len(parsed) == len(graph)
    assert isomorphic(parsed, graph)


@pytest.mark.django_db
def test_it_takes_the_publisher_and_the_contact_from_the_territory_profile():
    profile = TerritoryProfile.from_territory(territory.configured(), "territory.toml")
    profile.publisher, profile.publisher_en = "Agence régionale", "Regional agency"
    profile.publisher_email = "donnees@example.be"
    profile.save()  # as staff do in the back office: the next graph has it
    graph = catalogue_graph(BASE, [BARE])
    publisher = graph.value(dataset_iri(BARE.id), DCTERMS.publisher)
    assert (publisher, FOAF.name, Literal("Agence régionale", lang="fr")) in graph
    assert (publisher, FOAF.name, Literal("Regional agency", lang="en")) in graph
    contact = graph.value(dataset_iri(BARE.id), DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:donnees@example.be")


def test_it_refuses_an_unknown_licence_or_format():
    # The registry refuses a licence it cannot describe when the dataset is declared.
    with pytest.raises(ValueError, match="Proprietary"):
        dataclasses.replace(BARE, licence="Proprietary")
    with pytest.raises(ValueError, match="n3"):
        serialise(Graph(), "n3")
