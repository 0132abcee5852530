"""``python -m devtools.sandbox up|down|generate|serve``: run the sandbox source systems.

``up`` starts a detached ``serve`` process (its own session, so it outlives the caller) that
generates the dataset, writes the file drop, starts both HTTP services and only then writes
``<home>/sandbox/endpoints.json``; ``up`` returns once both services answer.

``--follow`` (what ``patentflow up`` uses) keeps the sandbox delivering day by day: it serves the
history as of yesterday in Beijing and, when a Beijing day ends, serves the next day's records
and drops the files delivered that day, so the daily schedules and file sensors have new data.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from devtools.sandbox.filedrop import write_drop
from devtools.sandbox.generator import default_as_of
from devtools.sandbox.runtime import (
    ENDPOINTS_FILE,
    DatasetParams,
    sandbox_dir,
    save_params,
    write_private_json,
)
from devtools.sandbox.server import FaultConfig, SandboxServer
from devtools.sandbox.territory import JINAN, territory
from devtools.sandbox.timeline import BEIJING

_TOKEN_ENV = {"patent": "PATENTFLOW_SANDBOX_PATENT_TOKEN",
              "finance": "PATENTFLOW_SANDBOX_FINANCE_TOKEN"}
LOG_FILE = "server.log"


def parse_faults(spec: str) -> FaultConfig:
    """``error_rate=0.05,rate_limit_rate=0.02,slow_rate=0.01,slow_seconds=2,seed=7``."""
    if not spec.strip():
        return FaultConfig()
    known = {f.name: f for f in fields(FaultConfig)}
    values: dict[str, object] = {}
    for item in spec.split(","):
        name, separator, text = item.partition("=")
        name = name.strip()
        if not separator or name not in known:
            raise argparse.ArgumentTypeError(f"unknown fault setting {item!r}")
        values[name] = int(text) if name in ("retry_after_seconds", "seed", "outage_after") \
            else float(text)
    return FaultConfig(**values)  # type: ignore[arg-type]


def faults_to_spec(faults: FaultConfig) -> str:
    return ",".join(f"{f.name}={getattr(faults, f.name)}" for f in fields(FaultConfig)
                    if getattr(faults, f.name) is not None)


def _drop_dir(home: Path, explicit: str | None) -> Path:
    chosen = explicit or os.environ.get("PATENTFLOW_DROP_DIR")
    return Path(chosen).expanduser().resolve() if chosen else home / "drop"


def _yesterday() -> date:
    return datetime.now(BEIJING).date() - timedelta(days=1)


def _params(args: argparse.Namespace) -> DatasetParams:
    follow = getattr(args, "follow", False)
    as_of = _yesterday().isoformat() if follow else args.as_of or default_as_of().isoformat()
    date.fromisoformat(as_of)  # fail early on a malformed date
    return DatasetParams(seed=args.seed, scale=args.scale, as_of=as_of,
                         invalid_share=args.invalid_share, jurisdiction=args.jurisdiction)


def command_generate(args: argparse.Namespace) -> int:
    home = Path(args.home).resolve()
    params = _params(args)
    dataset = params.generate()
    paths = write_drop(dataset, _drop_dir(home, args.drop_dir))
    save_params(home, params)
    print(f"wrote {len(paths)} files to {_drop_dir(home, args.drop_dir)}")
    return 0


def command_serve(args: argparse.Namespace) -> int:
    """Foreground: generate, write the drop, serve both services until SIGTERM."""
    home = Path(args.home).resolve()
    params = _params(args)
    faults = parse_faults(args.faults)
    dataset = params.generate()
    drop_dir = _drop_dir(home, args.drop_dir)
    if not args.no_drop:
        write_drop(dataset, drop_dir)
    save_params(home, params)
    tokens = {service: os.environ.get(env) or secrets.token_urlsafe(24)
              for service, env in _TOKEN_ENV.items()}
    servers = {service: SandboxServer(service, dataset, tokens[service], faults,
                                      port=getattr(args, f"{service}_port"), prefix=args.prefix)
               for service in ("patent", "finance")}
    del dataset  # the servers hold pre-serialised copies
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    for server in servers.values():
        server.start()
    endpoints = sandbox_dir(home) / ENDPOINTS_FILE
    write_private_json(endpoints, {
        "patent_api_url": servers["patent"].url, "patent_api_token": tokens["patent"],
        "finance_api_url": servers["finance"].url, "finance_api_token": tokens["finance"],
        "pid": os.getpid(), "seed": params.seed, "scale": params.scale, "as_of": params.as_of,
        "invalid_share": params.invalid_share, "jurisdiction": params.jurisdiction,
        "drop_dir": str(drop_dir),
        "faults": faults_to_spec(faults),
    })
    print(f"sandbox serving: patent {servers['patent'].url}, finance {servers['finance'].url}",
          flush=True)
    served = date.fromisoformat(params.as_of)
    while not stopping.wait(args.follow_seconds if args.follow else None):
        if _yesterday() <= served:
            continue
        served = _yesterday()  # a Beijing day ended: what happened on it is delivered now
        params = replace(params, as_of=served.isoformat())
        day = params.generate()
        for server in servers.values():
            server.advance(day)
        if not args.no_drop:
            write_drop(day, drop_dir)
        save_params(home, params)
        data = json.loads(endpoints.read_text(encoding="utf-8"))
        write_private_json(endpoints, dict(data, as_of=params.as_of))
        print(f"sandbox serving {served}", flush=True)
    for server in servers.values():
        server.stop()
    _remove_endpoints_of(endpoints, os.getpid())
    return 0


def _remove_endpoints_of(endpoints: Path, pid: int) -> None:
    try:
        if json.loads(endpoints.read_text(encoding="utf-8")).get("pid") == pid:
            endpoints.unlink()
    except (FileNotFoundError, json.JSONDecodeError):
        pass


def _is_sandbox_process(pid: int, home: Path) -> bool:
    """True when ``pid`` is alive (not a zombie) and is the sandbox ``serve`` process of
    ``home`` (a recycled pid never gets signalled)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z" and b"devtools.sandbox" in cmdline and b"serve" in cmdline \
        and str(home).encode() in cmdline


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def command_down(args: argparse.Namespace) -> int:
    home = Path(args.home).resolve()
    endpoints = sandbox_dir(home) / ENDPOINTS_FILE
    if not endpoints.exists():
        print("sandbox not running")
        return 0
    pid = int(json.loads(endpoints.read_text(encoding="utf-8"))["pid"])
    if _is_sandbox_process(pid, home):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            _reap(pid)
            if not _is_sandbox_process(pid, home):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
    endpoints.unlink(missing_ok=True)
    print(f"sandbox stopped (pid {pid})")
    return 0


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (401 without a token) means the service is up
    except (urllib.error.URLError, OSError):
        return False


