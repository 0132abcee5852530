"""The Excel workbook: one sheet per section, Chinese headers, number formats by unit, frozen
header rows and set column widths.

Text from the data (quarantine reasons, names) is written as a string cell with the quote prefix,
never as a formula: a source record reading ``=HYPERLINK(...)`` must not execute in Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from patentflow.report.sections import Section
from patentflow.report.tables import TEXT_KINDS, Table, excel_format, is_missing

FORMULA_PREFIXES = ("=", "+", "-", "@")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
THIN = Side(style="thin", color="888888")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIRST_HEADER_ROW = 3  # row 1: section title, row 2: period and release


def write_text(sheet: Worksheet, row: int, column: int, text: str):
    """A text cell that stays text: openpyxl would store ``=…`` as a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def _write_value(sheet: Worksheet, row: int, column: int, value: Any, kind: str):
    if kind in TEXT_KINDS or isinstance(value, str):
        text = "" if is_missing(value) else str(value).replace("\n", " ")
        return write_text(sheet, row, column, text)
    cell = sheet.cell(row=row, column=column)
    if is_missing(value):
        return cell
    cell.value = float(value)
    fmt = excel_format(kind)
    if fmt:
        cell.number_format = fmt
    return cell


def _write_table(sheet: Worksheet, table: Table, top: int, with_title: bool) -> int:
    """Write ``table`` with its header at ``top`` (title above it when asked); next free row."""
    if with_title:
        write_text(sheet, top - 1, 1, table.title).font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        cell = write_text(sheet, top, index, column.header)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        letter = get_column_letter(index)
        width = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(width, column.width)
    for offset, row in enumerate(table.rows, start=1):
        for index, value in enumerate(row, start=1):
            cell = _write_value(sheet, top + offset, index, value,
                                table.cell_kind(row, index - 1))
            cell.border = BORDER
    return top + len(table.rows) + 1


def write_workbook(path: Path, *, title: str, subtitle: str, sections: list[Section],
                   definitions: list[tuple[str, str, str, str]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for section in sections:
        sheet = workbook.create_sheet(section.sheet or section.key)
        write_text(sheet, 1, 1, f"{title}　{section.title}").font = Font(bold=True, size=13)
        write_text(sheet, 2, 1, subtitle)
        row = FIRST_HEADER_ROW
        for index, table in enumerate(section.tables):
            # the first table's header sits in the frozen row; later ones get a title row above
            row = _write_table(sheet, table, row if index == 0 else row + 2, with_title=index > 0)
        sheet.freeze_panes = sheet.cell(row=FIRST_HEADER_ROW + 1, column=2).coordinate
        notes = [*section.summary, *section.footnotes]
        for offset, line in enumerate(notes, start=2):
            write_text(sheet, row + offset, 1, line)
    sheet = workbook.create_sheet("指标说明")
    write_text(sheet, 1, 1, f"{title}　指标说明").font = Font(bold=True, size=13)
    write_text(sheet, 2, 1, subtitle)
    for index, (header, width) in enumerate([("指标编号", 10), ("指标", 28), ("单位", 8),
                                             ("定义", 90)], start=1):
        cell = write_text(sheet, FIRST_HEADER_ROW, index, header)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, entry in enumerate(definitions, start=1):
        for index, text in enumerate(entry, start=1):
            write_text(sheet, FIRST_HEADER_ROW + offset, index, text)
    sheet.freeze_panes = f"B{FIRST_HEADER_ROW + 1}"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
