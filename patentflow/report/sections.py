"""The eight sections of the statistical report, computed from one release into tables and
chart specifications (no rendering here).

Month reports compare with last month, the same month last year and the plan's targets; year
reports with last year. Flows in the district and chain tables are year-to-date, stocks are values
at the period end — the column headers say which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from patentflow.core import catalogue
from patentflow.report import definitions as d
from patentflow.report.charts import BarChart, Chart, LineChart, ProgressChart, ProgressItem
from patentflow.report.lookup import Values, change_pct, difference
from patentflow.report.period import ReportPeriod
from patentflow.report.source import ReleaseData
from patentflow.report.tables import Column, Table, is_missing, kind_for_unit

MAX_REVISION_ROWS = 200


@dataclass
class Section:
    key: str
    title: str
    summary: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    sheet: str = ""


def definitions_for(ids: list[str]) -> list[str]:
    """Footnotes: each indicator's short definition, in the order the section shows them."""
    return [f"{i} {d.INDICATORS[i].name}：{d.INDICATORS[i].definition}"
            for i in dict.fromkeys(ids) if i in d.INDICATORS]


def _name(indicator: str) -> str:
    return d.INDICATORS[indicator].name


ID_COLUMNS = [Column("指标编号", "nowrap", 10), Column("指标", "nowrap", 26)]
UNIT_COLUMN = Column("单位", "nowrap", 8)
"""How every table that lists indicators begins: id and name (never broken), then the unit."""


def _header(values: Values, indicator: str, suffix: str = "") -> Column:
    """A column of one indicator where several stand side by side: its short name (the
    footnotes define it), what the figure is (·期末, ·本年累计) and its unit."""
    unit = values.unit(indicator)
    return Column(f"{d.INDICATORS[indicator].header}{suffix}（{unit}）", kind_for_unit(unit), 16)


# ---- (1) targets ------------------------------------------------------------------------------


@dataclass
class TargetProgress:
    target: d.Target
    value: float | None
    as_of: date | None
    progress: float | None
    expected: float | None
    status: str
    basis: str = ""  # how the value was reached, when the table must say (e.g. 1—6月累计)


def _target_row(values: Values, period: ReportPeriod,
                target: d.Target) -> tuple[dict | None, str]:
    """The row a target is judged on, and a label when it is not simply the period's row.

    A passed deadline: the deadline year's row. A year report, or a stock: the period's row
    (year, or month). A growth target in a month report: recomputed from the flow's months up
    to the report month (``Values.growth_to_date``), never the year row of a later release.
    """
    passed = period.end >= target.deadline
    if passed:
        return values.row(target.indicator_id, "year", date(target.deadline.year, 1, 1)), ""
    if target.indicator_id in d.GROWTH_OF and period.kind == "month":
        return (values.growth_to_date(target.indicator_id, period),
                f"1—{period.last_month}月累计" if period.last_month > 1 else "1月")
    if target.indicator_id in d.YEAR_ONLY or period.kind == "year":
        return values.year_row(target.indicator_id, period), ""
    return values.row(target.indicator_id, "month", period.start), ""


def target_progress(values: Values, period: ReportPeriod, target: d.Target) -> TargetProgress:
    """Progress against one target on the report's date (or on the deadline once it passed).

    Met → 达标; a passed deadline not met → 落后; otherwise the achieved share of the target is
    compared with the share of the time between ``start`` and the deadline that has elapsed.
    A period that ends before ``start`` is 未开始 (a 2024 growth figure says nothing about the
    2025 growth target).
    """
    goal = target.value
    if period.end < target.progress_start:
        return TargetProgress(target, None, None, None, None, d.STATUS_NOT_STARTED)
    row, basis = _target_row(values, period, target)
    if row is None or is_missing(row["value"]):
        return TargetProgress(target, None, None, None, None, d.STATUS_NO_DATA, basis)
    if not is_missing(row.get("target_value")):
        goal = float(row["target_value"])
    value, as_of = float(row["value"]), row["period_end"]
    if target.progress_basis == "growth":
        num, den = row["numerator"], row["denominator"]
        progress = (100.0 * num / (den * (1 + goal / 100.0))
                    if not is_missing(num) and not is_missing(den) and den else None)
    else:
        progress = 100.0 * value / goal if goal else None
    total_days = (target.deadline - target.progress_start).days
    elapsed = min(max((as_of - target.progress_start).days + 1, 0), total_days + 1)
    expected = 100.0 * elapsed / (total_days + 1)
    met = value >= goal - 1e-9
    if met:
        status = d.STATUS_MET
    elif as_of >= target.deadline or progress is None or progress < expected:
        status = d.STATUS_BEHIND
    else:
        status = d.STATUS_ON_TRACK
    return TargetProgress(target, value, as_of, progress, expected, status, basis)


