"""One ingestion run per source at a time (an OS file lock under ``state/locks/``).

Two overlapping runs of the same source would both start from the same watermark (or pick up
the same file) and land the same records twice. A second run waits for the first instead; the
lock dies with its process, so a killed run never leaves it held.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


@contextmanager
def exclusive(lock_dir: Path, name: str) -> Iterator[None]:
    """Hold the lock ``name`` for the duration of the block (waiting if another run has it)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another run to finish lock=%s", name)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
