"""DuckDB is bounded by the settings: memory limit, threads and spill directory.

Every connection the pipeline opens goes through ``patentflow.core.duck.connect`` and dbt's
profile reads the same values, so a build larger than the memory limit spills to the configured
directory instead of failing or taking the machine's memory.
"""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from patentflow.core import duck
from patentflow.core.settings import SettingsError, settings_from
from patentflow.warehouse.dbt_runner import dbt_env
from tests.support.paths import BIN, REPO


def _reported(con: duckdb.DuckDBPyConnection) -> tuple:
    return con.execute("select current_setting('memory_limit'), current_setting('threads'),"
                       " current_setting('temp_directory')").fetchone()


def _as_duckdb_reports(memory_limit: str, threads: int, temp_dir: str) -> tuple:
    """What a plain DuckDB connection reports for these values (DuckDB normalises the units)."""
    with duckdb.connect() as con:
        con.execute("SET memory_limit = ?", [memory_limit])
        con.execute("SET threads = ?", [threads])
        con.execute("SET temp_directory = ?", [temp_dir])
        return _reported(con)


def test_defaults_bound_memory_and_spill_under_the_home(tmp_path: Path) -> None:
    settings = settings_from({"PATENTFLOW_HOME": str(tmp_path)})
    assert settings.duckdb.memory_limit == "2GB"
    assert settings.duckdb.threads >= 1
    assert settings.duckdb_temp_dir == tmp_path / "tmp" / "duckdb"


def test_connections_carry_the_configured_resources(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    settings = settings_from({"PATENTFLOW_HOME": str(tmp_path),
                              "PATENTFLOW_DUCKDB_MEMORY_LIMIT": "300MiB",
                              "PATENTFLOW_DUCKDB_THREADS": "1",
                              "PATENTFLOW_DUCKDB_TEMP_DIR": str(spill)})
    expected = _as_duckdb_reports("300MiB", 1, str(spill))
    with duck.connect(settings=settings) as con:
        assert _reported(con) == expected
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    # Read-only files too, and a plain connection to the same file may stay open beside it.
    with duckdb.connect(str(path), read_only=True) as plain, \
            duck.connect(path, read_only=True, settings=settings) as bounded:
        assert _reported(bounded) == expected
        assert plain.execute("select 1").fetchone() == (1,)


def test_a_query_larger_than_the_memory_limit_spills_instead_of_failing(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    settings = settings_from({"PATENTFLOW_HOME": str(tmp_path),
                              "PATENTFLOW_DUCKDB_MEMORY_LIMIT": "64MiB",
                              "PATENTFLOW_DUCKDB_THREADS": "1",
                              "PATENTFLOW_DUCKDB_TEMP_DIR": str(spill)})
    with duck.connect(settings=settings) as con:
        # About 300 MB of rows held by an in-memory database with a 64 MiB limit, then sorted.
        con.execute("create table t as select i, md5(i::varchar) || md5((i + 1)::varchar) as s"
                    " from range(3000000) r(i)")
        con.execute("create table sorted as select * from t order by s")
        assert con.execute("select count(*), count(distinct s) from sorted").fetchone() == \
            (3_000_000, 3_000_000)
        spilled = con.execute("select path, size from duckdb_temporary_files()").fetchall()
    assert spilled, "nothing spilled: the bound was not applied"
    assert all(Path(path).parent == spill for path, _ in spilled)
    assert sum(size for _, size in spilled) > 64 * 1024 * 1024


@pytest.mark.parametrize(("name", "value"), [
    ("PATENTFLOW_DUCKDB_MEMORY_LIMIT", "lots"),
    ("PATENTFLOW_DUCKDB_MEMORY_LIMIT", "80%"),
    ("PATENTFLOW_DUCKDB_THREADS", "0"),
    ("PATENTFLOW_DUCKDB_THREADS", "two"),
])
def test_bad_values_are_refused_by_name(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from({"PATENTFLOW_HOME": str(tmp_path), name: value})


def test_no_pipeline_module_opens_duckdb_around_the_bounds() -> None:
    """Only patentflow/core/duck.py calls duckdb.connect; everything else goes through it."""
    offenders = []
    for path in sorted((REPO / "patentflow").rglob("*.py")):
        if path.name == "duck.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "connect" and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "duckdb":
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def test_dbt_opens_the_warehouse_with_the_same_bounds(tmp_path: Path) -> None:
    spill = tmp_path / "dbt-spill"
    settings = settings_from({"PATENTFLOW_HOME": str(tmp_path),
                              "PATENTFLOW_DUCKDB_MEMORY_LIMIT": "700MiB",
                              "PATENTFLOW_DUCKDB_THREADS": "1",
                              "PATENTFLOW_DUCKDB_TEMP_DIR": str(spill)})
    settings.warehouse_path.parent.mkdir(parents=True)
    project = REPO / "dbt_project"
    done = subprocess.run(
        [str(BIN / "dbt"), "show", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
         "--output", "json", "--log-format", "json", "--inline",
         "select current_setting('memory_limit') as m, current_setting('threads') as t,"
         " current_setting('temp_directory') as d"],
        cwd=project, env={**dbt_env(settings), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    shown = None
    for line in done.stdout.splitlines():
        data = json.loads(line).get("data", {})
        if "preview" in data:
            preview = data["preview"]
            shown = json.loads(preview)[0] if isinstance(preview, str) else preview[0]
    assert shown is not None, done.stdout[-3000:]
    assert (shown["m"], int(shown["t"]), shown["d"]) == _as_duckdb_reports("700MiB", 1, str(spill))


def test_the_spill_directory_exists_before_a_query_can_spill(tmp_path) -> None:
    """DuckDB creates only the last component of its temp directory, when it first spills."""
    settings = settings_from({"PATENTFLOW_HOME": str(tmp_path / "home")})
    con = duck.connect(settings=settings)
    try:
        assert settings.duckdb_temp_dir.is_dir()
        assert duck.resource_env(settings)["PATENTFLOW_DUCKDB_TEMP_DIR"] == \
            str(settings.duckdb_temp_dir)
    finally:
        con.close()
