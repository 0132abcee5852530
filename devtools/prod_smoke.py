"""Production-shape smoke run: the real DAGs on CeleryExecutor + PostgreSQL + Redis, no Docker.

``docker-compose.yml`` describes production, but ``tests/test_compose.py`` only checks its shape,
and ``patentflow run`` executes the DAGs through ``DAG.test`` on SQLite. Neither proves that the
DAGs run when the scheduler, the DAG processor, the api-server (with the Task SDK execution API)
and a Celery worker are separate processes talking through a PostgreSQL metadata database and a
Redis broker. This module does exactly that on one machine, with the local PostgreSQL and Redis:

    python -m devtools.prod_smoke [--as-of 2025-06-30] [--scale 0.01] [--home DIR]

1. creates a fresh database ``patentflow_smoke_<random>`` and picks an empty Redis database;
2. migrates it, creates the ``duckdb_writer`` pool and a SimpleAuthManager admin with a random
   password (authentication stays on, as in production);
3. starts the sandbox source systems and the Airflow components, each in its own process group,
   bound to 127.0.0.1 on free ports, logging to ``<home>/logs``;
4. unpauses the DAGs and triggers the four ingestion DAGs for the data interval ending on
   ``as_of`` through the REST API, with the scheduler's own run creation off (no cron run for
   "yesterday"); once they succeeded, pauses them and restarts the scheduler in its production
   setting, which turns the four queued asset events into one ``patentflow_build`` run;
5. asserts a release was published (``marts.indicator_values`` has rows) and that every task ran
   on the Celery worker (the task instances carry the worker's unique hostname and the Celery
   result backend recorded the tasks);
6. always tears everything down: process groups, sandbox, database, Redis database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from patentflow.core.intervals import interval_for_as_of
from patentflow.core.redaction import redact
from patentflow.core.settings import Settings, load_settings
from patentflow.orchestration import embedded_airflow

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"
ADMIN_USER = "smoke-admin"
WORKER_HOSTNAME_ENV = "PATENTFLOW_SMOKE_WORKER_HOSTNAME"
ACTIVE_STATES = {"queued", "running"}


class SmokeFailed(RuntimeError):
    """The production-shape run did not publish a release through the Celery worker."""


# --------------------------------------------------------------------------- pure helpers


def worker_hostname() -> str:
    """``[core] hostname_callable`` of the Celery worker only.

    Task instances record the hostname their task process reports; on one machine every component
    shares the real hostname, so the worker gets a unique one and a task instance carrying it
    proves the task ran inside the worker, not in the scheduler or a local executor.
    """
    return os.environ.get(WORKER_HOSTNAME_ENV) or socket.getfqdn()


def with_database(url: str, database: str) -> str:
    """``url`` (any PostgreSQL URL) pointing at ``database`` instead of its own path."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def metadata_urls(pg_url: str, database: str) -> tuple[str, str]:
    """The SQLAlchemy metadata URL and the Celery result backend URL for ``database``."""
    target = with_database(pg_url, database)
    rest = target.split("://", 1)[1]
    return f"postgresql+psycopg2://{rest}", f"db+postgresql://{rest}"


def broker_url(redis_url: str, db: int) -> str:
    """The Celery broker URL: ``redis_url`` with its database number replaced by ``db``."""
    parts = urllib.parse.urlsplit(redis_url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))


@dataclass(frozen=True)
class SmokeSecrets:
    """Fresh per run, never printed: what compose reads from ``.env`` in production."""

    fernet_key: str
    jwt_secret: str
    api_secret_key: str
    admin_password: str

    @classmethod
    def generate(cls) -> SmokeSecrets:
        from cryptography.fernet import Fernet

        return cls(Fernet.generate_key().decode(), secrets.token_hex(32), secrets.token_hex(32),
                   secrets.token_urlsafe(24))


