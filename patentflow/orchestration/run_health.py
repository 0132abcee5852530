"""``run_health``: what happened in each build run, answerable with one query; and
``patentflow health``, which adds the ingestion runs.

Each build run appends its Airflow task outcomes, dbt node results, quality-gate checks and the
ingestion batches it saw for the first time to ``runs/run_health.duckdb`` (a file of its own, so
recording health never contends with the warehouse writer); the ``run_health`` view joins them
into one row per run. Ingestion runs keep one JSON record each (``ingest_runs``: parallel tasks,
no shared writer). ``patentflow health`` prints the newest of both, then one line per failed
DAG run (source, URL, cause, log) and one per quarantine warning.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from patentflow.core import duck
from patentflow.core.settings import Settings
from patentflow.orchestration import ingest_runs
from patentflow.warehouse.unlisted_regions import describe

SCHEMA = """
create table if not exists runs (
    run_id varchar primary key, as_of date, release_id varchar, status varchar,
    recorded_at timestamptz, failure varchar
);
alter table runs add column if not exists log varchar;
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
create table if not exists run_unlisted_codes (
    run_id varchar, region_code varchar, counted_for varchar, records bigint, used_in varchar
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
),
unlisted as (
    select run_id, count(*) as unlisted_codes, sum(records) as unlisted_code_records
    from run_unlisted_codes group by run_id
)
select runs.*, tasks.* exclude (run_id), dbt.* exclude (run_id),
    checks.* exclude (run_id), batches.* exclude (run_id),
    round(100.0 * batches.quarantined / nullif(batches.delivered, 0), 2) as quarantine_pct,
    coalesce(unlisted.unlisted_codes, 0) as unlisted_codes,
    coalesce(unlisted.unlisted_code_records, 0) as unlisted_code_records
