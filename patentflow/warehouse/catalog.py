"""Catalog look-ups on a DuckDB connection, with identifiers quoted, never formatted from data.

Table names only ever come from DuckDB's own catalog or from our configuration; they are still
quoted so that an odd name cannot change the meaning of a statement.
"""

from __future__ import annotations

import duckdb


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(table: str, catalog: str | None = None) -> str:
    """``schema.table`` (optionally ``catalog.schema.table``) as a quoted SQL reference."""
    schema, _, name = table.partition(".")
    parts = ([catalog] if catalog else []) + [schema, name]
    return ".".join(quote_ident(part) for part in parts)


def list_tables(
    con: duckdb.DuckDBPyConnection, schema: str, catalog: str | None = None,
    *, include_views: bool = True,
) -> list[str]:
    """Names of the tables and (unless ``include_views`` is false) views of ``schema`` (in
    ``catalog`` when given), sorted."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = ? AND (? IS NULL OR table_catalog = ?) "
        "AND (? OR table_type = 'BASE TABLE') ORDER BY table_name",
        [schema, catalog, catalog, include_views],
    ).fetchall()
    return [row[0] for row in rows]


def table_exists(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None) -> bool:
    schema, _, name = table.partition(".")
    return name in list_tables(con, schema, catalog)


def column_types(
    con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None
) -> dict[str, str]:
    """Column name → DuckDB type name (as information_schema spells it), in table order."""
    schema, _, name = table.partition(".")
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND (? IS NULL OR table_catalog = ?) "
        "ORDER BY ordinal_position",
        [schema, name, catalog, catalog],
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def row_count(con: duckdb.DuckDBPyConnection, table: str, catalog: str | None = None) -> int:
    return int(con.execute(f"SELECT count(*) FROM {qualified(table, catalog)}").fetchone()[0])  # noqa: S608
