"""PostgreSQL serving: a release copied to PostgreSQL, swapped in atomically, read-only for BI.

Runs against the local PostgreSQL server (127.0.0.1:5432, PATENTFLOW_PG_* override) in a
throw-away database with throw-away roles, all dropped afterwards. The releases are small DuckDB
release directories built here, with the values that break naive copies (NULL next to '',
quotes, commas and newlines in text, decimals, time zones) and tables that must not be served.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import psycopg2.errors
import pytest
from psycopg2 import sql

from patentflow.core.settings import Settings
from patentflow.release.pg_serving import (
    ServingError,
    ServingNotConfigured,
    pg_type,
    serve_release,
    serve_text,
    serving_enabled,
    staging_schema,
)

PG = {
    "host": os.environ.get("PATENTFLOW_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("PATENTFLOW_PG_PORT", "5432")),
    "user": os.environ.get("PATENTFLOW_PG_USER", "postgres"),
}
SUFFIX = f"{os.getpid()}_{secrets.token_hex(3)}"
DATABASE = f"patentflow_bi_test_{SUFFIX}"
READER_ROLE = f"pf_bi_reader_{SUFFIX}"
BI_USER = f"pf_bi_user_{SUFFIX}"
BI_PASSWORD = secrets.token_urlsafe(16)
RELEASE_A, ROWS_A = "20250630-aaaa1111", 240
RELEASE_B, ROWS_B = "20250701-bbbb2222", 310
INDICATOR_COLUMNS = ("indicator_id, period_type, period_start, period_end, is_complete, "
                     "region_code, breakdown, value, numerator, denominator, unit, target_value, "
                     "release_id")
SERVED = {"marts.indicator_values", "marts.fct_pledges", "audit.quarantine",
          "audit.reconciliation", "audit.releases"}


def build_release(releases: Path, release_id: str, rows: int, n_releases: int) -> Path:
    """A release directory like publish writes it: read-only files, public and private tables."""
    directory = releases / release_id
    directory.mkdir(parents=True)
    con = duckdb.connect(str(directory / "warehouse.duckdb"))
    for schema in ("marts", "audit", "intermediate"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"""
        CREATE TABLE marts.indicator_values AS
        SELECT 'PAT-0' || (i % 4 + 1) AS indicator_id,
               CASE WHEN i % 3 = 0 THEN 'year' ELSE 'month' END AS period_type,
               DATE '2020-01-01' + CAST(i AS INTEGER) AS period_start,
               DATE '2020-01-31' + CAST(i AS INTEGER) AS period_end,
               i % 5 <> 0 AS is_complete,
               CASE WHEN i % 2 = 0 THEN '3701' ELSE '370102' END AS region_code,
               CASE WHEN i % 7 = 0 THEN 'industry_chain=生物医药' ELSE 'all' END AS breakdown,
               CASE WHEN i % 11 = 0 THEN NULL ELSE i * 1.25 END AS value,
               CASE WHEN i % 4 = 3 THEN CAST(i AS DOUBLE) ELSE NULL END AS numerator,
               CASE WHEN i % 4 = 3 THEN 0.1 + i ELSE NULL END AS denominator,
               CASE WHEN i % 2 = 0 THEN '件' ELSE '万元' END AS unit,
               CAST(NULL AS DOUBLE) AS target_value,
               '{release_id}' AS release_id
        FROM range({rows}) AS t(i)""")  # noqa: S608 - test fixture with constant ids
    con.execute("""
        CREATE TABLE marts.fct_pledges AS
        SELECT * FROM (VALUES ('P1', CAST(12.3456 AS DECIMAL(18,4)), 12, '', TRUE),
                              ('P2', CAST(NULL AS DECIMAL(18,4)), NULL, NULL, FALSE))
             AS t(pledge_id, loan_amount_wan, term_months, pledgee_name, is_counted)""")
    con.execute("""
        CREATE TABLE audit.quarantine AS
        SELECT * FROM (VALUES
            ('patent_api', 'patents', 'b1', 'k1', 'bad_date', 'a "quoted", comma', '{"a": "x\ny"}'),
            ('finance_api', 'pledges', 'b2', NULL, 'missing_key', '', '\\N'))
        AS t(source, entity, batch_id, record_key, reason_code, reason, raw_record)""")
    con.execute("""
        CREATE TABLE audit.reconciliation AS
        SELECT 'patent_api' AS source, 'patents' AS entity, 'b1' AS batch_id, 'p1' AS origin,
               10 AS delivered, 9 AS loaded, 1 AS quarantined, 0 AS superseded,
               TIMESTAMPTZ '2025-06-30 23:59:59.123456+08' AS extracted_at, 'abc' AS checksum""")
    con.execute(f"""
        CREATE TABLE audit.releases AS
        SELECT 'r' || i AS release_id, 'superseded' AS status, CAST(i AS BIGINT) AS n_revisions
        FROM range({n_releases}) AS t(i)""")  # noqa: S608 - test fixture
    con.execute("CREATE TABLE audit.private_note AS SELECT 'not public' AS note")
    con.execute("CREATE TABLE intermediate.unpublished AS SELECT 1 AS secret")
    con.close()
    for path in (directory / "warehouse.duckdb", directory):
        path.chmod(0o444 if path.is_file() else 0o555)
    return directory


def _admin(dbname: str) -> psycopg2.extensions.connection:
    connection = psycopg2.connect(dbname=dbname, connect_timeout=5, **PG)
    connection.autocommit = True
    return connection


def _reader() -> psycopg2.extensions.connection:
    connection = psycopg2.connect(dbname=DATABASE, user=BI_USER, password=BI_PASSWORD,
                                  host=PG["host"], port=PG["port"], connect_timeout=5)
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A throw-away database, release A served into it; everything dropped afterwards."""
    try:
        admin = _admin("postgres")
    except psycopg2.OperationalError as error:
        pytest.skip(f"PostgreSQL server not reachable at {PG['host']}:{PG['port']} as "
                    f"{PG['user']} (start it with pg_ctlcluster): {error}")
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    home = tmp_path_factory.mktemp("serving_home")
    releases = home / "releases"
    settings = Settings(
        home=home, drop_dir=home / "drop",
        serving_pg_dsn=f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{DATABASE}",
        serving_bi_password=BI_PASSWORD, serving_bi_user=BI_USER, serving_bi_role=READER_ROLE)
    release_a = build_release(releases, RELEASE_A, ROWS_A, n_releases=1)
    release_b = build_release(releases, RELEASE_B, ROWS_B, n_releases=2)
    try:
        first = serve_release(settings, release_a)
        yield {"settings": settings, "a": release_a, "b": release_b, "first": first}
    finally:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASE])
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
            for role in (BI_USER, READER_ROLE):
                cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        admin.close()
        for release in (release_a, release_b):
            for path in (release, release / "warehouse.duckdb"):
                path.chmod(0o755 if path.is_dir() else 0o644)


