"""A damaged build warehouse is set aside and rebuilt; a locked one is never mistaken for damage.

The full drill (garble the file, rebuild, publish the same values) is in test_drills_failures.py;
these are the fast unit cases of ``patentflow.orchestration.tasks.open_build_warehouse`` behind it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from patentflow.orchestration.tasks import open_build_warehouse


def _warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i, repeat('x', 200) AS s FROM range(50000)")


@pytest.mark.parametrize("damage", ["truncate", "garble_header", "garble_middle"])
def test_a_damaged_file_is_moved_aside_and_a_fresh_one_opened(tmp_path: Path, damage: str,
                                                               caplog) -> None:
    path = tmp_path / "build.duckdb"
    _warehouse(path)
    size = path.stat().st_size
    if damage == "truncate":
        os.truncate(path, size // 3)
    else:
        with path.open("r+b") as handle:
            handle.seek(0 if damage == "garble_header" else size // 2)
            handle.write(os.urandom(8192))
    damaged = path.read_bytes()

    with open_build_warehouse(path) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0

    aside = list(tmp_path.glob("build.duckdb.corrupt-*"))
    assert [p.read_bytes() for p in aside] == [damaged]  # kept byte for byte for inspection
    assert "rebuilding from raw" in caplog.text


def test_a_healthy_file_is_opened_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "build.duckdb"
    _warehouse(path)
    with open_build_warehouse(path) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 50000
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_a_file_locked_by_another_writer_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "build.duckdb"
    _warehouse(path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        before = path.read_bytes()
        with pytest.raises(duckdb.Error, match="(?i)lock"):
            open_build_warehouse(path)
        assert path.read_bytes() == before
        assert not list(tmp_path.glob("*.corrupt-*"))
    finally:
        holder.kill()
        holder.wait(timeout=10)
