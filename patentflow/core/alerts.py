"""Operator alerts for failed gates and publications.

An alert must never be the reason a run crashes, and it must never leak credentials: every
channel is best effort, and the text is scrubbed of every secret the process knows before it
leaves. Logging always happens, so an alert is never lost even with no channel configured.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage

import requests

from patentflow.core.redaction import redact
from patentflow.core.settings import AlertChannels, Settings

log = logging.getLogger("patentflow.core.alerts")

WEBHOOK_TIMEOUT_SECONDS = 10.0


@dataclass
class AlertOutcome:
    """Which channels took the alert; ``errors`` holds scrubbed reasons for channels that failed."""

    logged: bool = True
    webhook: bool | None = None
    email: bool | None = None
    errors: list[str] = field(default_factory=list)


def _secrets(settings: Settings) -> list[str]:
    """Every value that must not appear in an alert: the configured secrets, plus the parts of
    URLs that carry one (a PostgreSQL password, a webhook's path or query, Slack style)."""
    candidates = list(settings.secrets)
    if settings.serving_pg_dsn:
        candidates.append(urllib.parse.urlsplit(settings.serving_pg_dsn).password)
    webhook = settings.alerts.webhook
    if webhook:
        parts = urllib.parse.urlsplit(webhook)
        candidates += [parts.password, parts.query, parts.path if len(parts.path) > 1 else None]
    # fragments shorter than 4 characters (a path of "/x") would mangle the text and hide nothing
    return [c for c in candidates if c and len(c) >= 4]


def _post_webhook(url: str, subject: str, body: str) -> None:
    response = requests.post(
        url,
        data=json.dumps({"subject": subject, "body": body}, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=WEBHOOK_TIMEOUT_SECONDS,
    )
    response.raise_for_status()


def _send_email(channels: AlertChannels, subject: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = channels.smtp_from or f"patentflow@{channels.smtp_host}"
    message["To"] = channels.email
    message.set_content(body)
    with smtplib.SMTP(channels.smtp_host, channels.smtp_port,
                      timeout=WEBHOOK_TIMEOUT_SECONDS) as smtp:
        if channels.smtp_starttls:
            smtp.starttls()
        if channels.smtp_user:
            smtp.login(channels.smtp_user, channels.smtp_password or "")
        smtp.send_message(message)


def send_alert(settings: Settings, subject: str, body: str) -> AlertOutcome:
    """Log the alert, then try the webhook and e-mail channels of ``settings.alerts``.

    Never raises: a broken alert channel is logged (without secrets) and reported in the outcome.
    """
    secrets = _secrets(settings)
    subject, body = redact(subject, secrets), redact(body, secrets)
    outcome = AlertOutcome()
    log.warning("ALERT: %s\n%s", subject, body)

    webhook = settings.alerts.webhook
    if webhook:
        try:
            _post_webhook(webhook, subject, body)
            outcome.webhook = True
        except Exception as exc:  # noqa: BLE001 - a channel failure must not stop the run
            host = urllib.parse.urlsplit(webhook).hostname or "?"
            reason = redact(f"webhook to {host} failed: {type(exc).__name__}: {exc}", secrets)
            outcome.webhook = False
            outcome.errors.append(reason)
            log.error(reason)

    if settings.alerts.email:
        try:
            _send_email(settings.alerts, subject, body)
            outcome.email = True
        except Exception as exc:  # noqa: BLE001 - a channel failure must not stop the run
            reason = redact(f"e-mail alert failed: {type(exc).__name__}: {exc}", secrets)
            outcome.email = False
            outcome.errors.append(reason)
            log.error(reason)
    return outcome
