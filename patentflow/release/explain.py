"""``patentflow explain``: one published value, the rule behind it and the records it is made of.

A district checking its numbers asks "why is our CON-01 for 2025 this amount, which contracts are
in it?". The release answers it from its own tables, opened read-only: the value from
``marts.indicator_values``, the rule in words from the indicator catalogue, and the records from
``marts.fct_indicator_contributions`` (stored: flows, rates of records, the derived indicators'
parts) and the view ``marts.fct_indicator_stock_contributions`` (patents at each period end).
The published value is the sum of exactly those records (a dbt test of the gate), so the
explanation is the computation, not a second opinion.

The computation (:func:`explain`, an :class:`Explanation`) is separate from its renderings
(:func:`explain_text`, :func:`write_csv`). A bad argument raises :class:`BadExplainArgument`
naming the valid choices, which the command turns into exit code 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from patentflow.core import duck, reference
from patentflow.core.settings import Settings
from patentflow.release.registry import (
    CURRENT,
    NoCurrentRelease,
    current_release,
    release_info,
)
from patentflow.warehouse.catalog import table_exists

DEFAULT_LIMIT = 20
_SELECT_RECORDS = ("SELECT role, record_kind, record_key, amount, source, batch_id, origin, "
                   "row_number FROM ")
_ROW_KEY = (" WHERE indicator_id = ? AND period_type = ? AND period_start = ? "
            "AND region_code = ? AND breakdown = ?")
# relation -> the query listing one row's records (relation names are constants, never data)
CONTRIBUTION_QUERIES = {
    relation: _SELECT_RECORDS + relation + _ROW_KEY
    for relation in ("marts.fct_indicator_contributions",
                     "marts.fct_indicator_stock_contributions")
}
# the catalogue's value methods whose value is a ratio of two published parts
RATIO_METHODS = frozenset({"percent", "per_10k", "growth"})
RECORD_COLUMNS = ["role", "record_kind", "record_key", "amount", "source", "batch_id", "origin",
                  "row_number"]
ROLES = ("value", "numerator", "denominator")
PERIOD_TYPE_SYNTAX = {"year": "YYYY", "quarter": "YYYY-Qn", "month": "YYYY-MM"}
LISTED_AT_MOST = 30  # valid choices named in an error message before "and N more"


class BadExplainArgument(ValueError):
    """An indicator, period, region or breakdown the release does not publish (a usage error)."""


class NoContributions(LookupError):
    """The release predates record-level contributions: its values cannot be explained."""


@dataclass(frozen=True)
class Period:
    """A period as people write it: ``2025`` (year), ``2025-Q2`` (quarter), ``2025-06``
    (month)."""

    text: str
    period_type: str
    period_start: date

    @classmethod
    def parse(cls, text: str) -> Period:
        value = text.strip()
        if match := re.fullmatch(r"(\d{4})", value):
            return cls(value, "year", date(int(match[1]), 1, 1))
        if match := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
            return cls(value.upper(), "quarter", date(int(match[1]), 3 * int(match[2]) - 2, 1))
        if (match := re.fullmatch(r"(\d{4})-(\d{2})", value)) and 1 <= int(match[2]) <= 12:
            return cls(value, "month", date(int(match[1]), int(match[2]), 1))
        raise BadExplainArgument(
            f"period {text!r}: expected YYYY (a year), YYYY-Qn (a quarter) or YYYY-MM (a month)")

    @staticmethod
    def label(period_type: str, start: date) -> str:
        if period_type == "year":
            return f"{start.year}"
        if period_type == "quarter":
            return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        return f"{start.year}-{start.month:02d}"


@dataclass
class Explanation:
    """One published row of ``indicator_values`` and every record it is the sum of.

    ``records``: one row per (role, record), ``RECORD_COLUMNS``, largest amount first within a
    role; ``sums``: role → (records, sum of their amounts).
    """

    release_id: str
    indicator: reference.Indicator
    period: Period
    region_code: str
    region_name: str
    breakdown: str
    period_end: date
    is_complete: bool
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    records: pd.DataFrame

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles this indicator's records are listed under."""
        if self.indicator.value_method in RATIO_METHODS:
            return ("numerator", "denominator")
        return ("value",)

    def sums(self) -> dict[str, tuple[int, float]]:
        grouped = self.records.groupby("role")["amount"]
        return {role: (int(grouped.size().get(role, 0)), float(grouped.sum().get(role, 0.0)))
                for role in self.roles}


