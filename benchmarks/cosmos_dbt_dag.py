"""The patentflow dbt project rendered by astronomer-cosmos: one Airflow task per dbt node.

Measurement only (``benchmarks.dbt_orchestration``): it lives outside ``dags/`` so
the production DAG processor never loads it. Everything that varies between measurements comes
from environment variables, because the DAG processor (and ``DagBag``) import this file with no
arguments:

- ``PATENTFLOW_BENCH_PROJECT_DIR``: the dbt project (the bench uses a private copy so cosmos'
  partial-parse lookup in ``<project>/target`` never touches the repository's ``target/``);
- ``PATENTFLOW_BENCH_MANIFEST``: a pre-generated ``manifest.json`` (``dbt parse`` output);
- ``PATENTFLOW_BENCH_LOAD_MODE``: ``dbt_manifest`` (no dbt call at parse time) or ``dbt_ls``;
- ``PATENTFLOW_BENCH_VARS``: JSON dbt vars for the run (``as_of``, ``release_id``);
- ``PATENTFLOW_WAREHOUSE``: the DuckDB file, read by ``dbt_project/profiles.yml``.

DuckDB allows one writer per file, so the DAG runs one task at a time (``max_active_tasks=1``,
``max_active_runs=1``): parallel cosmos tasks against one file fail with "Could not set lock".
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from cosmos import DbtDag, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIR = Path(os.environ.get("PATENTFLOW_BENCH_PROJECT_DIR", REPO_ROOT / "dbt_project"))
MANIFEST = Path(
    os.environ.get("PATENTFLOW_BENCH_MANIFEST", PROJECT_DIR / "target" / "manifest.json")
)
LOAD_MODE = LoadMode(os.environ.get("PATENTFLOW_BENCH_LOAD_MODE", LoadMode.DBT_MANIFEST.value))
DBT_VARS: dict[str, str] = json.loads(
    os.environ.get("PATENTFLOW_BENCH_VARS", '{"as_of": "2025-06-30", "release_id": "bench"}')
)
DAG_ID = "patentflow_cosmos_bench"

profile_config = ProfileConfig(
    profile_name="patentflow",
    target_name="duckdb",
    # The project's own profiles.yml: the same file `dbt build` uses, and (per the cosmos docs) a
    # prerequisite for dbt partial parsing to survive from rendering to execution.
    profiles_yml_filepath=PROJECT_DIR / "profiles.yml",
)

patentflow_cosmos_bench = DbtDag(
    dag_id=DAG_ID,
    project_config=ProjectConfig(
        dbt_project_path=PROJECT_DIR,
        manifest_path=MANIFEST if LOAD_MODE is LoadMode.DBT_MANIFEST else None,
        dbt_vars=DBT_VARS,
        install_dbt_deps=False,
    ),
    profile_config=profile_config,
    execution_config=ExecutionConfig(
        execution_mode=ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER,
    ),
    render_config=RenderConfig(
        load_method=LOAD_MODE,
        test_behavior=TestBehavior.AFTER_EACH,
        invocation_mode=InvocationMode.DBT_RUNNER,
        emit_datasets=False,
        # A relationships test has two parents; left in the first parent's test task it runs
        # before the second parent exists ("Table ... does not exist"). Detached, it gets its own
        # task after both parents.
        should_detach_multiple_parents_tests=True,
    ),
    operator_args={"install_deps": False},
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    tags=["benchmark", "cosmos"],
)
