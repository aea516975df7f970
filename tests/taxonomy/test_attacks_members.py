"""Attacks on facet counts from the records' rows (`members.py`): wherever they are taken,
they must equal one intersection per concept (the "bitmaps" way) and a brute force."""

import datetime
import json
import random
import struct
import threading
from dataclasses import replace

import numpy as np
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from pyroaring import BitMap

from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import public_organisations
from territoria.taxonomy import containers, index, members, snapshot
from territoria.taxonomy.engine import BitmapMagnetEngine, engine
from territoria.taxonomy.members import MAX_CHANGED, Layout, Members
from territoria.taxonomy.models import (
    MAX_DEPTH,
    Concept,
    ConceptClosure,
    ConceptScheme,
    IndexChange,
    IndexState,
    Tag,
)
from territoria.taxonomy.services import rebuild_closure, set_tags
from tests.factories import concept, organisation
from tests.taxonomy.test_members import brute_force, closure, counted, rolled_up

# ---------------------------------------------------------------------------------------
# Without the database: `Members` against a brute force.


def chain(depth: int, scheme: str = "deep") -> dict[int, tuple[int | None, str]]:
    hierarchy: dict[int, tuple[int | None, str]] = {1: (None, scheme)}
    for c in range(2, depth + 1):
        hierarchy[c] = (c - 1, scheme)
    return hierarchy


def wide_forest(rng: random.Random, size: int) -> dict[int, tuple[int | None, str]]:
    hierarchy: dict[int, tuple[int | None, str]] = {}
    for c in range(1, size + 1):
        if c > 2 and rng.random() < 0.9:
            parent = rng.randrange(max(1, c - 40), c)
            hierarchy[c] = (parent, hierarchy[parent][1])
        else:
            hierarchy[c] = (None, rng.choice(["a", "b", "c"]))
    return hierarchy


@pytest.mark.parametrize("size", [32767, 32768])
def test_the_widest_entry_of_a_uint16_or_uint32_catalogue_counts_right(size):
    # Either side of the switch from uint16 to uint32 (pad = 2 × size ≥ 2**16): the last
    # two concepts under one parent, a record in both giving the parent a −1 entry near
    # the top of the range; a record past the dtype's range of values (70000).
    hierarchy = {c: (None, "s") for c in range(1, size - 1)}
    hierarchy[size - 1] = (size - 2, "s")
    hierarchy[size] = (size - 2, "s")
    tagging = {3: {size - 1, size}, 70000: {size}, 5: {1, size - 1}}
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    assert built.layout.dtype == (np.uint16 if size <= 32767 else np.uint32)
    assert int(built.base.table.max()) == built.layout.pad
    everyone = BitMap([3, 5, 70000, 4_000_000_000])
    assert counted(built, everyone) == brute_force(everyone, tagging, hierarchy)
    changed = built.changed(
        {3: closure({size}, hierarchy), 9: closure({size - 1, size}, hierarchy)}
    )
    tagging[3], tagging[9] = {size}, {size - 1, size}
    everyone.add(9)
    assert counted(changed, everyone) == brute_force(everyone, tagging, hierarchy)


def test_a_minus_entry_at_the_last_position_of_a_uint16_catalogue():
    # 32767 concepts; the last (position 32766) branches: its −1 entry is 65533.
    size = 32767
    hierarchy = {c: (None, "s") for c in range(1, size + 1)}
    hierarchy[1] = (size, "s")
    hierarchy[2] = (size, "s")
    tagging = {10: {1, 2}}
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    assert built.layout.dtype == np.uint16
    assert built.layout.minus + size - 1 in built.base.table
    assert counted(built, BitMap([10])) == {1: 1, 2: 1, size: 1}


def test_records_with_hundreds_of_concepts_keep_their_rest_apart():
    rng = random.Random(7)
    hierarchy = wide_forest(rng, 2000)
    concepts = list(hierarchy)
    tagging = {
        r: set(rng.sample(concepts, rng.choice([1, 15, 16, 17, 200, 600]))) for r in range(1, 80)
    }
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    assert len(built.base.long) > 10
    for _ in range(4):
        selection = BitMap(rng.sample(list(tagging), 40) + [0, 500, 2**31])
        assert counted(built, selection) == brute_force(selection, tagging, hierarchy)
    # Changed records with long rows of their own, some twice, one gone then back.
    for step in range(4):
        closures = {}
        for record in rng.sample(list(tagging), 10) + [1000 + step, 5]:
            tags = set(rng.sample(concepts, rng.choice([0, 3, 300])))
            tagging[record] = tags
            closures[record] = closure(tags, hierarchy)
        built = built.changed(closures)
        assert built is not None and len(built.patch.long) > 0
        selection = BitMap(rng.sample(list(tagging), 50) + [999_999])
        assert counted(built, selection) == brute_force(selection, tagging, hierarchy)


