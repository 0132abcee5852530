"""Where a source's base URL and token come from: Settings, an Airflow connection, the sandbox.

Order: ``PATENTFLOW_*_API_URL``/``_TOKEN`` (Settings) when both are set; else the Airflow
connection ``patentflow_patent_api`` / ``patentflow_finance_api`` (host = base URL,
password = token), looked up only if Airflow is importable; else the running sandbox's
``<home>/sandbox/endpoints.json``. The token never appears in a repr or an error message.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from patentflow.core.settings import Settings

log = logging.getLogger(__name__)

AIRFLOW_CONNECTION_IDS = {
    "patent_api": "patentflow_patent_api",
    "finance_api": "patentflow_finance_api",
}


class SourceNotConfigured(RuntimeError):
    """No URL/token for a source in Settings, Airflow or the sandbox."""


@dataclass(frozen=True)
class SourceEndpoint:
    base_url: str
    token: str = field(repr=False)
    origin: str = "settings"


def _from_settings(settings: Settings, source: str) -> SourceEndpoint | None:
    url = getattr(settings, f"{source}_url", None)
    token = getattr(settings, f"{source}_token", None)
    return SourceEndpoint(url, token, "settings") if url and token else None


def _airflow_connection(conn_id: str) -> Any | None:
    if importlib.util.find_spec("airflow") is None:
        return None
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id)
    except Exception:  # noqa: BLE001 - any lookup failure means "not configured here"
        pass
    try:
        from airflow.sdk.bases.hook import BaseHook

        return BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001
        return None


def _from_airflow(source: str) -> SourceEndpoint | None:
    connection = _airflow_connection(AIRFLOW_CONNECTION_IDS[source])
    if connection is None or not getattr(connection, "host", None):
        return None
    host = str(connection.host)
    if "://" not in host:
        scheme = getattr(connection, "schema", None) or "http"
        port = getattr(connection, "port", None)
        host = f"{scheme}://{host}{f':{port}' if port else ''}"
    token = getattr(connection, "password", None)
    return SourceEndpoint(host, token, "airflow") if token else None


def _from_sandbox(settings: Settings, source: str) -> SourceEndpoint | None:
    path = settings.sandbox_dir / "endpoints.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, token = data.get(f"{source}_url"), data.get(f"{source}_token")
    if isinstance(url, str) and isinstance(token, str) and url and token:
        return SourceEndpoint(url, token, "sandbox")
    candidates = [data.get(source), data.get(source.removesuffix("_api"))]
    services = data.get("services") or data.get("endpoints")
    if isinstance(services, dict):
        candidates += [services.get(source), services.get(source.removesuffix("_api"))]
    for entry in candidates:
        if isinstance(entry, dict):
            url = entry.get("url") or entry.get("base_url")
            token = entry.get("token")
            if url and token:
                return SourceEndpoint(str(url), str(token), "sandbox")
    return None


def resolve_source(settings: Settings, source: str) -> SourceEndpoint:
    """Base URL and token for ``patent_api`` or ``finance_api``."""
    for lookup in (
        lambda: _from_settings(settings, source),
        lambda: _from_airflow(source),
        lambda: _from_sandbox(settings, source),
    ):
        endpoint = lookup()
        if endpoint is not None:
            log.info("source configured source=%s from=%s", source, endpoint.origin)
            return endpoint
    raise SourceNotConfigured(
        f"{source}: set PATENTFLOW_{source.upper()}_URL and _TOKEN, the Airflow connection"
        f" {AIRFLOW_CONNECTION_IDS[source]}, or start the sandbox"
    )
