"""Settings from environment variables, resolved once per process.

Every path the pipeline touches derives from ``PATENTFLOW_HOME`` so that one directory holds all
state of an embedded installation (raw layer, ingestion state, build warehouse, releases, Airflow
metadata). Airflow connections may override the API settings (see ``ingestion.connections``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOME = ".patentflow"


@dataclass(frozen=True)
class Settings:
    home: Path
    drop_dir: Path
    patent_api_url: str | None = None
    patent_api_token: str | None = None
    finance_api_url: str | None = None
    finance_api_token: str | None = None
    keep_releases: int = 10
    # PostgreSQL serving (``patentflow.pg_serving``): off while the DSN is unset. The DSN may hold
    # a password and the BI password is a secret: neither is shown in the repr.
    serving_pg_dsn: str | None = field(default=None, repr=False)
    serving_bi_password: str | None = field(default=None, repr=False)
    serving_bi_user: str = "patentflow_bi"
    serving_bi_role: str = "patentflow_bi_reader"

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
    def releases_dir(self) -> Path:
        """Immutable published releases plus the ``current`` pointer."""
        return self.home / "releases"

    @property
    def runs_dir(self) -> Path:
        """Per-run artefacts: run summary, dbt run_results, GX data docs."""
        return self.home / "runs"

    @property
    def sandbox_dir(self) -> Path:
        return self.home / "sandbox"

    @property
    def uses_sandbox(self) -> bool:
        """The sandbox is started only when no real source URLs are configured."""
        return not (self.patent_api_url and self.finance_api_url)


def _path(value: str) -> Path:
    return Path(value).expanduser().resolve()


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = _path(env.get("PATENTFLOW_HOME") or DEFAULT_HOME)
    drop = env.get("PATENTFLOW_DROP_DIR")
    return Settings(
        home=home,
        drop_dir=_path(drop) if drop else home / "drop",
        patent_api_url=env.get("PATENTFLOW_PATENT_API_URL") or None,
        patent_api_token=env.get("PATENTFLOW_PATENT_API_TOKEN") or None,
        finance_api_url=env.get("PATENTFLOW_FINANCE_API_URL") or None,
        finance_api_token=env.get("PATENTFLOW_FINANCE_API_TOKEN") or None,
        keep_releases=int(env.get("PATENTFLOW_KEEP_RELEASES", "10")),
        serving_pg_dsn=env.get("PATENTFLOW_SERVING_PG_DSN") or None,
        serving_bi_password=env.get("PATENTFLOW_SERVING_BI_PASSWORD") or None,
        serving_bi_user=env.get("PATENTFLOW_SERVING_BI_USER") or "patentflow_bi",
        serving_bi_role=env.get("PATENTFLOW_SERVING_BI_ROLE") or "patentflow_bi_reader",
    )
