"""Every published number has its records: the contributions marts on the hand-made fixture.

`marts.fct_indicator_contributions` (stored: flows, FIN-05, CON-02, PAT-03's population) and the
view `marts.fct_indicator_stock_contributions` (patents at each period end) list, per published
row of `indicator_values`, the records that make it up with their lineage. The values below are
the fixture's hand-computed ones (see test_dbt_build.py); the records are the fixture's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.built_fixture import built_fixture
from tests.warehouse.test_dbt_build import run_dbt

FLOW = "marts.fct_indicator_contributions"
STOCK = "marts.fct_indicator_stock_contributions"
LISTED = {FLOW: "select * from marts.fct_indicator_contributions",
          STOCK: "select * from marts.fct_indicator_stock_contributions"}
# where each kind of record lives in the raw layer, and its business key there
RAW_KEYS = {
    "contract": ("raw.tech_contracts", "registration_no"),
    "legal_event": ("raw.legal_events", "event_id"),
    "pledge": ("raw.pledges", "pledge_id"),
    "policy": ("raw.insurance_policies", "policy_no"),
    "roadshow": ("raw.roadshows", "roadshow_id"),
    "product": ("raw.intensive_products", "product_id"),
    "population": ("raw.population", "region_code || '|' || cast(year as varchar)"),
    "patent": ("raw.patents", "application_no"),
    "inventory_return": ("raw.inventory_returns",
                         "application_no || '|' || cast(entered_date as varchar)"),
}


@pytest.fixture(scope="module")
def fixture_path(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return built_fixture(tmp_path_factory, worker_id).warehouse


@pytest.fixture(scope="module")
def warehouse(fixture_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(fixture_path), read_only=True)
    yield con
    con.close()


def records(con: duckdb.DuckDBPyConnection, relation: str, indicator: str, period_start: str,
            region: str = "3701", breakdown: str = "all", period_type: str = "year",
            role: str = "value") -> dict[str, float]:
    """record_key → amount of one published row's role."""
    rows = con.execute(
        LISTED[relation] + " where indicator_id = ? and period_type = ? "
        "and period_start = cast(? as date) and region_code = ? and breakdown = ? and role = ?",
        [indicator, period_type, period_start, region, breakdown, role]).fetchall()
    columns = [column[0] for column in con.description]
    keyed = [dict(zip(columns, row, strict=True)) for row in rows]
    assert len({row["record_key"] for row in keyed}) == len(keyed), keyed
    return {row["record_key"]: row["amount"] for row in keyed}


# --- the records behind a value ----------------------------------------------------------------

def test_con01_lists_the_current_valid_patent_contracts_with_their_turnover(warehouse):
    # CON-01 2025 = 160: C1 100 (370112) + C2 60; C7 cancelled, C6 Beijing, C3 no patent
    assert records(warehouse, FLOW, "CON-01", "2025-01-01") == {"C1": 100, "C2": 60}
    assert records(warehouse, FLOW, "CON-01", "2025-01-01", "370112") == {"C1": 100}
    assert records(warehouse, FLOW, "CON-06", "2025-01-01") == {"C1": 1, "C2": 1}
    assert records(warehouse, FLOW, "CON-01", "2025-04-01", period_type="quarter") == {}


def test_a_distinct_count_puts_one_on_each_pledgors_first_pledge_and_lists_them_all(warehouse):
    # FIN-03 2025 = 1: F1 and F2 share a pledgor (F1 registered first), F4 has none
    assert records(warehouse, FLOW, "FIN-03", "2025-01-01") == {"F1": 1, "F2": 0, "F4": 0}


def test_a_rate_lists_its_numerator_and_denominator_records(warehouse):
    fin_05_denominator = records(warehouse, FLOW, "FIN-05", "2025-01-01", role="denominator")
    fin_05_numerator = records(warehouse, FLOW, "FIN-05", "2025-01-01", role="numerator")
    assert set(fin_05_numerator) <= set(fin_05_denominator)
    assert records(warehouse, FLOW, "FIN-05", "2025-01-01", role="value") == {}
    # UNI-01 2025 = 2 / 3: three university inventions, two converted
    numerator = records(warehouse, STOCK, "UNI-01", "2025-01-01", role="numerator")
    denominator = records(warehouse, STOCK, "UNI-01", "2025-01-01", role="denominator")
    assert len(numerator) == 2 and len(denominator) == 3
    assert set(numerator) < set(denominator)


def test_con02_lists_the_years_and_the_base_years_contracts(warehouse):
    # CON-02 2025 = 100 x (160 / 100 - 1)
    assert records(warehouse, FLOW, "CON-02", "2025-01-01", role="numerator") == {
        "C1": 100, "C2": 60}
    assert sum(records(warehouse, FLOW, "CON-02", "2025-01-01", role="denominator")
               .values()) == 100
    # a base year of 0 (370176): numerator 0, nothing listed under it
    assert records(warehouse, FLOW, "CON-02", "2025-01-01", "370176", role="numerator") == {}


def test_pat03_lists_the_high_value_patents_over_the_population_row_used(warehouse):
    denominator = records(warehouse, FLOW, "PAT-03", "2025-01-01", role="denominator")
    assert denominator == {"3701|2024": pytest.approx(950)}  # 2025 falls back to 2024
    assert records(warehouse, STOCK, "PAT-03", "2025-01-01", role="numerator") == records(
        warehouse, STOCK, "PAT-02", "2025-01-01")


