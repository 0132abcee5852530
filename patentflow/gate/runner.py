"""The quality gate: GX suites, computed checks and dbt tests decide whether a build may publish.

``run_gate`` reads the build warehouse read-only, compares row counts with the current release,
writes ``runs/<run_id>/gate.json`` and the GX Data Docs under ``runs/<run_id>/gx_docs/``, and
alerts when the gate fails. It never raises on bad data: a check that cannot run is a failed check.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb

from patentflow.core import duck
from patentflow.core.alerts import send_alert
from patentflow.core.settings import Settings
from patentflow.gate.computed_checks import computed_checks
from patentflow.gate.config import GateConfig, load_gate_config
from patentflow.gate.dbt_results import dbt_checks
from patentflow.gate.gx_suites import run_suites
from patentflow.gate.result import ERROR, Check, GateResult

__all__ = ["Check", "GateResult", "load_gate_result", "run_gate"]
GATE_JSON = "gate.json"
log = logging.getLogger("patentflow.gate")


def _warehouse_checks(settings: Settings, config: GateConfig, docs_dir: Path,
                      previous_row_counts: dict[str, int] | None,
                      ) -> tuple[list[Check], Path | None]:
    path = settings.warehouse_path
    if not path.exists():
        return [Check("warehouse:exists", "warehouse", ERROR, False, str(path),
                      "build warehouse not found")], None
    try:
        con = duck.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return [Check("warehouse:open", "warehouse", ERROR, False, str(path),
                      f"{type(exc).__name__}: {exc}")], None
    try:
        checks, docs = run_suites(con, config, docs_dir)
        checks.extend(computed_checks(con, config, previous_row_counts))
        return checks, docs
    finally:
        con.close()


def run_gate(settings: Settings, run_id: str, dbt_run_results: Path | None,
             config: GateConfig | None = None, alert: bool = True,
             previous_row_counts: dict[str, int] | None = None) -> GateResult:
    """Validate the build warehouse and the dbt results of run ``run_id``; see module docstring.

    ``previous_row_counts`` are the row counts of the release now served (none before the first
    release): the row-count checks compare against them. ``alert=False`` leaves alerting to the
    caller (it still happens at most once per failure).
    """
    config = config or load_gate_config()
    run_dir = settings.runs_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    checks, docs = _warehouse_checks(settings, config, run_dir / "gx_docs",
                                     previous_row_counts)
    checks.extend(dbt_checks(dbt_run_results, config))
    result = GateResult(run_id=run_id, checks=checks, data_docs_path=docs,
                        gate_json_path=run_dir / GATE_JSON)
    result.gate_json_path.write_text(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("gate %s: %d checks, %d blocking, %d warnings", run_id, len(checks),
             len(result.failures), len(result.warnings))
    if alert and not result.passed:
        send_alert(settings, f"patentflow: quality gate FAILED for run {run_id}; not published",
                   result.summary_text() + f"\ndetails: {result.gate_json_path}")
    return result


def load_gate_result(settings: Settings, run_id: str) -> GateResult:
    """The gate verdict of ``run_id`` as written to ``runs/<run_id>/gate.json`` by ``run_gate``.

    Publication runs in another task than the gate; a missing or unreadable verdict is a blocking
    check, so ``publish_release`` refuses rather than publishing unchecked data.
    """
    path = settings.runs_dir / run_id / GATE_JSON
    try:
        return GateResult.from_dict(json.loads(path.read_text(encoding="utf-8")), path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return GateResult(run_id=run_id, gate_json_path=path, checks=[Check(
            "gate:result_readable", "gate", ERROR, False, str(path),
            f"no usable gate verdict: {type(exc).__name__}: {exc}")])
