"""Region codes of the jurisdiction that the hierarchy does not list, count by code.

Such a code (a new district, a code retired before the seed was made) is well formed, so its
records are kept and count for the nearest listed ancestor; dbt's ``int_region_codes_unlisted``
lists them by the field they sit in. The build records them in the run summary and
``patentflow health`` shows them, so that ``dbt_project/seeds/regions.csv`` can be updated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patentflow.core import duck
from patentflow.warehouse.catalog import table_exists

TABLE = "intermediate.int_region_codes_unlisted"


def unlisted_region_codes(warehouse: Path) -> list[dict[str, Any]]:
    """One entry per unlisted code: the code, what it counts for, its records in all, and the
    records per field (``tech_contracts.seller=12, ...``); [] when the build has none."""
    if not warehouse.exists():
        return []
    with duck.connect(warehouse, read_only=True) as con:
        if not table_exists(con, TABLE):
            return []
        rows = con.execute(
            "select region_code, counted_for, sum(records)::bigint,"
            " string_agg(used_in || '=' || records, ', ' order by used_in)"
            " from intermediate.int_region_codes_unlisted"
            " group by region_code, counted_for order by region_code").fetchall()
    return [{"region_code": code, "counted_for": counted_for, "records": int(records),
             "used_in": used_in} for code, counted_for, records, used_in in rows]


def describe(entry: dict[str, Any]) -> str:
    """One console line: ``370199 (counted for 3701): 14 records (tech_contracts.seller=14)``."""
    return (f"{entry['region_code']} (counted for {entry['counted_for']}): "
            f"{entry['records']:,} records ({entry['used_in']})")