def _duckdb_indicator_rows(release: Path) -> list[tuple]:
    con = duckdb.connect(str(release / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT {INDICATOR_COLUMNS} FROM marts.indicator_values "  # noqa: S608
                           "ORDER BY ALL").fetchall()
    finally:
        con.close()


# --- without a server ----------------------------------------------------------------------------

def test_serving_is_off_without_a_dsn(tmp_path):
    settings = Settings(home=tmp_path, drop_dir=tmp_path / "drop")
    assert not serving_enabled(settings)
    with pytest.raises(ServingNotConfigured):
        serve_release(settings, tmp_path)


def test_staging_schema_names_fit_postgresql_and_stay_distinct():
    assert staging_schema("marts", "20250630-c441881d") == "marts__20250630_c441881d"
    long_a, long_b = "x" * 120 + "a", "x" * 120 + "b"
    assert len(staging_schema("audit", long_a)) <= 63
    assert staging_schema("audit", long_a) != staging_schema("audit", long_b)


def test_duckdb_types_map_to_postgresql_types():
    assert pg_type("DECIMAL(18,4)").as_string(None) == "numeric(18, 4)"
    assert pg_type("TIMESTAMP WITH TIME ZONE").as_string(None) == "timestamptz"
    assert pg_type("VARCHAR[]").as_string(None) == "text"


# --- against the local server --------------------------------------------------------------------

@pytest.mark.postgres
def test_bi_reader_sees_exactly_the_release_tables_and_rows(served):
    assert set(served["first"]["tables"]) == SERVED
    assert served["first"]["tables"]["marts.indicator_values"] == ROWS_A
    reader = _reader()
    try:
        with reader.cursor() as cursor:
            cursor.execute(f"SELECT {INDICATOR_COLUMNS} FROM marts.indicator_values")  # noqa: S608
            served_rows = sorted(cursor.fetchall(), key=repr)
            cursor.execute("SELECT reason, raw_record, record_key FROM audit.quarantine "
                           "ORDER BY batch_id")
            quarantine = cursor.fetchall()
            cursor.execute("SELECT pledge_id, loan_amount_wan::text, pledgee_name "
                           "FROM marts.fct_pledges ORDER BY 1")
            pledges = cursor.fetchall()
            cursor.execute("SELECT extracted_at = '2025-06-30 15:59:59.123456+00'::timestamptz "
                           "FROM audit.reconciliation")
            same_instant = cursor.fetchone()[0]
    finally:
        reader.close()
    assert served_rows == sorted(_duckdb_indicator_rows(served["a"]), key=repr)
    # NULL and '' stay apart, quotes, commas and newlines survive
    assert quarantine == [('a "quoted", comma', '{"a": "x\ny"}', "k1"), ("", "\\N", None)]
    assert pledges == [("P1", "12.3456", ""), ("P2", None, None)]
    assert same_instant


@pytest.mark.postgres
def test_bi_reader_cannot_write_create_or_drop(served):
    reader = _reader()
    try:
        with reader.cursor() as cursor:
            cursor.execute("SHOW default_transaction_read_only")
            assert cursor.fetchone()[0] == "on"
            with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
                cursor.execute("DELETE FROM marts.indicator_values")
            # privileges refuse even when the session turns read-only off
            cursor.execute("SET default_transaction_read_only = off")
            for statement in (
                "INSERT INTO marts.indicator_values (indicator_id) VALUES ('X')",
                "UPDATE marts.indicator_values SET value = 0",
                "DELETE FROM audit.quarantine",
                "CREATE TABLE marts.mine (x int)",
                "CREATE TABLE public.mine (x int)",
                "CREATE TEMP TABLE mine (x int)",
                "CREATE SCHEMA mine",
                "DROP TABLE marts.indicator_values",
                "DROP SCHEMA audit CASCADE",
                "TRUNCATE marts.fct_pledges",
            ):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
            cursor.execute("SELECT count(*) FROM marts.indicator_values")
            assert cursor.fetchone()[0] == ROWS_A
    finally:
        reader.close()


@pytest.mark.postgres
def test_schemas_other_than_marts_and_audit_are_refused(served):
    admin = _admin(DATABASE)
    try:
        with admin.cursor() as cursor:
            cursor.execute("CREATE SCHEMA IF NOT EXISTS other_team")
            cursor.execute("CREATE TABLE IF NOT EXISTS other_team.salaries (x int)")
            cursor.execute("CREATE TABLE IF NOT EXISTS public.scratch (x int)")
    finally:
        admin.close()
    reader = _reader()
    try:
        with reader.cursor() as cursor:
            for table in ("other_team.salaries", "public.scratch"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - constant names
            cursor.execute("SELECT DISTINCT table_schema || '.' || table_name "
                           "FROM information_schema.tables WHERE table_schema NOT IN "
                           "('pg_catalog', 'information_schema')")
            visible = {row[0] for row in cursor.fetchall()}
    finally:
        reader.close()
    assert visible == SERVED  # no staging, private, intermediate or other tables


@pytest.mark.postgres
def test_a_polling_reader_always_sees_one_complete_release_during_repeated_serves(served):
    """The schema swap is atomic: counts are A's or B's, marts and audit from the same one."""
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def poll() -> None:
        reader = _reader()
        try:
            with reader.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute("SELECT (SELECT count(*) FROM marts.indicator_values), "
                                   "(SELECT count(*) FROM audit.releases)")
                    seen.append(cursor.fetchone())
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)
        finally:
            reader.close()

    thread = threading.Thread(target=poll)
    thread.start()
    durations = []
    try:
        for release in (served["b"], served["a"], served["b"], served["a"], served["b"]):
            durations.append(serve_release(served["settings"], release)["seconds"])
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert set(seen) <= {(ROWS_A, 1), (ROWS_B, 2)}
    assert set(seen) == {(ROWS_A, 1), (ROWS_B, 2)}, "the reader never overlapped a swap"
    assert len(seen) > 50
    assert all(seconds < 30 for seconds in durations)


@pytest.mark.postgres
def test_a_failed_serve_keeps_the_served_release_and_leaves_no_staging(served, tmp_path):
    serve_release(served["settings"], served["a"])
    broken = tmp_path / "20250702-broken"
    broken.mkdir()
    duckdb.connect(str(broken / "warehouse.duckdb")).close()  # no marts at all
    with pytest.raises(ServingError):
        serve_release(served["settings"], broken)
    admin = _admin(DATABASE)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM marts.indicator_values")
            assert cursor.fetchone()[0] == ROWS_A
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                           ["%\\_\\_%"])
            assert cursor.fetchall() == []
            cursor.execute("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace "
                           "WHERE nspname = 'marts'")
            assert cursor.fetchone()[0].startswith(f"patentflow release {RELEASE_A} ")
    finally:
        admin.close()


