"""Which revisions the report lists: those since the release the previous report was made from,
when that release is still kept; otherwise those the manifest records against the previous
release (the publisher computed them at publication)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from patentflow.core.settings import Settings
from patentflow.release.registry import REVISION_COLUMNS, UnknownRelease, diff_releases
from patentflow.report.period import ReportPeriod
from patentflow.report.source import ReleaseData

log = logging.getLogger(__name__)
METADATA = "report.json"


def previous_report_release(reports_dir: Path, period: ReportPeriod) -> str | None:
    """The release id the previous period's report was made from, if it was generated here."""
    path = reports_dir / period.previous().key / METADATA
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("release_id")
    except (OSError, ValueError):
        return None


def attach_revisions(settings: Settings, data: ReleaseData, previous_release: str | None) -> None:
    if previous_release and previous_release != data.release_id:
        try:
            data.revisions = diff_releases(settings, previous_release, data.release_id)
            data.revisions_basis = f"与上期报告所用版本 {previous_release} 比较。"
            return
        except UnknownRelease:
            log.info("release %s of the previous report is pruned; using the manifest",
                     previous_release)
    records = data.manifest.get("revisions") or []
    frame = pd.DataFrame.from_records(records, columns=REVISION_COLUMNS)
    data.revisions = frame
    before = data.manifest.get("previous_release_id")
    data.revisions_basis = (f"与上一发布版本 {before} 比较。" if before
                            else "本版本为首个发布版本，无可比较的上一版本。")
