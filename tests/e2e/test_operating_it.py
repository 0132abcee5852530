"""`patentflow up` / `make up` as a data engineer uses it: the UI answers healthy on 127.0.0.1,
one logs in with the password from the home's private file, the seven DAGs are listed, the
scheduler runs the daily ingestion and the asset-triggered build on its own, and a successful
``patentflow_build`` run shows its task log in the log pane; `patentflow down` then stops
everything it started, by process id, and nothing is left listening.

The browser part runs a real headless Chromium (skipped, with the reason, when there is none);
the screenshots stay in ``test-artifacts/operating-it/`` for a human look."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from patentflow.report.browser import find_chromium
from tests.support.paths import ARTIFACTS

pytestmark = pytest.mark.e2e

DAGS = ("patentflow_build", "patentflow_ingest_finance_api", "patentflow_ingest_patent_api",
        "patentflow_ingest_reference", "patentflow_ingest_tech_contracts",
        "patentflow_report_monthly", "patentflow_report_yearly")
SHOTS = ARTIFACTS / "operating-it"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _patentflow(env: dict, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patentflow.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def _api(base: str, token: str, path: str) -> dict:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def _token(base: str, password: str) -> str:
    request = urllib.request.Request(
        base + "/auth/token", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": "admin", "password": password}).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["access_token"]


def _pids_of(home: Path) -> list[int]:
    """Processes whose command line or environment names this home (what `up` started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            text = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (f"PATENTFLOW_HOME={home}".encode() in text
                             or b"devtools.sandbox" in text and str(home).encode() in text):
            found.append(int(entry.name))
    return found


def test_up_log_in_see_the_dags_and_a_build_log_then_down(tmp_path):
    home, port = tmp_path / "home", _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env.update(PATENTFLOW_HOME=str(home), PATENTFLOW_UI_PORT=str(port),
               PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    base = f"http://127.0.0.1:{port}"
    started = _patentflow(env, "up", "--scale", "0.01")
    try:
        assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
        # it printed where the UI is and how to log in, never the password itself
        password_file = home / "airflow" / "simple_auth_manager_passwords.json"
        password = json.loads(password_file.read_text())["admin"]
        assert f"Airflow UI: {base}" in started.stdout
        assert str(password_file) in started.stdout and password not in started.stdout
        assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
        health = json.load(urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=30))
        assert {health[part]["status"] for part in
                ("metadatabase", "scheduler", "dag_processor", "triggerer")} == {"healthy"}
        status = _patentflow(env, "status")
        assert all(f"{name}: running" in status.stdout
                   for name in ("api-server", "scheduler", "dag-processor", "triggerer"))

        token = _token(base, password)
        listed = _api(base, token, "/api/v2/dags")
        assert sorted(d["dag_id"] for d in listed["dags"]) == sorted(DAGS)
        assert not any(d["is_paused"] for d in listed["dags"])  # the schedules really run

        # the scheduler runs yesterday's ingestion and then the asset-triggered build by itself
        deadline, build = time.monotonic() + 900, None
        while build is None and time.monotonic() < deadline:
            runs = _api(base, token, "/api/v2/dags/patentflow_build/dagRuns?state=success")
            build = runs["dag_runs"][0] if runs["dag_runs"] else None
            time.sleep(5)
        assert build is not None, "no successful patentflow_build run within 15 minutes"
        run_id = build["dag_run_id"]
        log = home / "airflow" / "logs" / "dag_id=patentflow_build" / f"run_id={run_id}"
        assert (log / "task_id=publish" / "attempt=1.log").is_file()  # Airflow's own layout

        if find_chromium() is not None:
            _look_in_the_browser(base, password, run_id)
    finally:
        stopped = _patentflow(env, "down", timeout=300)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped: api-server, scheduler, dag-processor, triggerer" in stopped.stdout
    assert not _listening(port)
    assert _pids_of(home) == []
    assert "stopped" in _patentflow(env, "status").stdout
    if find_chromium() is None:
        pytest.skip("up, API and down checked; the browser part needs Chromium on PATH "
                    "(apt-get install -y chromium)")


def _look_in_the_browser(base: str, password: str, run_id: str) -> None:
    from tests.support.browser import Browser

    with Browser() as browser:
        browser.open(base + "/")
        browser.wait_for(lambda text: "Sign in" in text, "the login form")
        browser.fill("input[name=username]", "admin")
        browser.fill("input[name=password]", password)
        browser.click("button[type=submit]")
        browser.wait_for(lambda text: "Sign in" not in text and "Dags" in text, "home page")
        browser.open(base + "/dags")
        text = browser.wait_for(lambda text: all(dag in text for dag in DAGS),
                                "all seven DAGs")
        assert "7 Dags" in text
        assert "+08:00" in text  # the UI clock is Beijing time
        browser.screenshot(SHOTS / "dag-list.png")
        quoted = urllib.parse.quote(run_id, safe="")
        browser.open(f"{base}/dags/patentflow_build/runs/{quoted}/tasks/publish")
        text = browser.wait_for(lambda text: "Returned value was" in text,
                                "the publish task's log in the log pane")
        assert "Success" in text and "release_id" in text
        browser.screenshot(SHOTS / "build-run-publish-log.png")
