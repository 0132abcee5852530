"""The gate's configuration (``expectations/gate.yml`` plus the reference seeds) and the suites.

Thresholds and severities live in one YAML file so that an operator can tighten or relax the gate
without touching code; the suites themselves are GX suite JSON files next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from patentflow.core import reference
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
    # public views published as views (computed on demand), never copied as tables
    on_demand_views: list[str] = field(default_factory=list)

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
    catalogue = list(reference.indicators().values())
    return GateConfig(
        thresholds=dict(raw["thresholds"]),
        severities=dict(raw.get("severities") or {}),
        row_count_tables=list(raw.get("row_count_tables") or []),
        public_schemas=dict(raw["public_schemas"]),
        districts=[region.code for region in reference.districts()],
        city_code=reference.city().code,
        city_only_indicators=[i.id for i in catalogue if i.total_only],
        # growth rates may be negative or above 100: excluded from the 0..100 rate check
        growth_indicators=[i.id for i in catalogue if i.is_growth],
        # district rows add up to the city row (city >= sum, equal when no unlisted code)
        additive_value_indicators=[i.id for i in catalogue if i.is_additive and not i.total_only],
        # rates whose numerator and denominator are additive counts (PAT-03's population is not)
        additive_ratio_indicators=[i.id for i in catalogue if i.is_ratio],
        region_code_columns=dict(raw.get("region_code_columns") or {}),
        suites=suites,
        on_demand_views=list(raw.get("on_demand_views") or []),
    )
