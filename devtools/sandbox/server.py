"""Sandbox HTTP servers for the patent data service and the IP finance service.

They implement the contract's paging exactly: records ordered by (updated_at, id), an inclusive
``updated_since``, ``limit`` defaulting to 100 and capped at 1000, and an opaque cursor that
encodes the last position served (not an offset), so a cursor never skips or repeats a record.
Faults (429 with Retry-After, 500/502/503, slow answers, an outage after N requests) are drawn
from a seeded RNG so that connector tests are repeatable.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import threading
import time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from devtools.sandbox.generator import API_KEYS, Dataset

LOG = logging.getLogger(__name__)
SERVICE_PATHS: dict[str, dict[str, str]] = {
    "patent": {"/v1/patents": "patents", "/v1/legal-events": "legal-events"},
    "finance": {"/v1/pledges": "pledges", "/v1/insurance-policies": "insurance-policies",
                "/v1/roadshows": "roadshows"},
}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FaultConfig:
    """Share of requests answered with a fault; all draws come from ``seed``."""

    error_rate: float = 0.0  # answered 500, 502 or 503
    rate_limit_rate: float = 0.0  # answered 429 with Retry-After
    retry_after_seconds: int = 1
    slow_rate: float = 0.0  # answered correctly after sleeping slow_seconds
    slow_seconds: float = 0.0
    seed: int = 0
    outage_after: int | None = None  # from this many requests on, every answer is 503


def instant_micros(timestamp: str) -> int:
    """Microseconds since the epoch of an ISO 8601 timestamp that carries an offset."""
    moment = datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        raise ValueError("timestamp without offset")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class _Collection:
    """One endpoint's records, sorted once and pre-serialised for fast paging."""

    def __init__(self, entity: str, records: list[dict]) -> None:
        key_field = API_KEYS[entity]
        entries = sorted(
            ((instant_micros(r["updated_at"]), str(r[key_field]), index, r)
             for index, r in enumerate(records)),
            key=lambda e: (e[0], e[1], e[2]),
        )
        self.entity = entity
        self.positions = [(e[0], e[1], e[2]) for e in entries]
        self.bodies = [json.dumps(e[3], ensure_ascii=False).encode("utf-8") for e in entries]

    def page(self, since_micros: int | None, after: tuple[int, str, int] | None,
             limit: int) -> bytes:
        start = 0
        if since_micros is not None:
            start = bisect_left(self.positions, (since_micros,))
        if after is not None:
            start = max(start, bisect_right(self.positions, after))
        end = min(start + limit, len(self.positions))
        next_cursor = b"null"
        if end < len(self.positions) and end > start:
            next_cursor = json.dumps(encode_cursor(self.entity, self.positions[end - 1])).encode()
        return b'{"items":[' + b",".join(self.bodies[start:end]) + b'],"next_cursor":' + \
            next_cursor + b"}"


