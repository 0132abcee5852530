"""Throughput of the ingestion paths (``make bench``): API records/s and CSV rows/s.

The API side is measured against a local server that answers pre-rendered pages, so the number
is the client's (HTTP, JSON, validation, Parquet staging and landing), not the server's.
Targets: ≥ 20,000 records/s (API, page size 1000), ≥ 100,000 rows/s (CSV).
``cpu_seconds`` is the client's CPU time (all its threads): on a machine shared with other jobs
the wall-clock rate understates what an idle machine does.

    python -m benchmarks.connectors [--api-records N] [--csv-rows N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from patentflow.core.settings import load_settings
from patentflow.ingest.pipeline import ingest_patent_api, ingest_tech_contracts
from patentflow.ingest.validate.application_numbers import check_digit
from patentflow.warehouse.load_raw import load_raw

_TOKEN = "benchmark-token"
_START = datetime(2025, 1, 1, tzinfo=UTC)


def _application_no(serial: int) -> str:
    body = f"2024{1 + serial % 2}{serial:07d}"
    return f"CN{body}{check_digit(body)}"


def _patent(serial: int) -> dict[str, Any]:
    return {
        "application_no": _application_no(serial),
        "patent_type": "invention" if serial % 2 == 0 else "utility_model",
        "title": f"一种基于深度学习的图像识别方法{serial}",
        "application_date": "2024-03-15",
        "publication_no": f"CN1{serial:08d}A",
        "grant_no": None,
        "grant_date": None,
        "ipc_main": "G06F 40/289",
        "ipc": ["G06F 40/289", "G06N3/08"],
        "locarno": None,
        "applicants": [
            {
                "name": "济南某科技有限公司",
                "uscc": "91370100MA3C0000X1",
                "party_type": "enterprise",
                "region_code": "370102",
                "country": "CN",
            }
        ],
        "family_countries": [],
        "fiscal_project_ids": [],
        "awards": [],
        "legal_status": "pending",
        "updated_at": (_START + timedelta(seconds=serial)).isoformat(),
    }


def _render_pages(path: str, records: list[dict[str, Any]], page_size: int) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    chunks = [records[i : i + page_size] for i in range(0, len(records), page_size)] or [[]]
    for index, chunk in enumerate(chunks):
        cursor = "" if index == 0 else f"c{index}"
        following = f"c{index + 1}" if index + 1 < len(chunks) else None
        body = {"items": chunk, "next_cursor": following}
        pages[f"{path}|{cursor}"] = json.dumps(body, ensure_ascii=False).encode()
    return pages


class _StaticPages:
    """Serves pre-rendered pages keyed by (path, cursor); every other path is an empty page."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        self.pages = pages
        self.server: ThreadingHTTPServer | None = None

    def __enter__(self) -> str:
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                cursor = parse_qs(url.query).get("cursor", [""])[0]
                body = pages.get(f"{url.path}|{cursor}", b'{"items": [], "next_cursor": null}')
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


_CONTRACT_HEADER = (
    "合同登记号,合同名称,合同类别,登记日期,卖方名称,卖方统一社会信用代码,卖方类型,卖方所在地,"
    "买方名称,买方统一社会信用代码,买方所在地,成交额(万元),技术交易额(万元),知识产权类型,涉及专利,"
    "技术领域,状态"
)


def _contract_csv(rows: int, encoding: str = "gbk") -> bytes:
    lines = [_CONTRACT_HEADER]
    for i in range(rows):
        lines.append(
            f"2025370100{i:08d},新材料制备工艺技术开发合同{i},技术开发,"
            f"2025-03-{1 + i % 28:02d},"
            f"山东某大学,12370000MB0000000X,高等院校,370102,济南某公司,91370100MA3C0000X1,"
            f"370112,{100 + i % 900}.5,{50 + i % 50},专利;技术秘密,{_application_no(i)},"
            f"新材料及其应用,有效"
        )
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _serve(records: int, page_size: int) -> None:
    """Child process: serve pre-rendered pages, print the URL, run until killed."""
    pages = _render_pages("/v1/patents", [_patent(i) for i in range(records)], page_size)
    with _StaticPages(pages) as url:
        print(url, flush=True)
        threading.Event().wait()


def bench_api(records: int = 50_000, page_size: int = 1000, home: Path | None = None) -> dict:
    """Patents via the API path; returns records, seconds and records/s.

    The page server runs in a child process so that it does not share the client's GIL.
    """
    home = home or Path(tempfile.mkdtemp(prefix="patentflow-bench-"))
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.connectors", "--serve", str(records), str(page_size)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip() if server.stdout else ""
        settings = load_settings(
            {
                "PATENTFLOW_HOME": str(home),
                "PATENTFLOW_PATENT_API_URL": url,
                "PATENTFLOW_PATENT_API_TOKEN": _TOKEN,
            }
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = ingest_patent_api(
            settings, _START, _START + timedelta(days=1), page_size=page_size
        )
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        server.terminate()
        server.wait(timeout=10)
    loaded = summary.entities["patents"].loaded
    return {
        "records": loaded,
        "seconds": round(seconds, 3),
        "records_per_s": round(loaded / seconds),
        "cpu_seconds": round(cpu_seconds, 3),
    }


def bench_csv(rows: int = 200_000, home: Path | None = None, encoding: str = "gbk") -> dict:
    """One contract file (GBK or utf-8-sig) through the drop path; rows, seconds, rows/s."""
    home = home or Path(tempfile.mkdtemp(prefix="patentflow-bench-"))
    settings = load_settings({"PATENTFLOW_HOME": str(home)})
    folder = settings.drop_dir / "tech_contracts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "contracts_2025-03.csv").write_bytes(_contract_csv(rows, encoding))
    (folder / "contracts_2025-03.csv.done").touch()
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = ingest_tech_contracts(settings, _START, _START + timedelta(days=1))
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    loaded = summary.entities["tech_contracts"].loaded
    return {
        "rows": loaded,
        "seconds": round(seconds, 3),
        "rows_per_s": round(loaded / seconds),
        "cpu_seconds": round(cpu_seconds, 3),
    }


def bench_load_raw(home: Path) -> dict:
    import duckdb

    settings = load_settings({"PATENTFLOW_HOME": str(home)})
    started = time.perf_counter()
    counts = load_raw(settings, duckdb.connect())
    return {"rows": sum(counts.values()), "seconds": round(time.perf_counter() - started, 3)}


def run_benchmark(api_records: int = 50_000, csv_rows: int = 200_000) -> dict:
    """Everything ``make bench`` reports, as one JSON-serialisable dict."""
    home = Path(tempfile.mkdtemp(prefix="patentflow-bench-"))
    results = {
        "api": bench_api(api_records, home=home / "api"),
        "csv_gbk": bench_csv(csv_rows, home=home / "csv"),
        "csv_utf8_bom": bench_csv(csv_rows, home=home / "csv_utf8", encoding="utf-8-sig"),
    }
    results["load_raw_csv"] = bench_load_raw(home / "csv")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-records", type=int, default=50_000)
    parser.add_argument("--csv-rows", type=int, default=200_000)
    parser.add_argument(
        "--serve", nargs=2, type=int, metavar=("RECORDS", "PAGE_SIZE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.serve:
        _serve(*args.serve)
        return
    print(json.dumps(run_benchmark(args.api_records, args.csv_rows), indent=2))


if __name__ == "__main__":
    main()
