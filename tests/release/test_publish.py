"""Publication: what a release holds, its immutability, revisions, rollback, pruning, the record."""

from __future__ import annotations

import json
import logging
import stat
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from patentflow.gate.config import load_gate_config
from patentflow.gate.result import GateResult
from patentflow.gate.runner import load_gate_result
from patentflow.release import diff
from patentflow.release.publish import GateFailed, ReleaseExists, publish_release
from patentflow.release.registry import (
    NoCurrentRelease,
    baseline_release,
    current_release,
    diff_releases,
    list_releases,
    prune_releases,
    published_path,
    published_path_text,
    read_registry,
    releases_text,
    rollback,
    rollback_text,
)
from tests.support.gate_warehouse import (
    build_fixture_warehouse,
    gate_against_current,
    make_settings,
    mutate,
    tree_digest,
)


@pytest.fixture(scope="module")
def passing_gate(tmp_path_factory: pytest.TempPathFactory) -> GateResult:
    """A real gate run on the clean fixture (the publish tests reuse its verdict)."""
    settings = make_settings(tmp_path_factory.mktemp("gate") / "home")
    build_fixture_warehouse(settings.warehouse_path)
    gate = gate_against_current(settings, "run-gate")
    assert gate.passed, gate.summary_text()
    return gate


def publish(settings, release_id: str, gate: GateResult, offset: float = 0.0, *sql: str):
    build_fixture_warehouse(settings.warehouse_path, offset)
    if sql:
        mutate(settings.warehouse_path, *sql)
    return publish_release(settings, f"run-{release_id}", release_id, "2025-03-01",
                           "2025-04-01", gate, {"dag_run": f"scheduled__{release_id}"})


