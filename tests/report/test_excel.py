"""The Excel workbook: one sheet per section, Chinese headers, numbers stored as numbers with the
unit's format, frozen header rows, widths, and data text that never becomes a formula."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from patentflow.core.settings import Settings
from patentflow.report.build import generate_report
from patentflow.report.period import ReportPeriod
from tests.support.published_home import (
    CITY,
    DISTRICTS,
    INJECTION,
    build_published_home,
    published_values,
)

SHEETS = ["目标进度", "本期与累计", "分区县", "重点产业链", "高校院所", "知识产权金融", "数据修订",
          "数据质量", "指标说明"]
HEADER_ROW = 3


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_published_home(tmp_path_factory.mktemp("excel_home"))


@pytest.fixture(scope="module")
def workbook(home):
    settings = Settings(home=home, drop_dir=home / "drop")
    outputs = generate_report(settings, ReportPeriod.parse("2025-06"), pdf=False)
    return load_workbook(outputs.xlsx)


def published(home, indicator, start, region=CITY, period_type="month"):
    con = published_values(home)
    try:
        return con.execute(
            "SELECT value FROM marts.indicator_values WHERE indicator_id=? AND period_type=? "
            "AND period_start=? AND region_code=? AND breakdown='all'",
            [indicator, period_type, start, region]).fetchone()[0]
    finally:
        con.close()


def header_index(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}


def row_of(sheet, column: int, key: str) -> int:
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row=row, column=column).value == key:
            return row
    raise AssertionError(f"{key} not in {sheet.title}")


def test_one_sheet_per_section_plus_definitions_then_verification(workbook):
    # the fixture's releases hold no record contributions: one 核查清单 sheet says so
    # (tests/report/test_verification_sheets.py has the sheets of a release that does)
    assert workbook.sheetnames == [*SHEETS, "核查清单"]


def test_every_sheet_freezes_its_header_row_and_first_column(workbook):
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "B4", sheet.title
        assert sheet.cell(row=HEADER_ROW, column=1).font.bold, sheet.title


def test_money_is_wan_with_two_decimals_counts_are_whole_rates_one_decimal(home, workbook):
    sheet = workbook["本期与累计"]
    columns = header_index(sheet)
    con01 = sheet.cell(row=row_of(sheet, 1, "CON-01"), column=columns["本月"])
    assert con01.value == pytest.approx(published(home, "CON-01", "2025-06-01"))
    assert con01.number_format == "#,##0.00"
    trn01 = sheet.cell(row=row_of(sheet, 1, "TRN-01"), column=columns["本月"])
    assert trn01.value == published(home, "TRN-01", "2025-06-01")
    assert trn01.number_format == "#,##0"
    change = sheet.cell(row=row_of(sheet, 1, "TRN-01"), column=columns["同比（%）"])
    assert change.number_format == "0.0" and isinstance(change.value, float)
    uni = workbook["高校院所"]
    coverage = uni.cell(row=row_of(uni, 1, "UNI-03"), column=header_index(uni)["本期"])
    assert coverage.value == published(home, "UNI-03", "2025-06-01")
    assert coverage.number_format == "0.0"


def test_the_district_sheet_holds_every_district_and_the_city(home, workbook):
    sheet = workbook["分区县"]
    codes = [sheet.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, HEADER_ROW + 15)]
    assert codes == [*DISTRICTS, CITY]
    column = header_index(sheet)["高价值发明专利·期末（件）"]
    for offset, code in enumerate(codes, start=HEADER_ROW + 1):
        assert sheet.cell(row=offset, column=column).value == \
            published(home, "PAT-02", "2025-06-01", code)
    assert sheet.column_dimensions["B"].width >= 20


def test_text_from_the_data_that_looks_like_a_formula_stays_text(workbook):
    sheet = workbook["数据质量"]
    found = [cell for row in sheet.iter_rows() for cell in row if cell.value == INJECTION]
    assert found, "the quarantined record's key should be listed"
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in found)
    negative = [cell for row in sheet.iter_rows() for cell in row if cell.value == "-P1"]
    assert negative and negative[0].data_type == "s" and negative[0].quotePrefix


def test_no_cell_anywhere_is_a_formula(workbook):
    formulas = [f"{s.title}!{c.coordinate}" for s in workbook.worksheets
                for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_definitions_sheet_lists_all_33_indicators_with_units(workbook):
    sheet = workbook["指标说明"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=HEADER_ROW + 1)]
    assert len(rows) == 33
    assert ["CON-01", "涉专利技术合同成交额", "万元"] == rows[9][:3]
