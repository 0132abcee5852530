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
        # Whichever runs first in a home (`make run` or `make up`) registers the DAGs unpaused,
        # so that `make up` after `make run` finds its schedules running.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": env.get(
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False"),
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
    """Migrate the metadata DB (idempotent), create the one-slot DuckDB writer pool, and make
    the home's ``airflow.cfg`` say what the environment says."""
    _airflow(["db", "migrate"], env, log_file=log_file)
    _airflow(["pools", "set", DUCKDB_WRITER_POOL, "1", DUCKDB_WRITER_POOL_DESCRIPTION], env,
             log_file=log_file)
    write_cli_config(Path(env["AIRFLOW_HOME"]) / "airflow.cfg", env)


# What a shell with only AIRFLOW_HOME set must see as the services do: the DAGs, no examples,
# Beijing time (``airflow backfill create --from-date 2025-06-01`` means 00:00 in Beijing, as
# the schedules do), the metadata DB and the log folder. Secrets stay in the environment.
CLI_CONFIG = (("core", "dags_folder"), ("core", "load_examples"), ("core", "default_timezone"),
              ("core", "dags_are_paused_at_creation"), ("core", "executor"),
              ("database", "sql_alchemy_conn"), ("logging", "base_log_folder"))


def write_cli_config(path: Path, env: Mapping[str, str]) -> None:
    """Set the ``CLI_CONFIG`` options of the ``airflow.cfg`` Airflow generated to the values
    of their ``AIRFLOW__SECTION__KEY`` variables in ``env``, leaving every other line (and
    comment) as Airflow wrote it."""
    if not path.exists():
        return
    wanted = {(section, key): env[f"AIRFLOW__{section.upper()}__{key.upper()}"]
              for section, key in CLI_CONFIG if f"AIRFLOW__{section.upper()}__{key.upper()}" in env}
    lines, section, seen = [], "", set()
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            lines += [f"{key} = {value}" for (sec, key), value in wanted.items()
                      if sec == section and (sec, key) not in seen]
            seen |= {(sec, key) for sec, key in wanted if sec == section}
            section = stripped[1:-1]
        elif "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].strip()
            if (section, key) in wanted:
                line = f"{key} = {wanted[(section, key)]}"
                seen.add((section, key))
        lines.append(line)
    lines += [f"{key} = {value}" for (sec, key), value in wanted.items()
              if sec == section and (sec, key) not in seen]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


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
