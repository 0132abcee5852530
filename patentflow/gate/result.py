"""The uniform record of one quality check and of a whole gate run.

GX expectations, computed cross-table checks and dbt tests all end up as the same ``Check`` so that
the gate decision, ``gate.json``, the release manifest and the alert read one list.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ERROR = "error"
WARN = "warn"
SEVERITIES = (ERROR, WARN)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _nan_to_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(item) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """Make GX/pandas/numpy values strict-JSON-safe: dates and decimals become strings, NaN null."""
    return _nan_to_none(json.loads(json.dumps(value, default=str, ensure_ascii=False)))


@dataclass
class Check:
    """One check's outcome. ``severity`` error blocks publication when ``success`` is false."""

    name: str
    suite: str
    severity: str
    success: bool
    observed: Any = None
    details: Any = None

    @property
    def blocks(self) -> bool:
        return not self.success and self.severity == ERROR

    @property
    def warns(self) -> bool:
        return not self.success and self.severity == WARN

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))


@dataclass
class GateResult:
    """All checks of one run; ``passed`` is false as soon as one error-severity check failed."""

    run_id: str
    checks: list[Check] = field(default_factory=list)
    data_docs_path: Path | None = None
    gate_json_path: Path | None = None

    @property
    def passed(self) -> bool:
        return not any(check.blocks for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.blocks]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.warns]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "passed": self.passed,
            "status": "passed" if self.passed else "failed",
            "n_checks": len(self.checks),
            "n_failed_error": len(self.failures),
            "n_failed_warn": len(self.warnings),
            "data_docs_path": str(self.data_docs_path) if self.data_docs_path else None,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, document: dict[str, Any], gate_json_path: Path | None = None) -> GateResult:
        """Rebuild a result from ``gate.json``; ``passed`` is recomputed from the checks."""
        checks = [Check(name=str(c["name"]), suite=str(c["suite"]), severity=str(c["severity"]),
                        success=bool(c["success"]), observed=c.get("observed"),
                        details=c.get("details")) for c in document.get("checks", [])]
        docs = document.get("data_docs_path")
        return cls(run_id=str(document.get("run_id")), checks=checks,
                   data_docs_path=Path(docs) if docs else None, gate_json_path=gate_json_path)

    def summary_text(self) -> str:
        """Short human text for alerts and logs: what failed and why."""
        lines = [f"gate {'PASSED' if self.passed else 'FAILED'} for run {self.run_id}: "
                 f"{len(self.checks)} checks, {len(self.failures)} blocking, "
                 f"{len(self.warnings)} warnings"]
        for check in self.failures + self.warnings:
            lines.append(f"- [{check.severity}] {check.name}: observed={check.observed!r} "
                         f"details={json.dumps(jsonable(check.details), ensure_ascii=False)[:400]}")
        if self.data_docs_path:
            lines.append(f"data docs: {self.data_docs_path}")
        return "\n".join(lines)
