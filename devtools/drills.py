"""Failure drills: run pipeline stages in a killable process and watch the served release.

The drills (tests/test_drills_*.py, docs/hardening.md) kill the pipeline with SIGKILL in the
middle of ingestion, ``dbt build`` and publication, then re-run it. They drive the stages through
:mod:`patentflow.orchestration.tasks` (the very functions the Airflow tasks call) in a child
process of its own
session instead of going through Airflow: Airflow adds ~20 s of start-up per run and its own
retry/state machinery, which would blur what is being tested (that the *work* is crash-safe)
and make each drill several times slower on a shared 2-core machine. Killing the whole process
group also takes down the ``dbt`` subprocess, as a dying worker host would.

``python -m devtools.drills STAGE --as-of YYYY-MM-DD [--run-id ID]`` with ``STAGE`` one of
``ingest`` (all four sources), ``load_raw``, ``dbt_build``, ``quality_gate``, ``publish``,
``build`` (the last four in order) or ``all``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from patentflow.core.intervals import interval_for_as_of
from patentflow.orchestration import tasks

BUILD_STAGES = ("load_raw", "dbt_build", "quality_gate", "publish")
STAGES = ("ingest", *BUILD_STAGES, "build", "all")
REPO_ROOT = Path(__file__).resolve().parent.parent


def run_stage(stage: str, as_of: date, run_id: str) -> None:
    """Run ``stage`` for the day ``as_of`` as Airflow run ``run_id`` would."""
    start, end = interval_for_as_of(as_of)
    ctx = tasks.resolve_build_context(airflow_run_id=run_id, conf={"as_of": as_of.isoformat()},
                                      data_interval_end=end, triggering_as_of=[])
    steps: list[str]
    if stage == "all":
        steps = ["ingest", *BUILD_STAGES]
    elif stage == "build":
        steps = list(BUILD_STAGES)
    else:
        steps = [stage]
    for step in steps:
        print(f"drill stage={step} started", flush=True)
        if step == "ingest":
            for source in tasks.INGESTION_ENTRY_POINTS:
                tasks.ingest_source(source, start, end)
        elif step == "load_raw":
            tasks.load_raw(ctx)
        elif step == "dbt_build":
            tasks.dbt_build(ctx)
        elif step == "quality_gate":
            tasks.quality_gate(ctx)
        elif step == "publish":
            tasks.publish(ctx, start, end)
        print(f"drill stage={step} finished", flush=True)


def source_env(home: Path) -> dict[str, str]:
    """``PATENTFLOW_*_API_URL/_TOKEN`` of the sandbox running for ``home`` (endpoints.json)."""
    endpoints = json.loads((home / "sandbox" / "endpoints.json").read_text(encoding="utf-8"))
    return {
        "PATENTFLOW_PATENT_API_URL": endpoints["patent_api_url"],
        "PATENTFLOW_PATENT_API_TOKEN": endpoints["patent_api_token"],
        "PATENTFLOW_FINANCE_API_URL": endpoints["finance_api_url"],
        "PATENTFLOW_FINANCE_API_TOKEN": endpoints["finance_api_token"],
    }


def stage_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment for a stage process: this home only, no inherited pipeline settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PATENTFLOW_", "AIRFLOW"))}
    env["PATENTFLOW_HOME"] = str(home)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def start_stage(home: Path, stage: str, as_of: date, run_id: str, log_file: Path,
                extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a stage in its own session (so the whole group, dbt included, can be killed)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handle = log_file.open("ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "devtools.drills", stage, "--as-of", as_of.isoformat(),
             "--run-id", run_id],
            env=stage_env(home, extra_env), stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=REPO_ROOT,
        )
    finally:
        handle.close()


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the stage process and every child of its session (e.g. dbt); reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)
    wait_until(lambda: not group_members(process.pid), timeout=10)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``, from /proc."""
    members = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat_file.parent.name))
    return members


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until true or ``timeout`` seconds passed; returns the last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@dataclass
class ReleaseReader:
    """A BI client in a thread: reads ``releases/current`` over and over, counting failures.

    Each read resolves the ``current`` symlink, opens the release read-only and sums the
    published indicator rows, like a dashboard refresh would.
    """

    home: Path
    interval: float = 0.1
    reads: int = 0
    failures: list[str] = field(default_factory=list)
    release_ids: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def read_once(self) -> None:
        import duckdb

        current = self.home / "releases" / "current"
        try:
            target = current.resolve(strict=True)
            with duckdb.connect(str(target / "warehouse.duckdb"), read_only=True) as con:
                rows = con.execute("SELECT count(*) FROM marts.indicator_values").fetchone()[0]
            if rows <= 0:
                self.failures.append(f"{target.name}: no indicator rows")
            self.release_ids.add(target.name)
            self.reads += 1
        except Exception as exc:  # noqa: BLE001 - every failure is what the drill records
            self.failures.append(f"{type(exc).__name__}: {exc}"[:300])

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.read_once()
            self._stop.wait(self.interval)

    def __enter__(self) -> ReleaseReader:
        self._thread = threading.Thread(target=self._loop, name="release-reader", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.drills")
    parser.add_argument("stage", choices=STAGES)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--run-id", default="drill")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_stage(args.stage, date.fromisoformat(args.as_of), args.run_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
