"""HTTP client for the source APIs: one session per source, bounded retries, masked secrets.

The services answer 429/5xx and time out now and then (contract, common rules). A page request
is retried with exponential backoff and full jitter, honouring ``Retry-After``, within a time
budget (``PATENTFLOW_SOURCE_RETRY_SECONDS``; optionally also a number of attempts), so a dead
source fails the task instead of hanging it. Answers that cannot change by asking again (401,
403, 404 and every other 4xx but 429) fail at once. Every failure is a :class:`SourceError` that
names the source, the URL and the cause in words (``connection refused``, ``timed out``,
``HTTP 401 (token rejected)`` ...) for the console and ``patentflow health``. The bearer token
lives only in the session headers; every message that leaves this module is masked.

A hostile or broken answer must not exhaust the worker: the body is read in chunks up to
``PATENTFLOW_MAX_PAGE_BYTES`` (patentflow.core.settings), a page holding more items than the
``limit``
asked for is refused, and JSON nested deeper than the parser's recursion limit is refused. These
are answers, not transient faults, so they fail at once (:class:`HostilePage`) instead of being
retried.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from patentflow.core.redaction import MASK, redact
from patentflow.core.settings import Settings, load_settings

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop for one page request: the time budget always, a number of
    attempts when given (``None``: as many as fit in the budget)."""

    max_attempts: int | None = 10
    max_total_seconds: float = 600.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    connect_timeout: float = 5.0
    read_timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The pipeline's policy: the configured budget and timeout, attempts bounded by time."""
        timeout = float(settings.source_timeout_seconds)
        return cls(max_attempts=None, max_total_seconds=float(settings.source_retry_seconds),
                   connect_timeout=min(5.0, timeout), read_timeout=timeout)


PERMANENT_STATUS_CAUSES = {401: "HTTP 401 (token rejected)", 403: "HTTP 403 (forbidden)",
                           404: "HTTP 404 (not found)"}


class SourceError(RuntimeError):
    """A source could not deliver a page (message is token-free).

    ``cause`` says why in a few words; ``permanent`` is true when asking again cannot help (the
    answer was a 4xx, or a page outside every bound), false when the retry budget ran out.
    """

    def __init__(self, message: str, *, source: str = "", url: str = "", cause: str = "",
                 permanent: bool = False, attempts: int = 0, seconds: float = 0.0) -> None:
        super().__init__(message)
        self.source, self.url, self.cause = source, url, cause or message
        self.permanent, self.attempts, self.seconds = permanent, attempts, seconds


class AuthenticationError(SourceError):
    """401: the token is wrong or expired; retrying cannot help."""


class HostilePage(SourceError):
    """An answer outside every bound (too large, too many items, nested too deep): not retried."""