@pytest.mark.postgres
def test_serve_text_serves_the_current_release(served):
    settings = served["settings"]
    releases = settings.releases_dir
    (releases / "current").symlink_to(RELEASE_B)
    (releases / RELEASE_B).chmod(0o755)
    try:
        (releases / RELEASE_B / "manifest.json").write_text('{"run_id": "r"}', encoding="utf-8")
        text = serve_text(settings)
    finally:
        (releases / RELEASE_B / "manifest.json").unlink()
        (releases / RELEASE_B).chmod(0o555)
        (releases / "current").unlink()
    assert text.startswith(f"served release {RELEASE_B} to PostgreSQL database {DATABASE}")
    assert ["marts.indicator_values", str(ROWS_B)] in [line.split() for line in text.splitlines()]
    admin = _admin(DATABASE)
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM marts.indicator_values")
            assert cursor.fetchone()[0] == ROWS_B
    finally:
        admin.close()


@pytest.mark.postgres
def test_bi_login_is_a_nologin_group_member_with_a_scram_password_only(served):
    admin = _admin("postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, "
                           "rolpassword FROM pg_authid WHERE rolname IN (%s, %s)",
                           [READER_ROLE, BI_USER])
            roles = {row[0]: row[1:] for row in cursor.fetchall()}
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [BI_USER, READER_ROLE])
            member = cursor.fetchone()[0]
    finally:
        admin.close()
    assert roles[READER_ROLE][:4] == (False, False, False, False)
    login, superuser, createrole, createdb, password = roles[BI_USER]
    assert (login, superuser, createrole, createdb, member) == (True, False, False, False, True)
    assert password.startswith("SCRAM-SHA-256$") and BI_PASSWORD not in password


@pytest.mark.postgres
def test_a_release_named_like_a_retired_schema_is_served(served):
    """Staging names are ``<schema>__<id>``, the retired ones ``<schema>_retired``: never equal."""
    odd = build_release(served["a"].parent, "retired", 7, n_releases=1)
    try:
        assert serve_release(served["settings"], odd)["tables"]["marts.indicator_values"] == 7
    finally:
        serve_release(served["settings"], served["a"])
        for path in (odd, odd / "warehouse.duckdb"):
            path.chmod(0o755 if path.is_dir() else 0o644)
