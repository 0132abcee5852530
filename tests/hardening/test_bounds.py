"""Oversized and pathological deliveries are refused with a clear reason inside a memory bound.

Each case lowers the relevant ``PATENTFLOW_MAX_*`` bound (patentflow/core/settings.py) so the test
stays
small, delivers something far beyond it, and checks three things: the refusal names the source
or file and the bound, the peak Python allocation while refusing stays far below the delivery's
size (tracemalloc), and the other sources or files of the run still land.
"""

from __future__ import annotations

import io
import json
import threading
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from patentflow.core.settings import Settings, load_settings
from patentflow.ingest.api.client import HostilePage, SourceError
from patentflow.ingest.pipeline import ingest_patent_api, ingest_tech_contracts
from patentflow.warehouse.load_raw import load_raw
from tests.support.builders import HEADER, contract, patent
from tests.support.fake_api import FAST_RETRY

END = datetime(2025, 4, 1, tzinfo=UTC)
START = datetime(2025, 3, 31, tzinfo=UTC)
MIB = 1024 * 1024
TOKEN = "bounds-token-3f9d"


@contextmanager
def hostile_api(body: Callable[[], Iterator[bytes]], length: int | None = None) -> Iterator[str]:
    """An API answering every request 200 with ``body`` (streamed; chunked when no length)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if length is None:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                for chunk in body():
                    if length is None:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    else:
                        self.wfile.write(chunk)
                if length is None:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: exactly what a bound should do

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _settings(home: Path, url: str) -> Settings:
    return load_settings({
        "PATENTFLOW_HOME": str(home), "PATENTFLOW_PATENT_API_URL": url,
        "PATENTFLOW_PATENT_API_TOKEN": TOKEN, "PATENTFLOW_FINANCE_API_URL": url,
        "PATENTFLOW_FINANCE_API_TOKEN": TOKEN,
    })


def _deliver(drop: Path, name: str, data: bytes) -> None:
    drop.mkdir(parents=True, exist_ok=True)
    (drop / name).write_bytes(data)
    (drop / f"{name}.done").write_bytes(b"")


def _contracts_csv(rows: list[dict[str, str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(row[h] for h in HEADER) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _peak_while(action: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result: object = action()
    except Exception as exc:  # noqa: BLE001 - returned for the caller to assert on
        result = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak


def _other_source_lands(settings: Settings) -> None:
    """A file drop in the same home still lands after the API's refusal."""
    _deliver(settings.drop_dir / "tech_contracts", "contracts_2025-03.csv",
             _contracts_csv([contract("2025370100000001")]))
    summary = ingest_tech_contracts(settings, START, END)
    assert summary.entities["tech_contracts"].loaded == 1
    with duckdb.connect() as con:
        load_raw(settings, con)
        assert con.execute("SELECT count(*) FROM raw.tech_contracts").fetchone()[0] == 1


def test_a_page_far_larger_than_the_limit_is_refused_not_loaded(tmp_path: Path) -> None:
    items = [patent(i) for i in range(1, 50_001)]
    page = json.dumps({"items": items, "next_cursor": None}).encode()
    with hostile_api(lambda: iter([page]), len(page)) as url:
        settings = _settings(tmp_path, url)
        with pytest.raises(HostilePage) as refused:
            ingest_patent_api(settings, START, END, page_size=1000, retry=FAST_RETRY)
    message = str(refused.value)
    assert "source=patent_api" in message and "50000 items" in message and "limit 1000" in message
    assert TOKEN not in message
    assert not list((settings.raw_dir / "patents").rglob("*.parquet"))
    _other_source_lands(settings)


