"""Measurement: one ``dbt build`` + run_results.json against astronomer-cosmos.

Both approaches run the same dbt project (a private copy, so nothing is written into the
repository's ``dbt_project/target``) against copies of the same fixture warehouse:

(a) ``current``: what ``patentflow.warehouse.dbt_runner.run_dbt_build`` does in the ``dbt_build``
task: one
    ``dbt build`` subprocess, then ``run_results.json`` parsed into per-node results;
(b) ``cosmos``: ``benchmarks/cosmos_dbt_dag.py``, a ``DbtDag`` with one task per model / seed plus
    a test task after each (``TestBehavior.AFTER_EACH``), ``InvocationMode.DBT_RUNNER``, run
    end to end with ``DAG.test`` on an embedded SQLite Airflow (what ``patentflow run`` uses),
    serialised with ``max_active_tasks=1`` because DuckDB allows one writer per file.

Measured: DAG-file parse time (the DAG processor pays it on every loop; ``LoadMode.DBT_MANIFEST``
and ``LoadMode.DBT_LS``), number of Airflow tasks, end-to-end wall time, peak RSS, and lock
conflicts ("Could not set lock" in any log). A separate probe starts two dbt invocations at once
against one DuckDB file, which is what two parallel cosmos tasks do without the serialisation.

Every measurement runs in a fresh child process (``--child``) so that peak RSS and import costs
are its own and one measurement cannot warm another. The machine is shared: each measurement is
repeated (``--repeats``) and the median reported with the load average at the time.

Usage: ``python -m benchmarks.dbt_orchestration [--scale-patents N] [--repeats 3]
[--run-repeats 3] [--cosmos-run-repeats 1] [--skip-parse] [--out results.json] [--keep]``.
Without ``--scale-patents`` the small hand-made fixture (devtools/raw_fixture.py) is used.
Results of 2026-11-26 and the decision: docs/decisions/dbt-orchestration.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
BUILD_DAG_FILE = REPO_ROOT / "dags" / "patentflow_build.py"
COSMOS_DAG_FILE = REPO_ROOT / "benchmarks" / "cosmos_dbt_dag.py"
COSMOS_DAG_ID = "patentflow_cosmos_bench"
AS_OF = "2025-06-30"
RELEASE_ID = "bench"
RESULT_PREFIX = "PATENTFLOW_BENCH_RESULT "
LOCK_MARKER = "could not set lock"


@dataclass(frozen=True)
class BenchPaths:
    """Where one bench invocation keeps its state (all under one temporary directory)."""

    root: Path

    @property
    def project(self) -> Path:
        return self.root / "dbt_project"

    @property
    def manifest(self) -> Path:
        return self.project / "target" / "manifest.json"

    @property
    def fixture(self) -> Path:
        return self.root / "fixture.duckdb"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"


def dbt_vars() -> dict[str, str]:
    return {"as_of": AS_OF, "release_id": RELEASE_ID}


def own_peak_rss_kib() -> float:
    """This process's own peak RSS (``VmHWM``, KiB).

    Not ``getrusage(RUSAGE_SELF)``: Linux carries ``ru_maxrss`` across ``execve``, so a child
    started by the bench after it built a 100k-patent fixture in memory would report the bench's
    peak instead of its own. ``VmHWM`` belongs to the address space, which exec replaces.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def peak_rss_mb() -> dict[str, float]:
    """Peak RSS of this process and of its largest waited-for child (Linux reports KiB).

    Not a sum: dbt runs in one process at a time in both approaches, so the largest process is
    what has to fit in a worker slot.
    """
    own = own_peak_rss_kib() / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self_mb": round(own, 1), "children_mb": round(children, 1),
            "peak_mb": round(max(own, children), 1)}


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def bench_env(paths: BenchPaths, warehouse: Path, load_mode: str = "dbt_manifest",
              dags_folder: Path | None = None) -> dict[str, str]:
    """Environment of a child: embedded SQLite Airflow, cosmos cache and the warehouse to use."""
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env.update({
        "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
        "AIRFLOW_HOME": str(paths.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder or COSMOS_DAG_FILE.parent),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{paths.airflow_home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(paths.airflow_home / "logs"),
        # A private cosmos cache: partial-parse files must not leak between measurements.
        "AIRFLOW__COSMOS__CACHE_DIR": str(paths.root / "cosmos_cache"),
        # No usage pings from every task: the machine has no way out, and a ping is not dbt work.
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "PATENTFLOW_BENCH_PROJECT_DIR": str(paths.project),
        "PATENTFLOW_BENCH_MANIFEST": str(paths.manifest),
        "PATENTFLOW_BENCH_LOAD_MODE": load_mode,
        "PATENTFLOW_BENCH_VARS": json.dumps(dbt_vars()),
        "PATENTFLOW_WAREHOUSE": str(warehouse),
        "PATENTFLOW_HOME": str(paths.root / "home"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    })
    return env


def fresh_warehouse(paths: BenchPaths, name: str) -> Path:
    """A copy of the pristine fixture: every measured build starts from the same raw layer."""
    target = paths.root / "warehouses" / f"{name}.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    shutil.copyfile(paths.fixture, target)
    return target


# --- children: one measurement each ----------------------------------------------------------

def child_parse(dag_file: Path) -> dict[str, Any]:
    """Time what the DAG processor does per loop for one file: import it into a DagBag.

    Airflow is imported before the clock starts (the processor has it loaded). So is cosmos:
    once installed, Airflow's provider discovery imports it in every Airflow process, whatever
    the DAG files use, so its import is not a per-parse cost.
    """
    import airflow  # noqa: F401 - loaded by the DAG processor before any DAG file
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=str(dag_file), safe_mode=False)
    seconds = time.perf_counter() - started
    # An import error is a result, not a crash: a DbtDag whose rendering outlasts
    # [core] dagbag_import_timeout never reaches the scheduler.
    errors = [error.strip().splitlines()[-1][:300] for error in bag.import_errors.values()]
    dags = list(bag.dags.values())
    return {"parse_seconds": round(seconds, 3), "import_errors": errors,
            "tasks": sum(len(d.tasks) for d in dags), "dag_ids": [d.dag_id for d in dags]}


def child_current(paths: BenchPaths, warehouse: Path, target_dir: Path) -> dict[str, Any]:
    """Approach (a): ``run_dbt_build`` itself, pointed at the bench copy of the project."""
    from patentflow.core.settings import load_settings
    from patentflow.warehouse import dbt_runner

    # The bench project copy is byte-identical to dbt_project/; using it keeps dbt's artefacts
    # out of the repository and matches what cosmos runs.
    settings = load_settings({"PATENTFLOW_HOME": str(paths.root / "home")})
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse, settings.warehouse_path)
    from datetime import date

    started = time.monotonic()
    result = dbt_runner.run_dbt_build(settings, as_of=date.fromisoformat(AS_OF),
                                      release_id=RELEASE_ID, target_dir=target_dir,
                                      project_dir=paths.project)
    wall = time.monotonic() - started
    summary = result.to_dict()
    dbt_log = (target_dir / "logs" / "dbt.log")
    text = dbt_log.read_text(encoding="utf-8", errors="replace") if dbt_log.exists() else ""
    return {"wall_seconds": round(wall, 2), "airflow_tasks": 1, "counts": summary["counts"],
            "failed_builds": summary["failed_builds"], "failed_tests": summary["failed_tests"],
            "slowest_models": summary["slowest_models"][:3],
            "full_parses": text.count("Starting full parse"),
            "lock_conflicts": text.lower().count(LOCK_MARKER), **peak_rss_mb()}


