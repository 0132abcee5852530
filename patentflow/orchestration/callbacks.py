"""The build's failure callback: a failed or late (timed-out) publication is an alert.

Imported by the build DAG file at parse time, so it imports nothing heavy until it runs.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def build_failed(context: dict[str, Any]) -> None:
    """Alert (log, and webhook/e-mail when configured) that a build run did not publish."""
    from patentflow.core.alerts import send_alert
    from patentflow.core.settings import load_settings

    dag_run = context.get("dag_run")
    run_id = getattr(dag_run, "run_id", "(unknown run)")
    reason = str(context.get("reason") or "a task failed or the run exceeded its 3-hour timeout")
    subject = "patentflow: build did not publish"
    body = (f"Build run {run_id} ended without publishing ({reason}); the previous release is "
            "still served. See run_health and the task logs.")
    log.error("%s: %s", subject, body)
    send_alert(load_settings(), subject, body)
