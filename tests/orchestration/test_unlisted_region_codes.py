"""A well-formed region code the hierarchy does not list is reported, count by code: in the
run summary (written by the dbt_build task) and in ``patentflow health`` for the newest run."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from patentflow.core.settings import Settings, load_settings
from patentflow.orchestration import run_health

UNLISTED = [
    {"region_code": "370199", "counted_for": "3701", "records": 14,
     "used_in": "patents.first_applicant=2, tech_contracts.seller=12"},
    {"region_code": "370299", "counted_for": "3702", "records": 1,
     "used_in": "pledges.pledgor=1"},
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"PATENTFLOW_HOME": str(tmp_path)})


def write_summary(settings: Settings, run_id: str, unlisted: list[dict]) -> None:
    path = settings.runs_dir / run_id / "summary.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": run_id, "as_of": "2025-06-30", "status": "published",
                                "unlisted_region_codes": unlisted}), encoding="utf-8")


def test_health_lists_each_unlisted_code_of_the_newest_run_with_what_it_counts_for(
    settings: Settings,
) -> None:
    write_summary(settings, "run-1", UNLISTED)
    row = run_health.record(settings, "run-1", {"publish": "success"})
    assert (row["unlisted_codes"], row["unlisted_code_records"]) == (2, 15)
    text = run_health.latest_text(settings)
    assert "region codes the hierarchy does not list" in text
    assert ("370199 (counted for 3701): 14 records (patents.first_applicant=2, "
            "tech_contracts.seller=12) (as_of 2025-06-30, run run-1)") in text
    assert "370299 (counted for 3702): 1 records (pledges.pledgor=1)" in text


def test_a_newer_run_without_unlisted_codes_reports_none(settings: Settings) -> None:
    write_summary(settings, "run-1", UNLISTED)
    run_health.record(settings, "run-1", {"publish": "success"})
    write_summary(settings, "run-2", [])
    assert run_health.record(settings, "run-2", {"publish": "success"})["unlisted_codes"] == 0
    assert "does not list" not in run_health.latest_text(settings)


def test_recording_a_run_again_replaces_its_codes(settings: Settings) -> None:
    write_summary(settings, "run-1", UNLISTED)
    run_health.record(settings, "run-1", {"publish": "success"})
    write_summary(settings, "run-1", UNLISTED[:1])
    assert run_health.record(settings, "run-1", {"publish": "success"})["unlisted_codes"] == 1


def test_a_health_file_of_an_older_version_still_prints(settings: Settings) -> None:
    """Before codes were recorded the file had no run_unlisted_codes table and a view without
    its columns; health opens it read-only and shows what it has."""
    path = run_health.health_path(settings)
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create table runs (run_id varchar, as_of date, release_id varchar,"
                    " status varchar, recorded_at timestamptz, failure varchar)")
        con.execute("insert into runs values ('old', '2025-06-30', 'r', 'failed', now(), 'x')")
        con.execute("create view run_health as select runs.*, 'dbt_build' as failed_tasks"
                    " from runs")
    text = run_health.latest_text(settings)
    assert "old" in text and "FAILED tasks=dbt_build cause=x" in text
    assert "does not list" not in text
