"""Cross-table and cross-release checks that no single GX expectation expresses.

They are reported exactly like GX results (``Check``), so severity and the gate decision treat
them uniformly. Each is designed to fail on a real defect and never on a correct warehouse.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

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
CITY_CODE_LENGTH = 4  # GB/T 2260: 2 digits a province, 4 a city, 6 a county-level region


def _indicator_frame(con: duckdb.DuckDBPyConnection, columns: list[str]) -> pd.DataFrame:
    select = ", ".join(quote_ident(column) for column in columns)
    return con.execute(f"SELECT {select} FROM {qualified(INDICATOR_VALUES)}").df()  # noqa: S608


def check_district_coverage(con: duckdb.DuckDBPyConnection, config: GateConfig) -> Check:
    """Every indicator and period has the city and all districts (city-only ones: the city)."""
    name = f"{SUITE}:every_district_present"
    frame = _indicator_frame(con, ["indicator_id", "period_type", "period_start", "region_code",
                                   "breakdown"])
    frame = frame[frame["breakdown"] == "all"]
    everyone = {config.city_code, *config.districts}
    problems: list[dict[str, Any]] = []
    for (indicator, period_type, start), group in frame.groupby(
            ["indicator_id", "period_type", "period_start"], sort=True):
        expected = {config.city_code} if indicator in config.city_only_indicators else everyone
        present = set(group["region_code"])
        missing, extra = sorted(expected - present), sorted(present - expected)
        if missing or extra:
            problems.append({"indicator_id": indicator, "period_type": period_type,
                             "period_start": str(start)[:10], "missing": missing,
                             "unexpected": extra})
    return Check(name, SUITE, config.severity(name), not problems, len(problems),
                 problems[:MAX_EXAMPLES] or None)


def unlisted_region_codes(con: duckdb.DuckDBPyConnection,
                          config: GateConfig) -> set[str] | None:
    """6-digit codes of the jurisdiction in the raw layer that the hierarchy does not list;
    None when no table is there to scan."""
    digits = 6 - len(config.city_code)
    plain_pattern = config.city_code + "_" * digits
    json_pattern = (r'"region_code"\s*:\s*"(' + config.city_code + "[0-9]{" + str(digits)
                    + r'})"')
    # A plain column holds the code itself; a JSON party column holds "region_code": "<code>".
    queries = {
        "plain": ("SELECT DISTINCT {value} FROM {table} WHERE {value} LIKE ?", plain_pattern),
        "json": ("SELECT DISTINCT unnest(regexp_extract_all({value}, ?, 1)) FROM {table}",
                 json_pattern),
    }
    found: set[str] = set()
    scanned = False
    listed = {config.city_code, *config.districts}
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


def check_district_sums(con: duckdb.DuckDBPyConnection, config: GateConfig) -> Check:
    """Each listed region with listed children (J; for a province also each city) against the
    sum of its children's rows, for additive indicators.

    A record with a code the hierarchy does not list counts for its nearest listed ancestor
    only, so a parent is never below the sum of its children; it must equal it unless the raw
    layer holds such a code counting for that parent (when the raw layer is not there to prove
    otherwise, only the inequality is enforced).
    """
    name = f"{SUITE}:district_sums_match_city"
    tolerance = config.threshold("sum_tolerance")
    strays = unlisted_region_codes(con, config)
    inexact = {config.nearest_listed(code) for code in strays or ()}
    frame = _indicator_frame(con, ["indicator_id", "period_type", "period_start", "region_code",
                                   "breakdown", "value", "numerator", "denominator"])
    keys = ["indicator_id", "period_type", "period_start", "breakdown", "column"]
    pieces = []
    for ids, columns in ((config.additive_value_indicators, ["value"]),
                         (config.additive_ratio_indicators, ["numerator", "denominator"])):
        subset = frame[frame["indicator_id"].isin(ids)]
        for column in columns:
            pieces.append(subset[keys[:-1] + ["region_code"]].assign(
                column=column, amount=subset[column].fillna(0.0)))
    problems: list[dict[str, Any]] = []
    failed = 0
    if pieces:
        long = pd.concat(pieces, ignore_index=True)
        parent_of = {child: parent for parent, children in config.region_children.items()
                     for child in children}
        children = long.assign(parent=long["region_code"].map(parent_of)).dropna(
            subset=["parent"]).groupby(["parent", *keys])["amount"].sum()
        parents = long[long["region_code"].isin(config.region_children)].rename(
            columns={"region_code": "parent"}).groupby(["parent", *keys])["amount"].sum()
        both = pd.concat([parents.rename("parent_value"), children.rename("children")],
                         axis=1).fillna(0.0)
        # A province row judges PAT-04's / TRN-03's counterparty against the province, its
        # cities against themselves: those add up only from districts to their city.
        scope_changes = both.index.get_level_values("parent").str.len() < CITY_CODE_LENGTH
        both = both[~(scope_changes & both.index.get_level_values("indicator_id").isin(
            config.counterparty_scoped_indicators))]
        below = both["parent_value"] < both["children"] - tolerance
        must_equal = ~both.index.get_level_values("parent").isin(inexact) \
            if strays is not None else False
        unequal = (both["parent_value"] - both["children"]).abs() > tolerance
        bad = below | (unequal & must_equal)
        for key, row in both[bad].head(MAX_EXAMPLES).iterrows():
            problems.append({**dict(zip(["region_code", *keys], [str(k)[:10] if i == 3 else k
                                                                for i, k in enumerate(key)],
                                        strict=True)),
                             "region_value": row["parent_value"],
                             "sum_of_children": row["children"]})
        failed = int(bad.sum())
    exact = strays is not None and not strays
    details = {"mode": "equal" if exact else "parent_at_least_sum",
               "unlisted_codes": sorted(strays) if strays else [],
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
