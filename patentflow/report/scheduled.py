"""The report DAG's task: the period comes from the run's data interval, never from the clock,
and a report is refused when the current release does not yet cover the whole period (the
build DAG may still be publishing the last day of the month; the task retries)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from patentflow.core.settings import load_settings
from patentflow.report.build import generate_report
from patentflow.report.period import ReportPeriod
from patentflow.report.source import resolve_release


class ReleaseTooOld(RuntimeError):
    """The current release was computed before the end of the report period."""


def release_as_of(manifest_as_of: str | None) -> date | None:
    return date.fromisoformat(manifest_as_of) if manifest_as_of else None


def run_scheduled_report(kind: str, data_interval_start: datetime) -> dict[str, Any]:
    import json

    settings = load_settings()
    period = ReportPeriod.for_data_interval(kind, data_interval_start)
    release_id, path = resolve_release(settings, None)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    as_of = release_as_of((manifest.get("extra") or {}).get("as_of"))
    if as_of is not None and as_of < period.end:
        raise ReleaseTooOld(f"current release {release_id} is as of {as_of}, before the end of "
                            f"{period.key} ({period.end}); waiting for a newer publication")
    outputs = generate_report(settings, period, release_id=release_id)
    return {"period": outputs.period, "release_id": outputs.release_id,
            "files": [str(p) for p in outputs.paths()],
            "pdf_skipped_reason": outputs.pdf_skipped_reason or None}
