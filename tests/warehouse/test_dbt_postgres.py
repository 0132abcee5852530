"""dbt on PostgreSQL (the production option) publishes the same indicator_values as on DuckDB.

The raw fixture is copied into a throw-away PostgreSQL database (dropped afterwards), built with
the `postgres` target, and compared row by row with the DuckDB build of the same fixture.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import pytest
from psycopg2 import sql

from devtools.raw_fixture import AUDIT_COLUMNS, METADATA_COLUMNS, RAW_COLUMNS, build_raw_fixture
from tests.warehouse.test_dbt_build import run_dbt

pytestmark = pytest.mark.postgres

PG = {
    "host": os.environ.get("PATENTFLOW_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("PATENTFLOW_PG_PORT", "5432")),
    "user": os.environ.get("PATENTFLOW_PG_USER", "postgres"),
}
DATABASE = f"patentflow_dbt_test_{os.getpid()}"
PUBLISHED_COLUMNS = (
    "indicator_id, period_type, period_start, period_end, is_complete, region_code, breakdown, "
    "value, numerator, denominator, unit, target_value, release_id"
)


def _connect(dbname: str):
    connection = psycopg2.connect(dbname=dbname, connect_timeout=5, **PG)
    connection.autocommit = True
    return connection


def _copy_to_postgres(source: Path, target_db: str) -> None:
    """Recreate raw.* and audit.* in PostgreSQL with the same column types and rows."""
    tables = [("raw", name, RAW_COLUMNS[name] + METADATA_COLUMNS) for name in RAW_COLUMNS]
    tables += [("audit", name, columns) for name, columns in AUDIT_COLUMNS.items()]
    duck = duckdb.connect(str(source), read_only=True)
    pg = _connect(target_db)
    try:
        with pg.cursor() as cursor:
            for schema, table, columns in tables:
                cursor.execute(sql.SQL("create schema if not exists {}").format(
                    sql.Identifier(schema)))
                column_defs = sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(sql_type))
                    for name, sql_type in columns)
                cursor.execute(sql.SQL("create table {}.{} ({})").format(
                    sql.Identifier(schema), sql.Identifier(table), column_defs))
                names = [name for name, _ in columns]
                rows = duck.execute(
                    sql.SQL("select {} from {}.{}").format(
                        sql.SQL(", ").join(sql.Identifier(n) for n in names),
                        sql.Identifier(schema), sql.Identifier(table)).as_string(pg)
                ).fetchall()
                if rows:
                    cursor.executemany(
                        sql.SQL("insert into {}.{} ({}) values ({})").format(
                            sql.Identifier(schema), sql.Identifier(table),
                            sql.SQL(", ").join(sql.Identifier(n) for n in names),
                            sql.SQL(", ").join(sql.Placeholder() * len(names))),
                        rows)
    finally:
        duck.close()
        pg.close()


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    try:
        admin = _connect("postgres")
    except psycopg2.OperationalError as error:  # pragma: no cover - depends on the machine
        pytest.skip(f"PostgreSQL not reachable: {error}")
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(DATABASE)))
        cursor.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
    try:
        yield DATABASE
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("drop database if exists {} with (force)").format(
                sql.Identifier(DATABASE)))
        admin.close()


def _normalise(row: tuple) -> tuple:
    return tuple(
        round(value, 6) if isinstance(value, float) and not math.isnan(value) else
        (str(value) if value is not None else None)
        for value in row
    )


def test_postgres_build_matches_duckdb(postgres_database: str, tmp_path: Path) -> None:
    warehouse = build_raw_fixture(tmp_path / "build.duckdb")
    duck_result = run_dbt(["build"], warehouse, tmp_path / "duck")
    assert duck_result.returncode == 0, duck_result.stdout[-4000:]

    _copy_to_postgres(warehouse, postgres_database)
    os.environ["PATENTFLOW_PG_DBNAME"] = postgres_database
    try:
        pg_result = run_dbt(["build", "--target", "postgres"], warehouse, tmp_path / "pg")
    finally:
        os.environ.pop("PATENTFLOW_PG_DBNAME", None)
    assert pg_result.returncode == 0, pg_result.stdout[-6000:]

    duck = duckdb.connect(str(warehouse), read_only=True)
    duck_rows = sorted(_normalise(r) for r in duck.execute(
        f"select {PUBLISHED_COLUMNS} from marts.indicator_values").fetchall())  # noqa: S608
    duck.close()
    pg = _connect(postgres_database)
    with pg.cursor() as cursor:
        cursor.execute(f"select {PUBLISHED_COLUMNS} from marts.indicator_values")  # noqa: S608
        pg_rows = sorted(_normalise(r) for r in cursor.fetchall())
    pg.close()
    assert len(pg_rows) == len(duck_rows) > 0
    assert pg_rows == duck_rows
