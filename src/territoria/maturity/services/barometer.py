"""The barometer: a questionnaire's mean scores per closed year, by NACE section, size
class and province, as the public page, the peers of a report and the Open Data dataset
show them.

Who counts: companies whose assessment was made from an account the agency linked to
them (`assessments.respondent_of`), each once a year with its latest assessment of the
year. A year's figures are published once the year is over, and never computed again: a
figure that moved whenever one company answered would give that company's scores to
whoever read it before and after. What is published follows `core.disclosure`: no group
under five respondents, none to be had by subtraction. A questionnaire's versions may
differ in their dimensions: a year counts the assessments of its most common set of
dimensions only, and a dimension is shown for a group only when every respondent of the
group was scored on it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from territoria.core.disclosure import Atom, Cell, cell_of, protect
from territoria.core.sqlite.base import writes
from territoria.maturity.definition import OVERALL
from territoria.maturity.models import Assessment, BarometerYear, Benchmark, DimensionScore
from territoria.maturity.scoring import tenth

# The questionnaire whose barometer the public page and the Open Data dataset publish
# (peers of the other questionnaires follow the same rule).
BAROMETER = "digiscore"

# What a year's figures are grouped by, in `Atom` order, and the groupings published:
# everyone, by section, by size, by province, by section and size (a report's peers).
GROUPED_BY = ("nace_section", "size_class", "province")
GROUPINGS = [(), (0,), (1,), (2,), (0, 1)]
# Assessments whose dimension scores are read in one query (under SQLite's 32,766
# parameters).
CHUNK = 5_000


def counted(code: str) -> QuerySet[Assessment]:
    """The assessments a questionnaire's barometer counts: each counted respondent's latest
    of each year."""
    return Assessment.objects.filter(questionnaire__code=code, is_latest_of_year=True).exclude(
        respondent=""
    )


def publications(code: str) -> list[BarometerYear]:
    """Every closed year's figures, oldest first; a closed year not published yet is
    published now (once: the first reader in January does it)."""
    published = {p.year: p for p in BarometerYear.objects.filter(questionnaire_code=code)}
    this_year = timezone.localdate().year
    if published:
        since = max(published) + 1
    else:
        since = counted(code).aggregate(first=Min("year"))["first"] or this_year
    # Every closed year gets its row, one with no respondents too: a reader then only
    # asks whether the years since the last row are over, never scans the assessments.
    for year in range(since, this_year):
        published[year] = publish(code, year)
    return [published[year] for year in sorted(published) if published[year].respondents]


def publish(code: str, year: int) -> BarometerYear:
    """Compute and keep a year's figures; a year already published is left as it is."""
    if year >= timezone.localdate().year:
        raise ValueError(f"{year} is not over: its figures would change with every answer")
    try:
        with writes(), transaction.atomic():  # a GET may publish: take the write lock first
            return _publish(code, year)
    except IntegrityError:  # published meanwhile by another request: read on the primary
        found = BarometerYear.objects.using(DEFAULT_DB_ALIAS)
        return found.get(questionnaire_code=code, year=year)


def _publish(code: str, year: int) -> BarometerYear:
    rows = list(
        counted(code)
        .filter(year=year)
        .values_list("pk", *GROUPED_BY, "overall", "questionnaire__version")
        .order_by()
    )
    scores: dict[int, dict[str, Decimal]] = defaultdict(dict)
    # By the ids just read, a slice at a time: joined to the assessments instead, a table
    # whose statistics lag a bulk load (the demo's, an import's) can get a nested loop
    # over every pair of rows from PostgreSQL's planner.
    pks = [row[0] for row in rows]
    for start in range(0, len(pks), CHUNK):
        dimension_rows = DimensionScore.objects.filter(
            assessment_id__in=pks[start : start + CHUNK]
        ).values_list("assessment_id", "dimension", "score")
        for pk, dimension, score in dimension_rows:
            scores[pk][dimension] = score
    # Like with like: a group's overall mean, less its dimensions' means, would single out
    # the few who answered a version with other dimensions. The year counts the
    # assessments of its most common set of dimensions (the newer version's on a tie).
    sets = Counter(frozenset(scores[pk]) for pk, *_rest in rows)
    newest: dict[frozenset[str], int] = defaultdict(int)
    for pk, *_grouped, _overall, version in rows:
        newest[frozenset(scores[pk])] = max(newest[frozenset(scores[pk])], version)
    main = max(sets, key=lambda dims: (sets[dims], newest[dims]), default=frozenset())
    rows = [row for row in rows if frozenset(scores[row[0]]) == main]
    for pk, _section, _size, _province, overall, _version in rows:
        scores[pk][OVERALL] = overall
    publication = BarometerYear.objects.create(
        questionnaire_code=code, year=year, respondents=len(rows)
    )
    atoms: dict[int, Atom] = {pk: tuple(values) for pk, *values, _overall, _version in rows}
    shown = protect(Counter(atoms.values()), GROUPINGS)
    totals: dict[Cell, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    held: dict[Cell, Counter[str]] = defaultdict(Counter)
    sizes: Counter[Cell] = Counter()
    for pk, atom in atoms.items():
        for grouping in GROUPINGS:
            cell = cell_of(atom, grouping)
            if cell not in shown:
                continue
            sizes[cell] += 1
            for dimension, score in scores[pk].items():
                totals[cell][dimension] += score
                held[cell][dimension] += 1
    Benchmark.objects.bulk_create(
        Benchmark(
            publication=publication,
            nace_section=cell[0],
            size_class=cell[1],
            province=cell[2],
            dimension=dimension,
            mean_score=tenth(total / sizes[cell]),
            respondents=sizes[cell],
        )
        for cell, dimensions in totals.items()
        for dimension, total in dimensions.items()
        if held[cell][dimension] == sizes[cell]  # every respondent of the group has it
    )
    return publication