def _as_of_text(result: TargetProgress) -> str:
    if result.as_of is None:
        return "—"
    return f"{result.as_of.isoformat()}\n（{result.basis}）" if result.basis else \
        result.as_of.isoformat()


def targets_section(values: Values, period: ReportPeriod) -> Section:
    results = [target_progress(values, period, t) for t in d.TARGETS]
    rows = [[r.target.label_zh, r.target.indicator_id, values.unit(r.target.indicator_id),
             f"{'≥' if r.target.comparator == '>=' else '='}{r.target.value:,.0f}",
             r.target.deadline.isoformat(), _as_of_text(r), r.value,
             r.progress, r.expected, r.status] for r in results]
    table = Table("目标进度一览", [
        Column("目标", "text", 40), ID_COLUMNS[0], UNIT_COLUMN,
        Column("目标值", "nowrap", 14), Column("目标日期", "nowrap", 12),
        Column("数据截至", "nowrap", 14), Column("当前值", "unit", 16),
        Column("完成进度（%）", "rate", 14), Column("时间进度（%）", "rate", 14),
        Column("状态", "nowrap", 10)], rows, unit_column=2,
        row_ids=[r.target.indicator_id for r in results])
    chart = ProgressChart("行动方案目标完成进度", [
        ProgressItem(f"{r.target.indicator_id} {_name(r.target.indicator_id)}", r.progress,
                     None if r.status == d.STATUS_MET else r.expected, r.status)
        for r in results])
    summary = [f"{r.target.indicator_id} {_name(r.target.indicator_id)}：{r.status}"
               for r in results]
    notes = [
        "状态：达标＝当前值已达到目标；进度正常＝目标日期未到且完成进度不低于时间进度；"
        "落后＝完成进度低于时间进度，或目标日期已过仍未达到。",
        "CON-02 的完成进度＝本年涉专利技术合同成交额÷（2023年成交额×1.3）；"
        "目标日期已过的目标按目标日期的数据评价。",
        "月报的各项数据均截至报告月末：CON-02 按1月至报告月末的涉专利技术合同成交额累计计算"
        "（“数据截至”注明累计月份），不采用所用版本中延续到其后日期的全年数据。",
        *definitions_for([t.indicator_id for t in d.TARGETS]),
    ]
    return Section("targets", "一、行动方案目标进度", summary, [table], [chart], notes, "目标进度")


# ---- (2) period values and year-to-date ------------------------------------------------------


def _change(unit: str, current: float | None, previous: float | None) -> float | None:
    """Relative change in % — except for a rate, where a relative change of a percentage
    misleads: there it is the difference in percentage points."""
    return difference(current, previous) if unit == "%" else change_pct(current, previous)


def flows_table(values: Values, period: ReportPeriod, indicators: list[str], title: str) -> Table:
    prev, ago = period.previous(), period.year_ago()
    rows = []
    for ind in indicators:
        unit = values.unit(ind)
        current = values.in_period(ind, period)
        if period.kind == "month":
            monthly = ind not in d.YEAR_ONLY
            last = values.in_period(ind, prev) if monthly else None
            year_ago = values.in_period(ind, ago) if monthly else None
            ytd, ytd_ago = values.year_to_date(ind, period), values.year_to_date(ind, ago)
            rows.append([ind, _name(ind), unit, current if monthly else None, last,
                         _change(unit, current, last) if monthly else None, year_ago,
                         _change(unit, current, year_ago) if monthly else None,
                         ytd, ytd_ago, _change(unit, ytd, ytd_ago)])
        else:
            last = values.in_period(ind, prev)
            rows.append([ind, _name(ind), unit, current, last, _change(unit, current, last)])
    if period.kind == "month":
        columns = [Column("本月", "unit"), Column("上月", "unit"),
                   Column("环比（%）", "change", 10),
                   Column("上年同月", "unit"), Column("同比（%）", "change", 10),
                   Column("本年累计", "unit"), Column("上年同期累计", "unit"),
                   Column("累计同比（%）", "change", 12)]
    else:
        columns = [Column("本年", "unit"), Column("上年", "unit"),
                   Column("同比（%）", "change", 10)]
    head = [*ID_COLUMNS, UNIT_COLUMN]
    return Table(title, head + columns, rows, unit_column=2, row_ids=indicators)


