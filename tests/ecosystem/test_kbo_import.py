"""`territoria import kbo`: small generated extracts, clean and with faults injected."""

import csv
import random
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType

from territoria.ecosystem.kbo import nace
from territoria.ecosystem.kbo.generator import UpdatePlan, enterprise_number, generate
from territoria.ecosystem.kbo.importer import ImportRefused, import_extract
from territoria.ecosystem.kbo.reader import ExtractError
from territoria.ecosystem.models import KboImport, Organisation
from territoria.ecosystem.services import public_organisations
from territoria.taxonomy import containers
from territoria.taxonomy.engine import SqlMagnetEngine, engine
from territoria.taxonomy.models import Concept, Tag

pytestmark = pytest.mark.django_db

SIZE = 150
SEED = 7
SHARE = 0.2  # of SIZE: a big update, so that it strikes off, changes and adds several


@pytest.fixture
def full(tmp_path: Path) -> Path:
    return generate(tmp_path / "full", SIZE, seed=SEED)


@pytest.fixture
def update(tmp_path: Path) -> Path:
    return generate(tmp_path / "update", SIZE, seed=SEED, update_share=SHARE)


@pytest.fixture
def after(tmp_path: Path) -> Path:
    """The full extract of the register as the update leaves it."""
    return generate(tmp_path / "after", SIZE, seed=SEED, after_update=SHARE)


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def rewrite(folder: Path, name: str, edit) -> None:
    """Edit a file's lines (its header is line 1) with `edit(lines)`."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    edit(lines)
    path.write_text("".join(lines), encoding="utf-8")


def snapshot() -> dict[str, tuple]:
    """Every KBO organisation's register fields and tags, by enterprise number."""
    content_type = ContentType.objects.get_for_model(Organisation)
    tags: dict[int, set[str]] = {}
    for object_id, scheme, notation in Tag.objects.filter(content_type=content_type).values_list(
        "object_id", "concept__scheme__code", "concept__notation"
    ):
        tags.setdefault(object_id, set()).add(f"{scheme}:{notation}")
    return {
        o.enterprise_number: (
            o.name,
            o.name_nl,
            o.other_names,
            o.legal_form,
            o.street,
            o.postcode,
            o.municipality_id,
            o.founded_on,
            o.establishments,
            o.main_activity_id,
            o.is_active,
            o.struck_off_on,
            o.updated_at,
            frozenset(tags.get(o.pk, set())),
        )
        for o in Organisation.objects.all()
    }


def expected_nace(folder: Path) -> dict[str, set[str]]:
    """From the files alone: each enterprise's NACE-BEL 2008 and 2025 concepts, its units'
    activities included."""
    owner = {
        row["EstablishmentNumber"]: row["EnterpriseNumber"]
        for row in read(folder, "establishment.csv")
    }
    found: dict[str, set[str]] = {}
    for row in read(folder, "activity.csv"):
        entity = row["EntityNumber"]
        number = owner.get(entity, entity)
        if row["NaceVersion"] in ("2008", "2025"):
            found.setdefault(number, set()).add(
                "nace:" + nace.notation(row["NaceVersion"], row["NaceCode"])
            )
    return found


def test_a_full_extract_becomes_one_organisation_per_enterprise(full):
    outcome = import_extract(full)
    enterprises = read(full, "enterprise.csv")
    assert outcome.created == len(enterprises) == Organisation.objects.count()
    assert sum(outcome.bad.values()) == 0
    tags = snapshot()
    for number, codes in expected_nace(full).items():
        assert {t for t in tags[number][-1] if t.startswith("nace:")} == codes, number
    # Names: the legal name (001) in the profile's language first.
    names = {}
    for row in read(full, "denomination.csv"):
        if row["TypeOfDenomination"] == "001":
            names.setdefault(row["EntityNumber"], {})[row["Language"]] = row["Denomination"]
    for number, by_language in names.items():
        assert tags[number][0] == by_language.get("1", by_language.get("2"))
    # Natural persons are imported, flagged, and never public.
    naturals = {row["EnterpriseNumber"] for row in enterprises if row["TypeOfEnterprise"] == "1"}
    assert naturals
    public = set(public_organisations().values_list("enterprise_number", flat=True))
    assert not naturals & public
    assert len(public) == len(enterprises) - len(naturals)
    # A Walloon postcode gives the municipality concept, and its territory tag.
    walloon = Organisation.objects.filter(municipality__isnull=False)
    assert walloon.exists()
    for organisation in walloon[:20]:
        assert organisation.postcode in {"1300", "1490"} or organisation.postcode[0] in "1234567"
        assert (
            f"territory:{organisation.municipality.notation}"
            in tags[organisation.enterprise_number][-1]
        )


