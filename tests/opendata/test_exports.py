import csv
import datetime
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from territoria.opendata import exports
from territoria.opendata.exports import (
    FORMATS,
    Column,
    ExportOptionError,
    ExportOptions,
    filename,
    parse_options,
    stream,
)

CEST = datetime.timezone(datetime.timedelta(hours=2))
UTC = datetime.UTC

COLUMNS = [
    Column("id", "Identifiant", "int"),
    Column("name", "Nom", "text"),
    Column("budget", "Budget", "double"),
    Column("founded", "Fondée le", "date"),
    Column("updated", "Mise à jour", "datetime"),
    Column("active", "Active", "boolean"),
    Column("sectors", "Secteurs", "text", multivalued=True),
    Column("location", "Localisation", "geo_point_2d"),
]
ROWS = [
    (
        1,
        'Café "Liège"; rue\r\nde la Gare',
        1234.5,
        datetime.date(2024, 5, 1),
        datetime.datetime(2024, 5, 1, 14, 30, tzinfo=CEST),
        True,
        ["Agro", "Tech"],
        {"lon": 4.8719, "lat": 50.4674},
    ),
    (2, "Ōsaka, Łódź ✓", None, None, None, False, None, None),
    (
        3,
        "",
        0.0,
        datetime.date(1999, 12, 31),
        datetime.datetime(2023, 12, 31, 23, 0, tzinfo=UTC),
        None,
        [],
        {"lon": -0.5, "lat": 51.0},
    ),
]
NAMES = [column.name for column in COLUMNS]
# The rows as every text format writes them back.
CSV_ROWS = [
    [
        "1",
        'Café "Liège"; rue\r\nde la Gare',
        "1234.5",
        "2024-05-01",
        "2024-05-01T14:30:00+02:00",
        "true",
        "Agro,Tech",
        "50.4674, 4.8719",
    ],
    ["2", "Ōsaka, Łódź ✓", "", "", "", "false", "", ""],
    # A whole double is written as an integer, unlocalised (0, not 0.0).
    ["3", "", "0", "1999-12-31", "2023-12-31T23:00:00+00:00", "", "", "51, -0.5"],
]
JSON_OBJECTS = [
    {
        "id": 1,
        "name": 'Café "Liège"; rue\r\nde la Gare',
        "budget": 1234.5,
        "founded": "2024-05-01",
        "updated": "2024-05-01T14:30:00+02:00",
        "active": True,
        "sectors": ["Agro", "Tech"],
        "location": {"lon": 4.8719, "lat": 50.4674},
    },
    {
        "id": 2,
        "name": "Ōsaka, Łódź ✓",
        "budget": None,
        "founded": None,
        "updated": None,
        "active": False,
        "sectors": None,
        "location": None,
    },
    {
        "id": 3,
        "name": "",
        "budget": 0.0,
        "founded": "1999-12-31",
        "updated": "2023-12-31T23:00:00+00:00",
        "active": None,
        "sectors": [],
        "location": {"lon": -0.5, "lat": 51.0},
    },
]


def export(format_name: str, options: ExportOptions | None = None, rows: Any = None) -> bytes:
    chunks = stream(
        format_name, COLUMNS, ROWS if rows is None else rows, options or ExportOptions()
    )
    return b"".join(chunks)


