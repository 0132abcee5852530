"""The gate tests' fixture warehouse is defect-free, else every "blocked" test proves nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.support.gate_warehouse import build_fixture_warehouse


def test_fixture_is_internally_consistent(tmp_path: Path) -> None:
    """The fixture itself must be defect-free, or every 'blocked' test would prove nothing."""
    warehouse = build_fixture_warehouse(tmp_path / "build.duckdb")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        regions = con.execute("SELECT count(DISTINCT region_code) FROM marts.indicator_values "
                              "WHERE indicator_id = 'PAT-01'").fetchone()[0]
        city, districts = con.execute(
            "SELECT sum(value) FILTER (WHERE region_code = '3701'), "
            "sum(value) FILTER (WHERE region_code <> '3701') FROM marts.indicator_values "
            "WHERE indicator_id = 'PAT-01' AND breakdown = 'all'").fetchone()
        unbalanced = con.execute("SELECT count(*) FROM audit.reconciliation "
                                 "WHERE delivered <> loaded + quarantined + superseded"
                                 ).fetchone()[0]
    finally:
        con.close()
    assert regions == 14
    assert city == districts
    assert unbalanced == 0