def chain(concept: Concept | None) -> list[str]:
    """The notations from a concept up to its scheme's top."""
    found = []
    while concept is not None:
        found.append(concept.notation)
        concept = concept.parent
    return found


def test_nace_concepts_hold_both_versions_with_their_hierarchy(full):
    import_extract(full)
    subclass = Concept.objects.get(scheme__code="nace", notation="62.100")
    assert chain(subclass) == ["62.100", "62.10", "62.1", "K62", "K"]
    old = Concept.objects.get(scheme__code="nace", notation="2008-62.010")
    assert chain(old) == ["2008-62.010", "2008-62.01", "2008-62.0", "2008-J62", "2008-J", "2008"]
    # code.csv has French and Dutch; German and English come from Statbel's tables.
    assert subclass.label_fr and subclass.label_nl and subclass.label_de and subclass.label_en
    # The reference file's own labels are kept.
    assert Concept.objects.get(scheme__code="nace", notation="K62").label_en.startswith(
        "Computer programming"
    )


def test_the_same_extract_twice_changes_nothing(full):
    import_extract(full)
    before = snapshot()
    outcome = import_extract(full)
    assert (outcome.created, outcome.updated, outcome.struck_off) == (0, 0, 0)
    assert outcome.unchanged == SIZE
    assert snapshot() == before


def test_an_update_gives_what_the_full_extract_after_it_gives(full, update, after):
    import_extract(full)
    outcome = import_extract(update)
    plan = UpdatePlan.of(SIZE, SEED, SHARE)
    assert outcome.struck_off == len(plan.gone)
    assert outcome.created == len(plan.fresh)
    assert outcome.updated == len(plan.changed)
    gone = {enterprise_number(i) for i in plan.gone}
    public = set(public_organisations().values_list("enterprise_number", flat=True))
    assert not gone & public
    assert Organisation.objects.filter(enterprise_number__in=gone, is_active=False).count() == len(
        gone
    )
    # The same update again changes nothing; the full extract after it neither.
    before = snapshot()
    again = import_extract(update)
    assert (again.created, again.updated, again.struck_off) == (0, 0, 0)
    then = import_extract(after)
    assert (then.created, then.updated, then.struck_off) == (0, 0, 0)
    assert snapshot() == before


def test_the_agencys_additions_survive_a_reimport(full, update):
    import_extract(full)
    plan = UpdatePlan.of(SIZE, SEED, SHARE)
    changed = enterprise_number(sorted(plan.changed)[0])
    gone = enterprise_number(sorted(plan.gone)[0])
    ai = Concept.objects.get(scheme__code="technology", notation="ai")
    for number in (changed, gone):
        organisation = Organisation.objects.get(enterprise_number=number)
        organisation.description_fr = "Décrite par l'agence."
        organisation.website = "https://agence.example"
        organisation.save()
        Tag.objects.create(record=organisation, concept=ai)
    name_before = Organisation.objects.get(enterprise_number=changed).name
    import_extract(update)
    for number in (changed, gone):
        organisation = Organisation.objects.get(enterprise_number=number)
        assert organisation.description_fr == "Décrite par l'agence."
        assert organisation.website == "https://agence.example"
        assert Tag.objects.filter(object_id=organisation.pk, concept=ai).exists()
        assert "decrite par l'agence" in organisation.search_text
    assert Organisation.objects.get(enterprise_number=changed).name != name_before
    struck = Organisation.objects.get(enterprise_number=gone)
    assert struck.struck_off_on is not None and not struck.is_active


def test_an_organisation_the_agency_recorded_is_taken_over_not_repeated(full):
    number = read(full, "enterprise.csv")[0]["EnterpriseNumber"]
    Organisation.objects.create(
        name="Connue de l'agence", enterprise_number=number, description_fr="À nous."
    )
    import_extract(full)
    assert Organisation.objects.filter(enterprise_number=number).count() == 1
    organisation = Organisation.objects.get(enterprise_number=number)
    assert organisation.description_fr == "À nous." and organisation.kbo.number == number


