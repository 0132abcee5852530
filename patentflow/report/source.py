"""Everything the report reads, taken from one published release only (never the build warehouse).

The release's DuckDB file is opened read-only and closed before anything is rendered, so a report
never holds a lock on a release and always describes exactly one release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from patentflow.core import duck
from patentflow.core.settings import Settings
from patentflow.release.registry import (
    CURRENT,
    MANIFEST,
    NoCurrentRelease,
    current_release,
    release_info,
)
from patentflow.report.definitions import CITY, CITY_NAME, DISTRICTS


@dataclass
class ReleaseData:
    release_id: str
    path: Path
    manifest: dict[str, Any]
    values: pd.DataFrame  # marts.indicator_values, every column
    region_names: dict[str, str]
    quarantine: pd.DataFrame  # source, entity, reason_code, example record key, records
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    revisions_basis: str = ""

    @property
    def as_of(self) -> str | None:
        return (self.manifest.get("extra") or {}).get("as_of")


def resolve_release(settings: Settings, release_id: str | None) -> tuple[str, Path]:
    """The release id and directory of ``release_id`` (default: the current release)."""
    if release_id in (None, CURRENT):
        info = current_release(settings)
        if info is None:
            raise NoCurrentRelease(f"no release published under {settings.releases_dir}")
    else:
        info = release_info(settings, release_id)
    return info.release_id, info.path


def load_release(settings: Settings, release_id: str | None = None) -> ReleaseData:
    rid, path = resolve_release(settings, release_id)
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    con = duck.connect(str(path / "warehouse.duckdb"), read_only=True)
    try:
        values = con.execute("SELECT * FROM marts.indicator_values").df()
        region_names = _region_names(con)
        quarantine = con.execute(
            "SELECT source, entity, reason_code, min(record_key) AS example, count(*) AS records "
            "FROM audit.quarantine GROUP BY ALL ORDER BY records DESC, source, entity, reason_code"
        ).df()
    finally:
        con.close()
    values["period_start"] = pd.to_datetime(values["period_start"]).dt.date
    values["period_end"] = pd.to_datetime(values["period_end"]).dt.date
    return ReleaseData(release_id=rid, path=path, manifest=manifest, values=values,
                       region_names=region_names, quarantine=quarantine)


def _region_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    names = {CITY: CITY_NAME, **DISTRICTS}
    try:
        rows = con.execute("SELECT region_code, name_zh FROM marts.dim_region").fetchall()
    except duckdb.Error:
        return names  # an older release without the dimension: the contract's names
    names.update({code: name for code, name in rows if code in names and name})
    return names