def stocks_table(values: Values, period: ReportPeriod, indicators: list[str], title: str) -> Table:
    prev, ago = period.previous(), period.year_ago()
    rows = []
    for ind in indicators:
        current, last, year_ago = (values.in_period(ind, p) for p in (period, prev, ago))
        rows.append([ind, _name(ind), values.unit(ind), current, last, difference(current, last),
                     year_ago, change_pct(current, year_ago)])
    previous_label = "上月末" if period.kind == "month" else "上年末"
    return Table(title, [
        *ID_COLUMNS, UNIT_COLUMN, Column("期末", "unit"), Column(previous_label, "unit"),
        Column("增减", "unit"),
        Column("上年同期末", "unit"), Column("同比（%）", "change", 10)], rows, unit_column=2,
        row_ids=indicators)


def _month_labels(period: ReportPeriod) -> list[str]:
    return [f"{m}月" for m in range(1, 13)]


def trend_chart(values: Values, period: ReportPeriod, indicator: str, key: str) -> LineChart:
    last = period.last_month
    return LineChart(
        f"{_name(indicator)}月度走势", f"{_name(indicator)}（{values.unit(indicator)}）",
        _month_labels(period),
        [(f"{period.year}年", values.monthly_series(indicator, period.year, last)),
         (f"{period.year - 1}年", values.monthly_series(indicator, period.year - 1))], key=key)


def flows_section(values: Values, period: ReportPeriod) -> Section:
    word = "本月" if period.kind == "month" else "本年"
    flows = flows_table(values, period, [*d.FLOW_INDICATORS, "PIP-01", "PIP-02", "PIP-03"],
                        f"转化运用流量指标：{word}与累计")
    stocks = stocks_table(values, period, d.STOCK_INDICATORS, "专利存量指标：期末值")
    charts = [trend_chart(values, period, "CON-01", "trend-con01"),
              trend_chart(values, period, "TRN-01", "trend-trn01")]
    notes = ["本年累计为1月至报告月各月数值之和；仅有年度数据的指标（PIP-01～03）按当年数据列示，"
             "所用版本的当年数据截至报告月末之后时（不是报告月末的数值），以“—”表示。",
             "环比、同比为相对变化（%），比率类指标（单位%）为百分点差；基数为0或缺数时以“—”表示。",
             *definitions_for([*flows.row_ids, *stocks.row_ids])]
    title = "二、本月数据与本年累计" if period.kind == "month" else "二、全年数据与上年比较"
    return Section("flows", title, [], [flows, stocks], charts, notes,
                   "本期与累计")


# ---- (3) districts ----------------------------------------------------------------------------


def _stock_or_ytd(values: Values, period: ReportPeriod, ind: str, region: str,
                  breakdown: str = "all") -> float | None:
    if d.INDICATORS[ind].kind == "flow":
        return values.year_to_date(ind, period, region, breakdown)
    return values.in_period(ind, period, region, breakdown)


def _suffix(ind: str, period: ReportPeriod) -> str:
    if d.INDICATORS[ind].kind == "flow":
        return "·本年累计" if period.kind == "month" else "·全年"
    return "·期末"


