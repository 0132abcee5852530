"""Failure drills: kill -9 mid-stage, source outage, corrupt build warehouse — no data lost.

An uninterrupted reference run (sandbox seed 42, scale 0.005) is compared with a drilled run of
the same data in another home, which starts out serving a copy of the reference release while a
reader polls ``releases/current`` from start to finish. The drilled home then goes through:

1. a patent-API outage longer than the retry budget (sandbox ``outage_after``): the pull fails
   naming the source; the source comes back (sandbox restarted without faults);
2. SIGKILL of the ingestion process right after its first batch landed, then a re-run;
3. SIGKILL of the build during ``dbt build`` (the whole process group, dbt included), then the
   remaining stages as an Airflow task retry would run them;
4. SIGKILL during publication (while the release is being assembled), then publish again;
5. a garbled build warehouse file, then a fresh build.

Stages run through ``patentflow.orchestration.tasks`` in a killable child process (devtools.drills,
which
says why not through Airflow). The drilled run must publish exactly the reference's indicator
values, with equal raw row counts and reconciliation (nothing lost, nothing twice), and the
reader must never have failed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from devtools import drills
from patentflow.core.intervals import interval_for_as_of
from patentflow.core.settings import load_settings
from patentflow.ingest.api.client import RetryPolicy, SourceError
from patentflow.ingest.pipeline import ingest_patent_api
from patentflow.orchestration import tasks
from tests.support.release_values import indicators, same_values

pytestmark = pytest.mark.e2e

AS_OF = date(2025, 6, 30)
SEED, SCALE = 42, 0.005
SHORT_RETRY = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.1, max_total_seconds=10)


def sandbox(home: Path, command: str, faults: str = "") -> None:
    args = [sys.executable, "-m", "devtools.sandbox", command, "--home", str(home)]
    if command == "up":
        args += ["--seed", str(SEED), "--scale", str(SCALE), "--as-of", AS_OF.isoformat(),
                 "--faults", faults]
    subprocess.run(args, check=True, capture_output=True, timeout=300,
                   env=drills.stage_env(home))


def run(home: Path, stage: str, run_id: str) -> float:
    """Run a stage to completion; returns its seconds."""
    started = time.monotonic()
    process = drills.start_stage(home, stage, AS_OF, run_id, home / "drill.log",
                                 drills.source_env(home))
    code = process.wait(timeout=900)
    tail = (home / "drill.log").read_text(encoding="utf-8", errors="replace")[-4000:]
    assert code == 0, f"{stage} failed:\n{tail}"
    return time.monotonic() - started


def kill_when(home: Path, stage: str, run_id: str, ready, timeout: float = 300) -> dict[str, Any]:
    """Start a stage, SIGKILL its process group as soon as ``ready()`` holds."""
    started = time.monotonic()
    process = drills.start_stage(home, stage, AS_OF, run_id, home / "drill.log",
                                 drills.source_env(home))
    fired = drills.wait_until(lambda: ready() or process.poll() is not None, timeout, 0.005)
    current = os.readlink(home / "releases" / "current")
    drills.kill_group(process)
    survivors = drills.group_members(process.pid)
    return {"killed": fired and process.returncode == -9, "returncode": process.returncode,
            "seconds_to_kill": round(time.monotonic() - started, 2),
            "current_at_kill": current, "group_survivors": survivors}


def reconciliation(release: Path) -> list[tuple]:
    with duckdb.connect(str(release / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT source, entity, batch_id, delivered, loaded, quarantined, superseded"
            " FROM audit.reconciliation ORDER BY ALL").fetchall()


def raw_counts(home: Path, run_id: str) -> dict[str, int]:
    ctx = context(run_id)
    summary = json.loads((home / "runs" / ctx.run_id / "summary.json").read_text("utf-8"))
    return summary["raw_row_counts"]


def context(run_id: str) -> tasks.BuildContext:
    return tasks.resolve_build_context(airflow_run_id=run_id, conf={"as_of": AS_OF.isoformat()},
                                       data_interval_end=interval_for_as_of(AS_OF)[1],
                                       triggering_as_of=[])


def current(home: Path) -> Path:
    return (home / "releases" / "current").resolve()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("reference")
    sandbox(home, "up")
    try:
        seconds = run(home, "all", "reference")
    finally:
        sandbox(home, "down")
    release = current(home)
    return {"home": home, "release": release, "seconds": seconds,
            "indicators": indicators(release), "reconciliation": reconciliation(release),
            "raw_counts": raw_counts(home, "reference")}


@pytest.fixture(scope="module")
def drilled(reference, tmp_path_factory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("drilled")
    served = reference["release"]
    (home / "releases").mkdir()
    shutil.copytree(served, home / "releases" / served.name, symlinks=True)
    shutil.copy(served.parent / "releases.jsonl", home / "releases" / "releases.jsonl")
    os.symlink(served.name, home / "releases" / "current")
    observed: dict[str, Any] = {"served_before": served.name}
    settings = load_settings({"PATENTFLOW_HOME": str(home)})
    reconciled = home / "raw" / "_reconciliation"

    with drills.ReleaseReader(home) as reader:
        # 1. outage longer than the retry budget, then the source comes back
        sandbox(home, "up", faults="outage_after=1")  # the first page, then 503s
        started = time.monotonic()
        source_settings = load_settings({"PATENTFLOW_HOME": str(home),
                                         **drills.source_env(home)})
        try:
            ingest_patent_api(source_settings, *interval_for_as_of(AS_OF), retry=SHORT_RETRY)
            observed["outage_error"] = None
        except SourceError as exc:
            observed["outage_error"] = str(exc)
        observed["outage_seconds"] = round(time.monotonic() - started, 2)
        observed["outage_current"] = current(home).name
        observed["outage_token_leak"] = drills.source_env(home)[
            "PATENTFLOW_PATENT_API_TOKEN"] in str(observed["outage_error"])
        sandbox(home, "down")
        sandbox(home, "up")
        try:
            # 2. kill -9 during ingestion, right after the first batch landed
            def batches() -> int:
                return len(list(reconciled.rglob("*.parquet"))) if reconciled.is_dir() else 0

            before = batches()  # the outage pull landed what came before the outage
            observed["ingest_kill"] = kill_when(home, "ingest", "drilled",
                                                lambda: batches() > before)
            observed["ingest_kill"]["batches_landed"] = batches() - before
            observed["ingest_rerun_seconds"] = run(home, "ingest", "drilled")

            # 3. kill -9 during dbt build (dbt is a child process: the whole group dies)
            log = home / "drill.log"
            offset = log.stat().st_size

            def dbt_running() -> bool:
                text = log.read_bytes()[offset:]
                return b"drill stage=dbt_build started" in text and (
                    (home / "runs").is_dir() and any((home / "runs").rglob("dbt/*")))

            observed["dbt_kill"] = kill_when(home, "build", "drilled", dbt_running)
            time.sleep(2.0)  # dbt had it been orphaned would still be writing now
            observed["dbt_kill"]["current_after"] = current(home).name
            run(home, "dbt_build", "drilled")  # the Airflow retry of the killed task …
            run(home, "quality_gate", "drilled")  # … and the tasks after it

            # 4. kill -9 while the release is being assembled, then publish again
            staging = home / "releases" / f"{context('drilled').release_id}.tmp"
            observed["publish_kill"] = kill_when(home, "publish", "drilled", staging.exists)
            observed["publish_kill"]["partial_left"] = staging.exists()
            observed["publish_rerun_seconds"] = run(home, "publish", "drilled")
            observed["after_kills"] = current(home)

            # 5. a garbled build warehouse is set aside and rebuilt from raw Parquet
            with settings.warehouse_path.open("r+b") as handle:
                handle.write(os.urandom(8192))
            observed["corrupt_rebuild_seconds"] = run(home, "build", "drilled-after-corruption")
            observed["after_corruption"] = current(home)
            observed["corrupt_aside"] = sorted(
                p.name for p in settings.warehouse_path.parent.glob("build.duckdb.corrupt-*"))
        finally:
            sandbox(home, "down")
    observed.update(home=home, reads=reader.reads, read_failures=reader.failures,
                    releases_read=reader.release_ids)
    figures = {k: v for k, v in observed.items() if k.endswith(("kill", "seconds"))}
    figures.update(reference_seconds=round(reference["seconds"], 1), reads=reader.reads,
                   read_failures=len(reader.failures))
    print(json.dumps(figures, indent=1, default=str))
    return observed


def test_an_outage_beyond_the_retry_budget_fails_naming_the_source(drilled) -> None:
    error = drilled["outage_error"]
    assert error is not None and "source=patent_api" in error and "status=503" in error
    assert "gave up after 3 attempts" in error
    assert drilled["outage_token_leak"] is False
    assert drilled["outage_current"] == drilled["served_before"]


def test_each_kill_landed_mid_stage_and_left_the_served_release_alone(drilled) -> None:
    for stage in ("ingest_kill", "dbt_kill", "publish_kill"):
        kill = drilled[stage]
        assert kill["killed"], (stage, kill)  # SIGKILLed before the stage finished
        assert kill["group_survivors"] == [], stage  # dbt died with its parent
        assert kill["current_at_kill"] == drilled["served_before"], stage
    assert drilled["dbt_kill"]["current_after"] == drilled["served_before"]
    assert 1 <= drilled["ingest_kill"]["batches_landed"]


def test_the_served_release_stayed_readable_throughout(drilled) -> None:
    assert drilled["read_failures"] == []
    assert drilled["reads"] > 50
    assert drilled["served_before"] in drilled["releases_read"]
    assert drilled["after_corruption"].name in drilled["releases_read"]


def test_reruns_publish_exactly_what_an_uninterrupted_run_publishes(reference, drilled) -> None:
    after_kills = drilled["after_kills"]
    assert after_kills.name != drilled["served_before"]
    assert same_values(indicators(after_kills), reference["indicators"]) == []
    assert reconciliation(after_kills) == reference["reconciliation"]
    assert raw_counts(drilled["home"], "drilled") == reference["raw_counts"]


def test_a_corrupt_build_warehouse_is_set_aside_rebuilt_and_published_correctly(
    reference, drilled
) -> None:
    assert len(drilled["corrupt_aside"]) == 1
    rebuilt = drilled["after_corruption"]
    assert rebuilt != drilled["after_kills"]
    assert same_values(indicators(rebuilt), reference["indicators"]) == []
    assert reconciliation(rebuilt) == reference["reconciliation"]
    assert raw_counts(drilled["home"], "drilled-after-corruption") == reference["raw_counts"]
