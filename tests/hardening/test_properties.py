"""Property: anything a source delivers lands or is quarantined with a reason; nothing raises.

Unlike the validator-level properties in test_ingestion_validation.py, these drive the whole
landing path a page or file takes (parse → validate → build the raw and quarantine tables →
Parquet, or the drop reader end to end), because a value the validator accepts can still break
the Parquet writer (a lone surrogate did, see docs/hardening.md).
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patentflow.core.settings import load_settings
from patentflow.ingest.batch_tables import RowMetadata, build_tables
from patentflow.ingest.landing import BatchInfo, write_parquet_atomic
from patentflow.ingest.pipeline import ingest_tech_contracts
from patentflow.ingest.validate.engine import REASON_CODES
from patentflow.ingest.validate.records import validate_api_records
from tests.support.builders import HEADER, contract
from tests.support.properties import examples

# every code point, lone surrogates included (JSON "\ud800" escapes decode to them)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=12,
)
FIELDS = {
    "patents": ["application_no", "title", "patent_type", "applicants", "ipc", "updated_at"],
    "legal_events": ["event_id", "application_no", "event_code", "details", "updated_at"],
    "pledges": ["pledge_id", "pledgor", "pledgee", "loan_amount_wan", "updated_at"],
    "insurance_policies": ["policy_no", "insured", "coverage_wan", "updated_at"],
    "roadshows": ["roadshow_id", "industry_chain", "signed_amount_wan", "updated_at"],
}
END = datetime(2025, 4, 1, tzinfo=UTC)


def _items(entity: str) -> st.SearchStrategy:
    record = st.fixed_dictionaries({}, optional={name: JSON_VALUES for name in FIELDS[entity]})
    return st.lists(st.one_of(record, JSON_VALUES), min_size=1, max_size=6)


@pytest.mark.parametrize("entity", sorted(FIELDS))
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_api_page_lands_or_is_quarantined_with_a_reason(entity: str, data) -> None:
    items = data.draw(_items(entity))
    flat, validated = validate_api_records(entity, items)
    batch = BatchInfo(f"{entity}__x", "api", entity, "/v1/x", date(2025, 4, 1))
    valid, quarantine = build_tables(
        batch, validated,
        RowMetadata("/v1/x?cursor=", END, "sum", range(1, len(items) + 1), flat.record_json),
        flat.keys,
    )
    assert valid.num_rows + quarantine.num_rows == len(items)
    assert set(quarantine["reason_code"].to_pylist()) <= set(REASON_CODES)
    assert all(quarantine["reason"].to_pylist())
    with tempfile.TemporaryDirectory() as scratch:  # the Parquet writer accepts both tables
        for name, table in (("valid", valid), ("quarantine", quarantine)):
            path = Path(scratch) / f"{name}.parquet"
            write_parquet_atomic(table, path)
            assert pq.read_table(path).num_rows == table.num_rows


CELL = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cells=st.lists(st.lists(CELL, min_size=1, max_size=len(HEADER) + 2), min_size=1, max_size=5),
    names=st.lists(CELL, min_size=1, max_size=3),
    encoding=st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]),
)
def test_any_csv_cells_land_or_are_quarantined_and_reconcile(cells, names, encoding) -> None:
    """Rows of arbitrary length and text, plus valid rows with arbitrary contract names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(cells)
    writer.writerows([[contract(f"20253701{i:08d}", **{"合同名称": name})[h] for h in HEADER]
                      for i, name in enumerate(names)])
    with tempfile.TemporaryDirectory() as home:
        settings_ = load_settings({"PATENTFLOW_HOME": home})
        drop = settings_.drop_dir / "tech_contracts"
        drop.mkdir(parents=True)
        (drop / "contracts_2025-03.csv").write_bytes(buffer.getvalue().encode(encoding))
        (drop / "contracts_2025-03.csv.done").write_bytes(b"")
        summary = ingest_tech_contracts(settings_, END, END)
        counts = summary.entities["tech_contracts"]
        assert counts.delivered == counts.loaded + counts.quarantined + counts.superseded
        assert counts.delivered >= 1
        reasons = [pq.read_table(p)["reason_code"].to_pylist()
                   for p in (Path(home) / "raw" / "_quarantine").rglob("*.parquet")]
        assert {code for file in reasons for code in file} <= set(REASON_CODES)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=400), xlsx=st.booleans())
def test_any_bytes_as_a_delivered_file_land_or_are_refused(body: bytes, xlsx: bool) -> None:
    name = "contracts_2025-03.xlsx" if xlsx else "contracts_2025-03.csv"
    with tempfile.TemporaryDirectory() as home:
        settings_ = load_settings({"PATENTFLOW_HOME": home})
        drop = settings_.drop_dir / "tech_contracts"
        drop.mkdir(parents=True)
        (drop / name).write_bytes(body)
        (drop / f"{name}.done").write_bytes(b"")
        counts = ingest_tech_contracts(settings_, END, END).entities["tech_contracts"]
        assert counts.delivered == counts.loaded + counts.quarantined + counts.superseded >= 1