def _release(settings: Settings, release_id: str) -> tuple[str, Path]:
    if release_id == CURRENT:
        info = current_release(settings)
        if info is None:
            raise NoCurrentRelease(f"no release published under {settings.releases_dir}")
    else:
        info = release_info(settings, release_id)
    return info.release_id, info.warehouse_path


def _choices(values: list[str]) -> str:
    shown = ", ".join(values[:LISTED_AT_MOST])
    more = len(values) - LISTED_AT_MOST
    return shown + (f" and {more} more" if more > 0 else "")


def _column(con: duckdb.DuckDBPyConnection, query: str, parameters: list[object]) -> list:
    return [row[0] for row in con.execute(query, parameters).fetchall()]


def _validated_indicator(con: duckdb.DuckDBPyConnection, indicator_id: str,
                         catalogue: dict[str, reference.Indicator]) -> reference.Indicator:
    wanted = indicator_id.strip().upper()
    published = _column(con, "SELECT DISTINCT indicator_id FROM marts.indicator_values "
                             "ORDER BY indicator_id", [])
    if wanted not in published or wanted not in catalogue:
        raise BadExplainArgument(
            f"unknown indicator {indicator_id!r}; this release publishes {_choices(published)}")
    return catalogue[wanted]


def _validated_period(con: duckdb.DuckDBPyConnection, indicator: reference.Indicator,
                      text: str) -> Period:
    period = Period.parse(text)
    if period.period_type not in indicator.period_types:
        forms = " or ".join(f"{PERIOD_TYPE_SYNTAX[kind]} ({kind})"
                            for kind in indicator.period_types)
        raise BadExplainArgument(
            f"{indicator.id} is published for {', '.join(indicator.period_types)} periods, "
            f"not {period.period_type}s: write the period as {forms}")
    starts = _column(con, "SELECT DISTINCT period_start FROM marts.indicator_values "
                          "WHERE indicator_id = ? AND period_type = ? ORDER BY period_start",
                     [indicator.id, period.period_type])
    if period.period_start not in starts:
        labels = [Period.label(period.period_type, start) for start in starts]
        raise BadExplainArgument(
            f"{indicator.id} has no {period.period_type} {period.text} in this release; "
            f"published: {_choices(labels)}")
    return period


def _region_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if table_exists(con, "marts.dim_region"):
        return dict(con.execute("SELECT region_code, name_zh FROM marts.dim_region").fetchall())
    return reference.region_names()


def _validated_region(con: duckdb.DuckDBPyConnection, indicator: reference.Indicator,
                      period: Period, region: str, names: dict[str, str]) -> str:
    code = region.strip()
    codes = _column(con, "SELECT DISTINCT region_code FROM marts.indicator_values "
                         "WHERE indicator_id = ? AND period_type = ? AND period_start = ? "
                         "ORDER BY region_code",
                    [indicator.id, period.period_type, period.period_start])
    if code not in codes:
        listed = [f"{value} {names.get(value, '')}".strip() for value in codes]
        raise BadExplainArgument(
            f"region {region!r} has no {indicator.id} row; valid regions: {_choices(listed)}")
    return code


def _validated_breakdown(con: duckdb.DuckDBPyConnection, indicator: reference.Indicator,
                         period: Period, region: str, breakdown: str) -> str:
    wanted = breakdown.strip()
    published = _column(con, "SELECT DISTINCT breakdown FROM marts.indicator_values "
                             "WHERE indicator_id = ? AND period_type = ? AND period_start = ? "
                             "AND region_code = ? ORDER BY breakdown <> 'all', breakdown",
                        [indicator.id, period.period_type, period.period_start, region])
    if wanted not in published:
        raise BadExplainArgument(
            f"breakdown {breakdown!r} is not published for {indicator.id} {period.text} "
            f"{region}; valid breakdowns: {_choices(published)}")
    return wanted


def _records(con: duckdb.DuckDBPyConnection, key: list[object]) -> pd.DataFrame:
    """Every record listed for the row ``key`` (indicator, type, start, region, breakdown)."""
    present = [relation for relation in CONTRIBUTION_QUERIES if table_exists(con, relation)]
    if not present:
        raise NoContributions(
            "this release has no record-level contributions (it was published before they "
            "existed); explain a newer release")
    frame = pd.concat([con.execute(CONTRIBUTION_QUERIES[relation], key).df()
                       for relation in present], ignore_index=True)[RECORD_COLUMNS]
    order = frame["role"].map({role: index for index, role in enumerate(ROLES)})
    return (frame.assign(_order=order, _size=frame["amount"].abs())
            .sort_values(["_order", "_size", "record_key"], ascending=[True, False, True])
            .drop(columns=["_order", "_size"]).reset_index(drop=True))


