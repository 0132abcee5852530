"""Deadline callbacks: a publication that is late is an alert, not something found next morning.

Airflow's triggerer runs these when a DeadlineAlert's deadline passes (the build DAG sets one on
its queued time). They must stay importable without heavy dependencies.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


async def publication_late(context: dict | None = None, **kwargs) -> None:
    """Alert (log, and webhook/e-mail when configured) that a build has not published in time."""
    from patentflow.alerts import send_alert
    from patentflow.config import load_settings

    dag_run = (context or {}).get("dag_run")
    run_id = getattr(dag_run, "run_id", None) or (dag_run or {}).get("run_id") if dag_run else None
    subject = "patentflow: publication is late"
    body = (f"The build run {run_id or '(unknown run)'} has not finished within its deadline; "
            "the previous release is still served. Check run_health and the task logs.")
    log.warning("%s: %s", subject, body)
    await asyncio.to_thread(send_alert, load_settings(), subject, body)
