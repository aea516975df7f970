"""Bulk import of measurements from CSV.

The whole file is checked first; every bad line is reported with its number, the
field and the reason. Then either nothing is imported (the default when a line is
wrong) or, if staff choose so, exactly the valid lines — in one transaction either way.

Columns (header required, `;` or `,` separated, UTF-8 with or without BOM):
`indicator`, `date`, `value`, `source_url` or `source_publication`, optional `unit`
and `note`.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoria.core.services import record_audit
from territoria.ecosystem.models import Publication
from territoria.strategy.models import Indicator, Measurement, MeasurementImport, unit_problem

REQUIRED_COLUMNS = ("indicator", "date", "value")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, "unit", "source_url", "source_publication", "note")
MAX_LINES = 50_000
MAX_NOTE = 2000
MAX_URL = 200  # the column's size


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Row:
    line: int
    indicator: Indicator
    measured_on: datetime.date
    value: Decimal
    source_url: str
    source_publication: Publication | None
    note: str


@dataclass
class Check:
    rows: list[Row]
    problems: list[Problem]
    lines: int

    @property
    def bad_lines(self) -> set[int]:
        return {p.line for p in self.problems}

    @property
    def valid_rows(self) -> list[Row]:
        bad = self.bad_lines
        return [row for row in self.rows if row.line not in bad]


class MeasurementImportError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {p.line}, {p.field}: {p.message}" for p in problems[:20]))


NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?", re.ASCII)


def shown(text: str, limit: int = 60) -> str:
    """User text echoed in a message, cut to a readable length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_number(text: str) -> Decimal:
    """`58414`, `58 414`, `3,1` (Belgian decimal comma) or `3.1`; raises ValueError.

    Plain digits only: no exponent, sign `+`, underscore or non-Latin digits.
    """
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in cleaned and "." in cleaned:
        raise ValueError(_("write the number without thousands separators, e.g. 1234.5"))
    if not NUMBER.fullmatch(cleaned):
        raise ValueError(_("“%s” is not a number") % shown(text))
    return Decimal(cleaned.replace(",", "."))


