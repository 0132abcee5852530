"""The gate blocks every planted defect, and a blocked run leaves the published release untouched.

Each case starts from a published, defect-free release, plants one defect in the build warehouse,
runs the real gate (GX suites + computed checks), and tries to publish.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from patentflow.core.settings import Settings
from patentflow.release.publish import GateFailed, publish_release
from tests.support.gate_warehouse import (
    build_fixture_warehouse,
    gate_against_current,
    make_settings,
    mutate,
    tree_digest,
)

IV = "marts.indicator_values"


@pytest.fixture(scope="module")
def baseline_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with release ``r0`` published from the clean fixture (built once per module)."""
    home = tmp_path_factory.mktemp("baseline") / "home"
    settings = make_settings(home)
    build_fixture_warehouse(settings.warehouse_path)
    gate = gate_against_current(settings, "run-0")
    assert gate.passed, gate.summary_text()
    publish_release(settings, "run-0", "r0", "2025-03-01", "2025-04-01", gate, {})
    return home


@pytest.fixture
def settings(baseline_home: Path, tmp_path: Path) -> Settings:
    """A private copy of the baseline home with a fresh, clean build warehouse."""
    home = tmp_path / "home"
    shutil.copytree(baseline_home, home, symlinks=True)
    settings = make_settings(home)
    build_fixture_warehouse(settings.warehouse_path)
    return settings


DEFECTS = {
    "schema drift: a column missing": (
        ["ALTER TABLE marts.indicator_values DROP COLUMN target_value"],
        {f"{IV}:schema"}),
    "schema drift: a column changes type": (
        ["ALTER TABLE marts.indicator_values ALTER COLUMN is_complete TYPE VARCHAR"],
        {f"{IV}:column_types"}),
    "duplicate key": (
        ["INSERT INTO marts.indicator_values SELECT * FROM marts.indicator_values WHERE "
         "indicator_id = 'PAT-01' AND region_code = '370102' AND period_type = 'year' "
         "AND period_start = DATE '2024-01-01' AND breakdown = 'all'"],
        {f"{IV}:key_unique", "computed.indicator_values:district_sums_match_city"}),
    "quarantine spike": (
        ["UPDATE audit.reconciliation SET loaded = 30, quarantined = 20 "
         "WHERE entity = 'tech_contracts'"],
        {"audit.reconciliation:quarantine_rate_below_threshold"}),
    "raw rows lost between landing zone and warehouse": (
        ["DELETE FROM raw.pledges WHERE _row_number = 3"],
        {"computed.reconciliation:loaded_matches_raw"}),
    "impossible rate": (
        ["UPDATE marts.indicator_values SET value = 140 "
         "WHERE indicator_id = 'UNI-03' AND region_code = '370103'"],
        {f"{IV}.rates:rate_within_0_100"}),
    "rate with zero denominator not null": (
        ["UPDATE marts.indicator_values SET value = 0 "
         "WHERE indicator_id = 'UNI-03' AND region_code = '370102'"],
        {f"{IV}.rates:zero_denominator_gives_null"}),
    "missing district": (
        ["DELETE FROM marts.indicator_values WHERE region_code = '370126' "
         "AND indicator_id = 'PAT-01' AND period_type = 'quarter' AND breakdown = 'all'"],
        {"computed.indicator_values:every_district_present",
         "computed.indicator_values:district_sums_match_city"}),
    "district row for a city-only indicator": (
        ["INSERT INTO marts.indicator_values SELECT * REPLACE ('370102' AS region_code) "
         "FROM marts.indicator_values WHERE indicator_id = 'FIN-08' AND period_type = 'quarter'"],
        {"computed.indicator_values:every_district_present"}),
    "reconciliation does not add up": (
        ["UPDATE audit.reconciliation SET loaded = loaded + 1 WHERE entity = 'tech_contracts'"],
        {"audit.reconciliation:delivered_equals_loaded_quarantined_superseded"}),
    "row-count drop": (
        ["DELETE FROM marts.indicator_values "
         "WHERE period_type = 'year' AND period_start = DATE '2024-01-01'"],
        {f"row_count.{IV}:drop"}),
    "city total differs from the district sum": (
        ["UPDATE marts.indicator_values SET value = value + 5 WHERE indicator_id = 'PAT-01' "
         "AND region_code = '3701' AND breakdown = 'all' AND period_type = 'year'"],
        {"computed.indicator_values:district_sums_match_city"}),
    "ratio numerator of the city below the districts": (
        ["UPDATE marts.indicator_values "
         "SET numerator = numerator - 1, value = 100 * (numerator - 1) / denominator "
         "WHERE indicator_id = 'UNI-03' AND region_code = '3701' AND period_type = 'quarter'"],
        {"computed.indicator_values:district_sums_match_city"}),
    "unknown region code published": (
        ["UPDATE marts.indicator_values SET region_code = '370199' WHERE "
         "indicator_id = 'PAT-01' AND region_code = '370102' AND period_type = 'year' "
         "AND period_start = DATE '2024-01-01' AND breakdown = 'all'"],
        {f"{IV}:value_set.region_code", "computed.indicator_values:every_district_present",
         "computed.indicator_values:district_sums_match_city"}),
    "raw key duplicated within a batch": (
        ["UPDATE raw.pledges SET pledge_id = 'P-11'"],
        {"raw.pledges:key_unique_per_batch"}),
    "raw value outside its enumeration": (
        ["UPDATE raw.pledges SET status = 'frozen' WHERE _row_number = 2"],
        {"raw.pledges:value_set.status"}),
    "raw money column loses its decimal type": (
        ["ALTER TABLE raw.pledges ALTER COLUMN loan_amount_wan TYPE DOUBLE"],
        {"raw.pledges:column_types"}),
    "quarantine without a reason code": (
        ["UPDATE audit.quarantine SET reason_code = NULL WHERE record_key = 'P-1'"],
        {"audit.quarantine:not_null.reason_code"}),
}


