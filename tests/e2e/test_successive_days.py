"""Successive days in one home see one growing world: a run for D, then a run for D+1 (each
starting the sandbox for its own day, as `make run` does) publish the same values for every
period that was complete before D and that no late report could still reach."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.release_values import same_values

pytestmark = pytest.mark.e2e

DAY = date(2025, 6, 10)
SEED, SCALE = 7, 0.01
# The sandbox's sources report late, as real ones do: a legal event is published up to 20 days
# after it happened and corrected up to 90 days after that; a contract month is re-issued up to
# 110 days after its file (itself up to 10 days after the month). A period that ended more than
# this before D can no longer change. (Before the fixed history every period back to 2020 did.)
LATE_REPORTS = timedelta(days=160)


def _run(home: Path, day: date) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env.update(PATENTFLOW_HOME=str(home),
               PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    run = subprocess.run([sys.executable, "-m", "patentflow.cli", "run", "--as-of",
                          day.isoformat(), "--seed", str(SEED), "--scale", str(SCALE)],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return Path(run.stdout.split("published release (read-only DuckDB):")[1].split()[0]).parent


def _settled(release: Path, before: date) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(release / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select * exclude (release_id) from marts.indicator_values "
            "where period_end < ? order by all", [before]).fetchall()


def test_the_next_day_changes_no_value_of_a_settled_period(tmp_path):
    home = tmp_path / "home"
    first = _run(home, DAY)
    second = _run(home, DAY + timedelta(days=1))
    assert first != second
    cutoff = DAY - LATE_REPORTS
    settled_first, settled_second = _settled(first, cutoff), _settled(second, cutoff)
    assert len(settled_first) > 1000  # years, quarters and months since 2019, all regions
    differences = same_values(settled_second, settled_first)
    assert differences == [], "\n".join(differences[:20])