def smoke_env(settings: Settings, *, sql_alchemy_conn: str, result_backend: str, broker: str,
              api_port: int, secrets_: SmokeSecrets, passwords_file: Path,
              worker_concurrency: int = 2,
              extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every Airflow component of the smoke run shares.

    Starts from the embedded installation's environment (same DAG folder, time zone, PATH and
    ``PATENTFLOW_*`` settings) and switches it to the compose file's production shape: Celery,
    PostgreSQL, Redis, the execution API on the local api-server, authentication on. Inherited
    ``AIRFLOW__*`` variables are dropped so a developer's shell cannot change what is proved, and
    so are real source URLs and tokens: the smoke run always reads the sandbox it starts.
    """
    env = embedded_airflow.airflow_env(settings)
    for name in list(env):
        inherited = name.startswith("AIRFLOW__") and name in os.environ
        real_source = name.startswith(("PATENTFLOW_PATENT_API_", "PATENTFLOW_FINANCE_API_"))
        if inherited or real_source:
            del env[name]
    env.update({
        "AIRFLOW__CORE__DAGS_FOLDER": str(embedded_airflow.DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.home / "airflow" / "logs"),
    })
    env.update({
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn,
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(worker_concurrency),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__FERNET_KEY": secrets_.fernet_key,
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets_.jwt_secret,
        "AIRFLOW__API__SECRET_KEY": secrets_.api_secret_key,
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
        # Phase 1 of the run: the DAGs start in 2024 and catchup is off, so cron scheduling would
        # add an ingestion run for "yesterday" that the sandbox has no data for. This setting
        # stops the scheduler from creating any run itself (cron *and* asset-triggered); manual
        # runs still execute. run_smoke restarts the scheduler without it for the build.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    })
    if extra:
        env.update(extra)
    return env


def worker_env(env: Mapping[str, str], hostname: str) -> dict[str, str]:
    """The Celery worker's environment: the shared one plus its unique task hostname."""
    return {**env, WORKER_HOSTNAME_ENV: hostname,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "devtools.prod_smoke.worker_hostname"}


def component_commands(airflow_bin: str, api_port: int, worker_name: str,
                       concurrency: int, with_triggerer: bool) -> dict[str, list[str]]:
    """The long-running Airflow processes of a Celery deployment, in start order."""
    commands = {
        "api-server": [airflow_bin, "api-server", "--host", "127.0.0.1", "--port", str(api_port),
                       "--workers", "1"],
        "scheduler": [airflow_bin, "scheduler"],
        "dag-processor": [airflow_bin, "dag-processor"],
        # Serving worker logs needs another port; the api-server reads the shared log folder.
        "celery-worker": [airflow_bin, "celery", "worker", "--concurrency", str(concurrency),
                          "--celery-hostname", worker_name, "--skip-serve-logs",
                          "--without-gossip", "--without-mingle"],
    }
    if with_triggerer:
        commands["triggerer"] = [airflow_bin, "triggerer"]
    return commands


def build_runs_settled(runs: list[dict[str, Any]]) -> bool:
    """True when no build run is queued or running and at least one succeeded."""
    states = [run["state"] for run in runs]
    return not any(s in ACTIVE_STATES for s in states) and "success" in states


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- processes