def test_every_kind_of_bad_row_is_reported_with_file_line_and_field(full, tmp_path):
    enterprises = read(full, "enterprise.csv")
    legal = next(i for i, row in enumerate(enterprises) if row["TypeOfEnterprise"] == "2")

    def enterprise_faults(lines):
        # line numbers: the header is line 1, enterprises[i] is line i + 2
        fields = lines[legal + 1].rstrip("\n").split(",")
        fields[4] = '"999"'
        lines[legal + 1] = ",".join(fields) + "\n"  # unknown JuridicalForm
        fields = lines[3].rstrip("\n").split(",")
        fields[6] = '"31-02-2020"'
        lines[3] = ",".join(fields) + "\n"  # a date the calendar lacks
        lines.append(lines[5])  # a duplicate key

    rewrite(full, "enterprise.csv", enterprise_faults)

    def activity_faults(lines):
        lines[10] = lines[10].rstrip("\n") + ',"extra"\n'  # a column too many
        number = lines[11].split(",")[0].strip('"')
        bad = number[:-1] + str((int(number[-1]) + 1) % 10)
        lines[11] = lines[11].replace(number, bad, 1)  # check digits
        stranger = enterprise_number(SIZE + 500)
        lines.append(f'"{stranger}","001","2025","62100","MAIN"\n')  # dangling reference

    rewrite(full, "activity.csv", activity_faults)
    report_path = tmp_path / "report.csv"
    # A refused enterprise's other rows are refused too (they name nothing the register
    # holds): a few faults weigh more than their own lines.
    outcome = import_extract(full, report_path=report_path, max_bad_share=0.05)
    report = read(tmp_path, "report.csv")
    found = {(r["file"], r["line"], r["field"]) for r in report}
    activity_lines = (full / "activity.csv").read_text().splitlines()
    assert ("enterprise.csv", str(legal + 2), "JuridicalForm") in found
    assert ("enterprise.csv", "4", "StartDate") in found
    assert ("enterprise.csv", str(len(enterprises) + 2), "EnterpriseNumber") in found
    assert ("activity.csv", "11", "") in found
    assert ("activity.csv", "12", "EntityNumber") in found
    assert ("activity.csv", str(len(activity_lines)), "EntityNumber") in found
    reasons = {(r["file"], r["line"]): r["reason"] for r in report}
    assert "unknown code '999'" in reasons[("enterprise.csv", str(legal + 2))]
    assert "check digits" in reasons[("activity.csv", "12")]
    assert "duplicate key" in reasons[("enterprise.csv", str(len(enterprises) + 2))]
    assert "no enterprise or unit" in reasons[("activity.csv", str(len(activity_lines)))]
    refused = enterprises[legal]["EnterpriseNumber"]
    assert any(
        r["file"] == "activity.csv" and refused in r["row"] and "no enterprise" in r["reason"]
        for r in report
    )
    assert "not a date of the calendar" in reasons[("enterprise.csv", "4")]
    # Below the allowed share the rest is imported; the refused enterprises are not, nor
    # the one whose row is repeated (which of the two is right, the import cannot tell).
    duplicated = enterprises[4]["EnterpriseNumber"]  # line 6, repeated
    assert outcome.created == len(enterprises) - 3
    assert not Organisation.objects.filter(enterprise_number=duplicated).exists()
    assert {refused, duplicated} <= outcome.held
    assert KboImport.objects.get().bad_rows == len(report)


def test_too_many_bad_rows_refuse_the_whole_extract(full, tmp_path):
    import_extract(full)
    before = snapshot()
    rewrite(full, "denomination.csv", lambda lines: lines.__setitem__(slice(1, 40), ['"x"\n'] * 39))
    with pytest.raises(ImportRefused, match="nothing was imported"):
        import_extract(full, max_bad_share=0.001, report_path=tmp_path / "r.csv")
    assert snapshot() == before
    assert KboImport.objects.filter(status=KboImport.Status.FAILED).count() == 1


def test_a_missing_required_file_is_a_clear_error_before_anything_is_written(full):
    (full / "address.csv").unlink()
    with pytest.raises(ExtractError, match=r"lacks address\.csv.*nothing was imported"):
        import_extract(full)
    assert not Organisation.objects.exists() and not KboImport.objects.exists()


def test_a_wrong_header_is_a_clear_error(full):
    rewrite(full, "enterprise.csv", lambda lines: lines.__setitem__(0, "Number,Status\n"))
    with pytest.raises(ExtractError, match=r"enterprise\.csv line 1: expected the columns"):
        import_extract(full)
    assert not Organisation.objects.exists()


def test_a_missing_optional_file_is_no_error(full):
    (full / "contact.csv").unlink()
    (full / "branch.csv").unlink()
    outcome = import_extract(full)
    assert outcome.created == SIZE


def test_the_zip_as_published_imports_as_the_folder_does(tmp_path):
    archive = generate(tmp_path / "zipped", 40, seed=3, as_zip=True)
    assert archive.name.startswith("KboOpenData_0147_") and archive.suffix == ".zip"
    assert import_extract(archive).created == 40


