"""Bad days given to ``patentflow run`` / ``backfill`` (and so ``make run AS_OF=...``): one line
naming the argument and the format or the limit, exit code 2, and nothing started or written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from patentflow.cli import main
from patentflow.core.intervals import BadDay, statistical_day, yesterday_in_beijing


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("PATENTFLOW_HOME", str(home))
    monkeypatch.delenv("PATENTFLOW_PATENT_API_URL", raising=False)
    monkeypatch.delenv("PATENTFLOW_FINANCE_API_URL", raising=False)
    return home


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_a_malformed_as_of_names_the_argument_and_the_format(home, capsys):
    assert main(["run", "--as-of", "2025-13-45"]) == 2
    line = _one_line(capsys)
    assert line.startswith("patentflow run: --as-of '2025-13-45': expected a date YYYY-MM-DD")
    assert "Traceback" not in line
    assert not home.exists()  # no sandbox started, no Airflow prepared


def test_an_as_of_after_yesterday_in_beijing_is_refused_before_anything_runs(home, capsys):
    tomorrow = yesterday_in_beijing() + timedelta(days=2)
    assert main(["run", "--as-of", tomorrow.isoformat()]) == 2
    line = _one_line(capsys)
    assert f"--as-of {tomorrow}: its data interval has not ended yet" in line
    assert str(yesterday_in_beijing()) in line
    assert not home.exists()


def test_backfill_days_are_checked_the_same_way(home, capsys):
    assert main(["backfill", "--from", "2025-06-01", "--to", "2025-06-31"]) == 2
    assert "--to '2025-06-31': expected a date YYYY-MM-DD" in _one_line(capsys)
    assert main(["backfill", "--from", "2030-01-01", "--to", "2030-01-02"]) == 2
    assert "--from 2030-01-01: its data interval has not ended yet" in _one_line(capsys)
    assert main(["backfill", "--from", "2025-06-30", "--to", "2025-06-01"]) == 2
    assert "--from 2025-06-30 is after --to 2025-06-01" in _one_line(capsys)
    assert not home.exists()


def test_yesterday_in_beijing_is_the_latest_day_accepted_even_when_utc_is_a_day_behind():
    # 2026-03-01 01:30 in Beijing is still 2026-02-28 in UTC: Beijing's yesterday is Feb 28th.
    now = datetime(2026, 2, 28, 17, 30, tzinfo=UTC)
    assert statistical_day("2026-02-28", "--as-of", now).isoformat() == "2026-02-28"
    with pytest.raises(BadDay, match="latest statistical day is yesterday in Beijing, 2026-02-28"):
        statistical_day("2026-03-01", "--as-of", now)
