"""Data intervals in Beijing time.

The statistics are kept in Asia/Shanghai: a data interval ending at 2025-07-01T00:00+08:00 covers
June 30th, so the statistical day "as of" which indicators are computed is June 30th. Deriving the
day in UTC would put the last evening of a month into the wrong month.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pendulum

STATISTICS_TZ = pendulum.timezone("Asia/Shanghai")


def as_of_for_interval_end(interval_end: datetime) -> date:
    """The last statistical day an interval ending (exclusively) at ``interval_end`` covers."""
    local_end = pendulum.instance(interval_end).in_timezone(STATISTICS_TZ)
    return (local_end - timedelta(microseconds=1)).date()


def interval_for_as_of(as_of: date) -> tuple[datetime, datetime]:
    """The daily data interval [as_of 00:00, as_of+1 00:00) in Beijing time."""
    start = pendulum.datetime(as_of.year, as_of.month, as_of.day, tz=STATISTICS_TZ)
    return start, start.add(days=1)


def yesterday_in_beijing(now: datetime | None = None) -> date:
    """Default ``AS_OF``: the last complete Beijing day (used only by the CLI, never by tasks)."""
    current = pendulum.instance(now) if now else pendulum.now(STATISTICS_TZ)
    return current.in_timezone(STATISTICS_TZ).date() - timedelta(days=1)


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


class BadDay(ValueError):
    """A day argument that is not a date, or names a data interval that has not ended yet."""


def statistical_day(text: str, argument: str, now: datetime | None = None) -> date:
    """``text`` as a statistical day whose data interval has ended (yesterday, Beijing, or
    before). Refused before anything runs: an interval still open (or in the future) would
    ingest and publish data that has not happened, under a release dated after today."""
    try:
        day = date.fromisoformat(text)
    except ValueError as invalid:
        raise BadDay(f"{argument} {text!r}: expected a date YYYY-MM-DD ({invalid})") from None
    latest = yesterday_in_beijing(now)
    if day > latest:
        raise BadDay(f"{argument} {day}: its data interval has not ended yet; the latest "
                     f"statistical day is yesterday in Beijing, {latest}")
    return day
