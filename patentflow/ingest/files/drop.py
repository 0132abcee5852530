"""File drops (technology contracts, reference deliveries): find, vet, read, validate, land.

Rules from the contract: a file is complete only when its ``.done`` marker exists; files are
never modified in place. So: unmarked files are left alone (still being written); each
(name, sha256) is ingested once and an identical re-delivery is a no-op; names are vetted before
anything is opened (only plain names matching the contract's patterns, no symlinks, nothing
outside the drop directory). Every refusal or unreadable file becomes one quarantine row, so
nothing delivered disappears silently and every batch reconciles.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from patentflow.core.settings import load_settings
from patentflow.ingest.batch_tables import (
    RowMetadata,
    build_tables,
    empty_valid,
    file_level_rejection,
    with_malformed_rows,
)
from patentflow.ingest.files.parsing import (
    FileRejected,
    ParsedFile,
    parse_csv,
    parse_xlsx,
    records_json,
)
from patentflow.ingest.landing import BatchCounts, BatchInfo, land_batch
from patentflow.ingest.raw_schema import RAW_TABLES
from patentflow.ingest.state import IngestionState
from patentflow.ingest.summary import batch_suffix
from patentflow.ingest.validate.engine import validate_columns
from patentflow.ingest.validate.entities import ENTITY_SPECS

log = logging.getLogger(__name__)

MARKER_SUFFIX = ".done"

CONTRACT_COLUMNS: dict[str, str] = {
    "合同登记号": "registration_no",
    "合同名称": "contract_name",
    "合同类别": "contract_category",
    "登记日期": "registration_date",
    "卖方名称": "seller_name",
    "卖方统一社会信用代码": "seller_uscc",
    "卖方类型": "seller_type",
    "卖方所在地": "seller_region",
    "买方名称": "buyer_name",
    "买方统一社会信用代码": "buyer_uscc",
    "买方所在地": "buyer_region",
    "成交额(万元)": "turnover_wan",
    "技术交易额(万元)": "tech_transaction_wan",
    "知识产权类型": "ip_types",
    "涉及专利": "patent_application_nos",
    "技术领域": "tech_field",
    "状态": "status",
}

REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": (
        "uscc",
        "name",
        "party_type",
        "region_code",
        "is_high_tech_enterprise",
        "is_specialized_sme",
        "is_tech_sme",
        "valid_from",
        "valid_to",
    ),
    "population": ("region_code", "year", "resident_population"),
    "inventory_returns": (
        "application_no",
        "owner_uscc",
        "entered_date",
        "prospect",
        "industrialized",
        "industry_chain",
    ),
    "intensive_products": (
        "product_id",
        "product_name",
        "owner_uscc",
        "region_code",
        "data_year",
        "status",
        "output_value_wan",
        "patent_application_nos",
    ),
}

CONTRACT_NAME = re.compile(r"contracts_(\d{4})-(0[1-9]|1[0-2])(?:_r([1-9]\d{0,3}))?\.(csv|xlsx)")
REFERENCE_NAME = re.compile(
    r"(organizations|population|inventory_returns|intensive_products)_(\d{8})\.csv"
)


@dataclass(frozen=True)
class DropKind:
    """One drop directory: its source label, sub-directory and default entity."""

    source: str
    subdir: str
    default_entity: str


TECH_CONTRACTS = DropKind("tech_contract_drop", "tech_contracts", "tech_contracts")
REFERENCE = DropKind("reference_drop", "reference", "reference")


@dataclass(frozen=True)
class DeliveredFile:
    """A vetted file name with what its name tells: entity, month/re-issue or snapshot date."""

    name: str
    path: Path
    entity: str
    sort_key: tuple[Any, ...]
    extra: dict[str, Any]
    file_month: date | None = None  # contract files: the month of 登记日期 the file covers


@dataclass(frozen=True)
class Refusal:
    name: str
    reason_code: str
    reason: str


@dataclass(frozen=True)
class FileOutcome:
    name: str
    batch_id: str | None
    entity: str
    counts: BatchCounts | None
    already_ingested: bool = False


def classify_name(kind: DropKind, name: str) -> tuple[str, dict[str, Any], tuple, date | None]:
    """Entity, file-derived columns, processing order and file month from a delivered name.

    Raises :class:`FileRejected` (``unexpected_file_name``) when the name is not the contract's.
    """
    if kind is TECH_CONTRACTS:
        match = CONTRACT_NAME.fullmatch(name)
        if match is None:
            raise FileRejected("unexpected_file_name", "expected contracts_YYYY-MM[_rN].csv|.xlsx")
        year, month, reissue = int(match.group(1)), match.group(2), int(match.group(3) or 0)
        extra = {"_file_month": f"{year}-{month}", "_reissue": reissue}
        return "tech_contracts", extra, (year, month, reissue, name), date(year, int(month), 1)
    match = REFERENCE_NAME.fullmatch(name)
    if match is None:
        raise FileRejected("unexpected_file_name", "expected <kind>_YYYYMMDD.csv")
    try:
        snapshot = datetime.strptime(match.group(2), "%Y%m%d").date()
    except ValueError:
        raise FileRejected(
            "unexpected_file_name", "snapshot date in the name is not a date"
        ) from None
    return match.group(1), {"_snapshot_date": snapshot}, (match.group(1), snapshot, name), None


def resolve_drop_file(drop_dir: Path, name: str) -> Path:
    """The path of ``name`` inside ``drop_dir``, or :class:`FileRejected` (``unsafe_file_name``).

    Only a plain name of a regular, non-symlink file directly inside the drop is accepted;
    ``../x``, absolute paths, sub-paths and links are refused before anything is opened.
    """
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
        raise FileRejected("unsafe_file_name", "not a plain file name")
    if os.path.isabs(name) or ".." in Path(name).parts:
        raise FileRejected("unsafe_file_name", "absolute path or parent reference")
    path = drop_dir / name
    try:
        info = os.lstat(path)
    except OSError:
        raise FileRejected("unsafe_file_name", "the file does not exist in the drop") from None
    if stat.S_ISLNK(info.st_mode):
        raise FileRejected("unsafe_file_name", "symbolic links are not followed")
    if not stat.S_ISREG(info.st_mode):
        raise FileRejected("unsafe_file_name", "not a regular file")
    if path.resolve().parent != drop_dir.resolve():
        raise FileRejected("unsafe_file_name", "resolves outside the drop directory")
    return path


def scan_drop(drop_dir: Path, kind: DropKind) -> tuple[list[DeliveredFile], list[Refusal]]:
    """Files ready to ingest (marker present, name vetted) in delivery order, and refusals."""
    ready: list[DeliveredFile] = []
    refused: list[Refusal] = []
    if not drop_dir.is_dir():
        return ready, refused
    names = sorted(os.listdir(drop_dir))
    present = set(names)
    for name in names:
        if name.endswith(MARKER_SUFFIX) or name.startswith("."):
            continue
        if f"{name}{MARKER_SUFFIX}" not in present:
            log.info("waiting for marker drop=%s file=%r", kind.subdir, name)
            continue
        printable = printable_name(name)
        if printable != name:
            # os.listdir hands undecodable bytes back as lone surrogates, which neither SQLite
            # (the file register) nor Parquet can store: refuse under a printable form instead
            # of crashing the whole drop.
            refused.append(Refusal(printable, "unsafe_file_name", "the name is not valid UTF-8"))
            continue
        try:
            path = resolve_drop_file(drop_dir, name)
            entity, extra, order, file_month = classify_name(kind, name)
        except FileRejected as exc:
            refused.append(Refusal(name, exc.reason_code, exc.reason))
            continue
        delivered_at = path.stat().st_mtime_ns  # delivery time: the owner writes files in order
        ready.append(DeliveredFile(name, path, entity, (delivered_at, *order), extra, file_month))
    ready.sort(key=lambda f: f.sort_key)
    return ready, refused


def printable_name(name: str) -> str:
    """``name`` itself when it is valid UTF-8, else its bytes with the bad ones as ``\\xNN``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "backslashreplace")
    return name


