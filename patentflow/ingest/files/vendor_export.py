"""A commercial patent database's 60-column export as an alternative patent input.

Hand deliveries of patent data usually come in this shape (see
../shared/reference/real_patent_export_sample.csv). What maps onto ``raw.patents`` is mapped
into the API's record shape and validated exactly like API records; the whole original row
(all 60 columns) is kept in ``_record``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from patentflow.ingest.batch_tables import (
    RowMetadata,
    build_tables,
    empty_valid,
    file_level_rejection,
    with_malformed_rows,
)
from patentflow.ingest.files.parsing import FileRejected, parse_csv, records_json
from patentflow.ingest.landing import BatchCounts, BatchInfo, land_batch
from patentflow.ingest.state import IngestionState
from patentflow.ingest.summary import batch_suffix
from patentflow.ingest.validate.records import validate_api_records

log = logging.getLogger(__name__)

SOURCE = "vendor_patent_export"
REQUIRED_COLUMNS = ("申请号", "申请日", "专利类型", "专利名称")

_PATENT_TYPES = {
    "发明": "invention",
    "发明公开": "invention",
    "发明授权": "invention",
    "实用新型": "utility_model",
    "外观设计": "design",
}
_APPLICANT_TYPES = {
    "企业": "enterprise",
    "公司": "enterprise",
    "高等院校": "university",
    "大专院校": "university",
    "院校": "university",
    "科研机构": "research_institute",
    "科研单位": "research_institute",
    "机关团体": "government",
    "政府": "government",
    "个人": "individual",
}
# 法律状态 is "<有权|审中|无权>-<detail>"; the detail decides the contract's legal_status.
_LEGAL_STATUS_DETAILS = (
    ("未缴年费", "lapsed"),
    ("期限届满", "expired"),
    ("届满", "expired"),
    ("全部无效", "invalidated"),
    ("无效", "invalidated"),
    ("放弃", "abandoned"),
    ("驳回", "rejected"),
    ("撤回", "withdrawn"),
)


def _date(value: str | None) -> str | None:
    """``20221202`` → ``2022-12-02``; ``0``/empty → None; anything else is kept for the
    validator to reject."""
    text = (value or "").strip()
    if text in {"", "0"}:
        return None
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def _patent_type(value: str | None) -> str | None:
    kinds = {_PATENT_TYPES.get(part.strip(), part.strip()) for part in (value or "").split(";")}
    kinds.discard("")
    return kinds.pop() if len(kinds) == 1 else (value or None)


def _legal_status(value: str | None) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("有权"):
        return "granted"
    if text.startswith("审中"):
        return "pending"
    for fragment, status in _LEGAL_STATUS_DETAILS:
        if fragment in text:
            return status
    return text  # unknown: quarantined as invalid_enum, never guessed


def _region(value: str | None) -> str | None:
    match = re.search(r"\b(\d{6})\b", value or "")
    return match.group(1) if match else None


def _applicants(row: dict[str, str]) -> list[dict[str, Any]]:
    names = [n.strip() for n in (row.get("申请人") or "").split(";") if n.strip()]
    types = [t.strip() for t in (row.get("申请人类型") or "").split(";") if t.strip()]
    region = _region(row.get("国省代码"))
    parties = []
    for index, name in enumerate(names):
        label = types[index] if len(types) == len(names) else types[0] if len(types) == 1 else ""
        parties.append(
            {
                "name": name,
                "uscc": None,
                "party_type": _APPLICANT_TYPES.get(label, "other"),
                "region_code": region,
                "country": "CN",
            }
        )
    return parties


def map_vendor_row(row: dict[str, str], updated_at: str) -> dict[str, Any]:
    """One export row in the patent API's record shape."""
    return {
        "application_no": row.get("申请号") or None,
        "patent_type": _patent_type(row.get("专利类型")),
        "title": row.get("专利名称") or None,
        "application_date": _date(row.get("申请日")),
        "publication_no": (row.get("公开号") or "").strip() or None,
        "grant_no": (row.get("授权公告号") or "").strip() or None,
        "grant_date": _date(row.get("授权公告日")),
        "ipc_main": (row.get("主分类号") or "").strip() or None,
        "ipc": row.get("分类号") or "",
        "locarno": None,
        "applicants": _applicants(row),
        "family_countries": [],
        "fiscal_project_ids": [],
        "awards": [],
        "legal_status": _legal_status(row.get("法律状态")),
        "updated_at": updated_at,
    }


def ingest_export_file(
    raw_dir: Path, state: IngestionState, path: Path, interval_end: datetime
) -> tuple[str, BatchCounts | None]:
    """Land one export file as a ``patents`` batch; an identical re-delivery is a no-op."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    day, _ = batch_suffix(interval_end)
    batch = BatchInfo(
        batch_id=f"patents__{day}__{re.sub(r'[^A-Za-z0-9_-]', '_', path.name)}",
        source=SOURCE,
        entity="patents",
        origin=path.name,
        load_date=datetime.strptime(day, "%Y%m%d").date(),
    )
    entry = state.file_entry(f"vendor/{path.name}", sha)
    if entry is not None and entry.completed:
        log.info("vendor export already ingested file=%s (no-op)", path.name)
        return entry.batch_id, None
    state.register_file(f"vendor/{path.name}", sha, batch.batch_id)
    extracted_at = datetime.now(UTC)
    # The export has no change timestamp: the file's modification time stands in for it.
    updated_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
    try:
        parsed = parse_csv(data)
        missing = [c for c in REQUIRED_COLUMNS if c not in parsed.header]
        if missing:
            raise FileRejected("missing_columns", f"required columns absent: {', '.join(missing)}")
    except FileRejected as exc:
        quarantine = file_level_rejection(
            batch,
            reason_code=exc.reason_code,
            reason=exc.reason,
            record_json=json.dumps({"file": path.name}, ensure_ascii=False),
            extracted_at=extracted_at,
            checksum=sha,
        )
        counts = land_batch(
            raw_dir,
            batch,
            empty_valid("patents"),
            quarantine,
            extracted_at=extracted_at,
            checksum=sha,
        )
        state.complete_file(f"vendor/{path.name}", sha)
        return batch.batch_id, counts
    rows = parsed.table.to_pylist()
    records = [map_vendor_row(row, updated_at) for row in rows]
    flat, validated = validate_api_records("patents", records)
    valid, quarantine = build_tables(
        batch,
        validated,
        RowMetadata(
            path.name, extracted_at, sha, parsed.row_numbers.tolist(), records_json(parsed)
        ),
        [r.get("申请号") or None for r in rows],
    )
    last = max((m.row_number for m in parsed.malformed), default=None)
    quarantine = with_malformed_rows(quarantine, batch, parsed.malformed,
                                     extracted_at=extracted_at, checksum=sha,
                                     truncated_row=last if parsed.truncated else None)
    counts = land_batch(raw_dir, batch, valid, quarantine, extracted_at=extracted_at, checksum=sha)
    state.complete_file(f"vendor/{path.name}", sha)
    return batch.batch_id, counts
