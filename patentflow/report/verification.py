"""The verification sheets (核查清单) of the workbook: for each region the report lists, every
record behind its headline figures, so a district can check them line by line before
publication (数据核查) — "why is our CON-01 this amount, which contracts are in it?".

A sheet lists the records of exactly the figures the report shows for the region (the 分区县
table): a flow's year-to-date months in a month report (its year in a year report), a stock and
a rate at the period's end; a rate by its numerator and denominator records. Each record comes
with its lineage (source, batch, file name or API origin, row), and the sheet ends with a
reconciliation: per figure, the number of records, their sum and the published value, 一致 when
they agree. The total's sheet lists only the records attributed to the total alone (none of its
regions lists them) and reconciles over all: listing its regions' records a second time would
double the workbook (at Jinan scale 4.6 MB and 35 s of writing instead of about half). The
records are read from the release's own contributions (``patentflow.release.contributions``),
the same rows the published values are summed from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from patentflow.core import catalogue
from patentflow.release.contributions import NoContributions, read_contributions
from patentflow.report import definitions as d
from patentflow.report.lookup import Values
from patentflow.report.period import ReportPeriod
from patentflow.report.sections import Section
from patentflow.report.tables import Column, Table, is_missing

log = logging.getLogger(__name__)

SHEET_PREFIX = "核查清单"
MAX_SHEET_NAME = 31  # Excel's limit
INVALID_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
ROLES = {"value": "数值", "numerator": "分子", "denominator": "分母"}
PART_UNIT = "件"
"""The unit of a rate's numerator and denominator records (they count patents)."""
AGREEMENT_TOLERANCE = 1e-6
RECORD_IDENTITY = ["indicator_id", "period_type", "period_start", "breakdown", "role",
                   "record_kind", "record_key"]
"""A record in one figure, whichever region lists it."""
RECORD_COLUMNS = [
    Column("指标编号", "nowrap", 10), Column("统计期", "nowrap", 10), Column("口径", "nowrap", 6),
    Column("记录类型", "nowrap", 16), Column("记录编号", "code", 24), Column("单位", "nowrap", 6),
    Column("数额", "unit", 14), Column("数据来源", "nowrap", 16), Column("批次", "code", 44),
    Column("文件或接口", "code", 44), Column("行号", "count", 8),
]
UNIT_INDEX = 5
SUMMARY_COLUMNS = [
    Column("指标编号", "nowrap", 10), Column("统计期", "nowrap", 10), Column("口径", "nowrap", 6),
    Column("指标", "nowrap", 24), Column("记录数（条）", "count", 12), Column("单位", "nowrap", 6),
    Column("记录合计", "unit", 14), Column("发布值", "unit", 16), Column("核对", "nowrap", 30),
]


@dataclass(frozen=True)
class Figure:
    """One figure of a region the sheet reconciles: an indicator's value (or a rate's part)
    over the rows it is made of."""

    indicator: str
    role: str
    rows: tuple[tuple[str, date], ...]  # (period_type, period_start) of the published rows
    label: str  # the period in words: 2025年1—6月, 2025年6月末


def figure_rows(indicator: str, period: ReportPeriod) -> tuple[tuple[tuple[str, date], ...], str]:
    """The published rows a figure of ``period`` is made of, as the 分区县 table shows it: a
    flow year-to-date (its month rows) in a month report, anything else the period's row."""
    flow = d.INDICATORS[indicator].kind == "flow"
    if period.kind == "year":
        return (("year", date(period.year, 1, 1)),), f"{period.year}年" + ("" if flow else "末")
    if flow:
        months = tuple(("month", date(period.year, m, 1)) for m in range(1, period.last_month + 1))
        span = f"{period.year}年1—{period.last_month}月" if period.last_month > 1 \
            else f"{period.year}年1月"
        return months, span
    return (("month", period.start),), f"{period.year}年{period.month}月末"


def figures(period: ReportPeriod) -> list[Figure]:
    result = []
    for indicator in d.VERIFICATION_INDICATORS:
        rows, label = figure_rows(indicator, period)
        roles = ("numerator", "denominator") if d.INDICATORS[indicator].kind == "rate" \
            else ("value",)
        result += [Figure(indicator, role, rows, label) for role in roles]
    return result


def load_records(warehouse: Path, period: ReportPeriod) -> pd.DataFrame | None:
    """The contributions of every region to the headline figures of ``period`` (breakdown
    ``all``), read-only from the release; ``None`` for a release published before
    contributions were stored."""
    wanted = {(f.indicator, period_type, start) for f in figures(period)
              for period_type, start in f.rows}
    keys = pd.DataFrame(sorted(wanted), columns=["indicator_id", "period_type", "period_start"])
    keys = keys.assign(region_code=d.CITY, breakdown="all",
                       period_start=pd.to_datetime(keys["period_start"]))
    try:
        records = read_contributions(warehouse, keys)
    except NoContributions as missing:
        log.info("no verification sheets: %s", missing)
        return None
    records["period_start"] = pd.to_datetime(records["period_start"]).dt.date
    order = {indicator: n for n, indicator in enumerate(d.VERIFICATION_INDICATORS)}
    return (records.assign(_order=records["indicator_id"].map(order),
                           _role=records["role"].map(list(ROLES).index))
            .sort_values(["region_code", "_order", "period_start", "_role", "record_kind",
                          "record_key"])
            .drop(columns=["_order", "_role"]).reset_index(drop=True))


