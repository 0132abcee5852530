"""dbt test results as gate checks, read from dbt's ``target/run_results.json``.

The transform step runs ``dbt build``, which already ran the tests; the gate only reads their
outcome so that a failed error-severity test blocks publication like any GX expectation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from patentflow.gate.config import GateConfig
from patentflow.gate.result import ERROR, WARN, Check

SUITE = "dbt"
FAILING = {"fail", "error", "runtime error"}
PASSING = {"pass", "success", "skipped", "no-op"}


def _reported(result: dict[str, Any]) -> bool:
    """Every test, and any other node (model, seed, snapshot) that did not succeed."""
    unique_id = str(result.get("unique_id", ""))
    is_test = unique_id.startswith(("test.", "unit_test."))
    return is_test or str(result.get("status", "")).lower() not in PASSING


def _check_for(result: dict[str, Any], config: GateConfig) -> Check:
    unique_id = str(result.get("unique_id", "?"))
    status = str(result.get("status", "unknown")).lower()
    name = f"dbt:{unique_id}"
    observed = {"status": status, "failures": result.get("failures")}
    details = result.get("message")
    if status == "warn":
        return Check(name, SUITE, config.severity(name, config.severity("dbt:test_warn", WARN)),
                     False, observed, details)
    if status in FAILING:
        return Check(name, SUITE, config.severity(name, ERROR), False, observed, details)
    return Check(name, SUITE, config.severity(name, ERROR), status in PASSING, observed, details)


def dbt_checks(run_results: Path | None, config: GateConfig) -> list[Check]:
    """One check per dbt node of the build; a missing or unreadable file is itself a check."""
    if run_results is None:
        name = "dbt:run_results_missing"
        return [Check(name, SUITE, config.severity(name, WARN), False, None,
                      "no dbt run_results.json was given to the gate: dbt tests not verified")]
    try:
        document = json.loads(Path(run_results).read_text(encoding="utf-8"))
        results = document["results"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [Check("dbt:run_results_readable", SUITE, ERROR, False, str(run_results),
                      f"{type(exc).__name__}: {exc}")]
    checks = [
        _check_for(result, config)
        for result in results
        if isinstance(result, dict) and _reported(result)
    ]
    if not checks:
        checks.append(Check("dbt:run_results_empty", SUITE, config.severity(
            "dbt:run_results_empty", WARN), False, str(run_results), "dbt ran no node"))
    return checks
