"""Run several DAGs, one after another, with Airflow's own ``DAG.test`` in a single process.

``airflow dags test`` pays for an interpreter start, the Airflow import and a DAG-folder parse on
every call (about 12 s here); running the five DAGs of a pipeline run through this module pays it
once. Each DAG run is still a real Airflow DagRun in the metadata DB, executed task by task by
Airflow exactly as ``airflow dags test`` does (which calls the same ``DAG.test``).

Usage (inside an Airflow environment): ``python -m patentflow.orchestration.dag_test_runner
[--prepare] --run DAG_ID LOGICAL_DATE [--run DAG_ID LOGICAL_DATE ...] [--conf-for DAG_ID JSON]
[--when-triggered DAG_ID ...]``. ``--prepare`` first migrates the metadata DB and creates the
pools, in this process: what ``airflow db migrate`` and ``airflow pools set`` do, without two
more Airflow start-ups. Prints one JSON line per DAG run: ``{"dag_id", "logical_date",
"run_id", "state", "seconds", "tasks": {task_id: state}, "assets": [uri, ...]}``.

Each task's output also goes to the task's own log file in Airflow's log folder layout
(``dag_id=…/run_id=…/task_id=…/attempt=N.log`` under ``[logging] base_log_folder``), so the UI's
log pane shows it for these runs exactly as for runs made by the scheduler; the runner's own
output (the run log of ``patentflow run``) still holds everything.

Every run is attempted, as the scheduler would: one source failing does not stop the pulls of the
others. A DAG named with ``--when-triggered`` (the asset-scheduled build) runs only if the assets
updated by the runs before it satisfy its schedule condition; otherwise it is reported as
``not_triggered``, as it would simply not start under the scheduler.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

RESULT_PREFIX = "PATENTFLOW_DAG_RESULT "


def condition_met(condition, updated: set[str]) -> bool:
    """Does an asset schedule condition (``AssetAll``/``AssetAny`` of ``Asset``) hold when the
    assets with these URIs have new events?"""
    objects = getattr(condition, "objects", None)
    if objects is not None:
        combine = all if getattr(condition, "agg_func", any) is all else any
        return combine(condition_met(part, updated) for part in objects)
    return getattr(condition, "uri", None) in updated


def describe(condition) -> str:
    """``(a & b) | c`` for an asset schedule condition."""
    objects = getattr(condition, "objects", None)
    if objects is None:
        return str(getattr(condition, "uri", condition))
    joiner = " & " if getattr(condition, "agg_func", any) is all else " | "
    parts = [describe(part) if getattr(part, "objects", None) is None else f"({describe(part)})"
             for part in objects]
    return joiner.join(parts)


def _run_facts(dag_id: str, run_id: str) -> tuple[dict[str, str], list[str]]:
    """Task states and the URIs of the assets the run emitted events for."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tasks = dict(session.execute(
            select(TaskInstance.task_id, TaskInstance.state)
            .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)).all())
        assets = session.execute(
            select(AssetModel.uri).join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_dag_id == dag_id, AssetEvent.source_run_id == run_id)
        ).scalars().all()
    return {task: str(state) for task, state in tasks.items()}, sorted(set(assets))


def task_log_path(base_log_folder: Path, ti) -> Path:
    """Where Airflow's default ``log_filename_template`` puts a task try's log."""
    mapped = f"map_index={ti.map_index}/" if (ti.map_index or -1) >= 0 else ""
    return (base_log_folder / f"dag_id={ti.dag_id}" / f"run_id={ti.run_id}"
            / f"task_id={ti.task_id}" / f"{mapped}attempt={max(ti.try_number or 1, 1)}.log")


