"""The reporting periods: years, quarters and months from the first year to the run's date."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """One published period; `end` is the evaluation day D (as_of when the period is not over)."""

    period_type: str  # 'year' | 'quarter' | 'month'
    start: dt.date
    nominal_end: dt.date  # the period's last day, whether or not it is over
    end: dt.date
    is_complete: bool

    def contains(self, day: dt.date) -> bool:
        """Flow membership: dated in the period and not after the evaluation day."""
        return self.start <= day <= self.end


def _period(period_type: str, start: dt.date, nominal_end: dt.date, as_of: dt.date) -> Period:
    complete = nominal_end <= as_of
    return Period(period_type, start, nominal_end, nominal_end if complete else as_of, complete)


def periods(as_of: dt.date, first_year: int, types: tuple[str, ...]) -> list[Period]:
    """Every period of the given types that has started on or before `as_of`."""
    result: list[Period] = []
    for year in range(first_year, as_of.year + 1):
        if "year" in types:
            result.append(_period("year", dt.date(year, 1, 1), dt.date(year, 12, 31), as_of))
        for month in range(1, 13):
            start = dt.date(year, month, 1)
            if start > as_of:
                break
            if "quarter" in types and month % 3 == 1:
                last_month = month + 2
                end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
                result.append(_period("quarter", start, end, as_of))
            if "month" in types:
                end = dt.date(year, month, calendar.monthrange(year, month)[1])
                result.append(_period("month", start, end, as_of))
    return result


ALL_TYPES = ("year", "quarter", "month")
YEARS_ONLY = ("year",)
