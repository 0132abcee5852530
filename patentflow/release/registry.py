"""The release record: which releases exist, which one is current, rollback and revisions.

A release is an immutable directory ``releases/<release_id>/`` (see ``publish``); ``current`` is a
relative symlink replaced atomically. ``releases.jsonl`` is an append-only registry of every
publication, rollback and pruning, so the history survives pruned directories.

``current`` only moves forward in data time: a publication takes it unless the current release
holds a later data interval (a backfill or a rerun of an earlier day publishes beside it), or the
operator asks (``--make-current``, ``rollback``). Every event that moved ``current`` records why,
so ``patentflow releases`` can say it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from patentflow.core import duck
from patentflow.core.intervals import STATISTICS_TZ
from patentflow.core.settings import Settings

CURRENT = "current"
REGISTRY = "releases.jsonl"
MANIFEST = "manifest.json"
WAREHOUSE = "warehouse.duckdb"
INDICATOR_KEY = ["indicator_id", "period_type", "period_start", "region_code", "breakdown"]
REVISION_COLUMNS = [*INDICATOR_KEY, "old_value", "new_value", "delta", "change"]
VALUE_TOLERANCE = 1e-9
LOCK_FILE = ".lock"
LOCK_TIMEOUT_SECONDS = 600.0


class NoCurrentRelease(LookupError):
    """Nothing has been published yet (or ``current`` points nowhere)."""


class UnknownRelease(LookupError):
    """The release id names no release directory that still exists."""


@dataclass
class ReleaseInfo:
    release_id: str
    path: Path
    status: str
    run_id: str | None = None
    published_at: str | None = None
    interval_start: str | None = None
    interval_end: str | None = None
    git_sha: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    n_revisions: int = 0
    n_warnings: int = 0
    current_reason: str | None = None  # why it took current at publication, or why it did not

    @property
    def warehouse_path(self) -> Path:
        return self.path / WAREHOUSE

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def to_dict(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id, "path": str(self.path), "status": self.status,
            "run_id": self.run_id, "published_at": self.published_at,
            "interval_start": self.interval_start, "interval_end": self.interval_end,
            "git_sha": self.git_sha, "row_counts": self.row_counts,
            "n_revisions": self.n_revisions, "n_warnings": self.n_warnings,
            "current_reason": self.current_reason,
        }


@contextmanager
def release_lock(settings: Settings, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """One writer of ``releases/`` at a time (publish, rollback, prune); readers never lock."""
    settings.releases_dir.mkdir(parents=True, exist_ok=True)
    with (settings.releases_dir / LOCK_FILE).open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"releases are locked by another writer: {handle.name}") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fsync_path(path: Path) -> None:
    """Flush a file's or a directory's metadata to disk (directories: the rename and the link)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_registry(settings: Settings) -> list[dict[str, Any]]:
    path = settings.releases_dir / REGISTRY
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a torn last line from a crash is not an event
    return events


def append_registry(settings: Settings, event: dict[str, Any]) -> None:
    path = settings.releases_dir / REGISTRY
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"at": now_iso(), **event}, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def current_release_id(settings: Settings) -> str | None:
    link = settings.releases_dir / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return Path(target).name if (settings.releases_dir / target).is_dir() else None


def release_info(settings: Settings, release_id: str, status: str | None = None) -> ReleaseInfo:
    """The release's manifest as a ``ReleaseInfo``; raises ``UnknownRelease`` when it is gone."""
    path = settings.releases_dir / release_id
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise UnknownRelease(release_id)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    interval = manifest.get("data_interval") or {}
    if status is None:
        status = "current" if current_release_id(settings) == release_id else "available"
    return ReleaseInfo(
        release_id=release_id, path=path.resolve(), status=status,
        run_id=manifest.get("run_id"), published_at=manifest.get("published_at"),
        interval_start=interval.get("start"), interval_end=interval.get("end"),
        git_sha=manifest.get("git_sha"), row_counts=dict(manifest.get("row_counts") or {}),
        n_revisions=int(manifest.get("n_revisions") or 0),
        n_warnings=int((manifest.get("gate") or {}).get("n_failed_warn") or 0),
        current_reason=(manifest.get("current") or {}).get("reason"),
    )


def current_release(settings: Settings) -> ReleaseInfo | None:
    release_id = current_release_id(settings)
    return release_info(settings, release_id, "current") if release_id else None


