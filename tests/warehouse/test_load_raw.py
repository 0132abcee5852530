"""load_raw: typed empty tables, idempotent rebuilds, reconciliation enforced; vendor export."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from patentflow.core.settings import Settings, load_settings
from patentflow.ingest.pipeline import ingest_vendor_patent_export
from patentflow.ingest.raw_schema import RAW_TABLES
from patentflow.warehouse.load_raw import ReconciliationError, load_raw
from tests.support.paths import DATA

# A copy of ../shared/reference/real_patent_export_sample.csv (ten real CN patent records).
SAMPLE = DATA / "real_patent_export_sample.csv"
END = datetime(2025, 4, 1, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"PATENTFLOW_HOME": str(tmp_path)})


def test_every_raw_table_exists_typed_and_empty_before_any_data(settings: Settings) -> None:
    con = duckdb.connect()
    counts = load_raw(settings, con)
    assert counts == {
        **{f"raw.{entity}": 0 for entity in RAW_TABLES},
        "audit.quarantine": 0,
        "audit.reconciliation": 0,
    }
    columns = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'raw' AND table_name = 'tech_contracts'"
        ).fetchall()
    )
    assert columns["registration_date"] == "DATE"
    assert columns["turnover_wan"] == "DECIMAL(18,4)"
    assert columns["_extracted_at"] == "TIMESTAMP WITH TIME ZONE"
    assert columns["_delivery_seq"] == "BIGINT"
    audit = con.execute(
        "SELECT table_name, count(*) FROM information_schema.columns"
        " WHERE table_schema = 'audit' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert audit == [("quarantine", 7), ("reconciliation", 12)]  # + excluded, excluded_reason


def test_vendor_export_sample_loads_ten_patents(settings: Settings) -> None:
    summary = ingest_vendor_patent_export(settings, SAMPLE, END)
    assert summary.entities["patents"].loaded == 10
    con = duckdb.connect()
    load_raw(settings, con)
    rows = con.execute(
        "SELECT application_no, patent_type, application_date, grant_no, grant_date, ipc_main,"
        " legal_status, applicants, _source FROM raw.patents ORDER BY application_no"
    ).fetchall()
    assert len(rows) == 10
    by_no = {row[0]: row for row in rows}
    first = by_no["202223220665.2"]
    assert first[1:7] == (
        "utility_model",
        date(2022, 12, 2),
        "CN218751475U",
        date(2023, 3, 28),
        "B64U20/80",
        "granted",
    )
    assert '"party_type": "research_institute"' in first[7] and first[8] == "vendor_patent_export"
    pending = by_no["202211740332.4"]
    assert pending[1] == "invention" and pending[4] is None and pending[6] == "pending"
    record = con.execute(
        "SELECT _record::JSON->>'审查员' IS NOT NULL, json_keys(_record::JSON) FROM raw.patents"
        " LIMIT 1"
    ).fetchone()
    assert len(record[1]) == 61  # every delivered column is kept
    again = ingest_vendor_patent_export(settings, SAMPLE, END)
    assert again.batches == [] and again.skipped


def test_load_raw_is_idempotent(settings: Settings) -> None:
    ingest_vendor_patent_export(settings, SAMPLE, END)
    con = duckdb.connect()
    first = load_raw(settings, con)
    assert load_raw(settings, con) == first
    assert first["raw.patents"] == 10


def test_a_batch_that_does_not_add_up_fails_the_load_and_changes_nothing(
    settings: Settings,
) -> None:
    ingest_vendor_patent_export(settings, SAMPLE, END)
    con = duckdb.connect()
    load_raw(settings, con)
    reconciliation = next((settings.raw_dir / "_reconciliation").rglob("*.parquet"))
    table = pq.read_table(reconciliation)
    table = table.set_column(
        table.schema.get_field_index("delivered"), "delivered", pa.array([11], pa.int64())
    )
    pq.write_table(table, reconciliation)
    with pytest.raises(ReconciliationError, match="delivered 11"):
        load_raw(settings, con)
    assert con.execute("SELECT count(*) FROM raw.patents").fetchone()[0] == 10


def test_a_lost_data_file_is_detected(settings: Settings) -> None:
    ingest_vendor_patent_export(settings, SAMPLE, END)
    shutil.rmtree(settings.raw_dir / "patents")
    with pytest.raises(ReconciliationError, match="loaded 10 in reconciliation, 0 rows"):
        load_raw(settings, duckdb.connect())


def test_data_of_a_batch_without_reconciliation_is_not_loaded(settings: Settings) -> None:
    ingest_vendor_patent_export(settings, SAMPLE, END)
    shutil.rmtree(settings.raw_dir / "_reconciliation")
    assert load_raw(settings, duckdb.connect())["raw.patents"] == 0
