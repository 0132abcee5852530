"""Airflow pool names, importable without importing Airflow (the embedded runner creates the
pools from a process in which Airflow must not load before ``AIRFLOW_HOME`` is set)."""

DUCKDB_WRITER_POOL = "duckdb_writer"
"""One slot: DuckDB allows one writer of the build warehouse."""
DUCKDB_WRITER_POOL_DESCRIPTION = "Serialises writers of the DuckDB build warehouse"
