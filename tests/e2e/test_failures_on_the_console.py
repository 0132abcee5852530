"""``patentflow run`` against broken sources, through Airflow: every DAG still runs, each failure
is one line naming the source, the URL (no token), the cause and the log, within seconds, and
``patentflow health`` lists the same failed ingestion runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.broken_sources import closed_port_url, status_server

pytestmark = pytest.mark.e2e
TOKEN = "tok-e2e-secret-5b7e1"
LOCAL_BUDGET_SECONDS = 10  # PATENTFLOW_SOURCE_RETRY_SECONDS under `patentflow run`


def _patentflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patentflow.cli", *args], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("broken")
    closed = closed_port_url()
    with status_server(401) as (unauthorised, _):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
        env.update(PATENTFLOW_HOME=str(home), PATENTFLOW_PATENT_API_URL=closed,
                   PATENTFLOW_PATENT_API_TOKEN=TOKEN, PATENTFLOW_FINANCE_API_URL=unauthorised,
                   PATENTFLOW_FINANCE_API_TOKEN=TOKEN,
                   PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
        started = time.monotonic()
        run = _patentflow(env, "run", "--as-of", "2025-06-30")
        seconds = time.monotonic() - started
    health = _patentflow(env, "health")
    return {"run": run, "seconds": seconds, "health": health, "closed": closed,
            "unauthorised": unauthorised, "home": home}


def _dag_seconds(stdout: str, dag_id: str) -> float:
    match = re.search(rf"^{dag_id}: failed \(([\d.]+)s\)$", stdout, re.MULTILINE)
    assert match, stdout
    return float(match.group(1))


def test_each_failed_source_gets_one_line_with_url_cause_and_log(failed_run) -> None:
    run = failed_run["run"]
    assert run.returncode == 1
    assert (f"  patentflow_ingest_patent_api: FAILED source=patent_api "
            f"url={failed_run['closed']}/v1/patents cause=connection refused (") in run.stdout
    finance = re.search(
        rf"^  patentflow_ingest_finance_api: FAILED source=finance_api "
        rf"url={re.escape(failed_run['unauthorised'])}/v1/pledges "
        rf"cause=HTTP 401 \(token rejected\) \(not retried\) log=(\S+)$", run.stdout, re.MULTILINE)
    assert finance, run.stdout
    # the line points at the task's own log in Airflow's layout, and that log holds the cause
    task_log = Path(finance.group(1))
    assert task_log.is_relative_to(
        failed_run["home"] / "airflow" / "logs" / "dag_id=patentflow_ingest_finance_api")
    assert "401" in task_log.read_text(encoding="utf-8")
    assert "Run summary: None" not in run.stderr and "not_run" not in run.stdout
    assert TOKEN not in run.stdout + run.stderr


def test_independent_sources_still_run_and_the_build_is_not_triggered(failed_run) -> None:
    stdout = failed_run["run"].stdout
    assert "patentflow_ingest_tech_contracts: success" in stdout
    assert "patentflow_ingest_reference: success" in stdout
    assert "patentflow_build: not_triggered" in stdout
    assert "nothing is published yet" in failed_run["run"].stderr


def test_a_closed_port_fails_within_the_local_budget(failed_run) -> None:
    """The source gives up within the local retry budget; the DAG run around it adds Airflow's
    task start-up and the pipeline's imports (seconds on a quiet machine, more under load),
    never minutes of retries: the Airflow task is not retried on top."""
    stdout = failed_run["run"].stdout
    match = re.search(r"cause=connection refused \((\d+) attempts in ([\d.]+) s\)", stdout)
    assert match, stdout
    assert float(match.group(2)) <= LOCAL_BUDGET_SECONDS + 1
    assert _dag_seconds(stdout, "patentflow_ingest_patent_api") < 120
    assert "attempt=2.log" not in stdout  # one Airflow try
    print(f"closed port: {match.group(1)} attempts in {match.group(2)} s; DAG run "
          f"{_dag_seconds(stdout, 'patentflow_ingest_patent_api')} s; closed port + 401 run "
          f"{failed_run['seconds']:.1f} s end to end")


def test_health_lists_the_failed_ingestion_runs(failed_run) -> None:
    health = failed_run["health"]
    assert health.returncode == 0, health.stderr
    failed = health.stdout.split("failed runs:")[1]
    assert "patentflow_ingest_patent_api: FAILED source=patent_api" in failed
    assert "cause=HTTP 401 (token rejected)" in failed
    assert TOKEN not in health.stdout
