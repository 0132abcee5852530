"""The report DAGs: monthly on day 3 and yearly on 5 January, 09:00 Beijing, reporting on the
period their data interval starts in; parsed without pandas, duckdb, matplotlib or openpyxl."""

from __future__ import annotations

import subprocess
import sys

import pendulum
import pytest

from patentflow.report.period import ReportPeriod
from tests.support.paths import REPO

DAG_FILE = REPO / "dags" / "patentflow_reports.py"


@pytest.fixture(scope="module")
def dags():
    import runpy

    from airflow.sdk import DAG

    namespace = runpy.run_path(str(DAG_FILE))
    found = {}
    for name in ("monthly", "yearly"):
        dag = namespace["report_dag"](name)
        assert isinstance(dag, DAG)
        found[name] = dag
    return found


@pytest.mark.parametrize(("name", "cron", "run_after", "period"), [
    ("monthly", "0 9 3 * *", (2025, 7, 3, 9), "2025-06"),
    ("monthly", "0 9 3 * *", (2026, 1, 3, 9), "2025-12"),
    ("yearly", "0 9 5 1 *", (2026, 1, 5, 9), "2025"),
])
def test_each_run_reports_on_the_period_its_data_interval_starts_in(dags, name, cron, run_after,
                                                                    period):
    timetable = dags[name].timetable
    assert type(timetable).__name__ == "CronDataIntervalTimetable"
    assert (timetable.expression, str(timetable.timezone)) == (cron, "Asia/Shanghai")
    # the scheduler's side of the same timetable computes the run's data interval
    from airflow.timetables.interval import CronDataIntervalTimetable

    scheduler_side = CronDataIntervalTimetable(timetable.expression, timezone=timetable.timezone)
    interval = scheduler_side.infer_manual_data_interval(
        run_after=pendulum.datetime(*run_after, tz="Asia/Shanghai"))
    kind = "month" if name == "monthly" else "year"
    assert ReportPeriod.for_data_interval(kind, interval.start).key == period


def test_report_dags_follow_the_house_rules(dags):
    for dag in dags.values():
        assert set(dag.tags) == {"patentflow", "report"}
        assert "published" in dag.doc_md
        for task in dag.tasks:
            assert task.owner == "patentflow-data-engineering" and task.retries >= 2
            assert [inlet.name for inlet in task.inlets] == ["patentflow.marts.published_release"]


def test_the_report_dag_file_imports_nothing_heavy_at_parse_time():
    code = ("import sys, runpy\n"
            f"runpy.run_path({str(DAG_FILE)!r})\n"
            "print(','.join(m for m in ('pandas', 'duckdb', 'matplotlib', 'openpyxl', 'pyarrow')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip().splitlines()[-1:] in ([""], []), out.stdout
