"""Cross-table and cross-release checks that no single GX expectation expresses.

They are reported exactly like GX results (``Check``), so severity and the gate decision treat
them uniformly. Each is designed to fail on a real defect and never on a correct warehouse.
"""

from __future__ import annotations

from typing import Any

import duckdb

from patentflow.gate.config import GateConfig
from patentflow.gate.result import ERROR, WARN, Check
from patentflow.warehouse.catalog import (
    column_types,
    qualified,
    quote_ident,
    row_count,
    table_exists,
)

INDICATOR_VALUES = "marts.indicator_values"
SUITE = "computed.indicator_values"
MAX_EXAMPLES = 10


# Both indicator checks are computed by DuckDB where the table is: reading the multi-million-row
# table into pandas and grouping it there was most of their time. The group keys and arithmetic
# are the checks' own; ``$name`` parameters carry the regions and indicator lists from the seeds.
COVERAGE_SQL = """
WITH present AS (
    SELECT DISTINCT indicator_id, period_type, period_start, region_code
    FROM marts.indicator_values WHERE breakdown = 'all'),
periods AS (SELECT DISTINCT indicator_id, period_type, period_start FROM present),
expected AS (
    SELECT periods.*, regions.region_code
    FROM periods, (SELECT unnest($everyone::VARCHAR[]) AS region_code) AS regions
    WHERE regions.region_code = $city
       OR NOT list_contains($city_only::VARCHAR[], periods.indicator_id)),
differences AS (
    (SELECT *, 'missing' AS kind FROM (FROM expected EXCEPT FROM present))
    UNION ALL
    (SELECT *, 'unexpected' AS kind FROM (FROM present EXCEPT FROM expected)))
SELECT indicator_id, period_type, period_start,
       list_sort(list(region_code) FILTER (WHERE kind = 'missing')) AS missing,
       list_sort(list(region_code) FILTER (WHERE kind = 'unexpected')) AS unexpected,
       count(*) OVER () AS n_problems
FROM differences
GROUP BY indicator_id, period_type, period_start
ORDER BY indicator_id, period_type, period_start
LIMIT $limit
"""


def check_district_coverage(con: duckdb.DuckDBPyConnection, config: GateConfig) -> Check:
    """Every indicator and period has the city and all districts (city-only ones: the city)."""
    name = f"{SUITE}:every_district_present"
    rows = con.execute(COVERAGE_SQL, {
        "everyone": [config.city_code, *config.districts], "city": config.city_code,
        "city_only": list(config.city_only_indicators), "limit": MAX_EXAMPLES}).fetchall()
    problems = [{"indicator_id": indicator, "period_type": period_type,
                 "period_start": str(start)[:10], "missing": list(missing or []),
                 "unexpected": list(unexpected or [])}
                for indicator, period_type, start, missing, unexpected, _ in rows]
    count = rows[0][-1] if rows else 0
    return Check(name, SUITE, config.severity(name), not problems, count, problems or None)


def unlisted_city_codes(con: duckdb.DuckDBPyConnection, config: GateConfig) -> set[str] | None:
    """City codes (the city's prefix + 2 digits) in the raw layer outside the listed districts;
    None when no table is there to scan."""
    city_pattern = f"{config.city_code}__"
    json_pattern = r'"region_code"\s*:\s*"(' + config.city_code + r'[0-9]{2})"'
    # A plain column holds the code itself; a JSON party column holds "region_code": "<code>".
    queries = {
        "plain": ("SELECT DISTINCT {value} FROM {table} WHERE {value} LIKE ?", city_pattern),
        "json": ("SELECT DISTINCT unnest(regexp_extract_all({value}, ?, 1)) FROM {table}",
                 json_pattern),
    }
    found: set[str] = set()
    scanned = False
    listed = set(config.districts)
    for table, kinds in config.region_code_columns.items():
        if not table_exists(con, table):
            continue
        present = column_types(con, table)
        for kind, (template, pattern) in queries.items():
            for column in kinds.get(kind, []):
                if column not in present:
                    continue
                scanned = True
                statement = template.format(value=f"CAST({quote_ident(column)} AS VARCHAR)",
                                            table=qualified(table))
                found |= {row[0] for row in con.execute(statement, [pattern]).fetchall()}
    return (found - listed) if scanned else None


