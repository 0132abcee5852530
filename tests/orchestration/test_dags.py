"""DAG integrity: every DAG file imports cleanly and quickly and follows the house rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.paths import REPO

DAGS = REPO / "dags"
REPORT_DAGS = {"patentflow_report_monthly", "patentflow_report_yearly"}
EXPECTED_DAGS = {
    "patentflow_ingest_patent_api",
    "patentflow_ingest_finance_api",
    "patentflow_ingest_tech_contracts",
    "patentflow_ingest_reference",
    "patentflow_build",
    *REPORT_DAGS,
}
INGESTION_DAGS = EXPECTED_DAGS - {"patentflow_build"} - REPORT_DAGS


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow_home")
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


def test_every_task_has_an_owner_and_at_least_two_retries(dagbag):
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            assert task.owner == "patentflow-data-engineering", (dag.dag_id, task.task_id)
            assert task.retries >= 2, (dag.dag_id, task.task_id)


def test_every_dag_is_tagged_and_documented(dagbag):
    for dag in dagbag.dags.values():
        assert "patentflow" in dag.tags, dag.dag_id
        assert dag.doc_md and len(dag.doc_md.strip()) > 40, dag.dag_id


def test_ingestion_runs_daily_on_beijing_intervals(dagbag):
    for dag_id in INGESTION_DAGS:
        timetable = dagbag.dags[dag_id].timetable
        assert type(timetable).__name__ == "CronDataIntervalTimetable", dag_id
        assert str(timetable.timezone) == "Asia/Shanghai", dag_id
        assert timetable.expression == "0 0 * * *", dag_id


def test_build_is_triggered_by_the_raw_assets_the_ingestion_dags_update(dagbag):
    produced = set()
    for dag_id in INGESTION_DAGS:
        for task in dagbag.dags[dag_id].tasks:
            produced |= {outlet.name for outlet in task.outlets}
    condition = dagbag.dags["patentflow_build"].timetable.asset_condition
    consumed = set(_asset_names(condition))
    assert produced == consumed == {
        "patentflow.raw.patent_api", "patentflow.raw.finance_api",
        "patentflow.raw.tech_contracts", "patentflow.raw.reference",
    }


def _asset_names(condition):
    """Flatten an asset condition (AssetAny / AssetAll / Asset) into asset names."""
    if hasattr(condition, "objects"):
        for member in condition.objects:
            yield from _asset_names(member)
    else:
        yield condition.name


def test_build_needs_both_daily_api_pulls_or_any_file_drop(dagbag):
    condition = dagbag.dags["patentflow_build"].timetable.asset_condition
    assert type(condition).__name__ == "AssetAny"
    members = {type(m).__name__: set(_asset_names(m)) for m in condition.objects
               if type(m).__name__ == "AssetAll"}
    assert members == {"AssetAll": {"patentflow.raw.patent_api", "patentflow.raw.finance_api"}}


def test_file_drop_dags_wait_for_a_marked_delivery_without_holding_a_worker(dagbag):
    for source in ("tech_contracts", "reference"):
        dag = dagbag.dags[f"patentflow_ingest_{source}"]
        sensor = dag.get_task("wait_for_marked_files")
        assert sensor.mode == "reschedule" and sensor.soft_fail
        assert dag.get_task(f"ingest_{source}").upstream_task_ids == {"wait_for_marked_files"}
    for source in ("patent_api", "finance_api"):
        assert [t.task_id for t in dagbag.dags[f"patentflow_ingest_{source}"].tasks] == [
            f"ingest_{source}"]


def test_a_file_drop_run_waits_for_its_day_only_until_the_wait_after_the_day_ended():
    from datetime import UTC, datetime, timedelta

    from patentflow.orchestration.dag_factory import DROP_WAIT, drop_wait_over

    day_end = datetime(2025, 6, 30, 16, tzinfo=UTC)  # 1 July 00:00 in Beijing
    assert not drop_wait_over(day_end, day_end)  # the scheduled run, as the day ends
    assert not drop_wait_over(day_end, day_end + DROP_WAIT - timedelta(seconds=1))
    assert drop_wait_over(day_end, day_end + DROP_WAIT)
    # a backfill (or rerun) of a day long past does not sit out another day's wait
    assert drop_wait_over(day_end, datetime(2026, 1, 1, tzinfo=UTC))
    assert not drop_wait_over(None, day_end)  # no interval: the sensor's own timeout decides


def test_publication_only_happens_downstream_of_the_quality_gate(dagbag):
    build = dagbag.dags["patentflow_build"]
    publish = build.get_task("publish")
    assert "quality_gate" in publish.upstream_task_ids
    assert build.get_task("quality_gate").upstream_task_ids >= {"dbt_build"}
    publishers = [t.task_id for dag in dagbag.dags.values() for t in dag.tasks
                  if any(o.name == "patentflow.marts.published_release" for o in t.outlets)]
    assert publishers == ["publish"]


def test_warehouse_writers_share_the_one_slot_pool(dagbag):
    build = dagbag.dags["patentflow_build"]
    writers = {t.task_id for t in build.tasks if t.pool == "duckdb_writer"}
    assert writers == {"load_raw", "dbt_build", "publish"}


def test_dags_have_no_cycles(dagbag):
    for dag in dagbag.dags.values():
        order = dag.topological_sort()
        assert len(order) == len(dag.tasks), dag.dag_id


@pytest.fixture(scope="module")
def parse_profile() -> dict:
    """Every DAG file parsed in one fresh interpreter, as the DAG processor does: seconds per file
    (without the Airflow import itself, paid once by the processor) and the heavy modules loaded."""
    code = (
        "import json, runpy, sys, time, airflow.sdk\n"
        "seconds = {}\n"
        "for f in %r:\n"
        "    t = time.perf_counter(); runpy.run_path(f); seconds[f] = time.perf_counter() - t\n"
        "heavy = [m for m in ('pandas', 'duckdb', 'dbt', 'great_expectations', 'pyarrow') "
        "if m in sys.modules]\n"
        "print(json.dumps({'seconds': seconds, 'heavy': heavy}))\n"
    ) % [str(p) for p in sorted(DAGS.glob("*.py"))]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_each_dag_file_parses_in_under_a_second(parse_profile):
    assert set(parse_profile["seconds"]) == {str(p) for p in DAGS.glob("*.py")}
    slow = {f: s for f, s in parse_profile["seconds"].items() if s >= 1.0}
    assert slow == {}


def test_dag_files_import_nothing_heavy_at_parse_time(parse_profile):
    assert parse_profile["heavy"] == []