@contextlib.contextmanager
def _output_into(path: Path) -> Iterator[None]:
    """Send everything written to stdout/stderr (file descriptors 1 and 2, so loggers that
    hold their own stream are caught too) into ``path``, then copy it to the real stdout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)
    with path.open("rb") as log:
        sys.stdout.flush()
        os.write(1, log.read())


def _with_task_logs(run_task, base_log_folder: Path):
    """Wrap ``DAG.test``'s per-task runner so each task try logs into its own file."""
    def run(*, ti, task, **kwargs):
        with _output_into(task_log_path(base_log_folder, ti)):
            return run_task(ti=ti, task=task, **kwargs)
    return run


def prepare_metadata() -> None:
    """Bring the metadata DB to Airflow's schema (idempotent) and create the one-slot DuckDB
    writer pool."""
    from airflow.models.pool import Pool
    from airflow.utils.db import upgradedb

    from patentflow.orchestration.pools import DUCKDB_WRITER_POOL, DUCKDB_WRITER_POOL_DESCRIPTION

    upgradedb()
    Pool.create_or_update_pool(DUCKDB_WRITER_POOL, 1, DUCKDB_WRITER_POOL_DESCRIPTION,
                               include_deferred=False)


def run_dags(runs: Sequence[tuple[str, str]], confs: dict[str, dict],
             when_triggered: frozenset[str] = frozenset()) -> list[dict]:
    import pendulum
    from airflow.configuration import conf
    from airflow.sdk.definitions import dag as dag_module
    from airflow.utils.cli import get_bagged_dag

    # DAG.test runs each task in this process through this private helper (Airflow 3.3); a
    # newer Airflow without it still runs, its task logs only in the run log.
    if hasattr(dag_module, "_run_task"):
        dag_module._run_task = _with_task_logs(
            dag_module._run_task, Path(conf.get("logging", "base_log_folder")))

    results = []
    dags = {}
    updated: set[str] = set()
    for dag_id, logical_date in runs:
        started = time.monotonic()
        dag = dags.get(dag_id) or dags.setdefault(dag_id, get_bagged_dag(None, dag_id))
        result = {"dag_id": dag_id, "logical_date": logical_date, "run_id": None,
                  "tasks": {}, "assets": []}
        condition = getattr(dag.timetable, "asset_condition", None)
        if dag_id in when_triggered and condition is not None \
                and not condition_met(condition, updated):
            result.update(state="not_triggered", seconds=0.0,
                          reason="the runs before it updated no assets that satisfy its "
                                 f"schedule {describe(condition)}")
        else:
            try:
                dag_run = dag.test(logical_date=pendulum.parse(logical_date),
                                   run_conf=confs.get(dag_id))
            except Exception as exc:  # noqa: BLE001 - one broken run must not stop the others
                result.update(state="error", reason=f"{type(exc).__name__}: {exc}"[:500])
            else:
                result["state"] = str(getattr(dag_run, "state", None) or "missing")
                result["run_id"] = getattr(dag_run, "run_id", None)
                if result["run_id"]:
                    result["tasks"], result["assets"] = _run_facts(dag_id, result["run_id"])
                    updated.update(result["assets"])
            result["seconds"] = round(time.monotonic() - started, 2)
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prepare", action="store_true",
                        help="migrate the metadata DB and create the pools first")
    parser.add_argument("--run", nargs=2, action="append", required=True, dest="runs",
                        metavar=("DAG_ID", "LOGICAL_DATE"))
    parser.add_argument("--conf-for", nargs=2, action="append", default=[],
                        metavar=("DAG_ID", "JSON"))
    parser.add_argument("--when-triggered", action="append", default=[], metavar="DAG_ID",
                        help="run this DAG only if the runs before it updated its assets")
    args = parser.parse_args(argv)
    confs = {dag_id: json.loads(conf) for dag_id, conf in args.conf_for}
    if args.prepare:
        prepare_metadata()
    results = run_dags([tuple(run) for run in args.runs], confs,
                       frozenset(args.when_triggered))
    ok = len(results) == len(args.runs) and all(r["state"] == "success" for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
