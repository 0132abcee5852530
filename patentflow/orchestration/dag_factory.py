"""Shared DAG settings and the ingestion-DAG factory.

DAG files stay thin (they only call these); nothing here imports pandas, duckdb, dbt or GX, so the
DAG processor parses every file in well under a second.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, dag, task

from patentflow.core.intervals import STATISTICS_TZ
from patentflow.core.settings import load_settings

START_DATE = pendulum.datetime(2024, 1, 1, tz=STATISTICS_TZ)
OWNER = "patentflow-data-engineering"

# The local runner shortens the delay (PATENTFLOW_RETRY_DELAY_SECONDS) so that a failing
# `make run` reports within seconds; production keeps minutes.
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(seconds=load_settings().retry_delay_seconds),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(hours=2),
}


def daily_beijing(hour: int = 0) -> CronDataIntervalTimetable:
    """Daily Beijing-time intervals: the run for [D 00:00, D+1 00:00) starts after D ends."""
    return CronDataIntervalTimetable(f"0 {hour} * * *", timezone=STATISTICS_TZ)


FILE_DROP_SOURCES = frozenset({"tech_contracts", "reference"})
# How long a file-drop DAG run waits for a delivery before it skips (nothing arrived that day).
# The local runner sets it to 0: it runs the day once and moves on.
DROP_WAIT = timedelta(seconds=load_settings().drop_wait_seconds)
DROP_POKE_INTERVAL = timedelta(minutes=5)


def drop_wait_over(interval_end: datetime | None, now: datetime) -> bool:
    """Has a file-drop run waited long enough for its day's delivery?

    The wait is counted from the end of the run's data interval, not from when the run started:
    a scheduled run waits up to ``DROP_WAIT`` after its day ended, while a backfill (or a rerun)
    of a day that ended long ago takes what the drop holds now and skips at once when nothing
    is pending, instead of sitting out a full day's wait per backfilled day.
    """
    return interval_end is not None and now >= interval_end + DROP_WAIT


def run_log_dir(dag_id: str, run_id: str) -> str | None:
    """The folder Airflow's file task handler writes a DAG run's task logs into."""
    from airflow.configuration import conf

    folder = conf.get("logging", "base_log_folder", fallback="")
    return f"{folder}/dag_id={dag_id}/run_id={run_id}" if folder else None


def task_run(ti):
    """The ``ingest_runs.TaskRun`` of a running task instance, with the path of the log file
    Airflow's file task handler writes for this try."""
    from patentflow.orchestration.ingest_runs import TaskRun

    folder = run_log_dir(ti.dag_id, ti.run_id)
    log_path = f"{folder}/task_id={ti.task_id}/attempt={ti.try_number}.log" if folder else None
    return TaskRun(ti.dag_id, ti.run_id, int(ti.try_number or 1), log_path)


def ingestion_dag(*, source: str, asset: Asset, doc_md: str, tags: list[str]):
    """Build one ingestion DAG: pull ``source`` for the data interval, then mark ``asset`` updated.

    The asset event carries the interval's statistical day (``as_of``) so the build DAG it
    triggers knows which day to compute without looking at the clock. A file-drop DAG first
    waits for a marked delivery not yet ingested (checked every 5 minutes in reschedule mode, so
    waiting holds no worker slot): files are picked up on arrival, and a day without a delivery
    skips instead of updating the asset.
    """

    @dag(
        dag_id=f"patentflow_ingest_{source}",
        schedule=daily_beijing(),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["patentflow", "ingestion", *tags],
        doc_md=doc_md + docs_links(),
        dagrun_timeout=timedelta(hours=3),
    )
    def ingestion():
        @task(task_id=f"ingest_{source}", outlets=[asset])
        def ingest(data_interval_start=None, data_interval_end=None, outlet_events=None,
                   ti=None):
            from airflow.sdk.exceptions import AirflowFailException

            from patentflow.orchestration.tasks import IngestionFailed, ingest_source

            try:
                summary = ingest_source(source, data_interval_start, data_interval_end,
                                        task_run(ti))
            except IngestionFailed as failure:
                # permanent, or the source's retry budget is spent: an Airflow retry would
                # only repeat it (and multiply the time a dead source takes to report)
                raise AirflowFailException(str(failure)) from failure
            outlet_events[asset].extra = {"as_of": summary["as_of"], "source": source}
            return summary

        if source in FILE_DROP_SOURCES:
            @task.sensor(
                task_id="wait_for_marked_files",
                poke_interval=DROP_POKE_INTERVAL,
                timeout=DROP_WAIT,
                mode="reschedule",
                soft_fail=True,
            )
            def wait_for_marked_files(data_interval_end=None) -> bool:
                from airflow.sdk.exceptions import AirflowSkipException

                from patentflow.core.settings import load_settings
                from patentflow.ingest.files.arrivals import pending_deliveries

                if pending_deliveries(load_settings(), source):
                    return True
                if drop_wait_over(data_interval_end, pendulum.now("UTC")):
                    raise AirflowSkipException(
                        f"no marked delivery in the {source} drop by "
                        f"{data_interval_end + DROP_WAIT} (the day's wait is over)")
                return False

            wait_for_marked_files() >> ingest()
        else:
            ingest()

    return ingestion()



def docs_links() -> str:
    """The DAG-docs paragraph linking to the releases' GX Data Docs and dbt docs (served by
    ``patentflow docs``, which ``make up`` starts); the publish task's log names each run's."""
    from patentflow.core.settings import load_settings

    url = f"http://127.0.0.1:{load_settings().docs_port}/"
    return (f"\n\n**Data docs**: [GX Data Docs and dbt docs of every published release]({url})"
            " (`patentflow docs`, started by `make up`); each run's `publish` task log links "
            "its own.\n")
