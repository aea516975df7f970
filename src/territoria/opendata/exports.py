"""Dataset exports: a stream of rows in, a stream of bytes out, in each Opendatasoft format.

Every writer takes the rows as an iterator and never holds more than a batch of them, so
an export of millions of rows runs in flat memory: CSV and JSON flush a text buffer every
`ROWS_PER_CHUNK` rows, Parquet writes a row group every `ROWS_PER_ROW_GROUP` rows into a
sink that is drained after each one, and XLSX goes through xlsxwriter's constant-memory
mode into a temporary directory whose file is then streamed and deleted. `compressed`
wraps any of them in a streaming gzip.

Values are converted only where the target needs it (booleans, datetimes, lists, points
in CSV), column by column over a batch: a per-cell function call on every column would
cost more than the CSV writing itself.

Excel stops at 1,048,576 rows: an XLSX export holds the header and at most the first
1,048,575 rows, silently, since an error half-way through a response reaches nobody.

Formulas. A CSV is the file people open in a spreadsheet (Opendatasoft's own v2.1 CSV
starts with a BOM by default for Excel's sake), and a spreadsheet runs a cell that starts
with `=`, `+`, `-` or `@` (or a tab or CR) as a formula: `=HYPERLINK(…)` in an
organisation's name would become a link that sends the sheet's data away. So every CSV
the Open Data writes (the API's `exports/csv`, the dataset pages' and the directory's
downloads, `territoria export`) writes such a text cell with a leading apostrophe, the
one rule of `territoria.core.http.spreadsheet_text` (PostgreSQL's COPY applies the same
rule, `pgcopy.py`). Only text cells: numbers, dates, booleans and points are written by
the server, never from someone's text, and a negative number is not a formula. The
other formats keep every value exactly: JSON, JSON Lines, GeoJSON and Parquet are read
by programs, and the XLSX writes texts as text cells, which a spreadsheet never runs.
Opendatasoft's Explore API has no parameter asking for raw CSV cells, and none is added:
a program that needs the exact texts reads JSON, JSON Lines or Parquet (the same
records, the same parameters).
"""

import csv
import datetime
import io
import json
import math
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from territoria.core.http import spreadsheet_text
from territoria.opendata.registry import TYPES

ROWS_PER_CHUNK = 1_000
ROWS_PER_ROW_GROUP = 20_000  # a row group is held in memory before it is written
BYTES_PER_CHUNK = 64 * 1024
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header.
PARQUET_COMPRESSIONS = ("snappy", "zstd", "gzip", "brotli", "none")


class ExportOptionError(ValueError):
    """An export parameter with a value the export cannot honour."""


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    multivalued: bool = False

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class ExportOptions:
    delimiter: str = ";"
    with_bom: bool = True  # Opendatasoft documents true as the default for CSV
    use_labels: bool = False
    list_separator: str = ","
    quote_all: bool = False
    compressed: bool = False
    parquet_compression: str = "snappy"
    # A CSV's text that would start a formula gets a leading apostrophe (see the module's
    # docstring): always so for the Open Data; not an API parameter.
    spreadsheet_safe: bool = True

    def __post_init__(self) -> None:
        if len(self.delimiter) != 1 or self.delimiter in '"\r\n':
            raise ExportOptionError(
                "delimiter must be a single character other than a double quote, CR or LF, "
                f"got {self.delimiter!r}"
            )
        if not self.list_separator:
            raise ExportOptionError("list_separator cannot be empty")
        if self.parquet_compression not in PARQUET_COMPRESSIONS:
            raise ExportOptionError(
                f"parquet_compression must be one of {', '.join(PARQUET_COMPRESSIONS)}, "
                f"got {self.parquet_compression!r}"
            )


Rows = Iterable[Sequence[Any]]
Writer = Callable[[list[Column], Rows, ExportOptions], Iterator[bytes]]
Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str
    writer: Writer


def stream(
    format_name: str, columns: list[Column], rows: Rows, options: ExportOptions
) -> Iterator[bytes]:
    """The export of `rows` in `format_name`, as chunks of bytes.

    Not a generator itself: an export the columns cannot make (GeoJSON without a point)
    raises ExportOptionError here, before the response starts.
    """
    chunks = _format(format_name).writer(columns, rows, options)
    return compress(chunks) if options.compressed else chunks


