"""The embedded Airflow installation under ``PATENTFLOW_HOME/airflow`` (SQLite metadata DB).

``patentflow run`` drives the real DAGs through Airflow's own ``airflow dags test`` so that what a
developer runs locally is exactly what the scheduler runs in production.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from patentflow.assets import DUCKDB_WRITER_POOL
from patentflow.config import Settings

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO_ROOT / "dags"
INGESTION_DAGS = (
    "patentflow_ingest_patent_api",
    "patentflow_ingest_finance_api",
    "patentflow_ingest_tech_contracts",
    "patentflow_ingest_reference",
)
BUILD_DAG = "patentflow_build"


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
        "PATENTFLOW_HOME": str(settings.home),
        "PATENTFLOW_DROP_DIR": str(settings.drop_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
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
    _airflow(["pools", "set", DUCKDB_WRITER_POOL, "1",
              "Serialises writers of the DuckDB build warehouse"], env, log_file=log_file)


def dag_test(dag_id: str, logical_date: str, env: Mapping[str, str], log_file: Path,
             conf: dict | None = None) -> str:
    """Run one DAG in-process with ``airflow dags test``; return its final state.

    ``dags test`` exits 0 even when a task failed, so the state is read from the run's own
    "DagRun Finished" log line rather than trusted from the exit code.
    """
    args = ["dags", "test", dag_id, logical_date]
    if conf:
        args += ["--conf", json.dumps(conf)]
    completed = _airflow(args, env, check=False, log_file=log_file)
    return final_run_state(completed.stdout + completed.stderr)


def final_run_state(output: str) -> str:
    """The state from the ``DagRun Finished: … state=<state>,`` line ``dags test`` logs."""
    states = re.findall(r"DagRun Finished: .*?\bstate=(\w+)", output)
    return states[-1] if states else "missing"
