"""Dates and ``updated_at`` timestamps as the sources write them.

Dates are handled as proleptic ordinals (ints) while generating, which is fast and makes
"between a and b" draws trivial; they become ``YYYY-MM-DD`` strings or ISO timestamps with the
``+08:00`` offset only when a record is written.
"""

from __future__ import annotations

import random
from datetime import date, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
_DAY_SECONDS = 86_400
_EPOCH_ORD = date(1970, 1, 1).toordinal()


class Clock:
    """Knows the data's ``as_of`` date and turns ordinals into contract-formatted strings."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.as_of_ord = as_of.toordinal()
        # Nothing is updated after the end of the as_of day (Beijing time).
        self.last_second = (self.as_of_ord + 1 - _EPOCH_ORD) * _DAY_SECONDS - 1
        self._iso_cache: dict[int, str] = {}

    def iso(self, ordinal: int) -> str:
        text = self._iso_cache.get(ordinal)
        if text is None:
            text = date.fromordinal(ordinal).isoformat()
            self._iso_cache[ordinal] = text
        return text

    def day_second(self, ordinal: int, rng: random.Random) -> int:
        """A second within the office hours of ``ordinal`` (Beijing local seconds since epoch),
        never after the end of the as_of day."""
        value = (ordinal - _EPOCH_ORD) * _DAY_SECONDS + rng.randint(8 * 3600, 19 * 3600)
        return min(value, self.last_second)

    def updated_after(self, ordinal: int, rng: random.Random, max_lag_days: int = 20) -> int:
        """A plausible ``updated_at`` a few days after a business date, capped at as_of."""
        return self.day_second(min(ordinal + rng.randint(0, max_lag_days), self.as_of_ord), rng)

    @staticmethod
    def timestamp(local_second: int) -> str:
        """``YYYY-MM-DDTHH:MM:SS+08:00`` for Beijing local seconds since the epoch."""
        days, rest = divmod(local_second, _DAY_SECONDS)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        day = date.fromordinal(days + _EPOCH_ORD).isoformat()
        return f"{day}T{hours:02d}:{minutes:02d}:{seconds:02d}+08:00"


def between(rng: random.Random, start: int, end: int) -> int | None:
    """A uniformly drawn ordinal in [start, end], or None when the range is empty."""
    if start > end:
        return None
    return rng.randint(start, end)


def add_years(ordinal: int, years: int) -> int:
    """Same calendar day ``years`` later (29 Feb becomes 28 Feb)."""
    day = date.fromordinal(ordinal)
    try:
        return day.replace(year=day.year + years).toordinal()
    except ValueError:
        return day.replace(year=day.year + years, day=28).toordinal()


def seconds_of(timestamp: str) -> int:
    """Inverse of ``Clock.timestamp`` for the ``+08:00`` timestamps the sandbox writes."""
    day = date.fromisoformat(timestamp[:10]).toordinal() - _EPOCH_ORD
    return day * _DAY_SECONDS + int(timestamp[11:13]) * 3600 + int(timestamp[14:16]) * 60 + int(
        timestamp[17:19])


ORD_2019 = date(2019, 1, 1).toordinal()
