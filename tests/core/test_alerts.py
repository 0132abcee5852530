"""Alerts always log, reach the configured webhook/e-mail, never raise and never leak secrets."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from patentflow.core import alerts
from patentflow.core.settings import load_settings

API_TOKEN = "patent-token-9f8e7d"
WEBHOOK_SECRET = "hook-secret-123456"


class Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        length = int(self.headers["Content-Length"])
        Recorder.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def webhook_url() -> Iterator[str]:
    Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook?key={WEBHOOK_SECRET}"
    finally:
        server.shutdown()
        server.server_close()


def settings_with_token(tmp_path: Path, **channels: str):
    """Settings holding the API token, plus alert channels given as PATENTFLOW_* variables."""
    return load_settings({"PATENTFLOW_HOME": str(tmp_path),
                          "PATENTFLOW_PATENT_API_TOKEN": API_TOKEN, **channels})


def test_webhook_receives_scrubbed_json(tmp_path: Path, webhook_url: str,
                                        caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_with_token(tmp_path, PATENTFLOW_ALERT_WEBHOOK=webhook_url)
    with caplog.at_level(logging.WARNING, logger="patentflow.core.alerts"):
        outcome = alerts.send_alert(settings, "gate failed",
                                    f"request with Bearer {API_TOKEN} to {webhook_url}")

    assert outcome.webhook is True and outcome.errors == []
    [posted] = Recorder.received
    assert posted["subject"] == "gate failed"
    assert API_TOKEN not in posted["body"] and WEBHOOK_SECRET not in posted["body"]
    assert "Bearer ***" in posted["body"]
    assert any("gate failed" in r.getMessage() for r in caplog.records)
    assert all(API_TOKEN not in r.getMessage() for r in caplog.records)


def test_unreachable_webhook_is_reported_not_raised(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:9/hook?key={WEBHOOK_SECRET}"  # discard port: nothing listens
    with caplog.at_level(logging.WARNING, logger="patentflow.core.alerts"):
        outcome = alerts.send_alert(
            settings_with_token(tmp_path, PATENTFLOW_ALERT_WEBHOOK=url), "s", "b")

    assert outcome.webhook is False
    assert len(outcome.errors) == 1 and "127.0.0.1" in outcome.errors[0]
    assert all(WEBHOOK_SECRET not in r.getMessage() for r in caplog.records)
    assert WEBHOOK_SECRET not in outcome.errors[0]


def test_email_goes_through_smtp_with_login(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def starttls(self) -> None:
            sent.append(("starttls",))

        def login(self, user: str, password: str) -> None:
            sent.append(("login", user, password))

        def send_message(self, message) -> None:
            sent.append(("message", message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(alerts.smtplib, "SMTP", FakeSMTP)
    settings = settings_with_token(
        tmp_path, PATENTFLOW_ALERT_EMAIL="stats@jinan.example", PATENTFLOW_SMTP_HOST="mail.example",
        PATENTFLOW_SMTP_PORT="587", PATENTFLOW_SMTP_USER="bot",
        PATENTFLOW_SMTP_PASSWORD="mail-pass-777", PATENTFLOW_SMTP_STARTTLS="true")
    outcome = alerts.send_alert(settings, "gate failed", "smtp pass is mail-pass-777")

    assert outcome.email is True
    assert sent[0] == ("connect", "mail.example", 587)
    assert ("starttls",) in sent and ("login", "bot", "mail-pass-777") in sent
    message = sent[-1]
    assert message[1] == "stats@jinan.example" and message[2] == "gate failed"
    assert "mail-pass-777" not in message[3]


def test_without_channels_only_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="patentflow.core.alerts"):
        outcome = alerts.send_alert(settings_with_token(tmp_path), "subject", "body")

    assert (outcome.logged, outcome.webhook, outcome.email) == (True, None, None)
    assert any("subject" in r.getMessage() for r in caplog.records)


def test_postgres_serving_credentials_never_reach_an_alert(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings({
        "PATENTFLOW_HOME": str(tmp_path),
        "PATENTFLOW_SERVING_PG_DSN": "postgresql://owner:dsn-pass-4711@127.0.0.1:5432/bi",
        "PATENTFLOW_SERVING_BI_PASSWORD": "reader-pass-0815",
    })
    with caplog.at_level(logging.WARNING, logger="patentflow.core.alerts"):
        alerts.send_alert(settings, "serving failed",
                          "could not connect with dsn-pass-4711 as reader-pass-0815")
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "serving failed" in messages
    assert "dsn-pass-4711" not in messages and "reader-pass-0815" not in messages
