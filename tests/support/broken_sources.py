"""Sources that fail the way real ones do: a closed port, a fixed HTTP status, a server that
accepts the connection and never answers, and a garbage file in the drop."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GARBAGE = bytes(range(128, 256)) * 64  # decodes as neither UTF-8 nor GB18030


def closed_port_url() -> str:
    """A URL on which nothing listens (the port was bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def status_server(status: int) -> Iterator[tuple[str, list[str]]]:
    """A server answering every request with ``status``; yields its URL and the paths asked."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            asked.append(self.path)
            body = b'{"error": "no"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never sends a byte (a hung service)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()


def drop_garbage_contract_file(drop_dir: Path, name: str = "contracts_2025-06.csv") -> Path:
    """A marked contract delivery whose bytes are no text at all."""
    folder = drop_dir / "tech_contracts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(GARBAGE)
    (folder / f"{name}.done").write_text("", encoding="utf-8")
    return path
