"""Serve a published release to PostgreSQL for BI tools that only speak PostgreSQL.

The DuckDB release stays the source of truth; this is an optional copy of its public tables
(all of ``marts`` plus ``audit.quarantine``, ``audit.reconciliation``, ``audit.releases``) in a
dedicated PostgreSQL database named by ``PATENTFLOW_SERVING_PG_DSN`` (unset = off).

Why the copy is atomic: the tables are loaded into fresh staging schemas (``marts__<release>``,
``audit__<release>``) that no BI role can see, and only then, in ONE transaction, the served
schemas are renamed away (to ``<schema>_retired``, a name no staging schema can have), the
staging schemas renamed to ``marts``/``audit``, the grants given again and the old schemas
dropped. PostgreSQL resolves a table name, locks the table and, when
the catalog changed while it waited for the lock, resolves the name again; so a BI query sees
either the old tables or the new ones, never a mix and never "relation does not exist".

Why a dedicated database: the swap drops whatever ``marts``/``audit`` held before, and the
database-wide revokes (``PUBLIC`` loses ``CONNECT``/``TEMPORARY`` and the ``public`` schema) are
what keeps the BI role out of everything but the two served schemas.

Identifiers are validated and quoted with ``psycopg2.sql``; data travels only through
``COPY ... FROM STDIN`` (CSV written by DuckDB) and bound parameters.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import psycopg2.errors
import psycopg2.extensions
from psycopg2 import sql

from patentflow.core import duck
from patentflow.core.alerts import send_alert
from patentflow.core.settings import Settings
from patentflow.release.registry import (
    WAREHOUSE,
    NoCurrentRelease,
    ReleaseInfo,
    current_release,
    release_info,
)
from patentflow.warehouse.catalog import column_types, list_tables, qualified

log = logging.getLogger("patentflow.release.pg_serving")

SERVED_SCHEMAS = ("marts", "audit")
AUDIT_TABLES = ("quarantine", "reconciliation", "releases")
# One serve at a time per database (session advisory lock; the key spells "pflowbi").
ADVISORY_LOCK_KEY = 0x70666C6F776269
# The swap waits at most this long for BI queries still reading the old tables, then retries:
# a long report query must delay a swap, not block every new BI query behind the swap's locks.
SWAP_LOCK_TIMEOUT = "5s"
SWAP_ATTEMPTS = 12
SWAP_RETRY_SECONDS = 5.0
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1
ROLE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
INDICATOR_KEY = ("indicator_id", "period_type", "period_start", "region_code", "breakdown")

# DuckDB type (as information_schema spells it) -> PostgreSQL type; anything else is text,
# which is what DuckDB writes to CSV for it anyway.
PG_TYPES = {
    "VARCHAR": "text", "BOOLEAN": "boolean", "DATE": "date", "DOUBLE": "double precision",
    "FLOAT": "real", "TINYINT": "smallint", "SMALLINT": "smallint", "INTEGER": "integer",
    "BIGINT": "bigint", "HUGEINT": "numeric", "UTINYINT": "smallint", "USMALLINT": "integer",
    "UINTEGER": "bigint", "UBIGINT": "numeric", "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "TIME": "time", "UUID": "uuid", "BLOB": "bytea",
    "INTERVAL": "interval", "JSON": "jsonb",
}
DECIMAL_TYPE = re.compile(r"^DECIMAL\((\d{1,2}),(\d{1,2})\)$")


class ServingNotConfigured(RuntimeError):
    """``PATENTFLOW_SERVING_PG_DSN`` is not set: PostgreSQL serving is off."""


class ServingError(RuntimeError):
    """The release could not be served; whatever PostgreSQL served before is still served."""


def serving_enabled(settings: Settings) -> bool:
    """Serving is opt-in: only a configured DSN turns it on."""
    return bool(settings.serving_pg_dsn)


def pg_type(duckdb_type: str) -> sql.Composable:
    """The PostgreSQL column type for a DuckDB column type (a fixed mapping, never data)."""
    decimal = DECIMAL_TYPE.match(duckdb_type)
    if decimal:
        precision, scale = int(decimal.group(1)), int(decimal.group(2))  # digits only
        return sql.SQL(f"numeric({precision}, {scale})")
    return sql.SQL(PG_TYPES.get(duckdb_type, "text"))


def staging_schema(schema: str, release_id: str) -> str:
    """``<schema>__<release>`` folded to a safe PostgreSQL name of at most 63 bytes."""
    name = f"{schema}__{re.sub(r'[^a-z0-9_]', '_', release_id.lower())}"
    if len(name) > MAX_IDENTIFIER:
        digest = hashlib.sha256(release_id.encode()).hexdigest()[:8]
        name = f"{name[:MAX_IDENTIFIER - 9]}_{digest}"
    return name


def served_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``schema.table`` of the release's public tables: every ``marts`` table, three audit ones.

    A release's views are its on-demand views (every other view was copied as a table): they
    are not served, what they are computed from is (docs/decisions/contributions.md)."""
    tables = [f"marts.{name}" for name in list_tables(con, "marts", include_views=False)]
    present = set(list_tables(con, "audit"))
    return tables + [f"audit.{name}" for name in AUDIT_TABLES if name in present]