def filename(dataset_id: str, format_name: str, options: ExportOptions) -> str:
    """The download's file name: `organisations.csv`, `organisations.csv.gz`."""
    name = f"{dataset_id}.{_format(format_name).extension}"
    return f"{name}.gz" if options.compressed else name


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def parse_options(params: Mapping[str, str]) -> ExportOptions:
    """The export options among query-string parameters; other parameters are ignored."""
    values: dict[str, Any] = {}
    for name in ("delimiter", "list_separator"):
        if name in params:
            values[name] = params[name]
    if "parquet_compression" in params:
        values["parquet_compression"] = params["parquet_compression"].lower()
    for name in ("with_bom", "use_labels", "quote_all", "compressed"):
        if name in params:
            try:
                values[name] = _BOOLEANS[params[name].strip().lower()]
            except KeyError:
                raise ExportOptionError(
                    f"{name} must be true or false (or 1/0, yes/no), got {params[name]!r}"
                ) from None
    return ExportOptions(**values)


def _format(format_name: str) -> Format:
    try:
        return FORMATS[format_name]
    except KeyError:
        raise ExportOptionError(
            f"unknown export format {format_name!r}; the formats are: {', '.join(FORMATS)}"
        ) from None


# --- Shared plumbing -----------------------------------------------------------------------


