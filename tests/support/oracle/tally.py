"""Counting facts into (region, breakdown) cells and turning cells into published rows.

A fact is counted for the city and for its district (when the region code is one of the 13), and
under `all` plus each of its breakdowns. Rows are emitted for the whole domain, zeros included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .periods import Period
from .reference import REGIONS, regions_of

ALL = "all"


class Tally:
    """Additive cells: counts or sums."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], float] = defaultdict(float)

    def add(self, region: str | None, breakdowns: Iterable[str] = (), amount: float = 1.0) -> None:
        keys = (ALL, *breakdowns)
        for published_region in regions_of(region):
            for breakdown in keys:
                self.cells[(published_region, breakdown)] += amount

    def get(self, region: str, breakdown: str = ALL) -> float:
        return self.cells.get((region, breakdown), 0.0)


class RateTally:
    """A rate's numerator and denominator cells (the numerator only counts denominator facts)."""

    def __init__(self) -> None:
        self.numerator = Tally()
        self.denominator = Tally()

    def add(self, region: str | None, breakdowns: Iterable[str], in_numerator: bool) -> None:
        keys = tuple(breakdowns)
        self.denominator.add(region, keys)
        if in_numerator:
            self.numerator.add(region, keys)

    def breakdowns_with_denominator(self, region: str, prefix: str) -> list[str]:
        """The breakdown values of a dimension that occur in this region's denominator."""
        return sorted(
            {
                key
                for (cell_region, key), count in self.denominator.cells.items()
                if cell_region == region and key.startswith(prefix) and count > 0
            }
        )


def rate_fields(numerator: float, denominator: float) -> tuple[float | None, float, float]:
    """(value, numerator, denominator) of a percentage; a zero denominator gives a null value."""
    if denominator == 0:
        return None, 0.0, 0.0
    return 100.0 * numerator / denominator, numerator, denominator


class RowSink:
    """Collects the published rows (as dicts) of one computation."""

    def __init__(self, wanted: Iterable[str] | None = None) -> None:
        self.rows: list[dict] = []
        self.wanted = None if wanted is None else frozenset(wanted)

    def emit(
        self,
        indicator_id: str,
        period: Period,
        region: str,
        breakdown: str,
        value: float | None,
        numerator: float | None = None,
        denominator: float | None = None,
    ) -> None:
        if self.wanted is not None and indicator_id not in self.wanted:
            return
        self.rows.append(
            {
                "indicator_id": indicator_id,
                "period_type": period.period_type,
                "period_start": period.start,
                "period_end": period.end,
                "is_complete": period.is_complete,
                "region_code": region,
                "breakdown": breakdown,
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "_nominal_end": period.nominal_end,
            }
        )

    def emit_counts(
        self,
        indicator_id: str,
        period: Period,
        tally: Tally,
        breakdowns: Iterable[str] = (),
        regions: Iterable[str] = REGIONS,
    ) -> None:
        """One row per region × (all + breakdowns), zeros included."""
        keys = (ALL, *breakdowns)
        for region in regions:
            for breakdown in keys:
                self.emit(indicator_id, period, region, breakdown, tally.get(region, breakdown))

    def emit_rates(
        self,
        indicator_id: str,
        period: Period,
        tally: RateTally,
        breakdowns: Iterable[str] = (),
        per_region_prefix: str | None = None,
    ) -> None:
        """Rate rows; `per_region_prefix` adds the breakdowns found in each region's denominator."""
        fixed = (ALL, *breakdowns)
        for region in REGIONS:
            keys = fixed
            if per_region_prefix is not None:
                keys = (*fixed, *tally.breakdowns_with_denominator(region, per_region_prefix))
            for breakdown in keys:
                value, numerator, denominator = rate_fields(
                    tally.numerator.get(region, breakdown), tally.denominator.get(region, breakdown)
                )
                self.emit(indicator_id, period, region, breakdown, value, numerator, denominator)