def child_cosmos() -> dict[str, Any]:
    """Approach (b): ``DAG.test`` of the cosmos DAG, task by task, in this process."""
    import pendulum
    from airflow.utils.cli import get_bagged_dag

    started = time.monotonic()
    dag = get_bagged_dag(None, COSMOS_DAG_ID)
    load_seconds = time.monotonic() - started
    started = time.monotonic()
    dag_run = dag.test(logical_date=pendulum.parse(f"{AS_OF}T00:00:00+00:00"))
    wall = time.monotonic() - started
    states: dict[str, int] = {}
    failed: list[str] = []
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter(
            TaskInstance.dag_id == COSMOS_DAG_ID, TaskInstance.run_id == dag_run.run_id).all()
        for ti in tis:
            state = str(ti.state)
            states[state] = states.get(state, 0) + 1
            if state == "failed":
                failed.append(ti.task_id)
    return {"state": str(dag_run.state), "wall_seconds": round(wall, 2),
            "dag_load_seconds": round(load_seconds, 2), "airflow_tasks": len(dag.tasks),
            "task_states": states, "failed_tasks": failed, **peak_rss_mb()}


def run_child(args: list[str], env: dict[str, str], log_path: Path,
              timeout: float = 3600) -> dict[str, Any]:
    """Run one measurement child; its stdout+stderr go to ``log_path`` (scanned for locks)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    with log_path.open("w", encoding="utf-8") as handle:
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.dbt_orchestration", "--child", *args],
            env=env, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout, check=False,
            cwd=str(REPO_ROOT),
        )
    text = log_path.read_text(encoding="utf-8", errors="replace")
    lines = [line for line in text.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not lines:
        tail = "\n".join(text.splitlines()[-25:])
        raise RuntimeError(f"child {args} failed ({completed.returncode}); log {log_path}\n{tail}")
    result = json.loads(lines[-1][len(RESULT_PREFIX):])
    lowered = text.lower()
    result.update({
        "load_avg_1m": load_before,
        "log_lock_conflicts": lowered.count(LOCK_MARKER),
        "log_full_parses": text.count("Starting full parse"),
        "log_partial_parse_refused": text.count("Unable to do partial parsing"),
        "log": str(log_path),
    })
    return result


# --- orchestration of the whole comparison ---------------------------------------------------

def prepare(paths: BenchPaths, scale_patents: int | None) -> dict[str, float]:
    """Fixture, project copy, pre-generated manifest (the CI step cosmos needs) and Airflow DB."""
    from devtools.raw_fixture import build_raw_fixture, build_scaled_fixture

    timings: dict[str, float] = {}
    started = time.monotonic()
    if scale_patents:
        build_scaled_fixture(paths.fixture, patents=scale_patents)
    else:
        build_raw_fixture(paths.fixture)
    timings["fixture_seconds"] = round(time.monotonic() - started, 2)
    shutil.copytree(DBT_PROJECT_DIR, paths.project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    env = bench_env(paths, paths.fixture)
    started = time.monotonic()
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [str(dbt), "parse", "--project-dir", str(paths.project), "--profiles-dir",
         str(paths.project), "--target", "duckdb", "--vars", json.dumps(dbt_vars())],
        cwd=paths.project, env=env, check=True, capture_output=True, text=True,
    )
    timings["manifest_parse_seconds"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "airflow"), "db", "migrate"], env=env,
                   check=True, capture_output=True, text=True)
    timings["airflow_migrate_seconds"] = round(time.monotonic() - started, 2)
    return timings


def lock_probe(paths: BenchPaths) -> dict[str, Any]:
    """Two dbt invocations at once on one DuckDB file: what two unserialised cosmos tasks do."""
    warehouse = fresh_warehouse(paths, "lock_probe")
    env = bench_env(paths, warehouse)
    dbt = str(Path(sys.executable).parent / "dbt")
    procs = []
    # Two staging views straight over raw sources: each can build on the bare fixture, so the
    # only way either fails is the lock.
    for index, model in enumerate(("stg_patent_api__patents", "stg_patent_api__legal_events")):
        target = paths.root / f"lock_probe_{index}"
        procs.append(subprocess.Popen(
            [dbt, "run", "--select", model, "--project-dir", str(paths.project),
             "--profiles-dir", str(paths.project), "--target-path", str(target),
             "--log-path", str(target / "logs"), "--vars", json.dumps(dbt_vars())],
            cwd=paths.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True,
        ))
    outputs = [proc.communicate(timeout=600)[0] for proc in procs]
    return {"returncodes": [proc.returncode for proc in procs],
            "lock_conflicts": sum(out.lower().count(LOCK_MARKER) for out in outputs),
            "example": next((line.strip() for out in outputs for line in out.splitlines()
                             if LOCK_MARKER in line.lower()), None)}


def median_of(results: Sequence[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def compare(scale_patents: int | None, repeats: int, run_repeats: int, cosmos_run_repeats: int,
            keep: bool = False, parse: bool = True) -> dict[str, Any]:
    paths = BenchPaths(Path(tempfile.mkdtemp(prefix="pf-dbt-orch-")))
    report: dict[str, Any] = {"scale_patents": scale_patents or "small fixture",
                              "repeats": repeats, "run_repeats": run_repeats,
                              "cosmos_run_repeats": cosmos_run_repeats,
                              "cpu_count": os.cpu_count(), "load_avg_start": load_average()}
    try:
        report["prepare"] = prepare(paths, scale_patents)
        parse_results: dict[str, Any] = {}
        cases = {
            "current_build_dag": (BUILD_DAG_FILE, "dbt_manifest", {}),
            "cosmos_dbt_manifest": (COSMOS_DAG_FILE, "dbt_manifest", {}),
            # Airflow's default dagbag_import_timeout (30 s) as the DAG processor applies it ...
            "cosmos_dbt_ls_uncached_default_timeout": (
                COSMOS_DAG_FILE, "dbt_ls", {"AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS": "False"}),
            # ... and with room enough to see how long `dbt ls` rendering really takes.
            "cosmos_dbt_ls_uncached": (
                COSMOS_DAG_FILE, "dbt_ls", {"AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS": "False",
                                            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "600"}),
            "cosmos_dbt_ls_cached": (COSMOS_DAG_FILE, "dbt_ls",
                                     {"AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "600"}),
        }
        # DAG parse time depends on the project, not on the warehouse: --skip-parse at scale.
        for name, (dag_file, load_mode, extra) in (cases.items() if parse else ()):
            runs = []
            for index in range(repeats):
                env = {**bench_env(paths, paths.fixture, load_mode, dag_file.parent), **extra}
                runs.append(run_child(["parse", str(dag_file)], env,
                                      paths.root / "logs" / f"parse_{name}_{index}.log"))
            parse_results[name] = {
                "median_parse_seconds": median_of(runs, "parse_seconds"),
                "tasks": runs[0]["tasks"],
                "import_errors": sum(1 for run in runs if run["import_errors"]), "runs": runs,
            }
        report["parse"] = parse_results
        current, cosmos = [], []
        for index in range(run_repeats):
            warehouse = fresh_warehouse(paths, f"current_{index}")
            current.append(run_child(
                ["current", str(warehouse), str(paths.root / f"current_{index}_target")],
                bench_env(paths, warehouse), paths.root / "logs" / f"current_{index}.log"))
        for index in range(cosmos_run_repeats):
            warehouse = fresh_warehouse(paths, f"cosmos_{index}")
            cosmos.append(run_child(
                ["cosmos"], bench_env(paths, warehouse),
                paths.root / "logs" / f"cosmos_{index}.log"))
        report["run"] = {
            "current": {"median_wall_seconds": median_of(current, "wall_seconds"),
                        "median_peak_mb": median_of(current, "peak_mb"), "runs": current},
            "cosmos": {"median_wall_seconds": median_of(cosmos, "wall_seconds"),
                       "median_peak_mb": median_of(cosmos, "peak_mb"), "runs": cosmos},
        }
        report["lock_probe"] = lock_probe(paths)
        report["load_avg_end"] = load_average()
        return report
    finally:
        report["workdir"] = str(paths.root)
        if not keep:
            shutil.rmtree(paths.root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale-patents", type=int, default=None,
                        help="build_scaled_fixture with this many patents (default: small fixture)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each parse measurement")
    parser.add_argument("--run-repeats", type=int, default=3,
                        help="repeats of the end-to-end `dbt build` (approach a)")
    parser.add_argument("--cosmos-run-repeats", type=int, default=1,
                        help="repeats of the end-to-end cosmos DAG run (minutes each)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON report here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    parser.add_argument("--skip-parse", action="store_true",
                        help="skip the DAG-parse measurements (they do not depend on the data)")
    parser.add_argument("--child", nargs="+", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "parse":
            result = child_parse(Path(rest[0]))
        elif kind == "current":
            root = Path(os.environ["PATENTFLOW_HOME"]).parent
            result = child_current(BenchPaths(root), Path(rest[0]), Path(rest[1]))
        elif kind == "cosmos":
            result = child_cosmos()
        else:
            parser.error(f"unknown child {kind}")
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0
    report = compare(args.scale_patents, args.repeats, args.run_repeats,
                     args.cosmos_run_repeats, keep=args.keep, parse=not args.skip_parse)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
