"""The entry points the Airflow DAGs call: one per source.

Each ingest function lands whatever the source has delivered since the last successful run into
``PATENTFLOW_HOME/raw`` and returns an :class:`IngestSummary`. The interval only names the
batches (deterministic ids, so re-running an interval overwrites or skips, never duplicates);
what is pulled is decided by the per-endpoint watermark (APIs) or the file register (drops).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from patentflow.core.settings import Settings
from patentflow.ingest.api.client import ApiClient, RetryPolicy
from patentflow.ingest.api.connections import resolve_source
from patentflow.ingest.api.endpoint import ENDPOINTS, EndpointIngestion
from patentflow.ingest.files.drop import REFERENCE, TECH_CONTRACTS, DropIngestion, DropKind
from patentflow.ingest.files.vendor_export import ingest_export_file
from patentflow.ingest.locks import exclusive
from patentflow.ingest.quarantine_watch import quarantine_warnings
from patentflow.ingest.state import IngestionState
from patentflow.ingest.summary import EntityCounts, IngestSummary

__all__ = [
    "IngestSummary",
    "ingest_finance_api",
    "ingest_patent_api",
    "ingest_reference",
    "ingest_tech_contracts",
    "ingest_vendor_patent_export",
]

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 1000
DEFAULT_PAGES_PER_PART = 10
PATENT_ENTITIES = ("patents", "legal_events")
FINANCE_ENTITIES = ("pledges", "insurance_policies", "roadshows")


def _interval_end(interval_end: datetime | None) -> datetime:
    """Manual Airflow runs may carry no data interval: such a run is named after "now"."""
    return interval_end if interval_end is not None else datetime.now(UTC)


def _finish(settings: Settings, summary: IngestSummary, started: float) -> IngestSummary:
    """Seconds, and a warning (logged, kept in the summary) per batch whose quarantine must be
    seen: the console and ``patentflow health`` print them."""
    warnings = quarantine_warnings(settings.raw_dir, summary.batches,
                                   settings.quarantine_warn_share)
    for warning in warnings:
        log.warning("quarantine warning source=%s %s", summary.source, warning.line())
    summary.warnings = [warning.to_dict() for warning in warnings]
    summary.seconds = time.monotonic() - started
    log.info("ingest done source=%s summary=%s", summary.source, summary.to_dict())
    return summary


def _state(settings: Settings) -> IngestionState:
    return IngestionState(settings.state_dir / "ingestion.sqlite")


def _ingest_api(
    settings: Settings,
    source: str,
    entities: tuple[str, ...],
    interval_start: datetime,
    interval_end: datetime,
    page_size: int,
    pages_per_part: int,
    retry: RetryPolicy | None,
) -> IngestSummary:
    started = time.monotonic()
    interval_end = _interval_end(interval_end)
    summary = IngestSummary(source=source)
    endpoint_config = resolve_source(settings, source)
    log.info(
        "ingest start source=%s interval_start=%s interval_end=%s base_url=%s",
        source,
        interval_start,
        interval_end.isoformat(),
        endpoint_config.base_url,
    )
    with (
        exclusive(settings.state_dir / "locks", source),
        _state(settings) as state,
        ApiClient(source, endpoint_config.base_url, endpoint_config.token,
                  retry or RetryPolicy.from_settings(settings)) as client,
    ):
        for entity in entities:
            result = EndpointIngestion(
                raw_dir=settings.raw_dir,
                state=state,
                client=client,
                endpoint=ENDPOINTS[entity],
                interval_end=interval_end,
                page_size=page_size,
                pages_per_part=pages_per_part,
            ).run()
            if result.already_complete:
                summary.skipped.append(result.batch_id)
                summary.counts(entity)
                continue
            summary.batches.append(result.batch_id)
            summary.pages += result.pages
            summary.counts(entity).add(EntityCounts(**result.counts.__dict__))
        summary.retries = client.retries
    return _finish(settings, summary, started)


def ingest_patent_api(
    settings: Settings,
    interval_start: datetime,
    interval_end: datetime,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    pages_per_part: int = DEFAULT_PAGES_PER_PART,
    retry: RetryPolicy | None = None,
) -> IngestSummary:
    """Patents and legal events changed since the last landed watermark."""
    return _ingest_api(
        settings,
        "patent_api",
        PATENT_ENTITIES,
        interval_start,
        interval_end,
        page_size,
        pages_per_part,
        retry,
    )


def ingest_finance_api(
    settings: Settings,
    interval_start: datetime,
    interval_end: datetime,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    pages_per_part: int = DEFAULT_PAGES_PER_PART,
    retry: RetryPolicy | None = None,
) -> IngestSummary:
    """Pledges, insurance policies and roadshows changed since the last landed watermark."""
    return _ingest_api(
        settings,
        "finance_api",
        FINANCE_ENTITIES,
        interval_start,
        interval_end,
        page_size,
        pages_per_part,
        retry,
    )


def _ingest_drop(
    settings: Settings, kind: DropKind, interval_start: datetime, interval_end: datetime
) -> IngestSummary:
    started = time.monotonic()
    interval_end = _interval_end(interval_end)
    summary = IngestSummary(source=kind.source)
    log.info(
        "ingest start source=%s drop=%s interval_end=%s",
        kind.source,
        settings.drop_dir / kind.subdir,
        interval_end.isoformat(),
    )
    with exclusive(settings.state_dir / "locks", kind.source), _state(settings) as state:
        outcomes = DropIngestion(
            raw_dir=settings.raw_dir,
            drop_root=settings.drop_dir,
            state=state,
            kind=kind,
            interval_end=interval_end,
        ).run()
    for outcome in outcomes:
        if outcome.already_ingested or outcome.counts is None:
            summary.skipped.append(outcome.name)
            continue
        summary.batches.append(outcome.batch_id or outcome.name)
        summary.counts(outcome.entity).add(EntityCounts(**outcome.counts.__dict__))
    return _finish(settings, summary, started)


def ingest_tech_contracts(
    settings: Settings, interval_start: datetime, interval_end: datetime
) -> IngestSummary:
    """Every marked, not yet ingested file in ``<drop>/tech_contracts/``."""
    return _ingest_drop(settings, TECH_CONTRACTS, interval_start, interval_end)


def ingest_reference(
    settings: Settings, interval_start: datetime, interval_end: datetime
) -> IngestSummary:
    """Every marked, not yet ingested snapshot in ``<drop>/reference/``."""
    return _ingest_drop(settings, REFERENCE, interval_start, interval_end)


def ingest_vendor_patent_export(
    settings: Settings, path: Path | str, interval_end: datetime | None = None
) -> IngestSummary:
    """A hand-delivered vendor patent export (60-column CSV) as a ``patents`` batch."""
    started = time.monotonic()
    summary = IngestSummary(source="vendor_patent_export")
    end = interval_end or datetime.now().astimezone()
    lock = exclusive(settings.state_dir / "locks", "vendor_patent_export")
    with lock, _state(settings) as state:
        batch_id, counts = ingest_export_file(settings.raw_dir, state, Path(path), end)
    if counts is None:
        summary.skipped.append(batch_id)
    else:
        summary.batches.append(batch_id)
        summary.counts("patents").add(EntityCounts(**counts.__dict__))
    summary.seconds = time.monotonic() - started
    return summary
