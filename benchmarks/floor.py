"""The least work the pipeline's job needs, measured on the same data in the same run.

Three floors, each the work left when everything the pipeline adds is taken away:

(a) ``paging``: a bare HTTP client paging every endpoint of the same source systems at the
    largest page size the contract allows: what the sources can serve, no validation, no writing.
(b) ``file_reads``: the delivered files read by DuckDB's own CSV reader. DuckDB 2.0 has no GBK
    decoder and no XLSX reader built in (both are extensions it cannot download here), so a GBK
    file is decoded by Python's codec and handed to the same reader, and an XLSX file is read by
    openpyxl's streaming reader (the least a Python process can do with it).
(c) ``warehouse``: DuckDB alone building ``indicator_values`` from the landed raw Parquet with the
    project's own compiled SQL (dbt's manifest of the measured run), every model in dependency
    order in one connection: no dbt start-up, no parsing, no tests.

``measure_floor`` returns seconds per floor; the pipeline benchmark divides each stage by its
floor and the end-to-end time by their sum.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENDPOINTS = {
    "patent_api": ("/v1/patents", "/v1/legal-events"),
    "finance_api": ("/v1/pledges", "/v1/insurance-policies", "/v1/roadshows"),
}
MAX_PAGE = 1000


@dataclass
class Floor:
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def page_every_endpoint(urls: dict[str, str], tokens: dict[str, str]) -> int:
    """(a) Every record of every endpoint, page by page; returns how many records came."""
    import requests

    records = 0
    with requests.Session() as session:
        for source, paths in ENDPOINTS.items():
            session.headers["Authorization"] = f"Bearer {tokens[source]}"
            for path in paths:
                cursor = None
                while True:
                    params: dict[str, Any] = {"limit": MAX_PAGE,
                                              "updated_since": "1970-01-01T00:00:00+00:00"}
                    if cursor:
                        params["cursor"] = cursor
                    response = session.get(urls[source].rstrip("/") + path, params=params,
                                           timeout=60)
                    response.raise_for_status()
                    page = response.json()
                    records += len(page["items"])
                    cursor = page.get("next_cursor")
                    if not cursor:
                        break
    return records


def _delivered(drop_dir: Path) -> Iterator[Path]:
    for folder in ("tech_contracts", "reference"):
        for path in sorted((drop_dir / folder).glob("*")):
            if path.suffix in {".csv", ".xlsx"} and path.with_name(path.name + ".done").exists():
                yield path


def read_every_file(drop_dir: Path) -> int:
    """(b) Every marked delivery read into a table; returns how many rows."""
    import duckdb
    import openpyxl

    rows = 0
    con = duckdb.connect()
    for path in _delivered(drop_dir):
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            rows += sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
            book.close()
            continue
        data = path.read_bytes()
        if not data.startswith(b"\xef\xbb\xbf"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:  # the registry's GBK exports
                data = data.decode("gbk").encode("utf-8")
        handle = io.BytesIO(data)
        rows += len(con.read_csv(handle, header=True, all_varchar=True).fetchall())
    con.close()
    return rows


def _models_in_order(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = {uid: node for uid, node in manifest["nodes"].items()
             if node["resource_type"] in {"model", "seed"}
             and node.get("package_name") == "patentflow"}
    ordered: list[dict[str, Any]] = []
    done: set[str] = set()

    def visit(uid: str) -> None:
        if uid in done or uid not in nodes:
            return
        done.add(uid)
        for parent in nodes[uid]["depends_on"].get("nodes", []):
            visit(parent)
        ordered.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid)
    return ordered


def build_from_compiled_sql(home: Path, manifest_path: Path, work_dir: Path) -> int:
    """(c) The raw layer from the landed Parquet of ``home`` (``load_raw``: typed tables straight
    from ``read_parquet``, already the least that loading takes), then every seed and model of the
    manifest in one connection; returns the rows of ``marts.indicator_values``.

    The compiled SQL names relations by the build warehouse's catalog (``build``), so the floor
    builds into a file of that name in ``work_dir``.
    """
    import duckdb

    from patentflow.core.settings import SEEDS_DIR, settings_from
    from patentflow.warehouse.load_raw import load_raw

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "build.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    load_raw(settings_from({"PATENTFLOW_HOME": str(home)}), con)
    for schema in ("staging", "intermediate", "marts"):
        con.execute(f"create schema if not exists {schema}")
    for node in _models_in_order(manifest):
        relation = f"{node['schema']}.{node['alias']}"
        if node["resource_type"] == "seed":
            seed = SEEDS_DIR / f"{node['name']}.csv"
            con.execute(f"create or replace table {relation} as "  # noqa: S608 - manifest names
                        "select * from read_csv(?, header=true, all_varchar=true)", [str(seed)])
            for column, kind in (node["config"].get("column_types") or {}).items():
                con.execute(f"alter table {relation} alter column {column} type {kind}")
            continue
        sql = node.get("compiled_code")
        if not sql:
            continue
        kind = "view" if node["config"].get("materialized") == "view" else "table"
        con.execute(f"create or replace {kind} {relation} as {sql}")
    rows = con.execute("select count(*) from marts.indicator_values").fetchone()[0]
    con.close()
    return int(rows)


def measure_floor(*, urls: dict[str, str], tokens: dict[str, str], drop_dir: Path,
                  home: Path, manifest_path: Path, work_dir: Path) -> Floor:
    floor = Floor()
    for name, work in (
        ("paging", lambda: page_every_endpoint(urls, tokens)),
        ("file_reads", lambda: read_every_file(drop_dir)),
        ("warehouse", lambda: build_from_compiled_sql(home, manifest_path, work_dir)),
    ):
        started = time.monotonic()
        floor.counts[name] = work()
        floor.seconds[name] = round(time.monotonic() - started, 2)
    return floor