def read_csv(data: bytes, delimiter: str = ";", encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


COUNTED_COLUMNS = [
    Column("id", "Id", "int"),
    Column("name", "Name", "text"),
    Column("location", "Location", "geo_point_2d"),
]


class Counted:
    """Rows made on demand, counting how many were taken."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for index in range(self.count):
            self.taken = index + 1
            yield (index, f"organisation {index}", {"lon": 4.0, "lat": 50.0 + index / 1e6})


# --- CSV -----------------------------------------------------------------------------------


def test_it_writes_csv_that_reads_back_as_the_rows() -> None:
    data = export("csv")

    # With a byte-order mark by default, as Opendatasoft documents (`with_bom`).
    assert data.startswith(b"\xef\xbb\xbfid;name;budget;founded;updated;active;sectors;location\n")
    assert read_csv(data, encoding="utf-8-sig") == [NAMES, *CSV_ROWS]
    without = export("csv", ExportOptions(with_bom=False))
    assert without.startswith(b"id;name;")


def test_it_honours_the_csv_options() -> None:
    options = ExportOptions(
        delimiter="\t", with_bom=True, use_labels=True, list_separator=" | ", quote_all=True
    )

    data = export("csv", options)

    assert data.startswith(b'\xef\xbb\xbf"Identifiant"\t"Nom"\t')
    rows = read_csv(data, delimiter="\t", encoding="utf-8-sig")
    assert rows[0] == [column.label for column in COLUMNS]
    assert rows[1][6] == "Agro | Tech"
    assert rows[2] == ["2", "Ōsaka, Łódź ✓", "", "", "", "false", "", ""]
    assert data.decode("utf-8-sig").splitlines()[-1] == (
        '"3"\t""\t"0"\t"1999-12-31"\t"2023-12-31T23:00:00+00:00"\t""\t""\t"51, -0.5"'
    )


def test_it_quotes_values_holding_the_chosen_delimiter() -> None:
    data = export("csv", ExportOptions(delimiter=","))

    assert '"Ōsaka, Łódź ✓"' in data.decode()
    assert '"50.4674, 4.8719"' in data.decode()
    assert read_csv(data, delimiter=",")[1:] == CSV_ROWS


# --- JSON, JSON lines, GeoJSON -------------------------------------------------------------


def test_it_writes_json_that_reads_back_as_the_rows() -> None:
    assert json.loads(export("json")) == JSON_OBJECTS


def test_it_writes_one_json_object_per_line() -> None:
    lines = export("jsonl").decode().splitlines()

    assert [json.loads(line) for line in lines] == JSON_OBJECTS


def test_it_writes_null_for_a_double_json_cannot_hold() -> None:
    columns = [Column("ratio", "Ratio", "double")]
    rows = [(float("nan"),), (float("inf"),), (0.5,)]

    data = b"".join(stream("json", columns, rows, ExportOptions()))

    assert json.loads(data) == [{"ratio": None}, {"ratio": None}, {"ratio": 0.5}]


def test_it_writes_geojson_features_with_the_point_as_geometry() -> None:
    collection = json.loads(export("geojson"))

    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [feature["type"] for feature in features] == ["Feature"] * 3
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [4.8719, 50.4674]}
    assert features[1]["geometry"] is None
    assert [feature["properties"] for feature in features] == [
        {name: value for name, value in row.items() if name != "location"} for row in JSON_OBJECTS
    ]


def test_it_keeps_a_second_point_among_the_geojson_properties() -> None:
    columns = [Column("site", "Site", "geo_point_2d"), Column("seat", "Seat", "geo_point_2d")]
    rows = [({"lon": 1.0, "lat": 2.0}, {"lon": 3.0, "lat": 4.0})]

    feature = json.loads(b"".join(stream("geojson", columns, rows, ExportOptions())))["features"][0]

    assert feature["geometry"]["coordinates"] == [1.0, 2.0]
    assert feature["properties"] == {"seat": {"lon": 3.0, "lat": 4.0}}


def test_it_refuses_geojson_without_a_point_before_reading_any_row() -> None:
    rows = Counted(10)

    with pytest.raises(ExportOptionError, match="geo_point_2d"):
        stream("geojson", COUNTED_COLUMNS[:2], rows, ExportOptions())

    assert rows.taken == 0


# --- Parquet -------------------------------------------------------------------------------


def test_it_writes_parquet_that_pyarrow_reads_back_as_the_rows() -> None:
    table = pq.read_table(io.BytesIO(export("parquet")))

    assert table.schema.types == [
        pa.int64(),
        pa.string(),
        pa.float64(),
        pa.date32(),
        pa.timestamp("us", tz="UTC"),
        pa.bool_(),
        pa.list_(pa.string()),
        pa.struct([("lon", pa.float64()), ("lat", pa.float64())]),
    ]
    assert table.to_pylist() == [dict(zip(NAMES, row, strict=True)) for row in ROWS]
    # Instants are kept, stored in UTC.
    assert table["updated"][0].as_py() == datetime.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def test_it_writes_parquet_that_duckdb_reads_back_as_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "organisations.parquet"
    path.write_bytes(export("parquet"))

    # timezone('UTC', …) gives naive UTC values: fetching aware ones would need pytz.
    relation = duckdb.execute(
        "select * replace (timezone('UTC', updated) as updated) from read_parquet(?) order by id",
        [str(path)],
    )
    assert relation.fetchall() == [
        (
            1,
            'Café "Liège"; rue\r\nde la Gare',
            1234.5,
            datetime.date(2024, 5, 1),
            datetime.datetime(2024, 5, 1, 12, 30),
            True,
            ["Agro", "Tech"],
            {"lon": 4.8719, "lat": 50.4674},
        ),
        (2, "Ōsaka, Łódź ✓", None, None, None, False, None, None),
        (
            3,
            "",
            0.0,
            datetime.date(1999, 12, 31),
            datetime.datetime(2023, 12, 31, 23, 0),
            None,
            [],
            {"lon": -0.5, "lat": 51.0},
        ),
    ]
    table = duckdb.read_parquet(str(path))
    assert list(zip(table.columns, map(str, table.types), strict=True)) == [
        ("id", "BIGINT"),
        ("name", "VARCHAR"),
        ("budget", "DOUBLE"),
        ("founded", "DATE"),
        ("updated", "TIMESTAMP WITH TIME ZONE"),
        ("active", "BOOLEAN"),
        ("sectors", "VARCHAR[]"),
        ("location", "STRUCT(lon DOUBLE, lat DOUBLE)"),
    ]


@pytest.mark.parametrize(
    ("compression", "codec"),
    [
        ("snappy", "SNAPPY"),
        ("zstd", "ZSTD"),
        ("gzip", "GZIP"),
        ("brotli", "BROTLI"),
        ("none", "UNCOMPRESSED"),
    ],
)
def test_it_compresses_parquet_with_the_chosen_codec(compression: str, codec: str) -> None:
    data = export("parquet", ExportOptions(parquet_compression=compression))

    parquet_file = pq.ParquetFile(io.BytesIO(data))
    assert parquet_file.metadata.row_group(0).column(0).compression == codec
    assert parquet_file.read().to_pylist()[1]["name"] == "Ōsaka, Łódź ✓"


def test_it_writes_a_parquet_row_group_per_batch_and_yields_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "ROWS_PER_ROW_GROUP", 2)
    rows = ROWS + ROWS

    chunks = list(stream("parquet", COLUMNS, rows, ExportOptions()))

    parquet_file = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert parquet_file.metadata.num_row_groups == 3
    assert len(chunks) == 4  # one per row group, then the footer
    assert parquet_file.read()["id"].to_pylist() == [1, 2, 3, 1, 2, 3]


# --- XLSX ----------------------------------------------------------------------------------


def read_xlsx(data: bytes) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(map(unescape, row)) for row in workbook.active.iter_rows(values_only=True)]


def unescape(value: Any) -> Any:
    # Control characters are stored as _xHHHH_ (ECMA-376 ST_Xstring): Excel decodes them,
    # openpyxl does not.
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match[1], 16)), value)


def test_it_writes_xlsx_that_reads_back_as_the_rows() -> None:
    rows = read_xlsx(export("xlsx"))

    assert rows == [
        tuple(NAMES),
        (
            1,
            'Café "Liège"; rue\r\nde la Gare',
            1234.5,
            datetime.datetime(2024, 5, 1),
            datetime.datetime(2024, 5, 1, 14, 30),  # the wall-clock time, in its own offset
            True,
            "Agro,Tech",
            "50.4674, 4.8719",
        ),
        (2, "Ōsaka, Łódź ✓", None, None, None, False, None, None),
        (
            3,
            "",
            0,
            datetime.datetime(1999, 12, 31),
            datetime.datetime(2023, 12, 31, 23),
            None,
            "",
            "51, -0.5",
        ),
    ]


def test_it_formats_xlsx_dates_and_uses_labels() -> None:
    data = export("xlsx", ExportOptions(use_labels=True, list_separator="; "))

    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]] == [column.label for column in COLUMNS]
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["E2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["G2"].value == "Agro; Tech"


def test_it_writes_formula_like_text_as_text_in_xlsx() -> None:
    columns = [Column("name", "Name", "text"), Column("website", "Website", "text")]
    rows = [('=HYPERLINK("https://evil.example")', "https://example.org"), ("0042", "1e3")]

    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(stream("xlsx", columns, rows, ExportOptions())))
    ).active

    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("https://evil.example")'
    assert sheet["B2"].hyperlink is None
    assert [sheet["A3"].value, sheet["B3"].value] == ["0042", "1e3"]


def test_it_stops_xlsx_at_excels_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 5)
    rows = Counted(20)

    data = b"".join(stream("xlsx", COUNTED_COLUMNS, rows, ExportOptions()))

    assert [row[0] for row in read_xlsx(data)] == ["id", 0, 1, 2, 3, 4]
    assert rows.taken == 5


# --- Every format --------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["csv", "json", "jsonl", "geojson", "parquet"])
def test_it_gzips_the_whole_stream(format_name: str) -> None:
    compressed = list(stream(format_name, COLUMNS, ROWS, ExportOptions(compressed=True)))

    assert gzip.decompress(b"".join(compressed)) == export(format_name)


def test_it_gzips_chunk_by_chunk() -> None:
    rows = Counted(5_000)
    chunks = stream("csv", COUNTED_COLUMNS, rows, ExportOptions(compressed=True))

    first = zlib.decompressobj(wbits=31).decompress(next(chunks))

    assert rows.taken <= exports.ROWS_PER_CHUNK
    assert first.startswith(b"\xef\xbb\xbfid;name;location\n0;organisation 0;50, 4\n")
    assert first.endswith(b"\n")


def test_it_gzips_an_xlsx_export_into_a_readable_workbook() -> None:
    data = gzip.decompress(export("xlsx", ExportOptions(compressed=True)))

    assert read_xlsx(data)[2][1] == "Ōsaka, Łódź ✓"


READERS = {
    "csv": lambda data: read_csv(data)[1:],
    "json": lambda data: json.loads(data),
    "jsonl": lambda data: data.decode().splitlines(),
    "geojson": lambda data: json.loads(data)["features"],
    "parquet": lambda data: pq.read_table(io.BytesIO(data)).to_pylist(),
    "xlsx": lambda data: read_xlsx(data)[1:],
}


@pytest.mark.parametrize("format_name", FORMATS)
def test_it_writes_an_empty_export_when_there_are_no_rows(format_name: str) -> None:
    assert READERS[format_name](export(format_name, rows=[])) == []


@pytest.mark.parametrize(
    ("format_name", "count", "batch"),
    [
        ("csv", 300_000, exports.ROWS_PER_CHUNK),
        # Fewer rows for the slower writers, which share the CSV's batching.
        ("json", 30_000, exports.ROWS_PER_CHUNK),
        ("jsonl", 30_000, exports.ROWS_PER_CHUNK),
        ("geojson", 30_000, exports.ROWS_PER_CHUNK),
        ("parquet", 30_000, 5_000),
    ],
)
def test_it_streams_rows_as_they_come(
    format_name: str, count: int, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "ROWS_PER_ROW_GROUP", 5_000)
    rows = Counted(count)
    chunks = stream(format_name, COUNTED_COLUMNS, rows, ExportOptions())

    next(chunks)
    assert 0 < rows.taken <= batch
    remaining = sum(1 for _ in chunks)

    assert rows.taken == count
    assert remaining >= count // batch - 1


# --- Options and names ---------------------------------------------------------------------


def test_it_parses_the_export_options_from_query_parameters() -> None:
    params = {
        "delimiter": ",",
        "with_bom": "true",
        "use_labels": "YES",
        "list_separator": "|",
        "quote_all": "1",
        "compressed": "False",
        "parquet_compression": "ZSTD",
        "limit": "10",  # not an export option: ignored
    }

    assert parse_options(params) == ExportOptions(
        delimiter=",",
        with_bom=True,
        use_labels=True,
        list_separator="|",
        quote_all=True,
        compressed=False,
        parquet_compression="zstd",
    )
    assert parse_options({}) == ExportOptions()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("1", True), ("yes", True)]
    + [("false", False), ("FALSE", False), ("0", False), ("No", False)],
)
def test_it_reads_booleans_in_every_spelling(value: str, expected: bool) -> None:
    assert parse_options({"with_bom": value}).with_bom is expected


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"delimiter": "ab"}, "delimiter"),
        ({"delimiter": '"'}, "delimiter"),
        ({"delimiter": ""}, "delimiter"),
        ({"delimiter": "\n"}, "delimiter"),
        ({"with_bom": "maybe"}, "with_bom"),
        ({"use_labels": ""}, "use_labels"),
        ({"quote_all": "2"}, "quote_all"),
        ({"compressed": "on"}, "compressed"),
        ({"list_separator": ""}, "list_separator"),
        ({"parquet_compression": "lz4"}, "parquet_compression"),
    ],
)
def test_it_names_the_parameter_of_a_bad_option(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(ExportOptionError, match=f"^{parameter} "):
        parse_options(params)


def test_it_names_the_download_after_the_dataset() -> None:
    assert filename("organisations", "csv", ExportOptions()) == "organisations.csv"
    assert filename("organisations", "geojson", ExportOptions()) == "organisations.geojson"
    assert filename("events", "xlsx", ExportOptions(compressed=True)) == "events.xlsx.gz"


def test_it_refuses_an_unknown_format() -> None:
    with pytest.raises(ExportOptionError, match="unknown export format 'xml'"):
        stream("xml", COLUMNS, ROWS, ExportOptions())
    with pytest.raises(ExportOptionError, match="unknown export format"):
        filename("organisations", "xml", ExportOptions())


def test_it_refuses_a_column_of_unknown_type() -> None:
    with pytest.raises(ValueError, match="unknown type 'geo_shape'"):
        Column("area", "Area", "geo_shape")
