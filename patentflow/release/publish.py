"""Write–audit–publish: turn a build warehouse that passed the gate into an immutable release.

The release is assembled in ``releases/<id>.tmp/`` (tables copied through ATTACH, never a file copy
of the build warehouse, which may hold unpublished schemas), made read-only, renamed into place and
only then made current by an atomic symlink swap. A reader of ``releases/current/warehouse.duckdb``
therefore sees the old or the new release, never a half-written one. A release for an earlier data
interval than the current one's is published without the swap (``registry.decide_current``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from patentflow.core import duck
from patentflow.core.alerts import send_alert
from patentflow.core.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings
from patentflow.gate.config import GateConfig, load_gate_config
from patentflow.gate.result import GateResult, jsonable
from patentflow.release.registry import (
    CURRENT,
    MANIFEST,
    WAREHOUSE,
    CurrentDecision,
    ReleaseInfo,
    append_registry,
    current_release,
    decide_current,
    fsync_path,
    list_releases,
    now_iso,
    prune_releases,
    read_indicator_values,
    read_registry,
    release_info,
    release_lock,
    remove_tree,
    revisions_between,
    switch_current,
)
from patentflow.warehouse.catalog import list_tables, qualified, quote_ident

log = logging.getLogger("patentflow.release.publish")
RELEASE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
BUILD_ALIAS = "build"
FILE_MODE = 0o444
DIR_MODE = 0o555


class GateFailed(RuntimeError):
    """Publication refused: the gate did not pass."""

    def __init__(self, gate: GateResult) -> None:
        super().__init__(f"gate failed for run {gate.run_id}: "
                         + ", ".join(check.name for check in gate.failures))
        self.gate = gate


class ReleaseExists(RuntimeError):
    """A release with this id was already published by another run."""


def git_sha() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,  # noqa: S603,S607
                              text=True, timeout=5, check=True)
        return done.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def file_sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dbt_manifest_path(settings: Settings, run_id: str, extra: dict[str, Any]) -> Path:
    """The run's dbt manifest: as the caller names it, else the run's or the project's target."""
    candidates = [Path(str(extra["dbt_manifest_path"]))] if extra.get("dbt_manifest_path") else []
    candidates += [settings.runs_dir / run_id / "dbt" / "manifest.json",
                   DBT_PROJECT_DIR / "target" / "manifest.json"]
    return next((path for path in candidates if path.is_file()), candidates[0])


