"""Fast look-ups of published indicator values by key, and the period arithmetic of the report
(month value, year-to-date, year-on-year), so sections never filter the 200k-row frame by hand.

Every figure of a month report is as of that month's end, whichever release it is made from: a
year row of an unfinished year runs to the release's as-of day, so it is used in a month report
only when it ends by the month's end; a growth rate over a base year (CON-02) is recomputed from
its flow's year-to-date months (``growth_to_date``).
"""

from __future__ import annotations

import calendar
import math
from datetime import date
from typing import Any

import pandas as pd

from patentflow.report.definitions import CITY, GROWTH_OF, INDICATORS, YEAR_ONLY
from patentflow.report.period import ReportPeriod
from patentflow.report.tables import is_missing

Key = tuple[str, str, date, str, str]


class Values:
    """``marts.indicator_values`` keyed by (indicator, period type, period start, region,
    breakdown)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        keys = zip(frame["indicator_id"], frame["period_type"], frame["period_start"],
                   frame["region_code"], frame["breakdown"], strict=True)
        records = frame[["value", "numerator", "denominator", "unit", "period_end",
                         "is_complete", "target_value"]].to_dict(orient="records")
        self._rows: dict[Key, dict[str, Any]] = dict(zip(keys, records, strict=True))
        self.units: dict[str, str] = (frame.dropna(subset=["unit"])
                                      .groupby("indicator_id")["unit"].first().to_dict())

    def row(self, indicator: str, period_type: str, start: date, region: str = CITY,
            breakdown: str = "all") -> dict[str, Any] | None:
        return self._rows.get((indicator, period_type, start, region, breakdown))

    def value(self, indicator: str, period_type: str, start: date, region: str = CITY,
              breakdown: str = "all") -> float | None:
        row = self.row(indicator, period_type, start, region, breakdown)
        return None if row is None or is_missing(row["value"]) else float(row["value"])

    def unit(self, indicator: str) -> str:
        return self.units.get(indicator, "")

    # ---- period arithmetic -----------------------------------------------------------------

    def year_row(self, indicator: str, period: ReportPeriod, region: str = CITY,
                 breakdown: str = "all") -> dict[str, Any] | None:
        """The year row of the period's year, if it ends by the period's end: in a month report
        the year row of a later release (it runs past the month) is not the month's figure."""
        row = self.row(indicator, "year", date(period.year, 1, 1), region, breakdown)
        if row is None or (period.kind == "month" and row["period_end"] > period.end):
            return None
        return row

    def growth_to_date(self, indicator: str, period: ReportPeriod, region: str = CITY,
                       breakdown: str = "all") -> dict[str, Any] | None:
        """A growth rate over a base year (CON-02) as of the period's end: 100 × (year-to-date
        flow ÷ base-year flow − 1), the base being the published row's denominator. The dict
        has the keys of a published row."""
        published = self.row(indicator, "year", date(period.year, 1, 1), region, breakdown)
        flow = GROWTH_OF[indicator]
        numerator = self.year_to_date(flow, period, region, breakdown)
        if published is None or numerator is None or is_missing(published["denominator"]):
            return None
        base = float(published["denominator"])
        months = [self.row(flow, "month", date(period.year, m, 1), region, breakdown)
                  for m in range(1, period.last_month + 1)]
        ends = [r["period_end"] for r in months if r is not None]
        return {**published, "value": 100.0 * (numerator / base - 1.0) if base else None,
                "numerator": numerator,
                "period_end": max(ends) if ends else published["period_end"]}

    def in_period(self, indicator: str, period: ReportPeriod, region: str = CITY,
                  breakdown: str = "all") -> float | None:
        """The period's own row: a month (year-only indicators: their year row, as far as it
        runs by the month's end) or a year."""
        if period.kind == "month" and indicator in GROWTH_OF:
            row = self.growth_to_date(indicator, period, region, breakdown)
            return None if row is None or is_missing(row["value"]) else float(row["value"])
        if period.kind == "year" or indicator in YEAR_ONLY:
            row = self.year_row(indicator, period, region, breakdown)
            return None if row is None or is_missing(row["value"]) else float(row["value"])
        return self.value(indicator, "month", period.start, region, breakdown)

    def year_to_date(self, indicator: str, period: ReportPeriod, region: str = CITY,
                     breakdown: str = "all") -> float | None:
        """January to the period's last month.

        Stocks: the value at the period end. Additive flows: the sum of the month rows (the year
        row may run past the report month). Rates: Σ numerators ÷ Σ denominators. Non-additive
        counts (distinct enterprises): only the year row, when it ends by the report month.
        """
        info = INDICATORS.get(indicator)
        year_start = date(period.year, 1, 1)
        if indicator in YEAR_ONLY or period.last_month == 12 and period.kind == "year":
            return self.in_period(indicator, period, region, breakdown)
        if info is not None and info.kind == "stock":
            return self.in_period(indicator, period, region, breakdown)
        months = [self.row(indicator, "month", date(period.year, m, 1), region, breakdown)
                  for m in range(1, period.last_month + 1)]
        if info is not None and info.kind == "rate":
            if any(r is None for r in months):
                return None
            num = sum(0.0 if is_missing(r["numerator"]) else r["numerator"] for r in months)
            den = sum(0.0 if is_missing(r["denominator"]) else r["denominator"] for r in months)
            return 100.0 * num / den if den else None
        if info is not None and not info.additive:
            year_row = self.row(indicator, "year", year_start, region, breakdown)
            month_end = date(period.year, period.last_month,
                             calendar.monthrange(period.year, period.last_month)[1])
            if year_row is not None and year_row["period_end"] <= month_end:
                return None if is_missing(year_row["value"]) else float(year_row["value"])
            return None
        present = [r for r in months if r is not None and not is_missing(r["value"])]
        if not present:
            return None
        return float(sum(r["value"] for r in present))

    def monthly_series(self, indicator: str, year: int, last_month: int = 12,
                       region: str = CITY, breakdown: str = "all") -> list[float | None]:
        return [self.value(indicator, "month", date(year, m, 1), region, breakdown)
                for m in range(1, last_month + 1)]


def change_pct(current: float | None, previous: float | None) -> float | None:
    """Relative change in %, or None when either side is missing or the base is zero."""
    if current is None or previous is None or previous == 0 or math.isnan(previous):
        return None
    return 100.0 * (current / previous - 1.0)


def difference(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return current - previous
