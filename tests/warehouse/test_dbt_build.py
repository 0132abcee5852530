"""`dbt build` over the hand-crafted raw fixture gives the indicator values computed by hand.

The fixture (tests/fixtures/raw_fixture.py) documents every record; the expected numbers below
are derived from those records with the rules of ../shared/indicators.md, for as_of 2025-06-30.
One build serves the whole module (dbt's own data and unit tests run inside it and must pass).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from devtools.raw_fixture import build_raw_fixture
from tests.support.built_fixture import built_fixture
from tests.support.paths import REPO

DBT_PROJECT = REPO / "dbt_project"
DBT = REPO / ".venv" / "bin" / "dbt"
AS_OF = "2025-06-30"
DISTRICTS = {
    "370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
    "370116", "370117", "370124", "370126", "370176",
}


def run_dbt(command: list[str], warehouse: Path, work_dir: Path,
            as_of: str = AS_OF, release_id: str = "fixture-test") -> subprocess.CompletedProcess:
    """Run dbt against ``warehouse`` with its artefacts in ``work_dir`` (never in the repo)."""
    env = {**os.environ, "PATENTFLOW_WAREHOUSE": str(warehouse),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [str(DBT), *command, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
         "--vars", f"{{as_of: '{as_of}', release_id: '{release_id}'}}"],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory,
              worker_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_fixture(tmp_path_factory, worker_id).warehouse),
                         read_only=True)
    yield con
    con.close()


def row(con: duckdb.DuckDBPyConnection, indicator: str, period_type: str, period_start: str,
        region: str = "3701", breakdown: str = "all") -> tuple:
    """(value, numerator, denominator, period_end, is_complete, unit, target) of one row."""
    rows = con.execute(
        """
        select value, numerator, denominator, cast(period_end as varchar), is_complete, unit,
               target_value
        from marts.indicator_values
        where indicator_id = ? and period_type = ? and period_start = cast(? as date)
          and region_code = ? and breakdown = ?
        """,
        [indicator, period_type, period_start, region, breakdown],
    ).fetchall()
    assert len(rows) == 1, f"{indicator} {period_type} {period_start} {region} {breakdown}: {rows}"
    return rows[0]


def value(con: duckdb.DuckDBPyConnection, *key: str) -> float | None:
    return row(con, *key)[0]


# --- the published table's shape ---------------------------------------------------------------

def test_indicator_values_has_exactly_the_published_columns_and_types(warehouse):
    columns = warehouse.execute(
        """
        select column_name, data_type from information_schema.columns
        where table_schema = 'marts' and table_name = 'indicator_values'
        order by ordinal_position
        """
    ).fetchall()
    assert columns == [
        ("indicator_id", "VARCHAR"), ("period_type", "VARCHAR"), ("period_start", "DATE"),
        ("period_end", "DATE"), ("is_complete", "BOOLEAN"), ("region_code", "VARCHAR"),
        ("breakdown", "VARCHAR"), ("value", "DOUBLE"), ("numerator", "DOUBLE"),
        ("denominator", "DOUBLE"), ("unit", "VARCHAR"), ("target_value", "DOUBLE"),
        ("release_id", "VARCHAR"),
    ]


def test_every_indicator_of_the_catalogue_is_published(warehouse):
    published = {r[0] for r in warehouse.execute(
        "select distinct indicator_id from marts.indicator_values").fetchall()}
    expected = {f"PAT-0{i}" for i in range(1, 5)} | {f"TRN-0{i}" for i in range(1, 4)} \
        | {"TRD-01", "TRD-02"} | {f"CON-0{i}" for i in range(1, 7)} \
        | {f"UNI-0{i}" for i in range(1, 7)} | {f"PIP-0{i}" for i in range(1, 4)} \
        | {f"FIN-0{i}" for i in range(1, 10)}
    assert published == expected


def test_every_district_and_the_city_have_every_row_except_city_only_indicators(warehouse):
    counts = warehouse.execute(
        """
        select indicator_id, period_type, period_start, breakdown, count(*) as regions,
               count(distinct region_code) as distinct_regions
        from marts.indicator_values
        where breakdown not like 'owner_uscc=%'
        group by all
        """
    ).fetchall()
    for indicator, period_type, start, breakdown, regions, distinct_regions in counts:
        expected = 1 if indicator in {"FIN-08", "FIN-09"} else 14
        assert (regions, distinct_regions) == (expected, expected), (
            indicator, period_type, start, breakdown)
    regions = {r[0] for r in warehouse.execute(
        "select distinct region_code from marts.indicator_values").fetchall()}
    assert regions == DISTRICTS | {"3701"}


def test_periods_run_from_2020_to_as_of_and_the_unfinished_ones_end_on_as_of(warehouse):
    periods = warehouse.execute(
        """
        select period_type, count(distinct period_start), min(period_start), max(period_start)
        from marts.indicator_values where indicator_id = 'FIN-01' group by period_type
        order by period_type
        """
    ).fetchall()
    assert [(p, n, str(lo), str(hi)) for p, n, lo, hi in periods] == [
        ("month", 66, "2020-01-01", "2025-06-01"),
        ("quarter", 22, "2020-01-01", "2025-04-01"),
        ("year", 6, "2020-01-01", "2025-01-01"),
    ]
    assert row(warehouse, "FIN-01", "year", "2025-01-01")[3:5] == ("2025-06-30", False)
    assert row(warehouse, "FIN-01", "year", "2024-01-01")[3:5] == ("2024-12-31", True)
    # A month ending on as_of is over.
    assert row(warehouse, "FIN-01", "month", "2025-06-01")[3:5] == ("2025-06-30", True)
    year_only = warehouse.execute(
        """
        select distinct indicator_id from marts.indicator_values
        where period_type <> 'year' and indicator_id in ('CON-02', 'UNI-05', 'PIP-01',
              'PIP-02', 'PIP-03')
        """
    ).fetchall()
    assert year_only == []


def test_release_id_and_units_are_written(warehouse):
    assert warehouse.execute(
        "select distinct release_id from marts.indicator_values").fetchall() == [("fixture-test",)]
    assert row(warehouse, "PAT-03", "year", "2025-01-01")[5] == "件/万人"
    assert row(warehouse, "FIN-02", "year", "2025-01-01")[5] == "笔"


# --- PAT ---------------------------------------------------------------------------------------

def test_pat01_counts_in_force_inventions_by_first_owner_on_d(warehouse):
    # On 2025-06-30: P1 (now owned in 370176 after its transfer), P2, P6 (transferred in), P8 in
    # 370112, P9 in 370102 and P5 whose owner's 370199 counts for the city only.
    assert value(warehouse, "PAT-01", "year", "2025-01-01") == 6
    assert value(warehouse, "PAT-01", "year", "2025-01-01", "370112") == 3
    assert value(warehouse, "PAT-01", "year", "2025-01-01", "370176") == 1
    assert value(warehouse, "PAT-01", "year", "2025-01-01", "370102") == 1
    # On 2023-12-31 P1 was still the university's; P3 had not lapsed; P7 had gone abroad.
    assert value(warehouse, "PAT-01", "year", "2023-01-01", "370102") == 2
    assert value(warehouse, "PAT-01", "year", "2023-01-01", "370112") == 3


def test_pat01_lapse_then_restoration(warehouse):
    # P2 lapsed 2023-03-01 (CF01) and was restored 2023-06-01 (RR01): out in March, back in June.
    assert value(warehouse, "PAT-01", "month", "2023-02-01", "370112") == 4
    assert value(warehouse, "PAT-01", "month", "2023-03-01", "370112") == 3
    assert value(warehouse, "PAT-01", "month", "2023-06-01", "370112") == 4
    assert value(warehouse, "PAT-01", "month", "2023-07-01", "370112") == 3  # P7 went abroad


def test_city_total_is_not_a_sum_of_districts(warehouse):
    districts = warehouse.execute(
        """
        select sum(value) from marts.indicator_values
        where indicator_id = 'PAT-01' and period_type = 'year' and period_start = '2025-01-01'
          and breakdown = 'all' and region_code <> '3701'
        """
    ).fetchone()[0]
    assert districts == 5  # P5's owner is in 370199: the city counts it, no district does


def test_pat02_criteria_including_the_29_february_age_boundary(warehouse):
    # P9 was filed 2012-02-29: its tenth anniversary is 2022-02-28, which does not yet count.
    assert value(warehouse, "PAT-02", "month", "2022-02-01", "3701", "criterion=age") == 0
    assert value(warehouse, "PAT-02", "month", "2022-03-01", "3701", "criterion=age") == 1
    assert value(warehouse, "PAT-02", "year", "2025-01-01") == 5
    # Pledge criterion: P2 (600 + 500), P6 (600 + 999 from a Beijing pledgor), P9 (1200); the
    # cancelled 2000 pledge on P1 does not count.
    assert value(warehouse, "PAT-02", "year", "2025-01-01", "3701", "criterion=pledge") == 3
    assert value(warehouse, "PAT-02", "year", "2025-01-01", "3701", "criterion=family") == 1
    # B64C maps to an SEI with an empty chain: SEI yes, chain `other`.
    assert value(warehouse, "PAT-02", "year", "2025-01-01", "3701", "industry_chain=other") == 1
    # G06N10/123 takes the longer prefix G06N10/ (future_industries), not G06N.
    assert value(warehouse, "PAT-02", "year", "2025-01-01", "370112",
                 "industry_chain=future_industries") == 1


def test_pat03_divides_by_population_with_fallback_year(warehouse):
    # 2025 has no population row: the city's 2024 figure is used; 370102 has none at all.
    value_, numerator, denominator, *_ = row(warehouse, "PAT-03", "year", "2025-01-01")
    assert (numerator, denominator) == (5, 950)
    assert value_ == pytest.approx(5 / 950)
    assert row(warehouse, "PAT-03", "year", "2025-01-01", "370102")[:3] == (None, 1, None)
    assert value(warehouse, "PAT-03", "year", "2025-01-01", "370176") == pytest.approx(1 / 40)


def test_pat04_counts_high_value_patents_converted_with_a_jinan_counterparty(warehouse):
    assert value(warehouse, "PAT-04", "year", "2025-01-01") == 4
    assert value(warehouse, "PAT-04", "year", "2025-01-01", "370112") == 2


# --- TRN / TRD ---------------------------------------------------------------------------------

def test_transfers_licences_and_cross_border_flows(warehouse):
    assert value(warehouse, "TRN-01", "year", "2024-01-01", "370102") == 1
    assert value(warehouse, "TRN-01", "year", "2024-01-01", "370112") == 0  # revoked TR01
    assert value(warehouse, "TRN-02", "year", "2024-01-01", "370112") == 1
    assert value(warehouse, "TRN-03", "quarter", "2025-01-01") == 2
    assert value(warehouse, "TRD-01", "year", "2023-01-01", "370112") == 1
    assert value(warehouse, "TRD-02", "year", "2025-01-01", "370102") == 1


# --- CON ---------------------------------------------------------------------------------------

def test_con01_uses_current_contract_versions(warehouse):
    # C1 100 (370112) + C2 60 (its _r2 re-issue reinstates it after the _r1 cancellation);
    # C7 is cancelled by its re-issue; C6's seller is in Beijing; C3 involves no patent.
    assert value(warehouse, "CON-01", "year", "2025-01-01") == 160
    assert value(warehouse, "CON-01", "year", "2025-01-01", "370112") == 100
    assert value(warehouse, "CON-01", "year", "2025-01-01", "370102") == 60
    assert value(warehouse, "CON-01", "quarter", "2025-04-01") == 0
    assert value(warehouse, "CON-01", "month", "2025-03-01") == 60
    assert value(warehouse, "CON-06", "year", "2025-01-01") == 2


def test_con02_growth_over_the_base_year(warehouse):
    assert row(warehouse, "CON-02", "year", "2025-01-01")[:3] == (pytest.approx(60), 160, 100)
    assert row(warehouse, "CON-02", "year", "2025-01-01")[6] == 30  # the plan's target
    assert value(warehouse, "CON-02", "year", "2025-01-01", "370112") == pytest.approx(25)
    assert value(warehouse, "CON-02", "year", "2025-01-01", "370102") == pytest.approx(200)
    assert value(warehouse, "CON-02", "year", "2023-01-01") == 0
    assert row(warehouse, "CON-02", "year", "2025-01-01", "370176")[:3] == (None, 0, 0)
    assert value(warehouse, "CON-02", "year", "2020-01-01") == -100


def test_con03_to_con05(warehouse):
    assert value(warehouse, "CON-03", "year", "2025-01-01") == 360
    assert value(warehouse, "CON-03", "year", "2025-01-01", "3701", "contract_type=技术服务") == 200
    assert value(warehouse, "CON-03", "year", "2025-01-01", "3701", "contract_type=技术许可") == 0
    assert value(warehouse, "CON-04", "year", "2025-01-01") == 285
    assert value(warehouse, "CON-05", "year", "2025-01-01") == 60


# --- UNI ---------------------------------------------------------------------------------------

def test_university_indicators(warehouse):
    assert row(warehouse, "UNI-01", "year", "2025-01-01")[:3] == (pytest.approx(200 / 3), 2, 3)
    assert value(warehouse, "UNI-01", "year", "2025-01-01", "3701",
                 "owner_uscc=12370000MB0000001A") == 100
    assert row(warehouse, "UNI-02", "year", "2024-01-01")[:3] == (50, 1, 2)
    assert row(warehouse, "UNI-02", "year", "2025-01-01")[:3] == (100, 2, 2)
    assert row(warehouse, "UNI-03", "year", "2024-01-01")[:3] == (pytest.approx(200 / 3), 2, 3)
    assert row(warehouse, "UNI-03", "year", "2024-01-01")[6] == 100  # target on 2024-12-31
    assert value(warehouse, "UNI-04", "year", "2024-01-01") == 2
    assert value(warehouse, "UNI-04", "year", "2025-01-01") == 1  # P8 withdrew (OL02)
    assert value(warehouse, "UNI-05", "year", "2025-01-01", "370102") == 1
    assert value(warehouse, "UNI-06", "year", "2025-01-01", "370112") == 1
    assert value(warehouse, "UNI-06", "year", "2024-01-01", "370112") == 0


def test_a_rate_with_zero_denominator_is_null_with_zero_parts(warehouse):
    assert row(warehouse, "UNI-01", "year", "2020-01-01", "370176")[:3] == (None, 0, 0)
    assert row(warehouse, "FIN-05", "year", "2025-01-01", "370176")[:3] == (None, 0, 0)


# --- PIP / FIN ---------------------------------------------------------------------------------

def test_products_use_the_newest_snapshot(warehouse):
    assert value(warehouse, "PIP-01", "year", "2024-01-01", "370176") == 1
    assert value(warehouse, "PIP-02", "year", "2024-01-01") == 5000
    assert value(warehouse, "PIP-03", "year", "2025-01-01") == 1  # PR3 was rejected


def test_fin01_pledge_financing(warehouse):
    # F1 (newest version: 600) + F2 500 in 370112, F4 300 in 370199 (city only); F3 cancelled.
    assert value(warehouse, "FIN-01", "year", "2025-01-01") == 1400
    assert value(warehouse, "FIN-01", "year", "2025-01-01", "370112") == 1100
    assert value(warehouse, "FIN-01", "year", "2025-01-01", "370176") == 0
    assert value(warehouse, "FIN-01", "quarter", "2025-01-01") == 1100
    assert value(warehouse, "FIN-01", "month", "2025-05-01") == 300
    assert value(warehouse, "FIN-01", "month", "2025-05-01", "370112") == 0


def test_other_finance_indicators(warehouse):
    assert value(warehouse, "FIN-02", "year", "2025-01-01") == 3
    assert value(warehouse, "FIN-03", "year", "2025-01-01") == 1  # F4's pledgor has no USCC
    assert value(warehouse, "FIN-04", "year", "2023-01-01") == 0
    assert value(warehouse, "FIN-04", "year", "2025-01-01") == 2600
    assert row(warehouse, "FIN-04", "year", "2025-01-01")[6] == 1_000_000
    assert row(warehouse, "FIN-05", "year", "2024-01-01")[:3] == (0, 0, 1)
    assert value(warehouse, "FIN-06", "year", "2025-01-01") == 1
    assert value(warehouse, "FIN-07", "year", "2024-01-01", "370102") == 100
    assert value(warehouse, "FIN-08", "quarter", "2025-04-01") == 2
    assert value(warehouse, "FIN-08", "year", "2025-01-01", "3701",
                 "industry_chain=biomedicine") == 1
    assert value(warehouse, "FIN-09", "year", "2025-01-01") == pytest.approx(1500.5)


# --- the project's own generic tests catch broken output ---------------------------------------

def test_generic_indicator_tests_fail_on_broken_values(warehouse, tmp_path):
    """Tamper with a copy of the built warehouse: each custom generic test must then fail."""
    path = Path(warehouse.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0])
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(path.read_bytes())
    con = duckdb.connect(str(broken))
    con.execute("""
        update intermediate.int_indicator_values_unioned set value = value + 1
        where indicator_id = 'FIN-01' and region_code = '370112' and period_type = 'year'
          and period_start = '2025-01-01' and breakdown = 'all'
    """)
    con.execute("""
        delete from marts.indicator_values
        where indicator_id = 'PAT-01' and region_code = '370104' and period_type = 'month'
          and period_start = '2021-05-01' and breakdown = 'all'
    """)
    con.execute("""
        update marts.indicator_values set value = 150
        where indicator_id = 'UNI-03' and region_code = '3701' and period_type = 'year'
          and period_start = '2025-01-01' and breakdown = 'all'
    """)
    con.close()
    result = run_dbt(["test", "--select", "test_name:city_total_matches_districts_and_remainder",
                      "test_name:every_region_present", "test_name:rates_within_percent_range"],
                     broken, tmp_path)
    failed = [line for line in result.stdout.splitlines() if " FAIL " in line]
    assert result.returncode != 0
    assert any("city_total_matches_districts_and_remainder" in line for line in failed), failed
    assert any("every_region_present" in line for line in failed), failed
    assert any("rates_within_percent_range" in line for line in failed), failed


def test_docs_generate_describes_every_public_mart_and_its_columns(tmp_path):
    """`dbt docs generate` works, and every public mart and column carries a description."""
    import json

    path = build_raw_fixture(tmp_path / "docs.duckdb")
    result = run_dbt(["docs", "generate"], path, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert (tmp_path / "target" / "index.html").exists()
    marts = [node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "marts"
             and node["name"] != "metricflow_time_spine"]
    assert any(node["name"] == "indicator_values" for node in marts)
    for node in marts:
        assert node["description"].strip(), node["name"]
        assert node["columns"], node["name"]
        undescribed = [c for c, spec in node["columns"].items() if not spec["description"].strip()]
        assert undescribed == [], (node["name"], undescribed)
