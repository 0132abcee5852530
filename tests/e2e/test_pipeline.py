"""End to end: sandbox sources → Airflow DAGs → dbt → quality gate → published release.

One `patentflow run` on a small sandbox (the same command `make run` uses) is checked against an
independent Python computation of every indicator from the generated data, then a planted defect
shows that a failing check blocks publication and leaves the served release untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from devtools.sandbox.generator import generate_dataset
from tests.support.oracle import compare, compute_indicator_values

pytestmark = pytest.mark.e2e

AS_OF = date(2025, 6, 30)
SEED, SCALE = 42, 0.01
PUBLISHED_COLUMNS = [
    "indicator_id", "period_type", "period_start", "period_end", "is_complete", "region_code",
    "breakdown", "value", "numerator", "denominator", "unit", "target_value", "release_id",
]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env["PATENTFLOW_HOME"] = str(home)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _patentflow(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patentflow.cli", *args], env=_env(home),
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    home = tmp_path_factory.mktemp("patentflow_home")
    run = _patentflow(home, "run", "--as-of", AS_OF.isoformat(), "--seed", str(SEED),
                      "--scale", str(SCALE))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    path = Path(_patentflow(home, "published-path").stdout.strip())
    return home, path, run.stdout


@pytest.fixture(scope="module")
def published_indicators(published) -> pd.DataFrame:
    _, path, _ = published
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql("select * from marts.indicator_values").df()


def test_run_prints_where_the_release_and_the_summary_are(published):
    home, path, stdout = published
    assert f"published release (read-only DuckDB): {path}" in stdout
    summary = Path(stdout.split("run summary:")[1].split()[0])
    payload = json.loads(summary.read_text(encoding="utf-8"))
    assert payload["status"] == "published"
    assert payload["gate"]["passed"] is True
    assert path.is_relative_to(home / "releases")


def test_every_task_log_is_where_the_airflow_ui_reads_it(published):
    """`patentflow run` runs through DAG.test, yet each task try has its own log file in
    Airflow's layout, which the UI's log reader (FileTaskHandler) parses into the log pane."""
    home, _, _ = published
    logs = home / "airflow" / "logs"
    files = {path.relative_to(logs).parts[0].removeprefix("dag_id="): path
             for path in logs.glob("dag_id=*/run_id=*/task_id=*/attempt=1.log")}
    assert {"patentflow_build", "patentflow_ingest_patent_api", "patentflow_ingest_finance_api",
            "patentflow_ingest_tech_contracts", "patentflow_ingest_reference"} <= set(files)
    publish = next(logs.glob("dag_id=patentflow_build/run_id=*/task_id=publish/attempt=1.log"))
    text = publish.read_text(encoding="utf-8")
    assert "[DAG TEST] starting task_id=publish" in text and "Returned value was" in text
    assert "task_id=dbt_build" not in text  # one task's log, not the whole run's

    from airflow.utils.log.file_task_handler import _log_stream_to_parsed_log_stream

    parsed = [message.event for _, _, message in
              _log_stream_to_parsed_log_stream(iter(text.splitlines()))]
    assert any("Returned value was" in event for event in parsed)


def test_published_table_has_the_shape_bi_tools_depend_on(published_indicators, published):
    _, path, _ = published
    assert list(published_indicators.columns) == PUBLISHED_COLUMNS
    assert published_indicators["release_id"].nunique() == 1
    assert published_indicators["release_id"].iloc[0] == path.parent.name


def test_every_indicator_matches_an_independent_computation(published_indicators):
    dataset = generate_dataset(seed=SEED, scale=SCALE, as_of=AS_OF, invalid_share=0.01)
    expected = compute_indicator_values(dataset, as_of=AS_OF)
    assert set(expected["indicator_id"]) == set(published_indicators["indicator_id"])
    assert len(set(expected["indicator_id"])) == 33
    mismatches = compare(expected, published_indicators.drop(columns=["release_id"]))
    assert mismatches == [], "\n".join(mismatches[:60])


def test_skeleton_indicators_are_non_trivial(published_indicators):
    """Guards the comparison above against two implementations agreeing on nothing but zeros."""
    city_years = published_indicators.query("region_code == '3701' and period_type == 'year' "
                                            "and breakdown == 'all'")
    for indicator in ("PAT-01", "CON-01", "FIN-01"):
        assert city_years.query("indicator_id == @indicator")["value"].sum() > 0, indicator
    con02 = city_years.query("indicator_id == 'CON-02'")
    by_year = dict(zip(pd.to_datetime(con02["period_start"]).dt.year, con02["value"], strict=True))
    assert by_year[2023] == pytest.approx(0, abs=1e-9)  # the base year against itself
    assert by_year[2025] != pytest.approx(0, abs=1e-9)


def test_release_is_read_only_with_parquet_and_manifest(published):
    _, path, _ = published
    release = path.parent
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    parquet = {p.name for p in (release / "parquet").glob("*.parquet")}
    assert {"marts.indicator_values.parquet", "audit.quarantine.parquet",
            "audit.reconciliation.parquet"} <= parquet
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_id"] == release.name
    assert manifest["row_counts"]["marts.indicator_values"] > 0


def test_every_planted_invalid_record_is_quarantined_and_counts_reconcile(published):
    _, path, _ = published
    dataset = generate_dataset(seed=SEED, scale=SCALE, as_of=AS_OF, invalid_share=0.01)
    with duckdb.connect(str(path), read_only=True) as con:
        quarantined = set(con.sql("select entity, record_key from audit.quarantine").fetchall())
        unbalanced = con.execute(
            "select count(*) from audit.reconciliation "
            "where delivered <> loaded + quarantined + superseded").fetchone()[0]
        batches = con.execute("select count(*) from audit.reconciliation").fetchone()[0]
    assert batches > 0 and unbalanced == 0
    current_keys = {
        (p["entity"].replace("-", "_"), str(p["key"])) for p in dataset.planted_invalid
        # an invalid row in an older reference snapshot is replaced before it is read
        if p["entity"] not in {"inventory_returns"}
    }
    assert current_keys <= quarantined


def _tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_verification_sheets_reconcile_every_headline_figure_of_every_region(published):
    """The records the workbook's 核查清单 list for each region add up to the published figures
    (the same computation the workbook writes, without rendering it), and every kind of
    record is labelled."""
    from patentflow.core import catalogue
    from patentflow.report.lookup import Values
    from patentflow.report.period import ReportPeriod
    from patentflow.report.verification import load_records, verification_sections

    _, path, _ = published
    period = ReportPeriod.parse("2025-06")
    records = load_records(path, period)
    with duckdb.connect(str(path), read_only=True) as con:
        values = con.sql("select * from marts.indicator_values").df()
        kinds = {row[0] for row in con.sql(
            "select distinct record_kind from marts.fct_indicator_contributions union "
            "select distinct record_kind from marts.fct_indicator_stock_contributions").fetchall()}
    values["period_start"] = pd.to_datetime(values["period_start"]).dt.date
    values["period_end"] = pd.to_datetime(values["period_end"]).dt.date
    sections = verification_sections(Values(values), period, {}, records)

    assert kinds <= set(catalogue.RECORD_KINDS)
    assert len(sections) == 14 and len(records) > 500
    checks = [row for section in sections for row in section.tables[1].rows]
    assert {row[-1] for row in checks} == {"一致"}, [r for r in checks if r[-1] != "一致"][:5]


def test_a_failing_quality_check_blocks_publication_and_keeps_the_release(published):
    """Plant a quarantine spike (every record of a batch rejected) and rebuild."""
    from patentflow.core.settings import load_settings
    from patentflow.orchestration import embedded_airflow

    home, path, _ = published
    before_current = os.readlink(home / "releases" / "current")
    before_digest = _tree_digest(path.parent)

    batch = "patents__20250630__planted_spike"
    spike_dir = home / "raw" / "_reconciliation" / "load_date=2025-06-30"
    spike_dir.mkdir(parents=True, exist_ok=True)
    reconciliation = pq.read_table(next((home / "raw" / "_reconciliation").rglob("*.parquet")))
    row = {name: reconciliation.column(name)[0].as_py() for name in reconciliation.column_names}
    row.update(batch_id=batch, source="patent_api", entity="patents", delivered=500, loaded=0,
               quarantined=500, superseded=0)
    pq.write_table(pa.Table.from_pylist([row], schema=reconciliation.schema),
                   spike_dir / f"{batch}.parquet")
    quarantine_dir = home / "raw" / "_quarantine" / "load_date=2025-06-30"
    quarantine = pq.read_table(next((home / "raw" / "_quarantine").rglob("*.parquet")))
    template = {name: quarantine.column(name)[0].as_py() for name in quarantine.column_names}
    rows = [{**template, "_batch_id": batch, "_source": "patent_api", "_entity": "patents",
             "_row_number": i + 1, "record_key": f"X{i}"} for i in range(500)]
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=quarantine.schema),
                   quarantine_dir / f"{batch}.parquet")

    settings = load_settings({"PATENTFLOW_HOME": str(home)})
    env = embedded_airflow.airflow_env(settings, _env(home))
    log_file = home / "blocked-run.log"
    results = embedded_airflow.run_dags(
        [(embedded_airflow.BUILD_DAG, "2025-06-30T00:00:00+08:00")], env, log_file,
        confs={embedded_airflow.BUILD_DAG: {"as_of": AS_OF.isoformat()}},
    )
    assert results[0]["state"] == "failed"
    assert os.readlink(home / "releases" / "current") == before_current
    assert _tree_digest(path.parent) == before_digest
    gate_reports = sorted((home / "runs").glob("*/gate.json"), key=lambda p: p.stat().st_mtime)
    blocked = json.loads(gate_reports[-1].read_text(encoding="utf-8"))
    assert blocked["passed"] is False
    failing = [c for c in blocked["checks"] if not c["success"] and c["severity"] == "error"]
    assert any("quarantine" in c["name"] for c in failing), failing
    assert "quality gate failed" in log_file.read_text(encoding="utf-8")


def test_a_published_value_is_explained_by_the_records_it_is_the_sum_of(published, tmp_path):
    """`patentflow explain` on the run's release: the contracts behind the city's CON-01 add up
    to the published value and name the delivered file and row each came from."""
    home, path, _ = published
    with duckdb.connect(str(path), read_only=True) as con:
        value = con.execute(
            "select value from marts.indicator_values where indicator_id = 'CON-01' "
            "and period_type = 'year' and period_start = '2025-01-01' and region_code = '3701' "
            "and breakdown = 'all'").fetchone()[0]
        delivered = {row[0] for row in con.execute(
            "select distinct origin from audit.reconciliation "
            "where entity = 'tech_contracts'").fetchall()}
    out = tmp_path / "con01.csv"
    run = _patentflow(home, "explain", "CON-01", "2025", "3701", "--csv", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "CON-01 涉专利技术合同成交额" in run.stdout
    records = pd.read_csv(out)
    assert len(records) > 0 and set(records["record_kind"]) == {"contract"}
    assert records["amount"].sum() == pytest.approx(value)
    assert set(records["origin"]) <= delivered and (records["row_number"] >= 1).all()
    assert _patentflow(home, "explain", "CON-01", "2025", "nowhere").returncode == 2
