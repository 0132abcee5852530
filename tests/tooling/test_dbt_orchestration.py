"""Per-model visibility of the one-``dbt build`` approach, proven on a real build.

docs/decisions/dbt-orchestration.md keeps one ``dbt build`` per run (no per-task re-parse, one
DuckDB writer) and claims that ``run_results.json`` still says which model failed, which test
failed and how long each model took. These tests run
``patentflow.warehouse.dbt_runner.run_dbt_build`` on a
copy of the project with one deliberately broken model and one deliberately failing singular
test, and check that the parsed results name both and time every model. They also check that the
cosmos DAG used for the measurement (benchmarks/cosmos_dbt_dag.py) still parses.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

import patentflow.warehouse.dbt_runner as transform
from devtools.raw_fixture import build_raw_fixture
from patentflow.core.settings import load_settings
from tests.support.paths import REPO

BROKEN_MODEL = "model.patentflow.zz_deliberately_broken"
FAILING_TEST = "test.patentflow.zz_deliberately_failing"
BROKEN_MODEL_SQL = "-- a model that cannot build\nselect * from raw.no_such_table\n"
# Attached to a mart with no model downstream of it (`dbt build` skips the descendants of a
# failing test, which would hide the timings of the models under test); returns two rows.
FAILING_TEST_MODEL = "fct_indicator_contributions"
FAILING_TEST_SQL = (
    "-- a singular test that always fails with exactly 2 rows\n"
    f"select 1 as n from {{{{ ref('{FAILING_TEST_MODEL}') }}}} where false\n"
    "union all select 1\nunion all select 2\n"
)


def copy_project(destination: Path) -> Path:
    """The dbt project without its build artefacts (never written to in the repository)."""
    shutil.copytree(transform.DBT_PROJECT_DIR, destination,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return destination


@dataclass
class BrokenBuild:
    error: transform.DbtBuildError
    result: transform.DbtBuildResult
    target_dir: Path


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokenBuild]:
    work = tmp_path_factory.mktemp("dbt_orchestration")
    project = copy_project(work / "dbt_project")
    (project / "models" / "staging" / "zz_deliberately_broken.sql").write_text(
        BROKEN_MODEL_SQL, encoding="utf-8")
    (project / "tests" / "zz_deliberately_failing.sql").write_text(
        FAILING_TEST_SQL, encoding="utf-8")
    settings = load_settings({"PATENTFLOW_HOME": str(work / "home")})
    build_raw_fixture(settings.warehouse_path)
    target_dir = work / "target"
    with pytest.raises(transform.DbtBuildError) as caught:
        transform.run_dbt_build(settings, as_of=date(2025, 6, 30), release_id="visibility",
                                target_dir=target_dir, project_dir=project)
    run_results = target_dir / "run_results.json"
    # The task raised, but the artefact the gate and run_health read is still there: rebuild the
    # result from it exactly as run_dbt_build does.
    result = transform.DbtBuildResult(
        returncode=1, run_results_path=run_results, manifest_path=target_dir / "manifest.json",
        nodes=transform.parse_run_results(run_results),
    )
    yield BrokenBuild(caught.value, result, target_dir)


def test_the_failed_model_is_named_in_the_task_error_and_in_failed_builds(broken_build):
    assert BROKEN_MODEL in str(broken_build.error)
    assert [n.unique_id for n in broken_build.result.failed_builds] == [BROKEN_MODEL]
    node = next(n for n in broken_build.result.nodes if n.unique_id == BROKEN_MODEL)
    assert node.status == "error"
    assert "no_such_table" in (node.message or "")


def test_the_failing_test_is_named_with_its_failure_count(broken_build):
    failed = {n.unique_id: n for n in broken_build.result.failed_tests}
    assert FAILING_TEST in failed, sorted(failed)
    assert failed[FAILING_TEST].status == "fail"
    assert failed[FAILING_TEST].failures == 2
    # Only the planted failures: the project's own ~180 data tests and unit tests pass.
    assert set(failed) == {FAILING_TEST}


def test_every_model_of_the_project_is_timed(broken_build):
    manifest = json.loads((broken_build.target_dir / "manifest.json").read_text(encoding="utf-8"))
    models = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    below_the_failing_test = [child for child in manifest["child_map"][
        f"model.patentflow.{FAILING_TEST_MODEL}"] if child in models]
    assert below_the_failing_test == [], "attach the planted failing test to a leaf model"
    results = {n.unique_id: n for n in broken_build.result.nodes if n.resource_type == "model"}
    assert set(results) == models
    built = [n for n in results.values() if n.status == "success"]
    assert len(built) == len(models) - 1
    assert all(n.execution_time > 0 for n in built)
    summary = broken_build.result.to_dict()
    assert summary["failed_builds"] == [BROKEN_MODEL]
    assert summary["failed_tests"] == [FAILING_TEST]
    slowest = summary["slowest_models"]
    assert len(slowest) == 10
    assert [s["seconds"] for s in slowest] == sorted((s["seconds"] for s in slowest), reverse=True)


def test_tests_and_unit_tests_are_reported_per_node(broken_build):
    kinds: dict[str, int] = {}
    for node in broken_build.result.nodes:
        kinds[node.resource_type] = kinds.get(node.resource_type, 0) + 1
    assert kinds.get("test", 0) > 100
    assert kinds.get("unit_test", 0) >= 1
    assert kinds.get("seed", 0) >= 1


def test_the_cosmos_benchmark_dag_parses(tmp_path):
    if importlib.util.find_spec("cosmos") is None:
        pytest.skip("astronomer-cosmos is not installed: the cosmos benchmark DAG cannot be parsed")
    from benchmarks.dbt_orchestration import COSMOS_DAG_FILE, RESULT_PREFIX

    project = copy_project(tmp_path / "dbt_project")
    env = {**os.environ, "PATENTFLOW_WAREHOUSE": str(tmp_path / "unused.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).parent / "dbt"
    parsed = subprocess.run(
        [str(dbt), "parse", "--project-dir", str(project), "--profiles-dir", str(project),
         "--vars", json.dumps({"as_of": "2025-06-30", "release_id": "bench"})],
        cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    env.update({
        "AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(COSMOS_DAG_FILE.parent),
        "PATENTFLOW_BENCH_PROJECT_DIR": str(project),
        "PATENTFLOW_BENCH_MANIFEST": str(project / "target" / "manifest.json"),
        "PATENTFLOW_BENCH_LOAD_MODE": "dbt_manifest",
    })
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.dbt_orchestration", "--child", "parse",
         str(COSMOS_DAG_FILE)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    lines = [line for line in child.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    assert child.returncode == 0 and lines, (child.stdout + child.stderr)[-3000:]
    result = json.loads(lines[-1][len(RESULT_PREFIX):])
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    assert result["dag_ids"] == ["patentflow_cosmos_bench"]
    # One run task per model plus its tests after each: far more tasks than models.
    assert result["tasks"] > models