@pytest.mark.parametrize("case", list(DEFECTS))
def test_planted_defect_is_blocked_and_current_release_untouched(
        case: str, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    statements, expected_failures = DEFECTS[case]
    mutate(settings.warehouse_path, *statements)
    before = tree_digest(settings.releases_dir)

    with caplog.at_level(logging.WARNING, logger="patentflow.core.alerts"):
        gate = gate_against_current(settings, "run-defect")

    assert not gate.passed
    assert {check.name for check in gate.failures} == expected_failures
    with pytest.raises(GateFailed):
        publish_release(settings, "run-defect", "r1", "2025-04-01", "2025-05-01", gate, {})
    assert tree_digest(settings.releases_dir) == before
    assert (settings.releases_dir / "current").resolve().name == "r0"

    recorded = json.loads((settings.runs_dir / "run-defect" / "gate.json").read_text())
    assert recorded["passed"] is False and recorded["status"] == "failed"
    failed = {c["name"] for c in recorded["checks"]
              if not c["success"] and c["severity"] == "error"}
    assert failed == expected_failures
    refused = json.loads((settings.runs_dir / "run-defect" / "publish.json").read_text())
    assert refused["status"] == "refused"
    assert any("quality gate FAILED" in record.getMessage() for record in caplog.records)


def test_clean_build_passes_with_only_warnings(settings: Settings) -> None:
    gate = gate_against_current(settings, "run-clean")

    assert gate.passed
    assert gate.failures == []
    warned = {check.name for check in gate.warnings}
    assert "dbt:run_results_missing" in warned
    assert "raw.patents:table_exists" in warned  # the fixture has only raw.pledges
    assert gate.data_docs_path == settings.runs_dir / "run-clean" / "gx_docs" / "index.html"
    assert gate.data_docs_path.is_file()
    assert (settings.runs_dir / "run-clean" / "gx_docs" / "validations").is_dir()


def test_unlisted_city_code_in_raw_allows_city_above_district_sum(settings: Settings) -> None:
    """A 3701xx code outside the 13 districts counts for the city only: city > sum is correct."""
    mutate(settings.warehouse_path,
           "UPDATE raw.pledges SET pledgor_region_code = '370199' WHERE _row_number = 1",
           "UPDATE marts.indicator_values SET value = value + 5 WHERE indicator_id = 'PAT-01' "
           "AND region_code = '3701' AND breakdown = 'all'")

    gate = gate_against_current(settings, "run-stray")

    sums = next(c for c in gate.checks if c.name.endswith("district_sums_match_city"))
    assert gate.passed
    assert sums.success
    assert sums.details["mode"] == "parent_at_least_sum"
    assert sums.details["unlisted_codes"] == ["370199"]


def test_unlisted_city_code_in_party_json_is_found(settings: Settings) -> None:
    """Codes inside JSON party arrays (patents' applicants) switch the check to the inequality."""
    mutate(settings.warehouse_path,
           "CREATE TABLE raw.patents (application_no VARCHAR, applicants VARCHAR)",
           "INSERT INTO raw.patents VALUES ('202223220665.2', "
           "'[{\"name\": \"x\", \"region_code\": \"370171\", \"country\": \"CN\"}]')")

    gate = gate_against_current(settings, "run-json")

    sums = next(c for c in gate.checks if c.name.endswith("district_sums_match_city"))
    assert sums.details["unlisted_codes"] == ["370171"]
    assert sums.details["mode"] == "parent_at_least_sum"


def test_row_count_jump_is_a_warning_that_still_publishes(settings: Settings) -> None:
    """Five times the rows of the current release is suspicious, not wrong: warn and publish."""
    mutate(settings.warehouse_path,
           "INSERT INTO marts.indicator_values SELECT iv.* REPLACE ('month' AS period_type, "
           "CAST(iv.period_start + to_months(CAST(t.m AS INTEGER)) AS DATE) AS period_start) "
           "FROM marts.indicator_values AS iv, range(6) AS t(m) WHERE iv.period_type = 'year'")

    gate = gate_against_current(settings, "run-jump")
    info = publish_release(settings, "run-jump", "r1", "2025-04-01", "2025-05-01", gate, {})

    jump = next(c for c in gate.checks if c.name == "row_count.marts.indicator_values:jump")
    assert gate.passed and not jump.success and jump.severity == "warn"
    assert jump.observed == {"rows": 855, "previous_rows": 171, "change_pct": 400.0}
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert any(c["name"] == jump.name and not c["success"] for c in manifest["checks"])
