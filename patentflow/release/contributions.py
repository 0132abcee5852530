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

import pandas as pd

from patentflow.core import duck
from patentflow.release.registry import INDICATOR_KEY
from patentflow.warehouse.catalog import table_exists

CONTRIBUTIONS = "marts.fct_indicator_contributions"
STOCK_CONTRIBUTIONS = "marts.fct_indicator_stock_contributions"
RECORD_KEY = [*INDICATOR_KEY, "role", "record_kind", "record_key"]
LINEAGE = ["source", "batch_id", "origin", "row_number"]
VALUE_FAMILY = ["indicator_id", "period_type", "period_start", "breakdown"]
"""A value in every region (readers take all regions of the values they want)."""

# The contributions of the wanted values in both relations (a stock's contributions are a view
# over the period-end states). A record listed twice under one key (it should not be) is
# summed, so the amounts still reconcile with the value.
_READ = """
    with contributions as (
        select * from marts.fct_indicator_contributions
        union all by name
        select * from marts.fct_indicator_stock_contributions
    )

    select c.indicator_id, c.period_type, c.period_start, c.region_code, c.breakdown, c.role,
           c.record_kind, c.record_key, sum(c.amount) as amount,
           min(c.source) as source, min(c.batch_id) as batch_id, min(c.origin) as origin,
           min(c.row_number) as row_number
    from contributions as c
    join wanted as w
      on c.indicator_id = w.indicator_id and c.period_type = w.period_type
     and c.period_start = cast(w.period_start as date) and c.breakdown = w.breakdown
    group by all
"""


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
        con.register("wanted", keys[VALUE_FAMILY].drop_duplicates())
        return con.execute(_READ).df()
    finally:
        con.close()


def empty_contributions() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in (
        *((c, "object") for c in RECORD_KEY), ("amount", "float64"),
        *((c, "object") for c in LINEAGE))})
