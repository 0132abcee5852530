"""`patentflow up` as an end-to-end test uses it: one running Airflow (api-server, scheduler,
DAG processor, triggerer, docs, the sandbox in follow mode) in a home of its own, its REST API
with the generated admin password, the ``airflow`` CLI as a user runs it (only ``AIRFLOW_HOME``
set), and waiting for what the scheduler does on its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.support.paths import BIN

T = TypeVar("T")
INGESTION_DAGS = ("patentflow_ingest_patent_api", "patentflow_ingest_finance_api",
                  "patentflow_ingest_tech_contracts", "patentflow_ingest_reference")
BUILD_DAG = "patentflow_build"
DAGS = (BUILD_DAG, *INGESTION_DAGS, "patentflow_report_monthly", "patentflow_report_yearly")
UNFINISHED = ("queued", "running")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any PATENTFLOW_/AIRFLOW setting, for ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env.update(PATENTFLOW_HOME=str(home),
               PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""), **extra)
    return env


def patentflow(env: dict[str, str], *args: str,
               timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "patentflow.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def wait_until(probe: Callable[[], T | None], what: str, timeout: float,
               every: float = 3.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


@dataclass
class RunningAirflow:
    home: Path
    env: dict[str, str]
    port: int
    docs_port: int
    up_stdout: str = ""
    up_seconds: float = 0.0
    _token: str | None = field(default=None, repr=False)

    @classmethod
    def start(cls, home: Path, scale: float) -> RunningAirflow:
        port, docs_port = free_port(), free_port()
        # Task retries a few seconds apart (as under `patentflow run`), so that a task that
        # fails three times is failed within seconds, not after production's minutes.
        env = clean_env(home, PATENTFLOW_UI_PORT=str(port), PATENTFLOW_DOCS_PORT=str(docs_port),
                        PATENTFLOW_RETRY_DELAY_SECONDS="2")
        services = cls(home, env, port, docs_port)
        started = time.monotonic()
        up = patentflow(env, "up", "--scale", str(scale), timeout=600)
        services.up_seconds = time.monotonic() - started
        services.up_stdout = up.stdout
        if up.returncode != 0:
            services.stop()
            raise AssertionError(f"patentflow up failed:\n{up.stdout[-3000:]}{up.stderr[-3000:]}")
        return services

    def stop(self) -> subprocess.CompletedProcess:
        return patentflow(self.env, "down", timeout=300)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def password_file(self) -> Path:
        return self.home / "airflow" / "simple_auth_manager_passwords.json"

    @property
    def password(self) -> str:
        return json.loads(self.password_file.read_text(encoding="utf-8"))["admin"]

    def _request(self, method: str, path: str, body: dict | None = None) -> Any:
        if self._token is None:
            self._token = self._call("POST", "/auth/token",
                                     {"username": "admin", "password": self.password},
                                     auth=False)["access_token"]
        return self._call(method, path, body)

    def _call(self, method: str, path: str, body: dict | None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: HTTP {error.code} "
                                 f"{error.read().decode()[:1000]}") from error

    def get(self, path: str) -> Any:
        return self._request("GET", path)

    def post(self, path: str, body: dict) -> Any:
        return self._request("POST", path, body)

    def runs(self, dag_id: str, **query: str) -> list[dict]:
        """The DAG's runs, oldest first (``state=...``, ``run_type=...`` filter)."""
        params = "&".join(f"{key}={value}" for key, value in query.items())
        answer = self.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=run_after"
                          + (f"&{params}" if params else ""))
        return answer["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        quoted = urllib.request.quote(run_id, safe="")
        answer = self.get(f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances")
        return {ti["task_id"]: ti for ti in answer["task_instances"]}

    def quiet(self) -> bool:
        """No ingestion or build run queued or running, and no asset event waiting to trigger
        a build: everything landed has been built."""
        return not self._busy() and not self._queued_events()

    def settled(self, hold: float = 60.0) -> bool:
        """No run queued or running, and the queued asset events (if any) unchanged for
        ``hold`` seconds: the scheduler, which evaluates the build's condition every second,
        has left them queued because they are half of its AND (``patent_api & finance_api``)
        whose other half a build already consumed; the build reads all landed data anyway."""
        if self._busy():
            self._unchanged_since = None
            return False
        events = json.dumps(self._queued_events(), sort_keys=True)
        if events == "[]":
            return True
        if getattr(self, "_unchanged_since", None) is None or self._last_events != events:
            self._unchanged_since, self._last_events = time.monotonic(), events
        return time.monotonic() - self._unchanged_since >= hold

    def _busy(self) -> list[dict]:
        return [run for dag_id in (*INGESTION_DAGS, BUILD_DAG) for run in self.runs(dag_id)
                if run["state"] in UNFINISHED]

    def _queued_events(self) -> list[dict]:
        return self.get(f"/api/v2/dags/{BUILD_DAG}/assets/queuedEvents")["queued_events"]

    def airflow(self, *args: str) -> subprocess.CompletedProcess:
        """The ``airflow`` command as the README tells a user to run it: only AIRFLOW_HOME."""
        env = clean_env(self.home, AIRFLOW_HOME=str(self.home / "airflow"))
        return subprocess.run([str(BIN / "airflow"), *args], env=env, capture_output=True,
                              text=True, timeout=300)

    def backfill(self, dag_id: str, first: str, last: str, timeout: float = 300) -> str:
        """``airflow backfill create`` over ``first``..``last``, run again while SQLite's
        one-writer race with the scheduler makes it fail ("database is locked"; the half-made
        backfill then blocks a new one, "Another backfill is running", until the scheduler
        clears it): what a user does (docs/decisions/orchestration.md). Returns its output."""
        deadline = time.monotonic() + timeout
        while True:
            created = self.airflow("backfill", "create", "--dag-id", dag_id, "--from-date",
                                   first, "--to-date", last, "--max-active-runs", "1")
            output = created.stdout + created.stderr
            if created.returncode == 0:
                return output
            racing = "database is locked" in output or "Another backfill is running" in output
            if not racing or time.monotonic() > deadline:
                raise AssertionError(f"airflow backfill create {dag_id}: {output[-3000:]}")
            time.sleep(10)

    def sandbox_day(self) -> str:
        """The day the sandbox in follow mode serves as of (it moves on at Beijing midnight)."""
        endpoints = self.home / "sandbox" / "endpoints.json"
        return json.loads(endpoints.read_text(encoding="utf-8"))["as_of"]

    def source_env(self, home: Path) -> dict[str, str]:
        """An environment for another home that reads the same sources as this one: the
        running sandbox's URLs and tokens and this home's file drop."""
        endpoints = json.loads((self.home / "sandbox" / "endpoints.json").read_text("utf-8"))
        return clean_env(home, PATENTFLOW_PATENT_API_URL=endpoints["patent_api_url"],
                         PATENTFLOW_PATENT_API_TOKEN=endpoints["patent_api_token"],
                         PATENTFLOW_FINANCE_API_URL=endpoints["finance_api_url"],
                         PATENTFLOW_FINANCE_API_TOKEN=endpoints["finance_api_token"],
                         PATENTFLOW_DROP_DIR=str(self.home / "drop"))

    def releases(self, day_prefix: str = "") -> list[Path]:
        """Published release directories (``YYYYMMDD-…``), oldest publication first."""
        found = [path for path in (self.home / "releases").glob(f"{day_prefix}*-*")
                 if (path / "manifest.json").is_file()]
        return sorted(found, key=lambda path: path.stat().st_mtime)
