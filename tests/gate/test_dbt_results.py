"""dbt results from ``run_results.json`` become gate checks: error-severity failures block."""

from __future__ import annotations

import json
from pathlib import Path

from patentflow.gate.config import load_gate_config
from patentflow.gate.dbt_results import dbt_checks
from patentflow.gate.result import GateResult


def write_run_results(path: Path, results: list[dict]) -> Path:
    path.write_text(json.dumps({"metadata": {"dbt_version": "1.11.16"}, "results": results}))
    return path


def node(unique_id: str, status: str, failures: int | None = None, message: str = "") -> dict:
    return {"unique_id": unique_id, "status": status, "failures": failures, "message": message}


def test_failed_test_blocks_and_warned_test_is_reported(tmp_path: Path) -> None:
    results = write_run_results(tmp_path / "run_results.json", [
        node("model.patentflow.indicator_values", "success"),
        node("test.patentflow.unique_indicator_values_key", "pass", 0),
        node("test.patentflow.not_null_value", "fail", 3, "Got 3 results, configured to fail"),
        node("test.patentflow.accepted_values_unit", "warn", 1, "Got 1 result, warn"),
    ])

    checks = {c.name: c for c in dbt_checks(results, load_gate_config())}
    gate = GateResult("run", list(checks.values()))

    assert set(checks) == {"dbt:test.patentflow.unique_indicator_values_key",
                           "dbt:test.patentflow.not_null_value",
                           "dbt:test.patentflow.accepted_values_unit"}
    assert checks["dbt:test.patentflow.unique_indicator_values_key"].success
    assert checks["dbt:test.patentflow.not_null_value"].blocks
    assert checks["dbt:test.patentflow.not_null_value"].observed == {"status": "fail",
                                                                     "failures": 3}
    assert checks["dbt:test.patentflow.accepted_values_unit"].warns
    assert not gate.passed
    assert [c.name for c in gate.failures] == ["dbt:test.patentflow.not_null_value"]


def test_only_warnings_let_the_gate_pass(tmp_path: Path) -> None:
    results = write_run_results(tmp_path / "run_results.json", [
        node("test.patentflow.accepted_values_unit", "warn", 1)])

    gate = GateResult("run", dbt_checks(results, load_gate_config()))

    assert gate.passed
    assert [c.name for c in gate.warnings] == ["dbt:test.patentflow.accepted_values_unit"]


def test_a_model_that_errored_blocks(tmp_path: Path) -> None:
    results = write_run_results(tmp_path / "run_results.json", [
        node("model.patentflow.fct_patents", "error", None, "Binder Error")])

    [check] = dbt_checks(results, load_gate_config())

    assert check.blocks
    assert check.details == "Binder Error"


def test_unreadable_run_results_block(tmp_path: Path) -> None:
    broken = tmp_path / "run_results.json"
    broken.write_text("{not json")

    assert [c.blocks for c in dbt_checks(broken, load_gate_config())] == [True]
    assert [c.blocks for c in dbt_checks(tmp_path / "absent.json", load_gate_config())] == [True]


def test_no_run_results_is_a_warning_not_a_silent_pass() -> None:
    [check] = dbt_checks(None, load_gate_config())

    assert check.warns
    assert check.name == "dbt:run_results_missing"