SUMS_SQL = """
WITH amounts AS (
    SELECT indicator_id, period_type, period_start, breakdown, region_code,
           'value' AS "column", coalesce(value, 0.0) AS amount
    FROM marts.indicator_values WHERE list_contains($value_ids::VARCHAR[], indicator_id)
    UNION ALL
    SELECT indicator_id, period_type, period_start, breakdown, region_code,
           'numerator', coalesce(numerator, 0.0)
    FROM marts.indicator_values WHERE list_contains($ratio_ids::VARCHAR[], indicator_id)
    UNION ALL
    SELECT indicator_id, period_type, period_start, breakdown, region_code,
           'denominator', coalesce(denominator, 0.0)
    FROM marts.indicator_values WHERE list_contains($ratio_ids::VARCHAR[], indicator_id)),
sums AS (
    SELECT indicator_id, period_type, period_start, breakdown, "column",
           coalesce(sum(amount) FILTER (WHERE region_code = $city), 0.0) AS city,
           coalesce(sum(amount) FILTER (
               WHERE list_contains($districts::VARCHAR[], region_code)), 0.0) AS districts
    FROM amounts
    GROUP BY indicator_id, period_type, period_start, breakdown, "column"),
bad AS (
    SELECT * FROM sums
    WHERE city < districts - $tolerance
       OR ($exact AND abs(city - districts) > $tolerance))
SELECT *, count(*) OVER () AS n_failed FROM bad
ORDER BY indicator_id, period_type, period_start, breakdown, "column"
LIMIT $limit
"""


def check_district_sums(con: duckdb.DuckDBPyConnection, config: GateConfig) -> Check:
    """City total against the sum of district rows for additive indicators.

    A record with an unlisted 3701xx code counts for the city only, so the city total is never
    below the district sum; it must equal it when the raw layer holds no such code (or when the raw
    layer is not there to prove otherwise, only the inequality is enforced).
    """
    name = f"{SUITE}:district_sums_match_city"
    tolerance = config.threshold("sum_tolerance")
    strays = unlisted_city_codes(con, config)
    exact = strays is not None and not strays
    rows = con.execute(SUMS_SQL, {
        "value_ids": list(config.additive_value_indicators),
        "ratio_ids": list(config.additive_ratio_indicators), "city": config.city_code,
        "districts": list(config.districts), "tolerance": tolerance, "exact": exact,
        "limit": MAX_EXAMPLES}).fetchall()
    keys = ["indicator_id", "period_type", "period_start", "breakdown", "column"]
    problems: list[dict[str, Any]] = [
        {**dict(zip(keys, [str(k)[:10] if i == 2 else k for i, k in enumerate(row[:5])],
                    strict=True)), "city": row[5], "sum_of_districts": row[6]}
        for row in rows]
    failed = rows[0][-1] if rows else 0
    details = {"mode": "equal" if exact else "city_at_least_sum",
               "unlisted_3701_codes": sorted(strays) if strays else [],
               "raw_layer_scanned": strays is not None, "examples": problems}
    return Check(name, SUITE, config.severity(name), failed == 0, failed, details)


def check_row_counts(con: duckdb.DuckDBPyConnection, config: GateConfig,
                     previous: dict[str, int] | None) -> list[Check]:
    """A sudden drop or jump of a table's rows against the current release is suspicious."""
    checks: list[Check] = []
    drop_limit = config.threshold("max_row_count_drop_pct")
    jump_limit = config.threshold("max_row_count_jump_pct")
    for table in config.row_count_tables:
        suite = "computed.row_counts"
        if not table_exists(con, table):
            continue  # the table's own suite reports it missing
        now = row_count(con, table)
        before = (previous or {}).get(table)
        observed = {"rows": now, "previous_rows": before}
        if not before:
            details = "no previous release to compare with" if previous is None else \
                "table absent or empty in the previous release"
            for kind in ("drop", "jump"):
                checks.append(Check(f"row_count.{table}:{kind}", suite, WARN, True, observed,
                                    details))
            continue
        change = 100.0 * (now - before) / before
        observed["change_pct"] = round(change, 3)
        for kind, success, limit in (("drop", -change <= drop_limit, drop_limit),
                                     ("jump", change <= jump_limit, jump_limit)):
            name = f"row_count.{table}:{kind}"
            default = config.severity(f"rowcount:{kind}", ERROR)
            checks.append(Check(name, suite, config.severity(name, default), success, observed,
                                {"limit_pct": limit}))
    return checks


