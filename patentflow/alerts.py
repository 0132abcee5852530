"""Operator alerts for failed gates and publications.

An alert must never be the reason a run crashes, and it must never leak credentials: every
channel is best effort, and the text is scrubbed of every secret the process knows before it
leaves. Logging always happens, so an alert is never lost even with no channel configured.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.parse
from dataclasses import dataclass, field
from email.message import EmailMessage

import requests

from patentflow.config import Settings

log = logging.getLogger("patentflow.alerts")

WEBHOOK_ENV = "PATENTFLOW_ALERT_WEBHOOK"
EMAIL_ENV = "PATENTFLOW_ALERT_EMAIL"
SMTP_HOST_ENV = "PATENTFLOW_SMTP_HOST"
SMTP_PORT_ENV = "PATENTFLOW_SMTP_PORT"
SMTP_USER_ENV = "PATENTFLOW_SMTP_USER"
SMTP_PASSWORD_ENV = "PATENTFLOW_SMTP_PASSWORD"
SMTP_FROM_ENV = "PATENTFLOW_SMTP_FROM"
SMTP_STARTTLS_ENV = "PATENTFLOW_SMTP_STARTTLS"
WEBHOOK_TIMEOUT_SECONDS = 10.0
REDACTED = "***"


@dataclass
class AlertOutcome:
    """Which channels took the alert; ``errors`` holds scrubbed reasons for channels that failed."""

    logged: bool = True
    webhook: bool | None = None
    email: bool | None = None
    errors: list[str] = field(default_factory=list)


def _secrets(settings: Settings, env: dict[str, str]) -> list[str]:
    """Every value that must not appear in an alert (tokens, passwords, the webhook URL)."""
    candidates = [
        settings.patent_api_token,
        settings.finance_api_token,
        env.get(SMTP_PASSWORD_ENV),
        settings.serving_bi_password,
    ]
    if settings.serving_pg_dsn:
        candidates += [settings.serving_pg_dsn,
                       urllib.parse.urlsplit(settings.serving_pg_dsn).password]
    webhook = env.get(WEBHOOK_ENV)
    if webhook:
        # webhook URLs carry their secret in the path (Slack style), the query or the userinfo
        parts = urllib.parse.urlsplit(webhook)
        candidates += [webhook, parts.password, parts.query,
                       parts.path if len(parts.path) > 1 else None]
    return sorted({c for c in candidates if c and len(c) >= 4}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """Replace every known secret in ``text``; longest first so a secret inside another goes too."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _post_webhook(url: str, subject: str, body: str) -> None:
    response = requests.post(
        url,
        data=json.dumps({"subject": subject, "body": body}, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=WEBHOOK_TIMEOUT_SECONDS,
    )
    response.raise_for_status()


def _send_email(env: dict[str, str], recipient: str, subject: str, body: str) -> None:
    host = env.get(SMTP_HOST_ENV) or "localhost"
    port = int(env.get(SMTP_PORT_ENV) or "25")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = env.get(SMTP_FROM_ENV) or f"patentflow@{host}"
    message["To"] = recipient
    message.set_content(body)
    with smtplib.SMTP(host, port, timeout=WEBHOOK_TIMEOUT_SECONDS) as smtp:
        if (env.get(SMTP_STARTTLS_ENV) or "").lower() in {"1", "true", "yes"}:
            smtp.starttls()
        user = env.get(SMTP_USER_ENV)
        if user:
            smtp.login(user, env.get(SMTP_PASSWORD_ENV) or "")
        smtp.send_message(message)


def send_alert(
    settings: Settings, subject: str, body: str, environ: dict[str, str] | None = None
) -> AlertOutcome:
    """Log the alert, then try the webhook and e-mail channels configured in the environment.

    Never raises: a broken alert channel is logged (without secrets) and reported in the outcome.
    """
    env = dict(os.environ if environ is None else environ)
    secrets = _secrets(settings, env)
    subject, body = scrub(subject, secrets), scrub(body, secrets)
    outcome = AlertOutcome()
    log.warning("ALERT: %s\n%s", subject, body)

    webhook = env.get(WEBHOOK_ENV)
    if webhook:
        try:
            _post_webhook(webhook, subject, body)
            outcome.webhook = True
        except Exception as exc:  # noqa: BLE001 - a channel failure must not stop the run
            host = urllib.parse.urlsplit(webhook).hostname or "?"
            reason = scrub(f"webhook to {host} failed: {type(exc).__name__}: {exc}", secrets)
            outcome.webhook = False
            outcome.errors.append(reason)
            log.error(reason)

    recipient = env.get(EMAIL_ENV)
    if recipient:
        try:
            _send_email(env, recipient, subject, body)
            outcome.email = True
        except Exception as exc:  # noqa: BLE001 - a channel failure must not stop the run
            reason = scrub(f"e-mail alert failed: {type(exc).__name__}: {exc}", secrets)
            outcome.email = False
            outcome.errors.append(reason)
            log.error(reason)
    return outcome
