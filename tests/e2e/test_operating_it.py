"""Operating patentflow the way Airflow users do, on one running `patentflow up` (`make up`)
shared by every test here (starting it, and the scheduler's first day, is most of the cost):

- the UI answers healthy on 127.0.0.1, one logs in with the password from the home's private
  file, the seven DAGs are listed, the scheduler runs the latest day's ingestion and the
  asset-triggered build on its own, and a successful ``patentflow_build`` run shows its task log
  in the log pane (checked in a real headless Chromium when there is one; the screenshots stay
  in ``test-artifacts/operating-it/`` for a human look);
- ``airflow backfill create`` over a date range runs each day's ingestion and then the build as
  its asset schedule says, and publishes the same values as ``patentflow backfill`` over the
  same range from the same sources;
- clearing a failed task (the REST call the UI's *Clear* makes) reruns it, and the rerun
  publishes what the day's data gives, as any build of it does;
- `patentflow down` stops everything it started, by process id, and nothing is left listening.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from patentflow.report.browser import find_chromium
from tests.support.airflow_services import (
    BUILD_DAG,
    DAGS,
    INGESTION_DAGS,
    RunningAirflow,
    clean_env,
    listening,
    patentflow,
    wait_until,
)
from tests.support.paths import ARTIFACTS
from tests.support.release_values import indicators, same_values

pytestmark = pytest.mark.e2e

SCALE = 0.01
SHOTS = ARTIFACTS / "operating-it"
BACKFILL_FROM, BACKFILL_TO = date(2025, 6, 29), date(2025, 6, 30)
MAKE_RUN = ("patentflow_ingest_reference", "2025-06-27T00:00:00+08:00")


@pytest.fixture(scope="module")
def airflow(tmp_path_factory) -> RunningAirflow:
    home = tmp_path_factory.mktemp("operating-it") / "home"
    _run_as_make_run_does(home)
    services = RunningAirflow.start(home, SCALE)
    try:
        yield services
    finally:
        services.stop()  # a no-op when the last test already stopped it


def _run_as_make_run_does(home: Path) -> None:
    """One DAG run the way `make run` makes them (``DAG.test`` through the runner behind
    `patentflow run`), before the services start: the reference drop is still empty, so its
    sensor skips at once and the run is over in seconds."""
    from patentflow.core.settings import load_settings
    from patentflow.orchestration import embedded_airflow

    settings = load_settings(clean_env(home))
    env = embedded_airflow.airflow_env(settings)
    log = home / "airflow" / "run-make-run.log"
    embedded_airflow.prepare(settings, env, log)
    [result] = embedded_airflow.run_dags([MAKE_RUN], env, log)
    assert result["state"] == "success", result


@pytest.fixture(scope="module")
def first_day(airflow) -> dict:
    """The scheduler's own work on start: the latest day's ingestion, then the build its asset
    events trigger, published. Returns the first successful build run (a second one, for the
    file drops that landed after the API pulls, may still be on its way)."""
    return wait_until(lambda: (airflow.runs(BUILD_DAG, state="success") or [None])[0],
                      "a successful patentflow_build run made by the scheduler", 900)


def test_up_returns_once_healthy_and_says_how_to_log_in(airflow):
    assert f"Airflow UI: {airflow.base}" in airflow.up_stdout
    # the password file is named, the password never printed; only the owner can read it
    assert str(airflow.password_file) in airflow.up_stdout
    assert airflow.password not in airflow.up_stdout
    assert stat.S_IMODE(airflow.password_file.stat().st_mode) == 0o600
    health = airflow.get("/api/v2/monitor/health")
    assert {health[part]["status"] for part in
            ("metadatabase", "scheduler", "dag_processor", "triggerer")} == {"healthy"}
    status = patentflow(airflow.env, "status")
    assert all(f"{name}: running" in status.stdout for name in
               ("api-server", "scheduler", "dag-processor", "triggerer", "docs"))
    listed = airflow.get("/api/v2/dags")["dags"]
    assert sorted(d["dag_id"] for d in listed) == sorted(DAGS)
    assert not any(d["is_paused"] for d in listed)  # the schedules really run


def test_the_scheduler_builds_the_day_and_the_ui_shows_its_task_logs(airflow, first_day):
    run_id = first_day["dag_run_id"]
    assert first_day["run_type"] == "asset_triggered"  # started by the ingestion's assets
    log = airflow.home / "airflow" / "logs" / f"dag_id={BUILD_DAG}" / f"run_id={run_id}"
    publish_log = (log / "task_id=publish" / "attempt=1.log").read_text()  # Airflow's layout
    # the release's GX Data Docs and dbt docs are generated and served on localhost
    docs = f"http://127.0.0.1:{airflow.docs_port}/"
    assert docs in publish_log
    index = urllib.request.urlopen(docs, timeout=30).read().decode()
    assert "GX Data Docs" in index and "dbt docs" in index
    summary = next(p for p in (airflow.home / "runs").glob("*/summary.json")
                   if json.loads(p.read_text()).get("status") == "published")
    for page in ("gx_docs/index.html", "dbt/static_index.html"):
        safe = urllib.parse.quote(summary.parent.name, safe="")
        assert urllib.request.urlopen(f"{docs}runs/{safe}/{page}", timeout=30).status == 200
    # what the UI's log pane asks for: the task try's log, through the REST API
    quoted = urllib.parse.quote(run_id, safe="")
    pane = airflow.get(f"/api/v2/dags/{BUILD_DAG}/dagRuns/{quoted}/taskInstances/publish/logs/1")
    assert "Returned value was" in json.dumps(pane["content"])

    if find_chromium() is None:
        pytest.skip("the browser part needs Chromium on PATH (apt-get install -y chromium)")
    _look_in_the_browser(airflow, run_id)


def _look_in_the_browser(airflow: RunningAirflow, run_id: str) -> None:
    from tests.support.browser import Browser

    with Browser(height=1300) as browser:  # tall enough for all seven DAGs
        browser.open(airflow.base + "/")
        browser.wait_for(lambda text: "Sign in" in text, "the login form")
        browser.fill("input[name=username]", "admin")
        browser.fill("input[name=password]", airflow.password)
        browser.click("button[type=submit]")
        browser.wait_for(lambda text: "Sign in" not in text and "Dags" in text, "home page")
        browser.open(airflow.base + "/dags")
        text = browser.wait_for(lambda text: all(dag in text for dag in DAGS), "all seven DAGs")
        assert "7 Dags" in text
        assert "+08:00" in text  # the UI clock is Beijing time
        browser.screenshot(SHOTS / "dag-list.png")
        quoted = urllib.parse.quote(run_id, safe="")
        browser.open(f"{airflow.base}/dags/{BUILD_DAG}/runs/{quoted}/tasks/publish")
        text = browser.wait_for(lambda text: "Returned value was" in text,
                                "the publish task's log in the log pane")
        assert "Success" in text and "release_id" in text
        browser.screenshot(SHOTS / "build-run-publish-log.png")


def test_a_task_log_of_a_make_run_run_is_in_the_log_pane_too(airflow):
    dag_id = MAKE_RUN[0]
    [run] = [r for r in airflow.runs(dag_id) if r["logical_date"] == "2025-06-26T16:00:00Z"]
    quoted = urllib.parse.quote(run["dag_run_id"], safe="")
    pane = airflow.get(f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances/"
                       "wait_for_marked_files/logs/1")
    text = json.dumps(pane["content"], ensure_ascii=False)
    assert "no marked delivery in the reference drop" in text
    assert "[DAG TEST] starting task_id=wait_for_marked_files" in text


def test_an_airflow_backfill_publishes_what_patentflow_backfill_publishes(airflow, tmp_path):
    day = airflow.sandbox_day()
    # the same range with `patentflow backfill` in another home, from the same sources (the
    # running sandbox, this home's drop); it runs while Airflow works through its backfill
    reference_home, output = tmp_path / "patentflow-backfill", tmp_path / "backfill.out"
    with output.open("w") as sink:
        reference = subprocess.Popen(
            [sys.executable, "-m", "patentflow.cli", "backfill", "--from",
             BACKFILL_FROM.isoformat(), "--to", BACKFILL_TO.isoformat()],
            env=airflow.source_env(reference_home), stdout=sink, stderr=subprocess.STDOUT)
    started = time.monotonic()
    for dag_id in INGESTION_DAGS:  # as the README says, with only AIRFLOW_HOME set
        airflow.backfill(dag_id, BACKFILL_FROM.isoformat(), BACKFILL_TO.isoformat())

    def backfilled() -> dict[str, list[dict]] | None:
        runs = {dag_id: airflow.runs(dag_id, run_type="backfill") for dag_id in INGESTION_DAGS}
        done = all(len(r) == 2 and all(x["state"] == "success" for x in r) for r in runs.values())
        return runs if done and airflow.settled() else None

    runs = wait_until(backfilled, "every backfilled day ingested and built", 1200, every=5)
    airflow_seconds = time.monotonic() - started
    reference.wait(timeout=900)
    stdout = output.read_text()
    assert reference.returncode == 0, stdout[-3000:]
    if airflow.sandbox_day() != day:
        pytest.skip(f"a Beijing day ended during the test (the sandbox moved from {day} to "
                    f"{airflow.sandbox_day()}): the two homes read different days' sources")

    # one run per Beijing day of the range (dates read in Beijing time, as the schedules are)
    for dag_id, dag_runs in runs.items():
        assert [r["logical_date"] for r in dag_runs] == [
            "2025-06-28T16:00:00Z", "2025-06-29T16:00:00Z"], dag_id
    # the build followed through its asset schedule, for the range's last day
    triggered = [r for r in airflow.runs(BUILD_DAG, run_type="asset_triggered")
                 if r["run_after"] > min(r["start_date"] for r in runs[INGESTION_DAGS[0]])]
    assert triggered and all(r["state"] == "success" for r in triggered)
    built = airflow.releases(f"{BACKFILL_TO:%Y%m%d}")
    assert built, "no release for the range's last day"

    published = Path(stdout.split("published release (read-only DuckDB):")[1].split()[0])
    differences = same_values(indicators(built[-1]), indicators(published.parent))
    assert differences == [], "\n".join(differences[:20])
    print(f"airflow backfill: {airflow_seconds:.0f} s, {len(triggered)} builds")


def test_clearing_a_failed_task_reruns_it_and_publishes_what_the_day_gives(airflow, first_day):
    import duckdb

    wait_until(airflow.quiet, "nothing running before the failure is planted", 900)
    day = airflow.sandbox_day()
    earlier = airflow.releases(day.replace("-", ""))[-1]
    # Someone holds the build warehouse open for writing (a BI tool pointed at build.duckdb):
    # load_raw cannot take DuckDB's lock, its three tries fail, the run fails.
    blocker = duckdb.connect(str(airflow.home / "warehouse" / "build.duckdb"))
    try:
        run = airflow.post(f"/api/v2/dags/{BUILD_DAG}/dagRuns",
                           {"logical_date": None, "conf": {"as_of": day}})
        run_id = run["dag_run_id"]
        wait_until(lambda: airflow.task_instances(BUILD_DAG, run_id)["load_raw"]["state"]
                   == "failed", "load_raw failed on the held lock", 600)
        wait_until(lambda: [r for r in airflow.runs(BUILD_DAG, state="failed")
                            if r["dag_run_id"] == run_id], "the build run failed", 300)
    finally:
        blocker.close()
    failed_tries = airflow.task_instances(BUILD_DAG, run_id)["load_raw"]["try_number"]

    # the UI's Clear on the failed task (and what it blocked)
    cleared = airflow.post(f"/api/v2/dags/{BUILD_DAG}/clearTaskInstances", {
        "dry_run": False, "dag_run_id": run_id, "task_ids": ["load_raw"],
        "include_downstream": True, "only_failed": False, "reset_dag_runs": True})
    assert "load_raw" in {ti["task_id"] for ti in cleared["task_instances"]}
    wait_until(lambda: [r for r in airflow.runs(BUILD_DAG, state="success")
                        if r["dag_run_id"] == run_id], "the cleared run succeeded", 900)

    tasks = airflow.task_instances(BUILD_DAG, run_id)
    assert tasks["load_raw"]["try_number"] == failed_tries + 1  # one more try, not a new run
    assert tasks["publish"]["state"] == "success"
    logs = airflow.home / "airflow" / "logs" / f"dag_id={BUILD_DAG}" / f"run_id={run_id}"
    assert "Could not set lock" in (logs / "task_id=load_raw" / "attempt=1.log").read_text()
    # the rerun publishes this run's release (its id is the run's), with what the day's data
    # gives: the same values as the build of the same day before the failure
    rerun = airflow.releases(day.replace("-", ""))[-1]
    assert rerun != earlier
    assert rerun.name == f"{day.replace('-', '')}-{hashlib.sha1(run_id.encode()).hexdigest()[:8]}"
    differences = same_values(indicators(rerun), indicators(earlier))
    assert differences == [], "\n".join(differences[:20])


def test_down_stops_everything_it_started(airflow):
    stopped = airflow.stop()
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped: api-server, scheduler, dag-processor, triggerer, docs" in stopped.stdout
    assert not listening(airflow.port) and not listening(airflow.docs_port)
    assert _pids_of(airflow.home) == []
    assert "stopped" in patentflow(airflow.env, "status").stdout


def _pids_of(home: Path) -> list[int]:
    """Processes whose command line or environment names this home (what `up` started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (f"PATENTFLOW_HOME={home}".encode() in text
                             or b"devtools.sandbox" in text and str(home).encode() in text):
            found.append(int(entry.name))
    return found