RECONCILIATION_SUITE = "computed.reconciliation"


def check_batches_match_raw(con: duckdb.DuckDBPyConnection, config: GateConfig) -> list[Check]:
    """Each batch's ``loaded`` equals its rows in ``raw.<entity>``, ``quarantined`` its rows in
    ``audit.quarantine``: the reconciliation must describe what was really loaded.

    Entities without a raw table of that name are listed, not failed (nothing to compare with).
    Batches set aside (``excluded``) are not compared: their rows are deliberately not loaded.
    """
    if not table_exists(con, "audit.reconciliation"):
        return []
    included = ("WHERE NOT excluded" if "excluded" in column_types(con, "audit.reconciliation")
                else "")
    batches = con.execute("SELECT entity, batch_id, loaded, quarantined "  # noqa: S608
                          f"FROM audit.reconciliation {included}").df()
    loaded_problems: list[dict[str, Any]] = []
    not_compared: set[str] = set()
    for entity, group in batches.groupby("entity", sort=True):
        table = f"raw.{entity}"
        if not table_exists(con, table) or "_batch_id" not in column_types(con, table):
            not_compared.add(str(entity))
            continue
        counts = dict(con.execute(
            f"SELECT _batch_id, count(*) FROM {qualified(table)} GROUP BY _batch_id"  # noqa: S608
        ).fetchall())
        for row in group.itertuples():
            in_raw = int(counts.get(row.batch_id, 0))
            if in_raw != row.loaded:
                loaded_problems.append({"batch_id": row.batch_id, "loaded": int(row.loaded),
                                        "rows_in_raw": in_raw})
    name = f"{RECONCILIATION_SUITE}:loaded_matches_raw"
    checks = [Check(name, RECONCILIATION_SUITE, config.severity(name), not loaded_problems,
                    len(loaded_problems), {"examples": loaded_problems[:MAX_EXAMPLES],
                                           "entities_not_compared": sorted(not_compared)})]
    if table_exists(con, "audit.quarantine"):
        rows = dict(con.execute("SELECT batch_id, count(*) FROM audit.quarantine "
                                "GROUP BY batch_id").fetchall())
        mismatched = [{"batch_id": row.batch_id, "quarantined": int(row.quarantined),
                       "rows_in_quarantine": int(rows.get(row.batch_id, 0))}
                      for row in batches.itertuples()
                      if int(rows.get(row.batch_id, 0)) != row.quarantined]
        name = f"{RECONCILIATION_SUITE}:quarantined_matches_quarantine"
        checks.append(Check(name, RECONCILIATION_SUITE, config.severity(name, WARN),
                            not mismatched, len(mismatched), mismatched[:MAX_EXAMPLES] or None))
    return checks


def computed_checks(con: duckdb.DuckDBPyConnection, config: GateConfig,
                    previous_row_counts: dict[str, int] | None) -> list[Check]:
    """All computed checks; one that crashes is itself a failed error check."""
    checks: list[Check] = []
    if table_exists(con, INDICATOR_VALUES):
        for function in (check_district_coverage, check_district_sums):
            try:
                checks.append(function(con, config))
            except Exception as exc:  # noqa: BLE001 - bad data must block, not crash the run
                checks.append(Check(f"{SUITE}:{function.__name__}", SUITE, ERROR, False, None,
                                    f"{type(exc).__name__}: {exc}"))
    try:
        checks.extend(check_batches_match_raw(con, config))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check(f"{RECONCILIATION_SUITE}:run", RECONCILIATION_SUITE, ERROR, False,
                            None, f"{type(exc).__name__}: {exc}"))
    try:
        checks.extend(check_row_counts(con, config, previous_row_counts))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("computed.row_counts:run", "computed.row_counts", ERROR, False, None,
                            f"{type(exc).__name__}: {exc}"))
    return checks