def interval_instant(value: date | datetime | str | None) -> datetime | None:
    """A data-interval bound as an aware instant (a bare date is Beijing midnight), for ordering
    releases by the data they cover; ``None`` when unknown or unparseable."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=STATISTICS_TZ)


@dataclass(frozen=True)
class CurrentDecision:
    """Whether a new release takes ``current``, and the reason shown by ``patentflow releases``."""

    take: bool
    reason: str


def decide_current(current: ReleaseInfo | None, interval_end: date | datetime | str,
                   make_current: bool = False) -> CurrentDecision:
    """``current`` moves forward only: a release for an earlier data interval than the current
    one's does not take it unless asked. An equal interval (a rerun of the same day) takes it:
    the newer computation of the same data replaces the older one."""
    if make_current:
        return CurrentDecision(True, "made current on request (--make-current)")
    if current is None:
        return CurrentDecision(True, "the first release to become current")
    new_end, current_end = interval_instant(interval_end), interval_instant(current.interval_end)
    if current_end is None or (new_end is not None and new_end >= current_end):
        return CurrentDecision(True, f"latest data interval (ends {_short(interval_end)})")
    return CurrentDecision(False, f"{current.release_id} (current) covers a later data interval "
                                  f"(ends {_short(current.interval_end)}); use --make-current or "
                                  "rollback to serve this one")


def _short(value: date | datetime | str | None) -> str:
    instant = interval_instant(value)
    return instant.isoformat(timespec="minutes") if instant else str(value)


def current_reason(settings: Settings) -> str | None:
    """Why the current release is current: the reason of the last event that made it so."""
    release_id = current_release_id(settings)
    for event in reversed(read_registry(settings)):
        if event.get("release_id") != release_id:
            continue
        if event.get("event") == "rollback":
            return f"made current by rollback at {event.get('at')}"
        if event.get("event") == "published" and event.get("current", True):
            return str(event.get("current_reason") or "published as current")
    return None


def published_path(settings: Settings) -> Path:
    """The current release's ``warehouse.duckdb``, symlink resolved (stable for one reader)."""
    release = current_release(settings)
    if release is None:
        raise NoCurrentRelease(f"no release published under {settings.releases_dir}")
    return release.warehouse_path


def list_releases(settings: Settings) -> list[ReleaseInfo]:
    """Every release ever published, oldest first: ``current``, ``available`` or ``pruned``."""
    seen: dict[str, ReleaseInfo] = {}
    for event in read_registry(settings):
        release_id = event.get("release_id")
        if event.get("event") == "published" and release_id:
            seen[release_id] = ReleaseInfo(
                release_id=release_id, path=settings.releases_dir / release_id, status="pruned",
                run_id=event.get("run_id"), published_at=event.get("at"),
                interval_start=event.get("interval_start"), interval_end=event.get("interval_end"),
                git_sha=event.get("git_sha"), row_counts=event.get("row_counts") or {},
                n_revisions=int(event.get("n_revisions") or 0),
                n_warnings=int(event.get("n_warnings") or 0),
                current_reason=event.get("current_reason"))
    for release_id in list(seen):
        try:
            seen[release_id] = release_info(settings, release_id)
        except UnknownRelease:
            continue
    return list(seen.values())


def baseline_release(settings: Settings, interval_end: date | datetime | str) -> ReleaseInfo | None:
    """The kept release a build for the data interval ending at ``interval_end`` is compared
    with (the gate's row-count drop and jump): the one covering the latest interval that does
    not end after it (the newest publication on a tie). For the next day that is ``current``;
    for a backfilled or rerun earlier day it is the release of that day or the one before,
    never a later day's, whose extra months and quarters would read as a jump the other way
    and block every backfill as a drop. None when no kept release is that early."""
    end = interval_instant(interval_end)
    candidates = [(instant, position, info)
                  for position, info in enumerate(list_releases(settings))
                  if info.status != "pruned"
                  and (instant := interval_instant(info.interval_end)) is not None
                  and end is not None and instant <= end]
    return max(candidates, key=lambda found: found[:2])[2] if candidates else None


def switch_current(settings: Settings, release_id: str) -> None:
    """Point ``current`` at ``release_id`` atomically: a new symlink renamed over the old one."""
    releases = settings.releases_dir
    temporary = releases / f".{CURRENT}.{os.getpid()}.tmp"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(release_id, temporary)
    os.replace(temporary, releases / CURRENT)
    fsync_path(releases)


def rollback(settings: Settings, release_id: str) -> ReleaseInfo:
    """Make a kept release current (usually an earlier one); its files are untouched, so exact.

    It stays current until a publication for the same or a later data interval takes over.
    """
    with release_lock(settings):
        info = release_info(settings, release_id)
        if not info.warehouse_path.is_file():
            raise UnknownRelease(f"{release_id} has no {WAREHOUSE}")
        previous = current_release_id(settings)
        switch_current(settings, release_id)
        append_registry(settings, {"event": "rollback", "release_id": release_id,
                                   "previous_current": previous})
    return release_info(settings, release_id, "current")


def _make_writable(path: Path) -> None:
    for root, dirs, files in os.walk(path):
        os.chmod(root, stat.S_IRWXU)
        for name in files:
            os.chmod(os.path.join(root, name), stat.S_IRUSR | stat.S_IWUSR)
        for name in dirs:
            os.chmod(os.path.join(root, name), stat.S_IRWXU)