def districts_section(values: Values, period: ReportPeriod, names: dict[str, str]) -> Section:
    regions = [*d.DISTRICTS, d.CITY]
    rows = [[code, names.get(code, code),
             *(_stock_or_ytd(values, period, ind, code) for ind in d.DISTRICT_COLUMNS)]
            for code in regions]
    columns = [Column("地区代码", "nowrap", 10), Column("地区", "nowrap", 22),
               *(_header(values, ind, _suffix(ind, period)) for ind in d.DISTRICT_COLUMNS)]
    table = Table(f"{d.SUBREGIONS}主要指标", columns, rows, row_ids=regions)
    districts = list(d.DISTRICTS)
    unit = d.SUBREGION_UNIT
    span = "本年累计" if period.kind == "month" else "全年"
    charts = [
        BarChart(f"各{unit}高价值发明专利拥有量（期末）", f"件数（{values.unit('PAT-02')}）",
                 [names.get(c, c) for c in districts],
                 [("高价值发明专利",
                   [_stock_or_ytd(values, period, "PAT-02", c) for c in districts])],
                 key="districts-pat02"),
        BarChart(f"各{unit}技术合同成交额（{span}）",
                 f"成交额（{values.unit('CON-03')}）", [names.get(c, c) for c in districts],
                 [("技术合同成交额",
                   [_stock_or_ytd(values, period, "CON-03", c) for c in districts]),
                  ("其中涉专利", [_stock_or_ytd(values, period, "CON-01", c) for c in districts])],
                 key="districts-con03"),
    ]
    total = d.TOTAL_LABEL
    notes = [f"{total}合计按{total}口径去重计算，并非各{d.SUBREGION_UNIT}之和；"
             f"{d.CITY_NAME}其他（{d.CITY}开头但不属于{len(d.DISTRICTS)}个{d.SUBREGION_UNIT}）"
             f"只计入{total}。",
             *definitions_for(d.DISTRICT_COLUMNS)]
    return Section("districts", f"三、分{d.SUBREGION_UNIT}情况", [], [table], charts, notes,
                   f"分{d.SUBREGION_UNIT}")


# ---- (4) industry chains ----------------------------------------------------------------------


def chains_section(values: Values, period: ReportPeriod) -> Section:
    chains = list(d.KEY_CHAINS)
    rows = [[d.KEY_CHAINS[c], *(_stock_or_ytd(values, period, ind, d.CITY, f"industry_chain={c}")
                                for ind in d.CHAIN_COLUMNS)] for c in chains]
    columns = [Column("重点产业链", "nowrap", 24),
               *(_header(values, ind, _suffix(ind, period)) for ind in d.CHAIN_COLUMNS)]
    table = Table(f"四大重点产业链专利转化情况（{d.TOTAL_LABEL}）", columns, rows, row_ids=chains)
    chart = BarChart("重点产业链高价值专利及在济产业化（期末）", f"件数（{values.unit('PAT-02')}）",
                     [d.KEY_CHAINS[c] for c in chains],
                     [(_name(ind), [_stock_or_ytd(values, period, ind, d.CITY,
                                                  f"industry_chain={c}") for c in chains])
                      for ind in ("PAT-02", "PAT-04")], key="chains", horizontal=False)
    notes = ["产业链按专利主分类号（IPC）最长前缀匹配归属；未匹配的专利计入“其他”，不在本表列示。",
             "UNI-05 仅有年度数据；FIN-08 路演按路演所属产业链统计。",
             *definitions_for(d.CHAIN_COLUMNS)]
    return Section("chains", "四、重点产业链", [], [table], [chart], notes, "重点产业链")


# ---- (5) universities and institutes ----------------------------------------------------------


