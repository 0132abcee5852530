"""A run killed with SIGKILL mid-ingest resumes from its checkpoint: every record exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from patentflow.core.settings import load_settings
from patentflow.ingest.api import endpoint
from patentflow.ingest.api.client import RetryPolicy, SourceError
from patentflow.ingest.pipeline import ingest_patent_api
from patentflow.ingest.state import IngestionState
from patentflow.warehouse.load_raw import load_raw
from tests.support.builders import BASE_TIME, ID_FIELDS, PATENT_PATH, patent
from tests.support.fake_api import FakeSource, Faults

TOKEN = "resume-token-1234"
WORKER = """
import sys
from datetime import datetime
from patentflow.ingest.pipeline import ingest_patent_api
from patentflow.core.settings import load_settings
end = datetime.fromisoformat(sys.argv[1])
ingest_patent_api(load_settings(), end, end, page_size=20, pages_per_part=1)
"""


def _parts_done(state_file: Path) -> int:
    if not state_file.exists():
        return 0
    try:
        with sqlite3.connect(state_file, timeout=1) as con:
            row = con.execute(
                "SELECT parts_done FROM api_batches WHERE batch_id LIKE 'patents%'"
            ).fetchone()
    except sqlite3.OperationalError:
        return 0
    return row[0] if row else 0


def test_killed_run_resumes_without_skipping_or_double_loading(tmp_path: Path) -> None:
    records = [patent(i, updated_offset=i // 3) for i in range(1, 401)]  # 20 pages of 20
    faults = Faults(page_delay=0.05)
    end = BASE_TIME + timedelta(days=1)
    with FakeSource(
        TOKEN, {PATENT_PATH: records, "/v1/legal-events": []}, ID_FIELDS, faults
    ) as src:
        env = {
            **os.environ,
            "PATENTFLOW_HOME": str(tmp_path),
            "PATENTFLOW_PATENT_API_URL": src.url,
            "PATENTFLOW_PATENT_API_TOKEN": TOKEN,
        }
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, end.isoformat()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        state_file = tmp_path / "state" / "ingestion.sqlite"
        deadline = time.monotonic() + 60
        while _parts_done(state_file) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = _parts_done(state_file)
        assert 4 <= killed_at < 20, "the worker must die mid-batch for this test to mean anything"
        with IngestionState(state_file) as state:
            checkpoint = state.api_batch(f"patents__{end:%Y%m%d}__0000")
            assert checkpoint is not None and not checkpoint.completed
            assert state.watermark(f"patent_api:{PATENT_PATH}").updated_since is None
            resume_cursor = checkpoint.cursor
        requests_before = len(src.requests)

        settings = load_settings(env)
        summary = ingest_patent_api(
            settings,
            end,
            end,
            page_size=20,
            pages_per_part=1,
            retry=RetryPolicy(base_delay=0.001),
        )
        resumed = [q for p, s, q in src.requests[requests_before:] if p == PATENT_PATH]
    assert resumed[0].get("cursor") == [resume_cursor]  # continued, did not start over
    assert summary.entities["patents"].delivered == 400
    con = duckdb.connect()
    load_raw(settings, con)
    assert con.execute(
        "SELECT count(*), count(DISTINCT application_no) FROM raw.patents"
    ).fetchone() == (
        400,
        400,
    )
    row_numbers = con.execute("SELECT list(_row_number ORDER BY _row_number) FROM raw.patents")
    assert row_numbers.fetchone()[0] == list(range(1, 401))
    with IngestionState(state_file) as state:
        assert (
            state.watermark(f"patent_api:{PATENT_PATH}").updated_since == records[-1]["updated_at"]
        )
    assert not (settings.raw_dir / "_staging" / f"patents__{end:%Y%m%d}__0000").exists()


def test_a_source_outage_fails_the_run_and_the_retry_resumes_at_the_checkpoint(
    tmp_path: Path,
) -> None:
    records = [patent(i, updated_offset=i) for i in range(1, 101)]  # 10 pages of 10
    end = BASE_TIME + timedelta(days=1)
    retry = RetryPolicy(base_delay=0.001, max_delay=0.002, max_attempts=3)
    source = FakeSource(
        TOKEN, {PATENT_PATH: records, "/v1/legal-events": []}, ID_FIELDS, Faults(outage_after=6)
    )
    with source:
        settings = load_settings(
            {
                "PATENTFLOW_HOME": str(tmp_path),
                "PATENTFLOW_PATENT_API_URL": source.url,
                "PATENTFLOW_PATENT_API_TOKEN": TOKEN,
            }
        )
        with pytest.raises(SourceError, match="gave up after 3 attempts"):
            ingest_patent_api(settings, end, end, page_size=10, pages_per_part=2, retry=retry)
        state_file = tmp_path / "state" / "ingestion.sqlite"
        with IngestionState(state_file) as state:
            assert state.watermark(f"patent_api:{PATENT_PATH}").updated_since is None
            staged_parts = state.api_batch(f"patents__{end:%Y%m%d}__0000").parts_done
        assert staged_parts >= 1
        assert duckdb_count(settings, "raw.patents") == 0  # nothing published half-way
        source.faults.outage_after = None
        summary = ingest_patent_api(settings, end, end, page_size=10, pages_per_part=2, retry=retry)
    assert summary.entities["patents"].delivered == 100
    assert duckdb_count(settings, "raw.patents") == 100


def test_a_run_that_dies_while_landing_finishes_without_fetching_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [patent(i, updated_offset=i) for i in range(1, 31)]
    end = BASE_TIME + timedelta(days=1)
    with FakeSource(TOKEN, {PATENT_PATH: records, "/v1/legal-events": []}, ID_FIELDS) as source:
        settings = load_settings(
            {
                "PATENTFLOW_HOME": str(tmp_path),
                "PATENTFLOW_PATENT_API_URL": source.url,
                "PATENTFLOW_PATENT_API_TOKEN": TOKEN,
            }
        )
        real_land = endpoint.land_batch

        def crash(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(endpoint, "land_batch", crash)
        with pytest.raises(OSError, match="disk full"):
            ingest_patent_api(settings, end, end, page_size=10)
        monkeypatch.setattr(endpoint, "land_batch", real_land)
        fetched = len(source.requests)
        summary = ingest_patent_api(settings, end, end, page_size=10)
        patent_requests_after = [p for p, _, _ in source.requests[fetched:] if p == PATENT_PATH]
    assert patent_requests_after == []  # every page was already staged
    assert summary.entities["patents"].loaded == 30
    assert duckdb_count(settings, "raw.patents") == 30


def duckdb_count(settings, table: str) -> int:
    con = duckdb.connect()
    load_raw(settings, con)
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_a_dead_interval_rerun_after_a_later_one_lands_nothing_twice(tmp_path: Path) -> None:
    records = [patent(i, updated_offset=i) for i in range(1, 61)]
    day1, day2 = BASE_TIME + timedelta(days=1), BASE_TIME + timedelta(days=2)
    retry = RetryPolicy(base_delay=0.001, max_delay=0.002, max_attempts=2)
    source = FakeSource(
        TOKEN, {PATENT_PATH: records, "/v1/legal-events": []}, ID_FIELDS, Faults(outage_after=3)
    )
    with source:
        settings = load_settings(
            {
                "PATENTFLOW_HOME": str(tmp_path),
                "PATENTFLOW_PATENT_API_URL": source.url,
                "PATENTFLOW_PATENT_API_TOKEN": TOKEN,
            }
        )
        with pytest.raises(SourceError):
            ingest_patent_api(settings, day1, day1, page_size=10, pages_per_part=1, retry=retry)
        source.faults.outage_after = None
        later = ingest_patent_api(settings, day2, day2, page_size=10, retry=retry)
        source.records[PATENT_PATH].append(patent(99, updated_offset=500))
        rerun = ingest_patent_api(settings, day1, day1, page_size=10, retry=retry)
    assert later.entities["patents"].loaded == 60
    assert rerun.entities["patents"].delivered == 1  # only what changed since day 2's batch
    con = duckdb.connect()
    load_raw(settings, con)
    assert con.execute(
        "SELECT count(*), count(DISTINCT application_no) FROM raw.patents"
    ).fetchone() == (61, 61)
    assert not any((settings.raw_dir / "_staging").glob("*/part-*"))