def sheet_name(code: str, name: str) -> str:
    """``核查清单-<code><name>``: unique by the code, at most 31 characters, none Excel refuses."""
    clean = INVALID_SHEET_CHARACTERS.sub("", name if name != code else "")
    return f"{SHEET_PREFIX}-{code}{clean}"[:MAX_SHEET_NAME]


def _period_text(period_type: str, start: date) -> str:
    return str(start.year) if period_type == "year" else f"{start:%Y-%m}"


def _unit(values: Values, indicator: str, role: str) -> str:
    return values.unit(indicator) if role == "value" else PART_UNIT


def _published(values: Values, figure: Figure, region: str) -> float | None:
    """The published figure: a sum of the month rows for a flow's year to date, else the
    row's value (a rate's part: the row's numerator or denominator)."""
    column = "value" if figure.role == "value" else figure.role
    total, found = 0.0, False
    for period_type, start in figure.rows:
        row = values.row(figure.indicator, period_type, start, region)
        if row is not None and not is_missing(row[column]):
            total, found = total + float(row[column]), True
    return total if found else None


def _agreement(listed: float, published: float | None) -> str:
    if published is None:
        return "无发布值"
    if abs(listed - published) <= AGREEMENT_TOLERANCE * max(1.0, abs(published)):
        return "一致"
    return f"不一致：相差 {listed - published:,.4f}"


def region_section(values: Values, period: ReportPeriod, code: str, name: str,
                   records: pd.DataFrame, counted: pd.DataFrame | None = None) -> Section:
    """One region's sheet: its records, then the reconciliation of each figure over
    ``counted`` (default: the records listed)."""
    counted = records if counted is None else counted
    rows = [[r.indicator_id, _period_text(r.period_type, r.period_start),
             ROLES.get(r.role, r.role), catalogue.record_kind_label(r.record_kind), r.record_key,
             _unit(values, r.indicator_id, r.role), r.amount, catalogue.source_label(r.source),
             r.batch_id, r.origin, None if is_missing(r.row_number) else int(r.row_number)]
            for r in records.itertuples(index=False)]
    listing = Table("记录明细", RECORD_COLUMNS, rows, unit_column=UNIT_INDEX, plain=True)
    checks = []
    for figure in figures(period):
        mine = counted[(counted["indicator_id"] == figure.indicator)
                       & (counted["role"] == figure.role)]
        listed = float(mine["amount"].sum())
        published = _published(values, figure, code)
        checks.append([figure.indicator, figure.label, ROLES[figure.role],
                       d.INDICATORS[figure.indicator].name, len(mine),
                       _unit(values, figure.indicator, figure.role), listed, published,
                       _agreement(listed, published)])
    reconciliation = Table("核对汇总（记录合计与发布值）", SUMMARY_COLUMNS, checks,
                           unit_column=UNIT_INDEX)
    indicators = "、".join(d.VERIFICATION_INDICATORS)
    if len(counted) == len(records):
        scope = (f"本表列出{name}（{code}）{indicators}各项数值所含的全部 {len(rows):,} 条源记录"
                 "及其来源（批次、文件或接口、行号）；表末“核对汇总”逐项核对记录合计与发布值。")
    else:
        scope = (f"{name}（{code}）{indicators}各项数值所含的记录 = 各{d.SUBREGION_UNIT}核查清单"
                 f"所列记录 + 本表所列未归属任何{d.SUBREGION_UNIT}、只计入{d.TOTAL_LABEL}的 "
                 f"{len(rows):,} 条记录；表末“核对汇总”按全部 {len(counted):,} 条记录核对发布值。")
    summary = [scope, "流量指标按本年累计（年报为全年）列出各月记录，存量与比率指标按期末列出；"
                      "比率指标分别列出分子与分母的记录。"]
    return Section(f"verification-{code}", f"{SHEET_PREFIX}：{name}（{code}）", summary,
                   [listing, reconciliation], [], [], sheet_name(code, name))


def verification_sections(values: Values, period: ReportPeriod, names: dict[str, str],
                          records: pd.DataFrame | None) -> list[Section]:
    """One sheet per region of the 分区县 table, then the total's: it lists only the records no
    region's sheet lists (attributed to the total only), so every record is in the workbook
    once, and reconciles the total's figures over all of them. A release without
    contributions gets one sheet saying so."""
    if records is None:
        return [Section("verification", SHEET_PREFIX, [
            "本数据版本发布时尚未保存指标的记录明细，无法生成核查清单；"
            "请使用新发布的数据版本重新生成报告。"], [Table("记录明细", RECORD_COLUMNS, [])], [],
            [], SHEET_PREFIX)]
    by_region = dict(tuple(records.groupby("region_code", sort=False)))
    empty = records.iloc[0:0]
    sections = [region_section(values, period, code, names.get(code, code),
                               by_region.get(code, empty)) for code in d.DISTRICTS]
    total = by_region.get(d.CITY, empty)
    listed = records.loc[records["region_code"].isin(list(d.DISTRICTS)), RECORD_IDENTITY]
    marked = total.merge(listed.drop_duplicates(), on=RECORD_IDENTITY, how="left",
                         indicator=True)
    own = total[(marked["_merge"] == "left_only").to_numpy()]
    sections.append(region_section(values, period, d.CITY, names.get(d.CITY, d.CITY_NAME), own,
                                   counted=total))
    return sections