def test_release_holds_public_tables_only_read_only_with_manifest(
        tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    info = publish(settings, "r1", passing_gate)

    release = settings.releases_dir / "r1"
    assert info.status == "current" and info.path == release.resolve()
    assert (settings.releases_dir / "current").is_symlink()
    assert published_path(settings) == release.resolve() / "warehouse.duckdb"
    assert not (settings.releases_dir / "r1.tmp").exists()

    con = duckdb.connect(str(published_path(settings)), read_only=True)
    try:
        tables = dict(con.execute("SELECT table_schema || '.' || table_name, table_type "
                                  "FROM information_schema.tables").fetchall())
        stamped = con.execute("SELECT DISTINCT release_id FROM marts.indicator_values").fetchall()
        registry_rows = con.execute("SELECT release_id, status FROM audit.releases").fetchall()
    finally:
        con.close()
    assert tables == {"marts.indicator_values": "BASE TABLE",
                      "marts.indicator_catalog": "BASE TABLE",  # a view, copied as a table
                      "audit.quarantine": "BASE TABLE", "audit.reconciliation": "BASE TABLE",
                      "audit.releases": "BASE TABLE"}
    assert stamped == [("r1",)]
    assert registry_rows == [("r1", "current")]

    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["release_id"] == "r1" and manifest["run_id"] == "run-r1"
    assert manifest["data_interval"] == {"start": "2025-03-01", "end": "2025-04-01"}
    assert manifest["git_sha"]
    assert manifest["row_counts"]["marts.indicator_values"] == 171
    assert {b["batch_id"]: b["checksum"][:1] for b in manifest["input_batches"]} == {
        "pledges__20250331__0001": "a",
        "tech_contracts__20250331__contracts_2025-03": "b",
        "population__20250331__population_20250301": "c"}
    assert len(manifest["checks"]) == len(passing_gate.checks)
    assert manifest["revisions"] == [] and manifest["previous_release_id"] is None
    assert manifest["extra"] == {"dag_run": "scheduled__r1"}

    for table, rows in manifest["row_counts"].items():
        assert pq.read_table(release / "parquet" / f"{table}.parquet").num_rows == rows
    for path in [release, release / "parquet"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o555
    for path in [*release.glob("*.*"), *(release / "parquet").iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [e["event"] for e in read_registry(settings)] == ["published"]


def test_an_on_demand_view_is_published_as_a_view_over_the_releases_own_tables(
        tmp_path: Path, passing_gate: GateResult) -> None:
    """gate.yml's on_demand_views stay views: no table, no Parquet file, no row count, and
    they read the release's tables (its release_id stamp), not the build warehouse's."""
    settings = make_settings(tmp_path / "home")
    build_fixture_warehouse(settings.warehouse_path)
    mutate(settings.warehouse_path,
           "CREATE VIEW marts.city_rows AS "
           "SELECT * FROM marts.indicator_values WHERE region_code = '3701'")
    config = replace(load_gate_config(), on_demand_views=["marts.city_rows"])
    info = publish_release(settings, "run-r1", "r1", "2025-03-01", "2025-04-01", passing_gate,
                           {}, config=config)

    con = duckdb.connect(str(info.path / "warehouse.duckdb"), read_only=True)
    try:
        kind = con.execute("SELECT table_type FROM information_schema.tables "
                           "WHERE table_schema = 'marts' AND table_name = 'city_rows'").fetchall()
        through_view = con.execute(
            "SELECT count(*), min(release_id), max(release_id) FROM marts.city_rows").fetchone()
        city_rows = con.execute("SELECT count(*) FROM marts.indicator_values "
                                "WHERE region_code = '3701'").fetchone()[0]
    finally:
        con.close()
    assert kind == [("VIEW",)]
    assert through_view == (city_rows, "r1", "r1") and city_rows > 0
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["views"] == ["marts.city_rows"]
    assert "marts.city_rows" not in manifest["tables"]
    assert "marts.city_rows" not in manifest["row_counts"]
    assert not (info.path / "parquet" / "marts.city_rows.parquet").exists()


def test_warn_failure_publishes_with_the_warning_recorded(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home")
    build_fixture_warehouse(settings.warehouse_path)
    run_results = tmp_path / "run_results.json"
    run_results.write_text(json.dumps({"results": [
        {"unique_id": "test.patentflow.recent_rows", "status": "warn", "failures": 2,
         "message": "Got 2 results, configured to warn if != 0"}]}))

    gate = gate_against_current(settings, "run-warn", run_results)
    info = publish_release(settings, "run-warn", "r1", "2025-03-01", "2025-04-01", gate, {})

    assert gate.passed and info.status == "current"
    manifest = json.loads((info.path / "manifest.json").read_text())
    [recorded] = [c for c in manifest["checks"] if c["name"] == "dbt:test.patentflow.recent_rows"]
    assert recorded["severity"] == "warn" and recorded["success"] is False
    assert manifest["gate"]["n_failed_warn"] == len(gate.warnings) >= 1
    assert list_releases(settings)[0].n_warnings == len(gate.warnings)


def test_revisions_between_two_releases(tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    publish(settings, "r1", passing_gate)
    publish(settings, "r2", passing_gate, 0.0,
            "UPDATE marts.indicator_values SET value = value + 2 WHERE indicator_id = 'PAT-01' "
            "AND period_type = 'year' AND period_start = DATE '2024-01-01' AND breakdown = 'all' "
            "AND region_code IN ('370102', '3701')",
            "UPDATE marts.indicator_values SET value = NULL, numerator = 0, denominator = 0 "
            "WHERE indicator_id = 'UNI-03' AND region_code = '370103' AND period_type = 'quarter'",
            "INSERT INTO marts.indicator_values SELECT * REPLACE ('month' AS period_type) "
            "FROM marts.indicator_values WHERE indicator_id = 'FIN-08' AND period_type = 'quarter'")

    manifest = json.loads((settings.releases_dir / "r2" / "manifest.json").read_text())
    revisions = {(r["indicator_id"], r["region_code"], r["period_type"]):
                 (r["old_value"], r["new_value"], r["delta"], r["change"])
                 for r in manifest["revisions"]}
    assert revisions == {("PAT-01", "370102", "year"): (1.0, 3.0, 2.0, "changed"),
                         ("PAT-01", "3701", "year"): (91.0, 93.0, 2.0, "changed"),
                         ("UNI-03", "370103", "quarter"): (50.0, None, None, "changed")}
    assert {r["period_start"] for r in manifest["revisions"]} == {"2024-01-01", "2025-01-01"}
    assert manifest["n_revisions"] == 3 and manifest["n_added_rows"] == 1
    assert manifest["previous_release_id"] == "r1"

    forward = diff_releases(settings, "r1", "r2")
    backward = diff_releases(settings, "r2", "current")
    assert len(forward) == 3 and backward.empty
    reverse = diff_releases(settings, "r2", "r1")
    assert sorted(reverse["change"]) == ["changed", "changed", "changed", "removed"]
    pat = reverse[(reverse.indicator_id == "PAT-01") & (reverse.region_code == "3701")]
    assert pat[["old_value", "new_value", "delta"]].values.tolist() == [[93.0, 91.0, -2.0]]
    assert "3 revisions from r1 to r2" in diff.diff_text(diff.diff(settings, "r1", "r2"))


def test_rollback_restores_an_earlier_release_exactly(
        tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    publish(settings, "r1", passing_gate)
    r1_files = tree_digest(settings.releases_dir / "r1")
    r1_values = duckdb.connect(str(published_path(settings)), read_only=True).execute(
        "SELECT sum(value) FROM marts.indicator_values").fetchone()
    publish(settings, "r2", passing_gate, 1.0)
    assert current_release(settings).release_id == "r2"

    info = rollback(settings, "r1")

    assert info.release_id == "r1" and current_release(settings).release_id == "r1"
    assert published_path(settings).parent.name == "r1"
    assert tree_digest(published_path(settings).parent) == r1_files
    con = duckdb.connect(str(settings.releases_dir / "current" / "warehouse.duckdb"),
                         read_only=True)
    assert con.execute("SELECT sum(value) FROM marts.indicator_values").fetchone() == r1_values
    con.close()
    assert {i.release_id: i.status for i in list_releases(settings)} == {
        "r1": "current", "r2": "available"}
    assert read_registry(settings)[-1]["event"] == "rollback"
    assert "current release is now r2" in rollback_text(settings, "r2")


def test_keep_n_pruning_never_removes_current(tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home", keep_releases=2)
    for n in range(1, 4):
        publish(settings, f"r{n}", passing_gate, float(n))

    assert not (settings.releases_dir / "r1").exists()
    assert {i.release_id: i.status for i in list_releases(settings)} == {
        "r1": "pruned", "r2": "available", "r3": "current"}

    rollback(settings, "r2")
    assert prune_releases(settings, keep=1) == []  # r2 is current, r3 is the newest
    assert (settings.releases_dir / "r2").is_dir() and (settings.releases_dir / "r3").is_dir()

    publish(settings, "r4", passing_gate, 4.0)  # keep 2: r3 and r4; r2 no longer current
    assert {i.release_id: i.status for i in list_releases(settings)} == {
        "r1": "pruned", "r2": "pruned", "r3": "available", "r4": "current"}
    assert json.loads((settings.releases_dir / "r4" / "manifest.json").read_text())[
        "previous_release_id"] == "r2"


def test_republishing_is_idempotent_for_its_run_and_refused_for_another(
        tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    publish(settings, "r1", passing_gate)
    before = tree_digest(settings.releases_dir / "r1")

    again = publish_release(settings, "run-r1", "r1", "2025-03-01", "2025-04-01",
                            passing_gate, {})
    assert again.release_id == "r1" and tree_digest(settings.releases_dir / "r1") == before
    with pytest.raises(ReleaseExists):
        publish_release(settings, "run-other", "r1", "2025-03-01", "2025-04-01",
                        passing_gate, {})
    for bad in ["current", "../r2", "r2.tmp", ""]:
        with pytest.raises(ValueError):
            publish_release(settings, "run-x", bad, "2025-03-01", "2025-04-01", passing_gate, {})


def test_printable_texts_and_the_empty_state(tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    assert current_release(settings) is None
    assert releases_text(settings) == "no release published yet"
    with pytest.raises(NoCurrentRelease):
        published_path(settings)

    publish(settings, "r1", passing_gate)
    text = releases_text(settings)
    assert "r1" in text and "current" in text and "2025-03-01 .. 2025-04-01" in text
    assert published_path_text(settings) == str(published_path(settings))


def test_publish_task_reads_the_verdict_the_gate_task_wrote(
        tmp_path: Path, passing_gate: GateResult) -> None:
    """Gate and publish are separate tasks: the verdict travels through runs/<run_id>/gate.json."""
    settings = make_settings(tmp_path / "home")
    build_fixture_warehouse(settings.warehouse_path)
    (settings.runs_dir / "run-a").mkdir(parents=True)
    (settings.runs_dir / "run-a" / "gate.json").write_text(json.dumps(passing_gate.to_dict()))

    loaded = load_gate_result(settings, "run-a")
    assert loaded.to_dict()["checks"] == passing_gate.to_dict()["checks"] and loaded.passed
    assert publish_release(settings, "run-a", "r1", "2025-03-01", "2025-04-01", loaded,
                           {}).status == "current"

    missing = load_gate_result(settings, "run-without-gate")
    assert not missing.passed
    with pytest.raises(GateFailed):
        publish_release(settings, "run-without-gate", "r2", "2025-03-01", "2025-04-01",
                        missing, {})


def test_a_publication_that_breaks_midway_leaves_current_untouched(
        tmp_path: Path, passing_gate: GateResult, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path / "home")
    publish(settings, "r1", passing_gate)
    before = tree_digest(settings.releases_dir)
    mutate(settings.warehouse_path, "DROP TABLE marts.indicator_values")

    with (caplog.at_level(logging.WARNING, logger="patentflow.core.alerts"),
          pytest.raises(duckdb.CatalogException)):
        publish_release(settings, "run-r2", "r2", "2025-03-01", "2025-04-01", passing_gate, {})

    assert tree_digest(settings.releases_dir) == before
    assert not (settings.releases_dir / "r2.tmp").exists()
    assert json.loads((settings.runs_dir / "run-r2" / "publish.json").read_text())[
        "status"] == "failed"
    assert any("publishing r2 FAILED" in r.getMessage() for r in caplog.records)


def publish_for(settings, release_id: str, gate: GateResult, start: str, end: str,
                make_current: bool = False):
    build_fixture_warehouse(settings.warehouse_path)
    return publish_release(settings, f"run-{release_id}", release_id, start, end, gate, {},
                           make_current=make_current)


def test_current_moves_forward_only_in_data_time(tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    latest = publish_for(settings, "day-1201", passing_gate,
                         "2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00")
    backfill = publish_for(settings, "day-1128", passing_gate,
                           "2026-11-28T00:00:00+08:00", "2026-11-29T00:00:00+08:00")

    assert latest.status == "current" and backfill.status == "available"
    assert current_release(settings).release_id == "day-1201"
    assert (settings.releases_dir / "day-1128" / "warehouse.duckdb").is_file()
    manifest = json.loads((settings.releases_dir / "day-1128" / "manifest.json").read_text())
    assert manifest["current"]["taken"] is False
    assert "day-1201 (current) covers a later data interval" in manifest["current"]["reason"]
    con = duckdb.connect(str(settings.releases_dir / "day-1128" / "warehouse.duckdb"),
                         read_only=True)
    assert dict(con.execute("SELECT release_id, status FROM audit.releases").fetchall()) == {
        "day-1201": "current", "day-1128": "available"}
    con.close()
    text = releases_text(settings)
    assert "current: day-1201 — the first release to become current" in text
    assert "published beside current: day-1201 (current) covers a later" in text

    rerun = publish_for(settings, "day-1201-rerun", passing_gate,
                        "2026-12-01T00:00:00+08:00", "2026-12-02T00:00:00+08:00")
    assert rerun.status == "current"  # the same interval computed again replaces it
    assert ("current: day-1201-rerun — latest data interval (ends 2026-12-02T00:00+08:00)"
            in releases_text(settings))

    asked = publish_for(settings, "day-1127", passing_gate, "2026-11-27T00:00:00+08:00",
                        "2026-11-28T00:00:00+08:00", make_current=True)
    assert asked.status == "current"
    assert "current: day-1127 — made current on request (--make-current)" in releases_text(
        settings)

    rollback(settings, "day-1201")
    assert "current: day-1201 — made current by rollback at" in releases_text(settings)


def test_a_build_is_compared_with_the_release_of_its_day_or_the_one_before_never_later(
        tmp_path: Path, passing_gate: GateResult) -> None:
    """The gate's row-count baseline: a backfilled day is not held against a later current
    release, whose extra periods would read as a drop and block it."""
    settings = make_settings(tmp_path / "home")
    assert baseline_release(settings, "2026-12-02T00:00:00+08:00") is None  # nothing yet
    publish_for(settings, "day-1128", passing_gate, "2026-11-28T00:00:00+08:00",
                "2026-11-29T00:00:00+08:00")
    publish_for(settings, "day-1201", passing_gate, "2026-12-01T00:00:00+08:00",
                "2026-12-02T00:00:00+08:00")

    def baseline(end: str) -> str | None:
        found = baseline_release(settings, end)
        return found.release_id if found else None

    assert baseline("2026-12-03T00:00:00+08:00") == "day-1201"  # the next day: current
    assert baseline("2026-12-02T00:00:00+08:00") == "day-1201"  # a rerun of the current day
    assert baseline("2026-11-30T00:00:00+08:00") == "day-1128"  # a backfilled day in between
    assert baseline("2026-11-20T00:00:00+08:00") is None  # before every release
    publish_for(settings, "day-1128-rerun", passing_gate, "2026-11-28T00:00:00+08:00",
                "2026-11-29T00:00:00+08:00")
    assert baseline("2026-11-29T00:00:00+08:00") == "day-1128-rerun"  # newest of the day


def test_a_retried_publication_after_a_crash_records_itself_and_respects_current(
        tmp_path: Path, passing_gate: GateResult) -> None:
    settings = make_settings(tmp_path / "home")
    publish_for(settings, "new", passing_gate, "2026-12-01", "2026-12-02")
    publish_for(settings, "old", passing_gate, "2026-11-01", "2026-11-02")
    registry = settings.releases_dir / "releases.jsonl"
    lines = registry.read_text().splitlines()
    registry.write_text("\n".join(lines[:-1]) + "\n")  # died before its registry entry

    again = publish_release(settings, "run-old", "old", "2026-11-01", "2026-11-02",
                            passing_gate, {})

    assert again.status == "available" and current_release(settings).release_id == "new"
    assert [e["release_id"] for e in read_registry(settings)] == ["new", "old"]
