"""Every setting of the pipeline, read from ``PATENTFLOW_*`` environment variables here and only
here.

Every path the pipeline touches derives from ``PATENTFLOW_HOME`` so that one directory holds all
state of an embedded installation (raw layer, ingestion state, build warehouse, releases, Airflow
metadata). Airflow connections may override the API settings (see
``patentflow.ingest.api.connections``).

``load_settings()`` resolves the environment once per process and caches the result; the cache is
keyed by the ``PATENTFLOW_*`` variables and the working directory, so a process that changes its
own environment (a test, the embedded runner preparing a child) sees the change instead of a
stale copy. ``VARIABLES`` lists every variable with its default and meaning; the README's
configuration table is checked against it.

This module is imported by DAG files at parse time: it must stay free of heavy imports.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_HOME = ".patentflow"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The checkout (or image directory) that holds ``dbt_project/``, ``expectations/`` and
``dags/``."""

MIB = 1024 * 1024

# name -> (default as documented, meaning). The README's configuration table lists exactly these.
VARIABLES: dict[str, tuple[str, str]] = {
    "PATENTFLOW_HOME": ("./.patentflow", "all state: raw layer, ingestion state, build "
                        "warehouse, releases, runs, Airflow metadata"),
    "PATENTFLOW_JURISDICTION": ("3701", "the jurisdiction reported on: a GB/T 2260 code prefix "
                               "listed in the region hierarchy (`37` Shandong, `3702` Qingdao); "
                               "`patentflow run --jurisdiction` sets it for one run"),
    "PATENTFLOW_HIGH_VALUE_CRITERIA": ("sei,family,age,pledge,award",
                                       "the criteria of the high-value invention patent "
                                       "(`criteria.csv`) any one of which makes a patent "
                                       "high-value"),
    "PATENTFLOW_PATENT_API_URL": ("sandbox", "patent data service base URL"),
    "PATENTFLOW_PATENT_API_TOKEN": ("sandbox", "patent data service bearer token"),
    "PATENTFLOW_FINANCE_API_URL": ("sandbox", "IP finance service base URL"),
    "PATENTFLOW_FINANCE_API_TOKEN": ("sandbox", "IP finance service bearer token"),
    "PATENTFLOW_DROP_DIR": ("$PATENTFLOW_HOME/drop",
                            "the file drop (`tech_contracts/`, `reference/`)"),
    "PATENTFLOW_KEEP_RELEASES": ("10", "how many releases to keep"),
    "PATENTFLOW_UI_PORT": ("8080", "`patentflow up`: port of the Airflow UI and REST API "
                           "(on 127.0.0.1 only)"),
    "PATENTFLOW_DOCS_PORT": ("8081", "`patentflow docs` (started by `patentflow up`): port of "
                             "the releases' GX Data Docs and dbt docs (on 127.0.0.1 only)"),
    "PATENTFLOW_RETRY_DELAY_SECONDS": ("120 (3 under `patentflow run`)", "task retry delay"),
    "PATENTFLOW_DROP_WAIT_SECONDS": ("82800 (0 under `patentflow run`)",
                                     "how long a file-drop DAG run waits for a marked delivery"),
    "PATENTFLOW_SOURCE_RETRY_SECONDS": ("600 (10 under `patentflow run`)",
                                        "time budget for retrying one API request on transient "
                                        "errors (connection refused, timeout, 429, 5xx); then "
                                        "the source's run fails without an Airflow retry"),
    "PATENTFLOW_SOURCE_TIMEOUT_SECONDS": ("60 (10 under `patentflow run`)",
                                          "read timeout of one API request (connect: at most "
                                          "5 s)"),
    "PATENTFLOW_QUARANTINE_WARN_SHARE": ("0.05", "warn (console, `patentflow health`) when a "
                                         "batch of 20 or more records quarantines more than "
                                         "this share; a whole quarantined file always warns"),
    "PATENTFLOW_EXPECTATIONS_DIR": ("`expectations/` of the checkout",
                                    "gate configuration (`gate.yml`) and GX suites"),
    "PATENTFLOW_CHROMIUM": ("first of chromium, chromium-browser, google-chrome on PATH",
                            "browser that prints the report PDF"),
    "PATENTFLOW_ALERT_WEBHOOK": ("unset", "alert webhook URL (JSON POST)"),
    "PATENTFLOW_ALERT_EMAIL": ("unset", "alert e-mail recipient"),
    "PATENTFLOW_SMTP_HOST": ("localhost", "SMTP server for e-mail alerts"),
    "PATENTFLOW_SMTP_PORT": ("25", "SMTP port"),
    "PATENTFLOW_SMTP_USER": ("unset", "SMTP login"),
    "PATENTFLOW_SMTP_PASSWORD": ("unset", "SMTP password"),
    "PATENTFLOW_SMTP_FROM": ("patentflow@<smtp host>", "sender address"),
    "PATENTFLOW_SMTP_STARTTLS": ("false", "use STARTTLS (`true`/`false`)"),
    "PATENTFLOW_SERVING_PG_DSN": ("unset (off)", "also serve each release on PostgreSQL "
                                  "(`marts`/`audit` schemas, swapped atomically)"),
    "PATENTFLOW_SERVING_BI_PASSWORD": ("unset", "password of the read-only BI login"),
    "PATENTFLOW_SERVING_BI_USER": ("patentflow_bi", "the read-only BI login"),
    "PATENTFLOW_SERVING_BI_ROLE": ("patentflow_bi_reader", "the role granting read access"),
    "PATENTFLOW_MAX_PAGE_BYTES": ("67108864 (64 MiB)", "largest API page body accepted"),
    "PATENTFLOW_MAX_FILE_BYTES": ("536870912 (512 MiB)", "largest delivered file accepted"),
    "PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES": ("1073741824 (1 GiB)",
                                               "largest uncompressed XLSX content"),
    "PATENTFLOW_MAX_XLSX_RATIO": ("200", "largest XLSX compression ratio (zip-bomb guard)"),
    "PATENTFLOW_DUCKDB_MEMORY_LIMIT": ("2GB", "memory limit of every DuckDB database the "
                                       "pipeline opens (dbt's included); beyond it DuckDB "
                                       "spills to the temp directory"),
    "PATENTFLOW_DUCKDB_THREADS": ("the machine's CPU count",
                                  "worker threads of every DuckDB database the pipeline opens"),
    "PATENTFLOW_DUCKDB_TEMP_DIR": ("$PATENTFLOW_HOME/tmp/duckdb",
                                   "where DuckDB spills what does not fit the memory limit"),
    # Read by dbt's profile (dbt_project/profiles.yml), set by the pipeline for its dbt runs.
    "PATENTFLOW_WAREHOUSE": ("the build warehouse under `PATENTFLOW_HOME`",
                             "the DuckDB file dbt's `duckdb` targets open"),
    "PATENTFLOW_PG_HOST": ("127.0.0.1", "dbt's `postgres` target: host"),
    "PATENTFLOW_PG_PORT": ("5432", "dbt's `postgres` target: port"),
    "PATENTFLOW_PG_USER": ("postgres", "dbt's `postgres` target: user"),
    "PATENTFLOW_PG_PASSWORD": ("empty", "dbt's `postgres` target: password"),
    "PATENTFLOW_PG_DBNAME": ("test", "dbt's `postgres` target: database"),
}
"""Every variable the runtime reads (here, or in dbt's profile); tooling has its own, listed in
the README next to these."""


