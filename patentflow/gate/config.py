"""The gate's configuration (``expectations/gate.yml``) and the versioned suite files.

Thresholds and severities live in one YAML file so that an operator can tighten or relax the gate
without touching code; the suites themselves are GX suite JSON files next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from patentflow.core.settings import load_settings
from patentflow.gate.result import ERROR, SEVERITIES, WARN

GX_SEVERITY = {"critical": ERROR, "warning": WARN, "info": WARN}


@dataclass(frozen=True)
class GateConfig:
    thresholds: dict[str, float]
    severities: dict[str, str]
    row_count_tables: list[str]
    public_schemas: dict[str, Any]
    districts: list[str]
    city_code: str
    city_only_indicators: list[str]
    growth_indicators: list[str]
    additive_value_indicators: list[str]
    additive_ratio_indicators: list[str]
    region_code_columns: dict[str, dict[str, list[str]]]
    suites: list[dict[str, Any]] = field(default_factory=list)

    def threshold(self, name: str) -> float:
        return float(self.thresholds[name])

    def severity(self, check_name: str, default: str = ERROR) -> str:
        """The configured severity of a check: its full name, else its default."""
        severity = self.severities.get(check_name, default)
        return severity if severity in SEVERITIES else ERROR


def load_gate_config(directory: Path | None = None) -> GateConfig:
    """Read ``gate.yml`` and every ``suites/*.json`` of the expectations directory."""
    base = directory or load_settings().expectations_dir
    raw = yaml.safe_load((base / "gate.yml").read_text(encoding="utf-8"))
    suites = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((base / "suites").glob("*.json"))
    ]
    return GateConfig(
        thresholds=dict(raw["thresholds"]),
        severities=dict(raw.get("severities") or {}),
        row_count_tables=list(raw.get("row_count_tables") or []),
        public_schemas=dict(raw["public_schemas"]),
        districts=[str(code) for code in raw["districts"]],
        city_code=str(raw["city_code"]),
        city_only_indicators=list(raw.get("city_only_indicators") or []),
        growth_indicators=list(raw.get("growth_indicators") or []),
        additive_value_indicators=list(raw.get("additive_value_indicators") or []),
        additive_ratio_indicators=list(raw.get("additive_ratio_indicators") or []),
        region_code_columns=dict(raw.get("region_code_columns") or {}),
        suites=suites,
    )