def encode_cursor(entity: str, position: tuple[int, str, int]) -> str:
    payload = json.dumps([1, entity, *position], ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")


def decode_cursor(entity: str, cursor: str) -> tuple[int, str, int]:
    """The position a cursor encodes; ValueError when it is not one of ours for ``entity``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, cursor_entity, micros, key, index = json.loads(
            base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError, TypeError) as error:
        raise ValueError("malformed cursor") from error
    if version != 1 or cursor_entity != entity or not isinstance(micros, int) \
            or not isinstance(key, str) or not isinstance(index, int):
        raise ValueError("cursor does not belong to this endpoint")
    return micros, key, index


class _FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()

    def draw(self, request_number: int) -> tuple[str, int]:
        """('ok'|'slow'|'rate_limit'|'error'|'outage', status) for the n-th request."""
        config = self.config
        if config.outage_after is not None and request_number > config.outage_after:
            return "outage", 503
        with self._lock:
            roll, status_roll = self._rng.random(), self._rng.random()
        if roll < config.rate_limit_rate:
            return "rate_limit", 429
        if roll < config.rate_limit_rate + config.error_rate:
            return "error", (500, 502, 503)[int(status_roll * 3)]
        if roll < config.rate_limit_rate + config.error_rate + config.slow_rate:
            return "slow", 200
        return "ok", 200


class SandboxServer:
    """One sandbox service (``patent`` or ``finance``) on 127.0.0.1; a context manager."""

    def __init__(self, service: str, dataset: Dataset, token: str,
                 faults: FaultConfig = FaultConfig(), host: str = "127.0.0.1", port: int = 0,
                 prefix: str = "") -> None:
        if service not in SERVICE_PATHS:
            raise ValueError(f"unknown service {service!r}")
        if not token:
            raise ValueError("a bearer token is required")
        self.service, self.token, self.faults = service, token, faults
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.advance(dataset)
        self._injector = _FaultInjector(faults)
        self._count_lock = threading.Lock()
        self.request_count = 0
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    def advance(self, dataset: Dataset) -> None:
        """Serve ``dataset`` from now on (a later day of the same history, in follow mode):
        the collections are replaced in one assignment, so a request sees one day or the other."""
        self.collections = {
            path: _Collection(entity, dataset.api_records.get(entity, []))
            for path, entity in SERVICE_PATHS[self.service].items()
        }

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever,
                                            name=f"sandbox-{self.service}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Serve on the calling thread (the detached ``serve`` process uses this)."""
        self._httpd.serve_forever()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _next_request_number(self) -> int:
        with self._count_lock:
            self.request_count += 1
            return self.request_count

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave in separate writes
            server_version = "patentflow-sandbox/1"

            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                try:
                    status, body, headers = server.answer(self.path, self.headers.get(
                        "Authorization"))
                except Exception:  # a sandbox bug must show as a 500, not a dropped socket
                    LOG.exception("sandbox failed to answer %s", self.path)
                    status, body, headers = 500, _error("internal error"), {}
                self._send(status, body, headers)

            def do_POST(self) -> None:  # noqa: N802
                server._next_request_number()
                self._send(405, _error("method not allowed"), {"Allow": "GET"})

            do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                LOG.debug("%s %s", self.address_string(), format % args)

        return Handler

    def answer(self, raw_path: str, authorization: str | None) -> tuple[int, bytes,
                                                                        dict[str, str]]:
        """(status, body, extra headers) for one GET; the request-handling logic proper."""
        number = self._next_request_number()
        fault, status = self._injector.draw(number)
        if fault == "outage":
            return 503, _error("service unavailable (outage)"), {}
        if fault == "rate_limit":
            return 429, _error("rate limited"), {
                "Retry-After": str(self.faults.retry_after_seconds)}
        if fault == "error":
            return status, _error("upstream failure"), {}
        if fault == "slow":
            time.sleep(self.faults.slow_seconds)
        if authorization != f"Bearer {self.token}":
            return 401, _error("missing or bad bearer token"), {
                "WWW-Authenticate": "Bearer"}
        parts = urlsplit(raw_path)
        path = parts.path
        if self.prefix:
            if not (path == self.prefix or path.startswith(self.prefix + "/")):
                return 404, _error("not found"), {}
            path = path[len(self.prefix):]
        collection = self.collections.get(path.rstrip("/") or "/")
        if collection is None:
            return 404, _error("not found"), {}
        try:
            since, after, limit = _paging_params(parts.query, collection.entity)
        except ValueError as error:
            return 400, _error(str(error)), {}
        return 200, collection.page(since, after, limit), {}


def _paging_params(query: str, entity: str) -> tuple[int | None, tuple[int, str, int] | None,
                                                     int]:
    params = parse_qs(query, keep_blank_values=True)
    for name, values in params.items():
        if name in ("updated_since", "limit", "cursor") and len(values) != 1:
            raise ValueError(f"{name} given more than once")
    since = after = None
    limit = DEFAULT_LIMIT
    if "updated_since" in params:
        try:
            since = instant_micros(params["updated_since"][0])
        except ValueError as error:
            raise ValueError("updated_since must be an ISO 8601 timestamp with offset") \
                from error
    if "limit" in params:
        text = params["limit"][0]
        if not text.isdigit() or int(text) < 1:
            raise ValueError("limit must be a positive integer")
        limit = min(int(text), MAX_LIMIT)
    if "cursor" in params:
        after = decode_cursor(entity, params["cursor"][0])
    return since, after, limit


def _error(message: str) -> bytes:
    return json.dumps({"error": message}).encode("utf-8")
