"""What one ingestion call did, in a shape Airflow can push to XCom and the run log can store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime


@dataclass
class EntityCounts:
    delivered: int = 0
    loaded: int = 0
    quarantined: int = 0
    superseded: int = 0

    def add(self, other: EntityCounts) -> None:
        self.delivered += other.delivered
        self.loaded += other.loaded
        self.quarantined += other.quarantined
        self.superseded += other.superseded


@dataclass
class IngestSummary:
    """Per-entity counts plus batches written, pages fetched and wall-clock seconds.

    ``skipped`` lists batches (or files) found already complete: a re-run that changes nothing.
    ``warnings`` lists batches whose quarantine must be seen (see ``quarantine_watch``).
    """

    source: str
    entities: dict[str, EntityCounts] = field(default_factory=dict)
    batches: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    pages: int = 0
    retries: int = 0
    seconds: float = 0.0
    warnings: list[dict] = field(default_factory=list)

    def counts(self, entity: str) -> EntityCounts:
        return self.entities.setdefault(entity, EntityCounts())

    def to_dict(self) -> dict:
        """JSON-serialisable (plain dicts, lists, ints, floats and strings only)."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


def batch_suffix(interval_end: datetime) -> tuple[str, str]:
    """``(YYYYMMDD, HHMM)`` of the interval end in UTC (naive datetimes are taken as UTC)."""
    end = interval_end if interval_end.tzinfo else interval_end.replace(tzinfo=UTC)
    end = end.astimezone(UTC)
    return end.strftime("%Y%m%d"), end.strftime("%H%M")
