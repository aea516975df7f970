import io

import pytest
from django.utils import translation

from territoria.taxonomy.models import Concept, ConceptClosure, ConceptScheme
from territoria.taxonomy.services import (
    SchemeImportError,
    export_scheme_csv,
    export_scheme_turtle,
    import_scheme_csv,
    import_scheme_turtle,
)

GOOD_CSV = """notation,parent,label_fr,label_nl,label_de,label_en,definition
digital,,Numérique,Digitaal,Digital,Digital,
ai,digital,IA,AI,KI,AI,Intelligence artificielle
ml,ai,Apprentissage,Leren,Lernen,Learning,
"""


@pytest.fixture(autouse=True)
def _english_messages():
    # Import messages are translated; these tests read the English ones.
    with translation.override("en"):
        yield


@pytest.fixture
def scheme(db):
    return ConceptScheme.objects.create(code="test", title_fr="Test")


def test_it_imports_a_csv_with_its_hierarchy(scheme):
    report = import_scheme_csv(scheme, io.StringIO(GOOD_CSV))
    assert (report.created, report.updated) == (3, 0)
    ml = Concept.objects.get(scheme=scheme, notation="ml")
    assert ml.parent.notation == "ai" and ml.label_de == "Lernen"
    ancestors = set(
        ConceptClosure.objects.filter(descendant=ml).values_list("ancestor__notation", flat=True)
    )
    assert ancestors == {"ml", "ai", "digital"}


def test_importing_again_updates_in_place(scheme):
    import_scheme_csv(scheme, io.StringIO(GOOD_CSV))
    report = import_scheme_csv(
        scheme, io.StringIO(GOOD_CSV.replace("Apprentissage", "Apprentissage automatique"))
    )
    assert (report.created, report.updated) == (0, 3)
    assert Concept.objects.get(scheme=scheme, notation="ml").label_fr == "Apprentissage automatique"


def test_a_bad_csv_reports_every_line_and_writes_nothing(scheme):
    bad = GOOD_CSV + "ai,,Doublon,,,,\nrobots,mechanics,Robots,,,,\n,,Sans code,,,,\nempty,,,,,,\n"
    with pytest.raises(SchemeImportError) as error:
        import_scheme_csv(scheme, io.StringIO(bad), source="bad.csv")
    problems = "\n".join(error.value.problems)
    assert "line 5, field notation: 'ai' already used at line 3" in problems
    assert "line 6, field parent: unknown concept 'mechanics'" in problems
    assert "line 7, field notation: empty" in problems
    assert "line 8, field label_fr: no label in any language" in problems
    assert "bad.csv" in str(error.value)
    assert not Concept.objects.filter(scheme=scheme).exists()


def test_a_cycle_is_refused(scheme):
    cyclic = "notation,parent,label_fr\na,b,A\nb,a,B\n"
    with pytest.raises(SchemeImportError, match="its own ancestor"):
        import_scheme_csv(scheme, io.StringIO(cyclic))


def test_a_csv_without_the_required_columns_is_refused(scheme):
    with pytest.raises(SchemeImportError, match="missing column"):
        import_scheme_csv(scheme, io.StringIO("code,name\na,A\n"))


def test_csv_export_reads_back_identically(db):
    nace = ConceptScheme.objects.get(code="nace")
    out = io.StringIO()
    export_scheme_csv(nace, out)
    copy = ConceptScheme.objects.create(code="nace-copy", title_fr="Copie")
    import_scheme_csv(copy, io.StringIO(out.getvalue()))
    again = io.StringIO()
    export_scheme_csv(copy, again)
    assert again.getvalue() == out.getvalue()
    assert out.getvalue().count("\n") == 1 + 22 + 87


def test_skos_turtle_round_trips(db):
    territory = ConceptScheme.objects.get(code="territory")
    turtle = export_scheme_turtle(territory)
    assert "skos:ConceptScheme" in turtle and "skos:broader" in turtle and '"Lüttich"@de' in turtle
    copy = ConceptScheme.objects.create(code="territory-copy", title_fr="Copie")
    report = import_scheme_turtle(copy, turtle)
    assert report.created == territory.concepts.count()
    original = {
        (c.notation, c.parent.notation if c.parent else "", c.label_nl)
        for c in territory.concepts.all()
    }
    copied = {
        (c.notation, c.parent.notation if c.parent else "", c.label_nl) for c in copy.concepts.all()
    }
    assert copied == original


def test_invalid_turtle_is_refused_with_the_parser_message(scheme):
    with pytest.raises(SchemeImportError, match="not valid Turtle"):
        import_scheme_turtle(scheme, "this is <not turtle")


def test_the_reference_schemes_are_complete(db):
    counts = {s.code: s.concepts.count() for s in ConceptScheme.objects.all()}
    assert counts["nace"] == 22 + 87
    assert counts["territory"] == 1 + 5 + 261
    for code in ["org-type", "size", "technology", "label", "event-type", "publication-type"]:
        assert counts[code] > 0
    sizes = set(Concept.objects.filter(scheme__code="size").values_list("notation", flat=True))
    assert sizes == {"micro", "small", "medium", "large"}
    assert Concept.objects.get(scheme__code="nace", notation="C10").parent.notation == "C"
    assert (
        Concept.objects.get(scheme__code="territory", notation="liege").parent.notation == "BE-WLG"
    )
    missing_labels = Concept.objects.filter(label_nl="") | Concept.objects.filter(label_de="")
    assert not missing_labels.exists()


def test_a_concept_without_iri_or_notation_is_refused(scheme):
    turtle = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
[] a skos:Concept ; skos:prefLabel "Sans identité"@fr ."""
    with pytest.raises(SchemeImportError, match="neither an IRI nor a skos:notation"):
        import_scheme_turtle(scheme, turtle)
    assert not scheme.concepts.exists()