class SettingsError(ValueError):
    """A ``PATENTFLOW_*`` variable holds a value the pipeline cannot use."""


@dataclass(frozen=True)
class Limits:
    """Size bounds on what a source may deliver, so a hostile or broken delivery cannot exhaust
    memory or disk before validation sees it."""

    max_page_bytes: int = 64 * MIB
    max_file_bytes: int = 512 * MIB
    max_xlsx_uncompressed_bytes: int = 1024 * MIB
    max_xlsx_ratio: float = 200.0


MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)
"""A DuckDB ``memory_limit`` value with an explicit unit ("2GB", "512MiB"); DuckDB's percentage
form is not accepted, so the bound is the same on every machine."""


@dataclass(frozen=True)
class DuckDBResources:
    """What one DuckDB database may use. Bounded by default so a province-scale build spills to
    disk instead of taking the machine's memory (DuckDB's own default is 80% of RAM, shared badly
    by the Airflow process, dbt's subprocess and a reader). Applied by
    :func:`patentflow.core.duck.connect` and, through dbt's profile, to dbt's connection."""

    memory_limit: str = "2GB"
    threads: int = max(os.cpu_count() or 1, 1)
    temp_dir: Path | None = None
    """None: ``$PATENTFLOW_HOME/tmp/duckdb`` (see :attr:`Settings.duckdb_temp_dir`)."""


