"""The report period: a calendar month or a calendar year, and the periods it is compared with.

Deliberately free of pandas/duckdb so that the report DAG can derive the period from its data
interval at parse time without heavy imports.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

import pendulum

STATISTICS_TZ = pendulum.timezone("Asia/Shanghai")


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # "month" or "year"
    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> ReportPeriod:
        """``2025-06`` is a month, ``2025`` a year."""
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = (int(part) for part in text.split("-"))
            if not 1 <= month <= 12:
                raise ValueError(f"not a month: {text}")
            return cls("month", year, month)
        if re.fullmatch(r"\d{4}", text):
            return cls("year", int(text))
        raise ValueError(f"a report period is YYYY-MM or YYYY, not {text!r}")

    @classmethod
    def for_data_interval(cls, kind: str, interval_start: datetime) -> ReportPeriod:
        """The period a scheduled run reports on: the month (or year) in which its data interval
        starts, in Beijing time — the interval of the run on 3 July starts on 3 June."""
        local = pendulum.instance(interval_start).in_timezone(STATISTICS_TZ)
        return cls("month", local.year, local.month) if kind == "month" else cls("year", local.year)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.kind == "month" else str(self.year)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月" if self.kind == "month" else f"{self.year}年"

    @property
    def start(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def end(self) -> date:
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def last_month(self) -> int:
        """The last month the period covers (12 for a year)."""
        return self.month or 12

    def previous(self) -> ReportPeriod:
        """Last month for a month report, last year for a year report."""
        if self.kind == "year":
            return ReportPeriod("year", self.year - 1)
        if self.month == 1:
            return ReportPeriod("month", self.year - 1, 12)
        return ReportPeriod("month", self.year, (self.month or 1) - 1)

    def year_ago(self) -> ReportPeriod:
        return ReportPeriod(self.kind, self.year - 1, self.month)