def test_magnets_agree_with_sql_and_brute_force_after_random_updates(full, update):
    import_extract(full)
    import_extract(update)
    container = containers.get("organisation")
    content_type = ContentType.objects.get_for_model(Organisation)
    public = set(public_organisations().values_list("pk", flat=True))
    codes = [
        f"nace:{n}"
        for n in Concept.objects.filter(scheme__code="nace", tags__isnull=False)
        .values_list("notation", flat=True)
        .distinct()
    ]
    tops = [
        "nace:C",
        "nace:G",
        "nace:K",
        "nace:2008",
        "org-type:self-employed",
        "org-type:non-profit",
    ]
    ancestors: dict[int, set[int]] = {}
    from territoria.taxonomy.models import ConceptClosure

    for ancestor, descendant in ConceptClosure.objects.values_list("ancestor_id", "descendant_id"):
        ancestors.setdefault(descendant, set()).add(ancestor)
    tagged: dict[int, set[int]] = {}
    for object_id, concept_id in Tag.objects.filter(content_type=content_type).values_list(
        "object_id", "concept_id"
    ):
        tagged.setdefault(object_id, set()).update(ancestors.get(concept_id, {concept_id}))
    ids = dict(
        (f"{s}:{n}", pk)
        for pk, s, n in Concept.objects.values_list("pk", "scheme__code", "notation")
    )
    rng = random.Random(5)
    for _ in range(25):
        chosen = rng.sample(codes, 2) + rng.sample(tops, 2)
        expression = {
            "all": [
                {"concept": chosen[0]},
                {"any": [{"concept": c} for c in chosen[1:3]]},
                {"not": {"concept": chosen[3]}},
            ]
        }
        expected = {
            pk
            for pk in public
            if ids[chosen[0]] in tagged.get(pk, set())
            and (ids[chosen[1]] in tagged.get(pk, set()) or ids[chosen[2]] in tagged.get(pk, set()))
            and ids[chosen[3]] not in tagged.get(pk, set())
        }
        from territoria.taxonomy.expressions import parse

        parsed = parse(expression)
        assert set(engine.matching(container, parsed)) == expected
        assert set(SqlMagnetEngine().matching(container, parsed)) == expected


def test_names_with_quotes_commas_and_line_breaks_come_through_whole(full):
    number = read(full, "enterprise.csv")[0]["EnterpriseNumber"]
    name = 'Les "Ateliers", réunis\nà Liège'
    quoted = name.replace('"', '""')
    rewrite(
        full, "denomination.csv", lambda lines: lines.append(f'"{number}","1","003","{quoted}"\n')
    )
    import_extract(full)
    assert name in Organisation.objects.get(enterprise_number=number).other_names


def test_the_report_never_starts_a_formula(full, tmp_path):
    rewrite(full, "contact.csv", lambda lines: lines.append('"=HYPERLINK(1)","ENT","WEB","x"\n'))
    import_extract(full, report_path=tmp_path / "r.csv")
    (row,) = read(tmp_path, "r.csv")
    assert row["row"].startswith("'=HYPERLINK") and row["reason"].startswith("'=HYPERLINK")


def renumber(folder: Path, number: int) -> None:
    rewrite(
        folder,
        "meta.csv",
        lambda lines: lines.__setitem__(
            slice(None),
            [
                f'"ExtractNumber","{number}"\n' if line.startswith('"ExtractNumber"') else line
                for line in lines
            ],
        ),
    )


def test_an_update_needs_a_full_extract_first(update):
    with pytest.raises(ExtractError, match="import the full extract 147 first"):
        import_extract(update)
    assert not Organisation.objects.exists() and not KboImport.objects.exists()


def test_extracts_apply_in_their_order(full, update, after):
    import_extract(full)  # 147
    before = snapshot()
    renumber(update, 150)
    with pytest.raises(ExtractError, match="update extracts 148 to 149 first"):
        import_extract(update)
    renumber(update, 149)
    with pytest.raises(ExtractError, match="import the update extract 148 first or"):
        import_extract(update)
    assert snapshot() == before
    renumber(update, 148)
    import_extract(update)
    import_extract(update)  # the same update again: allowed, and changes nothing
    import_extract(after)  # the full extract of the same month
    renumber(full, 147)
    with pytest.raises(ExtractError, match="extract 147 is older than the register"):
        import_extract(full)
    assert KboImport.objects.filter(status=KboImport.Status.DONE).count() == 4


def test_an_extract_without_a_number_is_not_ordered(full, update):
    import_extract(full)
    renumber(update, 0)
    renumber(full, 0)
    import_extract(update)
    import_extract(full)
