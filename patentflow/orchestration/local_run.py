"""``patentflow run``: one statistical day end to end on the embedded stack.

Starts the sandbox source systems unless real source URLs are configured, then runs the real
Airflow DAGs (ingestion per source, then build → gate → publish) with ``airflow dags test`` for
the data interval that ends on ``as_of``, and reports where the release and run summary are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from patentflow.core.intervals import interval_for_as_of
from patentflow.core.settings import PROJECT_ROOT, Settings
from patentflow.orchestration import embedded_airflow


class RunFailed(RuntimeError):
    """A DAG run ended in a state other than success."""


@dataclass
class RunReport:
    as_of: date
    dag_states: dict[str, str] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    published_path: Path | None = None
    release_status: str | None = None  # "current", or "available" when it did not take current
    release_note: str | None = None  # why it took (or did not take) current
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
    follow: bool = False  # deliver day by day from yesterday on (``patentflow up``)


SANDBOX_MODULE = "devtools.sandbox"


def _sandbox_command(*args: str) -> list[str]:
    """The sandbox is development tooling beside the package, not part of it (it is not in the
    wheel or the image): it is run as a module of the checkout, never imported."""
    if not (PROJECT_ROOT / "devtools" / "sandbox" / "__main__.py").exists():
        raise RunFailed("no source URLs are configured (PATENTFLOW_PATENT_API_URL, "
                        "PATENTFLOW_FINANCE_API_URL) and the sandbox is not available here: it "
                        "ships with the checkout (devtools/), not with the installed package")
    return [sys.executable, "-m", SANDBOX_MODULE, *args]


def _sandbox_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def start_sandbox(settings: Settings, as_of: date | None,
                  options: SandboxOptions) -> dict[str, str]:
    """Start the sandbox servers and drop for the run's jurisdiction (its parties sit in J: a
    province's sandbox spans its cities); return the source settings they answer on. With
    ``options.follow`` it serves as of yesterday and moves on day by day (``as_of`` unused)."""
    command = _sandbox_command(
        "up", "--home", str(settings.home),
        "--drop-dir", str(settings.drop_dir), "--seed", str(options.seed),
        "--scale", str(options.scale), "--invalid-share", str(options.invalid_share),
        "--jurisdiction", settings.jurisdiction,
        *(["--follow"] if options.follow or as_of is None else ["--as-of", as_of.isoformat()]),
    )
    if options.faults:
        command += ["--faults", options.faults]
    subprocess.run(command, check=True, env=_sandbox_env(), cwd=PROJECT_ROOT)
    endpoints = json.loads((settings.sandbox_dir / "endpoints.json").read_text(encoding="utf-8"))
    return {
        "PATENTFLOW_PATENT_API_URL": endpoints["patent_api_url"],
        "PATENTFLOW_PATENT_API_TOKEN": endpoints["patent_api_token"],
        "PATENTFLOW_FINANCE_API_URL": endpoints["finance_api_url"],
        "PATENTFLOW_FINANCE_API_TOKEN": endpoints["finance_api_token"],
    }


def stop_sandbox(settings: Settings) -> None:
    command = _sandbox_command("down", "--home", str(settings.home))
    subprocess.run(command, check=False, env=_sandbox_env(), cwd=PROJECT_ROOT)


def days_between(first: date, last: date) -> list[date]:
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def run_pipeline(settings: Settings, as_of: date, sandbox: SandboxOptions | None = None,
                 echo=print, first_day: date | None = None,
                 make_current: bool = False) -> RunReport:
    """Run every DAG once for the interval ending on ``as_of``; raise RunFailed on any failure.

    Every ingestion DAG runs even when another fails (they are independent), then the build if
    the assets they updated satisfy its schedule, as under the scheduler. Each failed run gets
    one console line naming its cause (``ingest_runs.failure_line``), each quarantine warning
    one line. With ``first_day`` (a backfill) the ingestion DAGs run for every daily interval
    from ``first_day`` to ``as_of`` in order, then the build once for ``as_of``: each ingestion
    run is keyed by its own interval, so the marts equal those of a single run for ``as_of``.
    """
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
            echo(f"starting sandbox source systems (seed={options.seed}, scale={options.scale}, "
                 f"jurisdiction={settings.jurisdiction})")
            started = time.monotonic()
            extra_env = start_sandbox(settings, as_of, options)
            sandbox_started = not options.keep_running
            report.stage_seconds["sandbox"] = time.monotonic() - started
        env = embedded_airflow.airflow_env(settings, extra_env)

        runs = [(dag_id, interval_for_as_of(day)[0].isoformat())
                for day in days_between(first_day or as_of, as_of)
                for dag_id in embedded_airflow.INGESTION_DAGS]
        runs.append((embedded_airflow.BUILD_DAG, interval_for_as_of(as_of)[0].isoformat()))
        conf: dict[str, object] = {"as_of": as_of.isoformat()}
        if make_current:
            conf["make_current"] = True
        results = embedded_airflow.run_dags(
            runs, env, report.log_file, confs={embedded_airflow.BUILD_DAG: conf},
            when_triggered=(embedded_airflow.BUILD_DAG,),
            prepare_first=True,  # one Airflow start-up for the migration, the pool and the DAGs
        )
        # The runner's Airflow generated airflow.cfg if it was missing; make it say what the
        # environment says, as prepare() does, for a shell with only AIRFLOW_HOME set.
        embedded_airflow.write_cli_config(settings.airflow_home / "airflow.cfg", env)
        problems = []
        for result in results:
            key = result["dag_id"] if not first_day else \
                f"{result['dag_id']}@{result['logical_date'][:10]}"
            report.dag_states[key] = result["state"]
            report.stage_seconds[key] = result["seconds"]
            echo(f"{key}: {result['state']} ({result['seconds']:.1f}s)")
            lines = run_lines(settings, result, report.log_file)
            for line in lines:
                echo(f"  {line}")
            if result["state"] != "success":
                problems.append(lines[0] if lines else f"{key}: {result['state']}")
            if result["dag_id"] == embedded_airflow.BUILD_DAG and result.get("run_id"):
                report.summary_path = build_summary_path(settings, result["run_id"])
        release = _published_release(report.summary_path)
        if release is not None:
            report.published_path = Path(release["path"]) / "warehouse.duckdb"
            report.release_status = str(release.get("status"))
            report.release_note = release.get("current_reason")
        if not report.succeeded:
            from patentflow.release.registry import current_release_id

            served = current_release_id(settings)
            raise RunFailed(
                f"{len(problems)} of {len(results)} DAG runs did not succeed; "
                + (f"the current release is still {served}" if served else
                   "nothing is published yet") + ".\n"
                + "\n".join(problems)
                + f"\nRun summary: {report.summary_path or 'none (the build did not run)'}; "
                  f"log: {report.log_file}")
        return report
    finally:
        if sandbox_started:
            stop_sandbox(settings)


def build_summary_path(settings: Settings, airflow_run_id: str) -> Path | None:
    """The build run's own summary (never another run's for the same day)."""
    from patentflow.orchestration.tasks import safe_run_id

    path = settings.runs_dir / safe_run_id(airflow_run_id) / "summary.json"
    return path if path.is_file() else None


def _published_release(summary_path: Path | None) -> dict | None:
    if summary_path is None:
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    return summary.get("release") if summary.get("status") == "published" else None


def run_lines(settings: Settings, result: dict, log_file: Path) -> list[str]:
    """What the console says under a DAG run's state: its failure line (cause and log), its
    quarantine warnings, or why it did not run."""
    from patentflow.orchestration import ingest_runs

    dag_id, state = result["dag_id"], result["state"]
    if state == "not_triggered" or state == "not_run":
        return [f"{dag_id}: {state.replace('_', ' ')}: {result.get('reason', '')}".rstrip(": ")]
    if dag_id == embedded_airflow.BUILD_DAG:
        if not result.get("run_id"):
            return [build_failure_line(result, None, log_file)]
        from patentflow.orchestration.run_health import set_log
        from patentflow.orchestration.tasks import safe_run_id

        set_log(settings, safe_run_id(result["run_id"]), str(log_file))
        if state == "success":
            return []
        return [build_failure_line(result, build_summary_path(settings, result["run_id"]),
                                   log_file)]
    record = ingest_runs.read_record(settings, dag_id, result["run_id"]) \
        if result.get("run_id") else None
    if record is None:
        if state == "success":
            return []
        failed = [task for task, task_state in result.get("tasks", {}).items()
                  if task_state == "failed"]
        return [f"{dag_id}: FAILED tasks={','.join(failed) or '?'} "
                f"cause={result.get('reason') or 'see the log'} log={log_file}"]
    if not Path(str(record.get("log") or "")).is_file():
        record["log"] = str(log_file)  # DAG.test logs to the run's log, not per task
        ingest_runs.write_record(settings, record)
    if record.get("status") == "failed":
        return [ingest_runs.failure_line(record), *ingest_runs.warning_lines(record)]
    return ingest_runs.warning_lines(record)


def build_failure_line(result: dict, summary_path: Path | None, log_file: Path) -> str:
    """``patentflow_build: FAILED tasks=... cause=... log=...`` from the run summary."""
    failed = [task for task, state in result.get("tasks", {}).items()
              if state in ("failed", "upstream_failed") and task != "record_failure"]
    cause = failure_details(summary_path).strip().replace("\n", "; ") or result.get("reason") \
        or "a build task failed"
    return f"{result['dag_id']}: FAILED tasks={','.join(failed) or '?'} cause={cause} " \
           f"log={log_file}"


def failure_details(summary_path: Path | None) -> str:
    """The blocking checks (or the recorded failure) from a run summary, for the console."""
    if summary_path is None or not summary_path.exists():
        return ""
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    gate = summary.get("gate") or {}
    blocking = [c for c in gate.get("checks", [])
                if not c.get("success") and c.get("severity") == "error"]
    lines = [f"blocking check {c.get('name')}: {str(c.get('details'))[:200]}"
             for c in blocking[:10]]
    if not lines and summary.get("failure"):
        lines = [str(summary["failure"])]
    return "\n".join(lines)