def test_a_record_tagged_at_an_inner_concept_and_under_several_children():
    hierarchy = chain(30)
    for extra in range(31, 40):  # nine leaves under concept 12
        hierarchy[extra] = (12, "deep")
    tagging = {1: {12, *range(31, 40), 30, 5}, 2: {12}, 3: {30, 31}}
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    everyone = BitMap([1, 2, 3])
    expected = brute_force(everyone, tagging, hierarchy)
    assert counted(built, everyone) == expected
    assert expected[1] == 3 and expected[12] == 3 and expected[13] == 2
    again = built.changed({2: closure({12, 30, 39}, hierarchy)})
    tagging[2] = {12, 30, 39}
    assert counted(again, everyone) == brute_force(everyone, tagging, hierarchy)


def test_huge_concept_ids_and_schemes_not_asked():
    big = 2**62
    hierarchy = {big: (None, "x"), big + 1: (big, "x"), 7: (big, "x"), 8: (None, "y")}
    tagging = {1: {big + 1, 7, 8}, 2: {8}}
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    counts = built.counts(BitMap([1, 2]))
    assert built.nonzero(counts, ["x"]) == {big: 1, big + 1: 1, 7: 1}
    assert built.nonzero(counts, ["y"]) == {8: 2}
    assert built.nonzero(counts, ["z"]) == {}
    assert built.nonzero(counts, []) == {}
    assert built.reader(counts)(123456) == 0


def test_an_empty_catalogue_and_an_empty_selection():
    built = Members.of_bitmaps({}, {})
    assert built.counts(BitMap([1, 2])).tolist() == []
    assert built.nonzero(built.counts(BitMap()), ["nace"]) == {}
    patched = built.changed({4: set()})
    assert patched is not None and patched.counts(BitMap([4])).tolist() == []
    assert patched.changed({4: {1}}) is None  # 1: unknown to an empty catalogue


def test_records_that_leave_and_come_back_and_change_twice():
    hierarchy = {1: (None, "s"), 2: (1, "s"), 3: (1, "s"), 4: (2, "s")}
    tagging = {10: {4, 3}, 11: {2}}
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    everyone = BitMap([10, 11, 12])
    gone = built.changed({10: set()})
    del tagging[10]
    assert counted(gone, everyone) == brute_force(everyone, tagging, hierarchy)
    back = gone.changed({10: closure({4}, hierarchy), 12: closure({3, 4}, hierarchy)})
    tagging[10], tagging[12] = {4}, {3, 4}
    assert counted(back, everyone) == brute_force(everyone, tagging, hierarchy)
    twice = back.changed({10: closure({2, 3}, hierarchy)})
    tagging[10] = {2, 3}
    assert counted(twice, everyone) == brute_force(everyone, tagging, hierarchy)
    assert len(twice.changes) == 2
    # The older tables are not touched by what came after them.
    assert counted(built, everyone) == {1: 2, 2: 2, 3: 1, 4: 1}