@dataclass
class Component:
    """One long-running process in its own process group (so its children die with it)."""

    name: str
    process: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM the group (warm shutdown), SIGKILL whatever is left after ``grace`` seconds."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        # Task processes forked by the worker share its group: make sure none outlives it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def start_component(name: str, command: list[str], env: Mapping[str, str],
                    log_dir: Path) -> Component:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as handle:
        process = subprocess.Popen(command, env=dict(env), stdout=handle, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return Component(name, process, log_path)


# --------------------------------------------------------------------------- REST API


class ApiClient:
    """The few Airflow REST API v2 calls the smoke run makes, with a JWT from ``/auth/token``."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._token: str | None = None

    def _request(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token()}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise SmokeFailed(f"{method} {path}: HTTP {exc.code}: {detail}") from exc
        return json.loads(payload) if payload else None

    def token(self) -> str:
        if self._token is None:
            answer = self._request("POST", "/auth/token",
                                   {"username": self._username, "password": self._password},
                                   auth=False)
            self._token = answer["access_token"]
        return self._token

    def healthy(self) -> bool:
        try:
            health = self._request("GET", "/api/v2/monitor/health", auth=False)
        except (OSError, SmokeFailed):
            return False
        return (health.get("metadatabase", {}).get("status") == "healthy"
                and health.get("scheduler", {}).get("status") == "healthy")

    def dag_ids(self) -> set[str]:
        answer = self._request("GET", "/api/v2/dags?dag_id_pattern=patentflow&limit=100")
        return {dag["dag_id"] for dag in answer["dags"]}

    def unpause(self, dag_id: str) -> None:
        self._request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def pause(self, dag_id: str) -> None:
        self._request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": True})

    def trigger(self, dag_id: str, run_id: str, start: datetime, end: datetime) -> dict:
        return self._request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {
            "dag_run_id": run_id, "logical_date": start.isoformat(),
            "data_interval_start": start.isoformat(), "data_interval_end": end.isoformat(),
            "conf": {},
        })

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return self._request("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]


# --------------------------------------------------------------------------- the run


@dataclass
class SmokeOptions:
    as_of: date = date(2025, 6, 30)
    scale: float = 0.01
    home: Path | None = None
    pg_url: str = DEFAULT_PG_URL
    redis_url: str = DEFAULT_REDIS_URL
    timeout: float = 600.0
    worker_concurrency: int = 2
    with_triggerer: bool = False
    keep_home: bool = True


@dataclass
class SmokeReport:
    home: Path
    database: str = ""
    redis_db: int = -1
    worker_name: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    dag_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    task_instances: list[dict[str, Any]] = field(default_factory=list)
    celery_successes: int = 0
    component_pids: list[int] = field(default_factory=list)
    indicator_rows: int = 0
    release_path: Path | None = None

    def summary_lines(self) -> list[str]:
        lines = [f"metadata DB: postgresql database {self.database}; broker: redis db "
                 f"{self.redis_db}; worker {self.worker_name}"]
        for dag_id, runs in self.dag_runs.items():
            for run in runs:
                lines.append(f"{dag_id} [{run['run_type']}]: {run['state']} "
                             f"({run.get('seconds', 0.0):.1f}s)")
        ran = [ti for ti in self.task_instances if ti["state"] in ("success", "failed")]
        hosts = sorted({ti["hostname"] for ti in ran})
        lines.append(f"task instances: {len(ran)} ran on {hosts}, "
                     f"Celery result backend: {self.celery_successes} SUCCESS")
        lines.append(f"published: {self.release_path} ({self.indicator_rows} indicator rows)")
        lines.append("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items()))
        lines.append(f"logs: {self.home / 'logs'}")
        return lines


def _pg_connect(url: str):
    import psycopg2

    return psycopg2.connect(url)


def _run_on_server(pg_url: str, statement) -> None:
    """Run one server-level statement (CREATE/DROP DATABASE cannot run in a transaction)."""
    try:
        connection = _pg_connect(pg_url)
    except Exception as exc:  # noqa: BLE001 - psycopg2 raises several kinds; all mean "no server"
        raise SmokeFailed(f"PostgreSQL not reachable at {redact(pg_url)}: "
                          f"{type(exc).__name__}") from exc
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def create_database(pg_url: str, database: str) -> None:
    from psycopg2 import sql

    _run_on_server(pg_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def drop_database(pg_url: str, database: str) -> None:
    from psycopg2 import sql

    _run_on_server(pg_url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(database)))


def choose_redis_db(redis_url: str) -> int:
    """An empty Redis database among 1..15 (0 is left to whoever uses the default)."""
    import random

    import redis

    candidates = list(range(1, 16))
    random.shuffle(candidates)
    for db in candidates:
        client = redis.Redis.from_url(broker_url(redis_url, db), socket_connect_timeout=3)
        try:
            if client.dbsize() == 0:
                return db
        except redis.RedisError as exc:
            raise SmokeFailed(f"Redis not reachable at {redact(redis_url)}: "
                              f"{type(exc).__name__}") from exc
        finally:
            client.close()
    raise SmokeFailed("no empty Redis database among 1..15")


def flush_redis_db(redis_url: str, db: int) -> None:
    import redis

    client = redis.Redis.from_url(broker_url(redis_url, db))
    try:
        client.flushdb()
    finally:
        client.close()


def _wait(predicate: Callable[[], bool], timeout: float, what: str,
          components: list[Component], interval: float = 1.0) -> None:
    """Poll ``predicate`` until true; fail early, with its log tail, if a component died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for component in components:
            if not component.alive():
                raise SmokeFailed(f"{component.name} exited ({component.process.returncode}) "
                                  f"while waiting for {what}:\n{component.log_tail()}")
        with contextlib.suppress(OSError):
            if predicate():
                return
        time.sleep(interval)
    raise SmokeFailed(f"timed out after {timeout:.0f}s waiting for {what}")


def _run_seconds(run: dict[str, Any]) -> float:
    if run.get("start_date") and run.get("end_date"):
        start = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(run["end_date"].replace("Z", "+00:00"))
        return (end - start).total_seconds()
    return 0.0


def _task_instances(sql_alchemy_conn: str) -> tuple[list[dict[str, Any]], int]:
    """Every task instance's execution facts, and how many Celery tasks the backend recorded."""
    connection = _pg_connect(sql_alchemy_conn.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT dag_id, run_id, task_id, state, hostname, queue, executor "
                           "FROM task_instance ORDER BY start_date")
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            cursor.execute("SELECT to_regclass('celery_taskmeta') IS NOT NULL")
            successes = 0
            if cursor.fetchone()[0]:
                cursor.execute("SELECT count(*) FROM celery_taskmeta WHERE status = 'SUCCESS'")
                successes = cursor.fetchone()[0]
    finally:
        connection.close()
    return rows, successes


def _indicator_rows(settings: Settings) -> tuple[Path, int]:
    import duckdb

    path = settings.releases_dir / "current" / "warehouse.duckdb"
    if not path.exists():
        raise SmokeFailed(f"no published release at {path}")
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute("SELECT count(*) FROM marts.indicator_values").fetchone()[0]
    return path, int(rows)


def verify(report: SmokeReport, worker_name: str) -> None:
    """The two claims of the smoke run: a release was published, and the Celery worker ran it."""
    if report.indicator_rows <= 0:
        raise SmokeFailed(f"release {report.release_path} has no marts.indicator_values rows")
    ran = [ti for ti in report.task_instances if ti["state"] in ("success", "failed")]
    if not ran:
        raise SmokeFailed("no task instance ran")
    elsewhere = [ti for ti in ran if ti["hostname"] != worker_name]
    if elsewhere:
        raise SmokeFailed(f"task instances not run by the Celery worker {worker_name}: "
                          f"{[(ti['dag_id'], ti['task_id'], ti['hostname']) for ti in elsewhere]}")
    if report.celery_successes < len(ran):
        raise SmokeFailed(f"the Celery result backend recorded {report.celery_successes} "
                          f"successful tasks for {len(ran)} task instances")


def run_smoke(options: SmokeOptions, echo: Callable[[str], None] = print) -> SmokeReport:
    """Run the production shape once; raise SmokeFailed unless it published through Celery.

    Everything started here is stopped and dropped before returning, on success or failure.
    """
    from patentflow.orchestration.local_run import SandboxOptions, start_sandbox, stop_sandbox

    started = time.monotonic()
    home = (options.home or Path(tempfile.mkdtemp(prefix="patentflow-smoke-"))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    settings = load_settings({"PATENTFLOW_HOME": str(home)})
    token = secrets.token_hex(4)
    report = SmokeReport(home=home, database=f"patentflow_smoke_{token}",
                         worker_name=f"patentflow-smoke-worker-{token}")
    log_dir = home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    components: list[Component] = []
    database_created = sandbox_started = False

    def lap(name: str, since: float) -> float:
        report.seconds[name] = time.monotonic() - since
        return time.monotonic()

    try:
        mark = time.monotonic()
        report.redis_db = choose_redis_db(options.redis_url)
        create_database(options.pg_url, report.database)
        database_created = True
        sql_alchemy_conn, result_backend = metadata_urls(options.pg_url, report.database)
        api_port = free_port()
        secrets_ = SmokeSecrets.generate()
        passwords_file = home / "airflow" / "simple_auth_passwords.json"
        passwords_file.parent.mkdir(parents=True, exist_ok=True)
        passwords_file.touch(mode=0o600)
        passwords_file.write_text(json.dumps({ADMIN_USER: secrets_.admin_password}),
                                  encoding="utf-8")

        echo(f"sandbox (scale {options.scale}) and metadata database {report.database}")
        sandbox_env = start_sandbox(settings, options.as_of, SandboxOptions(scale=options.scale))
        sandbox_started = True
        env = smoke_env(settings, sql_alchemy_conn=sql_alchemy_conn,
                        result_backend=result_backend,
                        broker=broker_url(options.redis_url, report.redis_db), api_port=api_port,
                        secrets_=secrets_, passwords_file=passwords_file,
                        worker_concurrency=options.worker_concurrency, extra=sandbox_env)
        mark = lap("sandbox+database", mark)

        embedded_airflow.prepare(settings, env, log_dir / "prepare.log")
        mark = lap("migrate+pool", mark)

        airflow_bin = str(Path(sys.executable).parent / "airflow")
        commands = component_commands(airflow_bin, api_port, report.worker_name,
                                      options.worker_concurrency, options.with_triggerer)
        if options.with_triggerer:
            # Its log server would otherwise take the fixed default port 8794.
            env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] = str(free_port())
        for name, command in commands.items():
            component_env = worker_env(env, report.worker_name) if name == "celery-worker" else env
            components.append(start_component(name, command, component_env, log_dir))
            report.component_pids.append(components[-1].process.pid)
        echo(f"started {', '.join(commands)} (api-server on 127.0.0.1:{api_port})")
        api = ApiClient(f"http://127.0.0.1:{api_port}", ADMIN_USER, secrets_.admin_password)
        _wait(api.healthy, 180, "a healthy api-server and scheduler", components)
        mark = lap("components_up", mark)
        wanted = {*embedded_airflow.INGESTION_DAGS, embedded_airflow.BUILD_DAG}
        _wait(lambda: wanted <= api.dag_ids(), 180, "the DAG processor to parse dags/",
              components)
        mark = lap("dags_parsed", mark)

        # Phase 1, scheduler without cron scheduling (see smoke_env): only the four manual
        # ingestion runs execute; their asset events queue up for the unpaused build DAG.
        for dag_id in sorted(wanted):
            api.unpause(dag_id)
        start, end = interval_for_as_of(options.as_of)
        for dag_id in embedded_airflow.INGESTION_DAGS:
            api.trigger(dag_id, f"smoke__{options.as_of.isoformat()}", start, end)
        echo(f"triggered {len(embedded_airflow.INGESTION_DAGS)} ingestion DAGs for "
             f"[{start.isoformat()}, {end.isoformat()})")
        deadline = started + options.timeout

        def ingestion_done() -> bool:
            runs = [run for dag_id in embedded_airflow.INGESTION_DAGS for run in api.runs(dag_id)]
            return all(run["state"] not in ACTIVE_STATES for run in runs)

        _wait(ingestion_done, max(1.0, deadline - time.monotonic()), "the ingestion runs",
              components, interval=2.0)
        for dag_id in embedded_airflow.INGESTION_DAGS:
            report.dag_runs[dag_id] = api.runs(dag_id)
        failed = [d for d, runs in report.dag_runs.items()
                  if any(run["state"] != "success" for run in runs)]
        if failed:
            raise SmokeFailed(f"ingestion runs failed: {failed}; task logs under "
                              f"{settings.home / 'airflow' / 'logs'}")
        mark = lap("ingestion", mark)

        # Phase 2, the production scheduler: with the ingestion DAGs paused again (no cron run
        # for "yesterday"), it turns the four queued asset events into one build run.
        for dag_id in embedded_airflow.INGESTION_DAGS:
            api.pause(dag_id)
        scheduler = next(c for c in components if c.name == "scheduler")
        scheduler.stop()
        components.remove(scheduler)
        components.append(start_component(
            "scheduler", commands["scheduler"],
            {**env, "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True"}, log_dir))
        report.component_pids.append(components[-1].process.pid)

        def build_done() -> bool:
            runs = api.runs(embedded_airflow.BUILD_DAG)
            states = {run["state"] for run in runs}
            if "failed" in states and not states & (ACTIVE_STATES | {"success"}):
                raise SmokeFailed(f"patentflow_build failed; task logs under "
                                  f"{settings.home / 'airflow' / 'logs'}")
            return build_runs_settled(runs)

        _wait(build_done, max(1.0, deadline - time.monotonic()), "the patentflow_build run",
              components, interval=2.0)
        report.dag_runs[embedded_airflow.BUILD_DAG] = api.runs(embedded_airflow.BUILD_DAG)
        mark = lap("build", mark)

        for runs in report.dag_runs.values():
            for run in runs:
                run["seconds"] = _run_seconds(run)
        # The worker stores a Celery result only after the task process has exited, which can
        # be a moment after the task instance (and so the run) reported success.
        settle_until = time.monotonic() + 30
        while True:
            report.task_instances, report.celery_successes = _task_instances(sql_alchemy_conn)
            ran = sum(ti["state"] in ("success", "failed") for ti in report.task_instances)
            if report.celery_successes >= ran or time.monotonic() > settle_until:
                break
            time.sleep(1)
        report.release_path, report.indicator_rows = _indicator_rows(settings)
        verify(report, report.worker_name)
        return report
    finally:
        teardown = time.monotonic()
        for component in reversed(components):
            component.stop()
        if sandbox_started:
            stop_sandbox(settings)
        if database_created:
            with contextlib.suppress(Exception):
                drop_database(options.pg_url, report.database)
        if report.redis_db >= 0:
            with contextlib.suppress(Exception):
                flush_redis_db(options.redis_url, report.redis_db)
        # The admin password only guarded this run's api-server; do not leave it on disk.
        (home / "airflow" / "simple_auth_passwords.json").unlink(missing_ok=True)
        report.seconds["teardown"] = time.monotonic() - teardown
        report.seconds["total"] = time.monotonic() - started


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devtools.prod_smoke",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of", dest="as_of", type=date.fromisoformat,
                        default=date(2025, 6, 30))
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--home", type=Path, default=None,
                        help="state and logs of the run (default: a new temporary directory)")
    parser.add_argument("--pg-url", default=os.environ.get("PATENTFLOW_SMOKE_PG_URL",
                                                           DEFAULT_PG_URL),
                        help="a PostgreSQL URL allowed to CREATE/DROP DATABASE")
    parser.add_argument("--redis-url", default=os.environ.get("PATENTFLOW_SMOKE_REDIS_URL",
                                                              DEFAULT_REDIS_URL))
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds from start until the build must have published")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--with-triggerer", action="store_true",
                        help="also start `airflow triggerer` (no patentflow task defers)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = SmokeOptions(as_of=args.as_of, scale=args.scale, home=args.home, pg_url=args.pg_url,
                           redis_url=args.redis_url, timeout=args.timeout,
                           worker_concurrency=args.worker_concurrency,
                           with_triggerer=args.with_triggerer)
    try:
        report = run_smoke(options)
    except SmokeFailed as exc:
        print(f"prod-smoke FAILED: {redact(str(exc))}", file=sys.stderr)
        return 1
    for line in report.summary_lines():
        print(redact(line))
    print("prod-smoke OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
