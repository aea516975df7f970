"""Services of the ecosystem app."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    Field,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from pyroaring import BitMap

from territoria.core.i18n import current_language, localized_value
from territoria.ecosystem.models import (
    SEARCH_TABLE,
    Organisation,
    normalise_for_search,
)


def search_condition(query: str) -> Q:
    """Every word of `query` in the names, number, place or descriptions.

    Accents and case are ignored ("liege" finds "Liège"); an empty query selects all. A
    word is found anywhere in a word ("ix" finds "Nexalis"); from three letters on, through
    an index (PostgreSQL's trigram index, SQLite's FTS5 trigram table).
    """
    condition = Q()
    for term in normalise_for_search(query).split()[:10]:
        if len(term) >= 3 and connection.vendor == "sqlite":
            # The same rows as `search_text LIKE '%term%'`, from the index.
            sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE search_text MATCH %s"  # noqa: S608
            matches = RawSQL(sql, [fts_phrase(term)])  # noqa: S611 (the word is a parameter)
            condition &= Q(pk__in=matches)
        else:
            condition &= Q(search_text__contains=term)
    return condition


def fts_phrase(term: str) -> str:
    """A word as an FTS5 phrase: quoted, its own quotes doubled (never an operator)."""
    return '"' + term.replace('"', '""') + '"'


def search_ids(query: str) -> BitMap:
    """The ids of every organisation, public or not, that `search_condition(query)` selects.
    On SQLite with words of three letters or more, read from the FTS5 table alone."""
    from territoria.taxonomy import index

    terms = normalise_for_search(query).split()[:10]
    if connection.vendor == "sqlite" and terms and all(len(term) >= 3 for term in terms):
        phrases = " AND ".join(fts_phrase(term) for term in terms)
        with connection.cursor() as cursor:
            sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE search_text MATCH %s"  # noqa: S608
            cursor.execute(sql, [phrases])
            # Tens of thousands of one-column rows: unpacked in C, not a Python loop.
            return BitMap(itertools.chain.from_iterable(cursor.fetchall()))
    return index.ids_of(matching_organisations(query))


def ranked_search_ids(query: str) -> list[int] | None:
    """The ids of every organisation, public or not, that `search_condition(query)`
    selects, the most relevant first; None when no word of the query can rank (all under
    three letters): the caller keeps name order.

    The database's own measure of relevance ranks them. On SQLite, FTS5's bm25 over the
    words' trigrams: a text that holds the words more often, or a shorter one, comes first
    (a name and place before a long description that mentions them once). On PostgreSQL,
    trigram similarity: a whole word before part of a word, then a shorter text. Ties keep
    the order of ids.
    """
    terms = normalise_for_search(query).split()[:10]
    long_terms = [term for term in terms if len(term) >= 3]
    if not long_terms:
        return None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # The long words through the index, ranked; the short ones as LIKE on the rows.
            short = [term for term in terms if len(term) < 3]
            join = " JOIN ecosystem_organisation o ON o.id = s.rowid" if short else ""
            narrow = " AND instr(o.search_text, %s) > 0" * len(short)
            sql = f"SELECT s.rowid FROM {SEARCH_TABLE} s{join} WHERE s.search_text MATCH %s{narrow} ORDER BY s.rank, s.rowid"  # noqa: S608 (the words are parameters)
            cursor.execute(sql, [" AND ".join(fts_phrase(t) for t in long_terms), *short])
            return [row[0] for row in cursor.fetchall()]
    from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity

    text = " ".join(long_terms)
    ranked = matching_organisations(query).annotate(
        word=TrigramWordSimilarity(text, "search_text"),
        whole=TrigramSimilarity("search_text", text),
    )
    return list(ranked.order_by("-word", "-whole", "pk").values_list("pk", flat=True))


def matching_organisations(query: str) -> QuerySet[Organisation]:
    """Every organisation, public or not, that `search_condition(query)` selects: for a
    caller that narrows public ids with it (the bitmap index applied the public rule)."""
    return Organisation.objects.filter(search_condition(query))


def search_organisations(query: str) -> QuerySet[Organisation]:
    """The public organisations that `search_condition(query)` selects."""
    return public_organisations().filter(search_condition(query))


def public_organisations() -> QuerySet[Organisation]:
    """The organisations anyone may see and count: all but the natural persons whose
    consent to publication is not recorded (`withheld_person_condition`) and the
    enterprises a KBO/BCE update struck off the register (`struck_off_on`).

    One rule for every public page, magnet, API and dataset; staff alone see the others,
    in the back office and on their own page (`visible_organisations`). Even published, a
    natural person's home stays private: see `with_public_address`.
    """
    return Organisation.objects.filter(struck_off_on__isnull=True).exclude(
        withheld_person_condition()
    )


def is_public(organisation: Organisation) -> bool:
    """Whether anyone may see this organisation (`public_organisations`' rule, for one)."""
    return public_organisations().filter(pk=organisation.pk).exists()


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations whose page `user` may open."""
    return Organisation.objects.all() if user.is_staff else public_organisations()


def withheld_person_condition(prefix: str = "", *, per_row: bool = False) -> Q:
    """Natural persons without a recorded consent to publication: nobody but staff sees them.

    `prefix` reaches the organisation from another model ("organiser__"); `per_row` as
    in `natural_person_condition`.
    """
    no_consent = Q(**{f"{prefix}publication_consent_at__isnull": True})
    return natural_person_condition(prefix, per_row=per_row) & no_consent


def withheld_person(prefix: str = "") -> Case:
    """True where the organisation is withheld (`withheld_person_condition`), as an annotation."""
    return _flag(withheld_person_condition(prefix, per_row=True))


# The parts of an address that locate a natural person's home, withheld from the public.
HOME_ADDRESS_FIELDS: dict[str, type[Field[Any, Any]]] = {
    "street": CharField,
    "latitude": FloatField,
    "longitude": FloatField,
}


def with_public_address(
    organisations: QuerySet[Organisation], user: Any = None, *, per_row: bool = True
) -> QuerySet[Organisation]:
    """`organisations` with `home_address` (True for a natural person's) and `public_street`,
    `public_latitude`, `public_longitude`: what `user` (None: anyone) may see of them.

    A self-employed person's registered address is their home, consent or not: staff alone
    see its street (number and box included, one field) and its coordinates. The postcode
    and locality stay public: thousands of people share them, they locate nobody, and the
    directory's municipality already says as much. Every public place reads these columns.
    `per_row` as in `natural_person_condition`: False for a whole table (an export).
    """
    home = natural_person_condition(per_row=per_row)
    staff = user is not None and user.is_staff
    return organisations.annotate(
        home_address=_flag(home),
        **{
            f"public_{name}": F(name)
            if staff
            else Case(When(home, then=Value(None)), default=F(name), output_field=output())
            for name, output in HOME_ADDRESS_FIELDS.items()
        },
    )


def natural_person(prefix: str = "") -> Case:
    """True where the organisation is a natural person, as an annotation."""
    return _flag(natural_person_condition(prefix, per_row=True))


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def natural_person_condition(prefix: str = "", *, per_row: bool = False) -> Q:
    """Organisations that are natural persons (self-employed): personal data, published
    only with consent (`withheld_person_condition`), their home never (`with_public_address`).

    `prefix` reaches the organisation from another model ("organisation__"). One rule in
    two forms of SQL: a filter over a whole table reads the self-employed tags once, as a
    set (`pk IN (…)`); an annotation of a few rows (`per_row`, a page of twenty out of two
    million) looks up each row's tag in the index instead of reading the whole set.
    """
    tags = _self_employed_tags()
    tagged = (
        Q(Exists(tags.filter(object_id=OuterRef(f"{prefix}pk"))))
        if per_row
        else Q(**{f"{prefix}pk__in": tags.values("object_id")})
    )
    return tagged | Q(**{f"{prefix}natural_person_form": True})


def _self_employed_tags() -> QuerySet[Any]:
    """The organisations' "self-employed" tags, read through the index on (content type,
    concept, object): the concept is looked up first, not joined per tag."""
    from django.contrib.contenttypes.models import ContentType

    from territoria.taxonomy.models import Concept, Tag

    concept = Concept.objects.filter(scheme__code="org-type", notation="self-employed")
    return Tag.objects.filter(
        content_type=ContentType.objects.get_for_model(Organisation),
        concept__in=concept.values("pk"),
    )


# --- The directory's pictures: composition of the selection, organisations per place ----

# The schemes the directory describes its selection by (org type, size class, NACE section),
# and the one it maps.
COMPOSITION_SCHEMES = ("org-type", "size", "nace")
MAP_SCHEME = "territory"


def selection_counts(
    query: str, selected: list[Any], scheme_codes: Sequence[str], found: Any = None
) -> dict[int, int]:
    """For each concept of the schemes, how many organisations of the directory's selection
    (search text and concepts, as `refine` narrows them) it tags, descendants included.

    The directory's own facet counts cannot serve as they are: a scheme with a ticked value
    counts its alternatives (disjunctive facets), and the facet tree keeps municipalities
    folded. So the same bitmap index answers again, for the selection alone: one bitmap
    intersection per concept, in memory; the search text alone costs its query again.
    """
    from territoria.taxonomy import containers, index
    from territoria.taxonomy.engine import engine
    from territoria.taxonomy.services import selection_expression

    container = containers.get("organisation")
    with index.pinned():
        ids = engine.matching(container, selection_expression(selected))
        if query:
            # `ids` holds public records only: the search need not apply the rule again.
            ids = ids & (found if found is not None else search_ids(query))
        # The compositions show each scheme's top values; the map, every municipality.
        tops = [code for code in scheme_codes if code != MAP_SCHEME]
        counts = engine.facet_counts_of(container, ids, tops, expanded=())
        if MAP_SCHEME in scheme_codes:
            counts.update(engine.facet_counts_of(container, ids, [MAP_SCHEME]))
        return counts


@dataclass(frozen=True)
class Share:
    """One value of a composition: a concept, its count in the selection, its bar."""

    code: str
    label: str
    count: int
    percent: int  # of the largest count, for the bar's length (the figure is `count`)


@dataclass(frozen=True)
class Composition:
    scheme: str
    title: str
    shares: list[Share]

    SHOWN = 6

    @property
    def shown(self) -> list[Share]:
        return self.shares[: self.SHOWN]

    @property
    def more(self) -> list[Share]:
        return self.shares[self.SHOWN :]


def compositions(counts: dict[int, int], schemes: Sequence[Any]) -> list[Composition]:
    """Each scheme's top-level values (type, size class, NACE section) with their counts,
    largest first; labels come from the index's catalogue, so this makes no query."""
    from territoria.taxonomy import index

    catalog = index.catalog()
    found = []
    for scheme in schemes:
        rows = [
            (catalog.code(pk), localized_value(row, "label") or row["notation"], counts[pk])
            for pk, row in catalog.rows.items()
            if row["scheme__code"] == scheme.code and row["parent_id"] is None and counts.get(pk)
        ]
        rows.sort(key=lambda r: (-r[2], r[1]))
        largest = rows[0][2] if rows else 0
        shares = [
            Share(code, label, count, max(1, round(100 * count / largest)))
            for code, label, count in rows
        ]
        found.append(Composition(scheme.code, scheme.title, shares))
    return found


@dataclass(frozen=True)
class PlaceCount:
    """A municipality of the territory scheme and its organisations in the selection."""

    notation: str
    code: str
    label: str
    count: int


def place_counts(counts: dict[int, int]) -> list[PlaceCount]:
    """The profile's municipalities that hold organisations of the selection, most first."""
    from territoria.core import territory
    from territoria.taxonomy import index

    catalog = index.catalog()
    language = current_language()
    found = []
    for notation in territory.current().places():
        code = f"{MAP_SCHEME}:{notation}"
        pk = catalog.ids_by_code.get(code)
        if pk is not None and counts.get(pk):
            label = localized_value(catalog.rows[pk], "label", language) or notation
            found.append(PlaceCount(notation, code, label, counts[pk]))
    found.sort(key=lambda p: (-p.count, p.label))
    return found