def test_an_endless_body_is_cut_off_at_the_page_bound(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """100 MiB streamed without Content-Length against a 2 MiB bound: read stops at ~2 MiB."""
    monkeypatch.setenv("PATENTFLOW_MAX_PAGE_BYTES", str(2 * MIB))
    sent = []

    def body() -> Iterator[bytes]:
        yield b'{"items": ["'
        for _ in range(100):
            sent.append(MIB)
            yield b"x" * MIB

    with hostile_api(body) as url:
        settings = _settings(tmp_path, url)
        result, peak = _peak_while(
            lambda: ingest_patent_api(settings, START, END, retry=FAST_RETRY))
    assert isinstance(result, HostilePage), result
    assert "PATENTFLOW_MAX_PAGE_BYTES" in str(result) and "source=patent_api" in str(result)
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB while refusing a 100 MiB body"
    assert sum(sent) < 100 * MIB  # the server was not drained to the end


def test_a_declared_oversized_body_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATENTFLOW_MAX_PAGE_BYTES", str(MIB))
    with hostile_api(lambda: iter([b"{}"]), 50 * MIB) as url:
        with pytest.raises(HostilePage, match="Content-Length 52428800"):
            ingest_patent_api(_settings(tmp_path, url), START, END, retry=FAST_RETRY)


def test_json_nested_thousands_deep_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    depth = 200_000
    page = b'{"items": [' + b"[" * depth + b"]" * depth + b'], "next_cursor": null}'
    with hostile_api(lambda: iter([page]), len(page)) as url:
        settings = _settings(tmp_path, url)
        with pytest.raises(SourceError, match="nested deeper"):
            ingest_patent_api(settings, START, END, retry=FAST_RETRY)
    _other_source_lands(settings)


def test_a_file_above_the_size_bound_is_refused_unread_and_others_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATENTFLOW_MAX_FILE_BYTES", str(MIB))
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path)})
    drop = settings.drop_dir / "tech_contracts"
    row = _contracts_csv([contract("2025370100000009")]).split(b"\r\n", 1)[1]
    big = _contracts_csv([]) + row * (40 * MIB // len(row))  # ~40 MiB of valid rows
    _deliver(drop, "contracts_2025-01.csv", big)
    _deliver(drop, "contracts_2025-02.csv", _contracts_csv([contract("2025370100000001")]))

    summary, peak = _peak_while(lambda: ingest_tech_contracts(settings, START, END))

    assert peak < 4 * MIB, f"peak {peak / MIB:.1f} MiB for a {len(big) / MIB:.0f} MiB file"
    counts = summary.entities["tech_contracts"]
    assert (counts.loaded, counts.quarantined) == (1, 1)
    with duckdb.connect() as con:
        load_raw(settings, con)
        refused = con.execute("SELECT record_key, reason_code, reason FROM audit.quarantine"
                              ).fetchall()
    assert refused[0][:2] == ("contracts_2025-01.csv", "file_too_large")
    assert "PATENTFLOW_MAX_FILE_BYTES" in refused[0][2]


def _xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[h] for h in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bomb(inflated: int) -> bytes:
    """A real XLSX whose sheet XML is padded with ``inflated`` bytes of whitespace (valid XML,
    so openpyxl would parse every byte of it): a few hundred KB on disk."""
    source = zipfile.ZipFile(io.BytesIO(_xlsx_bytes([contract("2025370100000003")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(member.filename, "w", force_zip64=True) as handle:
                    head, tail = data.split(b"<sheetData>", 1)
                    handle.write(head)
                    chunk = b" " * MIB
                    for _ in range(inflated // MIB):
                        handle.write(chunk)
                    handle.write(b"<sheetData>" + tail)
            else:
                bomb.writestr(member, data)
    return out.getvalue()


def test_a_decompression_bomb_xlsx_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES", str(16 * MIB))
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path)})
    drop = settings.drop_dir / "tech_contracts"
    bomb = _bomb(64 * MIB)
    assert len(bomb) < MIB
    _deliver(drop, "contracts_2025-01.xlsx", bomb)
    _deliver(drop, "contracts_2025-02.xlsx", _xlsx_bytes([contract("2025370100000004")]))

    summary, peak = _peak_while(lambda: ingest_tech_contracts(settings, START, END))

    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB"
    counts = summary.entities["tech_contracts"]
    assert (counts.loaded, counts.quarantined) == (1, 1)
    with duckdb.connect() as con:
        load_raw(settings, con)
        code, reason = con.execute("SELECT reason_code, reason FROM audit.quarantine").fetchone()
    assert code == "file_too_large" and "PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES" in reason


def test_the_expansion_ratio_catches_a_bomb_below_the_size_bound(tmp_path: Path) -> None:
    """Default bounds: 64 MiB of sheet XML packed into well under 1 MiB is a > 200-fold bomb."""
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path)})
    _deliver(settings.drop_dir / "tech_contracts", "contracts_2025-01.xlsx", _bomb(64 * MIB))
    summary = ingest_tech_contracts(settings, START, END)
    assert summary.entities["tech_contracts"].quarantined == 1
    with duckdb.connect() as con:
        load_raw(settings, con)
        code, reason = con.execute("SELECT reason_code, reason FROM audit.quarantine").fetchone()
    assert code == "file_too_large" and "PATENTFLOW_MAX_XLSX_RATIO" in reason
