"""The embedded Airflow installation under ``PATENTFLOW_HOME/airflow`` (SQLite metadata DB).

``patentflow run`` drives the real DAGs through Airflow's own ``DAG.test`` (what ``airflow dags
test`` calls) so that what a developer runs locally is exactly what the scheduler runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from patentflow.core.settings import DAGS_FOLDER, PROJECT_ROOT, Settings
from patentflow.orchestration.dag_test_runner import RESULT_PREFIX
from patentflow.orchestration.pools import DUCKDB_WRITER_POOL, DUCKDB_WRITER_POOL_DESCRIPTION

log = logging.getLogger(__name__)
INGESTION_DAGS = (
    "patentflow_ingest_patent_api",
    "patentflow_ingest_finance_api",
    "patentflow_ingest_tech_contracts",
    "patentflow_ingest_reference",
)
BUILD_DAG = "patentflow_build"
LOCAL_SOURCE_RETRY_SECONDS = "10"
LOCAL_SOURCE_TIMEOUT_SECONDS = "10"


def airflow_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for an embedded Airflow: SQLite metadata, LocalExecutor, few workers."""
    airflow_home = settings.home / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    env.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": env.get("AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
        "AIRFLOW__CORE__PARALLELISM": env.get("AIRFLOW__CORE__PARALLELISM", "4"),
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": env.get(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{airflow_home / 'airflow.db'}"
        ),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(airflow_home / "logs"),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "PATENTFLOW_RETRY_DELAY_SECONDS": env.get("PATENTFLOW_RETRY_DELAY_SECONDS", "3"),
        "PATENTFLOW_DROP_WAIT_SECONDS": env.get("PATENTFLOW_DROP_WAIT_SECONDS", "0"),
        # A local run reports a dead source within seconds, not after production's minutes.
        "PATENTFLOW_SOURCE_RETRY_SECONDS": env.get("PATENTFLOW_SOURCE_RETRY_SECONDS",
                                                   LOCAL_SOURCE_RETRY_SECONDS),
        "PATENTFLOW_SOURCE_TIMEOUT_SECONDS": env.get("PATENTFLOW_SOURCE_TIMEOUT_SECONDS",
                                                     LOCAL_SOURCE_TIMEOUT_SECONDS),
        "PATENTFLOW_HOME": str(settings.home),
        "PATENTFLOW_DROP_DIR": str(settings.drop_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    })
    if extra:
        env.update(extra)
    return env


def _airflow(args: list[str], env: Mapping[str, str], *, check: bool = True,
             log_file: Path | None = None) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    completed = subprocess.run(command, env=dict(env), capture_output=True, text=True)
    if log_file is not None:
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(f"$ airflow {' '.join(args)}\n{completed.stdout}\n{completed.stderr}\n")
    if check and completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).splitlines()[-40:])
        raise RuntimeError(f"airflow {' '.join(args)} failed ({completed.returncode}):\n{tail}")
    return completed


def prepare(settings: Settings, env: Mapping[str, str], log_file: Path) -> None:
    """Migrate the metadata DB (idempotent) and create the one-slot DuckDB writer pool."""
    _airflow(["db", "migrate"], env, log_file=log_file)
    _airflow(["pools", "set", DUCKDB_WRITER_POOL, "1", DUCKDB_WRITER_POOL_DESCRIPTION], env,
             log_file=log_file)


def run_dags(runs: list[tuple[str, str]], env: Mapping[str, str], log_file: Path,
             confs: dict[str, dict] | None = None,
             when_triggered: tuple[str, ...] = (), prepare_first: bool = False) -> list[dict]:
    """Run ``(dag_id, logical_date)`` pairs in order through ``DAG.test`` in one Airflow process
    (see ``patentflow.orchestration.dag_test_runner``); return each run's result (state,
    seconds, run id, task states, assets updated).

    Every run is attempted; a DAG in ``when_triggered`` only if the assets updated before it
    satisfy its schedule (else ``not_triggered``). Runs the process never reported (it died)
    are ``not_run``. ``prepare_first`` does :func:`prepare`'s work in that same process.
    """
    args = [sys.executable, "-m", "patentflow.orchestration.dag_test_runner",
            *(["--prepare"] if prepare_first else [])]
    for dag_id, logical_date in runs:
        args += ["--run", dag_id, logical_date]
    for dag_id, conf in (confs or {}).items():
        args += ["--conf-for", dag_id, json.dumps(conf)]
    for dag_id in when_triggered:
        args += ["--when-triggered", dag_id]
    completed = subprocess.run(args, env=dict(env), capture_output=True, text=True)
    with log_file.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(args[1:])}\n{completed.stdout}\n{completed.stderr}\n")
    reported = [json.loads(line[len(RESULT_PREFIX):]) for line in completed.stdout.splitlines()
                if line.startswith(RESULT_PREFIX)]
    missing = [{"dag_id": dag_id, "logical_date": logical_date, "state": "not_run", "seconds": 0.0,
                "run_id": None, "tasks": {}, "assets": [],
                "reason": f"the runner process exited {completed.returncode} before it"}
               for dag_id, logical_date in runs[len(reported):]]
    return reported + missing
