"""The record contributions of a release: which records make up each published value.

Every value of ``marts.indicator_values`` is the aggregate of its contributions (one logic, so
they cannot drift): ``marts.fct_indicator_contributions`` holds those of flows and rates, the
``marts.fct_indicator_stock_contributions`` view those of stocks (a record at each period end).
Both have the value's key, the ``role`` (``value``, or a rate's ``numerator``/``denominator``),
the record (``record_kind``, ``record_key``), its ``amount`` (1 for a count) and its lineage
(``source``, ``batch_id``, ``origin``: file name or API origin, ``row_number``).

Readers here take what they need for some values only, read-only, from the release's own file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from patentflow.core import duck, reference
from patentflow.release.registry import INDICATOR_KEY
from patentflow.warehouse.catalog import table_exists

CONTRIBUTIONS = "marts.fct_indicator_contributions"
STOCK_CONTRIBUTIONS = "marts.fct_indicator_stock_contributions"
RECORD_KEY = [*INDICATOR_KEY, "role", "record_kind", "record_key"]
LINEAGE = ["source", "batch_id", "origin", "row_number"]
VALUE_FAMILY = ["indicator_id", "period_type", "period_start", "breakdown"]
"""A value in every region (readers take all regions of the values they want)."""

# Each relation holds one row per (value key, role, record) (tested by dbt). The stored table
# is joined with the wanted keys directly. (The template is filled at import with the two
# constant relation names, never with data.)
_JOINED = """
    select c.indicator_id, c.period_type, c.period_start, c.region_code, c.breakdown, c.role,
           c.record_kind, c.record_key, c.amount, c.source, c.batch_id, c.origin, c.row_number
    from {relation} as c
    join wanted as w
      on c.indicator_id = w.indicator_id and c.period_type = w.period_type
     and c.period_start = cast(w.period_start as date) and c.breakdown = w.breakdown
"""
_READ_STORED = _JOINED.format(relation=CONTRIBUTIONS)
_READ_VIEW_JOINED = _JOINED.format(relation=STOCK_CONTRIBUTIONS)
_STORED_ROLES = """
    select distinct indicator_id, role from marts.fct_indicator_contributions
    where list_contains(?::varchar[], indicator_id)
"""
# The view computes the period-end states on demand. Filtered by equalities (one period, one
# breakdown) DuckDB pushes the filter into it; a join with the wanted keys or a list of
# breakdowns makes it compute every period end or breakdown first (at Jinan scale, 5 s for
# one period and breakdown against 17–40 s).
_READ_VIEW = """
    select c.indicator_id, c.period_type, c.period_start, c.region_code, c.breakdown, c.role,
           c.record_kind, c.record_key, c.amount, c.source, c.batch_id, c.origin, c.row_number
    from marts.fct_indicator_stock_contributions as c
    where c.period_type = ? and c.period_start = ?::date and c.breakdown = ?
      and list_contains(?::varchar[], c.indicator_id)
"""
VIEW_QUERIES_AT_MOST = 4
"""Up to this many (period, breakdown) groups the view is read one group at a time, each filter
pushed into it (seconds each at Jinan scale); beyond, one join computes it once (tens of
seconds), which a diff of many revised periods needs."""
TWO_PART_METHODS = frozenset({"percent", "per_10k", "growth"})
"""Value methods whose contributions are a numerator's and a denominator's records."""


def expected_roles(indicator: str) -> frozenset[str]:
    info = reference.indicators().get(indicator)
    if info is not None and info.value_method in TWO_PART_METHODS:
        return frozenset({"numerator", "denominator"})
    return frozenset({"value"})


class NoContributions(LookupError):
    """A release published before record contributions were stored: nothing to list."""


def read_contributions(warehouse: Path, keys: pd.DataFrame) -> pd.DataFrame:
    """The contributions of a release to the values at ``keys`` in every region
    (``VALUE_FAMILY``), one row per (value key, role, record), with the record's lineage in that
    release.

    Raises ``NoContributions`` when the release has neither contributions relation.
    """
    con = duck.connect(warehouse, read_only=True)
    try:
        missing = [r for r in (CONTRIBUTIONS, STOCK_CONTRIBUTIONS) if not table_exists(con, r)]
        if missing:
            raise NoContributions(f"release {warehouse.parent.name} has no "
                                  f"{' or '.join(missing)} (published before contributions "
                                  "were stored)")
        wanted = keys[VALUE_FAMILY].drop_duplicates().assign(
            period_start=lambda frame: pd.to_datetime(frame["period_start"]))
        con.register("wanted", wanted)
        frames = [con.execute(_READ_STORED).df()]
        in_view = wanted[wanted["indicator_id"].isin(
            _in_view(con, sorted(set(wanted["indicator_id"]))))]
        frames += _view_records(con, in_view)
    finally:
        con.close()
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else empty_contributions()


def _view_records(con: Any, wanted: pd.DataFrame) -> list[pd.DataFrame]:
    groups = wanted.groupby(["period_type", "period_start", "breakdown"])
    if groups.ngroups > VIEW_QUERIES_AT_MOST:
        con.register("wanted", wanted)
        return [con.execute(_READ_VIEW_JOINED).df()]
    frames = []
    for (period_type, start, breakdown), group in groups:
        found = con.execute(_READ_VIEW, [period_type, start.date(), breakdown,
                                         sorted(set(group["indicator_id"]))]).df()
        found["period_start"] = pd.to_datetime(found["period_start"])
        frames.append(found.merge(group[VALUE_FAMILY], on=VALUE_FAMILY))
    return frames


def _in_view(con: Any, indicators: list[str]) -> set[str]:
    """The indicators whose records (or some of whose parts) the stored table does not hold:
    those of the stock view (a patent stock, a rate over stocks, PAT-03's numerator)."""
    stored: dict[str, set[str]] = {}
    for indicator, role in con.execute(_STORED_ROLES, [indicators]).fetchall():
        stored.setdefault(indicator, set()).add(role)
    return {i for i in indicators if expected_roles(i) - stored.get(i, set())}


def empty_contributions() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in (
        *((c, "object") for c in RECORD_KEY), ("amount", "float64"),
        *((c, "object") for c in LINEAGE))})
