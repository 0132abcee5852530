"""Writing batches into the Parquet landing zone, atomically and idempotently.

A batch is final only when its reconciliation row exists (written last); ``load_raw`` ignores
data files of a batch without one, so a crash between two writes never publishes half a batch.
Newest-version-wins inside a batch happens here: earlier versions of a key go to
``raw/_superseded`` so history is kept and the counts still add up.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from patentflow.core import duck
from patentflow.ingest.raw_schema import (
    QUARANTINE_SCHEMA,
    RAW_TABLES,
    RECONCILIATION_SCHEMA,
)

log = logging.getLogger(__name__)

SUPERSEDED_DIR = "_superseded"
QUARANTINE_DIR = "_quarantine"
RECONCILIATION_DIR = "_reconciliation"
STAGING_DIR = "_staging"


@dataclass(frozen=True)
class BatchInfo:
    """Identity of one batch: everything that goes into its file paths and metadata."""

    batch_id: str
    source: str
    entity: str
    origin: str
    load_date: date


@dataclass(frozen=True)
class BatchCounts:
    delivered: int
    loaded: int
    quarantined: int
    superseded: int

    def adds_up(self) -> bool:
        return self.delivered == self.loaded + self.quarantined + self.superseded


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write to a temp file in the same directory, fsync, then ``os.replace``: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp_name, compression="zstd")
        with open(tmp_name, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _partition(raw_dir: Path, folder: str, batch: BatchInfo) -> Path:
    return (
        raw_dir / folder / f"load_date={batch.load_date.isoformat()}" / f"{batch.batch_id}.parquet"
    )


def raw_file(raw_dir: Path, batch: BatchInfo) -> Path:
    return _partition(raw_dir, batch.entity, batch)


def superseded_file(raw_dir: Path, batch: BatchInfo) -> Path:
    return _partition(raw_dir, f"{SUPERSEDED_DIR}/{batch.entity}", batch)


def quarantine_file(raw_dir: Path, batch: BatchInfo) -> Path:
    return _partition(raw_dir, QUARANTINE_DIR, batch)


def reconciliation_file(raw_dir: Path, batch: BatchInfo) -> Path:
    return _partition(raw_dir, RECONCILIATION_DIR, batch)


def split_superseded(entity: str, valid: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Newest version per key wins (``updated_at``, then position); the rest is superseded."""
    table = RAW_TABLES[entity]
    if valid.num_rows == 0 or _keys_unique(valid, table.key):
        return valid, valid.slice(0, 0)
    order = (
        "updated_at DESC NULLS LAST, _row_number DESC"
        if table.has_updated_at
        else ("_row_number DESC")
    )
    keys = ", ".join(f'"{name}"' for name in table.key)
    con = duck.connect()
    try:
        con.execute("SET threads = 1")
        con.register(
            "batch_rows", valid.append_column("_position", pa.array(range(valid.num_rows)))
        )
        # Identifiers come from the static schema registry, never from source data.
        ranked = con.sql(
            f"SELECT _position, row_number() OVER (PARTITION BY {keys} ORDER BY {order}) AS rank"  # noqa: S608
            " FROM batch_rows ORDER BY _position"
        ).to_arrow_table()
    finally:
        con.close()
    winners = pc.equal(ranked["rank"], 1)
    return valid.filter(winners), valid.filter(pc.invert(winners))


def _keys_unique(valid: pa.Table, key: tuple[str, ...]) -> bool:
    """Cheap pre-check: with no repeated key there is nothing to supersede (the common case)."""
    columns = [pc.cast(valid[name], pa.string()) for name in key]
    combined = columns[0] if len(columns) == 1 else pc.binary_join_element_wise(*columns, "\x1f")
    return pc.count_distinct(combined, mode="all").as_py() == valid.num_rows


def land_batch(
    raw_dir: Path,
    batch: BatchInfo,
    valid: pa.Table | None,
    quarantine: pa.Table,
    *,
    extracted_at: datetime,
    checksum: str,
) -> BatchCounts:
    """Write a batch's raw, superseded, quarantine files and, last, its reconciliation row.

    ``valid`` is ``None`` for a batch that can hold no records (a refused file whose entity is
    unknown): only its quarantine and reconciliation are written.
    """
    loaded = superseded = None
    if valid is not None:
        loaded, superseded = split_superseded(batch.entity, valid)
        schema = RAW_TABLES[batch.entity].arrow_schema()
        for table, path in (
            (loaded, raw_file(raw_dir, batch)),
            (superseded, superseded_file(raw_dir, batch)),
        ):
            _write_or_remove(table.select(schema.names).cast(schema), path)
    counts = BatchCounts(
        delivered=(valid.num_rows if valid is not None else 0) + quarantine.num_rows,
        loaded=loaded.num_rows if loaded is not None else 0,
        quarantined=quarantine.num_rows,
        superseded=superseded.num_rows if superseded is not None else 0,
    )
    _write_or_remove(
        quarantine.select(QUARANTINE_SCHEMA.names).cast(QUARANTINE_SCHEMA),
        quarantine_file(raw_dir, batch),
    )
    reconciliation = pa.Table.from_pylist(
        [
            {
                "source": batch.source,
                "entity": batch.entity,
                "batch_id": batch.batch_id,
                "origin": batch.origin,
                "delivered": counts.delivered,
                "loaded": counts.loaded,
                "quarantined": counts.quarantined,
                "superseded": counts.superseded,
                "extracted_at": extracted_at,
                "checksum": checksum,
            }
        ],
        schema=RECONCILIATION_SCHEMA,
    )
    write_parquet_atomic(reconciliation, reconciliation_file(raw_dir, batch))
    log.info(
        "batch landed batch_id=%s entity=%s delivered=%d loaded=%d quarantined=%d superseded=%d",
        batch.batch_id,
        batch.entity,
        counts.delivered,
        counts.loaded,
        counts.quarantined,
        counts.superseded,
    )
    return counts


def _write_or_remove(table: pa.Table, path: Path) -> None:
    """An empty part is not written, and a stale file from an earlier attempt is removed."""
    if table.num_rows:
        write_parquet_atomic(table, path)
    else:
        path.unlink(missing_ok=True)