from runs
left join tasks using (run_id)
left join dbt using (run_id)
left join checks using (run_id)
left join batches using (run_id)
left join unlisted using (run_id);
"""


UNLISTED_COLUMNS = ["run_id", "region_code", "counted_for", "records", "used_in"]


def health_path(settings: Settings) -> Path:
    return settings.runs_dir / "run_health.duckdb"


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _reconciliation(settings: Settings) -> pd.DataFrame:
    pattern = settings.raw_dir / "_reconciliation" / "**" / "*.parquet"
    columns = ["source", "entity", "batch_id", "delivered", "loaded", "quarantined", "superseded"]
    if not any((settings.raw_dir / "_reconciliation").rglob("*.parquet")):
        return _frame([], columns)
    with duck.connect() as con:
        return con.execute(
            "select source, entity, batch_id, delivered, loaded, quarantined, superseded "
            "from read_parquet(?, hive_partitioning = false)", [str(pattern)]
        ).df()


def record(settings: Settings, run_id: str, task_states: dict[str, str],
           log: str | None = None) -> dict[str, Any]:
    """Append one run's health; idempotent per run id (a retry replaces the run's rows).

    ``log`` is where the run's task logs are (Airflow's folder of the run).
    """
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
    unlisted = [{"run_id": run_id, **{k: e.get(k) for k in UNLISTED_COLUMNS[1:]}}
                for e in summary.get("unlisted_region_codes") or []]

    path = health_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duck.connect(str(path)) as con:
        con.execute(SCHEMA)
        con.execute("begin transaction")
        for table in ("runs", "run_tasks", "run_dbt_nodes", "run_checks", "run_batches",
                      "run_unlisted_codes"):
            con.execute(f"delete from {table} where run_id = ?", [run_id])  # noqa: S608
        con.execute(
            "insert into runs (run_id, as_of, release_id, status, recorded_at, failure, log)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            [run_id, summary.get("as_of"), summary.get("release_id"), status,
             datetime.now(UTC), summary.get("failure"), log],
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
            ("run_unlisted_codes", _frame(unlisted, UNLISTED_COLUMNS)),
        ):
            if len(frame):
                con.register("incoming", frame)
                con.execute(f"insert into {table} select * from incoming")  # noqa: S608
                con.unregister("incoming")
        con.execute("commit")
        row = con.execute("select * from run_health where run_id = ?", [run_id]).df()
    return json.loads(row.to_json(orient="records", date_format="iso"))[0]


def set_log(settings: Settings, run_id: str, log: str) -> None:
    """Point a recorded build run at ``log`` unless the log it names exists (a local run under
    ``DAG.test`` logs to one file of its own, not to Airflow's per-task folders)."""
    path = health_path(settings)
    if not path.exists():
        return
    with duck.connect(str(path)) as con:
        con.execute(SCHEMA)
        row = con.execute("select log from runs where run_id = ?", [run_id]).fetchone()
        if row is not None and not (row[0] and Path(row[0]).exists()):
            con.execute("update runs set log = ? where run_id = ?", [log, run_id])


INGESTION_SOURCES = 4  # ingestion DAGs: show as many ingestion runs per build run
BUILD_COLUMNS = ["run_id", "as_of", "status", "tasks_failed", "failed_tasks", "models_failed",
                 "dbt_tests_failed", "checks_blocking", "checks_warned", "new_batches",
                 "delivered", "quarantined", "quarantine_pct", "unlisted_codes"]
INGEST_COLUMNS = ["finished_at", "dag_id", "as_of", "status", "seconds", "delivered", "loaded",
                  "quarantined", "warnings"]


def _build_runs(settings: Settings,
                limit: int) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The newest build runs, a line per failed one, and a line per region code of the newest
    run that the hierarchy does not list."""
    path = health_path(settings)
    if not path.exists():
        return pd.DataFrame(), [], []
    with duck.connect(str(path), read_only=True) as con:
        # A file recorded by an older version lacks the newer columns and tables: show what it
        # has (it is opened read-only, never upgraded, so a build may record meanwhile).
        tables = {row[0] for row in con.execute("show tables").fetchall()}
        recent = con.execute("select * from run_health order by recorded_at desc limit ?",
                             [limit]).df()
        frame = recent[[c for c in BUILD_COLUMNS if c in recent.columns]]
        cursor = con.execute(
            "select r.*, h.failed_tasks from runs r join run_health h using (run_id)"
            " where r.status = 'failed' order by r.recorded_at desc limit ?", [limit])
        names = [column[0] for column in cursor.description]
        failed = [(r["run_id"], r["as_of"], r["failure"], r.get("log"), r["failed_tasks"])
                  for r in (dict(zip(names, row, strict=True)) for row in cursor.fetchall())]
        unlisted = con.execute(
            "select u.run_id, r.as_of, u.region_code, u.counted_for, u.records, u.used_in"
            " from run_unlisted_codes u join runs r using (run_id)"
            " where u.run_id = (select run_id from runs order by recorded_at desc limit 1)"
            " order by u.region_code").fetchall() if "run_unlisted_codes" in tables else []
    lines = [f"patentflow_build (run {run_id}, as_of {as_of}): FAILED tasks={tasks or '?'} "
             f"cause={failure or 'see the task logs'} log={log or 'the Airflow task logs'}"
             for run_id, as_of, failure, log, tasks in failed]
    unlisted_lines = [
        f"{describe(dict(region_code=code, counted_for=parent, records=records, used_in=used))}"
        f" (as_of {as_of}, run {run_id})"
        for run_id, as_of, code, parent, records, used in unlisted]
    return frame, lines, unlisted_lines


def _ingest_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{**{column: record.get(column) for column in INGEST_COLUMNS},
             "finished_at": str(record.get("finished_at", ""))[:19],
             "warnings": len(record.get("warnings") or [])} for record in records]
    return pd.DataFrame(rows, columns=INGEST_COLUMNS)


def latest_text(settings: Settings, limit: int = 5) -> str:
    """The newest build and ingestion runs, their failures and quarantine warnings, for the
    console (``patentflow health``)."""
    builds, build_failures, unlisted = _build_runs(settings, limit)
    records = ingest_runs.read_records(settings)
    newest = records[:limit * INGESTION_SOURCES]
    if builds.empty and not records:
        return "no run recorded yet"
    parts = ["build runs (newest first):",
             builds.to_string(index=False) if not builds.empty else "  none recorded",
             "", "ingestion runs (newest first):",
             _ingest_table(newest).to_string(index=False) if newest else "  none recorded"]
    failures = [f"{ingest_runs.failure_line(r)} (as_of {r.get('as_of')}, run {r['run_id']})"
                for r in newest if r.get("status") == "failed"] + build_failures
    if failures:
        parts += ["", "failed runs:", *failures]
    warnings = [f"{line} (as_of {r.get('as_of')}, run {r['run_id']})" for r in newest
                for line in ingest_runs.warning_lines(r)]
    if warnings:
        parts += ["", "quarantine warnings:", *warnings]
    if unlisted:
        parts += ["", "region codes the hierarchy does not list (counted for their nearest listed "
                  "ancestor; add them to dbt_project/seeds/regions.csv):", *unlisted]
    return "\n".join(parts)

