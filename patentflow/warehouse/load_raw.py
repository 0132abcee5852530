"""``load_raw``: (re)build the ``raw`` and ``audit`` schemas of the build warehouse from Parquet.

The landing zone is the source of truth; the warehouse tables are derived and rebuilt whole, in
one transaction, so running it twice gives the same tables. Only batches with a reconciliation
row are loaded (the row is written last, so a half-written batch is invisible), and every
loaded batch is checked: delivered = loaded + quarantined + superseded, and each count equals the
rows actually present. Any mismatch rolls back and raises.

A batch the operator set aside (``patentflow exclude``) keeps its reconciliation row, marked
``excluded`` with the reason, and its counts as delivered (they still add up); its rows stay
out of ``raw.*`` and ``audit.quarantine``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from patentflow.core.settings import Settings
from patentflow.ingest.corrections import active_exclusions
from patentflow.ingest.landing import QUARANTINE_DIR, RECONCILIATION_DIR, SUPERSEDED_DIR
from patentflow.ingest.raw_schema import (
    AUDIT_QUARANTINE_COLUMNS,
    RAW_TABLES,
    RECONCILIATION_COLUMNS,
)

log = logging.getLogger(__name__)


class ReconciliationError(RuntimeError):
    """Some batch's counts do not add up; the warehouse was left unchanged."""


def _ddl(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)


def _select_list(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f'CAST("{name}" AS {sql_type}) AS "{name}"' for name, sql_type in columns)


def _files(root: Path) -> list[Path]:
    return sorted(root.glob("load_date=*/*.parquet")) if root.is_dir() else []


def _complete(files: list[Path], complete_ids: set[str],
              excluded: frozenset[str] = frozenset()) -> list[str]:
    """Files of complete batches; those of excluded batches are left out without a word."""
    kept = [str(f) for f in files if f.stem in complete_ids]
    orphans = [f.name for f in files if f.stem not in complete_ids and f.stem not in excluded]
    if orphans:
        log.warning(
            "ignoring files of incomplete batches count=%d first=%s", len(orphans), orphans[0]
        )
    return kept


def _create_and_fill(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[tuple[str, str], ...],
    files: list[str],
    select_list: str | None = None,
) -> None:
    # Table and column names come from the static registry in patentflow.ingest.raw_schema; file
    # paths
    # are bound as parameters. No source data is ever formatted into SQL.
    con.execute(f"CREATE OR REPLACE TABLE {table} ({_ddl(columns)})")
    if files:
        con.execute(
            f"INSERT INTO {table} SELECT {select_list or _select_list(columns)}"  # noqa: S608
            " FROM read_parquet(?, union_by_name = true)",
            [files],
        )