def _validated_role(name: str) -> str:
    if not ROLE_PATTERN.match(name):
        raise ValueError(f"invalid PostgreSQL role name {name!r} (lower-case letters, digits, _)")
    return name


def _sql_string(value: str) -> str:
    """A DuckDB string literal for our own temporary file path (COPY TO takes no parameter)."""
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def _serving_connection(dsn: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection holding the serving advisory lock, so two serves never interleave."""
    connection = psycopg2.connect(dsn, connect_timeout=10,
                                  application_name="patentflow-serving")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        connection.autocommit = False
        yield connection
    finally:
        connection.close()  # also releases the session advisory lock


def _schema_exists(cursor: psycopg2.extensions.cursor, schema: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
    return cursor.fetchone() is not None


def _drop_schema(cursor: psycopg2.extensions.cursor, schema: str) -> None:
    cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _load_table(duck: duckdb.DuckDBPyConnection, cursor: psycopg2.extensions.cursor,
                table: str, target_schema: str, scratch: Path) -> int:
    """Create ``target_schema.<name>`` like the DuckDB table and COPY its rows; returns rows."""
    _schema, _, name = table.partition(".")
    columns = column_types(duck, table)
    cursor.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(
        sql.Identifier(target_schema), sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(column), pg_type(kind))
                           for column, kind in columns.items())))
    csv_path = scratch / f"{table}.csv"
    # DuckDB writes NULL as an unquoted empty field and '' as "": PostgreSQL's CSV reading
    # of exactly that, so NULL and empty text survive the trip apart.
    duck.execute(f"COPY (SELECT * FROM {qualified(table)}) TO {_sql_string(str(csv_path))} "  # noqa: S608
                 "(FORMAT csv, HEADER false)")
    with csv_path.open("rb") as handle:
        cursor.copy_expert(sql.SQL("COPY {}.{} ({}) FROM STDIN WITH (FORMAT csv)").format(
            sql.Identifier(target_schema), sql.Identifier(name),
            sql.SQL(", ").join(sql.Identifier(column) for column in columns)), handle)
    copied = cursor.rowcount
    csv_path.unlink()
    expected = int(duck.execute(f"SELECT count(*) FROM {qualified(table)}").fetchone()[0])  # noqa: S608
    if copied != expected:
        raise ServingError(f"{table}: copied {copied} rows, the release holds {expected}")
    if name == "indicator_values" and set(INDICATOR_KEY) <= set(columns):
        cursor.execute(sql.SQL("CREATE INDEX ON {}.{} ({})").format(
            sql.Identifier(target_schema), sql.Identifier(name),
            sql.SQL(", ").join(sql.Identifier(column) for column in INDICATOR_KEY)))
    cursor.execute(sql.SQL("ANALYZE {}.{}").format(sql.Identifier(target_schema),
                                                   sql.Identifier(name)))
    return copied


def _load_staging(connection: psycopg2.extensions.connection, warehouse: Path,
                  staging: dict[str, str]) -> dict[str, int]:
    """Load every served table into the staging schemas (committed, invisible to BI)."""
    source = duck.connect(str(warehouse), read_only=True)
    counts: dict[str, int] = {}
    try:
        tables = served_tables(source)
        if not any(table.startswith("marts.") for table in tables):
            raise ServingError(f"{warehouse} has no marts tables to serve")
        with connection.cursor() as cursor, \
                tempfile.TemporaryDirectory(prefix="patentflow-serve-") as scratch:
            for staged in staging.values():
                _drop_schema(cursor, staged)  # a leftover of an interrupted serve
                cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(staged)))
                cursor.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(
                    sql.Identifier(staged)))
            for table in tables:
                counts[table] = _load_table(source, cursor, table,
                                            staging[table.partition(".")[0]], Path(scratch))
        connection.commit()
    finally:
        source.close()
    return counts


def _ensure_roles(connection: psycopg2.extensions.connection, settings: Settings,
                  database: str) -> None:
    """The NOLOGIN reader group, the BI login (when a password is set) and the database lockdown.

    Roles are cluster-wide, so they are created only when missing; the password is (re)set on
    every serve so that rotating ``PATENTFLOW_SERVING_BI_PASSWORD`` takes effect at the next one.
    """
    reader = sql.Identifier(_validated_role(settings.serving_bi_role))
    user_name = _validated_role(settings.serving_bi_user)
    user = sql.Identifier(user_name)
    db = sql.Identifier(database)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname, rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls "
                       "FROM pg_roles WHERE rolname IN (%s, %s)",
                       [settings.serving_bi_role, user_name])
        existing = dict(cursor.fetchall())
        for name, powerful in existing.items():
            if powerful:
                raise ServingError(f"role {name} has superuser/CREATEROLE/CREATEDB/BYPASSRLS: "
                                   "refusing to use it as a read-only BI role")
        if settings.serving_bi_role not in existing:
            cursor.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(reader))
        else:
            cursor.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(reader))
        if settings.serving_bi_password:
            if user_name not in existing:
                cursor.execute(sql.SQL("CREATE ROLE {} LOGIN").format(user))
            # only a SCRAM verifier computed here travels and could reach a server log
            verifier = psycopg2.extensions.encrypt_password(
                settings.serving_bi_password, user_name, connection, "scram-sha-256")
            cursor.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD %s").format(user), [verifier])
            cursor.execute(sql.SQL("GRANT {} TO {}").format(reader, user))
            cursor.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = marts, audit")
                           .format(user, db))
            cursor.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} "
                                   "SET default_transaction_read_only = on").format(user, db))
        else:
            log.warning("PATENTFLOW_SERVING_BI_PASSWORD is not set: no BI login user is "
                        "created or changed (the %s group role is)", settings.serving_bi_role)
        # Only the reader group may connect; nobody gets TEMP or the public schema by default.
        cursor.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
        cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, reader))
        cursor.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        # REVOKE by a non-owner only warns: check that PUBLIC really holds nothing any more
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a "
            "        WHERE d.datname = current_database() AND a.grantee = 0) "
            "     + (SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a "
            "        WHERE n.nspname = 'public' AND a.grantee = 0)")
        if cursor.fetchone()[0]:
            raise ServingError(f"could not revoke PUBLIC's privileges on database {database}: "
                               "the serving user must own it (or be a superuser)")
    connection.commit()


def _swap(connection: psycopg2.extensions.connection, staging: dict[str, str],
          reader_role: str, comment: str) -> None:
    """Old schemas away, staging schemas in, grants, old dropped: one transaction."""
    reader = sql.Identifier(reader_role)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = %s", [SWAP_LOCK_TIMEOUT])
        retired: list[str] = []
        for schema, staged in staging.items():
            if _schema_exists(cursor, schema):
                old = f"{schema}_retired"  # one underscore: no staging name looks like it
                _drop_schema(cursor, old)
                cursor.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(schema), sql.Identifier(old)))
                retired.append(old)
            cursor.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(staged), sql.Identifier(schema)))
            cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(schema), reader))
            cursor.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), reader))
            cursor.execute(sql.SQL("COMMENT ON SCHEMA {} IS %s").format(sql.Identifier(schema)),
                           [comment])
        for old in retired:
            _drop_schema(cursor, old)
    connection.commit()


def _swap_with_retries(connection: psycopg2.extensions.connection, staging: dict[str, str],
                       reader_role: str, comment: str) -> None:
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            _swap(connection, staging, reader_role, comment)
            return
        except psycopg2.errors.LockNotAvailable:
            connection.rollback()
            log.warning("schema swap waited %s for BI readers (attempt %d of %d)",
                        SWAP_LOCK_TIMEOUT, attempt, SWAP_ATTEMPTS)
            time.sleep(SWAP_RETRY_SECONDS)
    raise ServingError(f"schema swap could not get its locks in {SWAP_ATTEMPTS} attempts")


def _drop_staging(connection: psycopg2.extensions.connection, staging: dict[str, str]) -> None:
    """Best effort after a failure: the original error matters more than a failed clean-up
    (a leftover staging schema is dropped by the next serve anyway)."""
    try:
        connection.rollback()
        with connection.cursor() as cursor:
            for staged in staging.values():
                _drop_schema(cursor, staged)
        connection.commit()
    except psycopg2.Error as exc:
        log.warning("could not drop the staging schemas %s: %s", sorted(staging.values()), exc)


def serve_release(settings: Settings, release_dir: Path) -> dict[str, Any]:
    """Copy a published release into PostgreSQL and swap it in atomically.

    Returns ``{"release_id", "database", "tables": {schema.table: rows}, "rows", "seconds"}``.
    On failure the previously served schemas stay untouched and the staging schemas are dropped.
    """
    if not serving_enabled(settings):
        raise ServingNotConfigured("PostgreSQL serving is off: set PATENTFLOW_SERVING_PG_DSN")
    started = time.monotonic()
    release_dir = Path(release_dir).resolve()
    warehouse = release_dir / WAREHOUSE
    if not warehouse.is_file():
        raise ServingError(f"{release_dir} holds no {WAREHOUSE}")
    release_id = release_dir.name
    staging = {schema: staging_schema(schema, release_id) for schema in SERVED_SCHEMAS}
    with _serving_connection(str(settings.serving_pg_dsn)) as connection:
        database = connection.info.dbname
        try:
            counts = _load_staging(connection, warehouse, staging)
            _ensure_roles(connection, settings, database)
            served_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            _swap_with_retries(connection, staging, settings.serving_bi_role,
                               f"patentflow release {release_id} served {served_at}")
        except Exception:
            _drop_staging(connection, staging)
            raise
    seconds = round(time.monotonic() - started, 3)
    log.info("served release %s to PostgreSQL database %s: %d rows in %.1fs", release_id,
             database, sum(counts.values()), seconds)
    return {"release_id": release_id, "database": database, "tables": counts,
            "rows": sum(counts.values()), "seconds": seconds}


def serve_text(settings: Settings, release_id: str | None = None) -> str:
    """``patentflow serve-pg [--release ID]``: serve the current (or a named) release."""
    info = release_info(settings, release_id) if release_id else current_release(settings)
    if info is None:
        raise NoCurrentRelease(f"no release published under {settings.releases_dir}")
    result = serve_release(settings, info.path)
    lines = [f"served release {result['release_id']} to PostgreSQL database "
             f"{result['database']} in {result['seconds']:.1f}s ({result['rows']} rows)"]
    lines += [f"  {table:<40} {rows:>10}" for table, rows in result["tables"].items()]
    return "\n".join(lines)


def serve_published_release(settings: Settings, release: ReleaseInfo) -> dict[str, Any] | None:
    """For the publish task, after the ``current`` switch: serve, or alert and re-raise.

    ``None`` when serving is off. A failure never touches the DuckDB release (it is already
    current); it alerts the operator and propagates so that the task fails visibly.
    """
    if not serving_enabled(settings):
        return None
    try:
        return serve_release(settings, release.path)
    except Exception as exc:
        send_alert(settings, f"patentflow: serving {release.release_id} to PostgreSQL FAILED; "
                   "the DuckDB release is published, PostgreSQL still serves the previous one",
                   f"{type(exc).__name__}: {exc}")
        raise
