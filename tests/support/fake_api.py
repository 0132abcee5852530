"""A small contract-conformant fake of the source APIs, with fault injection, for tests.

Serves ``{"items": [...], "next_cursor": ...}`` pages ordered by (updated_at, id), honours
``updated_since`` (inclusive), ``limit`` (default 100, capped at 1000) and an opaque cursor, checks
the bearer token, and injects 5xx, 429 with ``Retry-After`` and slow answers at seeded rates.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from patentflow.core.settings import Settings, load_settings
from patentflow.ingest.api.client import RetryPolicy
from tests.support.builders import ID_FIELDS


@dataclass
class Faults:
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after_seconds: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    seed: int = 7
    page_delay: float = 0.0  # every successful page takes at least this long
    outage_after: int | None = None  # from this many requests on, every answer is 503


@dataclass
class FakeSource:
    """Records per path; ``requests`` logs (path, status, query) of every request served."""

    token: str
    records: dict[str, list[dict[str, Any]]]
    id_fields: dict[str, str]
    faults: Faults = field(default_factory=Faults)
    requests: list[tuple[str, int, dict[str, list[str]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def ordered(self, path: str) -> list[dict[str, Any]]:
        id_field = self.id_fields[path]
        return sorted(
            self.records[path],
            key=lambda r: (datetime.fromisoformat(r["updated_at"]), str(r[id_field])),
        )

    def page(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        id_field = self.id_fields[path]
        rows = self.ordered(path)
        since = query.get("updated_since", [None])[0]
        if since:
            floor = datetime.fromisoformat(since)
            rows = [r for r in rows if datetime.fromisoformat(r["updated_at"]) >= floor]
        cursor = query.get("cursor", [None])[0]
        if cursor:
            last_ts, last_id = json.loads(base64.urlsafe_b64decode(cursor))
            last_key = (datetime.fromisoformat(last_ts), last_id)
            rows = [
                r
                for r in rows
                if (datetime.fromisoformat(r["updated_at"]), str(r[id_field])) > last_key
            ]
        limit = min(int(query.get("limit", ["100"])[0]), 1000)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            tail = items[-1]
            next_cursor = base64.urlsafe_b64encode(
                json.dumps([tail["updated_at"], str(tail[id_field])]).encode()
            ).decode()
        return {"items": items, "next_cursor": next_cursor}

    def decide_fault(self) -> str | None:
        with self._lock:
            roll = self._rng.random()
        f = self.faults
        if roll < f.error_rate:
            return "error"
        if roll < f.error_rate + f.rate_limit_rate:
            return "rate_limit"
        if roll < f.error_rate + f.rate_limit_rate + f.slow_rate:
            return "slow"
        return None

    def __enter__(self) -> FakeSource:
        source = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if self.headers.get("Authorization") != f"Bearer {source.token}":
                    source.requests.append((url.path, 401, query))
                    return self._send(401, b'{"error": "unauthorized"}')
                if url.path not in source.records:
                    source.requests.append((url.path, 404, query))
                    return self._send(404, b"{}")
                fault = source.decide_fault()
                outage = source.faults.outage_after
                if outage is not None and len(source.requests) >= outage:
                    fault = "outage"
                if fault == "outage":
                    source.requests.append((url.path, 503, query))
                    return self._send(503, b"down")
                if fault == "error":
                    with source._lock:
                        status = source._rng.choice([500, 502, 503])
                    source.requests.append((url.path, status, query))
                    return self._send(status, b"oops")
                if fault == "rate_limit":
                    source.requests.append((url.path, 429, query))
                    return self._send(
                        429, b"{}", {"Retry-After": str(source.faults.retry_after_seconds)}
                    )
                if fault == "slow":
                    time.sleep(source.faults.slow_seconds)
                if source.faults.page_delay:
                    time.sleep(source.faults.page_delay)
                body = json.dumps(source.page(url.path, query), ensure_ascii=False).encode()
                source.requests.append((url.path, 200, query))
                return self._send(200, body, {"Content-Type": "application/json"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# --- a fake serving both APIs, and settings pointing at it -------------------------------

TOKEN = "tok-7f3a9c-very-secret"
FAST_RETRY = RetryPolicy(base_delay=0.001, max_delay=0.01, max_attempts=30)


def settings_for(home: Path, source: FakeSource) -> Settings:
    return load_settings(
        {
            "PATENTFLOW_HOME": str(home),
            "PATENTFLOW_PATENT_API_URL": source.url,
            "PATENTFLOW_PATENT_API_TOKEN": TOKEN,
            "PATENTFLOW_FINANCE_API_URL": source.url,
            "PATENTFLOW_FINANCE_API_TOKEN": TOKEN,
        }
    )


def fake(records: dict[str, list], faults: Faults | None = None) -> FakeSource:
    paths = {path: records.get(path, []) for path in ID_FIELDS}
    return FakeSource(TOKEN, paths, ID_FIELDS, faults or Faults())
