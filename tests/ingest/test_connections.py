"""Where source URLs and tokens come from, and that the token stays out of reprs and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patentflow.core.settings import load_settings
from patentflow.ingest.api.client import ApiClient
from patentflow.ingest.api.connections import SourceNotConfigured, resolve_source


def test_settings_win_over_the_sandbox(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "PATENTFLOW_HOME": str(tmp_path),
            "PATENTFLOW_PATENT_API_URL": "http://patents.example/api",
            "PATENTFLOW_PATENT_API_TOKEN": "from-env",
        }
    )
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "endpoints.json").write_text(
        json.dumps({"patent_api_url": "http://127.0.0.1:1", "patent_api_token": "sandbox"})
    )
    endpoint = resolve_source(settings, "patent_api")
    assert (endpoint.base_url, endpoint.token, endpoint.origin) == (
        "http://patents.example/api",
        "from-env",
        "settings",
    )
    assert "from-env" not in repr(endpoint)


def test_running_sandbox_is_used_when_nothing_is_configured(tmp_path: Path) -> None:
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path)})
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "endpoints.json").write_text(
        json.dumps(
            {
                "patent_api_url": "http://127.0.0.1:4001",
                "patent_api_token": "p-token",
                "finance_api_url": "http://127.0.0.1:4002",
                "finance_api_token": "f-token",
            }
        )
    )
    finance = resolve_source(settings, "finance_api")
    assert (finance.base_url, finance.token, finance.origin) == (
        "http://127.0.0.1:4002",
        "f-token",
        "sandbox",
    )


def test_missing_configuration_is_an_explicit_error(tmp_path: Path) -> None:
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path)})
    with pytest.raises(SourceNotConfigured, match="patentflow_finance_api"):
        resolve_source(settings, "finance_api")


def test_client_repr_masks_the_token() -> None:
    client = ApiClient("patent_api", "http://127.0.0.1:9", "super-secret-token")
    assert "super-secret-token" not in repr(client)
    client.close()


def test_airflow_connection_is_used_when_settings_have_no_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_PATENTFLOW_PATENT_API",
        json.dumps({"conn_type": "http", "host": "https://ip.example/v2", "password": "af-tok"}),
    )
    endpoint = resolve_source(load_settings({"PATENTFLOW_HOME": str(tmp_path)}), "patent_api")
    assert (endpoint.base_url, endpoint.token, endpoint.origin) == (
        "https://ip.example/v2",
        "af-tok",
        "airflow",
    )