def universities_section(values: Values, period: ReportPeriod) -> Section:
    prev, ago = period.previous(), period.year_ago()
    rows, ids = [], d.UNIVERSITY_INDICATORS
    for ind in ids:
        current = _stock_or_ytd(values, period, ind, d.CITY)
        last = _stock_or_ytd(values, prev, ind, d.CITY)
        year_ago = _stock_or_ytd(values, ago, ind, d.CITY)
        if ind in d.YEAR_ONLY or period.kind == "year":
            row = values.year_row(ind, period)
        else:
            row = values.row(ind, "month", period.start)
        num = None if row is None or is_missing(row["numerator"]) else row["numerator"]
        den = None if row is None or is_missing(row["denominator"]) else row["denominator"]
        rows.append([ind, _name(ind), values.unit(ind), current, last, year_ago,
                     difference(current, year_ago), num, den])
    table = Table(f"高校院所专利转化指标（{d.TOTAL_LABEL}）", [
        *ID_COLUMNS, UNIT_COLUMN, Column("本期", "unit"),
        Column("上月" if period.kind == "month" else "上年", "unit"),
        Column("上年同期", "unit"), Column("较上年同期增减", "unit", 16),
        Column("分子（件）", "count"), Column("分母（件）", "count")], rows, unit_column=2,
        row_ids=ids)
    rates = ["UNI-01", "UNI-02", "UNI-03"]
    chart = BarChart("高校院所转化率、产业化率与盘点覆盖率", "比率（%）", [_name(i) for i in rates],
                     [(period.label, [_stock_or_ytd(values, period, i, d.CITY) for i in rates]),
                      (f"{ago.label}", [_stock_or_ytd(values, ago, i, d.CITY) for i in rates])],
                     key="universities", horizontal=False)
    notes = ["比率类指标的增减为百分点；分母为0时比率以“—”表示。UNI-05 为本年累计（仅年度数据）。",
             *definitions_for(ids)]
    return Section("universities", "五、高校院所", [], [table], [chart], notes, "高校院所")


# ---- (6) financing ----------------------------------------------------------------------------


def finance_section(values: Values, period: ReportPeriod) -> Section:
    flows = [i for i in d.FINANCE_INDICATORS if i != "FIN-04"]
    table = flows_table(values, period, flows, "知识产权金融：本期与累计")
    cumulative = stocks_table(values, period, ["FIN-04"], "质押融资累计额（2024年以来）")
    charts = [trend_chart(values, period, "FIN-01", "trend-fin01")]
    notes = ["FIN-03 为去重企业数，各月不可相加，本年累计仅在年度数据截至报告月末时列示。",
             "FIN-05 本年累计＝各月普惠笔数之和÷各月质押笔数之和，其环比、同比为百分点差。",
             f"FIN-08、FIN-09 仅有{d.TOTAL_LABEL}数据。",
             *definitions_for(d.FINANCE_INDICATORS)]
    return Section("finance", "六、知识产权金融", [], [table, cumulative], charts, notes,
                   "知识产权金融")


# ---- (7) revisions ----------------------------------------------------------------------------


def revisions_section(values: Values, data: ReleaseData) -> Section:
    frame = data.revisions
    summary = [data.revisions_basis or "与上一版本比较。"]
    if frame.empty:
        summary.append("本次发布与比较版本之间没有数据修订。")
        by_indicator = Table("修订汇总", [Column("指标编号", "nowrap"),
                                           Column("修订行数", "count")], [])
        return Section("revisions", "七、数据修订说明", summary, [by_indicator], [], [], "数据修订")
    counts = frame.groupby("indicator_id").size()
    city = frame[(frame["region_code"] == d.CITY) & (frame["breakdown"] == "all")]
    city_counts = city.groupby("indicator_id").size()
    by_indicator = Table("修订汇总（按指标）", [
        *ID_COLUMNS, Column("修订行数", "count", 10),
        Column(f"其中{d.TOTAL_LABEL}合计行", "count", 14)],
        [[i, _name(i) if i in d.INDICATORS else i, int(n), int(city_counts.get(i, 0))]
         for i, n in counts.items()])
    detail = pd.concat([city, frame.drop(city.index)]).head(MAX_REVISION_ROWS)
    change_names = {"changed": "修改", "removed": "删除"}
    rows = [[r.indicator_id, _name(r.indicator_id) if r.indicator_id in d.INDICATORS else "",
             d.PERIOD_TYPES.get(r.period_type, r.period_type), str(r.period_start)[:10],
             data.region_names.get(r.region_code, r.region_code), d.breakdown_label(r.breakdown),
             values.unit(r.indicator_id), _num(r.old_value), _num(r.new_value),
             _num(r.delta), change_names.get(r.change, r.change)] for r in detail.itertuples()]
    details = Table(f"修订明细（{d.TOTAL_LABEL}合计行优先，最多{MAX_REVISION_ROWS}行）", [
        *ID_COLUMNS, Column("期间类型", "nowrap", 8),
        Column("期间起始", "nowrap", 12), Column("地区", "nowrap", 16), Column("细分", "text", 28),
        Column("单位", "nowrap", 8), Column("原值", "unit"), Column("新值", "unit"),
        Column("变化", "unit"), Column("类型", "nowrap", 8)], rows, unit_column=6, wide=True)
    summary.append(f"共修订 {len(frame):,} 行，其中{d.TOTAL_LABEL}合计行 {len(city):,} 行。")
    notes = ["修订来自源系统对历史记录的更正：每次计算使用各记录的最新版本，"
             "历史期间的数值可能变化。"]
    return Section("revisions", "七、数据修订说明", summary, [by_indicator, details], [], notes,
                   "数据修订")


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# ---- (8) data quality -------------------------------------------------------------------------


