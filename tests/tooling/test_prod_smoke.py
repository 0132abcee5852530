"""The production-shape smoke run (``python -m devtools.prod_smoke``).

The end-to-end test needs the local PostgreSQL and Redis servers; without them it skips and says
which one is missing. The helper tests need nothing and pin what the run's environment must
contain: the compose file's executor, metadata database and broker, and no printable secret.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import date
from pathlib import Path

import pytest

from devtools import prod_smoke
from patentflow.core.redaction import redact, redacted_env
from patentflow.core.settings import load_settings

PG_URL = "postgresql://postgres:pg-secret@127.0.0.1:5432/postgres"


def _secrets() -> prod_smoke.SmokeSecrets:
    return prod_smoke.SmokeSecrets("fernet-value", "jwt-value", "api-value", "admin-value")


def _env(tmp_path: Path, **kwargs) -> dict[str, str]:
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path / "home")})
    conn, backend = prod_smoke.metadata_urls(PG_URL, "patentflow_smoke_abc")
    return prod_smoke.smoke_env(
        settings, sql_alchemy_conn=conn, result_backend=backend,
        broker=prod_smoke.broker_url("redis://127.0.0.1:6379", 7), api_port=41234,
        secrets_=_secrets(), passwords_file=tmp_path / "passwords.json", **kwargs)


def test_env_is_the_compose_production_shape(tmp_path):
    env = _env(tmp_path)

    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        "postgresql+psycopg2://postgres:pg-secret@127.0.0.1:5432/patentflow_smoke_abc")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == (
        "db+postgresql://postgres:pg-secret@127.0.0.1:5432/patentflow_smoke_abc")
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/7"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:41234/execution/"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    assert env["AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE"] == "False"
    assert env["PATENTFLOW_HOME"] == str((tmp_path / "home").resolve())


def test_env_ignores_inherited_airflow_settings_and_real_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "64")
    monkeypatch.setenv("AIRFLOW__WEBSERVER__SOMETHING", "x")
    monkeypatch.setenv("PATENTFLOW_PATENT_API_URL", "https://real.example/patents")

    env = _env(tmp_path, extra={"PATENTFLOW_FINANCE_API_URL": "http://127.0.0.1:1"})

    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CORE__PARALLELISM"] == "4"
    assert "AIRFLOW__WEBSERVER__SOMETHING" not in env
    assert "PATENTFLOW_PATENT_API_URL" not in env
    assert env["PATENTFLOW_FINANCE_API_URL"] == "http://127.0.0.1:1"


def test_worker_alone_reports_its_unique_hostname(tmp_path, monkeypatch):
    env = _env(tmp_path)
    worker = prod_smoke.worker_env(env, "patentflow-smoke-worker-x")

    assert "AIRFLOW__CORE__HOSTNAME_CALLABLE" not in env
    assert worker["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == "devtools.prod_smoke.worker_hostname"
    monkeypatch.setenv(prod_smoke.WORKER_HOSTNAME_ENV, worker[prod_smoke.WORKER_HOSTNAME_ENV])
    assert prod_smoke.worker_hostname() == "patentflow-smoke-worker-x"
    monkeypatch.delenv(prod_smoke.WORKER_HOSTNAME_ENV)
    assert prod_smoke.worker_hostname() == socket.getfqdn()


def test_no_secret_survives_redaction(tmp_path):
    env = _env(tmp_path, extra={"PATENTFLOW_PATENT_API_TOKEN": "tok-value",
                                "AIRFLOW__CELERY__BROKER_URL": "redis://:redis-pw@127.0.0.1:6379/3"})
    printable = json.dumps(redacted_env(env))

    for secret in ("fernet-value", "jwt-value", "api-value", "pg-secret", "tok-value",
                   "redis-pw"):
        assert secret not in printable
    assert "patentflow_smoke_abc" in printable
    assert redact("see postgresql://u:p4ss@h/db and redis://:x@h/1") == (
        "see postgresql://u:***@h/db and redis://:***@h/1")


def test_url_helpers():
    assert prod_smoke.with_database("postgresql://postgres@127.0.0.1:5432/postgres", "x") == (
        "postgresql://postgres@127.0.0.1:5432/x")
    assert prod_smoke.broker_url("redis://127.0.0.1:6379/0", 9) == "redis://127.0.0.1:6379/9"


def test_components_of_a_celery_deployment_bind_localhost():
    commands = prod_smoke.component_commands("airflow", 41234, "w1", 2, with_triggerer=True)

    assert list(commands) == ["api-server", "scheduler", "dag-processor", "celery-worker",
                              "triggerer"]
    assert commands["api-server"][1:] == ["api-server", "--host", "127.0.0.1", "--port", "41234",
                                          "--workers", "1"]
    assert commands["celery-worker"][1:6] == ["celery", "worker", "--concurrency", "2",
                                              "--celery-hostname"]
    assert "triggerer" not in prod_smoke.component_commands("airflow", 1, "w", 1, False)


@pytest.mark.parametrize(("states", "settled"), [
    (["success"], True),
    (["failed", "success"], True),
    (["success", "queued"], False),
    (["running"], False),
    (["failed"], False),
    ([], False),
])
def test_build_runs_settled(states, settled):
    assert prod_smoke.build_runs_settled([{"state": s} for s in states]) is settled


def test_verify_rejects_tasks_that_did_not_run_on_the_worker(tmp_path):
    report = prod_smoke.SmokeReport(home=tmp_path, indicator_rows=10, celery_successes=2)
    report.task_instances = [
        {"dag_id": "d", "task_id": "a", "state": "success", "hostname": "worker-1"},
        {"dag_id": "d", "task_id": "b", "state": "success", "hostname": "scheduler-host"},
    ]
    with pytest.raises(prod_smoke.SmokeFailed, match="not run by the Celery worker"):
        prod_smoke.verify(report, "worker-1")

    report.task_instances[1]["hostname"] = "worker-1"
    prod_smoke.verify(report, "worker-1")

    report.celery_successes = 1
    with pytest.raises(prod_smoke.SmokeFailed, match="result backend"):
        prod_smoke.verify(report, "worker-1")
    report.celery_successes, report.indicator_rows = 2, 0
    with pytest.raises(prod_smoke.SmokeFailed, match="indicator_values"):
        prod_smoke.verify(report, "worker-1")


def test_unreachable_redis_fails_before_anything_starts(tmp_path):
    options = prod_smoke.SmokeOptions(home=tmp_path / "smoke",
                                      redis_url=f"redis://127.0.0.1:{prod_smoke.free_port()}")

    with pytest.raises(prod_smoke.SmokeFailed, match="Redis not reachable"):
        prod_smoke.run_smoke(options, echo=lambda _line: None)
    assert not (tmp_path / "smoke" / "sandbox").exists()


@pytest.mark.redis
def test_unreachable_postgres_fails_without_leaking_the_password(tmp_path):
    if "Redis" in " ".join(_missing_services()):
        pytest.skip("needs Redis at 127.0.0.1:6379 to get as far as PostgreSQL")
    port = prod_smoke.free_port()
    options = prod_smoke.SmokeOptions(home=tmp_path / "smoke",
                                      pg_url=f"postgresql://postgres:pg-secret@127.0.0.1:{port}/x")

    with pytest.raises(prod_smoke.SmokeFailed, match="PostgreSQL not reachable") as failure:
        prod_smoke.run_smoke(options, echo=lambda _line: None)
    assert "pg-secret" not in str(failure.value)
    assert not (tmp_path / "smoke" / "sandbox").exists()


# --------------------------------------------------------------------------- end to end


def _missing_services() -> list[str]:
    missing = []
    try:
        import psycopg2

        psycopg2.connect(prod_smoke.DEFAULT_PG_URL, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
        missing.append(f"PostgreSQL at 127.0.0.1:5432 ({type(exc).__name__})")
    try:
        import redis

        redis.Redis.from_url(prod_smoke.DEFAULT_REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        missing.append(f"Redis at 127.0.0.1:6379 ({type(exc).__name__})")
    return missing


@pytest.mark.e2e
@pytest.mark.postgres
@pytest.mark.redis
def test_prod_smoke_publishes_through_the_celery_worker(tmp_path):
    missing = _missing_services()
    if missing:
        pytest.skip("production-shape smoke run needs " + " and ".join(missing))
    import psycopg2
    import redis

    lines: list[str] = []
    report = prod_smoke.run_smoke(
        prod_smoke.SmokeOptions(as_of=date(2025, 6, 30), scale=0.01, home=tmp_path / "smoke",
                                timeout=420),
        echo=lines.append)

    assert report.indicator_rows > 0
    assert report.release_path == tmp_path / "smoke" / "releases" / "current" / "warehouse.duckdb"
    for dag_id in ("patentflow_ingest_patent_api", "patentflow_ingest_finance_api",
                   "patentflow_ingest_tech_contracts", "patentflow_ingest_reference"):
        assert [run["state"] for run in report.dag_runs[dag_id]] == ["success"]
    # One build, created by the scheduler from the four queued asset events.
    builds = report.dag_runs["patentflow_build"]
    assert [(run["run_type"], run["state"]) for run in builds] == [("asset_triggered", "success")]
    ran = {(ti["dag_id"], ti["task_id"]) for ti in report.task_instances
           if ti["state"] == "success"}
    assert {("patentflow_build", "publish"),
            ("patentflow_ingest_patent_api", "ingest_patent_api")} <= ran
    assert {ti["hostname"] for ti in report.task_instances if ti["state"] == "success"} == {
        report.worker_name}
    assert report.celery_successes >= len(ran)
    assert "celery@" + report.worker_name in (tmp_path / "smoke/logs/celery-worker.log").read_text()

    # Torn down: database dropped, Redis database empty, no component left running.
    with psycopg2.connect(prod_smoke.DEFAULT_PG_URL) as connection, connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (report.database,))
        assert cur.fetchone()[0] == 0
    broker = redis.Redis.from_url(prod_smoke.broker_url(prod_smoke.DEFAULT_REDIS_URL,
                                                        report.redis_db))
    assert broker.dbsize() == 0
    assert any(line.startswith("triggered 4 ingestion DAGs") for line in lines)
    for pid in report.component_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not (tmp_path / "smoke" / "airflow" / "simple_auth_passwords.json").exists()