def _batches(rows: Rows, size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _converted(
    batch: list[Sequence[Any]],
    converters: list[tuple[int, Converter]],
    texts: Sequence[int] = (),
) -> Iterable[Sequence[Any]]:
    """The batch with the non-null values of some columns converted, then the texts of
    the columns `texts` made safe for a spreadsheet (`spreadsheet_text`).

    Transposing costs two C-level zips; one comprehension per converted column then
    replaces a Python loop over every row.
    """
    if not converters and not texts:
        return batch
    by_column: list[Sequence[Any]] = list(zip(*batch, strict=True))
    for index, convert in converters:
        by_column[index] = [None if value is None else convert(value) for value in by_column[index]]
    for index in texts:
        by_column[index] = [
            spreadsheet_text(value) if value.__class__ is str else value
            for value in by_column[index]
        ]
    return zip(*by_column, strict=True)


def _lat_lon(point: Mapping[str, float]) -> str:
    # Opendatasoft's own CSV and spreadsheet exports write a point as "lat, lon".
    return f"{plain_number(point['lat'])}, {plain_number(point['lon'])}"


def plain_number(number: float) -> int | float:
    """A double as text exports write it, unlocalised: a whole number without a spurious
    ".0" (80, not 80.0), as PostgreSQL prints it (`pgcopy.py`)."""
    # From 1e15 PostgreSQL writes 1e+15, and Python one power of ten later: left as it is.
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _finite(number: float) -> float | None:
    # NaN and infinities are not JSON; a PostgreSQL double may hold them.
    return number if math.isfinite(number) else None


def compress(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A byte stream gzipped as it goes."""
    # Level 4: on a benchmark CSV, 5% larger than level 6 in less than half the time.
    compressor = zlib.compressobj(4, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    for chunk in chunks:
        # A sync flush per chunk lets each one reach the client as soon as it is written.
        data = compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if data:
            yield data
    yield compressor.flush()


# --- CSV -----------------------------------------------------------------------------------


def _csv_converters(columns: list[Column], options: ExportOptions) -> list[tuple[int, Converter]]:
    # str, int and date already print as they should (a date's str() is ISO 8601).
    converters: list[tuple[int, Converter]] = []
    for index, column in enumerate(columns):
        convert: Converter | None = None
        if column.multivalued:
            convert = options.list_separator.join
        elif column.type == "boolean":
            convert = {True: "true", False: "false"}.__getitem__
        elif column.type == "datetime":
            convert = datetime.datetime.isoformat
        elif column.type == "geo_point_2d":
            convert = _lat_lon
        elif column.type == "double":
            convert = plain_number
        if convert is not None:
            converters.append((index, convert))
    return converters


def _csv_texts(columns: list[Column], options: ExportOptions) -> list[int]:
    """The columns whose cells are texts from the data, which a spreadsheet could run."""
    if not options.spreadsheet_safe:
        return []
    return [i for i, column in enumerate(columns) if column.type == "text" or column.multivalued]


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def csv_header(columns: list[Column], options: ExportOptions) -> bytes:
    """The header line (with the BOM when asked), as the CSV writer starts its output."""
    buffer = io.StringIO()
    if options.with_bom:
        buffer.write("\ufeff")
    csv.writer(
        buffer,
        delimiter=options.delimiter,
        quoting=csv.QUOTE_ALL if options.quote_all else csv.QUOTE_MINIMAL,
        lineterminator="\n",
    ).writerow([column.label if options.use_labels else column.name for column in columns])
    return buffer.getvalue().encode()


def _csv_writer(buffer: io.StringIO, options: ExportOptions, lineterminator: str) -> Any:
    return csv.writer(
        buffer,
        delimiter=options.delimiter,
        quoting=csv.QUOTE_ALL if options.quote_all else csv.QUOTE_MINIMAL,
        lineterminator=lineterminator,
    )


def _csv(columns: list[Column], rows: Rows, options: ExportOptions) -> Iterator[bytes]:
    buffer = io.StringIO()
    # LF line ends, as PostgreSQL's COPY writes them (pgcopy.py).
    writer = _csv_writer(buffer, options, "\n")
    buffer.write(csv_header(columns, options).decode())
    converters = _csv_converters(columns, options)
    texts = _csv_texts(columns, options)
    for batch in _batches(rows, ROWS_PER_CHUNK):
        converted = list(_converted(batch, converters, texts))
        start = buffer.tell()
        writer.writerows(converted)
        if "\r" in buffer.getvalue()[start:]:
            buffer.seek(start)
            buffer.truncate()
            buffer.write(_rows_quoting_cr(converted, options))
        yield _take(buffer)
    if buffer.tell():  # no rows: the header alone
        yield _take(buffer)


def _rows_quoting_cr(rows: list[Sequence[Any]], options: ExportOptions) -> str:
    """Rows whose fields holding a CR are quoted, as COPY quotes them. csv.writer quotes
    only its line terminator's characters, and a bare CR ends a row for a spreadsheet: the
    rest of the text would start a cell of its own, a formula perhaps. A writer ending its
    lines with CR LF quotes both; each row's CR LF then becomes LF again. Rare (a batch
    with a CR somewhere), so the common batch stays one C-level writerows()."""
    buffer = io.StringIO()
    writer = _csv_writer(buffer, options, "\r\n")
    lines = []
    for row in rows:
        writer.writerow(row)
        lines.append(buffer.getvalue()[:-2] + "\n")
        buffer.seek(0)
        buffer.truncate()
    return "".join(lines)


# --- JSON, JSON lines, GeoJSON -------------------------------------------------------------

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _json_converters(columns: list[Column]) -> list[tuple[int, Converter]]:
    converters: list[tuple[int, Converter]] = []
    for index, column in enumerate(columns):
        if column.multivalued:
            continue
        if column.type == "date":
            converters.append((index, datetime.date.isoformat))
        elif column.type == "datetime":
            converters.append((index, datetime.datetime.isoformat))
        elif column.type == "double":
            converters.append((index, _finite))
    return converters


def _objects(columns: list[Column], rows: Rows) -> Iterator[list[str]]:
    """Each batch of rows as JSON objects keyed by field name."""
    names = [column.name for column in columns]
    converters = _json_converters(columns)
    for batch in _batches(rows, ROWS_PER_CHUNK):
        yield [_encode(dict(zip(names, row, strict=True))) for row in _converted(batch, converters)]


def _json(columns: list[Column], rows: Rows, options: ExportOptions) -> Iterator[bytes]:
    separator = "["
    for objects in _objects(columns, rows):
        yield (separator + ",\n".join(objects)).encode()
        separator = ",\n"
    yield b"[]" if separator == "[" else b"]"


def _jsonl(columns: list[Column], rows: Rows, options: ExportOptions) -> Iterator[bytes]:
    for objects in _objects(columns, rows):
        yield ("\n".join(objects) + "\n").encode()


def _geojson(columns: list[Column], rows: Rows, options: ExportOptions) -> Iterator[bytes]:
    points = [
        index
        for index, column in enumerate(columns)
        if column.type == "geo_point_2d" and not column.multivalued
    ]
    if not points:
        raise ExportOptionError("geojson needs a dataset with a geo_point_2d field")
    geometry_index = points[0]
    return _features(columns, rows, geometry_index)


def _features(columns: list[Column], rows: Rows, geometry_index: int) -> Iterator[bytes]:
    names = [column.name for column in columns]
    converters = _json_converters(columns)
    opening = '{"type":"FeatureCollection","features":[\n'
    separator = opening
    for batch in _batches(rows, ROWS_PER_CHUNK):
        features = []
        for row in _converted(batch, converters):
            properties = dict(zip(names, row, strict=True))
            point = properties.pop(names[geometry_index])
            geometry = (
                None
                if point is None
                else {"type": "Point", "coordinates": [point["lon"], point["lat"]]}
            )
            features.append(
                _encode({"type": "Feature", "geometry": geometry, "properties": properties})
            )
        yield (separator + ",\n".join(features)).encode()
        separator = ",\n"
    yield ((opening if separator == opening else "") + "\n]}\n").encode()


# --- Parquet -------------------------------------------------------------------------------

_ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "boolean": pa.bool_(),
    "geo_point_2d": pa.struct([("lon", pa.float64()), ("lat", pa.float64())]),
}


class _Sink:
    """A write-only file for ParquetWriter whose written bytes are taken away as they come."""

    closed = False

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        # The position in the whole file: Parquet's footer records offsets from its start.
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _parquet(columns: list[Column], rows: Rows, options: ExportOptions) -> Iterator[bytes]:
    schema = pa.schema(
        [
            (
                column.name,
                pa.list_(pa.string()) if column.multivalued else _ARROW_TYPES[column.type],
            )
            for column in columns
        ]
    )
    sink = _Sink()
    writer = pq.ParquetWriter(sink, schema, compression=options.parquet_compression)
    try:
        for batch in _batches(rows, ROWS_PER_ROW_GROUP):
            arrays = [
                pa.array(values, type=field.type)
                for values, field in zip(zip(*batch, strict=True), schema, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            yield sink.drain()
    finally:
        writer.close()
    yield sink.drain()


# --- XLSX ----------------------------------------------------------------------------------

CellWriter = Callable[[int, int, Any], Any]


def _xlsx(columns: list[Column], rows: Rows, options: ExportOptions) -> Iterator[bytes]:
    # One directory for xlsxwriter's row file and the workbook: removed whatever happens.
    with tempfile.TemporaryDirectory(prefix="territoria-export-") as directory:
        path = os.path.join(directory, "export.xlsx")
        workbook = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "tmpdir": directory,
                # Cell contents are data, never formulas or links to follow.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "nan_inf_to_errors": True,
            },
        )
        sheet = workbook.add_worksheet()
        sheet.freeze_panes(1, 0)
        bold = workbook.add_format({"bold": True})
        for index, column in enumerate(columns):
            sheet.write_string(0, index, column.label if options.use_labels else column.name, bold)
        writers = [_cell_writer(workbook, sheet, column, options) for column in columns]
        for row_index, row in enumerate(islice(rows, XLSX_MAX_ROWS), start=1):
            for column_index, (write, value) in enumerate(zip(writers, row, strict=True)):
                if value is not None:
                    write(row_index, column_index, value)
        workbook.close()
        with open(path, "rb") as file:
            while chunk := file.read(BYTES_PER_CHUNK):
                yield chunk


def _cell_writer(workbook: Any, sheet: Any, column: Column, options: ExportOptions) -> CellWriter:
    if column.multivalued:
        separator = options.list_separator
        return lambda row, col, value: sheet.write_string(row, col, separator.join(value))
    if column.type == "date":
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        return lambda row, col, value: sheet.write_datetime(row, col, value, date_format)
    if column.type == "datetime":
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        # Excel has no time zones: the wall-clock time in the value's own offset.
        return lambda row, col, value: sheet.write_datetime(
            row, col, value.replace(tzinfo=None), datetime_format
        )
    if column.type == "geo_point_2d":
        return lambda row, col, value: sheet.write_string(row, col, _lat_lon(value))
    # The typed methods, not write(): its guessing from the value's look is not wanted.
    plain: dict[str, CellWriter] = {
        "text": sheet.write_string,
        "int": sheet.write_number,
        "double": sheet.write_number,
        "boolean": sheet.write_boolean,
    }
    return plain[column.type]


FORMATS: dict[str, Format] = {
    "csv": Format("text/csv; charset=utf-8", "csv", _csv),
    "json": Format("application/json", "json", _json),
    "jsonl": Format("application/jsonl", "jsonl", _jsonl),
    "geojson": Format("application/geo+json", "geojson", _geojson),
    "parquet": Format("application/vnd.apache.parquet", "parquet", _parquet),
    "xlsx": Format(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", _xlsx
    ),
}
