"""Every failed ingestion names its cause: the same line on the console (``patentflow run``) and
in ``patentflow health`` — source, URL without the token, cause, where the log is — and a
quarantined garbage file is a warning line in both.

The ingestion task function is called as the Airflow task calls it (``tasks.ingest_source``);
the console line is ``ingest_runs.failure_line`` of the run's record, which is what ``patentflow
run`` prints under the DAG's state (``local_run.run_lines``).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from patentflow.core.intervals import interval_for_as_of
from patentflow.core.settings import load_settings
from patentflow.orchestration import ingest_runs, local_run, run_health, tasks
from tests.support.broken_sources import (
    closed_port_url,
    drop_garbage_contract_file,
    silent_server,
    status_server,
)
from tests.support.builders import contract, csv_bytes, deliver

TOKEN = "tok-never-print-me-8c1d"
AS_OF = date(2025, 6, 30)
BUDGET_SECONDS = 2.0


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("PATENTFLOW_HOME", str(home))
    monkeypatch.delenv("PATENTFLOW_DROP_DIR", raising=False)
    monkeypatch.setenv("PATENTFLOW_SOURCE_RETRY_SECONDS", str(BUDGET_SECONDS))
    monkeypatch.setenv("PATENTFLOW_SOURCE_TIMEOUT_SECONDS", "1")
    for source in ("PATENT", "FINANCE"):
        monkeypatch.setenv(f"PATENTFLOW_{source}_API_TOKEN", TOKEN)
    return home


def point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for source in ("PATENT", "FINANCE"):
        monkeypatch.setenv(f"PATENTFLOW_{source}_API_URL", url)


def fail(source: str = "patent_api") -> tuple[dict, str, float]:
    """Run the ingestion task; return its record, the console line and the seconds it took."""
    start, end = interval_for_as_of(AS_OF)
    run = ingest_runs.TaskRun(f"patentflow_ingest_{source}", "manual__test", 1, None)
    started = time.monotonic()
    with pytest.raises(tasks.IngestionFailed) as failure:
        tasks.ingest_source(source, start, end, run)
    seconds = time.monotonic() - started
    settings = load_settings()
    record = ingest_runs.read_record(settings, run.dag_id, run.run_id)
    assert record is not None and record["status"] == "failed"
    console = local_run.run_lines(settings, {"dag_id": run.dag_id, "state": "failed",
                                             "run_id": run.run_id}, Path("/logs/run.log"))
    assert console[0] == str(failure.value).replace(
        "log=the Airflow task log", "log=/logs/run.log")
    return record, console[0], seconds


def health() -> str:
    return run_health.latest_text(load_settings())


def assert_reported(line: str, *, source: str, url: str, cause: str) -> None:
    assert line.startswith(f"patentflow_ingest_{source}: FAILED source={source} url={url}")
    assert f"cause={cause}" in line and "log=/logs/run.log" in line
    assert TOKEN not in line
    assert line.split(" (as_of")[0] in health()  # the same line, with its run, in health


def test_a_closed_port_fails_within_the_budget_naming_connection_refused(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = closed_port_url()
    point_at(monkeypatch, url)

    record, line, seconds = fail()

    assert_reported(line, source="patent_api", url=f"{url}/v1/patents",
                    cause="connection refused")
    assert "(retry budget spent)" in line
    assert seconds < BUDGET_SECONDS + 1.5  # the budget, not minutes of retries
    assert TOKEN not in str(record)


@pytest.mark.parametrize(("status", "cause"), [(401, "HTTP 401 (token rejected)"),
                                               (403, "HTTP 403 (forbidden)"),
                                               (404, "HTTP 404 (not found)")])
def test_a_permanent_answer_fails_at_once_without_a_retry(
        home: Path, monkeypatch: pytest.MonkeyPatch, status: int, cause: str) -> None:
    with status_server(status) as (url, asked):
        point_at(monkeypatch, url)
        _, line, seconds = fail("finance_api")

    assert asked == ["/v1/pledges?limit=1000"]  # one request: asking again cannot help
    assert_reported(line, source="finance_api", url=f"{url}/v1/pledges", cause=cause)
    assert "(not retried)" in line and seconds < 1.5


def test_a_source_that_never_answers_times_out_within_the_budget(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with silent_server() as url:
        point_at(monkeypatch, url)
        _, line, seconds = fail()

    assert_reported(line, source="patent_api", url=f"{url}/v1/patents", cause="timed out")
    assert seconds < BUDGET_SECONDS + 1 + 1.5  # budget + one read timeout


def test_a_missing_source_configuration_is_a_permanent_failure(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("URL", "TOKEN"):
        monkeypatch.delenv(f"PATENTFLOW_PATENT_API_{name}", raising=False)
    _, line, _ = fail()
    assert "cause=not configured: patent_api: set PATENTFLOW_PATENT_API_URL" in line
    assert "(not retried)" in line


def test_a_garbage_file_is_quarantined_whole_and_warned_about(home: Path) -> None:
    settings = load_settings()
    drop_garbage_contract_file(settings.drop_dir)
    run = ingest_runs.TaskRun("patentflow_ingest_tech_contracts", "manual__garbage", 1, None)

    summary = tasks.ingest_source("tech_contracts", *interval_for_as_of(AS_OF), run)

    [warning] = summary["warnings"]
    assert warning["whole_file"] and warning["reason_code"] == "undecodable_encoding"
    console = local_run.run_lines(settings, {"dag_id": run.dag_id, "state": "success",
                                             "run_id": run.run_id}, Path("/logs/run.log"))
    assert console == [
        "patentflow_ingest_tech_contracts: WARNING contracts_2025-06.csv (tech_contracts, batch "
        f"{warning['batch_id']}): quarantined the whole file; undecodable_encoding: "
        f"{warning['reason']}"]
    text = health()
    assert "quarantine warnings:" in text and console[0] in text
    ingest_table = text.split("ingestion runs (newest first):")[1].splitlines()[2]
    assert "patentflow_ingest_tech_contracts" in ingest_table and ingest_table.endswith(" 1")


def test_a_share_above_the_setting_warns_and_a_small_share_does_not(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [contract(f"2025370100{n:06d}") for n in range(40)]
    for row in rows[:3]:  # 3 of 40 = 7.5%
        row["登记日期"] = "待补录"
    start, end = interval_for_as_of(AS_OF)

    monkeypatch.setenv("PATENTFLOW_QUARANTINE_WARN_SHARE", "0.10")
    deliver(load_settings(), "contracts_2025-05.csv", csv_bytes(rows))
    assert tasks.ingest_source("tech_contracts", start, end)["warnings"] == []

    monkeypatch.setenv("PATENTFLOW_QUARANTINE_WARN_SHARE", "0.05")
    deliver(load_settings(), "contracts_2025-05_r1.csv", csv_bytes(rows))
    [warning] = tasks.ingest_source("tech_contracts", start, end)["warnings"]
    assert not warning["whole_file"] and warning["reason_code"] == "invalid_date"
    assert "quarantined 3 of 40 records (8%)" in ingest_runs.warning_lines(
        {"dag_id": "d", "warnings": [warning]})[0]