@dataclass(frozen=True)
class AlertChannels:
    """Where alerts go besides the log. The SMTP password is a secret: not in the repr."""

    webhook: str | None = field(default=None, repr=False)
    email: str | None = None
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_starttls: bool = False


DEFAULT_JURISDICTION = "3701"
DEFAULT_HIGH_VALUE_CRITERIA = ("sei", "family", "age", "pledge", "award")


@dataclass(frozen=True)
class Settings:
    home: Path
    drop_dir: Path
    # The jurisdiction J (a GB/T 2260 code prefix) whose total and regions are published; its
    # membership in the hierarchy is checked by ``reference.jurisdiction_region`` (the seeds are
    # not read here).
    jurisdiction: str = DEFAULT_JURISDICTION
    high_value_criteria: tuple[str, ...] = DEFAULT_HIGH_VALUE_CRITERIA
    patent_api_url: str | None = None
    patent_api_token: str | None = field(default=None, repr=False)
    finance_api_url: str | None = None
    finance_api_token: str | None = field(default=None, repr=False)
    keep_releases: int = 10
    ui_port: int = 8080
    docs_port: int = 8081
    # PostgreSQL serving (``patentflow.release.pg_serving``): off while the DSN is unset. The DSN
    # may hold a password and the BI password is a secret: neither is shown in the repr.
    serving_pg_dsn: str | None = field(default=None, repr=False)
    serving_bi_password: str | None = field(default=None, repr=False)
    serving_bi_user: str = "patentflow_bi"
    serving_bi_role: str = "patentflow_bi_reader"
    retry_delay_seconds: int = 120
    drop_wait_seconds: int = 23 * 3600
    source_retry_seconds: float = 600.0
    source_timeout_seconds: float = 60.0
    quarantine_warn_share: float = 0.05
    expectations_dir: Path = PROJECT_ROOT / "expectations"
    chromium: str | None = None
    limits: Limits = field(default_factory=Limits)
    alerts: AlertChannels = field(default_factory=AlertChannels)
    duckdb: DuckDBResources = field(default_factory=DuckDBResources)

    @property
    def duckdb_temp_dir(self) -> Path:
        """Where DuckDB spills: configured, or under ``PATENTFLOW_HOME`` with all other state."""
        return self.duckdb.temp_dir or self.home / "tmp" / "duckdb"

    @property
    def raw_dir(self) -> Path:
        """Parquet landing zone: ``raw/<entity>/load_date=YYYY-MM-DD/<batch_id>.parquet``."""
        return self.home / "raw"

    @property
    def state_dir(self) -> Path:
        """Ingestion state: watermarks, cursor checkpoints, the register of ingested files."""
        return self.home / "state"

    @property
    def warehouse_path(self) -> Path:
        """The build warehouse: the only DuckDB file dbt writes; never opened by BI readers."""
        return self.home / "warehouse" / "build.duckdb"

    @property
    def dbt_state_dir(self) -> Path:
        """What dbt keeps between builds (its target directory with the partial-parse state)."""
        return self.home / "warehouse" / "dbt"

    @property
    def releases_dir(self) -> Path:
        """Immutable published releases plus the ``current`` pointer."""
        return self.home / "releases"

    @property
    def runs_dir(self) -> Path:
        """Per-run artefacts: run summary, dbt run_results, GX data docs."""
        return self.home / "runs"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def sandbox_dir(self) -> Path:
        return self.home / "sandbox"

    @property
    def uses_sandbox(self) -> bool:
        """The sandbox is started only when no real source URLs are configured."""
        return not (self.patent_api_url and self.finance_api_url)

    @property
    def secrets(self) -> list[str]:
        """Every configured secret value, for :func:`patentflow.core.redaction.redact`."""
        return [s for s in (self.patent_api_token, self.finance_api_token, self.serving_pg_dsn,
                            self.serving_bi_password, self.alerts.smtp_password,
                            self.alerts.webhook) if s]