def _iso(value: date | datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _sql_string(value: str) -> str:
    """A SQL string literal for our own file paths (ATTACH takes no bound parameter)."""
    return "'" + value.replace("'", "''") + "'"


def public_tables(con: duckdb.DuckDBPyConnection, config: GateConfig) -> list[str]:
    """``schema.table`` of every published table present in the attached build warehouse (the
    on-demand views are published as views: ``on_demand_views``)."""
    tables: list[str] = []
    for schema, wanted in config.public_schemas.items():
        present = list_tables(con, schema, BUILD_ALIAS)
        names = present if wanted == "all" else [name for name in wanted if name in present]
        tables.extend(f"{schema}.{name}" for name in names
                      if f"{schema}.{name}" not in config.on_demand_views)
    return tables


def on_demand_views(con: duckdb.DuckDBPyConnection, config: GateConfig) -> dict[str, str]:
    """``schema.view`` → its ``CREATE VIEW`` statement, for every on-demand view of the attached
    build warehouse. DuckDB keeps a view's statement without its catalog, so it names the
    release's own tables when run in the release."""
    views: dict[str, str] = {}
    for view in config.on_demand_views:
        schema, _, name = view.partition(".")
        row = con.execute("SELECT sql FROM duckdb_views() WHERE database_name = ? "
                          "AND schema_name = ? AND view_name = ?",
                          [BUILD_ALIAS, schema, name]).fetchone()
        if row is None:
            log.warning("on-demand view %s is not in the build warehouse; not published", view)
            continue
        statement = str(row[0])
        if not statement.upper().startswith(f"CREATE VIEW {view.upper()} AS "):
            raise ValueError(f"{view}: unexpected view definition {statement[:80]!r}")
        views[view] = statement
    return views


def _create_views(con: duckdb.DuckDBPyConnection, views: dict[str, str]) -> None:
    """Create the on-demand views in the release and prove they bind to its own tables."""
    for view, statement in views.items():
        con.execute(statement)
        con.execute(f"SELECT * FROM {qualified(view)} LIMIT 0")  # noqa: S608


def _copy_tables(con: duckdb.DuckDBPyConnection, tables: list[str], release_id: str) -> None:
    for schema in sorted({table.split(".")[0] for table in tables} | {"audit"}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    for table in tables:
        con.execute(f"CREATE TABLE {qualified(table)} AS "  # noqa: S608
                    f"SELECT * FROM {qualified(table, BUILD_ALIAS)}")
    if "marts.indicator_values" in tables:
        # every row names the release that published it, whatever var dbt ran with
        con.execute("UPDATE marts.indicator_values SET release_id = ?", [release_id])


def _releases_table(settings: Settings, record: dict[str, Any]) -> pd.DataFrame:
    rows = [info.to_dict() for info in list_releases(settings)]
    for row in rows:
        if row["status"] == "current" and record["status"] == "current":
            row["status"] = "superseded"
    rows.append(record)
    frame = pd.DataFrame(rows, columns=["release_id", "status", "run_id", "published_at",
                                        "interval_start", "interval_end", "git_sha",
                                        "n_revisions", "n_warnings"])
    return frame.astype({"n_revisions": "int64", "n_warnings": "int64"})


INPUT_BATCH_COLUMNS = ["source", "entity", "batch_id", "origin", "checksum", "delivered",
                       "loaded", "quarantined", "superseded", "extracted_at", "excluded",
                       "excluded_reason"]


def _input_batches(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every batch the release was built from, with whether (and why) it was set aside."""
    frame = con.execute("SELECT * FROM audit.reconciliation ORDER BY batch_id").df()
    if "excluded" not in frame:  # a build from before exclusions existed
        frame = frame.assign(excluded=False, excluded_reason=None)
    return jsonable(frame[INPUT_BATCH_COLUMNS].to_dict(orient="records"))


def _corrections(settings: Settings, previous: ReleaseInfo | None) -> list[dict[str, Any]]:
    """The exclusions, inclusions and watermark resets made since the previous release."""
    from patentflow.ingest.corrections import corrections_since

    if not settings.state_dir.is_dir():
        return []
    return corrections_since(settings, previous.published_at if previous else None)


def _finalise_files(directory: Path) -> None:
    """fsync every file, make files 0444 and directories 0555, deepest first."""
    for root, _dirs, files in os.walk(directory, topdown=False):
        for name in files:
            path = Path(root, name)
            fsync_path(path)
            os.chmod(path, FILE_MODE)
        fsync_path(Path(root))
        os.chmod(root, DIR_MODE)


def _write_parquet(con: duckdb.DuckDBPyConnection, tables: list[str], directory: Path) -> None:
    directory.mkdir()
    for table in tables:
        arrow = con.sql(f"SELECT * FROM {qualified(table)}").to_arrow_table()  # noqa: S608
        pq.write_table(arrow, directory / f"{table}.parquet")


def _revisions_against(previous: ReleaseInfo | None,
                       con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int]:
    """Revisions of the new release (open in ``con``) against the previous one, and how many
    keys are new; the first release has no revisions."""
    new_values = con.execute(
        "SELECT indicator_id, period_type, period_start, region_code, breakdown, value "
        "FROM marts.indicator_values").df()
    if previous is None:
        return revisions_between(new_values, new_values), 0
    changes = revisions_between(read_indicator_values(previous.warehouse_path), new_values,
                                include_added=True)
    revisions = changes[changes["change"] != "added"].reset_index(drop=True)
    return revisions, int((changes["change"] == "added").sum())


def _revision_records(revisions: pd.DataFrame) -> list[dict[str, Any]]:
    """Revisions as JSON records, dates as ``YYYY-MM-DD``."""
    frame = revisions.assign(period_start=pd.to_datetime(revisions["period_start"])
                             .dt.strftime("%Y-%m-%d"))
    return jsonable(frame.to_dict(orient="records"))


def _record_run(settings: Settings, run_id: str, payload: dict[str, Any]) -> None:
    run_dir = settings.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "publish.json").write_text(json.dumps(jsonable(payload), ensure_ascii=False,
                                                     indent=2), encoding="utf-8")


def _already_published(settings: Settings, run_id: str, release_id: str,
                       make_current: bool) -> ReleaseInfo:
    """Idempotent retry: the same run may finish its own publication; anyone else is refused.

    A run that died between the rename and the registry entry gets both now.
    """
    info = release_info(settings, release_id)
    if info.run_id != run_id:
        raise ReleaseExists(f"release {release_id} was published by run {info.run_id}")
    recorded = any(e.get("event") == "published" and e.get("release_id") == release_id
                   for e in read_registry(settings))
    if not recorded:
        current = current_release(settings)
        decision = decide_current(None if current is None or current.release_id == release_id
                                  else current, info.interval_end or "", make_current)
        if decision.take:
            switch_current(settings, release_id)
        append_registry(settings, _published_event(info.to_dict(), decision))
    return release_info(settings, release_id)


def _published_event(record: dict[str, Any], decision: CurrentDecision) -> dict[str, Any]:
    return {"event": "published", **{k: v for k, v in record.items() if k != "path"},
            "current": decision.take, "current_reason": decision.reason}


def publish_release(settings: Settings, run_id: str, release_id: str,
                    interval_start: date | datetime | str, interval_end: date | datetime | str,
                    gate: GateResult, extra_manifest: dict[str, Any] | None = None,
                    config: GateConfig | None = None, make_current: bool = False) -> ReleaseInfo:
    """Publish the build warehouse as release ``release_id``; raises ``GateFailed`` if blocked.

    The release becomes current unless the current release covers a later data interval
    (``make_current`` overrides); the returned info's ``status`` says which.
    """
    if not gate.passed:
        _record_run(settings, run_id, {"status": "refused", "release_id": release_id,
                                       "reason": "gate failed",
                                       "failed_checks": [c.name for c in gate.failures]})
        raise GateFailed(gate)
    if not RELEASE_ID_PATTERN.match(release_id) or release_id == CURRENT \
            or release_id.endswith(".tmp"):
        raise ValueError(f"invalid release id {release_id!r}")
    config = config or load_gate_config()
    extra = dict(extra_manifest or {})
    with release_lock(settings):
        if (settings.releases_dir / release_id).exists():
            return _already_published(settings, run_id, release_id, make_current)
        staging = settings.releases_dir / f"{release_id}.tmp"
        try:
            info, pruned = _assemble_and_switch(settings, run_id, release_id, interval_start,
                                                interval_end, gate, extra, config, staging,
                                                make_current)
        except Exception as exc:
            remove_tree(staging)
            reason = f"{type(exc).__name__}: {exc}"
            _record_run(settings, run_id, {"status": "failed", "release_id": release_id,
                                           "reason": reason})
            send_alert(settings, f"patentflow: publishing {release_id} FAILED; previous "
                       "release kept", f"run {run_id}: {reason}")
            raise
    _record_run(settings, run_id, {"status": "published", **info.to_dict(), "pruned": pruned})
    return info


def _assemble_and_switch(settings: Settings, run_id: str, release_id: str,
                         interval_start: date | datetime | str,
                         interval_end: date | datetime | str, gate: GateResult,
                         extra: dict[str, Any], config: GateConfig, staging: Path,
                         make_current: bool) -> tuple[ReleaseInfo, list[str]]:
    """Build the release in ``staging``, freeze it, rename it and (if it takes it) make it
    current."""
    releases = settings.releases_dir
    final = releases / release_id
    remove_tree(staging)
    staging.mkdir()
    previous = current_release(settings)
    decision = decide_current(previous, interval_end, make_current)
    published_at = now_iso()
    con = duck.connect(str(staging / WAREHOUSE))
    try:
        con.execute(f"ATTACH {_sql_string(str(settings.warehouse_path))} AS {BUILD_ALIAS} "
                    "(READ_ONLY)")
        tables = public_tables(con, config)
        views = on_demand_views(con, config)
        _copy_tables(con, tables, release_id)
        con.execute(f"DETACH {BUILD_ALIAS}")
        _create_views(con, views)

        revisions, added = _revisions_against(previous, con)
        record = {"release_id": release_id,
                  "status": "current" if decision.take else "available", "run_id": run_id,
                  "published_at": published_at, "interval_start": _iso(interval_start),
                  "interval_end": _iso(interval_end), "git_sha": git_sha(),
                  "n_revisions": len(revisions), "n_warnings": len(gate.warnings)}
        releases_frame = _releases_table(settings, record)
        con.register("releases_frame", releases_frame)
        con.execute("CREATE TABLE audit.releases AS SELECT * FROM releases_frame")
        con.unregister("releases_frame")
        tables = [*tables, "audit.releases"]
        row_counts = {table: int(con.execute(f"SELECT count(*) FROM {qualified(table)}")  # noqa: S608
                                 .fetchone()[0]) for table in tables}
        input_batches = _input_batches(con) if "audit.reconciliation" in tables else []
        _write_parquet(con, tables, staging / "parquet")
        con.execute("CHECKPOINT")
    finally:
        con.close()

    gate_summary = gate.to_dict()
    manifest = {
        "release_id": release_id, "run_id": run_id, "published_at": published_at,
        "data_interval": {"start": _iso(interval_start), "end": _iso(interval_end)},
        "git_sha": record["git_sha"],
        "dbt_manifest_sha256": file_sha256(dbt_manifest_path(settings, run_id, extra)),
        "previous_release_id": previous.release_id if previous else None,
        "current": {"taken": decision.take, "reason": decision.reason},
        "tables": tables, "views": sorted(views), "row_counts": row_counts,
        "input_batches": input_batches,
        "excluded_batches": [{"batch_id": b["batch_id"], "origin": b["origin"],
                              "reason": b["excluded_reason"]}
                             for b in input_batches if b.get("excluded")],
        "corrections": _corrections(settings, previous),
        "gate": {key: gate_summary[key] for key in
                 ("passed", "n_checks", "n_failed_error", "n_failed_warn", "data_docs_path")},
        "checks": gate_summary["checks"],
        "n_revisions": len(revisions), "n_added_rows": added,
        "revisions": _revision_records(revisions),
        "extra": jsonable(extra),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                    encoding="utf-8")
    _finalise_files(staging)
    os.rename(staging, final)
    fsync_path(releases)
    if decision.take:
        switch_current(settings, release_id)
    else:
        log.warning("release %s published without taking current: %s", release_id,
                    decision.reason)
    append_registry(settings, {**_published_event(record, decision), "row_counts": row_counts,
                               "excluded_batches": [b["batch_id"] for b in input_batches
                                                    if b.get("excluded")]})
    try:
        pruned = prune_releases(settings)
    except OSError as exc:  # the new release is live; an old one left behind is only untidy
        log.warning("pruning old releases failed: %s", exc)
        pruned = []
    return release_info(settings, release_id), pruned
