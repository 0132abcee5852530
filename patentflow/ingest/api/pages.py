"""Follow an API's cursor chain, fetching the next pages in the background.

Network waits (and the server's own time) overlap with validating and staging the pages
already received. Pages are still consumed strictly in cursor order, and nothing is
checkpointed from here: a page fetched ahead but not yet staged is simply fetched again after
a crash, so prefetching never weakens the exactly-once guarantee.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from patentflow.core.redaction import redact
from patentflow.ingest.api.client import ApiClient, SourceError

_END = object()


@dataclass(frozen=True)
class FetchedPage:
    origin: str  # endpoint and the cursor this page was requested with
    checksum: str  # sha256 of the body as received
    extracted_at: datetime
    items: list[Any]
    next_cursor: str | None


class PageStream:
    """Iterator of :class:`FetchedPage` from ``start_cursor`` to the end of the chain."""

    def __init__(
        self,
        client: ApiClient,
        path: str,
        params: dict[str, Any],
        start_cursor: str | None,
        *,
        ahead: int = 2,
    ) -> None:
        self._client = client
        self._path = path
        self._params = params
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, ahead))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(start_cursor,), name=f"prefetch{path}", daemon=True
        )
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, cursor: str | None) -> None:
        try:
            while not self._stop.is_set():
                params = dict(self._params)
                if cursor:
                    params["cursor"] = cursor
                page = self._client.get_page(self._path, params)
                if page.next_cursor is not None and page.next_cursor == cursor:
                    url = redact(f"{self._client.base_url}{self._path}")
                    raise SourceError(
                        f"source={self._client.source} url={url}: the source answered the same"
                        " cursor again; stopping instead of looping",
                        source=self._client.source, url=url,
                        cause="bad page: the same cursor again", permanent=True,
                    )
                fetched = FetchedPage(
                    origin=f"{self._path}?cursor={cursor or ''}",
                    checksum=hashlib.sha256(page.body).hexdigest(),
                    extracted_at=datetime.now(UTC),
                    items=page.items,
                    next_cursor=page.next_cursor,
                )
                if not self._put(fetched):
                    return
                if page.next_cursor is None:
                    self._put(_END)
                    return
                cursor = page.next_cursor
        except BaseException as exc:  # handed to the consumer, raised in its thread
            self._put(exc)

    def next_page(self) -> FetchedPage | None:
        """The next page in cursor order, ``None`` after the last; re-raises fetch errors."""
        item = self._queue.get()
        if item is _END:
            self._put(_END)  # stay exhausted for further calls
            return None
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __enter__(self) -> PageStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