# Where the project's own definitions live (not state, not configuration: part of the code).
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
DAGS_FOLDER = PROJECT_ROOT / "dags"


def _path(value: str) -> Path:
    return Path(value).expanduser().resolve()


def _text(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name) or None


def _number(env: Mapping[str, str], name: str, default: float, *, positive: bool = True,
            integer: bool = True) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise SettingsError(f"{name} must be {kind}, got {text!r}") from None
    if positive and value <= 0:
        raise SettingsError(f"{name} must be positive, got {text!r}")
    if not positive and value < 0:
        raise SettingsError(f"{name} must not be negative, got {text!r}")
    return value


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = int(_number(env, name, default))
    if value > 65535:
        raise SettingsError(f"{name} must be a TCP port (1-65535), got {env.get(name)!r}")
    return value


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default, positive=False, integer=False)
    if value > 1:
        raise SettingsError(f"{name} must be a share between 0 and 1, got {env.get(name)!r}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    return (env.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def _jurisdiction(env: Mapping[str, str]) -> str:
    """A GB/T 2260 prefix: 2 digits (province), 4 (city) or 6 (county-level region)."""
    text = (env.get("PATENTFLOW_JURISDICTION") or DEFAULT_JURISDICTION).strip()
    if not (text.isascii() and text.isdigit() and len(text) in (2, 4, 6)):
        raise SettingsError("PATENTFLOW_JURISDICTION must be a GB/T 2260 code prefix of 2, 4 or "
                            f"6 digits (e.g. 37 or 3701), got {text!r}")
    return text


def _criteria(env: Mapping[str, str]) -> tuple[str, ...]:
    """Which criteria make a patent high-value; checked against ``criteria.csv`` by the dbt
    build (a name it does not know fails the build at compile time)."""
    text = env.get("PATENTFLOW_HIGH_VALUE_CRITERIA")
    if not text:
        return DEFAULT_HIGH_VALUE_CRITERIA
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names or not all(name.isascii() and name.isidentifier() for name in names):
        raise SettingsError("PATENTFLOW_HIGH_VALUE_CRITERIA must be a comma-separated list of "
                            f"criteria of criteria.csv (e.g. sei,family,age,award), got {text!r}")
    return names


def _limits(env: Mapping[str, str]) -> Limits:
    base = Limits()
    return Limits(
        max_page_bytes=int(_number(env, "PATENTFLOW_MAX_PAGE_BYTES", base.max_page_bytes)),
        max_file_bytes=int(_number(env, "PATENTFLOW_MAX_FILE_BYTES", base.max_file_bytes)),
        max_xlsx_uncompressed_bytes=int(_number(
            env, "PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES", base.max_xlsx_uncompressed_bytes)),
        max_xlsx_ratio=_number(env, "PATENTFLOW_MAX_XLSX_RATIO", base.max_xlsx_ratio,
                               integer=False),
    )


def _alerts(env: Mapping[str, str]) -> AlertChannels:
    return AlertChannels(
        webhook=_text(env, "PATENTFLOW_ALERT_WEBHOOK"),
        email=_text(env, "PATENTFLOW_ALERT_EMAIL"),
        smtp_host=_text(env, "PATENTFLOW_SMTP_HOST") or "localhost",
        smtp_port=int(_number(env, "PATENTFLOW_SMTP_PORT", 25)),
        smtp_user=_text(env, "PATENTFLOW_SMTP_USER"),
        smtp_password=_text(env, "PATENTFLOW_SMTP_PASSWORD"),
        smtp_from=_text(env, "PATENTFLOW_SMTP_FROM"),
        smtp_starttls=_flag(env, "PATENTFLOW_SMTP_STARTTLS"),
    )


def _duckdb(env: Mapping[str, str]) -> DuckDBResources:
    base = DuckDBResources()
    memory = (env.get("PATENTFLOW_DUCKDB_MEMORY_LIMIT") or base.memory_limit).strip()
    if not MEMORY_LIMIT.match(memory):
        raise SettingsError("PATENTFLOW_DUCKDB_MEMORY_LIMIT must be a size with a unit "
                            f"(e.g. 2GB, 512MiB), got {memory!r}")
    temp = env.get("PATENTFLOW_DUCKDB_TEMP_DIR")
    return DuckDBResources(
        memory_limit=memory,
        threads=int(_number(env, "PATENTFLOW_DUCKDB_THREADS", base.threads)),
        temp_dir=_path(temp) if temp else None,
    )


def settings_from(env: Mapping[str, str]) -> Settings:
    """Settings from an explicit mapping (no cache): for tests and for preparing a child's env."""
    home = _path(env.get("PATENTFLOW_HOME") or DEFAULT_HOME)
    drop = env.get("PATENTFLOW_DROP_DIR")
    expectations = env.get("PATENTFLOW_EXPECTATIONS_DIR")
    return Settings(
        home=home,
        drop_dir=_path(drop) if drop else home / "drop",
        jurisdiction=_jurisdiction(env),
        high_value_criteria=_criteria(env),
        patent_api_url=_text(env, "PATENTFLOW_PATENT_API_URL"),
        patent_api_token=_text(env, "PATENTFLOW_PATENT_API_TOKEN"),
        finance_api_url=_text(env, "PATENTFLOW_FINANCE_API_URL"),
        finance_api_token=_text(env, "PATENTFLOW_FINANCE_API_TOKEN"),
        keep_releases=int(_number(env, "PATENTFLOW_KEEP_RELEASES", 10)),
        ui_port=_port(env, "PATENTFLOW_UI_PORT", 8080),
        docs_port=_port(env, "PATENTFLOW_DOCS_PORT", 8081),
        serving_pg_dsn=_text(env, "PATENTFLOW_SERVING_PG_DSN"),
        serving_bi_password=_text(env, "PATENTFLOW_SERVING_BI_PASSWORD"),
        serving_bi_user=_text(env, "PATENTFLOW_SERVING_BI_USER") or "patentflow_bi",
        serving_bi_role=_text(env, "PATENTFLOW_SERVING_BI_ROLE") or "patentflow_bi_reader",
        retry_delay_seconds=int(_number(env, "PATENTFLOW_RETRY_DELAY_SECONDS", 120,
                                        positive=False)),
        drop_wait_seconds=int(_number(env, "PATENTFLOW_DROP_WAIT_SECONDS", 23 * 3600,
                                      positive=False)),
        source_retry_seconds=_number(env, "PATENTFLOW_SOURCE_RETRY_SECONDS", 600.0,
                                     positive=False, integer=False),
        source_timeout_seconds=_number(env, "PATENTFLOW_SOURCE_TIMEOUT_SECONDS", 60.0,
                                       integer=False),
        quarantine_warn_share=_share(env, "PATENTFLOW_QUARANTINE_WARN_SHARE", 0.05),
        expectations_dir=_path(expectations) if expectations else PROJECT_ROOT / "expectations",
        chromium=_text(env, "PATENTFLOW_CHROMIUM"),
        limits=_limits(env),
        alerts=_alerts(env),
        duckdb=_duckdb(env),
    )


@lru_cache(maxsize=8)
def _cached(snapshot: tuple[tuple[str, str], ...], cwd: str) -> Settings:
    return settings_from(dict(snapshot))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of this process (cached), or of ``environ`` when given (not cached)."""
    if environ is not None:
        return settings_from(environ)
    snapshot = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PATENTFLOW_")))
    return _cached(snapshot, os.getcwd())
