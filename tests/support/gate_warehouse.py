"""Small fixture build warehouses for the gate and publication tests (no dbt involved).

The fixture has the published shape of ``marts.indicator_values`` for four indicators (an additive
count, a rate, a growth rate and a city-only count) over three periods for the city and all 13
districts, plus ``audit.quarantine``, ``audit.reconciliation`` and one raw table.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path

import duckdb

from patentflow.core.settings import Settings, load_settings

CITY = "3701"
DISTRICTS = ["370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
             "370116", "370117", "370124", "370126", "370176"]
PERIODS = [("year", date(2024, 1, 1), date(2024, 12, 31), True),
           ("year", date(2025, 1, 1), date(2025, 12, 31), True),
           ("quarter", date(2025, 1, 1), date(2025, 3, 31), True)]
COLUMNS = ["indicator_id", "period_type", "period_start", "period_end", "is_complete",
           "region_code", "breakdown", "value", "numerator", "denominator", "unit",
           "target_value", "release_id"]
INDICATOR_VALUES_DDL = """
CREATE TABLE marts.indicator_values (
  indicator_id VARCHAR, period_type VARCHAR, period_start DATE, period_end DATE,
  is_complete BOOLEAN, region_code VARCHAR, breakdown VARCHAR, value DOUBLE, numerator DOUBLE,
  denominator DOUBLE, unit VARCHAR, target_value DOUBLE, release_id VARCHAR)
