"""A backfill over a date range publishes the same marts as one run for the range's last day."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from devtools.sandbox.generator import generate_dataset
from tests.support.oracle import compare, compute_indicator_values

pytestmark = pytest.mark.e2e

FIRST, LAST = date(2025, 6, 28), date(2025, 6, 30)
SEED, SCALE = 7, 0.01


def test_backfill_equals_a_single_run_over_the_whole_range(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env["PATENTFLOW_HOME"] = str(tmp_path / "home")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    backfill = subprocess.run(
        [sys.executable, "-m", "patentflow.cli", "backfill", "--from", FIRST.isoformat(),
         "--to", LAST.isoformat(), "--seed", str(SEED), "--scale", str(SCALE)],
        env=env, capture_output=True, text=True, timeout=900)
    assert backfill.returncode == 0, backfill.stdout[-3000:] + backfill.stderr[-3000:]

    # every ingestion DAG ran once per day of the range, in order, then one build
    for day in ("2025-06-28", "2025-06-29", "2025-06-30"):
        for source in ("patent_api", "finance_api", "tech_contracts", "reference"):
            assert f"patentflow_ingest_{source}@{day}: success" in backfill.stdout
    assert "patentflow_build@2025-06-30: success" in backfill.stdout

    published = Path(backfill.stdout.split("published release (read-only DuckDB):")[1].split()[0])
    with duckdb.connect(str(published), read_only=True) as con:
        actual = con.sql("select * exclude (release_id) from marts.indicator_values").df()
    dataset = generate_dataset(seed=SEED, scale=SCALE, as_of=LAST, invalid_share=0.01)
    expected = compute_indicator_values(dataset, as_of=LAST)
    mismatches = compare(expected, actual)
    assert mismatches == [], "\n".join(mismatches[:40])
