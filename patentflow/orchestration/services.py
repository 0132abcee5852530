"""``patentflow up|down|status``: the embedded Airflow running for real, in the background.

``patentflow run`` executes the DAGs once through ``DAG.test``; ``up`` starts what a data engineer
expects instead: the api-server (UI and REST API on 127.0.0.1), the scheduler, the DAG processor
and the triggerer (plus ``patentflow docs``, the releases' GX and dbt docs), on the SQLite
metadata DB under ``PATENTFLOW_HOME/airflow`` with the LocalExecutor, so the daily schedules,
the file-drop sensors and the asset-triggered build run on their own. Unless real source URLs
are set, the sandbox source systems run beside them in follow mode and deliver each Beijing
day's data when it ends.

Every process is started in a session of its own and recorded in ``services.json`` with its pid
and start time; ``down`` signals exactly those process groups (a recycled pid is never touched)
and waits until nothing they opened is listening. Secrets (the UI password, the JWT and session
keys the Airflow processes must share) are generated once per home into files readable by the owner
only, never printed and never in the repository.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from patentflow.core.settings import Settings
from patentflow.orchestration import embedded_airflow

SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer", "docs")
UI_USER = "admin"
STATE_FILE = "services.json"
PASSWORDS_FILE = "simple_auth_manager_passwords.json"
KEYS_FILE = "service_keys.json"
# Two cores: two task slots for the LocalExecutor, one DAG-parsing process, one API worker.
PARALLELISM = "2"
# The production values of these apply under the scheduler, not `patentflow run`'s short ones.
LOCAL_RUN_ONLY = ("PATENTFLOW_RETRY_DELAY_SECONDS", "PATENTFLOW_DROP_WAIT_SECONDS",
                  "PATENTFLOW_SOURCE_RETRY_SECONDS", "PATENTFLOW_SOURCE_TIMEOUT_SECONDS")


class ServicesError(RuntimeError):
    """The services could not be started (or are in a state ``up`` cannot continue from)."""


@dataclass(frozen=True)
class Started:
    url: str
    docs_url: str
    user: str
    password_file: Path
    log_dir: Path
    sandbox: bool


def _private_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
    os.chmod(path, 0o600)


def _per_home_secret(path: Path, names: tuple[str, ...]) -> dict[str, str]:
    """Read (or create once) a 0600 JSON file of random secrets under the home."""
    if path.exists():
        values = json.loads(path.read_text(encoding="utf-8"))
        if all(name in values for name in names):
            os.chmod(path, 0o600)
            return values
    values = {name: secrets.token_urlsafe(24) for name in names}
    _private_json(path, values)
    return values


def password_file(settings: Settings) -> Path:
    return settings.airflow_home / PASSWORDS_FILE


def ui_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.ui_port}"


def service_env(settings: Settings, sources: Mapping[str, str]) -> dict[str, str]:
    """The environment all four services share: one home, one port, one set of keys."""
    env = embedded_airflow.airflow_env(settings, sources)
    for name in LOCAL_RUN_ONLY:
        if name not in os.environ:
            env.pop(name, None)
    keys = _per_home_secret(settings.airflow_home / KEYS_FILE, ("jwt_secret", "secret_key"))
    _per_home_secret(password_file(settings), (UI_USER,))
    url = ui_url(settings)
    env.update({
        "AIRFLOW__CORE__PARALLELISM": PARALLELISM,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{UI_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file(settings)),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(settings.ui_port),
        "AIRFLOW__API__BASE_URL": url,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": keys["secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    })
    return env


def _state_path(settings: Settings) -> Path:
    return settings.airflow_home / STATE_FILE


def _read_state(settings: Settings) -> dict:
    path = _state_path(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _start_ticks(pid: int) -> str | None:
    """The process's start time (clock ticks since boot): with the pid, names one process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(record: dict) -> bool:
    ticks = _start_ticks(int(record["pid"]))
    if ticks is None or ticks != record.get("start"):
        return False
    state = Path(f"/proc/{record['pid']}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def health(settings: Settings, timeout: float = 5.0) -> dict | None:
    """The api-server's ``/api/v2/monitor/health`` answer, or None when it does not answer."""
    try:
        with urllib.request.urlopen(f"{ui_url(settings)}/api/v2/monitor/health",
                                    timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _healthy(answer: dict | None) -> bool:
    """Metadata DB, scheduler, DAG processor and triggerer all report healthy."""
    if not answer:
        return False
    parts = ("metadatabase", "scheduler", "dag_processor", "triggerer")
    return all((answer.get(part) or {}).get("status") == "healthy" for part in parts)


def up(settings: Settings, echo: Callable[[str], None] = print, seed: int = 42,
       scale: float = 0.02, timeout: float = 300.0) -> Started:
    """Start everything, return once the UI answers healthy (services keep running)."""
    from patentflow.orchestration.local_run import SandboxOptions, start_sandbox

    state = _read_state(settings)
    running = [name for name, record in state.get("services", {}).items() if _alive(record)]
    if running:
        raise ServicesError(f"already running under {settings.home}: {', '.join(running)} "
                            "(`patentflow status`; `patentflow down` first)")
    for port, variable in ((settings.ui_port, "PATENTFLOW_UI_PORT"),
                           (settings.docs_port, "PATENTFLOW_DOCS_PORT")):
        if _port_open(port):
            raise ServicesError(f"port {port} on 127.0.0.1 is taken by another program; set "
                                f"{variable} to a free port")
    settings.home.mkdir(parents=True, exist_ok=True)
    log_dir = settings.airflow_home / "logs" / "services"
    log_dir.mkdir(parents=True, exist_ok=True)
    sources: dict[str, str] = {}
    if settings.uses_sandbox:
        echo(f"starting sandbox source systems (seed={seed}, scale={scale}), delivering day "
             "by day")
        sources = start_sandbox(settings, None, SandboxOptions(seed=seed, scale=scale,
                                                               follow=True))
    env = service_env(settings, sources)
    embedded_airflow.prepare(settings, env, log_dir / "prepare.log")
    records: dict[str, dict] = {}
    try:
        for name in SERVICES:
            command = [str(Path(sys.executable).parent / "airflow"), name] if name != "docs" \
                else [sys.executable, "-m", "patentflow.cli", "docs"]
            with (log_dir / f"{name}.log").open("ab") as log:
                process = subprocess.Popen(
                    command, env=env,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
            records[name] = {"pid": process.pid, "start": _start_ticks(process.pid)}
            _write_state(settings, records, bool(sources))
        echo(f"waiting for the Airflow UI at {ui_url(settings)} ...")
        deadline = time.monotonic() + timeout
        while not _healthy(health(settings)):
            dead = [name for name, record in records.items() if not _alive(record)]
            if dead or time.monotonic() > deadline:
                why = f"{', '.join(dead)} exited" if dead else f"not healthy after {timeout:.0f} s"
                raise ServicesError(f"{why}; see {log_dir}")
            time.sleep(1)
    except BaseException:
        down(settings, echo=lambda _: None)
        raise
    from patentflow.release.docs_site import docs_url

    return Started(ui_url(settings), docs_url(settings), UI_USER, password_file(settings),
                   log_dir, bool(sources))


def _write_state(settings: Settings, records: dict, sandbox: bool) -> None:
    _private_json(_state_path(settings), {"services": records, "sandbox": sandbox,
                                          "ports": [settings.ui_port, settings.docs_port]})


def down(settings: Settings, echo: Callable[[str], None] = print,
         grace: float = 20.0) -> list[str]:
    """Stop the recorded process groups (SIGTERM, then SIGKILL after ``grace``), the sandbox
    if ``up`` started it, and wait until the UI port is free. Returns what was stopped."""
    from patentflow.orchestration.local_run import stop_sandbox

    state = _read_state(settings)
    records = state.get("services", {})
    stopped = [name for name, record in records.items() if _alive(record)]
    # Children that left the service's process group (task supervisors start sessions of
    # their own) are found by parent pid now, while the tree is intact, and named by pid and
    # start time, so a recycled pid is never signalled.
    children = _descendants({int(records[name]["pid"]) for name in stopped})
    for name in stopped:
        _signal_group(int(records[name]["pid"]), signal.SIGTERM)
    for child in children:
        _signal_process(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(_alive(records[name]) for name in stopped) and time.monotonic() < deadline:
        _reap(records)
        time.sleep(0.2)
    for name in stopped:
        _signal_group(int(records[name]["pid"]), signal.SIGKILL)
    for child in children:
        _signal_process(child, signal.SIGKILL)
    _reap(records)
    if state.get("sandbox"):
        stop_sandbox(settings)
    ports = state.get("ports") or [settings.ui_port, settings.docs_port]
    deadline = time.monotonic() + 15
    while any(_port_open(int(port)) for port in ports) and time.monotonic() < deadline:
        time.sleep(0.2)
    _state_path(settings).unlink(missing_ok=True)
    echo(f"stopped: {', '.join(stopped) or 'nothing was running'}")
    return stopped


def _descendants(roots: set[int]) -> list[dict]:
    """Every live descendant of ``roots`` as {pid, start}."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found: list[dict] = []
    frontier = set(roots)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += [{"pid": pid, "start": _start_ticks(pid)} for pid in frontier]
    return found


def _signal_process(record: dict, signum: int) -> None:
    if _alive(record):
        try:
            os.kill(int(record["pid"]), signum)
        except (ProcessLookupError, PermissionError):
            pass


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)  # each service leads its own session: its group id is its pid
    except (ProcessLookupError, PermissionError):
        pass


def _reap(records: dict) -> None:
    for record in records.values():
        try:
            os.waitpid(int(record["pid"]), os.WNOHANG)
        except ChildProcessError:
            pass


def status_text(settings: Settings) -> str:
    """One line per service (running / stopped, pid) and the UI's health."""
    state = _read_state(settings)
    records = state.get("services", {})
    lines = []
    for name in SERVICES:
        record = records.get(name)
        running = bool(record) and _alive(record)
        lines.append(f"{name}: running (pid {record['pid']})" if running else f"{name}: stopped")
    if state.get("sandbox"):
        serving = (settings.sandbox_dir / "endpoints.json").exists()
        lines.append(f"sandbox source systems: {'running' if serving else 'stopped'}")
    answer = health(settings, timeout=15.0)
    lines.append(f"UI {ui_url(settings)}: " + ("healthy" if _healthy(answer) else
                                              "not answering" if answer is None else
                                              f"unhealthy {json.dumps(answer)}"))
    return "\n".join(lines)
