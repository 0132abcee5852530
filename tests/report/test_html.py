"""The HTML report: every section and chart, numbers equal to the published indicator values,
self-contained (no script, no external resource), text from the data escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from patentflow.core.settings import Settings
from patentflow.report.build import generate_report
from patentflow.report.period import ReportPeriod
from tests.support.published_home import (
    AS_OF,
    CITY,
    DISTRICTS,
    INJECTION,
    RELEASE_A,
    RELEASE_B,
    build_published_home,
    published_values,
)

SECTIONS = ["targets", "flows", "districts", "chains", "universities", "finance", "revisions",
            "quality"]
CHARTS = ["progress", "trend-con01", "trend-trn01", "districts-pat02", "districts-con03",
          "chains", "universities", "trend-fin01"]


class ReportParser(HTMLParser):
    """Sections, charts and tables (``data-table`` → {``data-row`` or index: [cell texts]})."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.charts: dict[str, bool] = {}
        self.tables: dict[str, dict[str, list[str]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.external: list[str] = []
        self.tags: set[str] = set()
        self._table = self._row = self._chart = None
        self._cell: list[str] | None = None
        self._in_th = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        for name in ("src", "href"):
            if a.get(name) and not a[name].startswith("#"):
                self.external.append(a[name])
        if "data-section" in a:
            self.sections.append(a["data-section"])
        if "data-chart" in a:
            self._chart = a["data-chart"]
            self.charts[self._chart] = False
        if tag == "svg" and self._chart:
            self.charts[self._chart] = True
        if "data-table" in a:
            self._table = a["data-table"]
            self.tables[self._table], self.headers[self._table] = {}, []
        if tag == "tr" and self._table:
            self._row = a.get("data-row") or str(len(self.tables[self._table]))
        if tag in ("td", "th") and self._table:
            self._cell, self._in_th = [], tag == "th"

    def handle_endtag(self, tag):
        if tag == "figure":
            self._chart = None
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._in_th:
                self.headers[self._table].append(text)
            else:
                self.tables[self._table].setdefault(self._row, []).append(text)
            self._cell = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return build_published_home(tmp_path_factory.mktemp("report_home"))


@pytest.fixture(scope="module")
def report(home):
    settings = Settings(home=home, drop_dir=home / "drop")
    outputs = generate_report(settings, ReportPeriod.parse("2025-06"), pdf=False)
    text = outputs.html.read_text(encoding="utf-8")
    parser = ReportParser()
    parser.feed(text)
    return outputs, text, parser


def value(home, indicator, period_type, start, region=CITY, breakdown="all"):
    con = published_values(home)
    try:
        return con.execute(
            "SELECT value FROM marts.indicator_values WHERE indicator_id=? AND period_type=? "
            "AND period_start=? AND region_code=? AND breakdown=?",
            [indicator, period_type, start, region, breakdown]).fetchone()[0]
    finally:
        con.close()


def cells(parser, table, row):
    return dict(zip(parser.headers[table], parser.tables[table][row], strict=True))


def test_the_report_is_written_under_reports_period_from_the_current_release(home, report):
    outputs, text, _ = report
    assert outputs.html == home / "reports" / "2025-06" / "patentflow-report-2025-06.html"
    assert outputs.release_id == RELEASE_B
    assert "济南市专利转化运用专项行动统计报告（2025年6月）" in text


def test_every_section_and_chart_is_present_with_inline_svg(report):
    _, _, parser = report
    assert parser.sections == SECTIONS
    assert parser.charts == dict.fromkeys(CHARTS, True)


def test_the_html_is_self_contained(report):
    _, text, parser = report
    assert parser.external == []
    assert not parser.tags & {"script", "link", "img", "iframe"}
    assert "<style>" in text and 'charset="utf-8"' in text


def test_month_values_match_the_published_indicator_values(home, report):
    _, _, parser = report
    row = cells(parser, "flows-1", "CON-01")
    june = value(home, "CON-01", "month", "2025-06-01")
    may = value(home, "CON-01", "month", "2025-05-01")
    june_2024 = value(home, "CON-01", "month", "2024-06-01")
    ytd = sum(value(home, "CON-01", "month", f"2025-{m:02d}-01") for m in range(1, 7))
    assert row["单位"] == "万元"
    assert row["本月"] == f"{june:,.2f}"
    assert row["上月"] == f"{may:,.2f}"
    assert row["上年同月"] == f"{june_2024:,.2f}"
    assert row["同比（%）"] == f"{100 * (june / june_2024 - 1):+.1f}"
    assert row["本年累计"] == f"{ytd:,.2f}"
    trn = cells(parser, "flows-1", "TRN-01")
    assert trn["单位"] == "次"
    assert trn["本月"] == f"{value(home, 'TRN-01', 'month', '2025-06-01'):,.0f}"
    stock = cells(parser, "flows-2", "PAT-02")
    assert stock["期末"] == f"{value(home, 'PAT-02', 'month', '2025-06-01'):,.0f}"


def test_the_district_table_has_the_13_districts_and_the_city_total(home, report):
    _, _, parser = report
    table = parser.tables["districts-1"]
    assert list(table) == [*DISTRICTS, CITY]
    assert cells(parser, "districts-1", "370176")["地区"] == "济南高新技术产业开发区"
    for region in [*DISTRICTS, CITY]:
        row = cells(parser, "districts-1", region)
        assert row["高价值发明专利·期末（件）"] == \
            f"{value(home, 'PAT-02', 'month', '2025-06-01', region):,.0f}"
        ytd = sum(value(home, "CON-03", "month", f"2025-{m:02d}-01", region) for m in range(1, 7))
        assert row["技术合同额·本年累计（万元）"] == f"{ytd:,.2f}"


def test_the_four_key_chains_come_from_the_industry_chain_breakdown(home, report):
    _, _, parser = report
    assert list(parser.tables["chains-1"]) == [
        "biomedicine", "smart_manufacturing", "big_data_ngit", "future_industries"]
    row = cells(parser, "chains-1", "big_data_ngit")
    assert row["重点产业链"] == "大数据与新一代信息技术"
    assert row["高价值发明专利·期末（件）"] == \
        f"{value(home, 'PAT-02', 'month', '2025-06-01', CITY, 'industry_chain=big_data_ngit'):,.0f}"


def test_targets_show_progress_and_a_status_word(home, report):
    _, _, parser = report
    fin = cells(parser, "targets-1", "FIN-04")
    fin_value = value(home, "FIN-04", "month", "2025-06-01")
    assert fin["当前值"] == f"{fin_value:,.2f}"
    assert fin["完成进度（%）"] == f"{100 * fin_value / 1_000_000:.1f}"
    assert fin["状态"] == "落后"  # far below the pro-rata path to 百亿 by 2025-12-31
    uni = cells(parser, "targets-1", "UNI-03")  # deadline passed: judged on 2024-12-31
    assert uni["数据截至"] == "2024-12-31" and uni["状态"] == "落后"
    con = cells(parser, "targets-1", "CON-02")
    assert con["状态"] in {"达标", "进度正常", "落后"}
    assert con["数据截至"] == "2025-06-30（1—6月累计）"  # year to date, said so


def test_revisions_list_the_changed_values_against_the_previous_release(home, report):
    _, text, parser = report
    assert f"与上一发布版本 {RELEASE_A} 比较" in text
    summary = cells(parser, "revisions-1", "0")
    assert summary["指标编号"] == "CON-01"
    # 2025-03 of CON-01 was revised in 13 districts + the city: month and year rows, 28 in all
    assert (summary["修订行数"], summary["其中全市合计行"]) == ("28", "2")
    assert cells(parser, "revisions-1", "1")["指标编号"] == "CON-02"  # the growth follows
    details = parser.tables["revisions-2"]
    first = dict(zip(parser.headers["revisions-2"], details["0"], strict=True))
    assert first["地区"] == "济南市" and first["期间起始"] == "2025-03-01"
    assert first["变化"] == "7.00"


def test_quarantine_and_gate_warnings_are_listed_in_chinese_with_data_text_escaped(report):
    _, text, parser = report
    header = parser.headers["quality-1"]
    rows = [dict(zip(header, row, strict=True)) for row in parser.tables["quality-1"].values()]
    dates = next(row for row in rows if row["原因代码"] == "invalid_date")
    assert (dates["数据来源"], dates["数据实体"], dates["原因"]) == (
        "专利数据服务", "专利著录信息", "日期无效")
    assert {row["数据实体"] for row in rows} == {"专利著录信息", "专利质押登记", "技术合同"}
    assert INJECTION in [row["示例记录"] for row in rows]
    assert '=HYPERLINK(&#34;http' in text or "=HYPERLINK(&quot;http" in text
    assert "not a date" not in text and "is negative" not in text  # no English reason text
    [warned] = list(parser.tables["quality-2"].values())
    assert warned[:2] == ["批次对账表：批次隔离率超过预警线",
                          "audit.reconciliation:quarantine_rate"]


def test_footnotes_define_every_indicator_a_section_shows(report):
    _, text, _ = report
    assert "CON-01 涉专利技术合同成交额：" in text
    assert "FIN-04 质押融资累计额：" in text
    assert AS_OF.isoformat() in text
