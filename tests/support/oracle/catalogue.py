"""What is published about each indicator besides its value: unit, periods, plan targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

UNITS = {
    "PAT-01": "件",
    "PAT-02": "件",
    "PAT-03": "件/万人",
    "PAT-04": "件",
    "TRN-01": "次",
    "TRN-02": "次",
    "TRN-03": "次",
    "TRD-01": "次",
    "TRD-02": "次",
    "CON-01": "万元",
    "CON-02": "%",
    "CON-03": "万元",
    "CON-04": "万元",
    "CON-05": "万元",
    "CON-06": "项",
    "UNI-01": "%",
    "UNI-02": "%",
    "UNI-03": "%",
    "UNI-04": "件",
    "UNI-05": "次",
    "UNI-06": "件",
    "PIP-01": "项",
    "PIP-02": "万元",
    "PIP-03": "项",
    "FIN-01": "万元",
    "FIN-02": "笔",
    "FIN-03": "家",
    "FIN-04": "万元",
    "FIN-05": "%",
    "FIN-06": "件",
    "FIN-07": "万元",
    "FIN-08": "场",
    "FIN-09": "万元",
}
INDICATOR_IDS = tuple(UNITS)

YEAR_ONLY_INDICATORS = frozenset({"CON-02", "UNI-05", "PIP-01", "PIP-02", "PIP-03"})
CITY_ONLY_INDICATORS = frozenset({"FIN-08", "FIN-09"})
RATE_INDICATORS = frozenset({"UNI-01", "UNI-02", "UNI-03", "FIN-05", "PAT-03", "CON-02"})


@dataclass(frozen=True)
class Target:
    """A plan target: attached to the city's `all` row of every period whose last day is `day`."""

    indicator_id: str
    day: dt.date
    value: float


DEFAULT_TARGETS = (
    Target("CON-02", dt.date(2025, 12, 31), 30.0),
    Target("UNI-03", dt.date(2024, 12, 31), 100.0),
    Target("FIN-04", dt.date(2025, 12, 31), 1_000_000.0),
)
