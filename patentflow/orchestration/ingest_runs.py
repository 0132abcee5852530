"""What each ingestion DAG run did, and on failure why, in words a person acts on.

Every ingestion task (success or failure) writes one record, ``runs/ingest/<dag_id>/<run>.json``:
its counts, its quarantine warnings, or the failure's source, URL (never a token), cause
(``connection refused``, ``timed out``, ``HTTP 401 (token rejected)``, ``bad page: ...``) and
where the full log is. A file per run, written atomically, because up to four ingestion tasks
run at once and a shared DuckDB file would take one writer at a time. ``patentflow run`` prints
the failure lines, ``patentflow health`` lists the records.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from patentflow.core.intervals import as_of_for_interval_end
from patentflow.core.redaction import redact
from patentflow.core.settings import Settings
from patentflow.ingest.quarantine_watch import QuarantineWarning
from patentflow.orchestration.tasks import safe_run_id

RECORDS_DIR = "ingest"


@dataclass(frozen=True)
class TaskRun:
    """Which Airflow task try this is, and where Airflow writes its log."""

    dag_id: str
    run_id: str
    try_number: int = 1
    log_path: str | None = None

    @classmethod
    def direct(cls, source: str) -> TaskRun:
        """A call outside Airflow (drills, a shell): named after the moment."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return cls(f"patentflow_ingest_{source}", f"direct__{stamp}")


def records_dir(settings: Settings) -> Path:
    return settings.runs_dir / RECORDS_DIR


def record_path(settings: Settings, dag_id: str, run_id: str) -> Path:
    return records_dir(settings) / dag_id / f"{safe_run_id(run_id)}.json"


def write_record(settings: Settings, record: dict[str, Any]) -> Path:
    """Write (or replace: a retry replaces its run's record) one run's record atomically."""
    path = record_path(settings, record["dag_id"], record["run_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = redact(json.dumps(record, ensure_ascii=False, indent=2, default=str), settings.secrets)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


def read_record(settings: Settings, dag_id: str, run_id: str) -> dict[str, Any] | None:
    path = record_path(settings, dag_id, run_id)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_records(settings: Settings, limit: int | None = None) -> list[dict[str, Any]]:
    """The newest records first."""
    records = []
    for path in records_dir(settings).glob("*/*.json"):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # a record being replaced right now
    records.sort(key=lambda r: str(r.get("finished_at")), reverse=True)
    return records[:limit] if limit is not None else records


def base_record(source: str, run: TaskRun, interval_end: datetime | None,
                started_at: datetime) -> dict[str, Any]:
    finished = datetime.now(UTC)
    as_of = as_of_for_interval_end(interval_end).isoformat() if interval_end else None
    return {"dag_id": run.dag_id, "run_id": run.run_id, "try_number": run.try_number,
            "source": source, "as_of": as_of,
            "interval_end": interval_end.isoformat() if interval_end else None,
            "started_at": started_at.isoformat(), "finished_at": finished.isoformat(),
            "seconds": round((finished - started_at).total_seconds(), 2), "log": run.log_path}


def success_record(base: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    counts = {key: sum(int(entity.get(key, 0)) for entity in summary["entities"].values())
              for key in ("delivered", "loaded", "quarantined", "superseded")}
    return {**base, "status": "success", **counts, "batches": len(summary["batches"]),
            "skipped": len(summary["skipped"]), "warnings": summary.get("warnings", [])}


def failure_record(base: dict[str, Any], *, url: str | None, cause: str, retry: str,
                   error: str) -> dict[str, Any]:
    """``retry`` says what happens next: ``not retried`` (a permanent answer), ``retry budget
    spent`` (the source's own retries ran out) or ``Airflow retries the task``."""
    return {**base, "status": "failed", "url": url, "cause": cause, "retry": retry,
            "error": error[:2000], "warnings": []}


def log_location(record: dict[str, Any], fallback: Path | str | None = None) -> str:
    """The task's own log file if Airflow wrote one, else ``fallback`` (the run's log)."""
    log = record.get("log")
    if log and Path(log).is_file():
        return str(log)
    return str(fallback) if fallback else (str(log) if log else "the Airflow task log")


def failure_line(record: dict[str, Any], fallback_log: Path | str | None = None) -> str:
    """``<dag>: FAILED source=... url=... cause=... log=...`` — one line per failed run."""
    return (f"{record['dag_id']}: FAILED source={record.get('source')} "
            f"url={record.get('url') or '?'} cause={record.get('cause')} "
            f"({record.get('retry')}) "
            f"log={log_location(record, fallback_log)}")


def warning_lines(record: dict[str, Any]) -> list[str]:
    """``<dag>: WARNING <file> ...: quarantined ...; <code>: <reason>`` per warning."""
    return [f"{record['dag_id']}: WARNING {QuarantineWarning(**warning).line()}"
            for warning in record.get("warnings", [])]