def _connection_cause(exc: BaseException) -> str:
    """``connection refused``, ``host not found`` or ``connection failed`` from the exception
    chain of a requests ConnectionError (urllib3 wraps the socket error several levels deep)."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
        pending += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            pending.append(reason)
    text = " ".join(str(e) for e in seen).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text \
            or "failed to resolve" in text or "name resolution" in text:
        return "host not found"
    if "reset by peer" in text:
        return "connection reset"
    return "connection failed"


def _transient_cause(exc: BaseException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return _connection_cause(exc)
    return f"answer broke off ({type(exc).__name__})"


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    body: bytes
    attempts: int


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class ApiClient:
    """Pages of one source API. ``sleep`` and ``rng`` are injectable so tests run fast."""

    def __init__(
        self,
        source: str,
        base_url: str,
        token: str,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.policy = policy or RetryPolicy.from_settings(load_settings())
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.headers["Accept"] = "application/json"
        self.retries = 0
        self.max_page_bytes = load_settings().limits.max_page_bytes

    def __repr__(self) -> str:
        return f"ApiClient(source={self.source!r}, base_url={self.base_url!r}, token={MASK!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _safe(self, text: str) -> str:
        return redact(text, [self._token])

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.max_delay, self.policy.base_delay * (2 ** (attempt - 1)))
        return self._rng.uniform(0, ceiling)

    def _failure(self, kind: type[SourceError], url: str, cause: str, detail: str, *,
                 permanent: bool, attempts: int, started: float) -> SourceError:
        safe_url = self._safe(url)
        return kind(f"source={self.source} url={safe_url} {self._safe(detail)}",
                    source=self.source, url=safe_url, cause=self._safe(cause),
                    permanent=permanent, attempts=attempts,
                    seconds=round(time.monotonic() - started, 2))

    def get_page(self, path: str, params: dict[str, Any]) -> Page:
        """GET one page; retries transient failures; raises :class:`SourceError` when exhausted
        or at once when the answer is permanent."""
        url = f"{self.base_url}{path}"
        started = time.monotonic()
        deadline = started + self.policy.max_total_seconds
        last_problem = cause = "no attempt made"
        attempt = 0
        transient = (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        )
        while True:
            attempt += 1
            delay: float | None = None
            try:
                response = self._session.get(
                    url,
                    params=params,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                    stream=True,  # the body is read under a size bound (see _read_body)
                )
            except transient as exc:
                last_problem, cause = f"{type(exc).__name__}", _transient_cause(exc)
            else:
                status = response.status_code
                if status == 200:
                    try:
                        page = self._parse(response, attempt, url, params)
                    except transient as exc:  # the body broke off while being read
                        page = None
                        last_problem, cause = f"{type(exc).__name__}", _transient_cause(exc)
                    else:
                        last_problem = cause = "malformed JSON page"
                    if page is not None:
                        return page
                else:
                    response.close()
                    if status not in RETRYABLE_STATUS:
                        kind = AuthenticationError if status == 401 else SourceError
                        what = "token rejected" if status == 401 else "not retryable"
                        raise self._failure(
                            kind, url, PERMANENT_STATUS_CAUSES.get(status, f"HTTP {status}"),
                            f"status={status}: {what}", permanent=True, attempts=attempt,
                            started=started)
                    last_problem, cause = f"status={status}", f"HTTP {status}"
                    if status == 429:
                        delay = _retry_after_seconds(response)
            if self.policy.max_attempts is not None and attempt >= self.policy.max_attempts:
                break
            wait = delay if delay is not None else self._backoff(attempt)
            if time.monotonic() + wait > deadline:
                last_problem += " (time budget exhausted)"
                break
            self.retries += 1
            log.warning(
                "retrying source=%s path=%s attempt=%d problem=%s wait_s=%.2f",
                self.source,
                path,
                attempt,
                self._safe(last_problem),
                wait,
            )
            self._sleep(wait)
        elapsed = time.monotonic() - started
        raise self._failure(
            SourceError, url, f"{cause} ({attempt} attempts in {elapsed:.1f} s)",
            f"gave up after {attempt} attempts: {last_problem}", permanent=False,
            attempts=attempt, started=started)

    def _hostile(self, url: str, problem: str) -> HostilePage:
        return HostilePage(f"source={self.source} url={self._safe(url)} refused page: "
                           f"{self._safe(problem)}", source=self.source, url=self._safe(url),
                           cause=f"bad page: {self._safe(problem)}", permanent=True)

    def _read_body(self, response: requests.Response, url: str) -> bytes:
        """The body, read in chunks; more than ``max_page_bytes`` is refused before it is held."""
        bound = self.max_page_bytes
        try:
            declared = int(response.headers.get("Content-Length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > bound:
            response.close()
            raise self._hostile(url, f"Content-Length {declared} bytes exceeds the bound"
                                f" {bound} (PATENTFLOW_MAX_PAGE_BYTES)")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=1024 * 1024):
            size += len(chunk)
            if size > bound:
                response.close()
                raise self._hostile(url, f"body exceeds the bound {bound} bytes"
                                    " (PATENTFLOW_MAX_PAGE_BYTES)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse(
        self, response: requests.Response, attempt: int, url: str, params: dict[str, Any]
    ) -> Page | None:
        body = self._read_body(response, url)
        try:
            data = json.loads(body)
        except RecursionError:
            raise self._hostile(url, "JSON nested deeper than the parser allows") from None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            return None
        limit = params.get("limit")
        if isinstance(limit, int) and len(data["items"]) > limit:
            raise self._hostile(
                url, f"{len(data['items'])} items on one page, more than the limit {limit} asked"
            )
        cursor = data.get("next_cursor")
        if cursor is not None and not isinstance(cursor, str):
            cursor = str(cursor)
        return Page(items=data["items"], next_cursor=cursor or None, body=body, attempts=attempt)
