"""Running dbt against the build warehouse and reading back what it did.

dbt runs as one ``dbt build`` per pipeline run (models, seeds and tests in DAG order), in a
subprocess so a dbt crash cannot take the Airflow task process with it. Per-model visibility comes
from ``run_results.json``, summarised into the task log and the run summary.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from patentflow.core.duck import resource_env
from patentflow.core.settings import DBT_PROJECT_DIR, Settings

log = logging.getLogger(__name__)

BUILD_FAILURE_STATUSES = {"error", "runtime error"}
TEST_FAILURE_STATUSES = {"fail", "error"}


class DbtBuildError(RuntimeError):
    """A model or seed failed to build: nothing downstream (gate, publish) may run."""

    def __init__(self, message: str, result: DbtBuildResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class DbtNodeResult:
    unique_id: str
    resource_type: str
    status: str
    execution_time: float
    failures: int | None
    message: str | None


@dataclass
class DbtBuildResult:
    returncode: int
    run_results_path: Path | None
    manifest_path: Path | None
    nodes: list[DbtNodeResult] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def failed_builds(self) -> list[DbtNodeResult]:
        return [
            n for n in self.nodes
            if n.resource_type in {"model", "seed", "snapshot"}
            and n.status in BUILD_FAILURE_STATUSES
        ]

    @property
    def failed_tests(self) -> list[DbtNodeResult]:
        return [
            n for n in self.nodes if n.resource_type in {"test", "unit_test"}
            and n.status in TEST_FAILURE_STATUSES
        ]

    def to_dict(self) -> dict:
        counts: dict[str, int] = {}
        for node in self.nodes:
            key = f"{node.resource_type}:{node.status}"
            counts[key] = counts.get(key, 0) + 1
        return {
            "returncode": self.returncode,
            "run_results_path": str(self.run_results_path) if self.run_results_path else None,
            "elapsed_seconds": round(self.elapsed_seconds, 2),
            "counts": counts,
            "failed_builds": [n.unique_id for n in self.failed_builds],
            "failed_tests": [n.unique_id for n in self.failed_tests],
            "slowest_models": [
                {"model": n.unique_id, "seconds": round(n.execution_time, 2)}
                for n in sorted(
                    (n for n in self.nodes if n.resource_type == "model"),
                    key=lambda n: n.execution_time,
                    reverse=True,
                )[:10]
            ],
        }


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["PATENTFLOW_WAREHOUSE"] = str(settings.warehouse_path)
    env.update(resource_env(settings))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def parse_run_results(path: Path) -> list[DbtNodeResult]:
    payload = json.loads(path.read_text(encoding="utf-8"))
    nodes = []
    for result in payload.get("results", []):
        unique_id = result.get("unique_id", "")
        nodes.append(
            DbtNodeResult(
                unique_id=unique_id,
                resource_type=unique_id.split(".", 1)[0],
                status=str(result.get("status")),
                execution_time=float(result.get("execution_time") or 0.0),
                failures=result.get("failures"),
                message=result.get("message"),
            )
        )
    return nodes


# The run's own inputs reach dbt as environment variables, not ``--vars``: dbt discards its
# partial-parse state whenever a command-line var changes, and these change on every run
# (``macros/run_dates.sql`` reads them; a ``--vars`` value, as tests pass, still wins).
AS_OF_ENV = "DBT_PATENTFLOW_AS_OF"
RELEASE_ID_ENV = "DBT_PATENTFLOW_RELEASE_ID"


def persistent_target_dir(settings: Settings, project_dir: Path) -> Path:
    """dbt's target directory kept between builds (its ``partial_parse.msgpack`` lets the next
    build re-parse only the files that changed), one per project checkout."""
    digest = hashlib.sha1(str(project_dir.resolve()).encode()).hexdigest()[:8]
    return settings.dbt_state_dir / f"target-{digest}"


@contextmanager
def _target_lock(target: Path) -> Iterator[None]:
    """One dbt command at a time per persistent target directory (builds of two homes never
    share one; two builds of one home are already serialised by the DuckDB writer pool)."""
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_dbt_build(
    settings: Settings,
    *,
    as_of: date,
    release_id: str,
    target_dir: Path,
    target: str = "duckdb",
    extra_vars: dict | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
    docs: bool = False,
) -> DbtBuildResult:
    """``dbt build`` with the run's variables; raises DbtBuildError when a model fails to build.

    Failing *tests* do not raise: the quality gate reads them from run_results.json and decides,
    so a failed test is reported with every other check instead of as a bare task failure.
    ``project_dir`` is the project's own dbt project; measurements and tests pass a copy.
    ``run_results.json`` and ``manifest.json`` end up in ``target_dir`` (dbt itself works in
    :func:`persistent_target_dir`); with ``docs`` the same dbt process also writes the docs
    page of what it built (``target_dir/static_index.html``, see :func:`generate_docs`).
    """
    import time

    from patentflow.core.reference import jurisdiction_region

    jurisdiction_region(settings.jurisdiction)  # an unlisted code fails before dbt starts
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    target_dir.mkdir(parents=True, exist_ok=True)
    state = persistent_target_dir(settings, project_dir)
    spec = {"common": dbt_args(settings, project_dir, state, target_dir / "logs", target,
                               extra_vars),
            "build": [], "target": str(state), "copy_to": str(target_dir), "docs": docs}
    env = {**dbt_env(settings), **run_input_env(as_of, release_id)}
    command = [sys.executable, "-m", "patentflow.warehouse.dbt_invocation", json.dumps(spec)]
    log.info("dbt build starting as_of=%s release_id=%s target=%s", as_of, release_id, target)
    started = time.monotonic()
    # Stream dbt's output into the task log as it comes, so a slow or hung model is visible
    # while the build runs; keep the tail for the error message.
    tail: list[str] = []
    with _target_lock(state), subprocess.Popen(
        command, cwd=project_dir, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log.info("dbt | %s", line.rstrip())
            tail = [*tail[-29:], line.rstrip()]
        returncode = process.wait()
    elapsed = time.monotonic() - started
    run_results = target_dir / "run_results.json"
    manifest = target_dir / "manifest.json"
    result = DbtBuildResult(
        returncode=returncode,
        run_results_path=run_results if run_results.exists() else None,
        manifest_path=manifest if manifest.exists() else None,
        nodes=parse_run_results(run_results) if run_results.exists() else [],
        elapsed_seconds=elapsed,
    )
    log.info("dbt build finished %s", json.dumps(result.to_dict(), ensure_ascii=False))
    if result.failed_builds or (returncode != 0 and not result.nodes):
        joined = "\n".join(tail)
        raise DbtBuildError(
            f"dbt build failed: {[n.unique_id for n in result.failed_builds]}\n{joined}", result
        )
    return result


def _common_args(project_dir: Path, target_path: Path, log_path: Path) -> list[str]:
    return ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
            "--target-path", str(target_path), "--log-path", str(log_path)]


def dbt_args(settings: Settings, project_dir: Path, target_path: Path, log_path: Path,
             target: str = "duckdb", extra_vars: dict | None = None) -> list[str]:
    """What every dbt command of a build takes. The ``--vars`` hold only what changes with the
    settings (never the day), so dbt's partial-parse state survives from one build to the next."""
    variables = {"jurisdiction": settings.jurisdiction,
                 "high_value_criteria": list(settings.high_value_criteria), **(extra_vars or {})}
    return [*_common_args(project_dir, target_path, log_path), "--target", target,
            "--vars", json.dumps(variables, sort_keys=True)]


