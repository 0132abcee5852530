"""The Excel workbook: one sheet per section, Chinese headers, number formats by unit, frozen
header rows and set column widths; then the verification sheets (核查清单), one per region.

The workbook is written in openpyxl's write-only mode, row after row: a verification sheet lists
tens of thousands of records, and a random-access workbook holds every cell as an object until
it is saved (slower, and memory grows with the rows). Record tables (``Table.plain``) also skip
per-cell borders, which would be most of the file's styling work.

Text from the data (quarantine reasons, names, record keys) is written as a string cell with the
quote prefix, never as a formula: a source record reading ``=HYPERLINK(...)`` must not execute in
Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from patentflow.report.sections import Section
from patentflow.report.tables import TEXT_KINDS, Column, Table, excel_format, is_missing

FORMULA_PREFIXES = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
THIN = Side(style="thin", color="888888")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
FIRST_HEADER_ROW = 3  # row 1: section title, row 2: period and release
FREEZE = f"B{FIRST_HEADER_ROW + 1}"  # the header row and the first column stay in view
DEFINITION_COLUMNS = [Column("指标编号", "nowrap", 10), Column("指标", "nowrap", 28),
                      Column("单位", "nowrap", 8), Column("定义", "text", 90)]


def text_cell(sheet: WriteOnlyWorksheet, text: str, font: Font | None = None) -> WriteOnlyCell:
    """A text cell that stays text: openpyxl would store ``=…`` as a formula."""
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def _value(sheet: WriteOnlyWorksheet, value: Any, kind: str, plain: bool) -> Any:
    """One data cell. Plain tables write safe text and whole numbers as bare values (no cell
    object, no style): most of a record list is such values."""
    if kind in TEXT_KINDS or isinstance(value, str):
        text = "" if is_missing(value) else str(value).replace("\n", " ")
        if plain and not text.startswith(FORMULA_PREFIXES):
            return text
        cell = text_cell(sheet, text)
    elif is_missing(value):
        if plain:
            return None
        cell = WriteOnlyCell(sheet)
    else:
        fmt = excel_format(kind)
        if plain and fmt is None:
            return float(value)
        cell = WriteOnlyCell(sheet, float(value))
        if fmt:
            cell.number_format = fmt
    if not plain:
        cell.border = BORDER
    return cell


def _table_rows(sheet: WriteOnlyWorksheet, table: Table, with_title: bool) -> list[list[Any]]:
    rows: list[list[Any]] = [[], [text_cell(sheet, table.title, BOLD)]] if with_title else []
    header = []
    for column in table.columns:
        cell = text_cell(sheet, column.header, BOLD)
        cell.fill, cell.border, cell.alignment = HEADER_FILL, BORDER, HEADER_ALIGNMENT
        header.append(cell)
    rows.append(header)
    for row in table.rows:
        rows.append([_value(sheet, value, table.cell_kind(row, index), table.plain)
                     for index, value in enumerate(row)])
    return rows


def _set_widths(sheet: WriteOnlyWorksheet, tables: list[list[Column]]) -> None:
    """Each column as wide as its widest header asks (set before the first row is written)."""
    widths: dict[int, int] = {}
    for columns in tables:
        for index, column in enumerate(columns, start=1):
            widths[index] = max(widths.get(index, 0), column.width)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = width


def _write_sheet(workbook: Workbook, name: str, heading: str, subtitle: str,
                 tables: list[Table], notes: list[str]) -> None:
    sheet = workbook.create_sheet(name)
    _set_widths(sheet, [table.columns for table in tables])
    sheet.freeze_panes = FREEZE
    sheet.append([text_cell(sheet, heading, TITLE_FONT)])
    sheet.append([text_cell(sheet, subtitle)])
    # the first table's header sits in the frozen row; later ones get a title row above
    for index, table in enumerate(tables):
        for row in _table_rows(sheet, table, with_title=index > 0):
            sheet.append(row)
    if notes:
        sheet.append([])
        sheet.append([])
    for line in notes:
        sheet.append([text_cell(sheet, line)])


def write_workbook(path: Path, *, title: str, subtitle: str, sections: list[Section],
                   definitions: list[tuple[str, str, str, str]],
                   verification: list[Section] | None = None) -> Path:
    """The report's sections, the 指标说明 sheet, then the verification sheets."""
    workbook = Workbook(write_only=True)
    glossary = Section("definitions", "指标说明", tables=[Table(
        "指标说明", DEFINITION_COLUMNS, [list(entry) for entry in definitions], plain=True)],
        sheet="指标说明")
    for section in [*sections, glossary, *(verification or [])]:
        _write_sheet(workbook, section.sheet or section.key, f"{title}　{section.title}",
                     subtitle, section.tables, [*section.summary, *section.footnotes])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
