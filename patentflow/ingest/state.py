"""Ingestion state in ``state/ingestion.sqlite``: watermarks, batch checkpoints, file register.

SQLite because the state must survive a killed process and be updated atomically together with
the decision it records (a batch completes *and* the watermark advances in one transaction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS watermarks (
    endpoint TEXT PRIMARY KEY,
    updated_since TEXT NOT NULL,
    boundary_keys TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_batches (
    batch_id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    updated_since TEXT,
    boundary_keys TEXT NOT NULL,
    cursor TEXT,
    exhausted INTEGER NOT NULL DEFAULT 0,
    pages_done INTEGER NOT NULL DEFAULT 0,
    rows_done INTEGER NOT NULL DEFAULT 0,
    parts_done INTEGER NOT NULL DEFAULT 0,
    last_updated_at TEXT,
    last_keys TEXT NOT NULL DEFAULT '[]',
    completed INTEGER NOT NULL DEFAULT 0,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS files (
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    delivery_seq INTEGER NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, sha256)
);
"""


@dataclass
class Watermark:
    """Where the next pull starts: ``updated_since`` (inclusive) and the keys already landed at
    exactly that timestamp, which the next pull must skip so a boundary record is not loaded
    twice."""

    updated_since: str | None = None
    boundary_keys: list[str] = field(default_factory=list)


@dataclass
class ApiBatchState:
    batch_id: str
    endpoint: str
    start: Watermark
    cursor: str | None = None
    exhausted: bool = False
    pages_done: int = 0
    rows_done: int = 0
    parts_done: int = 0
    last: Watermark = field(default_factory=Watermark)
    completed: bool = False
    summary: dict | None = None


@dataclass(frozen=True)
class FileEntry:
    name: str
    sha256: str
    batch_id: str
    delivery_seq: int
    completed: bool


