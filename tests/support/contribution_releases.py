"""Two published releases whose values are the aggregates of their record contributions, with
the revisions a statistics office meets between two releases:

- a technology contract cancelled by a re-issue of its month's file (C1 leaves CON-01), another
  whose amount the re-issue corrects (C2: 80 → 60), a third re-delivered unchanged (C3: only its
  lineage changes, so it is no revision);
- a revoked TR01 transfer (E1 leaves TRN-01);
- a patent's district corrected (P1 moves from 370102 to 370103 in PAT-01; the city is
  unchanged for it) and a late-reported patent (P4 enters PAT-01);
- an inventory return that enters UNI-03's numerator (a rate: 50 % → 100 %);
- a pledge registered in June (PLG-2025-0009 enters FIN-01 of 2025; June itself is a new key,
  an addition) and a FIN-01 value revised in ``indicator_values`` with no record behind it
  (what drift between a value and its contributions looks like).

A contract in Huaiyin, unchanged between A and B, has a key and a file name that read like
formulas (for the workbook's verification sheets).

Flows and rates are stored in ``marts.fct_indicator_contributions``; PAT-01 in the
``marts.fct_indicator_stock_contributions`` view over a table of period-end states, as the
release has it. A third, older release has values but no contributions.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from tests.support.published_home import INJECTION, _write_release

RELEASE_OLD = "20250430-00000000"  # published before contributions were stored
RELEASE_A = "20250531-aaaaaaaa"
RELEASE_B = "20250630-bbbbbbbb"
CITY, LIXIA, SHIZHONG, HUAIYIN = "3701", "370102", "370103", "370104"
REGIONS = [CITY, LIXIA, SHIZHONG, HUAIYIN]
UNITS = {"CON-01": "万元", "TRN-01": "次", "PAT-01": "件", "UNI-03": "%", "FIN-01": "万元"}

CONTRACT_FILE = ("tech_contract_drop", "tech_contracts__20250405__contracts_2025-03",
                 "contracts_2025-03.csv")
REISSUE_FILE = ("tech_contract_drop", "tech_contracts__20250610__contracts_2025-03_r1",
                "contracts_2025-03_r1.csv")
EVENTS_PAGE = ("patent_api", "legal_events__20250301__0001",
               "GET /v1/legal-events?updated_since=2025-02-28 cursor=c-17")
PATENTS_PAGE = ("patent_api", "patents__20250531__0001", "GET /v1/patents cursor=p-3")
PATENTS_CORRECTED = ("patent_api", "patents__20250620__0002", "GET /v1/patents cursor=p-9")
RETURNS_FILE = ("reference_drop", "inventory_returns__20250615__returns_2025-06",
                "inventory_returns_2025-06.csv")

C1, C2, C3 = "2025370102000001", "2025370102000002", "2025370103000003"
PLANTED_ORIGIN = "@contracts_2025-03.csv"
E1, E2 = "EV-TR01-0001", "EV-TR01-0002"
P1, P2, P4 = "202310000001.5", "202310000002.3", "202410000004.1"
U1, U2 = "202010000010.7", "202010000011.5"

MARCH, FEBRUARY, MAY, APRIL, JUNE = (date(2025, m, 1) for m in (3, 2, 5, 4, 6))
YEAR = date(2025, 1, 1)


def _flow(indicator, month, region, kind, key, amount, lineage, row):
    """A flow record counts in its month and its year, in its district and the city."""
    return [(indicator, period_type, start, where, "all", "value", kind, key, amount, *lineage,
             row)
            for period_type, start in (("month", month), ("year", YEAR))
            for where in (region, CITY)]


def _stock(month, region, key, lineage, row):
    return [("PAT-01", "month", month, where, "all", "value", "patent", key, 1.0, *lineage, row)
            for where in (region, CITY)]


def contributions(release: str) -> tuple[list[tuple], list[tuple]]:
    """(flow and rate contributions, stock contributions) of release A or B."""
    b = release == RELEASE_B
    flows = [
        *([] if b else _flow("CON-01", MARCH, LIXIA, "contract", C1, 120.5, CONTRACT_FILE, 4)),
        *_flow("CON-01", MARCH, LIXIA, "contract", C2, 60.0 if b else 80.0,
               REISSUE_FILE if b else CONTRACT_FILE, 2 if b else 5),
        *_flow("CON-01", MARCH, SHIZHONG, "contract", C3, 50.0,
               REISSUE_FILE if b else CONTRACT_FILE, 3 if b else 6),
        *_flow("CON-01", MARCH, HUAIYIN, "contract", INJECTION, 10.0,
               (*CONTRACT_FILE[:2], PLANTED_ORIGIN), 7),
        *([] if b else _flow("TRN-01", FEBRUARY, SHIZHONG, "legal_event", E1, 1.0, EVENTS_PAGE,
                             17)),
        *_flow("TRN-01", FEBRUARY, SHIZHONG, "legal_event", E2, 1.0, EVENTS_PAGE, 18),
        *_flow("FIN-01", APRIL, HUAIYIN, "pledge", "PLG-2025-0007", 300.0,
               ("finance_api", "pledges__20250501__0001", "GET /v1/pledges cursor=f-1"), 2),
        ("UNI-03", "month", MAY, CITY, "all", "numerator", "inventory_return", U1, 1.0,
         *RETURNS_FILE, 1),
        ("UNI-03", "month", MAY, CITY, "all", "denominator", "patent", U1, 1.0, *PATENTS_PAGE, 1),
        ("UNI-03", "month", MAY, CITY, "all", "denominator", "patent", U2, 1.0, *PATENTS_PAGE, 2),
    ]
    if b:
        flows.append(("UNI-03", "month", MAY, CITY, "all", "numerator", "inventory_return", U2,
                      1.0, *RETURNS_FILE, 2))
        flows += _flow("FIN-01", JUNE, HUAIYIN, "pledge", "PLG-2025-0009", 500.0,
                       ("finance_api", "pledges__20250625__0001", "GET /v1/pledges cursor=f-4"),
                       1)
    stocks = [
        *_stock(MAY, SHIZHONG if b else LIXIA, P1, PATENTS_CORRECTED if b else PATENTS_PAGE,
                4 if b else 1),
        *_stock(MAY, LIXIA, P2, PATENTS_PAGE, 2),
        *(_stock(MAY, HUAIYIN, P4, PATENTS_CORRECTED, 5) if b else []),
    ]
    return flows, stocks


COLUMNS = ["indicator_id", "period_type", "period_start", "region_code", "breakdown", "role",
           "record_kind", "record_key", "amount", "source", "batch_id", "origin", "row_number"]
KEY = ["indicator_id", "period_type", "period_start", "region_code", "breakdown"]


def values_of(records: pd.DataFrame, drift: float = 0.0) -> pd.DataFrame:
    """``indicator_values`` as the aggregate of the contributions (every region of a value's
    indicator and period present, 0 when no record counts there); ``drift`` is added to FIN-01
    of April 2025 in Huaiyin without a record (a value that left its contributions)."""
    sums = records.pivot_table(index=KEY, columns="role", values="amount", aggfunc="sum",
                               fill_value=0.0).reset_index()
    periods = sums[["indicator_id", "period_type", "period_start", "breakdown"]].drop_duplicates()
    regions = pd.DataFrame({"region_code": REGIONS})
    scaffold = periods.merge(regions, how="cross")
    scaffold = scaffold[(scaffold["indicator_id"] != "UNI-03") | (scaffold["region_code"] == CITY)]
    frame = scaffold.merge(sums, on=KEY, how="left").fillna(
        {"value": 0.0, "numerator": 0.0, "denominator": 0.0})
    rate = frame["indicator_id"] == "UNI-03"
    frame["value"] = frame["value"].where(~rate, 100.0 * frame["numerator"] / frame["denominator"])
    frame["numerator"] = frame["numerator"].where(rate)
    frame["denominator"] = frame["denominator"].where(rate)
    drifted = ((frame["indicator_id"] == "FIN-01") & (frame["period_start"] == APRIL)
               & (frame["region_code"] == HUAIYIN) & (frame["period_type"] == "month"))
    frame.loc[drifted, "value"] += drift
    frame["period_end"] = frame["period_start"]
    frame["is_complete"] = True
    frame["unit"] = frame["indicator_id"].map(UNITS)
    frame["target_value"] = None
    return frame


def write_contributions(warehouse: Path, flows: list[tuple], stocks: list[tuple]) -> None:
    """``marts.fct_indicator_contributions`` (``flows``: rows of ``COLUMNS``) and the
    ``marts.fct_indicator_stock_contributions`` view (over a table of ``stocks``) in a release's
    warehouse file."""
    con = duckdb.connect(str(warehouse))
    try:
        for name, rows in (("fct_indicator_contributions", flows),
                           ("stock_states_fixture", stocks)):
            con.register("rows", pd.DataFrame(rows, columns=COLUMNS))
            con.execute(f"CREATE TABLE marts.{name} AS SELECT * REPLACE "  # noqa: S608
                        "(CAST(period_start AS DATE) AS period_start, "
                        "CAST(amount AS DOUBLE) AS amount, "
                        "CAST(row_number AS BIGINT) AS row_number) FROM rows")
            con.unregister("rows")
        con.execute("CREATE VIEW marts.fct_indicator_stock_contributions AS "
                    "SELECT * FROM marts.stock_states_fixture")
    finally:
        con.close()


def build_contribution_home(home: Path) -> Path:
    """The three releases under ``<home>/releases``, B current."""
    releases = home / "releases"
    releases.mkdir(parents=True)
    for release_id in (RELEASE_OLD, RELEASE_A, RELEASE_B):
        flows, stocks = contributions(RELEASE_A if release_id == RELEASE_OLD else release_id)
        records = pd.DataFrame(flows + stocks, columns=COLUMNS)
        values = values_of(records, drift=25.0 if release_id == RELEASE_B else 0.0)
        directory = _write_release(releases, release_id, values.assign(release_id=release_id),
                                   {"extra": {}})
        if release_id != RELEASE_OLD:
            write_contributions(directory / "warehouse.duckdb", flows, stocks)
    os.symlink(RELEASE_B, releases / "current")
    with (releases / "releases.jsonl").open("w", encoding="utf-8") as handle:
        for release_id in (RELEASE_OLD, RELEASE_A, RELEASE_B):
            handle.write(json.dumps({"event": "published", "release_id": release_id}) + "\n")
    return home
