"""``run_health``: what happened in each build run, answerable with one query.

Each build run appends its Airflow task outcomes, dbt node results, quality-gate checks and the
ingestion batches it saw for the first time to ``runs/run_health.duckdb`` (a file of its own, so
recording health never contends with the warehouse writer); the ``run_health`` view joins them
into one row per run (``patentflow health`` prints the newest).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from patentflow.core.settings import Settings

SCHEMA = """
create table if not exists runs (
    run_id varchar primary key, as_of date, release_id varchar, status varchar,
    recorded_at timestamptz, failure varchar
);
create table if not exists run_tasks (run_id varchar, task_id varchar, state varchar);
create table if not exists run_dbt_nodes (
    run_id varchar, unique_id varchar, resource_type varchar, status varchar,
    execution_time double
);
create table if not exists run_checks (
    run_id varchar, suite varchar, name varchar, severity varchar, success boolean
);
create table if not exists run_batches (
    run_id varchar, source varchar, entity varchar, batch_id varchar, delivered bigint,
    loaded bigint, quarantined bigint, superseded bigint
);
create or replace view run_health as
with tasks as (
    select run_id,
        count(*) filter (where state = 'success') as tasks_succeeded,
        count(*) filter (where state in ('failed', 'upstream_failed')) as tasks_failed,
        string_agg(task_id, ', ') filter (where state = 'failed') as failed_tasks
    from run_tasks group by run_id
),
dbt as (
    select run_id,
        count(*) filter (where resource_type = 'model' and status = 'success') as models_built,
        count(*) filter (where resource_type = 'model' and status <> 'success') as models_failed,
        count(*) filter (where resource_type in ('test', 'unit_test')
                         and status in ('fail', 'error')) as dbt_tests_failed,
        round(sum(execution_time), 1) as dbt_seconds
    from run_dbt_nodes group by run_id
),
checks as (
    select run_id,
        count(*) as checks_run,
        count(*) filter (where not success and severity = 'error') as checks_blocking,
        count(*) filter (where not success and severity = 'warn') as checks_warned
    from run_checks group by run_id
),
batches as (
    select run_id,
        count(*) as new_batches,
        sum(delivered) as delivered, sum(loaded) as loaded,
        sum(quarantined) as quarantined, sum(superseded) as superseded
    from run_batches group by run_id
)
select runs.*, tasks.* exclude (run_id), dbt.* exclude (run_id),
    checks.* exclude (run_id), batches.* exclude (run_id),
    round(100.0 * batches.quarantined / nullif(batches.delivered, 0), 2) as quarantine_pct
from runs
left join tasks using (run_id)
left join dbt using (run_id)
left join checks using (run_id)
left join batches using (run_id);
"""


def health_path(settings: Settings) -> Path:
    return settings.runs_dir / "run_health.duckdb"


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _reconciliation(settings: Settings) -> pd.DataFrame:
    pattern = settings.raw_dir / "_reconciliation" / "**" / "*.parquet"
    columns = ["source", "entity", "batch_id", "delivered", "loaded", "quarantined", "superseded"]
    if not any((settings.raw_dir / "_reconciliation").rglob("*.parquet")):
        return _frame([], columns)
    with duckdb.connect() as con:
        return con.execute(
            "select source, entity, batch_id, delivered, loaded, quarantined, superseded "
            "from read_parquet(?, hive_partitioning = false)", [str(pattern)]
        ).df()


def record(settings: Settings, run_id: str, task_states: dict[str, str]) -> dict[str, Any]:
    """Append one run's health; idempotent per run id (a retry replaces the run's rows)."""
    summary_file = settings.runs_dir / run_id / "summary.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else {}
    run_results = settings.runs_dir / run_id / "dbt" / "run_results.json"
    nodes = []
    if run_results.exists():
        for result in json.loads(run_results.read_text(encoding="utf-8")).get("results", []):
            unique_id = result.get("unique_id", "")
            nodes.append({"run_id": run_id, "unique_id": unique_id,
                          "resource_type": unique_id.split(".", 1)[0],
                          "status": str(result.get("status")),
                          "execution_time": float(result.get("execution_time") or 0.0)})
    checks = [{"run_id": run_id, "suite": c.get("suite"), "name": c.get("name"),
               "severity": c.get("severity"), "success": bool(c.get("success"))}
              for c in (summary.get("gate") or {}).get("checks", [])]
    status = "published" if summary.get("status") == "published" else (
        "failed" if any(s == "failed" for s in task_states.values()) else
        summary.get("status", "unknown"))
    tasks = [{"run_id": run_id, "task_id": t, "state": s} for t, s in sorted(task_states.items())]

    path = health_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(SCHEMA)
        con.execute("begin transaction")
        for table in ("runs", "run_tasks", "run_dbt_nodes", "run_checks", "run_batches"):
            con.execute(f"delete from {table} where run_id = ?", [run_id])  # noqa: S608
        con.execute(
            "insert into runs values (?, ?, ?, ?, ?, ?)",
            [run_id, summary.get("as_of"), summary.get("release_id"), status,
             datetime.now(UTC), summary.get("failure")],
        )
        batches = _reconciliation(settings)
        seen_rows = con.execute("select distinct batch_id from run_batches").fetchall()
        seen = {row[0] for row in seen_rows}
        new_batches = batches[~batches["batch_id"].isin(seen)].assign(run_id=run_id)
        for table, frame in (
            ("run_tasks", _frame(tasks, ["run_id", "task_id", "state"])),
            ("run_dbt_nodes", _frame(nodes, ["run_id", "unique_id", "resource_type", "status",
                                             "execution_time"])),
            ("run_checks", _frame(checks, ["run_id", "suite", "name", "severity", "success"])),
            ("run_batches", new_batches[["run_id", "source", "entity", "batch_id", "delivered",
                                         "loaded", "quarantined", "superseded"]]),
        ):
            if len(frame):
                con.register("incoming", frame)
                con.execute(f"insert into {table} select * from incoming")  # noqa: S608
                con.unregister("incoming")
        con.execute("commit")
        row = con.execute("select * from run_health where run_id = ?", [run_id]).df()
    return json.loads(row.to_json(orient="records", date_format="iso"))[0]


def latest_text(settings: Settings, limit: int = 5) -> str:
    """The newest runs' health, as a table for the console (``patentflow health``)."""
    path = health_path(settings)
    if not path.exists():
        return "no build run recorded yet"
    with duckdb.connect(str(path), read_only=True) as con:
        frame = con.execute(
            "select run_id, as_of, status, tasks_failed, failed_tasks, models_failed, "
            "dbt_tests_failed, checks_blocking, checks_warned, new_batches, delivered, "
            "quarantined, quarantine_pct from run_health order by recorded_at desc limit ?",
            [limit],
        ).df()
    return frame.to_string(index=False)
