"""``patentflow diff --explain``: why a value changed, record by record.

Every published value is the aggregate of its contributions (``marts.fct_indicator_contributions``
for flows and rates, the ``marts.fct_indicator_stock_contributions`` view for stocks), so a
revision is fully explained by the contributions that differ between the two releases: records
that **entered** the value, **left** it, or contribute another **amount**. They are compared on
(indicator, period, region, breakdown, role, record kind, record key) for the revised values only
— never the whole history — each side read from its own release, read-only.

A record that left one region's value and entered another region's value of the same indicator,
period, breakdown and role (a corrected district) says so (``moved_region``). When the records'
amounts do not add up to a count's or a sum's revision, the rest is reported as unexplained
rather than hidden; a release published before contributions were stored cannot be compared and
the diff says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from patentflow.core import duck, reference
from patentflow.release.contributions import (
    LINEAGE,
    RECORD_KEY,
    empty_contributions,
    read_contributions,
)
from patentflow.release.registry import INDICATOR_KEY, VALUE_TOLERANCE

CHANGE_COLUMNS = [*RECORD_KEY, "record_change", "old_amount", "new_amount", "amount_delta",
                  "moved_region", *(f"old_{c}" for c in LINEAGE), *(f"new_{c}" for c in LINEAGE)]
ENTERED, LEFT, AMOUNT = "entered", "left", "amount"

_COMPARE = """
    with changes as (
        select indicator_id, period_type, period_start, region_code, breakdown, role,
               record_kind, record_key,
               case when old.amount is null and old.record_key is null then 'entered'
                    when new.record_key is null then 'left' else 'amount' end as record_change,
               old.amount as old_amount, new.amount as new_amount,
               coalesce(new.amount, 0) - coalesce(old.amount, 0) as amount_delta,
               old.source as old_source, old.batch_id as old_batch_id,
               old.origin as old_origin, old.row_number as old_row_number,
               new.source as new_source, new.batch_id as new_batch_id,
               new.origin as new_origin, new.row_number as new_row_number
        from old_contributions as old
        full outer join new_contributions as new
          using (indicator_id, period_type, period_start, region_code, breakdown, role,
                 record_kind, record_key)
        where old.record_key is null or new.record_key is null
           or abs(coalesce(new.amount, 0) - coalesce(old.amount, 0)) > ?
    ),

    pairs as (
        select gone.indicator_id, gone.period_type, gone.period_start, gone.breakdown,
               gone.role, gone.record_kind, gone.record_key,
               gone.region_code as left_region, came.region_code as entered_region
        from changes as gone
        join changes as came
          using (indicator_id, period_type, period_start, breakdown, role, record_kind,
                 record_key)
        where gone.record_change = 'left' and came.record_change = 'entered'
          and length(gone.region_code) = length(came.region_code)
    ),

    moves as (
        select indicator_id, period_type, period_start, breakdown, role, record_kind,
               record_key, left_region as region_code, 'left' as record_change,
               min(entered_region) as moved_region
        from pairs
        group by all
        union all
        select indicator_id, period_type, period_start, breakdown, role, record_kind,
               record_key, entered_region as region_code, 'entered' as record_change,
               min(left_region) as moved_region
        from pairs
        group by all
    )

    select changes.indicator_id, changes.period_type, changes.period_start,
           changes.region_code, changes.breakdown, changes.role, changes.record_kind,
           changes.record_key, changes.record_change, changes.old_amount, changes.new_amount,
           changes.amount_delta, moves.moved_region,
           changes.old_source, changes.old_batch_id, changes.old_origin, changes.old_row_number,
           changes.new_source, changes.new_batch_id, changes.new_origin, changes.new_row_number
    from changes
    left join moves
      using (indicator_id, period_type, period_start, region_code, breakdown, role,
             record_kind, record_key, record_change)
"""


def record_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The contributions that differ between two releases (``CHANGE_COLUMNS``): entered, left,
    or another amount; largest absolute amount change first within each value."""
    con = duck.connect()
    try:
        con.register("old_contributions", old)
        con.register("new_contributions", new)
        changes = con.execute(_COMPARE, [VALUE_TOLERANCE]).df()
    finally:
        con.close()
    changes["period_start"] = pd.to_datetime(changes["period_start"])
    order = changes.assign(_size=changes["amount_delta"].abs())
    order = order.sort_values([*INDICATOR_KEY, "role", "_size", "record_kind", "record_key"],
                              ascending=[*[True] * 6, False, True, True])
    return order[CHANGE_COLUMNS].reset_index(drop=True)


def explain_revisions(old_warehouse: Path, new_warehouse: Path,
                      revisions: pd.DataFrame) -> pd.DataFrame:
    """Record changes behind ``revisions`` (rows of ``revisions_between``) from release ``old``
    to release ``new``; ``NoContributions`` when either release has none stored."""
    if revisions.empty:
        return record_changes(empty_contributions(), empty_contributions())
    keys = revisions[INDICATOR_KEY]
    changes = record_changes(read_contributions(old_warehouse, keys),
                             read_contributions(new_warehouse, keys))
    # every region was compared (to see moves); keep the revisions' own records
    wanted = keys.assign(period_start=pd.to_datetime(keys["period_start"])).drop_duplicates()
    return changes.merge(wanted, on=INDICATOR_KEY)[CHANGE_COLUMNS]


def summed_indicators() -> frozenset[str]:
    """Indicators whose value is the plain sum of its ``value`` contributions (counts, sums);
    a distinct count, a rate or a growth rate is not."""
    return frozenset(i.id for i in reference.indicators().values()
                     if i.value_method in {"count", "sum"})


def unexplained(revisions: pd.DataFrame, changes: pd.DataFrame) -> pd.Series:
    """Per revision (aligned with ``revisions``): how much of the value's change its record
    changes do not account for — 0 when they add up — for indicators whose value is the sum of
    its contributions; NaN where that cannot be said (a rate, a value to or from null)."""
    explained = (changes[changes["role"] == "value"]
                 .groupby(INDICATOR_KEY, as_index=False)["amount_delta"].sum())
    keyed = revisions[[*INDICATOR_KEY, "old_value", "new_value", "change"]].assign(
        period_start=pd.to_datetime(revisions["period_start"]))
    keyed = keyed.merge(explained, on=INDICATOR_KEY, how="left")
    new = keyed["new_value"].where(keyed["change"] != "removed", 0.0)
    gap = (new - keyed["old_value"]) - keyed["amount_delta"].fillna(0.0)
    gap = gap.where(gap.abs() > 1e-6, 0.0)
    gap = gap.where(keyed["indicator_id"].isin(summed_indicators()))
    return pd.Series(gap.to_numpy(), index=revisions.index)