def parse_date(text: str) -> datetime.date:
    """ISO `2024-12-31` or Belgian `31/12/2024`; raises ValueError."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%s” is not a date (write 2024-12-31 or 31/12/2024)") % shown(text))


def _reader(text: str) -> "csv.DictReader[str]":
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)


def check_measurements(text: str) -> Check:
    """Every problem of the file, and the rows it would create."""
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        return Check([], [Problem(1, "", _("the file is not a text CSV file"))], 0)
    reader = _reader(text)
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if not {"source_url", "source_publication"} & set(columns):
        missing.append("source_url")
    if missing:
        return Check([], [Problem(1, "", _("missing column(s): %s") % ", ".join(missing))], 0)
    unknown = [c for c in columns if c and c not in KNOWN_COLUMNS]
    if unknown:
        return Check(
            [],
            [
                Problem(
                    1,
                    "",
                    _("unknown column(s): %(unknown)s; expected: %(known)s")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(KNOWN_COLUMNS)},
                )
            ],
            0,
        )
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        return Check(
            [], [Problem(1, "", _("column(s) given twice: %s") % ", ".join(duplicated))], 0
        )
    raw_rows: list[tuple[int, dict[str | Any, Any]]] = []
    try:
        for raw in reader:
            # The reader's line count: the line where the record ends (blank lines counted).
            if len(raw_rows) >= MAX_LINES:
                return Check(
                    [],
                    [
                        Problem(
                            reader.line_num, "", _("more than %d lines; split the file") % MAX_LINES
                        )
                    ],
                    0,
                )
            raw_rows.append((reader.line_num, raw))
    except csv.Error as error:
        return Check([], [Problem(reader.line_num, "", _("unreadable CSV: %s") % error)], 0)
    if not raw_rows:
        return Check([], [Problem(1, "", _("the file has no data line"))], 0)
    return _check_rows(raw_rows)


def _check_rows(raw_rows: list[tuple[int, dict[str | Any, Any]]]) -> Check:
    codes = {(raw.get("indicator") or "").strip() for _line, raw in raw_rows}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    publication_ids = {(raw.get("source_publication") or "").strip() for _line, raw in raw_rows} - {
        ""
    }
    publications = {
        str(p.pk): p
        for p in Publication.objects.filter(
            pk__in=[int(i) for i in publication_ids if re.fullmatch(r"[0-9]{1,18}", i)]
        )
    }
    existing = set(
        Measurement.objects.filter(indicator__in=indicators.values()).values_list(
            "indicator__code", "measured_on"
        )
    )
    rows: list[Row] = []
    problems: list[Problem] = []
    lines = 0
    seen: dict[tuple[str, datetime.date], int] = {}
    today = timezone.localdate()
    url_validator = URLValidator(schemes=["http", "https"])
    for line, raw in raw_rows:
        if None in raw:
            problems.append(Problem(line, "", _("more values than columns")))
            lines += 1
            continue
        values = {key: (value or "").strip() for key, value in raw.items()}
        if not any(values.values()):
            continue  # a blank line
        lines += 1
        line_problems: list[Problem] = []

        def wrong(
            field: str, message: str, line: int = line, found: list[Problem] = line_problems
        ) -> None:
            found.append(Problem(line, field, message))

        indicator = indicators.get(values.get("indicator", ""))
        if not values.get("indicator"):
            wrong("indicator", _("missing"))
        elif indicator is None:
            wrong("indicator", _("unknown indicator “%s”") % shown(values["indicator"]))
        measured_on = None
        if not values.get("date"):
            wrong("date", _("missing"))
        else:
            try:
                measured_on = parse_date(values["date"])
            except ValueError as error:
                wrong("date", str(error))
            else:
                if measured_on > today:
                    wrong("date", _("in the future"))
        value = None
        if not values.get("value"):
            wrong("value", _("missing"))
        else:
            try:
                value = parse_number(values["value"])
            except ValueError as error:
                wrong("value", str(error))
            else:
                problem = unit_problem(indicator.unit if indicator else "", value)
                if problem:
                    wrong("value", problem)
        unit = values.get("unit", "")
        if unit and indicator is not None and unit != indicator.unit:
            wrong(
                "unit",
                _("the indicator is measured in “%(expected)s”, not “%(given)s”")
                % {"expected": indicator.unit, "given": shown(unit)},
            )
        source_url = values.get("source_url", "")
        publication = None
        if len(source_url) > MAX_URL:
            wrong("source_url", _("longer than %d characters") % MAX_URL)
        elif source_url:
            try:
                url_validator(source_url)
            except ValidationError:
                wrong("source_url", _("not a web address: %s") % shown(source_url))
        publication_key = values.get("source_publication", "")
        if publication_key:
            publication = publications.get(publication_key)
            if publication is None:
                wrong(
                    "source_publication",
                    _("no publication has the id “%s”") % shown(publication_key),
                )
        if not source_url and not publication_key:
            wrong("source_url", _("every measurement needs its source (address or publication)"))
        note = values.get("note", "")
        if len(note) > MAX_NOTE:
            wrong("note", _("longer than %d characters") % MAX_NOTE)
        if indicator is not None and measured_on is not None:
            key = (indicator.code, measured_on)
            if key in existing:
                wrong("date", _("this indicator already has a value on this date"))
            elif key in seen:
                wrong("date", _("same indicator and date as line %d") % seen[key])
            else:
                seen[key] = line
        problems.extend(line_problems)
        if not line_problems and indicator is not None and measured_on and value is not None:
            rows.append(Row(line, indicator, measured_on, value, source_url, publication, note))
    return Check(rows, problems, lines)


def _create(rows: Iterable[Row]) -> int:
    created = Measurement.objects.bulk_create(
        Measurement(
            indicator=row.indicator,
            measured_on=row.measured_on,
            value=row.value,
            source_url=row.source_url,
            source_publication=row.source_publication,
            note=row.note,
        )
        for row in rows
    )
    return len(created)


def import_measurements(
    text: str, file_name: str = "", actor: Any = None, only_valid: bool = False
) -> MeasurementImport:
    """Check and import a file in one go (the command line's way).

    Raises MeasurementImportError, writing no measurement, if a line is wrong, unless
    `only_valid`, which imports exactly the valid lines.
    """
    with transaction.atomic():
        staged = stage_import(file_name, text, actor)
        if staged.problems and not only_valid:
            problems = [Problem(**p) for p in staged.problems]
            cancel_import(staged, actor)
            raise MeasurementImportError(problems)
        return confirm_import(staged, actor, only_valid)


def stage_import(file_name: str, text: str, actor: Any) -> MeasurementImport:
    """Check an uploaded file and keep it until staff confirm."""
    check = check_measurements(text)
    return MeasurementImport.objects.create(
        file_name=file_name[:255],
        content=text,
        lines=check.lines,
        valid_lines=len(check.valid_rows),
        problems=[p.as_dict() for p in check.problems],
        created_by=actor,
    )


class ImportRefused(ValueError):
    pass


def confirm_import(staged: MeasurementImport, actor: Any, only_valid: bool) -> MeasurementImport:
    """Import a checked file, re-checking it against the database as it is now.

    If a line has become wrong meanwhile (say, a value was recorded by hand), the new
    report is kept and nothing is imported unless `only_valid`.
    """
    refusal = None
    with transaction.atomic():
        staged = MeasurementImport.objects.select_for_update().get(pk=staged.pk)
        if staged.status != MeasurementImport.Status.CHECKED:
            raise ImportRefused(_("This file was already imported or cancelled."))
        check = check_measurements(staged.content)
        staged.problems = [p.as_dict() for p in check.problems]
        staged.valid_lines = len(check.valid_rows)
        if check.problems and not only_valid:
            staged.save(update_fields=["problems", "valid_lines"])
            refusal = ImportRefused(
                _("The file has %d wrong line(s): nothing was imported.") % len(check.bad_lines)
            )
        else:
            staged.imported = _create(check.valid_rows)
            staged.status = MeasurementImport.Status.IMPORTED
            staged.finished_at = timezone.now()
            staged.save()
            record_audit(
                actor,
                "measurement.import",
                staged,
                after={
                    "file": staged.file_name,
                    "imported": staged.imported,
                    "refused_lines": sorted(check.bad_lines),
                },
            )
    if refusal is not None:
        raise refusal
    return staged


def cancel_import(staged: MeasurementImport, actor: Any) -> None:
    with transaction.atomic():
        staged = MeasurementImport.objects.select_for_update().get(pk=staged.pk)
        if staged.status != MeasurementImport.Status.CHECKED:
            raise ImportRefused(_("This file was already imported or cancelled."))
        staged.status = MeasurementImport.Status.CANCELLED
        staged.finished_at = timezone.now()
        staged.save(update_fields=["status", "finished_at"])
        record_audit(actor, "measurement.import_cancel", staged)
