"""HTTP API ingestion: exactly-once under faults, watermarks, newest-wins, idempotence, secrets."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from patentflow.core.settings import Settings, load_settings
from patentflow.ingest.api.client import ApiClient, AuthenticationError, RetryPolicy, SourceError
from patentflow.ingest.pipeline import ingest_finance_api, ingest_patent_api
from patentflow.ingest.state import IngestionState
from patentflow.warehouse.load_raw import load_raw
from tests.support.builders import (
    BASE_TIME,
    EVENT_PATH,
    PATENT_PATH,
    application_no,
    legal_event,
    patent,
    pledge,
)
from tests.support.fake_api import FAST_RETRY, TOKEN, Faults, fake, settings_for

DAY1 = BASE_TIME + timedelta(days=1)
DAY2 = BASE_TIME + timedelta(days=2)


def warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_raw(settings, con)
    return con


def test_every_record_arrives_exactly_once_under_faults(tmp_path: Path) -> None:
    patents = [patent(i, updated_offset=i // 4) for i in range(1, 1201)]
    events = [legal_event(i, updated_offset=i) for i in range(1, 301)]
    faults = Faults(
        error_rate=0.2,
        rate_limit_rate=0.1,
        retry_after_seconds=0.01,
        slow_rate=0.05,
        slow_seconds=0.05,
        seed=11,
    )
    with fake({PATENT_PATH: patents, EVENT_PATH: events}, faults) as source:
        settings = settings_for(tmp_path, source)
        summary = ingest_patent_api(
            settings, BASE_TIME, DAY1, page_size=50, pages_per_part=3, retry=FAST_RETRY
        )
        statuses = {status for _, status, _ in source.requests}
    assert {429, 200} <= statuses and statuses & {500, 502, 503}, "faults were injected"
    assert summary.retries > 0
    assert summary.entities["patents"].loaded == 1200
    assert summary.entities["legal_events"].loaded == 300
    as_json = json.loads(json.dumps(summary.to_dict()))  # what Airflow pushes to XCom
    assert as_json["entities"]["patents"]["loaded"] == 1200 and as_json["pages"] >= 24 + 6
    con = warehouse(settings)
    loaded = con.execute("SELECT application_no FROM raw.patents").fetchall()
    assert len(loaded) == 1200
    assert len(set(loaded)) == 1200
    assert con.execute("SELECT count(DISTINCT event_id) FROM raw.legal_events").fetchone()[0] == 300


def test_application_numbers_are_normalised_and_bad_ones_quarantined(tmp_path: Path) -> None:
    bad = patent(2, application_no="CN202410000002.9")
    with fake({PATENT_PATH: [patent(1), bad]}) as source:
        settings = settings_for(tmp_path, source)
        ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
    con = warehouse(settings)
    assert patent(1)["application_no"] == "CN" + application_no(1).replace(".", "")
    assert con.execute("SELECT application_no, ipc_main FROM raw.patents").fetchall() == [
        (application_no(1), "G06F40/289")
    ]
    assert con.execute("SELECT record_key, reason_code FROM audit.quarantine").fetchall() == [
        ("CN202410000002.9", "bad_check_digit")
    ]


def test_watermark_pulls_only_changes_and_never_reloads_the_boundary(tmp_path: Path) -> None:
    first = [patent(i, updated_offset=10) for i in range(1, 6)]  # all at the same instant
    with fake({PATENT_PATH: first}) as source:
        settings = settings_for(tmp_path, source)
        ingest_patent_api(settings, BASE_TIME, DAY1, page_size=2, retry=FAST_RETRY)
        changed = patent(3, updated_offset=20, title="改过的标题")
        source.records[PATENT_PATH] = first + [changed, patent(6, updated_offset=20)]
        second = ingest_patent_api(settings, DAY1, DAY2, page_size=2, retry=FAST_RETRY)
        since = [
            q.get("updated_since", [None])[0]
            for p, s, q in source.requests
            if s == 200 and p == PATENT_PATH
        ]
    assert second.entities["patents"].delivered == 2  # the changed one and the new one only
    assert since[-1] == first[0]["updated_at"]  # the second pull starts at the first's max
    con = warehouse(settings)
    versions = con.execute(
        "SELECT application_no, count(*) FROM raw.patents GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [count for _, count in versions] == [1, 1, 2, 1, 1, 1]


def test_newest_version_in_a_batch_wins_and_older_ones_are_kept_as_superseded(
    tmp_path: Path,
) -> None:
    versions = [
        patent(1, updated_offset=1, title="v1"),
        patent(1, updated_offset=3, title="v3"),
        patent(1, updated_offset=2, title="v2"),
        patent(2, updated_offset=2),
    ]
    with fake({PATENT_PATH: versions}) as source:
        settings = settings_for(tmp_path, source)
        summary = ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
    counts = summary.entities["patents"]
    assert (counts.delivered, counts.loaded, counts.superseded) == (4, 2, 2)
    con = warehouse(settings)
    titles = con.execute("SELECT title FROM raw.patents ORDER BY title").fetchall()
    assert titles == [("v3",), (patent(2)["title"],)]
    superseded = sorted(Path(settings.raw_dir, "_superseded", "patents").rglob("*.parquet"))
    kept = duckdb.execute(
        "SELECT title FROM read_parquet(?) ORDER BY title", [[str(p) for p in superseded]]
    ).fetchall()
    assert kept == [("v1",), ("v2",)]


def test_rerunning_an_interval_changes_nothing(tmp_path: Path) -> None:
    with fake({PATENT_PATH: [patent(i) for i in range(1, 30)]}) as source:
        settings = settings_for(tmp_path, source)
        ingest_patent_api(settings, BASE_TIME, DAY1, page_size=10, retry=FAST_RETRY)
        files_before = {p: p.stat().st_mtime_ns for p in settings.raw_dir.rglob("*.parquet")}
        source.records[PATENT_PATH].append(patent(99, updated_offset=50))
        again = ingest_patent_api(settings, BASE_TIME, DAY1, page_size=10, retry=FAST_RETRY)
    files_after = {p: p.stat().st_mtime_ns for p in settings.raw_dir.rglob("*.parquet")}
    assert again.batches == [] and len(again.skipped) == 2
    assert files_after == files_before
    assert warehouse(settings).execute("SELECT count(*) FROM raw.patents").fetchone()[0] == 29


def test_finance_parties_are_flattened_and_invalid_values_quarantined(tmp_path: Path) -> None:
    records = {
        "/v1/pledges": [
            pledge(1),
            pledge(2, loan_amount_wan=-5),
            pledge(3, status="frozen"),
            pledge(
                4,
                pledgor={
                    "name": "x",
                    "party_type": "enterprise",
                    "country": "CN",
                    "uscc": "91370100MA3C0000XI",
                },
            ),
        ],
        "/v1/roadshows": [
            {
                "roadshow_id": "RS1",
                "event_date": "2025-02-01",
                "industry_chain": "biomedicine",
                "enterprises": 8,
                "intended_amount_wan": 1200,
                "signed_amount_wan": 300.5,
                "updated_at": "2025-02-02T10:00:00+08:00",
            },
            {
                "roadshow_id": "RS2",
                "event_date": "2025-02-01",
                "industry_chain": "aerospace",
                "enterprises": 3,
                "intended_amount_wan": 1,
                "signed_amount_wan": 1,
                "updated_at": "2025-02-02T10:00:00+08:00",
            },
        ],
    }
    with fake(records) as source:
        settings = settings_for(tmp_path, source)
        summary = ingest_finance_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
    assert summary.entities["insurance_policies"].delivered == 0
    con = warehouse(settings)
    row = con.execute(
        "SELECT pledgor_name, pledgor_region_code, pledgee_institution_type,"
        " patent_application_nos, loan_amount_wan::VARCHAR FROM raw.pledges"
    ).fetchone()
    assert row[0] == "济南某科技有限公司" and row[1] == "370102" and row[2] == "bank"
    assert row[4] == "500.2500"
    reasons = con.execute(
        "SELECT record_key, reason_code FROM audit.quarantine ORDER BY record_key"
    ).fetchall()
    assert reasons == [
        ("PL000002", "negative_amount"),
        ("PL000003", "invalid_enum"),
        ("PL000004", "invalid_uscc"),
        ("RS2", "unknown_chain"),
    ]


def test_token_never_appears_in_logs_or_raw_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    faults = Faults(error_rate=0.3, rate_limit_rate=0.2, seed=5)
    caplog.set_level(logging.DEBUG)
    with fake({PATENT_PATH: [patent(i) for i in range(1, 40)]}, faults) as source:
        settings = settings_for(tmp_path, source)
        ingest_patent_api(settings, BASE_TIME, DAY1, page_size=5, retry=FAST_RETRY)
        wrong = load_settings(
            {
                "PATENTFLOW_HOME": str(tmp_path / "other"),
                "PATENTFLOW_PATENT_API_URL": source.url,
                "PATENTFLOW_PATENT_API_TOKEN": TOKEN + "-expired",
            }
        )
        with pytest.raises(AuthenticationError) as failure:
            ingest_patent_api(wrong, BASE_TIME, DAY1, retry=FAST_RETRY)
    assert TOKEN not in str(failure.value)
    assert "retrying" in caplog.text  # the faults were logged...
    assert TOKEN not in caplog.text  # ...without the secret
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_retry_after_is_honoured_and_the_budget_is_bounded() -> None:
    waits: list[float] = []
    faults = Faults(rate_limit_rate=1.0, retry_after_seconds=2.5)
    with fake({PATENT_PATH: [patent(1)]}, faults) as source:
        client = ApiClient(
            "patent_api", source.url, TOKEN, RetryPolicy(max_attempts=4), sleep=waits.append
        )
        with pytest.raises(SourceError, match="gave up after 4 attempts"):
            client.get_page(PATENT_PATH, {"limit": 10})
    assert waits == [2.5, 2.5, 2.5]
    assert [status for _, status, _ in source.requests] == [429] * 4


def test_time_budget_stops_retrying_before_attempts_run_out() -> None:
    waits: list[float] = []
    faults = Faults(rate_limit_rate=1.0, retry_after_seconds=30)
    with fake({PATENT_PATH: [patent(1)]}, faults) as source:
        client = ApiClient(
            "patent_api",
            source.url,
            TOKEN,
            RetryPolicy(max_attempts=50, max_total_seconds=10),
            sleep=waits.append,
        )
        with pytest.raises(SourceError, match="time budget"):
            client.get_page(PATENT_PATH, {"limit": 10})
    assert waits == [] and len(source.requests) == 1


def test_watermark_is_recorded_per_endpoint_after_landing(tmp_path: Path) -> None:
    with fake({PATENT_PATH: [patent(1, 5), patent(2, 9)], EVENT_PATH: [legal_event(1, 7)]}) as src:
        settings = settings_for(tmp_path, src)
        ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
    with IngestionState(settings.state_dir / "ingestion.sqlite") as state:
        patents_mark = state.watermark(f"patent_api:{PATENT_PATH}")
        events_mark = state.watermark(f"patent_api:{EVENT_PATH}")
    assert patents_mark.updated_since == patent(2, 9)["updated_at"]
    assert patents_mark.boundary_keys == [patent(2)["application_no"]]
    assert events_mark.updated_since == legal_event(1, 7)["updated_at"]