def _safe_token(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def file_batch_id(entity: str, interval_end: datetime, name: str) -> str:
    day, _ = batch_suffix(interval_end)
    return f"{entity}__{day}__{_safe_token(name)}"


def _read_bytes(path: Path) -> bytes:
    """Open without following links (the name was vetted; this closes the race window).

    A file above ``PATENTFLOW_MAX_FILE_BYTES`` is refused (``file_too_large``) from its size on
    the open descriptor, before a byte is read: the readers hold a whole file in memory.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        bound = load_settings().limits.max_file_bytes
        if size > bound:
            raise FileRejected(
                "file_too_large",
                f"{size} bytes exceeds the bound {bound} (PATENTFLOW_MAX_FILE_BYTES)",
            )
        # read(n) allocates n bytes up front: ask for what the file holds, not for the bound
        data = handle.read(size + 1)
        if len(data) > size:  # grew after fstat (should not: the marker says it is complete)
            data += handle.read(bound + 1 - len(data))
            if len(data) > bound:
                raise FileRejected("file_too_large", f"grew beyond the bound {bound} while read")
        return data


class DropIngestion:
    """Ingests every ready file of one drop directory for one interval."""

    def __init__(
        self,
        *,
        raw_dir: Path,
        drop_root: Path,
        state: IngestionState,
        kind: DropKind,
        interval_end: datetime,
    ) -> None:
        self.raw_dir = raw_dir
        self.drop_dir = drop_root / kind.subdir
        self.state = state
        self.kind = kind
        self.interval_end = interval_end
        self.load_date = datetime.strptime(batch_suffix(interval_end)[0], "%Y%m%d").date()

    def run(self) -> list[FileOutcome]:
        ready, refused = scan_drop(self.drop_dir, self.kind)
        outcomes = [self._refuse(refusal) for refusal in refused]
        outcomes = [o for o in outcomes if o is not None]
        for delivered in ready:
            outcomes.append(self._ingest(delivered))
        return outcomes

    def _batch(self, entity: str, name: str, suffix: str = "") -> BatchInfo:
        return BatchInfo(
            batch_id=file_batch_id(entity, self.interval_end, name) + suffix,
            source=self.kind.source,
            entity=entity,
            origin=name,
            load_date=self.load_date,
        )

    def _refuse(self, refusal: Refusal) -> FileOutcome | None:
        """A refused name is quarantined once (registered under a pseudo checksum)."""
        pseudo = hashlib.sha256(f"refused:{refusal.reason_code}".encode()).hexdigest()
        existing = self.state.file_entry(refusal.name, pseudo)
        if existing is not None and existing.completed:
            return None
        batch = self._batch(self.kind.default_entity, refusal.name)
        self.state.register_file(refusal.name, pseudo, batch.batch_id)
        log.warning(
            "file refused drop=%s file=%r reason_code=%s",
            self.kind.subdir,
            refusal.name,
            refusal.reason_code,
        )
        counts = self._land_rejection(
            batch, refusal.reason_code, refusal.reason, {"file": refusal.name}, pseudo
        )
        self.state.complete_file(refusal.name, pseudo)
        return FileOutcome(refusal.name, batch.batch_id, batch.entity, counts)

    def _land_rejection(
        self, batch: BatchInfo, code: str, reason: str, record: dict[str, Any], checksum: str
    ) -> BatchCounts:
        now = datetime.now(UTC)
        quarantine = file_level_rejection(
            batch,
            reason_code=code,
            reason=reason,
            record_json=json.dumps(record, ensure_ascii=False),
            extracted_at=now,
            checksum=checksum,
        )
        valid = empty_valid(batch.entity) if batch.entity in ENTITY_SPECS else None
        return land_batch(
            self.raw_dir, batch, valid, quarantine, extracted_at=now, checksum=checksum
        )

    def _ingest(self, delivered: DeliveredFile) -> FileOutcome:
        try:
            data = _read_bytes(delivered.path)
        except FileRejected as exc:  # too large: refused once, like a bad name
            refusal = Refusal(delivered.name, exc.reason_code, exc.reason)
            return self._refuse(refusal) or FileOutcome(
                delivered.name, None, self.kind.default_entity, None, True
            )
        except OSError as exc:  # vanished or unreadable between listing and opening
            refusal = Refusal(delivered.name, "unreadable_file", f"cannot open: {exc.strerror}")
            return self._refuse(refusal) or FileOutcome(
                delivered.name, None, self.kind.default_entity, None, True
            )
        sha = hashlib.sha256(data).hexdigest()
        existing = self.state.file_entry(delivered.name, sha)
        if existing is not None and existing.completed:
            log.info("already ingested file=%s sha256=%s (no-op)", delivered.name, sha[:12])
            return FileOutcome(delivered.name, existing.batch_id, delivered.entity, None, True)
        if existing is None and delivered.name in self.state.completed_names():
            batch = self._batch(delivered.entity, delivered.name, f"__modified_{sha[:8]}")
            self.state.register_file(delivered.name, sha, batch.batch_id)
            counts = self._land_rejection(
                batch,
                "file_modified",
                "a file of this name was already ingested with other content; files are never"
                " modified in place, corrections arrive as _rN re-issues",
                {"file": delivered.name, "sha256": sha},
                sha,
            )
            self.state.complete_file(delivered.name, sha)
            return FileOutcome(delivered.name, batch.batch_id, delivered.entity, counts)
        batch = self._batch(delivered.entity, delivered.name)
        entry = self.state.register_file(delivered.name, sha, batch.batch_id)
        counts = self._land_file(delivered, batch, data, sha, entry.delivery_seq)
        self.state.complete_file(delivered.name, sha)
        return FileOutcome(delivered.name, batch.batch_id, delivered.entity, counts)

    def _land_file(
        self, delivered: DeliveredFile, batch: BatchInfo, data: bytes, sha: str, seq: int
    ) -> BatchCounts:
        extracted_at = datetime.now(UTC)
        try:
            if not data:
                raise FileRejected("empty_file", "zero bytes")
            parsed = read_delivered(delivered.path, data)
        except FileRejected as exc:
            return self._land_rejection(
                batch, exc.reason_code, exc.reason, {"file": delivered.name}, sha
            )
        columns_map = _column_map(delivered.entity)
        missing = [header for header in columns_map if header not in parsed.header]
        if missing:
            record = {
                "file": delivered.name,
                "header": parsed.header,
                "missing": missing,
                "data_rows": parsed.delivered,
            }
            return self._land_rejection(
                batch,
                "missing_columns",
                f"required columns absent: {', '.join(missing)}",
                record,
                sha,
            )
        extra_columns: dict[str, Any] = dict(delivered.extra)
        if delivered.entity == "tech_contracts":
            extra_columns["_delivery_seq"] = seq
        valid, quarantine = _validate_parsed(
            parsed, batch, delivered, columns_map, extra_columns, extracted_at, sha
        )
        counts = land_batch(
            self.raw_dir, batch, valid, quarantine, extracted_at=extracted_at, checksum=sha
        )
        log.info(
            "file ingested drop=%s file=%s encoding=%s rows=%d loaded=%d quarantined=%d",
            self.kind.subdir,
            delivered.name,
            parsed.encoding,
            counts.delivered,
            counts.loaded,
            counts.quarantined,
        )
        return counts


def read_delivered(path: Path, data: bytes) -> ParsedFile:
    """Parse a delivered CSV or XLSX; any parser failure becomes ``unreadable_file``."""
    try:
        return parse_xlsx(path) if path.name.endswith(".xlsx") else parse_csv(data)
    except FileRejected:
        raise
    except (csv.Error, pa.ArrowException, ValueError, OSError, KeyError) as exc:
        raise FileRejected("unreadable_file", f"{type(exc).__name__}: {exc}"[:300]) from None


def _column_map(entity: str) -> dict[str, str]:
    if entity == "tech_contracts":
        return CONTRACT_COLUMNS
    return {name: name for name in REFERENCE_COLUMNS[entity]}


def _validate_parsed(
    parsed: ParsedFile,
    batch: BatchInfo,
    delivered: DeliveredFile,
    columns_map: dict[str, str],
    extra_columns: dict[str, Any],
    extracted_at: datetime,
    sha: str,
) -> tuple[pa.Table, pa.Table]:
    """Validate the well-formed rows, then append ragged rows as ``malformed_row`` quarantine."""
    n_rows = parsed.n_rows
    columns = {target: parsed.column(header) for header, target in columns_map.items()}
    pre_codes = np.full(n_rows, None, dtype=object)
    last_position = max(
        [int(parsed.row_numbers.max()) if n_rows else 0] + [m.row_number for m in parsed.malformed]
    )
    if parsed.truncated and n_rows and int(parsed.row_numbers[-1]) == last_position:
        pre_codes[n_rows - 1] = "truncated_file"
    spec = ENTITY_SPECS[delivered.entity]
    validated = validate_columns(
        spec, columns, n_rows, context={"file_month": delivered.file_month}, pre_codes=pre_codes
    )
    key_fields = RAW_TABLES[delivered.entity].record_key_fields
    key_columns = [columns[name].to_pylist() for name in key_fields]
    keys = ["|".join(parts) for parts in zip(*key_columns, strict=True)]
    valid, quarantine = build_tables(
        batch,
        validated,
        RowMetadata(batch.origin, extracted_at, sha, parsed.row_numbers, records_json(parsed)),
        keys,
        extra_columns,
    )
    quarantine = with_malformed_rows(quarantine, batch, parsed.malformed,
                                     extracted_at=extracted_at, checksum=sha,
                                     truncated_row=last_position if parsed.truncated else None)
    return valid, quarantine
