"""The verification sheets (核查清单) of the workbook: one per region of the district table,
listing the records behind its headline figures with their lineage, and reconciling each figure
with the published value — read back with openpyxl.

Fixture: ``tests/support/contribution_releases.py`` (release B current; Lixia, Shizhong and
Huaiyin have records; Huaiyin's April FIN-01 was revised by 25 without a record; a contract's
key and file name read like formulas).
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from patentflow.core.settings import Settings
from patentflow.report import definitions as d
from patentflow.report.build import generate_report
from patentflow.report.period import ReportPeriod
from patentflow.report.verification import sheet_name
from tests.support.contribution_releases import (
    C2,
    CITY,
    HUAIYIN,
    LIXIA,
    P2,
    PLANTED_ORIGIN,
    RELEASE_OLD,
    U1,
    U2,
    build_contribution_home,
)
from tests.support.published_home import INJECTION

HEADER_ROW = 3
RECORD_HEADER = ["指标编号", "统计期", "口径", "记录类型", "记录编号", "单位", "数额", "数据来源",
                 "批次", "文件或接口", "行号"]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_contribution_home(tmp_path_factory.mktemp("verification_home"))


def report(home, period: str, release: str | None = None):
    settings = Settings(home=home, drop_dir=home / "drop")
    outputs = generate_report(settings, ReportPeriod.parse(period), release_id=release,
                              out_dir=home / "reports" / f"{period}-{release}", pdf=False)
    return load_workbook(outputs.xlsx)


@pytest.fixture(scope="module")
def month(home):
    return report(home, "2025-05")


@pytest.fixture(scope="module")
def year(home):
    return report(home, "2025")


def verification_sheets(workbook) -> list:
    return [sheet for sheet in workbook.worksheets if sheet.title.startswith("核查清单")]


def records(sheet) -> list[dict]:
    """The record list: from the header row to the first empty row."""
    header = [cell.value for cell in sheet[HEADER_ROW]]
    rows = []
    for values in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if not any(value is not None for value in values):
            break
        rows.append(dict(zip(header, values, strict=False)))
    return rows


def reconciliation(sheet) -> dict[tuple[str, str], dict]:
    """The 核对汇总 table: (indicator, role) -> its row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "核对汇总（记录合计与发布值）")
    header = rows[start + 1]
    table = {}
    for row in rows[start + 2:]:
        if row[0] is None:
            break
        entry = dict(zip(header, row, strict=False))
        table[(entry["指标编号"], entry["口径"])] = entry
    return table


def test_one_sheet_per_region_of_the_district_table_after_the_sections(month):
    names = [sheet.title for sheet in verification_sheets(month)]

    assert names == [sheet_name(code, month_name) for code, month_name in
                     [*d.DISTRICTS.items(), (d.CITY, d.CITY_NAME)]]
    assert names[0] == "核查清单-370102历下区"
    assert all(len(name) <= 31 for name in names)
    assert month.sheetnames.index(names[0]) == month.sheetnames.index("指标说明") + 1


def test_a_sheet_lists_each_record_of_a_headline_figure_with_its_lineage(month):
    listed = records(month[sheet_name(LIXIA, d.DISTRICTS[LIXIA])])

    assert [cell.value for cell in month[sheet_name(LIXIA, d.DISTRICTS[LIXIA])][HEADER_ROW]] \
        == RECORD_HEADER
    assert [(r["指标编号"], r["记录编号"]) for r in listed] == [("CON-01", C2), ("PAT-01", P2)]
    contract = listed[0]
    assert contract["统计期"] == "2025-03" and contract["口径"] == "数值"
    assert contract["记录类型"] == "技术合同" and contract["单位"] == "万元"
    assert contract["数额"] == 60.0
    assert (contract["数据来源"], contract["批次"], contract["文件或接口"], contract["行号"]) == \
        ("技术合同文件", "tech_contracts__20250610__contracts_2025-03_r1",
         "contracts_2025-03_r1.csv", 2)
    assert listed[1]["统计期"] == "2025-05" and listed[1]["记录类型"] == "专利著录信息"


