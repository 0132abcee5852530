"""Scheduled statistical reports for the city's IP work leading group (市知识产权工作领导小组).

`patentflow_report_monthly` runs on day 3 of each month at 09:00 Beijing time and reports on the
previous month; `patentflow_report_yearly` runs on 5 January at 09:00 and reports on the previous
year. Both read the **published** release only (`releases/current`, read-only), never the build
warehouse. The period is derived from the data interval (the run on 3 July has the interval
[3 June 09:00, 3 July 09:00) and reports on June), so a re-run or backfill reports on the same
period. The task fails (and retries) while the current release is older than the period's end.

Output: `$PATENTFLOW_HOME/reports/<period>/` — HTML (self-contained), Excel, PDF when Chromium
is installed, and `report.json`. See `docs/report.md`.
"""

from datetime import timedelta

from airflow.sdk import CronDataIntervalTimetable, dag, task

from patentflow.orchestration.assets import PUBLISHED_RELEASE
from patentflow.orchestration.dag_factory import DEFAULT_ARGS, START_DATE, STATISTICS_TZ

SCHEDULES = {"monthly": ("month", "0 9 3 * *"), "yearly": ("year", "0 9 5 1 *")}


def report_dag(name: str):
    kind, cron = SCHEDULES[name]

    @dag(
        dag_id=f"patentflow_report_{name}",
        schedule=CronDataIntervalTimetable(cron, timezone=STATISTICS_TZ),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["patentflow", "report"],
        doc_md=__doc__,
        dagrun_timeout=timedelta(hours=2),
    )
    def report():
        @task(task_id="generate_report", inlets=[PUBLISHED_RELEASE])
        def generate(data_interval_start=None):
            from patentflow.report.scheduled import run_scheduled_report

            return run_scheduled_report(kind, data_interval_start)

        generate()

    return report()


report_dag("monthly")
report_dag("yearly")