def run_input_env(as_of: date, release_id: str) -> dict[str, str]:
    """The run's own inputs for dbt (``macros/run_dates.sql``)."""
    return {AS_OF_ENV: as_of.isoformat(), RELEASE_ID_ENV: release_id}


def generate_docs(settings: Settings, target_dir: Path,
                  project_dir: Path = DBT_PROJECT_DIR) -> Path | None:
    """dbt docs of what this build built, as one self-contained page
    (``target_dir/static_index.html``) from the build's own manifest.

    ``--empty-catalog`` leaves out the column types read from the warehouse: reading them would
    open the build DuckDB file, whose single writer may already be the next build. Docs are an
    aid, not a product: a failure is logged and returns None, never fails the publication.

    The build writes the page in its own dbt process (``run_dbt_build(docs=True)``); only when
    it did not is a dbt command started here."""
    page = target_dir / "static_index.html"
    if page.is_file():
        return page
    command = [
        dbt_executable(), "docs", "generate", "--static", "--empty-catalog", "--no-compile",
        *_common_args(project_dir, target_dir, target_dir / "logs"),
    ]
    completed = subprocess.run(command, cwd=project_dir, env=dbt_env(settings),
                               capture_output=True, text=True)
    if completed.returncode != 0 or not page.is_file():
        log.warning("dbt docs generate failed (%s): %s", completed.returncode,
                    (completed.stdout + completed.stderr)[-1000:])
        return None
    return page
