"""Quarantine that must not go unnoticed: a whole delivered file rejected, or a batch of which more
than ``PATENTFLOW_QUARANTINE_WARN_SHARE`` was quarantined.

The gate blocks publication only above its own thresholds (``expectations/gate.yml``); below
them a run publishes, so a garbage file quarantined whole would otherwise pass without a word.
These warnings go to the run's console, its log and ``patentflow health``; they block nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from patentflow.core import duck
from patentflow.core.catalogue import FILE_LEVEL_REASONS, REASONS
from patentflow.ingest.landing import QUARANTINE_DIR, RECONCILIATION_DIR

MIN_DELIVERED_FOR_SHARE = 20
"""Below this many delivered records a share says little (3 of 5 is noise); the gate exempts
the same small batches from its rate check. A whole rejected file warns whatever its size."""


@dataclass(frozen=True)
class QuarantineWarning:
    batch_id: str
    origin: str  # the delivered file's name, or the API path
    entity: str
    delivered: int
    quarantined: int
    reason_code: str  # the most frequent reason of the batch
    reason: str
    whole_file: bool

    def line(self) -> str:
        """One console line: the file, how much, the reason."""
        what = ("quarantined the whole file" if self.whole_file else
                f"quarantined {self.quarantined:,} of {self.delivered:,} records "
                f"({self.quarantined / max(self.delivered, 1):.0%})")
        return (f"{self.origin} ({self.entity}, batch {self.batch_id}): {what}; "
                f"{self.reason_code}: {self.reason}")

    def to_dict(self) -> dict:
        return asdict(self)


def _batch_files(raw_dir: Path, folder: str, batch_ids: list[str]) -> list[str]:
    root = raw_dir / folder
    return [str(path) for batch_id in batch_ids
            for path in sorted(root.glob(f"load_date=*/{batch_id}.parquet"))]


def quarantine_warnings(raw_dir: Path, batch_ids: list[str],
                        max_share: float) -> list[QuarantineWarning]:
    """The warnings for ``batch_ids`` (batches just landed), read back from the landing zone."""
    reconciliation = _batch_files(raw_dir, RECONCILIATION_DIR, batch_ids)
    if not reconciliation:
        return []
    quarantine = _batch_files(raw_dir, QUARANTINE_DIR, batch_ids)
    with duck.connect() as con:
        batches = con.execute(
            "select batch_id, origin, entity, delivered, quarantined"
            " from read_parquet(?, union_by_name = true) where quarantined > 0 order by batch_id",
            [reconciliation]).fetchall()
        reasons: dict[str, tuple[str, str, bool]] = {}
        if quarantine and batches:
            rows = con.execute(
                "select _batch_id, reason_code, any_value(reason), count(*) as n"
                " from read_parquet(?, union_by_name = true) group by all"
                " order by _batch_id, n desc, reason_code", [quarantine]).fetchall()
            for batch_id, code, reason, _ in rows:  # most frequent first; a file-level wins
                known = reasons.get(batch_id)
                if known is None or (code in FILE_LEVEL_REASONS and not known[2]):
                    reasons[batch_id] = (code, reason or "", code in FILE_LEVEL_REASONS)
    warnings = []
    for batch_id, origin, entity, delivered, quarantined in batches:
        code, reason, whole = reasons.get(batch_id, ("", "", False))
        share_exceeded = (delivered >= MIN_DELIVERED_FOR_SHARE
                          and quarantined / delivered > max_share)
        if whole or share_exceeded:
            known = REASONS.get(code)
            warnings.append(QuarantineWarning(
                batch_id, origin or batch_id, entity, int(delivered), int(quarantined), code,
                reason or (known.en if known else ""), whole))
    return warnings