def test_pat01_lists_the_patents_in_force_on_d_by_their_first_owner_then(warehouse):
    listed = records(warehouse, STOCK, "PAT-01", "2025-01-01", "370112")
    assert set(listed.values()) == {1} and len(listed) == 3
    assert len(records(warehouse, STOCK, "PAT-01", "2025-01-01")) == 6
    # P1 moved to 370176 by its transfer: listed there in 2025, in 370102 in 2023
    assert len(records(warehouse, STOCK, "PAT-01", "2023-01-01", "370102")) == 2


def test_uni02_lists_the_latest_inventory_returns_on_d(warehouse):
    listed = records(warehouse, STOCK, "UNI-02", "2025-01-01", role="denominator")
    assert len(listed) == 2
    assert all("|" in key for key in listed)  # application number | entry date


# --- lineage and shape -------------------------------------------------------------------------

@pytest.mark.parametrize("relation", [FLOW, STOCK])
def test_every_record_points_at_the_raw_row_it_was_loaded_from(warehouse, relation):
    listed = warehouse.execute(
        f"select distinct record_kind, record_key, source, batch_id, origin, row_number "  # noqa: S608
        f"from {relation}").fetchall()
    assert listed
    kinds = {row[0] for row in listed}
    assert kinds <= set(RAW_KEYS), kinds
    for kind, key, source, batch_id, origin, row_number in listed:
        table, key_sql = RAW_KEYS[kind]
        raw = warehouse.execute(
            f"select {key_sql}, _source, _origin from {table} "  # noqa: S608
            "where _batch_id = ? and _row_number = ?", [batch_id, row_number]).fetchall()
        assert raw == [(key, source, origin)], (kind, key, batch_id, row_number, raw)


def test_the_stock_contributions_are_a_view_and_the_flow_contributions_a_table(warehouse):
    kinds = dict(warehouse.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'marts' and table_name like 'fct_indicator_%contributions'"
    ).fetchall())
    assert kinds == {"fct_indicator_contributions": "BASE TABLE",
                     "fct_indicator_stock_contributions": "VIEW"}


# --- the gate's test can fail ------------------------------------------------------------------

def test_equals_sum_of_contributions_fails_on_planted_mismatches(fixture_path, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(fixture_path, broken)
    con = duckdb.connect(str(broken))
    con.execute("""
        update marts.fct_indicator_contributions set amount = amount + 1
        where indicator_id = 'CON-01' and period_type = 'year' and period_start = '2025-01-01'
          and region_code = '370112' and breakdown = 'all' and record_key = 'C1'
    """)
    con.execute("""
        delete from marts.fct_indicator_contributions
        where indicator_id = 'FIN-05' and role = 'denominator' and period_type = 'year'
          and period_start = '2025-01-01' and region_code = '3701' and breakdown = 'all'
          and record_key = 'F1'
    """)
    con.execute("""
        insert into marts.fct_indicator_contributions
        select indicator_id, period_type, period_start, region_code, 'industry_chain=nowhere',
               role, record_kind, record_key, amount, source, batch_id, origin, row_number
        from marts.fct_indicator_contributions
        where indicator_id = 'FIN-01' and period_type = 'year' and period_start = '2025-01-01'
          and region_code = '3701' and breakdown = 'all' and record_key = 'F1'
    """)
    # a patent the stock rules no longer count on 2025-06-30: the view stops listing it
    con.execute("""
        update marts.fct_patent_monthly_snapshot set counts_in_pat_01 = false
        where snapshot_date = '2025-06-30' and application_no = '202010000002.2'
    """)
    con.close()

    result = run_dbt(["test", "--select", "indicator_values_equal_sum_of_contributions",
                      "--store-failures"], broken, tmp_path)
    assert result.returncode != 0, result.stdout[-3000:]
    con = duckdb.connect(str(broken), read_only=True)
    schema = con.execute(
        "select table_schema from information_schema.tables "
        "where table_name = 'indicator_values_equal_sum_of_contributions'").fetchone()[0]
    failures = con.execute(
        f'select indicator_id, period_type, region_code, breakdown, mismatch '  # noqa: S608
        f'from "{schema}".indicator_values_equal_sum_of_contributions '
        "where period_start = '2025-01-01'").fetchall()
    con.close()
    found = {(indicator, period_type, region, breakdown): mismatch
             for indicator, period_type, region, breakdown, mismatch in failures}
    assert found[("CON-01", "year", "370112", "all")] == "value is not the sum of its records"
    assert found[("FIN-05", "year", "3701", "all")] == "denominator is not the sum of its records"
    assert found[("FIN-01", "year", "3701", "industry_chain=nowhere")] == (
        "records listed for no published row")
    assert found[("PAT-01", "year", "370112", "all")] == "value is not the sum of its records"
    assert found[("PAT-01", "year", "3701", "all")] == "value is not the sum of its records"
    # nothing else was planted
    assert {indicator for indicator, *_ in failures} == {"CON-01", "FIN-05", "FIN-01", "PAT-01"}
