"""What each Airflow task does, as plain functions (the DAG files only wire these together).

Every function is keyed by the data interval (or the ``as_of`` day derived from it) and by the
Airflow run id, never by the wall clock, so a retried or re-run task does the same work again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from patentflow.core import duck
from patentflow.core.intervals import as_of_for_interval_end, interval_for_as_of
from patentflow.core.settings import Settings, load_settings

log = logging.getLogger(__name__)

INGESTION_ENTRY_POINTS = {
    "patent_api": "ingest_patent_api",
    "finance_api": "ingest_finance_api",
    "tech_contracts": "ingest_tech_contracts",
    "reference": "ingest_reference",
}


@dataclass(frozen=True)
class BuildContext:
    """One build: which statistical day, which Airflow run, which release it may become, and
    whether the operator asked for it to become current whatever its data interval."""

    as_of: date
    run_id: str
    release_id: str
    make_current: bool = False

    def to_dict(self) -> dict[str, str]:
        return {k: str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> BuildContext:
        return cls(as_of=date.fromisoformat(data["as_of"]), run_id=data["run_id"],
                   release_id=data["release_id"],
                   make_current=str(data.get("make_current")) == "True")


def safe_run_id(airflow_run_id: str) -> str:
    """A file-system-safe, stable form of an Airflow run id."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", airflow_run_id).strip("_")[:60]
    digest = hashlib.sha1(airflow_run_id.encode()).hexdigest()[:8]
    return f"{slug}-{digest}"


class IngestionFailed(RuntimeError):
    """An ingestion failure that retrying the task cannot fix (a permanent answer, or the
    source's retry budget already spent): the DAG task fails without an Airflow retry. The
    message is the run's one-line failure (source, URL, cause, log), token-free."""


def _source_location(settings: Settings, source: str) -> str | None:
    """Where a source is read from, for a failure line: the API base URL or the drop folder."""
    from patentflow.core.redaction import redact
    from patentflow.ingest.api.connections import SourceNotConfigured, resolve_source
    from patentflow.ingest.files.drop import REFERENCE, TECH_CONTRACTS

    drops = {"tech_contracts": TECH_CONTRACTS, "reference": REFERENCE}
    if source in drops:
        return str(settings.drop_dir / drops[source].subdir)
    try:
        return redact(resolve_source(settings, source).base_url, settings.secrets)
    except SourceNotConfigured:
        return None


