"""Ingestion state in ``state/ingestion.sqlite``: watermarks, batch checkpoints, file register,
and the operator's corrections (batches set aside, watermarks reset).

SQLite because the state must survive a killed process and be updated atomically together with
the decision it records (a batch completes *and* the watermark advances in one transaction).
Corrections are reversible and logged: ``exclusions`` holds the batches set aside now,
``corrections`` every exclude / include / watermark reset ever made.
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
CREATE TABLE IF NOT EXISTS exclusions (
    batch_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    excluded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS corrections (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
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
        columns = {row[1] for row in self._con.execute("PRAGMA table_info(api_batches)")}
        if "retired" not in columns:  # a state file from before watermark resets
            self._con.execute(
                "ALTER TABLE api_batches ADD COLUMN retired INTEGER NOT NULL DEFAULT 0")

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

    def open_batch_id(self, base_id: str) -> str:
        """The batch id a pull for ``base_id``'s interval uses: ``base_id`` itself, unless a
        watermark reset retired it (its interval may be pulled again, under a new id so the
        earlier batch's files stay as they are), then ``<base_id>__rN``."""
        candidate, retake = base_id, 0
        while True:
            row = self._con.execute(
                "SELECT completed, retired FROM api_batches WHERE batch_id = ?", (candidate,)
            ).fetchone()
            if row is None or not (row[0] and row[1]):
                return candidate
            retake += 1
            candidate = f"{base_id}__r{retake}"

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

    def reset_watermark(self, endpoint: str, updated_since: str) -> Watermark:
        """Move the endpoint's watermark back to ``updated_since`` (no boundary keys) and retire
        its completed batches, so the next pull re-fetches everything since then; returns the
        previous watermark. Which batches to set aside is the operator's separate decision."""
        with self._transaction() as con:
            previous = self.watermark(endpoint)
            con.execute(
                "INSERT INTO watermarks (endpoint, updated_since, boundary_keys)"
                " VALUES (?, ?, '[]') ON CONFLICT (endpoint) DO UPDATE SET"
                " updated_since = excluded.updated_since, boundary_keys = '[]'",
                (endpoint, updated_since),
            )
            con.execute(
                "UPDATE api_batches SET retired = 1 WHERE endpoint = ? AND completed = 1",
                (endpoint,),
            )
        return previous

    # corrections ------------------------------------------------------------------------------

    def exclusions(self) -> dict[str, tuple[str, str]]:
        """Batches set aside now: ``batch_id -> (reason, excluded_at)``."""
        rows = self._con.execute("SELECT batch_id, reason, excluded_at FROM exclusions")
        return {row[0]: (row[1], row[2]) for row in rows.fetchall()}

    def set_excluded(self, batch_ids: list[str], excluded: bool, reason: str, at: str,
                     target: str) -> list[str]:
        """Exclude (or include again) ``batch_ids``; returns those whose state changed. The
        change and its reason are logged in ``corrections``."""
        changed = []
        with self._transaction() as con:
            for batch_id in batch_ids:
                present = con.execute("SELECT 1 FROM exclusions WHERE batch_id = ?",
                                      (batch_id,)).fetchone() is not None
                if excluded and not present:
                    con.execute("INSERT INTO exclusions VALUES (?, ?, ?)", (batch_id, reason, at))
                elif not excluded and present:
                    con.execute("DELETE FROM exclusions WHERE batch_id = ?", (batch_id,))
                else:
                    continue
                changed.append(batch_id)
            if changed:
                self._log(con, at, "exclude" if excluded else "include", target, reason,
                          {"batches": changed})
        return changed

    def log_correction(self, at: str, action: str, target: str, reason: str,
                       detail: dict) -> None:
        with self._transaction() as con:
            self._log(con, at, action, target, reason, detail)

    @staticmethod
    def _log(con: sqlite3.Connection, at: str, action: str, target: str, reason: str,
             detail: dict) -> None:
        con.execute("INSERT INTO corrections (at, action, target, reason, detail)"
                    " VALUES (?, ?, ?, ?, ?)", (at, action, target, reason, json.dumps(detail)))

    def corrections(self, since: str | None = None) -> list[dict]:
        """Every correction (after ``since``, an ISO time), oldest first."""
        rows = self._con.execute(
            "SELECT at, action, target, reason, detail FROM corrections"
            " WHERE ? IS NULL OR at > ? ORDER BY seq", (since, since)).fetchall()
        return [{"at": at, "action": action, "target": target, "reason": reason,
                 **json.loads(detail)} for at, action, target, reason, detail in rows]

    # file register ----------------------------------------------------------------------------

    def file_batches(self, name: str) -> list[str]:
        """Every batch a delivered file of this name landed as (re-deliveries included)."""
        rows = self._con.execute(
            "SELECT batch_id FROM files WHERE name = ? AND completed = 1 ORDER BY delivery_seq",
            (name,)).fetchall()
        return [row[0] for row in rows]


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
