"""Turn validated columns plus batch metadata into the raw and quarantine Arrow tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from patentflow.ingest.landing import BatchInfo
from patentflow.ingest.raw_schema import QUARANTINE_SCHEMA, RAW_TABLES
from patentflow.ingest.validate.engine import ValidatedColumns


@dataclass
class RowMetadata:
    """Per-row provenance; scalars are broadcast (one file), lists vary (pages of a part)."""

    origin: str | Sequence[str]
    extracted_at: datetime | Sequence[datetime]
    checksum: str | Sequence[str]
    row_number: Sequence[int] | np.ndarray
    record_json: Sequence[str] | pa.Array


def _column(value: Any, n_rows: int, arrow_type: pa.DataType) -> pa.Array:
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value.cast(arrow_type)
    if isinstance(value, str | date | int) or value is None:
        return pa.array([value], type=arrow_type).take(np.zeros(n_rows, dtype=np.int64))
    if isinstance(value, np.ndarray):
        return pa.array(value).cast(arrow_type)
    return pa.array(list(value), type=arrow_type)


def build_tables(
    batch: BatchInfo,
    validated: ValidatedColumns,
    metadata: RowMetadata,
    record_keys: Sequence[str | None],
    extra_columns: dict[str, Any] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Return (valid rows in the raw table's schema, rejected rows in the quarantine schema)."""
    n_rows = len(validated.reason_codes)
    schema = RAW_TABLES[batch.entity].arrow_schema()
    sources: dict[str, Any] = {
        **validated.typed,
        **(extra_columns or {}),
        "_batch_id": batch.batch_id,
        "_source": batch.source,
        "_entity": batch.entity,
        "_origin": metadata.origin,
        "_extracted_at": metadata.extracted_at,
        "_checksum": metadata.checksum,
        "_row_number": metadata.row_number,
        "_record": metadata.record_json,
    }
    arrays = [_column(sources.get(f.name), n_rows, f.type) for f in schema]
    everything = pa.Table.from_arrays(arrays, schema=schema)
    valid_mask = validated.valid_mask
    valid = everything if valid_mask.all() else everything.filter(pa.array(valid_mask))
    rejected = np.flatnonzero(~valid_mask)
    metadata_names = [name for name in QUARANTINE_SCHEMA.names if name.startswith("_")]
    quarantine = everything.select(metadata_names).take(pa.array(rejected, type=pa.int64()))
    quarantine = quarantine.append_column(
        "record_key", pa.array([record_keys[i] for i in rejected], type=pa.string())
    )
    quarantine = quarantine.append_column(
        "reason_code", pa.array([validated.reason_codes[i] for i in rejected], type=pa.string())
    )
    quarantine = quarantine.append_column(
        "reason", pa.array([validated.reasons[i] for i in rejected], type=pa.string())
    )
    return valid, quarantine.cast(QUARANTINE_SCHEMA)


def _quarantine_row(batch: BatchInfo, *, extracted_at: datetime, checksum: str, row_number: int,
                    record_json: str, record_key: str | None, reason_code: str,
                    reason: str) -> dict[str, Any]:
    return {
        "_batch_id": batch.batch_id, "_source": batch.source, "_entity": batch.entity,
        "_origin": batch.origin, "_extracted_at": extracted_at, "_checksum": checksum,
        "_row_number": row_number, "_record": record_json, "record_key": record_key,
        "reason_code": reason_code, "reason": reason,
    }


def file_level_rejection(
    batch: BatchInfo,
    *,
    reason_code: str,
    reason: str,
    record_json: str,
    extracted_at: datetime,
    checksum: str,
) -> pa.Table:
    """One quarantine row standing for a whole file that could not be read as records."""
    row = _quarantine_row(batch, extracted_at=extracted_at, checksum=checksum, row_number=0,
                          record_json=record_json, record_key=batch.origin,
                          reason_code=reason_code, reason=reason)
    return pa.Table.from_pylist([row], schema=QUARANTINE_SCHEMA)


def empty_valid(entity: str) -> pa.Table:
    return RAW_TABLES[entity].arrow_schema().empty_table()


def with_malformed_rows(
    quarantine: pa.Table,
    batch: BatchInfo,
    malformed: Sequence[Any],
    *,
    extracted_at: datetime,
    checksum: str,
    truncated_row: int | None = None,
) -> pa.Table:
    """``quarantine`` plus a row for each ragged CSV row (``MalformedRow``); the cut-off last row
    of a truncated file is reported as ``truncated_file``."""
    if not malformed:
        return quarantine
    rows = [
        _quarantine_row(batch, extracted_at=extracted_at, checksum=checksum,
                        row_number=row.row_number, record_json=row.record_json, record_key=None,
                        reason_code="truncated_file" if row.row_number == truncated_row
                        else row.reason_code, reason=row.reason)
        for row in malformed
    ]
    return pa.concat_tables([quarantine, pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)])