def explain(settings: Settings, indicator_id: str, period: str, region: str,
            breakdown: str = "all", release: str = CURRENT) -> Explanation:
    """The published row (indicator, period, region, breakdown) of ``release`` and its records.

    Raises ``BadExplainArgument`` (naming the valid choices) for anything the release does not
    publish, ``UnknownRelease`` / ``NoCurrentRelease`` for a release that is not there and
    ``NoContributions`` for one published before contributions existed.
    """
    release_id, warehouse = _release(settings, release)
    con = duck.connect(str(warehouse), read_only=True)
    try:
        indicator = _validated_indicator(con, indicator_id, reference.indicators())
        chosen = _validated_period(con, indicator, period)
        names = _region_names(con)
        code = _validated_region(con, indicator, chosen, region, names)
        row_breakdown = _validated_breakdown(con, indicator, chosen, code, breakdown)
        key: list[object] = [indicator.id, chosen.period_type, chosen.period_start, code,
                             row_breakdown]
        value, numerator, denominator, period_end, is_complete, target = con.execute(
            "SELECT value, numerator, denominator, period_end, is_complete, target_value "
            "FROM marts.indicator_values WHERE indicator_id = ? AND period_type = ? "
            "AND period_start = ? AND region_code = ? AND breakdown = ?", key).fetchone()
        records = _records(con, key)
    finally:
        con.close()
    return Explanation(
        release_id=release_id, indicator=indicator, period=chosen, region_code=code,
        region_name=names.get(code, ""), breakdown=row_breakdown, period_end=period_end,
        is_complete=bool(is_complete), value=value, numerator=numerator,
        denominator=denominator, target=target, records=records)



def _number(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "null"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0")


def _rule(indicator: reference.Indicator) -> str:
    method = {"count": "a count of records", "sum": "a sum of the records' amounts",
              "distinct_count": "a count of distinct parties (1 on each one's first record)",
              "percent": "100 × numerator / denominator",
              "per_10k": "numerator / denominator (population in 10,000s)",
              "growth": "100 × (numerator / denominator − 1)"}.get(indicator.value_method,
                                                                 indicator.value_method)
    return (f"{indicator.definition_zh}\n  {indicator.kind}, {method}; region by "
            f"{indicator.region_attribution}")


def explain_text(explanation: Explanation, limit: int = DEFAULT_LIMIT) -> str:
    """The console rendering: the row, the rule, the sums per role and the top ``limit``
    records of each role."""
    e = explanation
    status = "complete" if e.is_complete else f"not complete, D = {e.period_end}"
    lines = [
        f"{e.indicator.id} {e.indicator.name_zh} ({e.indicator.name_en})",
        f"period {e.period.text} ({e.period.period_type} from {e.period.period_start}, {status})"
        f", region {e.region_code} {e.region_name}, breakdown {e.breakdown}",
        f"release {e.release_id}",
        f"value: {_number(e.value)} {e.indicator.unit}"
        + (f" (target {_number(e.target)})" if e.target is not None else ""),
        f"rule: {_rule(e.indicator)}",
    ]
    sums = e.sums()
    for role in e.roles:
        count, total = sums[role]
        published = {"value": e.value, "numerator": e.numerator,
                     "denominator": e.denominator}[role]
        lines.append(f"{role}: {_number(published)} = sum of {count:,} record(s) "
                     f"({_number(total)})")
    for role in e.roles:
        listed = e.records[e.records["role"] == role]
        if listed.empty:
            continue
        shown = listed.head(limit)
        lines += ["", f"{role} records ({len(shown):,} of {len(listed):,}, largest first):",
                  shown.drop(columns=["role"]).to_string(index=False)]
    if len(e.records) > limit * len(e.roles):
        lines += ["", "--csv FILE writes every record"]
    return "\n".join(lines)


def write_csv(explanation: Explanation, path: Path) -> int:
    """Every record (one row per role and record) as CSV with the row's key; returns the count."""
    e = explanation
    frame = e.records.assign(
        indicator_id=e.indicator.id, period=e.period.text, period_type=e.period.period_type,
        period_start=e.period.period_start, region_code=e.region_code, breakdown=e.breakdown,
        release_id=e.release_id)
    columns = ["indicator_id", "period", "period_type", "period_start", "region_code",
               "breakdown", *RECORD_COLUMNS, "release_id"]
    path.parent.mkdir(parents=True, exist_ok=True)
    frame[columns].to_csv(path, index=False)
    return len(frame)
