"""Hostile values and hostile file names: stored literally, never executed, never followed.

Typed text columns are trimmed of leading/trailing whitespace by design (empty → NULL); the
hostile values therefore keep their whitespace inside, and ``_record`` keeps every byte anyway.
Text that looks like SQL, quotes, NUL and control characters, newlines inside CSV cells, 100 KB
strings, emoji and mixed scripts go through the real ingestion path (HTTP client or file drop →
validation → Parquet landing → ``load_raw``) and must come back byte-equal from the raw Parquet
and from the warehouse, with every table still in place. Drop names that try to escape the drop
(``../``, absolute paths, symlinks, undecodable bytes) are refused with a reason, and the bytes of
a secret file a symlink points at never reach raw/ or state/.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from patentflow.core.settings import Settings, load_settings
from patentflow.ingest.files.drop import resolve_drop_file
from patentflow.ingest.files.parsing import FileRejected
from patentflow.ingest.pipeline import ingest_patent_api, ingest_tech_contracts
from patentflow.warehouse.load_raw import load_raw
from tests.support.builders import HEADER, PATENT_PATH, application_no, contract, patent
from tests.support.fake_api import FAST_RETRY, fake, settings_for

END = datetime(2025, 4, 1, tzinfo=UTC)
START = datetime(2025, 3, 31, tzinfo=UTC)

HOSTILE_TEXT = {
    "sql_drop": "'; drop table raw.patents; --",
    "sql_union": "x' UNION SELECT token FROM secrets --",
    "quotes": "\"double\" 'single' `back` “curly” 「corner」",
    "backslashes": "C:\\temp\\n\\0 \\x00 \\N",
    "nul": "before\x00after",
    "controls": "\x01\x02\x07\x08\x0b\x0c\x1b[31mred\x1b[0m\x7f\u0085\u2028\u2029end",
    "newlines": "line one\nline two\r\nline three\rend",
    "format_tokens": "%s %d %(x)s {0} {title} ${HOME} $1 ? :name",
    "emoji_mixed": "🙂👩‍🔬🇨🇳 专利 Патент براءة पेटेंट 特許 \u202eRTL\u202c ﬁ Å Å",
    "long_100kb": ("专利AB\U0001f600" * 20_000)[:100_000],
}


def _roundtrip_settings(tmp_path: Path) -> Settings:
    return load_settings({"PATENTFLOW_HOME": str(tmp_path)})


def _warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(settings.home / "build.duckdb"))
    load_raw(settings, con)
    return con


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
    return {row[0] for row in rows}


def test_hostile_api_text_is_stored_byte_equal_and_changes_no_query(tmp_path: Path) -> None:
    titles = list(HOSTILE_TEXT.values())
    records = [patent(i + 1, updated_offset=i, title=title) for i, title in enumerate(titles)]
    with fake({PATENT_PATH: records}) as source:
        settings = settings_for(tmp_path, source)
        summary = ingest_patent_api(settings, START, END, retry=FAST_RETRY)
    assert summary.entities["patents"].loaded == len(titles)

    expected = {application_no(i + 1): title for i, title in enumerate(titles)}
    raw_files = list((settings.raw_dir / "patents").rglob("*.parquet"))
    landed = pq.read_table(raw_files[0], columns=["application_no", "title", "_record"])
    from_parquet = dict(zip(landed["application_no"].to_pylist(), landed["title"].to_pylist(),
                            strict=True))
    assert from_parquet == expected
    for record, title in zip(landed["_record"].to_pylist(), landed["title"].to_pylist(),
                             strict=True):
        assert json.loads(record)["title"] == title  # the original record keeps it too

    with _warehouse(settings) as con:
        tables_before = _tables(con)
        rows = con.execute("SELECT application_no, title FROM raw.patents").fetchall()
        assert {key: title.encode() for key, title in rows} == {
            key: title.encode() for key, title in expected.items()
        }
        # looking the values up as bound parameters finds each exactly once
        for key, title in expected.items():
            hits = con.execute("SELECT application_no FROM raw.patents WHERE title = ?",
                               [title]).fetchall()
            assert hits == [(key,)]
        load_raw(settings, con)  # a second rebuild: still nothing dropped or altered
        assert _tables(con) == tables_before
        assert {"raw.patents", "audit.quarantine", "audit.reconciliation"} <= tables_before
        assert con.execute("SELECT count(*) FROM raw.patents").fetchone()[0] == len(titles)


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _deliver(drop: Path, name: str, data: bytes) -> None:
    drop.mkdir(parents=True, exist_ok=True)
    (drop / name).write_bytes(data)
    (drop / f"{name}.done").write_bytes(b"")


def test_hostile_csv_cells_are_stored_byte_equal(tmp_path: Path) -> None:
    """Quoted cells with separators, quotes and newlines; NUL and controls; 100 KB cells."""
    settings = _roundtrip_settings(tmp_path)
    rows = [contract(f"2025370100{i:06d}", **{"合同名称": text})
            for i, text in enumerate(HOSTILE_TEXT.values())]
    rows.append(contract("2025370100999999", **{"合同名称": 'a,b,"c",\n"d"'}))
    _deliver(settings.drop_dir / "tech_contracts", "contracts_2025-03.csv", _csv(rows))
    summary = ingest_tech_contracts(settings, START, END)
    assert summary.entities["tech_contracts"].loaded == len(rows)
    expected = {row["合同登记号"]: row["合同名称"] for row in rows}
    with _warehouse(settings) as con:
        stored = dict(con.execute(
            "SELECT registration_no, contract_name FROM raw.tech_contracts").fetchall())
        assert {"raw.patents", "raw.tech_contracts"} <= _tables(con)
    assert {k: v.encode() for k, v in stored.items()} == {
        k: v.encode() for k, v in expected.items()}


def test_names_escaping_the_drop_are_refused_before_anything_is_opened(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (tmp_path / "outside.csv").write_text("secret", encoding="utf-8")
    for name in ("../outside.csv", str(tmp_path / "outside.csv"), "sub/x.csv", "..", "a\0b"):
        with pytest.raises(FileRejected) as refused:
            resolve_drop_file(drop, name)
        assert refused.value.reason_code == "unsafe_file_name"


SECRET = "TOP-SECRET-7c1e-do-not-ingest"


def _all_bytes_under(*roots: Path) -> bytes:
    chunks = [p.read_bytes() for root in roots for p in root.rglob("*") if p.is_file()]
    return b"\n".join(chunks)


def test_symlinks_and_undecodable_names_are_quarantined_and_never_read(tmp_path: Path) -> None:
    settings = _roundtrip_settings(tmp_path)
    drop = settings.drop_dir / "tech_contracts"
    secret = tmp_path / "secret.csv"
    secret.write_bytes(_csv([contract("2025370100000001", **{"合同名称": SECRET})]))
    drop.mkdir(parents=True)
    (drop / "contracts_2025-01.csv").symlink_to(secret)
    (drop / "contracts_2025-01.csv.done").write_bytes(b"")
    os.symlink(secret, drop / "contracts_2025-02.csv.done")  # a linked marker proves nothing
    (drop / "contracts_2025-02.csv").symlink_to("../../secret.csv")
    bad_name = os.fsencode(drop) + b"/contracts_2025-03\xff\xfe.csv"
    with open(bad_name, "wb") as handle:
        handle.write(secret.read_bytes())
    with open(bad_name + b".done", "wb"):
        pass
    good = [contract("2025370100000002")]
    _deliver(drop, "contracts_2025-04.csv", _csv(good))

    summary = ingest_tech_contracts(settings, START, END)

    counts = summary.entities["tech_contracts"]
    assert (counts.loaded, counts.quarantined) == (1, 3)  # the good file still lands
    with _warehouse(settings) as con:
        refused = con.execute(
            "SELECT record_key, reason_code, reason FROM audit.quarantine ORDER BY 1").fetchall()
        names = [row[0] for row in con.execute(
            "SELECT registration_no FROM raw.tech_contracts").fetchall()]
    assert refused == [
        ("contracts_2025-01.csv", "unsafe_file_name", "symbolic links are not followed"),
        ("contracts_2025-02.csv", "unsafe_file_name", "symbolic links are not followed"),
        ("contracts_2025-03\\xff\\xfe.csv", "unsafe_file_name", "the name is not valid UTF-8"),
    ]
    assert names == ["2025370100000002"]
    assert SECRET.encode() not in _all_bytes_under(settings.raw_dir, settings.state_dir,
                                                   settings.home / "build.duckdb")
    again = ingest_tech_contracts(settings, START, END)  # refused once, not on every run
    assert again.batches == []