def command_up(args: argparse.Namespace) -> int:
    home = Path(args.home).resolve()
    params = _params(args)
    parse_faults(args.faults)
    directory = sandbox_dir(home)
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / ENDPOINTS_FILE).exists():
        command_down(args)
    environment = dict(os.environ)
    for env in _TOKEN_ENV.values():
        environment[env] = secrets.token_urlsafe(24)
    command = [sys.executable, "-m", "devtools.sandbox", "serve", "--home", str(home),
               "--seed", str(params.seed), "--scale", str(params.scale), "--as-of", params.as_of,
               "--invalid-share", str(params.invalid_share), "--faults", args.faults,
               "--jurisdiction", params.jurisdiction,
               "--prefix", args.prefix, "--patent-port", str(args.patent_port),
               "--finance-port", str(args.finance_port)]
    if args.follow:
        command += ["--follow", "--follow-seconds", str(args.follow_seconds)]
    if args.drop_dir:
        command += ["--drop-dir", args.drop_dir]
    with (directory / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   env=environment, start_new_session=True)
    endpoints = directory / ENDPOINTS_FILE
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"sandbox exited with {process.returncode}; see {directory / LOG_FILE}",
                  file=sys.stderr)
            return 1
        if endpoints.exists():
            data = json.loads(endpoints.read_text(encoding="utf-8"))
            if data.get("pid") == process.pid and _answers(data["patent_api_url"]
                                                             + "/v1/patents") \
                    and _answers(data["finance_api_url"] + "/v1/roadshows"):
                print(json.dumps({k: v for k, v in data.items() if "token" not in k}))
                return 0
        time.sleep(0.2)
    print("sandbox did not come up in time; stopping it", file=sys.stderr)
    os.kill(process.pid, signal.SIGTERM)
    return 1


def _jurisdiction(text: str) -> str:
    """A province or city the region hierarchy lists (argparse: exit 2 with the reason)."""
    try:
        return territory(text.strip()).code
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devtools.sandbox",
                                     description="Sandbox source systems for patentflow.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("up", "generate", "serve"):
        sub = commands.add_parser(name)
        sub.add_argument("--home", required=True)
        sub.add_argument("--seed", type=int, default=42)
        sub.add_argument("--scale", type=float, default=0.01)
        sub.add_argument("--as-of", dest="as_of", default=None, help="YYYY-MM-DD (default today)")
        sub.add_argument("--invalid-share", dest="invalid_share", type=float, default=0.01)
        sub.add_argument("--jurisdiction", default=JINAN, type=_jurisdiction,
                         help="GB/T 2260 code of the province or city whose parties the data "
                              "are about (default 3701 Jinan; 37 Shandong's 16 cities)")
        sub.add_argument("--drop-dir", dest="drop_dir", default=None,
                         help="default $PATENTFLOW_DROP_DIR or <home>/drop")
        if name != "generate":
            sub.add_argument("--faults", default="",
                             help="e.g. error_rate=0.05,rate_limit_rate=0.02,seed=1")
            sub.add_argument("--prefix", default="", help="path prefix of both services")
            sub.add_argument("--patent-port", dest="patent_port", type=int, default=0)
            sub.add_argument("--finance-port", dest="finance_port", type=int, default=0)
            sub.add_argument("--follow", action="store_true",
                             help="serve as of yesterday (Beijing) and move on day by day")
            sub.add_argument("--follow-seconds", dest="follow_seconds", type=float, default=10.0,
                             help="how often --follow checks whether a day has ended")
        if name == "up":
            sub.add_argument("--timeout", type=float, default=600.0)
        if name == "serve":
            sub.add_argument("--no-drop", dest="no_drop", action="store_true")
    down = commands.add_parser("down")
    down.add_argument("--home", required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"up": command_up, "down": command_down, "generate": command_generate,
                "serve": command_serve}
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