"""


def make_settings(home: Path, keep_releases: int = 10) -> Settings:
    settings = load_settings({"PATENTFLOW_HOME": str(home),
                              "PATENTFLOW_KEEP_RELEASES": str(keep_releases)})
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return settings


def indicator_rows(offset: float = 0.0) -> list[tuple]:
    """Consistent rows: district sums equal the city total; ``offset`` revises every value."""
    rows: list[tuple] = []
    for p_index, (ptype, start, end, complete) in enumerate(PERIODS):
        counts = {code: float(i + 1 + p_index) + offset for i, code in enumerate(DISTRICTS)}
        for code, count in [*counts.items(), (CITY, sum(counts.values()))]:
            rows.append(("PAT-01", ptype, start, end, complete, code, "all", count, None, None,
                         "件", None, "build"))
            rows.append(("PAT-01", ptype, start, end, complete, code,
                         "industry_chain=biomedicine", count / 2, None, None, "件", None, "build"))
            rows.append(("CON-02", ptype, start, end, complete, code, "all", -20.0 + count, None,
                         None, "%", 30.0 if code == CITY else None, "build"))
        for i, code in enumerate(DISTRICTS):
            denominator = 0.0 if i == 0 else float(10 * i)
            numerator = 0.0 if i == 0 else float(5 * i)
            value = None if denominator == 0 else 100.0 * numerator / denominator
            rows.append(("UNI-03", ptype, start, end, complete, code, "all", value, numerator,
                         denominator, "%", None, "build"))
        city_n = sum(5.0 * i for i in range(1, 13))
        city_d = sum(10.0 * i for i in range(1, 13))
        rows.append(("UNI-03", ptype, start, end, complete, CITY, "all", 100 * city_n / city_d,
                     city_n, city_d, "%", None, "build"))
        rows.append(("FIN-08", ptype, start, end, complete, CITY, "all", 3.0, None, None, "场",
                     None, "build"))
    return rows


def build_fixture_warehouse(path: Path, offset: float = 0.0) -> Path:
    """(Re)create a consistent build warehouse at ``path``; returns it."""
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        for schema in ("raw", "marts", "audit", "staging"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(INDICATOR_VALUES_DDL)
        con.executemany("INSERT INTO marts.indicator_values VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", indicator_rows(offset))
        con.execute("CREATE VIEW marts.indicator_catalog AS "
                    "SELECT DISTINCT indicator_id, unit FROM marts.indicator_values")
        con.execute("CREATE TABLE staging.not_public AS SELECT 1 AS secret_column")
        con.execute("""CREATE TABLE audit.reconciliation (source VARCHAR, entity VARCHAR,
            batch_id VARCHAR, origin VARCHAR, delivered BIGINT, loaded BIGINT,
            quarantined BIGINT, superseded BIGINT, extracted_at TIMESTAMPTZ, checksum VARCHAR,
            excluded BOOLEAN DEFAULT false, excluded_reason VARCHAR)""")
        con.executemany("INSERT INTO audit.reconciliation (source, entity, batch_id, origin, "
                        "delivered, loaded, quarantined, superseded, extracted_at, checksum) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?)", [
            ("finance_api", "pledges", "pledges__20250331__0001", "/v1/pledges cursor=",
             6, 3, 2, 1, "2025-04-01T02:00:00+00:00", "a" * 64),
            ("tech_contract_drop", "tech_contracts", "tech_contracts__20250331__contracts_2025-03",
             "contracts_2025-03.csv", 50, 50, 0, 0, "2025-04-01T02:00:00+00:00", "b" * 64),
            ("reference_drop", "population", "population__20250331__population_20250301",
             "population_20250301.csv", 5, 5, 0, 0, "2025-04-01T02:00:00+00:00", "c" * 64),
        ])
        con.execute("""CREATE TABLE audit.quarantine (source VARCHAR, entity VARCHAR,
            batch_id VARCHAR, record_key VARCHAR, reason_code VARCHAR, reason VARCHAR,
            raw_record VARCHAR)""")
        con.executemany("INSERT INTO audit.quarantine VALUES (?,?,?,?,?,?,?)", [
            ("finance_api", "pledges", "pledges__20250331__0001", "P-1", "negative_amount",
             "loan_amount_wan < 0", json.dumps({"pledge_id": "P-1"})),
            ("finance_api", "pledges", "pledges__20250331__0001", "P-2", "bad_date",
             "registration_date 2021-02-30", json.dumps({"pledge_id": "P-2"})),
        ])
        con.execute("""CREATE TABLE raw.pledges (_batch_id VARCHAR, _source VARCHAR,
            _entity VARCHAR, _origin VARCHAR, _extracted_at TIMESTAMPTZ, _checksum VARCHAR,
            _row_number BIGINT, _record VARCHAR, pledge_id VARCHAR, registration_date DATE,
            pledgor_name VARCHAR, pledgor_uscc VARCHAR, pledgor_party_type VARCHAR,
            pledgor_region_code VARCHAR, pledgor_country VARCHAR, pledgee_name VARCHAR,
            pledgee_uscc VARCHAR, pledgee_institution_type VARCHAR,
            patent_application_nos VARCHAR, trademark_count INTEGER,
            loan_amount_wan DECIMAL(18,4), term_months INTEGER, status VARCHAR,
            release_date DATE, updated_at TIMESTAMPTZ)""")
        con.executemany("INSERT INTO raw.pledges VALUES "
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [
            ("pledges__20250331__0001", "finance_api", "pledges", "/v1/pledges cursor=",
             "2025-04-01T02:00:00+00:00", "a" * 64, n, "{}", f"P-{n + 10}", date(2025, 3, 1),
             "济南某公司", "91370100MA3C000000", "enterprise", DISTRICTS[n % 13], "CN", "某银行",
             None, "bank", "202223220665.2", 0, 500.0 + n, 12, "active", None,
             "2025-03-01T08:00:00+08:00") for n in range(1, 4)])
    finally:
        con.close()
    return path


def mutate(path: Path, *statements: str) -> None:
    """Plant a defect: run fixed SQL statements against the fixture warehouse."""
    con = duckdb.connect(str(path))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def tree_digest(directory: Path) -> dict[str, str]:
    """Every file below ``directory`` (links followed to the releases they name) → sha256,
    plus the target of every symlink: equal digests mean a byte-identical publication area."""
    digest: dict[str, str] = {}
    for root, _dirs, files in os.walk(directory):
        for name in sorted(files + _dirs):
            path = Path(root, name)
            key = str(path.relative_to(directory))
            if path.is_symlink():
                digest[key] = "link->" + os.readlink(path)
            elif path.is_file():
                digest[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def gate_against_current(settings: Settings, run_id: str, run_results: Path | None = None):
    """Run the gate as the build task does: row counts compared with the release now served."""
    from patentflow.gate.runner import run_gate
    from patentflow.release.registry import current_release

    served = current_release(settings)
    return run_gate(settings, run_id, run_results,
                    previous_row_counts=dict(served.row_counts) if served else None)