def _failure(settings: Settings, source: str, exc: Exception,
             base: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The failure record of ``exc`` and whether it is final (no Airflow retry)."""
    from patentflow.core.redaction import redact
    from patentflow.ingest.api.client import SourceError
    from patentflow.ingest.api.connections import SourceNotConfigured
    from patentflow.orchestration import ingest_runs

    error = redact(f"{type(exc).__name__}: {exc}", settings.secrets)
    if isinstance(exc, SourceError):
        retry = "not retried" if exc.permanent else "retry budget spent"
        return ingest_runs.failure_record(
            base, url=exc.url or _source_location(settings, source), cause=exc.cause,
            retry=retry, error=error), True
    if isinstance(exc, SourceNotConfigured):
        return ingest_runs.failure_record(base, url=None, cause=f"not configured: {exc}",
                                          retry="not retried", error=error), True
    return ingest_runs.failure_record(base, url=_source_location(settings, source),
                                      cause=error[:300], retry="Airflow retries the task",
                                      error=error), False


def ingest_source(source: str, interval_start: datetime, interval_end: datetime,
                  run: Any = None) -> dict[str, Any]:
    """Pull one source for the interval into the raw landing zone; returns the ingest summary.

    Whatever happens, the run's record (``ingest_runs``) says what it did or why it failed.
    ``run`` is the Airflow task try (an ``ingest_runs.TaskRun``; ``None`` outside Airflow).
    """
    from patentflow.ingest import pipeline
    from patentflow.orchestration import ingest_runs

    settings = load_settings()
    run = run or ingest_runs.TaskRun.direct(source)
    started = datetime.now(UTC)
    entry_point = getattr(pipeline, INGESTION_ENTRY_POINTS[source])
    try:
        summary = entry_point(settings, interval_start, interval_end)
    except Exception as exc:
        base = ingest_runs.base_record(source, run, interval_end, started)
        record, final = _failure(settings, source, exc, base)
        ingest_runs.write_record(settings, record)
        line = ingest_runs.failure_line(record)
        log.error("%s", line)
        if final:
            raise IngestionFailed(line) from exc
        raise
    payload = summary.to_dict()
    payload["as_of"] = as_of_for_interval_end(interval_end or started).isoformat()
    record = ingest_runs.success_record(
        ingest_runs.base_record(source, run, interval_end, started), payload)
    ingest_runs.write_record(settings, record)  # (its warnings were logged as they were found)
    log.info("ingestion finished source=%s summary=%s", source, json.dumps(payload, default=str))
    return payload


def resolve_build_context(
    *,
    airflow_run_id: str,
    conf: dict[str, Any] | None,
    data_interval_end: datetime | None,
    triggering_as_of: list[str],
) -> BuildContext:
    """The statistical day of a build: explicit ``as_of`` in the run conf, else the newest day the
    triggering ingestion events carried, else the run's own data interval."""
    if conf and conf.get("as_of"):
        as_of = date.fromisoformat(str(conf["as_of"]))
    elif triggering_as_of:
        as_of = max(date.fromisoformat(value) for value in triggering_as_of)
    elif data_interval_end is not None:
        as_of = as_of_for_interval_end(data_interval_end)
    else:
        raise ValueError("cannot tell which day to build: no as_of, no asset events, no interval")
    run_id = safe_run_id(airflow_run_id)
    release_id = f"{as_of:%Y%m%d}-{hashlib.sha1(airflow_run_id.encode()).hexdigest()[:8]}"
    make_current = bool(conf and conf.get("make_current") in (True, "true", "True", 1))
    return BuildContext(as_of=as_of, run_id=run_id, release_id=release_id,
                        make_current=make_current)


def run_dir(settings: Settings, ctx: BuildContext) -> Path:
    path = settings.runs_dir / ctx.run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_raw(ctx: BuildContext) -> dict[str, int]:
    """Rebuild the warehouse's raw and audit schemas from the Parquet landing zone.

    The build warehouse is derived data (raw Parquet is the source of truth), so a warehouse file
    that DuckDB cannot open (truncated by a full disk, garbled by a crash) is moved aside and
    rebuilt from scratch instead of failing every later build: load_raw refills raw/audit and
    dbt rebuilds every model. Nothing is published from the corrupt file.
    """
    from patentflow.warehouse.load_raw import load_raw as load_landed_raw

    settings = load_settings()
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with recording_failure(ctx, "load_raw"), open_build_warehouse(settings.warehouse_path) as con:
        counts = load_landed_raw(settings, con)
    _merge_summary(settings, ctx, {"raw_row_counts": counts})
    return counts


def open_build_warehouse(path: Path) -> Any:
    """A read-write connection to the build warehouse; a corrupt file is set aside first.

    Only corruption is handled: a lock held by another writer (``Could not set lock``) is
    re-raised, never mistaken for damage. The corrupt file (and its WAL) is kept as
    ``build.duckdb.corrupt-<UTC time>`` for inspection.
    """
    import duckdb

    try:
        con = duck.connect(str(path))
        con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()
        return con
    except duckdb.Error as exc:
        message = str(exc)
        lowered = message.lower()  # (not just "lock": "block at location" is corruption)
        if "could not set lock" in lowered or "conflicting lock" in lowered or not path.exists():
            raise
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        log.error("build warehouse %s is unreadable (%s: %s); moved to %s, rebuilding from raw",
                  path, type(exc).__name__, message[:300], aside.name)
        os.replace(path, aside)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
    return duck.connect(str(path))


def dbt_build(ctx: BuildContext) -> dict[str, Any]:
    from patentflow.warehouse.dbt_runner import DbtBuildError, run_dbt_build

    settings = load_settings()
    try:
        with recording_failure(ctx, "dbt_build"):
            result = run_dbt_build(
                settings, as_of=ctx.as_of, release_id=ctx.release_id,
                target_dir=run_dir(settings, ctx) / "dbt", docs=True,
            )
    except DbtBuildError as failure:
        # Record which models failed before failing the task: the summary and run_health
        # must say what broke, not only that something did.
        if failure.result is not None:
            _merge_summary(settings, ctx, {"dbt": failure.result.to_dict()})
        raise
    from patentflow.warehouse.unlisted_regions import unlisted_region_codes

    summary = result.to_dict()
    unlisted = unlisted_region_codes(settings.warehouse_path)
    for entry in unlisted:
        log.warning("region code %s is not in the region hierarchy; its records count for %s "
                    "(%s records: %s)", entry["region_code"], entry["counted_for"],
                    entry["records"], entry["used_in"])
    _merge_summary(settings, ctx, {"dbt": summary, "unlisted_region_codes": unlisted})
    return summary


def quality_gate(ctx: BuildContext) -> dict[str, Any]:
    """Run every check; fail the task when an error-severity check fails (run_gate alerts)."""
    from patentflow.gate.runner import run_gate
    from patentflow.release.registry import baseline_release

    settings = load_settings()
    run_results = run_dir(settings, ctx) / "dbt" / "run_results.json"
    baseline = baseline_release(settings, interval_for_as_of(ctx.as_of)[1])
    gate = run_gate(settings, ctx.run_id, run_results if run_results.exists() else None,
                    previous_row_counts=dict(baseline.row_counts) if baseline else None)
    payload = gate.to_dict()
    _merge_summary(settings, ctx, {"gate": payload})
    if not gate.passed:
        failed = [c for c in payload.get("checks", []) if c.get("severity") == "error"
                  and not c.get("success")]
        body = "\n".join(f"- {c.get('suite')}/{c.get('name')}: {c.get('details')}" for c in failed)
        from airflow.exceptions import AirflowFailException

        # A failed check is deterministic: fail at once instead of retrying the same data.
        raise AirflowFailException(
            f"quality gate failed ({len(failed)} blocking checks); previous release kept.\n{body}"
        )
    return {"passed": True, "warnings": sum(1 for c in payload.get("checks", [])
                                            if not c.get("success"))}


def publish(ctx: BuildContext, interval_start: datetime, interval_end: datetime) -> dict[str, Any]:
    from patentflow.gate.runner import load_gate_result
    from patentflow.release.publish import publish_release

    settings = load_settings()
    gate = load_gate_result(settings, ctx.run_id)
    manifest_path = run_dir(settings, ctx) / "dbt" / "manifest.json"
    with recording_failure(ctx, "publish"):
        release = publish_release(
            settings, ctx.run_id, ctx.release_id, interval_start, interval_end, gate,
            {"as_of": ctx.as_of.isoformat(), "dbt_manifest_path": str(manifest_path)},
            make_current=ctx.make_current,
        )
    info = release.to_dict()
    _merge_summary(settings, ctx, {"release": info, "status": "published",
                                   "docs": _release_docs(settings, ctx)})
    if release.status != "current":
        return info  # BI tools keep the current (later) release; nothing to serve
    # The DuckDB release is published either way; a PostgreSQL serving failure alerts and fails
    # the task, and the next publish (or `patentflow serve-pg`) serves it again.
    from patentflow.release.pg_serving import serve_published_release

    served = serve_published_release(settings, release)
    if served is not None:
        _merge_summary(settings, ctx, {"pg_serving": served})
    return info


def _release_docs(settings: Settings, ctx: BuildContext) -> dict[str, str]:
    """Generate the dbt docs of the published build; log where both docs sites are served."""
    from patentflow.release.docs_site import run_docs
    from patentflow.warehouse.dbt_runner import generate_docs

    generate_docs(settings, run_dir(settings, ctx) / "dbt")
    docs = run_docs(settings, ctx.run_id)
    for name, url in docs.items():
        log.info("%s of release %s: %s (served by `patentflow docs`, started by `make up`)",
                 name, ctx.release_id, url)
    return docs


def summary_path(settings: Settings, ctx: BuildContext) -> Path:
    return run_dir(settings, ctx) / "summary.json"


def _merge_summary(settings: Settings, ctx: BuildContext, update: dict[str, Any]) -> None:
    """Accumulate the run summary (one JSON file per run) as tasks finish."""
    path = summary_path(settings, ctx)
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {
        "run_id": ctx.run_id, "as_of": ctx.as_of.isoformat(), "release_id": ctx.release_id,
        "status": "running",
    }
    current.update(update)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


def mark_failed(ctx: BuildContext, reason: str) -> None:
    """The run failed; keep the cause a task recorded (``recording_failure``) over ``reason``."""
    settings = load_settings()
    path = summary_path(settings, ctx)
    recorded = json.loads(path.read_text(encoding="utf-8")).get("failure") \
        if path.exists() else None
    _merge_summary(settings, ctx, {"status": "failed", "failure": recorded or reason})


@contextmanager
def recording_failure(ctx: BuildContext, task: str) -> Iterator[None]:
    """Record a build task's exception (type and message, secrets masked) as the run's
    ``failure`` before it propagates, so the console and run_health say what broke."""
    try:
        yield
    except Exception as exc:
        from patentflow.core.redaction import redact

        settings = load_settings()
        text = redact(f"{task}: {type(exc).__name__}: {exc}", settings.secrets)
        _merge_summary(settings, ctx, {"failure": " ".join(text.split())[:500]})
        raise
