"""Every DuckDB connection the pipeline opens, with the configured memory, threads and spill
directory (``PATENTFLOW_DUCKDB_*``).

The resources are applied with ``SET`` after connecting rather than as a connect-time config:
DuckDB refuses a second connection to an open database file whose config differs, and tests,
BI readers and tooling open the same files with plain ``duckdb.connect``. ``SET`` changes the
database instance, not the file, so it works on read-only connections too.

dbt opens its own connection; ``dbt_project/profiles.yml`` reads the same values from the
environment :func:`patentflow.warehouse.dbt_runner.dbt_env` prepares (see :func:`resource_env`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patentflow.core.settings import Settings, load_settings

IN_MEMORY = ":memory:"


def resource_settings(settings: Settings) -> dict[str, str]:
    """DuckDB setting name -> value, as ``SET`` and dbt-duckdb's profile ``settings`` take them.

    The spill directory is created here: DuckDB creates only its last level, so under a fresh
    ``PATENTFLOW_HOME`` the first query that spills would fail instead of spilling."""
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    return {
        "memory_limit": settings.duckdb.memory_limit,
        "threads": str(settings.duckdb.threads),
        "temp_directory": str(settings.duckdb_temp_dir),
    }


def resource_env(settings: Settings) -> dict[str, str]:
    """The variables dbt's profile reads, resolved (defaults filled in) by the settings."""
    values = resource_settings(settings)
    return {
        "PATENTFLOW_DUCKDB_MEMORY_LIMIT": values["memory_limit"],
        "PATENTFLOW_DUCKDB_THREADS": values["threads"],
        "PATENTFLOW_DUCKDB_TEMP_DIR": values["temp_directory"],
    }


def apply_resources(con: Any, settings: Settings | None = None) -> Any:
    """Bound an open connection's database by the settings; returns the connection."""
    values = resource_settings(settings or load_settings())
    con.execute("SET memory_limit = ?", [values["memory_limit"]])
    con.execute("SET threads = ?", [values["threads"]])
    con.execute("SET temp_directory = ?", [values["temp_directory"]])
    return con


def connect(database: str | Path = IN_MEMORY, *, read_only: bool = False,
            settings: Settings | None = None) -> Any:
    """``duckdb.connect`` bounded by the settings (memory limit, threads, temp directory)."""
    import duckdb

    con = duckdb.connect(str(database), read_only=read_only)
    try:
        return apply_resources(con, settings)
    except BaseException:
        con.close()
        raise
