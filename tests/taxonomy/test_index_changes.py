"""The bitmap index follows the change log record by record, and starts from its snapshot."""

import datetime
import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from pyroaring import BitMap

from territoria.core.text import sort_key
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.services import public_organisations
from territoria.taxonomy import containers, index, snapshot
from territoria.taxonomy.engine import BitmapMagnetEngine, engine
from territoria.taxonomy.expressions import parse
from territoria.taxonomy.models import Concept, ConceptClosure, IndexChange, Tag
from territoria.taxonomy.services import set_tags
from tests.factories import concept, organisation

pytestmark = pytest.mark.django_db

CODES = ["nace:C", "nace:C10", "nace:K62", "technology:ai", "org-type:startup", "territory:namur"]
TAGGABLE = ["nace:C10", "nace:K62", "technology:ai", "org-type:startup", "territory:namur"]
SCHEMES = ["nace", "technology", "org-type", "territory"]


@pytest.fixture
def builds(monkeypatch):
    """How many times an index is built from scratch."""
    count = {"n": 0}
    original = index.build

    def counted(*args, **kwargs):
        count["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(index, "build", counted)
    return count


def brute_force(code: str) -> set[int]:
    content_type = ContentType.objects.get_for_model(Organisation)
    target = Concept.objects.get(scheme__code=code.split(":")[0], notation=code.split(":")[1])
    below = ConceptClosure.objects.filter(ancestor=target).values("descendant")
    tagged = Tag.objects.filter(content_type=content_type, concept__in=below).values("object_id")
    return set(public_organisations().filter(pk__in=tagged).values_list("pk", flat=True))


def brute_force_counts(selection: set[int]) -> dict[int, int]:
    """Each concept's count among `selection`'s public records, descendants included."""
    content_type = ContentType.objects.get_for_model(Organisation)
    public = set(public_organisations().values_list("pk", flat=True)) & selection
    ancestors: dict[int, set[int]] = {}
    for descendant, ancestor in ConceptClosure.objects.values_list("descendant", "ancestor"):
        ancestors.setdefault(descendant, set()).add(ancestor)
    found: dict[int, set[int]] = {}
    tags = Tag.objects.filter(content_type=content_type, concept__scheme__code__in=SCHEMES)
    for object_id, concept_id in tags.values_list("object_id", "concept_id"):
        if object_id in public:
            for ancestor in ancestors[concept_id]:
                found.setdefault(ancestor, set()).add(object_id)
    return {concept_id: len(ids) for concept_id, ids in found.items()}


def names_in_order() -> list[int]:
    container = containers.get("organisation")
    ids = engine.matching(container, None)
    return index.page(container, ids, 0, len(ids))


def test_random_changes_are_followed_without_a_rebuild(builds):
    rng = random.Random(3)
    container = containers.get("organisation")
    content_type = ContentType.objects.get_for_model(Organisation)
    records = [organisation(f"Org {i}", *rng.sample(TAGGABLE, 2)) for i in range(12)]
    index.for_container(container)
    assert builds["n"] == 1
    for step in range(40):
        action = rng.choice(["tag", "untag", "new", "delete", "rename", "set", "person"])
        chosen = rng.choice(records)
        if action == "tag":
            Tag.objects.get_or_create(
                content_type=content_type,
                object_id=chosen.pk,
                concept=concept(rng.choice(TAGGABLE)),
            )
        elif action == "untag":
            Tag.objects.filter(content_type=content_type, object_id=chosen.pk).delete()
        elif action == "new":
            records.append(organisation(f"New {step}", rng.choice(TAGGABLE)))
        elif action == "delete" and len(records) > 3:
            records.remove(chosen)
            chosen.delete()
        elif action == "rename":
            chosen.name = rng.choice(["Aaa", "zzz", "Étoile", "mmm"]) + str(step)
            chosen.save()
        elif action == "set":
            set_tags(chosen, [concept(c) for c in rng.sample(TAGGABLE, 2)])
        elif action == "person":  # a natural person: no longer public
            chosen.legal_form = "personne physique"
            chosen.save()
        for code in CODES:
            assert set(engine.matching(container, parse({"concept": code}))) == brute_force(code)
        expected = sorted(public_organisations().values_list("name", "pk"))
        expected.sort(key=lambda row: (sort_key(row[0]), row[1]))
        assert names_in_order() == [pk for _name, pk in expected]
        # Facet counts, from the records' rows (changed ones apart) and by intersections.
        selection = {r.pk for r in records if rng.random() < 0.7}
        counts = brute_force_counts(selection)
        for counting in ("members", "bitmaps"):
            counter = BitmapMagnetEngine(counting)
            assert counter.facet_counts_of(container, BitMap(selection), SCHEMES) == counts
    assert builds["n"] == 1  # every change was applied, none rebuilt the index


def test_a_change_committed_after_a_later_one_is_still_applied(builds):
    container = containers.get("organisation")
    early = organisation("Early", "technology:ai")
    index.for_container(container)
    late = organisation("Late")
    assert late.pk in engine.matching(container, None)
    # A change numbered below what the index has read, committed only now (a long
    # transaction): it is inside the recheck window, so it is applied.
    Tag.objects.bulk_create([Tag(record=late, concept=concept("technology:ai"))])
    seen = index.for_container(container).seen[0]
    IndexChange.objects.create(container="organisation", object_id=late.pk)
    IndexChange.objects.filter(pk=IndexChange.objects.latest("pk").pk).update(
        at=timezone.now() - datetime.timedelta(seconds=60)
    )
    assert seen > 0
    assert set(engine.matching(container, parse({"concept": "technology:ai"}))) == {
        early.pk,
        late.pk,
    }
    assert builds["n"] == 1


def test_the_snapshot_gives_the_index_back_and_is_followed_by_the_log(builds, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    container = containers.get("organisation")
    first = organisation("Zeta", "nace:C10")
    organisation("alpha", "technology:ai")
    built = index.for_container(container)
    assert builds["n"] == 1 and snapshot.path_of(container).exists()
    index.forget()  # a new process
    loaded = index.for_container(container)
    assert builds["n"] == 1  # loaded, not built
    assert loaded.universe == built.universe and loaded.by_concept == built.by_concept
    assert loaded.ordering.chunks == built.ordering.chunks
    everyone = BitMap(built.universe)
    assert loaded.members.counts(everyone).tolist() == built.members.counts(everyone).tolist()
    first.name = "Beta"
    first.save()
    index.forget()  # another new process: the snapshot, then the log since it
    ordered = [Organisation.objects.get(pk=pk).name for pk in names_in_order()]
    assert ordered == ["alpha", "Beta"]
    assert builds["n"] == 1


def test_a_damaged_snapshot_is_rebuilt_not_trusted(builds, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    container = containers.get("organisation")
    organisation("One", "nace:C10")
    index.for_container(container)
    path = snapshot.path_of(container)
    path.write_bytes(path.read_bytes()[:50])
    index.forget()
    assert len(engine.matching(container, None)) == 1
    assert builds["n"] == 2


def test_a_bump_rebuilds(builds):
    container = containers.get("organisation")
    organisation("One", "nace:C10")
    index.for_container(container)
    index.bump()
    assert engine.matching(container, None) == BitMap(
        public_organisations().values_list("pk", flat=True)
    )
    assert builds["n"] == 2


def test_a_change_after_an_empty_log_is_applied_not_rebuilt(builds):
    """The log's numbers do not restart: an index read when the log was empty (pruned, or
    never written) sees the next change's number far above 1, and must not take it for a
    sign of rows pruned unseen."""
    container = containers.get("organisation")
    first = organisation("First", "nace:C10")
    IndexChange.objects.all().delete()
    index.forget()
    assert index.for_container(container).seen == (0, 0)
    assert builds["n"] == 1
    organisation("Second", "nace:C10")
    assert IndexChange.objects.order_by("id").first().id > 1
    found = engine.matching(container, parse({"concept": "nace:C10"}))
    assert len(found) == 2 and first.pk in found
    assert builds["n"] == 1


def test_an_index_older_than_the_pruning_rebuilds_when_the_log_has_a_gap(builds):
    container = containers.get("organisation")
    organisation("First", "nace:C10")
    IndexChange.objects.all().delete()
    index.forget()
    idx = index.for_container(container)
    # Read two days ago: rows it never saw may have been pruned since.
    idx.read_at -= 2 * 86400
    organisation("Second", "nace:C10")
    assert len(engine.matching(container, parse({"concept": "nace:C10"}))) == 2
    assert builds["n"] == 2
