"""Build, gate and publish: raw → dbt warehouse → quality gate → published release.

Triggered when the daily API pulls both landed, or when a file drop delivered something. The three
warehouse-writing tasks share the one-slot ``duckdb_writer`` pool: DuckDB allows one writer.
Publication happens only through ``quality_gate``: there is no other path to ``publish``.
"""

from datetime import timedelta

from airflow.sdk import dag, task

from patentflow.orchestration.assets import (
    DUCKDB_WRITER_POOL,
    PUBLISHED_RELEASE,
    RAW_FINANCE_API,
    RAW_PATENT_API,
    RAW_REFERENCE,
    RAW_TECH_CONTRACTS,
)
from patentflow.orchestration.callbacks import build_failed
from patentflow.orchestration.dag_factory import DEFAULT_ARGS, START_DATE, docs_links


@dag(
    dag_id="patentflow_build",
    schedule=(RAW_PATENT_API & RAW_FINANCE_API) | RAW_TECH_CONTRACTS | RAW_REFERENCE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["patentflow", "dbt", "quality-gate", "publish"],
    doc_md=__doc__ + docs_links(),
    # A build not published 3 hours after it started means today's statistics are late: the run
    # times out and the failure callback alerts. (Airflow 3.3.2's DeadlineAlert breaks DAG.test,
    # which `patentflow run` uses, so the timeout is the deadline; see docs/decisions.)
    dagrun_timeout=timedelta(hours=3),
    on_failure_callback=build_failed,
)
def patentflow_build():
    @task
    def resolve_context(dag_run=None, data_interval_end=None, triggering_asset_events=None):
        from patentflow.orchestration.tasks import resolve_build_context

        as_of_values = [
            str(event.extra["as_of"])
            for events in (triggering_asset_events or {}).values()
            for event in events
            if event.extra and event.extra.get("as_of")
        ]
        ctx = resolve_build_context(
            airflow_run_id=dag_run.run_id,
            conf=dag_run.conf,
            data_interval_end=data_interval_end,
            triggering_as_of=as_of_values,
        )
        return ctx.to_dict()

    @task(pool=DUCKDB_WRITER_POOL)
    def load_raw(context: dict):
        from patentflow.orchestration.tasks import BuildContext, load_raw

        return load_raw(BuildContext.from_dict(context))

    @task(pool=DUCKDB_WRITER_POOL)
    def dbt_build(context: dict):
        from patentflow.orchestration.tasks import BuildContext, dbt_build

        return dbt_build(BuildContext.from_dict(context))

    @task
    def quality_gate(context: dict):
        from patentflow.orchestration.tasks import BuildContext, quality_gate

        return quality_gate(BuildContext.from_dict(context))

    @task(pool=DUCKDB_WRITER_POOL, outlets=[PUBLISHED_RELEASE])
    def publish(context: dict, outlet_events=None):
        from patentflow.core.intervals import interval_for_as_of
        from patentflow.orchestration.tasks import BuildContext, publish

        ctx = BuildContext.from_dict(context)
        start, end = interval_for_as_of(ctx.as_of)
        info = publish(ctx, start, end)
        outlet_events[PUBLISHED_RELEASE].extra = {
            "release_id": ctx.release_id, "as_of": ctx.as_of.isoformat(),
        }
        return info

    @task(trigger_rule="one_failed")
    def record_failure(context: dict):
        from patentflow.orchestration.tasks import BuildContext, mark_failed

        mark_failed(BuildContext.from_dict(context), "a build task failed; see the task logs")
        raise RuntimeError("patentflow build failed; the previous release is still served")

    @task(trigger_rule="all_done")
    def record_run_health(context: dict, ti=None, dag_run=None):
        """Whatever happened, record it in run_health (one row per run, one query away)."""
        from patentflow.core.settings import load_settings
        from patentflow.orchestration.dag_factory import run_log_dir
        from patentflow.orchestration.run_health import record
        from patentflow.orchestration.tasks import BuildContext

        states = ti.get_task_states(dag_id=dag_run.dag_id, run_ids=[dag_run.run_id])
        task_states = {task_id: str(state) for task_id, state in
                       states.get(dag_run.run_id, {}).items() if task_id != ti.task_id}
        return record(load_settings(), BuildContext.from_dict(context).run_id, task_states,
                      run_log_dir(dag_run.dag_id, dag_run.run_id))

    ctx = resolve_context()
    loaded = load_raw(ctx)
    built = dbt_build(ctx)
    gated = quality_gate(ctx)
    published = publish(ctx)
    loaded >> built >> gated >> published
    [loaded, built, gated, published] >> record_failure(ctx)
    [loaded, built, gated, published] >> record_run_health(ctx)


patentflow_build()