def remove_tree(path: Path) -> None:
    """Delete a (read-only) release directory."""
    if path.exists():
        _make_writable(path)
        shutil.rmtree(path)


def prune_releases(settings: Settings, keep: int | None = None) -> list[str]:
    """Delete all but the ``keep`` newest kept releases; the current one is never deleted.

    The caller holds ``release_lock`` (publish does).
    """
    keep = max(1, settings.keep_releases if keep is None else keep)
    current = current_release_id(settings)
    kept = [info.release_id for info in list_releases(settings) if info.status != "pruned"]
    removable = [release_id for release_id in kept[:-keep] if release_id != current]
    for release_id in removable:
        remove_tree(settings.releases_dir / release_id)
        append_registry(settings, {"event": "pruned", "release_id": release_id})
    return removable


def read_indicator_values(warehouse: Path) -> pd.DataFrame:
    """The published indicator values of a release warehouse, opened read-only."""
    con = duck.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT indicator_id, period_type, period_start, region_code, breakdown, value "
            "FROM marts.indicator_values").df()
    finally:
        con.close()


def revisions_between(old: pd.DataFrame, new: pd.DataFrame,
                      include_added: bool = False) -> pd.DataFrame:
    """Indicator values that differ between two releases: key, old, new, delta, change.

    ``changed`` (a value, or its nullness, differs) and ``removed`` (a key gone) are revisions;
    ``added`` keys (a new period) are only listed on request.
    """
    merged = old[[*INDICATOR_KEY, "value"]].merge(
        new[[*INDICATOR_KEY, "value"]], on=INDICATOR_KEY, how="outer",
        suffixes=("_old", "_new"), indicator=True)
    old_v, new_v = merged["value_old"], merged["value_new"]
    differs = (old_v.isna() != new_v.isna()) | ((old_v - new_v).abs() > VALUE_TOLERANCE)
    merged["change"] = "changed"
    merged.loc[merged["_merge"] == "left_only", "change"] = "removed"
    merged.loc[merged["_merge"] == "right_only", "change"] = "added"
    keep = (merged["_merge"] == "left_only") | ((merged["_merge"] == "both") & differs)
    if include_added:
        keep |= merged["_merge"] == "right_only"
    out = merged[keep].rename(columns={"value_old": "old_value", "value_new": "new_value"})
    out = out.assign(delta=out["new_value"] - out["old_value"])[REVISION_COLUMNS]
    return out.sort_values(INDICATOR_KEY).reset_index(drop=True)


def resolve_warehouse(settings: Settings, release_id: str) -> Path:
    """The warehouse file of ``release_id`` (or of the current release for ``current``)."""
    if release_id == CURRENT:
        return published_path(settings)
    return release_info(settings, release_id).warehouse_path


def diff_releases(settings: Settings, a: str, b: str) -> pd.DataFrame:
    """Revisions from release ``a`` to release ``b`` (either may be ``current``)."""
    return revisions_between(read_indicator_values(resolve_warehouse(settings, a)),
                             read_indicator_values(resolve_warehouse(settings, b)))


# ---- printable text for the CLI -----------------------------------------------------------


def _release_note(info: ReleaseInfo, events: dict[str, dict[str, Any]]) -> str:
    event = events.get(info.release_id) or {}
    if info.status == "current" or event.get("current", True):
        return ""
    return "published beside current: " + str(event.get("current_reason") or "")


def releases_text(settings: Settings) -> str:
    """Every release, oldest first, then which one is current and why."""
    rows = list_releases(settings)
    if not rows:
        return "no release published yet"
    published = {e["release_id"]: e for e in read_registry(settings)
                 if e.get("event") == "published" and e.get("release_id")}
    lines = [f"{'release_id':<28} {'status':<10} {'published_at':<26} {'interval':<45} "
             f"{'revisions':>9} {'warnings':>8}  note"]
    for info in rows:
        interval = f"{info.interval_start or '?'} .. {info.interval_end or '?'}"
        lines.append(f"{info.release_id:<28} {info.status:<10} {info.published_at or '?':<26} "
                     f"{interval:<45} {info.n_revisions:>9} {info.n_warnings:>8}  "
                     f"{_release_note(info, published)}".rstrip())
    current = current_release_id(settings)
    if current is None:
        lines.append("current: none")
    else:
        lines.append(f"current: {current} — {current_reason(settings) or 'reason not recorded'}")
    return "\n".join(lines)


def rollback_text(settings: Settings, release_id: str) -> str:
    info = rollback(settings, release_id)
    return f"current release is now {info.release_id} ({info.warehouse_path})"


def published_path_text(settings: Settings) -> str:
    return str(published_path(settings))
