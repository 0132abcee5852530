"""Two runs of the same source never overlap: the second waits for the first."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from patentflow.ingest.locks import exclusive


def test_second_holder_waits_until_the_first_releases(tmp_path: Path) -> None:
    events: list[str] = []

    def second_run() -> None:
        with exclusive(tmp_path, "patent_api"):
            events.append("second got the lock")

    with exclusive(tmp_path, "patent_api"):
        waiter = threading.Thread(target=second_run)
        waiter.start()
        time.sleep(0.3)
        events.append("first releases")
    waiter.join(timeout=5)
    assert events == ["first releases", "second got the lock"]


def test_different_sources_do_not_wait_for_each_other(tmp_path: Path) -> None:
    with exclusive(tmp_path, "patent_api"):
        done = threading.Event()

        def other_source() -> None:
            with exclusive(tmp_path, "finance_api"):
                done.set()

        threading.Thread(target=other_source).start()
        assert done.wait(timeout=5)