def load_raw(settings: Settings, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild ``raw.*`` and ``audit.{quarantine,reconciliation}``; return row counts per table.

    Every raw table exists afterwards with its documented typed columns, empty if no data
    arrived. Raises :class:`ReconciliationError` if any batch's reconciliation does not add up.
    """
    raw_dir: Path = settings.raw_dir
    reconciliation_files = [str(f) for f in _files(raw_dir / RECONCILIATION_DIR)]
    excluded = active_exclusions(settings)
    set_aside = frozenset(excluded)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE SCHEMA IF NOT EXISTS audit")
        _create_and_fill(con, "audit.reconciliation", RECONCILIATION_COLUMNS, reconciliation_files)
        _mark_excluded(con, excluded)
        complete_ids = {
            row[0] for row in con.execute(
                "SELECT batch_id FROM audit.reconciliation WHERE NOT excluded").fetchall()
        }
        counts: dict[str, int] = {}
        for entity, table in RAW_TABLES.items():
            files = _complete(_files(raw_dir / entity), complete_ids, set_aside)
            _create_and_fill(con, f"raw.{entity}", table.all_columns, files)
        quarantine_select = (
            'CAST("_source" AS VARCHAR) AS source, CAST("_entity" AS VARCHAR) AS entity,'
            ' CAST("_batch_id" AS VARCHAR) AS batch_id, CAST(record_key AS VARCHAR) AS record_key,'
            " CAST(reason_code AS VARCHAR) AS reason_code, CAST(reason AS VARCHAR) AS reason,"
            ' CAST("_record" AS VARCHAR) AS raw_record'
        )
        _create_and_fill(
            con,
            "audit.quarantine",
            AUDIT_QUARANTINE_COLUMNS,
            _complete(_files(raw_dir / QUARANTINE_DIR), complete_ids, set_aside),
            quarantine_select,
        )
        superseded = _superseded_counts(con, raw_dir, complete_ids, set_aside)
        _check_reconciliation(con, superseded)
        for entity in RAW_TABLES:
            counts[f"raw.{entity}"] = _count(con, f"raw.{entity}")
        counts["audit.quarantine"] = _count(con, "audit.quarantine")
        counts["audit.reconciliation"] = _count(con, "audit.reconciliation")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    log.info("raw layer loaded %s", " ".join(f"{k}={v}" for k, v in counts.items()))
    return counts


def _mark_excluded(con: duckdb.DuckDBPyConnection,
                   excluded: dict[str, tuple[str, str]]) -> None:
    """``excluded`` and ``excluded_reason`` columns of ``audit.reconciliation``."""
    con.execute("ALTER TABLE audit.reconciliation ADD COLUMN excluded BOOLEAN DEFAULT false")
    con.execute("ALTER TABLE audit.reconciliation ADD COLUMN excluded_reason VARCHAR")
    for batch_id, (reason, at) in excluded.items():
        con.execute("UPDATE audit.reconciliation SET excluded = true, excluded_reason = ?"
                    " WHERE batch_id = ?", [f"{reason} (excluded {at})", batch_id])


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def _superseded_counts(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, complete_ids: set[str],
    excluded: frozenset[str],
) -> dict[str, int]:
    files: list[Path] = []
    root = raw_dir / SUPERSEDED_DIR
    if root.is_dir():
        for entity_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            files += _files(entity_dir)
    kept = _complete(files, complete_ids, excluded)
    if not kept:
        return {}
    rows = con.execute(
        "SELECT _batch_id, count(*) FROM read_parquet(?, union_by_name = true) GROUP BY 1",
        [kept],
    ).fetchall()
    return dict(rows)


def _check_reconciliation(con: duckdb.DuckDBPyConnection, superseded: dict[str, int]) -> None:
    actual_loaded: dict[str, int] = {}
    for entity in RAW_TABLES:
        rows = con.execute(
            f"SELECT _batch_id, count(*) FROM raw.{entity} GROUP BY 1"  # noqa: S608
        ).fetchall()
        actual_loaded.update(dict(rows))
    actual_quarantined = dict(
        con.execute("SELECT batch_id, count(*) FROM audit.quarantine GROUP BY 1").fetchall()
    )
    problems: list[str] = []
    for batch_id, delivered, loaded, quarantined, superseded_n, excluded in con.execute(
        "SELECT batch_id, delivered, loaded, quarantined, superseded, excluded"
        " FROM audit.reconciliation ORDER BY batch_id"
    ).fetchall():
        if delivered != loaded + quarantined + superseded_n:
            problems.append(
                f"{batch_id}: delivered {delivered} != loaded {loaded} + quarantined"
                f" {quarantined} + superseded {superseded_n}"
            )
        if excluded:
            continue  # set aside: its rows are (deliberately) not in the tables
        for label, expected, actual in (
            ("loaded", loaded, actual_loaded.get(batch_id, 0)),
            ("quarantined", quarantined, actual_quarantined.get(batch_id, 0)),
            ("superseded", superseded_n, superseded.get(batch_id, 0)),
        ):
            if expected != actual:
                problems.append(f"{batch_id}: {label} {expected} in reconciliation, {actual} rows")
    duplicates = con.execute(
        "SELECT batch_id FROM audit.reconciliation GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    problems += [f"{row[0]}: more than one reconciliation row" for row in duplicates]
    if problems:
        raise ReconciliationError(
            f"{len(problems)} reconciliation problem(s): " + "; ".join(problems[:20])
        )
