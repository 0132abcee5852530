"""``patentflow run``: one statistical day end to end on the embedded stack.

Starts the sandbox source systems unless real source URLs are configured, then runs the real
Airflow DAGs (ingestion per source, then build → gate → publish) with ``airflow dags test`` for
the data interval that ends on ``as_of``, and reports where the release and run summary are.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from patentflow import airflow_local
from patentflow.config import Settings
from patentflow.intervals import interval_for_as_of


class RunFailed(RuntimeError):
    """A DAG run ended in a state other than success."""


@dataclass
class RunReport:
    as_of: date
    dag_states: dict[str, str] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    published_path: Path | None = None
    summary_path: Path | None = None
    log_file: Path | None = None

    @property
    def succeeded(self) -> bool:
        return bool(self.dag_states) and all(s == "success" for s in self.dag_states.values())


@dataclass(frozen=True)
class SandboxOptions:
    seed: int = 42
    scale: float = 0.02
    invalid_share: float = 0.01
    faults: str | None = None
    keep_running: bool = False


def start_sandbox(settings: Settings, as_of: date, options: SandboxOptions) -> dict[str, str]:
    """Start the sandbox servers and drop; return the source settings they answer on."""
    command = [
        sys.executable, "-m", "ingestion.sandbox", "up", "--home", str(settings.home),
        "--drop-dir", str(settings.drop_dir), "--seed", str(options.seed),
        "--scale", str(options.scale), "--as-of", as_of.isoformat(),
        "--invalid-share", str(options.invalid_share),
    ]
    if options.faults:
        command += ["--faults", options.faults]
    subprocess.run(command, check=True)
    endpoints = json.loads((settings.sandbox_dir / "endpoints.json").read_text(encoding="utf-8"))
    return {
        "PATENTFLOW_PATENT_API_URL": endpoints["patent_api_url"],
        "PATENTFLOW_PATENT_API_TOKEN": endpoints["patent_api_token"],
        "PATENTFLOW_FINANCE_API_URL": endpoints["finance_api_url"],
        "PATENTFLOW_FINANCE_API_TOKEN": endpoints["finance_api_token"],
    }


def stop_sandbox(settings: Settings) -> None:
    command = [sys.executable, "-m", "ingestion.sandbox", "down", "--home", str(settings.home)]
    subprocess.run(command, check=False)


def run_pipeline(settings: Settings, as_of: date, sandbox: SandboxOptions | None = None,
                 echo=print) -> RunReport:
    """Run every DAG once for the interval ending on ``as_of``; raise RunFailed on any failure."""
    report = RunReport(as_of=as_of)
    settings.home.mkdir(parents=True, exist_ok=True)
    report.log_file = settings.home / "airflow" / f"run-{as_of.isoformat()}.log"
    report.log_file.parent.mkdir(parents=True, exist_ok=True)
    report.log_file.write_text("", encoding="utf-8")
    sandbox_started = False
    try:
        extra_env: dict[str, str] = {}
        if settings.uses_sandbox:
            options = sandbox or SandboxOptions()
            echo(f"starting sandbox source systems (seed={options.seed}, scale={options.scale})")
            started = time.monotonic()
            extra_env = start_sandbox(settings, as_of, options)
            sandbox_started = not options.keep_running
            report.stage_seconds["sandbox"] = time.monotonic() - started
        env = airflow_local.airflow_env(settings, extra_env)
        started = time.monotonic()
        airflow_local.prepare(settings, env, report.log_file)
        report.stage_seconds["airflow_prepare"] = time.monotonic() - started

        interval_start, _ = interval_for_as_of(as_of)
        dag_ids = [*airflow_local.INGESTION_DAGS, airflow_local.BUILD_DAG]
        results = airflow_local.run_dags(
            dag_ids, interval_start.isoformat(), env, report.log_file,
            confs={airflow_local.BUILD_DAG: {"as_of": as_of.isoformat()}},
        )
        for dag_id, result in results.items():
            report.dag_states[dag_id] = result["state"]
            report.stage_seconds[dag_id] = result["seconds"]
            echo(f"{dag_id}: {result['state']} ({result['seconds']:.1f}s)")
        report.summary_path = latest_summary(settings, as_of)
        if not report.succeeded:
            raise RunFailed(f"run failed ({report.dag_states}); the previous release is still "
                            f"served. Run summary: {report.summary_path}; log: {report.log_file}")
        from patentflow.releases import published_path

        report.published_path = published_path(settings)
        return report
    finally:
        if sandbox_started:
            stop_sandbox(settings)


def latest_summary(settings: Settings, as_of: date) -> Path | None:
    candidates = [
        path for path in settings.runs_dir.glob("*/summary.json")
        if json.loads(path.read_text(encoding="utf-8")).get("as_of") == as_of.isoformat()
    ]
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None