def test_the_total_lists_only_its_own_records_and_reconciles_over_every_sheet(month):
    """Each record is in the workbook once: the city's sheet lists what no district's sheet
    lists (here UNI-03's, attributed to the city only), a rate by numerator and denominator."""
    sheet = month[sheet_name(CITY, d.CITY_NAME)]
    keys = {(r["指标编号"], r["口径"], r["记录编号"]) for r in records(sheet)}

    assert keys == {("UNI-03", "分子", U1), ("UNI-03", "分子", U2), ("UNI-03", "分母", U1),
                    ("UNI-03", "分母", U2)}
    con01 = reconciliation(sheet)[("CON-01", "数值")]  # C2 (Lixia) + C3 (Shizhong) + Huaiyin's
    assert (con01["记录数（条）"], con01["记录合计"], con01["发布值"], con01["核对"]) == \
        (3, 120.0, 120.0, "一致")
    notes = [row[0] for row in sheet.iter_rows(values_only=True) if row and row[0]]
    assert any("只计入全市的 4 条记录" in str(note) for note in notes)


def test_each_figure_is_reconciled_with_the_published_value(month):
    checks = reconciliation(month[sheet_name(LIXIA, d.DISTRICTS[LIXIA])])

    con01 = checks[("CON-01", "数值")]
    assert (con01["统计期"], con01["记录数（条）"], con01["记录合计"], con01["发布值"],
            con01["核对"]) == ("2025年1—5月", 1, 60.0, 60.0, "一致")
    assert checks[("PAT-01", "数值")]["统计期"] == "2025年5月末"
    fin01 = checks[("FIN-01", "数值")]  # published as 0, no record: they agree
    assert (fin01["记录数（条）"], fin01["发布值"], fin01["核对"]) == (0, 0.0, "一致")
    assert checks[("PAT-02", "数值")]["核对"] == "无发布值"  # the fixture publishes no PAT-02
    city = reconciliation(month[sheet_name(CITY, d.CITY_NAME)])
    assert (city[("UNI-03", "分子")]["记录合计"], city[("UNI-03", "分母")]["记录合计"]) == (2, 2)
    assert city[("UNI-03", "分子")]["核对"] == city[("UNI-03", "分母")]["核对"] == "一致"


def test_a_figure_whose_records_do_not_add_up_is_flagged(month):
    fin01 = reconciliation(month[sheet_name(HUAIYIN, d.DISTRICTS[HUAIYIN])])[("FIN-01", "数值")]

    assert (fin01["记录合计"], fin01["发布值"]) == (300.0, 325.0)
    assert fin01["核对"] == "不一致：相差 -25.0000"


def test_a_year_report_lists_the_year_rows(year):
    checks = reconciliation(year[sheet_name(HUAIYIN, d.DISTRICTS[HUAIYIN])])

    assert checks[("FIN-01", "数值")]["统计期"] == "2025年"
    assert (checks[("FIN-01", "数值")]["记录合计"], checks[("FIN-01", "数值")]["核对"]) == \
        (800.0, "一致")
    listed = records(year[sheet_name(HUAIYIN, d.DISTRICTS[HUAIYIN])])
    assert {r["统计期"] for r in listed if r["指标编号"] == "FIN-01"} == {"2025"}


def test_record_keys_and_file_names_that_look_like_formulas_stay_text(month):
    sheet = month[sheet_name(HUAIYIN, d.DISTRICTS[HUAIYIN])]
    planted = [cell for row in sheet.iter_rows() for cell in row
               if cell.value in (INJECTION, PLANTED_ORIGIN)]

    assert len(planted) == 2
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in planted)
    formulas = [f"{s.title}!{c.coordinate}" for s in month.worksheets
                for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_every_verification_sheet_freezes_its_header_and_formats_amounts(month):
    for sheet in verification_sheets(month):
        assert sheet.freeze_panes == "B4", sheet.title
        assert sheet.cell(row=HEADER_ROW, column=1).font.bold, sheet.title
    listed = month[sheet_name(LIXIA, d.DISTRICTS[LIXIA])]
    assert listed.cell(row=HEADER_ROW + 1, column=7).number_format == "#,##0.00"  # 万元
    assert listed.cell(row=HEADER_ROW + 2, column=7).number_format == "#,##0"  # 件


def test_a_release_without_contributions_gets_one_sheet_saying_so(home):
    workbook = report(home, "2025-05", RELEASE_OLD)

    sheets = verification_sheets(workbook)
    assert [sheet.title for sheet in sheets] == ["核查清单"]
    notes = [cell.value for row in sheets[0].iter_rows() for cell in row if cell.value]
    assert any("尚未保存指标的记录明细" in str(note) for note in notes)
