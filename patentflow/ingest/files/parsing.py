"""Reading delivered files into string columns: encoding detection, CSV and XLSX parsing.

The registry writes GBK or UTF-8 with BOM and says nothing in the file about which: the encoding
is detected (BOM → utf-8-sig, else strict UTF-8, else GB18030, a superset of GBK), never assumed.
CSV is parsed by pyarrow (vectorised); a file with ragged rows is re-parsed by the csv module so
each bad row is quarantined with its exact position. Values are kept as delivered strings; typing
is the validator's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from patentflow.core import duck
from patentflow.core.settings import load_settings

UTF8_BOM = b"\xef\xbb\xbf"


class FileRejected(Exception):
    """The whole file cannot be read as records; carries a stable reason code."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(f"{reason_code}: {reason}")
        self.reason_code = reason_code
        self.reason = reason


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    truncated: bool


@dataclass
class MalformedRow:
    row_number: int
    record_json: str
    reason_code: str
    reason: str


@dataclass
class ParsedFile:
    """Data rows as an Arrow table of strings keyed by normalised header, with positions."""

    header: list[str]
    table: pa.Table
    row_numbers: np.ndarray
    malformed: list[MalformedRow] = field(default_factory=list)
    encoding: str = "utf-8"
    truncated: bool = False
    original_header: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return self.table.num_rows

    @property
    def delivered(self) -> int:
        return self.n_rows + len(self.malformed)

    def column(self, header: str) -> pa.Array:
        return self.table.column(header).combine_chunks()


def detect_encoding(data: bytes) -> DecodedText:
    """Decode delivered bytes; a multibyte character cut off at the very end marks truncation."""
    if data.startswith(UTF8_BOM):
        return _decode(data[len(UTF8_BOM) :], "utf-8", "utf-8-sig")
    try:
        return _decode(data, "utf-8", "utf-8")
    except FileRejected:
        pass
    try:
        return _decode(data, "gb18030", "gb18030")
    except FileRejected:
        raise FileRejected(
            "undecodable_encoding", "not UTF-8 (with or without BOM) and not GBK/GB18030"
        ) from None


def _decode(data: bytes, codec: str, label: str) -> DecodedText:
    try:
        return DecodedText(data.decode(codec), label, truncated=False)
    except UnicodeDecodeError as exc:
        cut_at_end = exc.end >= len(data) and exc.start >= len(data) - 3
        if cut_at_end and "end of data" in exc.reason or cut_at_end and "incomplete" in exc.reason:
            try:
                return DecodedText(data[: exc.start].decode(codec), label, truncated=True)
            except UnicodeDecodeError:
                pass
        raise FileRejected("undecodable_encoding", f"{label}: {exc.reason}") from None


def normalise_header(name: str) -> str:
    """NFKC (full-width brackets → ASCII) and trimmed: headers are matched by name."""
    return unicodedata.normalize("NFKC", name).strip()


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        name = name or "column"
        count = seen.get(name, 0) + 1
        seen[name] = count
        unique.append(name if count == 1 else f"{name}__{count}")
    return unique