def test_past_max_changed_in_several_steps_asks_for_a_build():
    hierarchy = {1: (None, "s")}
    built = Members.of_bitmaps({1: BitMap([1])}, hierarchy)
    half = built.changed({n: {1} for n in range(MAX_CHANGED // 2)})
    assert half is not None
    full = half.changed({n: {1} for n in range(MAX_CHANGED // 2, MAX_CHANGED)})
    assert full is not None and len(full.changes) == MAX_CHANGED
    assert full.changed({0: set()}) is not None  # the same record again: still MAX_CHANGED
    assert full.changed({MAX_CHANGED + 5: {1}}) is None


def test_building_rows_leaves_the_index_bitmaps_alone():
    rng = random.Random(3)
    hierarchy = wide_forest(rng, 60)
    tagging = {r: set(rng.sample(list(hierarchy), 6)) for r in range(200)}
    by_concept = rolled_up(tagging, hierarchy)
    before = {c: BitMap(b) for c, b in by_concept.items()}
    Members.of_bitmaps(by_concept, hierarchy)
    assert by_concept == before


def test_records_with_huge_ids_do_not_make_a_row_for_every_id_below_them():
    # A roaring bitmap holds ids up to 2**32 − 1 at no cost; a row for every id up to
    # the largest would ask for tens of gigabytes.
    hierarchy = {1: (None, "s"), 2: (1, "s"), 3: (1, "s")}
    tagging = {4_000_000_000: {2, 3}, 2**32 - 1: {2}, 7: {3}, 70_000: {1}}
    built = Members.of_bitmaps(rolled_up(tagging, hierarchy), hierarchy)
    assert built.base.table.nbytes < 2**20
    for selection in (
        BitMap(tagging),
        BitMap([4_000_000_000, 8, 3_999_999_999]),
        BitMap([0, 6, 7, 2**32 - 2]),
        BitMap(),
        BitMap(range(69_990, 70_010)),
    ):
        assert counted(built, selection) == brute_force(selection, tagging, hierarchy)
    changed = built.changed({4_000_000_000: set(), 3_000_000_000: closure({3}, hierarchy)})
    del tagging[4_000_000_000]
    tagging[3_000_000_000] = {3}
    everyone = BitMap([4_000_000_000, 3_000_000_000, 2**32 - 1, 7, 70_000, 12])
    assert counted(changed, everyone) == brute_force(everyone, tagging, hierarchy)


def test_dense_ids_keep_a_row_per_id():
    hierarchy = {1: (None, "s")}
    built = Members.of_bitmaps({1: BitMap(range(1, 5000, 2))}, hierarchy)
    assert built.base.keys is None and len(built.base.table) == 5000
    assert counted(built, BitMap(range(0, 10_000))) == {1: 2500}


def test_a_cycle_in_the_hierarchy_does_not_hang():
    # Refused where concepts are made; the layout must still end.
    layout = Layout.of({1: (2, "s"), 2: (1, "s"), 3: (None, "s")})
    assert layout.size == 3


# ---------------------------------------------------------------------------------------
# With the database: the engine's two ways of counting and a brute force.

COUNTERS = [BitmapMagnetEngine("members"), BitmapMagnetEngine("bitmaps"), engine]


def db_brute_force(selection, schemes) -> dict[int, int]:
    content_type = ContentType.objects.get_for_model(Organisation)
    public = set(public_organisations().values_list("pk", flat=True)) & set(selection)
    ancestors: dict[int, set[int]] = {}
    for descendant, ancestor in ConceptClosure.objects.values_list("descendant", "ancestor"):
        ancestors.setdefault(descendant, set()).add(ancestor)
    found: dict[int, set[int]] = {}
    tags = Tag.objects.filter(content_type=content_type, concept__scheme__code__in=schemes)
    for object_id, concept_id in tags.values_list("object_id", "concept_id"):
        if object_id in public:
            for ancestor in ancestors[concept_id]:
                found.setdefault(ancestor, set()).add(object_id)
    return {concept_id: len(ids) for concept_id, ids in found.items()}


def agree(selection, schemes, expanded=None) -> dict[int, int]:
    """Every way of counting gives the same; returns the answer."""
    container = containers.get("organisation")
    answers = [
        counter.facet_counts_of(container, BitMap(selection), schemes, expanded)
        for counter in COUNTERS
    ]
    assert answers[0] == answers[1] == answers[2]
    if expanded is None:
        assert answers[0] == db_brute_force(selection, schemes)
    return answers[0]


def make_scheme(code: str, depth: int, fan: int = 1) -> list[Concept]:
    """A chain of `depth` concepts, each but the last with `fan` − 1 extra leaves."""
    scheme = ConceptScheme.objects.create(code=code, title_fr=code)
    made: list[Concept] = []
    parent = None
    for level in range(depth):
        node = Concept.objects.create(
            scheme=scheme, notation=f"n{level}", label_fr="n", parent=parent
        )
        made.append(node)
        for leaf in range(fan - 1):
            made.append(
                Concept.objects.create(
                    scheme=scheme, notation=f"n{level}-{leaf}", label_fr="l", parent=node
                )
            )
        parent = node
    rebuild_closure(scheme)
    return made


def tag(org: Organisation, *concepts: Concept) -> None:
    content_type = ContentType.objects.get_for_model(Organisation)
    Tag.objects.bulk_create(
        [Tag(content_type=content_type, object_id=org.pk, concept=c) for c in concepts],
        ignore_conflicts=True,
    )
    index.changed_record(org)


@pytest.fixture
def builds(monkeypatch):
    count = {"n": 0}
    original = index.build

    def counted_build(*args, **kwargs):
        count["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(index, "build", counted_build)
    return count


@pytest.mark.django_db
def test_deep_scheme_many_tags_inner_and_children_and_other_schemes(builds):
    deep = make_scheme("deep", MAX_DEPTH, fan=3)
    nace = list(Concept.objects.filter(scheme__code="nace")[:400])
    rng = random.Random(11)
    orgs = []
    for i in range(25):
        org = organisation(f"Org {i}")
        tag(
            org,
            *rng.sample(deep, rng.randint(0, 12)),
            *rng.sample(nace, min(len(nace), rng.choice([0, 3, 250]))),
        )
        orgs.append(org)
    heavy = organisation("Heavy")
    tag(heavy, *deep, *nace)  # every deep concept, inner ones and their children, 400 NACE
    orgs.append(heavy)
    index.bump()
    everyone = [o.pk for o in orgs]
    for selection in (everyone, everyone[::2], [heavy.pk], [], [10**9, 0, everyone[0]]):
        agree(selection, ["deep"])
        agree(selection, ["deep", "nace"])
        agree(selection, ["territory"])  # nothing tagged there
        agree(selection, ["deep"], expanded=[deep[0].pk, deep[3].pk])
        agree(selection, ["deep", "nace"], expanded=())
    assert len(index.for_container(containers.get("organisation")).members.base.long) >= 1
    # Changes: the heavy record loses its deep tags, one record tagged again, twice.
    Tag.objects.filter(object_id=heavy.pk, concept__scheme__code="deep").delete()
    tag(orgs[0], deep[-1], deep[-2], deep[4])
    tag(orgs[0], deep[1])
    for selection in (everyone, [heavy.pk, orgs[0].pk]):
        agree(selection, ["deep", "nace"])
        agree(selection, ["deep"], expanded=[d.pk for d in deep])
    assert builds["n"] == 1
    assert index.for_container(containers.get("organisation")).members.changes


@pytest.mark.django_db
def test_an_empty_index_counts_nothing_both_ways():
    container = containers.get("organisation")
    Organisation.objects.all().delete()
    index.bump()
    idx = index.for_container(container)
    assert not idx.universe and idx.members is not None
    for selection in ([], [1, 2, 3], [2**32 - 1]):
        assert agree(selection, ["nace", "territory"]) == {}
        assert agree(selection, ["nace"], expanded=()) == {}


@pytest.mark.django_db
def test_a_record_leaves_the_public_and_comes_back(builds):
    c10, ai = concept("nace:C10"), concept("technology:ai")
    one = organisation("One", "nace:C10", "technology:ai")
    two = organisation("Two", "nace:C10")
    selection = [one.pk, two.pk]
    assert agree(selection, ["nace", "technology"])[c10.pk] == 2
    one.struck_off_on = datetime.date(2024, 1, 1)
    one.save()
    counts = agree(selection, ["nace", "technology"])
    assert counts[c10.pk] == 1 and ai.pk not in counts
    one.struck_off_on = None
    one.save()
    counts = agree(selection, ["nace", "technology"])
    assert counts[c10.pk] == 2 and counts[ai.pk] == 1
    one.delete()
    assert agree(selection, ["nace", "technology"])[c10.pk] == 1
    assert builds["n"] == 1


@pytest.mark.django_db
def test_more_changes_than_max_changed_rebuild_the_rows_not_the_index(builds, monkeypatch):
    monkeypatch.setattr(members, "MAX_CHANGED", 20)
    container = containers.get("organisation")
    c10 = concept("nace:C10")
    orgs = Organisation.objects.bulk_create([Organisation(name=f"O{i}") for i in range(30)])
    # A log read empty gives way to a build at the first change (PostgreSQL's numbers do
    # not start again at 1): read it with one row.
    index.changed("organisation", [orgs[0].pk])
    index.for_container(container)
    for org in orgs[:15]:
        tag(org, c10)
    assert len(index.for_container(container).members.changes) == 15
    for org in orgs[15:]:
        tag(org, c10)
    idx = index.for_container(container)
    assert builds["n"] == 1
    assert len(idx.members.changes) < 20
    assert agree([o.pk for o in orgs], ["nace"])[c10.pk] == 30


@pytest.mark.django_db
def test_a_new_concept_tagged_is_counted(builds):
    container = containers.get("organisation")
    org = organisation("One", "nace:C10")
    index.for_container(container)
    scheme = ConceptScheme.objects.create(code="fresh", title_fr="fresh")
    top = Concept.objects.create(scheme=scheme, notation="top", label_fr="t")
    low = Concept.objects.create(scheme=scheme, notation="low", label_fr="l", parent=top)
    rebuild_closure(scheme)
    tag(org, low)
    counts = agree([org.pk], ["fresh", "nace"])
    assert counts[top.pk] == counts[low.pk] == 1
    assert builds["n"] == 2  # a concept made: the token changed


@pytest.mark.django_db
def test_a_concept_added_without_a_bump_and_tagged(builds):
    # Concepts written in bulk (no signal) before the bump that would tell the processes:
    # the catalogue does not know them yet; nothing may crash or disagree.
    container = containers.get("organisation")
    org = organisation("One", "nace:C10")
    index.for_container(container)
    nace = ConceptScheme.objects.get(code="nace")
    parent = concept("nace:C10")
    (made,) = Concept.objects.bulk_create(
        [Concept(scheme=nace, notation="C10-new", label_fr="x", parent=parent)]
    )
    ConceptClosure.objects.bulk_create(
        [
            ConceptClosure(ancestor_id=a, descendant=made, depth=d + 1)
            for d, a in enumerate(index.catalog().ancestors(parent.pk))
        ]
        + [ConceptClosure(ancestor=made, descendant=made, depth=0)]
    )
    tag(org, made)
    answers = [
        counter.facet_counts_of(container, BitMap([org.pk]), ["nace"]) for counter in COUNTERS
    ]
    assert answers[0] == answers[1] == answers[2]
    index.bump()
    agree([org.pk], ["nace"])


@pytest.mark.django_db
def test_a_concept_the_rows_do_not_place_makes_them_built_again(builds):
    # The catalogue read again (same token) knows a concept the rows were laid out
    # without: `Members.changed` gives None and the change builds the rows anew.
    container = containers.get("organisation")
    org = organisation("One", "nace:C10")
    other = organisation("Two", "nace:C10", "technology:ai")
    index.changed("organisation", [org.pk])
    before = index.for_container(container)
    nace = ConceptScheme.objects.get(code="nace")
    parent = concept("nace:C10")
    (made,) = Concept.objects.bulk_create(
        [Concept(scheme=nace, notation="C10-x", label_fr="x", parent=parent)]
    )
    rebuild_closure(nace)  # bumps the token: put it back, as if told nothing
    IndexState.objects.filter(key=index.STATE_KEY).update(token=before.token)
    index._catalog.clear()
    assert made.pk not in before.members.layout.positions
    tag(org, made)
    after = index.for_container(container)
    assert builds["n"] == 1 and after.token == before.token
    assert made.pk in after.members.layout.positions and not after.members.changes
    counts = agree([org.pk, other.pk], ["nace", "technology"])
    assert counts[made.pk] == 1 and counts[parent.pk] == 2
    agree([org.pk, other.pk], ["nace"], expanded=[parent.pk, concept("nace:C").pk])


@pytest.mark.django_db
def test_a_deleted_concept_is_no_longer_counted():
    container = containers.get("organisation")
    scheme = ConceptScheme.objects.create(code="gone", title_fr="gone")
    top = Concept.objects.create(scheme=scheme, notation="top", label_fr="t")
    low = Concept.objects.create(scheme=scheme, notation="low", label_fr="l", parent=top)
    rebuild_closure(scheme)
    org = organisation("One")
    tag(org, low)
    assert agree([org.pk], ["gone"]) == {top.pk: 1, low.pk: 1}
    index.for_container(container)
    Tag.objects.filter(concept=low).delete()
    low.delete()
    assert agree([org.pk], ["gone"]) == {}


# ---------------------------------------------------------------------------------------
# Snapshots.


def snapshot_parts(path):
    data = path.read_bytes()
    parts, at = [], 0
    while at < len(data):
        (length,) = struct.unpack_from("<Q", data, at)
        parts.append(data[at + 8 : at + 8 + length])
        at += 8 + length
    return parts


def write_parts(path, parts):
    path.write_bytes(b"".join(struct.pack("<Q", len(p)) + p for p in parts))


@pytest.fixture
def stored(settings, tmp_path, db):
    settings.DATA_DIR = tmp_path
    container = containers.get("organisation")
    rng = random.Random(5)
    codes = ["nace:C10", "nace:K62", "technology:ai", "territory:namur", "nace:C"]
    orgs = [organisation(f"O{i}", *rng.sample(codes, 3)) for i in range(12)]
    tag(orgs[0], *Concept.objects.filter(scheme__code="nace")[:40])
    built = index.for_container(container)
    return container, built, [o.pk for o in orgs]


def reload(container):
    index.forget()
    return index.for_container(container)


@pytest.mark.django_db
def test_loaded_members_give_the_same_counts_and_follow_changes(stored, builds):
    container, built, ids = stored
    loaded = reload(container)
    assert builds["n"] == 0
    assert loaded.members is not built.members
    everyone = BitMap(ids)
    assert loaded.members.counts(everyone).tolist() == built.members.counts(everyone).tolist()
    assert not loaded.members.base.table.flags.writeable  # read straight from the file
    tag(Organisation.objects.get(pk=ids[1]), concept("technology:nlp"))
    agree(ids, ["nace", "technology", "territory"])
    agree(ids, ["technology"], expanded=[concept("technology:ai").pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "no_table",
        "shape",
        "dtype_name",
        "dtype_wider",
        "version1",
        "offsets",
        "parents_length",
        "parents_range",
        "schemes_range",
    ],
)
def test_a_damaged_members_section_is_rebuilt_not_trusted(stored, builds, damage):
    container, built, ids = stored
    path = snapshot.path_of(container)
    parts = snapshot_parts(path)
    header = json.loads(parts[0])
    tail = len(parts) - 7  # the seven member arrays come last
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-5])
    elif damage == "no_table":
        write_parts(path, parts[: tail + 3])
    elif damage == "shape":
        header["members"]["shape"][0] += 1
        write_parts(path, [json.dumps(header).encode(), *parts[1:]])
    elif damage == "dtype_name":
        header["members"]["dtype"] = "uint12"
        write_parts(path, [json.dumps(header).encode(), *parts[1:]])
    elif damage == "dtype_wider":
        header["members"]["dtype"] = "uint32"
        write_parts(path, [json.dumps(header).encode(), *parts[1:]])
    elif damage == "version1":
        header["version"] = 1
        del header["members"]
        write_parts(path, [json.dumps(header).encode(), *parts[1:tail]])
    elif damage == "offsets":
        parts[tail + 5] = np.array([0, 5, 3], dtype=np.int64).tobytes()
        write_parts(path, parts)
    elif damage == "parents_length":
        parts[tail + 1] = parts[tail + 1][:-8]
        write_parts(path, parts)
    elif damage == "parents_range":
        values = np.frombuffer(parts[tail + 1], dtype=np.int64).copy()
        values[-1] = len(values) + 99
        parts[tail + 1] = values.tobytes()
        write_parts(path, parts)
    elif damage == "schemes_range":  # every concept in a scheme the header does not name
        values = np.frombuffer(parts[tail + 2], dtype=np.int64)
        parts[tail + 2] = np.full(len(values), 10**6, dtype=np.int64).tobytes()
        write_parts(path, parts)
    index.forget()
    everyone = BitMap(ids)
    agree(ids, ["nace", "technology", "territory"])
    idx = index.for_container(container)
    assert idx.members.counts(everyone).tolist() == built.members.counts(everyone).tolist()


@pytest.mark.django_db
def test_a_snapshot_of_an_index_with_changes_rebuilds_its_rows_on_loading(stored, builds):
    container, built, ids = stored
    tag(Organisation.objects.get(pk=ids[2]), concept("technology:nlp"))
    changed = index.for_container(container)
    assert changed.members.changes
    snapshot.save(container, changed)
    header = json.loads(snapshot_parts(snapshot.path_of(container))[0])
    assert "members" not in header
    loaded = reload(container)
    assert builds["n"] == 0
    assert not loaded.members.changes
    everyone = BitMap(ids)
    assert loaded.members.counts(everyone).tolist() == changed.members.counts(everyone).tolist()
    agree(ids, ["nace", "technology", "territory"])


@pytest.mark.django_db
def test_an_organisation_with_a_huge_id_is_counted_and_goes_through_a_snapshot(
    settings, tmp_path, builds
):
    settings.DATA_DIR = tmp_path
    container = containers.get("organisation")
    huge = organisation("Huge", "nace:C10", "technology:ai", id=4_000_000_000)
    small = organisation("Small", "nace:C10")
    ids = [huge.pk, small.pk, 3_999_999_999]
    counts = agree(ids, ["nace", "technology"])
    assert counts[concept("nace:C10").pk] == 2
    built = index.for_container(container)
    assert built.members.base.table.nbytes < 2**20
    loaded = reload(container)
    assert builds["n"] == 1  # loaded from the snapshot
    assert loaded.members.base.keys is not None
    everyone = BitMap(ids)
    assert loaded.members.counts(everyone).tolist() == built.members.counts(everyone).tolist()
    tag(huge, concept("nace:K62"))
    agree(ids, ["nace", "technology"])
    agree(ids, ["nace"], expanded=[concept("nace:C").pk])


def test_a_uint32_table_goes_through_a_snapshot(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    rng = random.Random(2)
    hierarchy = wide_forest(rng, 33000)
    tagging = {r: set(rng.sample(list(hierarchy), rng.choice([2, 40]))) for r in range(1, 300)}
    by_concept = rolled_up(tagging, hierarchy)
    built = Members.of_bitmaps(by_concept, hierarchy)
    assert built.layout.dtype == np.uint32
    container = containers.get("organisation")
    idx = index.ContainerIndex(
        token="t32",
        universe=BitMap(tagging),
        by_concept=by_concept,
        scheme_concepts={},
        members=built,
    )
    snapshot.save(container, idx)
    loaded = snapshot.load(container, index.State("t32", 0, 0))
    assert loaded is not None and loaded.members.layout.dtype == np.uint32
    everyone = BitMap(tagging)
    assert counted(loaded.members, everyone) == brute_force(everyone, tagging, hierarchy)


# ---------------------------------------------------------------------------------------
# The index state in one statement.


def orm_state() -> tuple[str, int, int]:
    token = IndexState.objects.filter(key=index.STATE_KEY).values_list("token", flat=True).first()
    ids = list(IndexChange.objects.values_list("id", flat=True))
    return (token or "initial", max(ids, default=0), len(ids))


@pytest.mark.django_db
def test_the_state_in_one_statement_agrees_with_the_orm():
    def state():
        found = index.current_state()
        return (found.token, found.last_change, found.changes)

    assert state() == orm_state()
    IndexChange.objects.all().delete()
    assert state() == (orm_state()[0], 0, 0)
    index.bump()
    IndexChange.objects.create(container="organisation", object_id=5)
    IndexChange.objects.create(container="organisation", object_id=6)
    assert state() == orm_state() and state()[2] == 2
    with transaction.atomic():
        IndexChange.objects.create(container="organisation", object_id=7)
        assert state() == orm_state() and state()[2] == 3
        with transaction.atomic():
            index.bump()
            assert state() == orm_state()
    IndexState.objects.all().delete()
    assert state() == ("initial", orm_state()[1], 3)
    index.bump()  # the row made again
    assert state()[0] == IndexState.objects.get().token
    assert isinstance(state()[1], int) and isinstance(state()[2], int)


@pytest.mark.django_db
def test_the_state_is_read_with_the_connection_of_the_index_models():
    assert connection.vendor in {"sqlite", "postgresql"}
    with index.pinned():
        pinned = index.current_state()
        IndexChange.objects.create(container="organisation", object_id=1)
        assert index.current_state() == pinned
    assert index.current_state() != pinned


# ---------------------------------------------------------------------------------------
# Threads: the index is replaced, never changed in place.


@pytest.mark.django_db
def test_counting_in_threads_while_changes_are_applied():
    container = containers.get("organisation")
    codes = ["nace:C10", "nace:K62", "technology:ai", "territory:namur"]
    rng = random.Random(9)
    orgs = [organisation(f"O{i}", *rng.sample(codes, 2)) for i in range(20)]
    ids = BitMap(o.pk for o in orgs)
    schemes = ["nace", "technology", "territory"]
    versions = [index.for_container(container)]
    expected = [BitmapMagnetEngine("bitmaps").facet_counts_of(container, ids, schemes)]
    for step in range(6):
        tag(orgs[step], concept(codes[step % len(codes)]))
        Tag.objects.filter(object_id=orgs[step + 7].pk).delete()
        index.changed_record(orgs[step + 7])
        versions.append(index.for_container(container))
        expected.append(BitmapMagnetEngine("bitmaps").facet_counts_of(container, ids, schemes))
    state = index.current_state()
    catalog = index.catalog()
    errors: list[BaseException] = []

    def count(version, answer, tops_of):
        index._pinned.state = state  # no query from this thread: the catalogue is cached
        try:
            for _ in range(60):
                got = version.members.nonzero(version.members.counts(ids), schemes)
                if got != answer:
                    errors.append(AssertionError((got, answer)))
                for code in schemes:
                    if version.tops(code) != tops_of[code]:
                        errors.append(AssertionError(code))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            index._pinned.state = None

    def fresh_tops(version):
        return {
            code: [
                pk
                for pk in version.scheme_concepts.get(code, [])
                if catalog.rows[pk]["parent_id"] not in version.by_concept
            ]
            for code in schemes
        }

    threads = [
        threading.Thread(target=count, args=(v, a, fresh_tops(v)))
        for v, a in zip(versions, expected, strict=True)
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({id(v) for v in versions}) == len(versions)


@pytest.mark.django_db
def test_tops_of_an_older_index_are_not_taken_from_a_newer_one():
    container = containers.get("organisation")
    scheme = ConceptScheme.objects.create(code="tops", title_fr="tops")
    top = Concept.objects.create(scheme=scheme, notation="top", label_fr="t")
    low = Concept.objects.create(scheme=scheme, notation="low", label_fr="l", parent=top)
    rebuild_closure(scheme)
    org = organisation("One")
    tagged = organisation("Two")
    Tag.objects.create(record=tagged, concept=low)
    old = index.for_container(container)
    # A copy made by `replace` shares the cache of tops; it holds `low` alone, whose
    # broader concept it does not hold: its tops differ from the original's.
    narrowed = replace(
        old, by_concept={low.pk: BitMap([tagged.pk])}, scheme_concepts={"tops": [low.pk]}
    )
    assert narrowed._tops is old._tops
    assert narrowed.tops("tops") == [low.pk]
    assert old.tops("tops") == [top.pk]
    assert narrowed.tops("tops") == [low.pk]
    assert org.pk in old.universe


@pytest.mark.django_db
def test_a_snapshot_from_before_the_keyed_flag_still_loads(stored, builds):
    container, built, ids = stored
    path = snapshot.path_of(container)
    parts = snapshot_parts(path)
    header = json.loads(parts[0])
    del header["members"]["keyed"]  # as the first version 2 wrote it
    write_parts(path, [json.dumps(header).encode(), *parts[1:]])
    loaded = reload(container)
    assert builds["n"] == 0 and loaded.members.base.keys is None
    everyone = BitMap(ids)
    assert loaded.members.counts(everyone).tolist() == built.members.counts(everyone).tolist()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_walk_of_changes_snapshots_and_rebuilt_rows(
    settings, tmp_path, monkeypatch, builds, seed
):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(members, "MAX_CHANGED", 6)  # the rows are built again now and then
    monkeypatch.setattr(members, "WIDTH", 3)  # and many records keep entries apart
    container = containers.get("organisation")
    rng = random.Random(seed)
    codes = [
        "nace:C",
        "nace:C10",
        "nace:C22",
        "nace:K62",
        "technology:ai",
        "technology:nlp",
        "technology:machine-learning",
        "territory:namur",
        "territory:gembloux",
        "org-type:startup",
    ]
    pool = [concept(code) for code in codes]
    orgs = [organisation(f"O{i}", *rng.sample(codes, rng.randint(0, 6))) for i in range(14)]
    schemes = ["nace", "technology", "territory", "org-type"]
    opened = [concept("nace:C").pk, concept("technology:ai").pk]
    index.for_container(container)
    for _step in range(24):
        action = rng.choice(["tag", "untag", "set", "public", "hide", "delete", "new", "reload"])
        chosen = rng.choice(orgs)
        if action == "tag":
            tag(chosen, *rng.sample(pool, rng.randint(1, 5)))
        elif action == "untag":
            Tag.objects.filter(object_id=chosen.pk).delete()
        elif action == "set":
            set_tags(chosen, rng.sample(pool, rng.randint(0, 7)))
        elif action in ("public", "hide"):
            chosen.struck_off_on = datetime.date(2024, 1, 1) if action == "hide" else None
            chosen.save()
        elif action == "delete" and len(orgs) > 4:
            orgs.remove(chosen)
            Tag.objects.filter(object_id=chosen.pk).delete()
            chosen.delete()
        elif action == "new":
            orgs.append(organisation("New", *rng.sample(codes, 3)))
        elif action == "reload":
            index.forget()  # a new process: the snapshot, then the log since
        selection = [o.pk for o in orgs if rng.random() < 0.8] + [10**8]
        agree(selection, schemes)
        agree(selection, schemes, expanded=opened)
        agree(selection, ["technology"], expanded=())
    assert builds["n"] == 1
