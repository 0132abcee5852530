"""Comparing the indicator values of two published releases, row for row."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb


def indicators(release: Path) -> list[tuple]:
    """Every ``marts.indicator_values`` row of a release directory but its release id, sorted."""
    with duckdb.connect(str(release / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT * EXCLUDE (release_id) FROM marts.indicator_values ORDER BY ALL").fetchall()


def same_values(actual: list[tuple], expected: list[tuple]) -> list[str]:
    """Row-by-row differences; floats compared to 1e-9 relative (DuckDB sums DOUBLEs in
    parallel, so the last bit of a sum may differ between two builds of the same data)."""
    if len(actual) != len(expected):
        return [f"{len(actual)} rows, expected {len(expected)}"]
    problems = []
    for left, right in zip(actual, expected, strict=True):
        for a, b in zip(left, right, strict=True):
            close = (isinstance(a, float) and isinstance(b, float)
                     and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12))
            if a != b and not close:
                problems.append(f"{left} != {right}")
                break
    return problems