def _table(header: list[str], rows: list[list[str]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    return pa.table(
        {
            name: pa.array(list(values), type=pa.string())
            for name, values in zip(header, columns, strict=True)
        }
    )


def parse_csv(data: bytes) -> ParsedFile:
    """Parse a delivered CSV (any detected encoding) into string columns.

    Valid UTF-8 (with or without BOM) goes straight to pyarrow, which checks the encoding
    itself; anything else (GBK, a cut-off file, ragged rows) takes the decoding path.
    """
    direct = _parse_utf8_directly(data)
    if direct is not None:
        return direct
    decoded = detect_encoding(data)
    text = decoded.text
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not text.strip():
        raise FileRejected("empty_file", "the file holds no header row")
    original = next(csv.reader([first_line]))
    header = _unique([normalise_header(h) for h in original])
    body = text.split("\n", 1)[1] if "\n" in text else ""
    parsed = _parse_csv_fast(body.encode("utf-8"), header)
    if parsed is None:
        parsed = _parse_csv_exact(text, header)
    parsed.encoding, parsed.truncated = decoded.encoding, decoded.truncated
    parsed.original_header = _unique([h.strip() for h in original])
    return parsed


def _parse_utf8_directly(data: bytes) -> ParsedFile | None:
    """The fast path for UTF-8 files; ``None`` whenever the careful path must decide."""
    has_bom = data.startswith(UTF8_BOM)
    content = data[len(UTF8_BOM) :] if has_bom else data
    first_line, newline, body = content.partition(b"\n")
    if not newline or not first_line.strip():
        return None
    try:
        original = next(csv.reader([first_line.decode("utf-8").rstrip("\r")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    header = _unique([normalise_header(h) for h in original])
    parsed = _parse_csv_fast(body, header)
    if parsed is None:
        return None
    parsed.encoding = "utf-8-sig" if has_bom else "utf-8"
    parsed.original_header = _unique([h.strip() for h in original])
    return parsed


def _parse_csv_fast(body: bytes, header: list[str]) -> ParsedFile | None:
    """pyarrow's parser (UTF-8 checked); ``None`` (fall back) when any row is ragged, quoting is
    broken or a value is not UTF-8."""
    ragged: list[Any] = []

    def on_invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=header, use_threads=True),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if ragged:
        return None
    return ParsedFile(header, table, np.arange(1, table.num_rows + 1, dtype=np.int64))


def _parse_csv_exact(text: str, header: list[str]) -> ParsedFile:
    """The csv module, row by row: slower, but every ragged row is kept with its position."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    next(reader, None)
    rows: list[list[str]] = []
    numbers: list[int] = []
    malformed: list[MalformedRow] = []
    position = 0
    for row in reader:
        if not row or all(not cell for cell in row) and len(row) <= 1:
            continue
        position += 1
        if len(row) != len(header):
            malformed.append(
                MalformedRow(
                    position,
                    json.dumps({"_fields": row}, ensure_ascii=False),
                    "malformed_row",
                    f"row has {len(row)} fields, the header has {len(header)}",
                )
            )
            continue
        rows.append(row)
        numbers.append(position)
    return ParsedFile(header, _table(header, rows), np.array(numbers, dtype=np.int64), malformed)


def _cell_text(value: Any) -> str:
    """XLSX cells: dates as YYYY-MM-DD, integral numbers without ``.0``, text as is."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def check_xlsx_expansion(path: Path) -> None:
    """Refuse a decompression bomb before openpyxl inflates it (``file_too_large``).

    An XLSX is a zip; a few KB can declare gigabytes of sheet XML. The members' declared sizes
    are summed (zipfile never inflates a member beyond its declared size, so the declaration is
    a real bound) and checked against ``PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES`` and, above
    1 MiB, against the expansion ratio ``PATENTFLOW_MAX_XLSX_RATIO``.
    """
    limits = load_settings().limits
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(
            "unreadable_file", f"not a readable XLSX: {type(exc).__name__}"
        ) from None
    inflated = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if inflated > limits.max_xlsx_uncompressed_bytes:
        raise FileRejected(
            "file_too_large",
            f"XLSX expands to {inflated} bytes, above the bound"
            f" {limits.max_xlsx_uncompressed_bytes} (PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES)",
        )
    if inflated > 1024 * 1024 and inflated / packed > limits.max_xlsx_ratio:
        raise FileRejected(
            "file_too_large",
            f"XLSX expands {inflated / packed:.0f}-fold ({packed} → {inflated} bytes), above"
            f" the ratio {limits.max_xlsx_ratio:g} (PATENTFLOW_MAX_XLSX_RATIO)",
        )


def parse_xlsx(path: Path) -> ParsedFile:
    """First worksheet of an XLSX, read-only; the first non-empty row is the header."""
    from openpyxl import load_workbook

    check_xlsx_expansion(path)

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise FileRejected(
            "unreadable_file", f"not a readable XLSX: {type(exc).__name__}"
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileRejected("unreadable_file", "the workbook has no worksheet")
        header: list[str] | None = None
        rows: list[list[str]] = []
        numbers: list[int] = []
        malformed: list[MalformedRow] = []
        position = 0
        try:
            for values in sheet.iter_rows(values_only=True):
                cells = [_cell_text(v) for v in values]
                if not any(cell.strip() for cell in cells):
                    continue
                if header is None:
                    while cells and not cells[-1].strip():
                        cells.pop()
                    header = _unique([normalise_header(c) for c in cells])
                    original = _unique([c.strip() for c in cells])
                    continue
                position += 1
                extra = cells[len(header) :]
                if any(cell.strip() for cell in extra):
                    malformed.append(
                        MalformedRow(
                            position,
                            json.dumps({"_fields": cells}, ensure_ascii=False),
                            "malformed_row",
                            f"row has values beyond the {len(header)} header columns",
                        )
                    )
                    continue
                rows.append((cells + [""] * len(header))[: len(header)])
                numbers.append(position)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, EOFError) as exc:
            raise FileRejected(
                "unreadable_file", f"XLSX unreadable mid-sheet: {type(exc).__name__}"
            ) from None
    finally:
        workbook.close()
    if header is None:
        raise FileRejected("empty_file", "the worksheet holds no header row")
    table = _table(header, rows)
    parsed = ParsedFile(header, table, np.array(numbers, dtype=np.int64), malformed, "xlsx")
    parsed.original_header = original
    return parsed


def records_json(parsed: ParsedFile) -> pa.Array:
    """Each data row as a JSON object under the delivered header names (unknown columns too).

    DuckDB's ``to_json`` serialises the whole table vectorised (a per-row ``json.dumps`` would
    dominate a large file).
    """
    table = parsed.table
    if table.num_rows == 0:
        return pa.array([], type=pa.string())
    names = (
        parsed.original_header
        if len(parsed.original_header) == table.num_columns
        else (table.column_names)
    )
    rows = table.rename_columns(names)
    con = duck.connect()
    try:
        # Documented DuckDB guarantee: with preserve_insertion_order a plain projection keeps
        # the input order, so row i's JSON stays at position i. Static SQL: the delivered table
        # is addressed as one struct, its column names are never formatted into the query.
        con.execute("SET preserve_insertion_order = true")
        con.register("delivered_rows", rows)
        result = con.sql(
            "SELECT to_json(delivered_rows)::VARCHAR AS record FROM delivered_rows"
        ).to_arrow_table()
    finally:
        con.close()
    return result.column("record").combine_chunks()
