"""Incremental, resumable pulls of one API endpoint into one batch.

A batch is staged in parts (every ``pages_per_part`` pages one Parquet part, written atomically)
and the cursor after each part is checkpointed in SQLite. A run killed mid-way resumes at the
checkpointed cursor: parts after the checkpoint are rewritten under the same names, so no page
is skipped or loaded twice. Only when every page is staged is the batch landed (dedup, raw,
quarantine, reconciliation) and the watermark advanced, in that order.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from patentflow.ingest.api.client import ApiClient
from patentflow.ingest.api.pages import PageStream
from patentflow.ingest.batch_tables import RowMetadata, build_tables
from patentflow.ingest.landing import (
    STAGING_DIR,
    BatchCounts,
    BatchInfo,
    land_batch,
    write_parquet_atomic,
)
from patentflow.ingest.raw_schema import QUARANTINE_SCHEMA, RAW_TABLES
from patentflow.ingest.state import ApiBatchState, IngestionState, Watermark
from patentflow.ingest.summary import batch_suffix
from patentflow.ingest.validate.records import RECORD_KEYS, validate_api_records

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoint:
    source: str
    entity: str
    path: str
    id_field: str


ENDPOINTS: dict[str, Endpoint] = {
    e.entity: e
    for e in (
        Endpoint("patent_api", "patents", "/v1/patents", RECORD_KEYS["patents"]),
        Endpoint("patent_api", "legal_events", "/v1/legal-events", RECORD_KEYS["legal_events"]),
        Endpoint("finance_api", "pledges", "/v1/pledges", RECORD_KEYS["pledges"]),
        Endpoint("finance_api", "insurance_policies", "/v1/insurance-policies",
                 RECORD_KEYS["insurance_policies"]),
        Endpoint("finance_api", "roadshows", "/v1/roadshows", RECORD_KEYS["roadshows"]),
    )
}


@dataclass(frozen=True)
class EndpointResult:
    batch_id: str
    counts: BatchCounts
    pages: int
    already_complete: bool


def api_batch_id(entity: str, interval_end: datetime) -> str:
    day, hhmm = batch_suffix(interval_end)
    return f"{entity}__{day}__{hhmm}"


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


class _WatermarkTracker:
    """Newest ``updated_at`` seen so far and the keys at exactly that instant."""

    def __init__(self, start: Watermark) -> None:
        self.value = start.updated_since
        self.instant = _instant(start.updated_since)
        self.keys = list(start.boundary_keys)

    def see(self, updated_at: str | None, key: str | None) -> None:
        instant = _instant(updated_at)
        if instant is None or key is None:
            return
        if self.instant is None or instant > self.instant:
            self.value, self.instant, self.keys = updated_at, instant, [key]
        elif instant == self.instant and key not in self.keys:
            self.keys.append(key)

    def snapshot(self) -> Watermark:
        return Watermark(self.value, list(self.keys))


class EndpointIngestion:
    """Pulls one endpoint for one interval; see the module docstring for the guarantees."""

    def __init__(
        self,
        *,
        raw_dir: Path,
        state: IngestionState,
        client: ApiClient,
        endpoint: Endpoint,
        interval_end: datetime,
        page_size: int = 1000,
        pages_per_part: int = 10,
    ) -> None:
        self.raw_dir = raw_dir
        self.state = state
        self.client = client
        self.endpoint = endpoint
        self.page_size = page_size
        self.pages_per_part = max(1, pages_per_part)
        self.batch = BatchInfo(
            batch_id=state.open_batch_id(api_batch_id(endpoint.entity, interval_end)),
            source=endpoint.source,
            entity=endpoint.entity,
            origin=endpoint.path,
            load_date=datetime.strptime(batch_suffix(interval_end)[0], "%Y%m%d").date(),
        )
        self.staging = raw_dir / STAGING_DIR / self.batch.batch_id
        self.endpoint_key = f"{endpoint.source}:{endpoint.path}"
        # Parts staged by this process, kept to avoid re-reading them; a resumed run reads the
        # parts an earlier process staged from disk.
        self._staged: dict[int, tuple[pa.Table, pa.Table, list[dict[str, Any]]]] = {}

    def run(self) -> EndpointResult:
        existing = self.state.api_batch(self.batch.batch_id)
        if existing is not None and existing.completed:
            log.info("batch already complete batch_id=%s (no-op)", self.batch.batch_id)
            summary = existing.summary or {}
            counts = BatchCounts(**{k: summary.get(k, 0) for k in BatchCounts.__annotations__})
            return EndpointResult(self.batch.batch_id, counts, 0, True)
        state, void = self.state.start_api_batch(self.batch.batch_id, self.endpoint_key)
        for stale in void:  # staged parts that would overlap what this run fetches
            log.info("discarding stale staged parts batch_id=%s", stale)
            shutil.rmtree(self.raw_dir / STAGING_DIR / stale, ignore_errors=True)
        if state.pages_done:
            log.info(
                "resuming batch_id=%s parts_done=%d pages_done=%d rows_done=%d",
                state.batch_id,
                state.parts_done,
                state.pages_done,
                state.rows_done,
            )
        started = time.monotonic()
        pages_before = state.pages_done
        params: dict[str, Any] = {"limit": self.page_size}
        if state.start.updated_since:
            params["updated_since"] = state.start.updated_since
        if not state.exhausted:  # a run that died while landing has nothing left to fetch
            with PageStream(self.client, self.endpoint.path, params, state.cursor) as stream:
                while not state.exhausted:
                    self._stage_next_part(state, stream)
                    self._log_progress(state, started)
        counts = self._land(state)
        self.state.complete_api_batch(state, counts.__dict__)
        shutil.rmtree(self.staging, ignore_errors=True)
        return EndpointResult(self.batch.batch_id, counts, state.pages_done - pages_before, False)

    def _log_progress(self, state: ApiBatchState, started: float) -> None:
        elapsed = max(time.monotonic() - started, 1e-9)
        log.info(
            "progress entity=%s batch_id=%s parts=%d pages=%d records=%d records_per_s=%.0f",
            self.batch.entity,
            state.batch_id,
            state.parts_done,
            state.pages_done,
            state.rows_done,
            state.rows_done / elapsed,
        )

    # staging ----------------------------------------------------------------------------------

    def _part_path(self, part: int, kind: str) -> Path:
        return self.staging / f"part-{part:05d}.{kind}"

    def _fetch_pages(self, state: ApiBatchState, stream: PageStream) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        for _ in range(self.pages_per_part):
            page = stream.next_page()
            if page is None:  # only when resuming right after the last page
                state.cursor, state.exhausted = None, True
                break
            pages.append(
                {
                    "origin": page.origin,
                    "checksum": page.checksum,
                    "extracted_at": page.extracted_at,
                    "items": page.items,
                }
            )
            state.cursor = page.next_cursor
            if page.next_cursor is None:
                state.exhausted = True
                break
        return pages

    def _stage_next_part(self, state: ApiBatchState, stream: PageStream) -> None:
        pages = self._fetch_pages(state, stream)
        skip_instant = _instant(state.start.updated_since)
        skip_keys = set(state.start.boundary_keys)
        tracker = _WatermarkTracker(state.last)
        records: list[Any] = []
        origins: list[str] = []
        checksums: list[str] = []
        extracted: list[datetime] = []
        skipped = 0
        id_field = self.endpoint.id_field
        for page in pages:
            for item in page["items"]:
                key = item.get(id_field) if isinstance(item, dict) else None
                updated_at = item.get("updated_at") if isinstance(item, dict) else None
                if (
                    skip_keys
                    and isinstance(key, str)
                    and key in skip_keys
                    and isinstance(updated_at, str)
                    and _instant(updated_at) == skip_instant
                ):
                    skipped += 1  # already landed by the previous batch at the watermark
                    continue
                records.append(item)
                origins.append(page["origin"])
                checksums.append(page["checksum"])
                extracted.append(page["extracted_at"])
        flat, validated = validate_api_records(self.batch.entity, records)
        for updated_at, key in zip(flat.updated_at, flat.keys, strict=True):
            tracker.see(updated_at, key)  # quarantined records count: they were delivered
        row_numbers = range(state.rows_done + 1, state.rows_done + len(records) + 1)
        valid, quarantine = build_tables(
            self.batch,
            validated,
            RowMetadata(origins, extracted, checksums, row_numbers, flat.record_json),
            flat.keys,
        )
        part = state.parts_done + 1
        write_parquet_atomic(valid, self._part_path(part, "valid.parquet"))
        write_parquet_atomic(quarantine, self._part_path(part, "quarantine.parquet"))
        page_log = [
            {
                "origin": p["origin"],
                "checksum": p["checksum"],
                "extracted_at": p["extracted_at"].isoformat(),
                "records": len(p["items"]),
            }
            for p in pages
        ]
        _write_json_atomic(self._part_path(part, "pages.json"), page_log)
        self._staged[part] = (valid, quarantine, page_log)
        state.parts_done = part
        state.pages_done += len(pages)
        state.rows_done += len(records)
        state.last = tracker.snapshot()
        self.state.checkpoint(state)
        if skipped:
            log.info("skipped boundary records batch_id=%s count=%d", state.batch_id, skipped)

    # landing ----------------------------------------------------------------------------------

    def _land(self, state: ApiBatchState) -> BatchCounts:
        schema = RAW_TABLES[self.batch.entity].arrow_schema()
        valid_parts = [schema.empty_table()]
        quarantine_parts = [QUARANTINE_SCHEMA.empty_table()]
        page_log: list[dict[str, Any]] = []
        for part in range(1, state.parts_done + 1):
            if part in self._staged:
                valid, quarantine, pages = self._staged[part]
            else:
                valid = pq.read_table(self._part_path(part, "valid.parquet"), schema=schema)
                quarantine = pq.read_table(
                    self._part_path(part, "quarantine.parquet"), schema=QUARANTINE_SCHEMA
                )
                pages = json.loads(self._part_path(part, "pages.json").read_text())
            valid_parts.append(valid)
            quarantine_parts.append(quarantine)
            page_log += pages
        digest = hashlib.sha256("".join(p["checksum"] for p in page_log).encode()).hexdigest()
        extracted_at = max(
            (datetime.fromisoformat(p["extracted_at"]) for p in page_log),
            default=datetime.now(UTC),
        )
        return land_batch(
            self.raw_dir,
            self.batch,
            pa.concat_tables(valid_parts),
            pa.concat_tables(quarantine_parts),
            extracted_at=extracted_at,
            checksum=digest,
        )


def _write_json_atomic(path: Path, payload: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    tmp.replace(path)