class IngestionState:
    """Thin repository over the SQLite file; every public method is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=FULL")
        self._con.executescript(_SCHEMA)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> IngestionState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    # watermarks -------------------------------------------------------------------------------

    def watermark(self, endpoint: str) -> Watermark:
        row = self._con.execute(
            "SELECT updated_since, boundary_keys FROM watermarks WHERE endpoint = ?", (endpoint,)
        ).fetchone()
        return Watermark() if row is None else Watermark(row[0], json.loads(row[1]))

    # API batches ------------------------------------------------------------------------------

    def api_batch(self, batch_id: str) -> ApiBatchState | None:
        row = self._con.execute(
            "SELECT batch_id, endpoint, updated_since, boundary_keys, cursor, exhausted,"
            " pages_done, rows_done, parts_done, last_updated_at, last_keys, completed, summary"
            " FROM api_batches WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        if row is None:
            return None
        return ApiBatchState(
            batch_id=row[0],
            endpoint=row[1],
            start=Watermark(row[2], json.loads(row[3])),
            cursor=row[4],
            exhausted=bool(row[5]),
            pages_done=row[6],
            rows_done=row[7],
            parts_done=row[8],
            last=Watermark(row[9], json.loads(row[10])),
            completed=bool(row[11]),
            summary=json.loads(row[12]) if row[12] else None,
        )

    def start_api_batch(self, batch_id: str, endpoint: str) -> tuple[ApiBatchState, list[str]]:
        """Open (or resume) a batch at the endpoint's current watermark.

        Returns the batch and the ids of batches whose staged parts are now void: an open batch
        can only be resumed while it still starts at the current watermark; any other open batch
        of the endpoint (an earlier interval that died) is reset, because this batch re-fetches
        everything it would have landed. So no two landed batches ever overlap.
        """
        void: list[str] = []
        with self._transaction() as con:
            start = self.watermark(endpoint)
            existing = self.api_batch(batch_id)
            if existing is not None and existing.start == start:
                resumable = True
            else:
                resumable = False
                if existing is not None:
                    void.append(batch_id)
                con.execute(
                    "INSERT INTO api_batches (batch_id, endpoint, updated_since, boundary_keys,"
                    " last_updated_at, last_keys) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (batch_id) DO UPDATE SET updated_since = excluded.updated_since,"
                    " boundary_keys = excluded.boundary_keys, cursor = NULL, exhausted = 0,"
                    " pages_done = 0, rows_done = 0, parts_done = 0,"
                    " last_updated_at = excluded.last_updated_at, last_keys = excluded.last_keys,"
                    " completed = 0, summary = NULL",
                    (
                        batch_id,
                        endpoint,
                        start.updated_since,
                        json.dumps(start.boundary_keys),
                        start.updated_since,
                        json.dumps(start.boundary_keys),
                    ),
                )
            others = con.execute(
                "SELECT batch_id FROM api_batches WHERE endpoint = ? AND completed = 0"
                " AND batch_id <> ? AND pages_done > 0",
                (endpoint, batch_id),
            ).fetchall()
            for (other,) in others:
                con.execute(
                    "UPDATE api_batches SET cursor = NULL, exhausted = 0, pages_done = 0,"
                    " rows_done = 0, parts_done = 0 WHERE batch_id = ?",
                    (other,),
                )
                void.append(other)
        state = self.api_batch(batch_id)
        assert state is not None
        if not resumable:
            assert state.pages_done == 0
        return state, void

    def checkpoint(self, state: ApiBatchState) -> None:
        """Record that parts ``1..parts_done`` are durably staged and where paging continues."""
        with self._transaction() as con:
            con.execute(
                "UPDATE api_batches SET cursor = ?, exhausted = ?, pages_done = ?, rows_done = ?,"
                " parts_done = ?, last_updated_at = ?, last_keys = ? WHERE batch_id = ?",
                (
                    state.cursor,
                    int(state.exhausted),
                    state.pages_done,
                    state.rows_done,
                    state.parts_done,
                    state.last.updated_since,
                    json.dumps(state.last.boundary_keys),
                    state.batch_id,
                ),
            )

    def complete_api_batch(self, state: ApiBatchState, summary: dict) -> None:
        """Mark the batch landed and advance the endpoint's watermark, atomically."""
        with self._transaction() as con:
            con.execute(
                "UPDATE api_batches SET completed = 1, summary = ? WHERE batch_id = ?",
                (json.dumps(summary), state.batch_id),
            )
            if state.last.updated_since is not None:
                con.execute(
                    "INSERT INTO watermarks (endpoint, updated_since, boundary_keys)"
                    " VALUES (?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET"
                    " updated_since = excluded.updated_since,"
                    " boundary_keys = excluded.boundary_keys",
                    (
                        state.endpoint,
                        state.last.updated_since,
                        json.dumps(state.last.boundary_keys),
                    ),
                )

    # file register ----------------------------------------------------------------------------

    def file_entry(self, name: str, sha256: str) -> FileEntry | None:
        row = self._con.execute(
            "SELECT name, sha256, batch_id, delivery_seq, completed FROM files"
            " WHERE name = ? AND sha256 = ?",
            (name, sha256),
        ).fetchone()
        return None if row is None else FileEntry(row[0], row[1], row[2], row[3], bool(row[4]))

    def completed_names(self) -> set[str]:
        rows = self._con.execute("SELECT name FROM files WHERE completed = 1").fetchall()
        return {row[0] for row in rows}

    def register_file(self, name: str, sha256: str, batch_id: str) -> FileEntry:
        """Reserve the next delivery sequence for a file (kept if the run dies and re-tries)."""
        with self._transaction() as con:
            existing = self.file_entry(name, sha256)
            if existing is not None:
                return existing
            (next_seq,) = con.execute(
                "SELECT COALESCE(MAX(delivery_seq), 0) + 1 FROM files"
            ).fetchone()
            con.execute(
                "INSERT INTO files (name, sha256, batch_id, delivery_seq) VALUES (?, ?, ?, ?)",
                (name, sha256, batch_id, next_seq),
            )
        entry = self.file_entry(name, sha256)
        assert entry is not None
        return entry

    def complete_file(self, name: str, sha256: str) -> None:
        with self._transaction() as con:
            con.execute(
                "UPDATE files SET completed = 1 WHERE name = ? AND sha256 = ?", (name, sha256)
            )