def quality_section(data: ReleaseData) -> Section:
    """Quarantined records by source, entity and reason — every name from the catalogue, in
    Chinese, with one record key to look the rest up by — and the gate's warnings."""
    quarantine = data.quarantine
    rows = [[catalogue.source_label(r.source), catalogue.entity_label(r.entity),
             catalogue.reason_label(r.reason_code), r.reason_code, r.example, int(r.records)]
            for r in quarantine.itertuples()]
    q_table = Table("隔离记录（按来源与原因）", [
        Column("数据来源", "nowrap", 16), Column("数据实体", "nowrap", 16),
        Column("原因", "nowrap", 34), Column("原因代码", "code", 22),
        Column("示例记录", "code", 22), Column("记录数（条）", "count", 12)], rows)
    gate = data.manifest.get("gate") or {}
    warned = [c for c in data.manifest.get("checks") or []
              if c.get("severity") == "warn" and not c.get("success")]
    w_rows = [[catalogue.check_label(str(c.get("name", ""))), c.get("name", ""),
               _observed(c.get("observed"))] for c in warned]
    w_table = Table("质量门禁预警项", [
        Column("检查项", "text", 44), Column("检查编号", "code", 40), Column("观测值", "text", 16)],
        w_rows)
    summary = [
        f"本版本共隔离源数据记录 {int(quarantine['records'].sum()) if len(quarantine) else 0:,} 条"
        f"（{len(quarantine)} 类原因），隔离记录不参与指标计算。",
        f"质量门禁共 {gate.get('n_checks', '—')} 项检查，错误 {gate.get('n_failed_error', 0)} 项，"
        f"预警 {len(warned)} 项；只有通过门禁的数据才会发布。",
    ]
    excluded = data.manifest.get("excluded_batches") or []
    if excluded:
        summary.append(f"另有 {len(excluded)} 个交付批次经人工核实后暂不采用（已保留原始文件，"
                       "可恢复），详见发布清单。")
    notes = ["原因代码与示例记录可在发布版本的 audit.quarantine 表中查询全部隔离记录。"]
    return Section("quality", "八、数据质量说明", summary, [q_table, w_table], [], notes,
                   "数据质量")


def _observed(value: Any) -> str:
    """A scalar observation as it is; a structured one is in the release's manifest."""
    if value is None:
        return "—"
    if isinstance(value, bool | int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str) and len(value) <= 40:
        return value
    return "见发布清单"


# ---- all sections -----------------------------------------------------------------------------


def early_release_warning(data: ReleaseData, period: ReportPeriod) -> str | None:
    """A release that ends before the period does cannot give its end-of-period figures."""
    try:
        as_of = date.fromisoformat(str(data.as_of))
    except ValueError:
        return None
    if as_of >= period.end:
        return None
    return (f"注意：所用数据版本截至 {as_of.isoformat()}，早于本报告期末 "
            f"{period.end.isoformat()}，本期数据尚不完整。")


def build_sections(data: ReleaseData, period: ReportPeriod,
                   values: Values | None = None) -> list[Section]:
    """The eight sections; every figure as of the period's end (see ``lookup``). ``values``:
    the release's look-up, when the caller has built it already."""
    values = values or Values(data.values)
    sections = [
        targets_section(values, period),
        flows_section(values, period),
        districts_section(values, period, data.region_names),
        chains_section(values, period),
        universities_section(values, period),
        finance_section(values, period),
        revisions_section(values, data),
        quality_section(data),
    ]
    warning = early_release_warning(data, period)
    if warning:
        sections[0].summary.insert(0, warning)
    return sections
