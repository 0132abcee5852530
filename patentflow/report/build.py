"""Generate the report of one period from one published release: HTML, Excel, PDF (if a
headless Chromium is installed) and ``report.json`` (which release it was made from, so the next
report can list the revisions since)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from patentflow.core.settings import Settings
from patentflow.release.registry import WAREHOUSE
from patentflow.report import definitions as d
from patentflow.report.browser import print_to_pdf
from patentflow.report.excel import write_workbook
from patentflow.report.html import render_html
from patentflow.report.lookup import Values
from patentflow.report.period import ReportPeriod
from patentflow.report.revisions import METADATA, attach_revisions, previous_report_release
from patentflow.report.sections import build_sections
from patentflow.report.source import load_release
from patentflow.report.verification import load_records, verification_sections

log = logging.getLogger(__name__)


@dataclass
class ReportOutputs:
    period: str
    release_id: str
    directory: Path
    html: Path
    xlsx: Path
    pdf: Path | None
    pdf_skipped_reason: str
    metadata: Path

    def paths(self) -> list[Path]:
        return [p for p in (self.html, self.xlsx, self.pdf, self.metadata) if p is not None]


def reports_dir(settings: Settings) -> Path:
    return settings.home / "reports"


def generate_report(settings: Settings, period: ReportPeriod, release_id: str | None = None,
                    out_dir: Path | None = None, pdf: bool = True) -> ReportOutputs:
    """Write the report of ``period`` from ``release_id`` (default: the current release)."""
    directory = out_dir or reports_dir(settings) / period.key
    data = load_release(settings, release_id)
    attach_revisions(settings, data, previous_report_release(reports_dir(settings), period))
    values = Values(data.values)
    sections = build_sections(data, period, values)
    verification = verification_sections(values, period, data.region_names,
                                         load_records(data.path / WAREHOUSE, period))
    as_of = data.as_of or ((data.manifest.get("data_interval") or {}).get("end") or "—")
    generated_at = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"patentflow-report-{period.key}"
    html_path = directory / f"{stem}.html"
    html_path.write_text(render_html(
        title=f"{d.TITLE}（{period.label}）", period_label=period.label, release_id=data.release_id,
        as_of=as_of, generated_at=generated_at, sections=sections), encoding="utf-8")
    xlsx_path = write_workbook(
        directory / f"{stem}.xlsx", title=f"{d.TITLE}（{period.label}）",
        subtitle=f"统计期：{period.label}　数据版本：{data.release_id}　数据截至：{as_of}",
        sections=sections,
        definitions=[(i.id, i.name, data.values.loc[data.values["indicator_id"] == i.id, "unit"]
                      .iloc[0] if (data.values["indicator_id"] == i.id).any() else "",
                      i.definition) for i in d.INDICATORS.values()],
        verification=verification)
    pdf_path, reason = (print_to_pdf(html_path, directory / f"{stem}.pdf") if pdf
                        else (None, "PDF not requested"))
    metadata = directory / METADATA
    metadata.write_text(json.dumps({
        "period": period.key, "kind": period.kind, "release_id": data.release_id,
        "as_of": as_of, "generated_at": generated_at,
        "files": [p.name for p in (html_path, xlsx_path, pdf_path) if p is not None],
        "pdf_skipped_reason": reason or None,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("report %s from release %s written to %s", period.key, data.release_id, directory)
    return ReportOutputs(period.key, data.release_id, directory, html_path, xlsx_path, pdf_path,
                         reason, metadata)
