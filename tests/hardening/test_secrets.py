"""Secrets never reach an artefact, and published releases are read-only on disk.

A real ``patentflow run`` (Airflow DAGs, dbt, gate, publish; scale 0.005) is left with its
sandbox running (``--keep-sandbox``) so the tokens the run used can be read from
``sandbox/endpoints.json``. Every other file under ``PATENTFLOW_HOME`` — raw Parquet, quarantine,
ingestion state, build warehouse, releases and manifests, run summaries, gate.json, dbt logs and
artefacts, Airflow task logs and metadata DB, sandbox server log — is then searched for each
token, raw and in its common encodings (base64, URL-quoted, JSON-escaped). It must appear nowhere.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.e2e


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env["PATENTFLOW_HOME"] = str(home)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("secrets_home")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "patentflow.cli", "run", "--as-of", "2025-06-30",
             "--scale", "0.005", "--keep-sandbox"],
            env=_env(home), capture_output=True, text=True, timeout=900,
        )
        endpoints = home / "sandbox" / "endpoints.json"
        endpoints_bytes = endpoints.read_bytes()
        tokens = {k: v for k, v in json.loads(endpoints_bytes).items() if k.endswith("_token")}
        mode = stat.S_IMODE(endpoints.stat().st_mode)
    finally:
        subprocess.run([sys.executable, "-m", "devtools.sandbox", "down", "--home", str(home)],
                       env=_env(home), capture_output=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return home, tokens, mode, run.stdout + run.stderr, endpoints_bytes


def _forms(token: str) -> list[bytes]:
    return [token.encode(), base64.b64encode(token.encode()),
            base64.urlsafe_b64encode(token.encode()), quote(token, safe="").encode(),
            json.dumps(token).encode(), token.encode("utf-16-le")]


def test_the_run_used_two_distinct_real_tokens(finished_run) -> None:
    _, tokens, mode, _, endpoints_bytes = finished_run
    assert set(tokens) == {"patent_api_token", "finance_api_token"}
    assert all(len(token) >= 24 for token in tokens.values())
    assert mode == 0o600  # the one place that legitimately holds them is private
    for token in tokens.values():  # the search below does find a token where one is
        assert any(form in endpoints_bytes for form in _forms(token))


def test_no_token_appears_in_any_log_or_artefact(finished_run) -> None:
    home, tokens, _, console, _ = finished_run
    searched, leaks = 0, []
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.name == "endpoints.json":
            continue
        data = path.read_bytes()
        searched += 1
        for name, token in tokens.items():
            if any(form in data for form in _forms(token)):
                leaks.append(f"{name} in {path.relative_to(home)}")
    for name, token in tokens.items():
        if token in console:
            leaks.append(f"{name} on the console")
    assert leaks == []
    kinds = {p.suffix for p in home.rglob("*") if p.is_file()}
    assert {".parquet", ".duckdb", ".json", ".log", ".sqlite"} <= kinds
    assert searched > 100


def test_published_release_files_are_0444_and_directories_0555(finished_run) -> None:
    home, _, _, _, _ = finished_run
    release = (home / "releases" / "current").resolve()
    entries = [release, *release.rglob("*")]
    assert len(entries) > 5
    modes = {(p.is_dir(), stat.S_IMODE(p.stat().st_mode)) for p in entries}
    assert modes == {(True, 0o555), (False, 0o444)}
