"""The semantic layer: MetricFlow metrics give the published numbers, whoever asks.

A copy of the dbt project (MetricFlow reads ``<project>/target/semantic_manifest.json``, and the
repository's own target/ is not ours to overwrite) is built over the hand-crafted raw fixture;
then the `mf` CLI is run exactly as docs/bi-access.md tells an analyst to run it, and its
answers are compared with marts.indicator_values (and, for the fact-based metrics, with the
indicator the same rule publishes).
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.built_fixture import built_fixture
from tests.support.paths import REPO
from tests.warehouse.test_dbt_build import AS_OF, DISTRICTS

DBT = REPO / ".venv" / "bin" / "dbt"
MF = REPO / ".venv" / "bin" / "mf"
INDICATOR_METRICS = {
    "pat01_in_force_invention_patents": "PAT-01",
    "con01_patent_contract_turnover_wan": "CON-01",
    "fin01_pledge_financing_wan": "FIN-01",
}


class Project:
    """A built copy of the dbt project and the environment `mf` needs to find it."""

    def __init__(self, root: Path, warehouse: Path) -> None:
        self.root, self.warehouse = root, warehouse
        self.env = {**os.environ, "PATENTFLOW_WAREHOUSE": str(warehouse),
                    "DBT_PROJECT_DIR": str(root), "DBT_PROFILES_DIR": str(root),
                    "DBT_TARGET": "duckdb", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

    def mf(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MF), *args], cwd=self.root, env=self.env,  # noqa: S603
                              capture_output=True, text=True, timeout=600, check=False)

    def query(self, out: Path, metrics: list[str], group_by: list[str],
              where: str | None = None) -> list[dict[str, str]]:
        args = ["query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
                "--csv", str(out)]
        if where:
            args += ["--where", where]
        done = self.mf(*args)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        with out.open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def published(self, sql_text: str, params: list) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql_text, params).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Project]:
    """MetricFlow over the session's fixture build: its project copy (whose target/ holds the
    semantic manifest) and a private copy of the warehouse (mf opens it read-write)."""
    shared = built_fixture(tmp_path_factory, worker_id)
    work = tmp_path_factory.mktemp("metricflow")
    root = _copy_project(work / "dbt_project")
    shutil.copytree(shared.project / "target", root / "target")
    built = Project(root, shared.copy_to(work / "build.duckdb"))
    assert (root / "target" / "semantic_manifest.json").is_file()
    yield built


def _year(cell: str) -> int:
    return int(cell[:4])


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _copy_project(destination: Path) -> Path:
    shutil.copytree(REPO / "dbt_project", destination,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return destination


def test_metricflow_validates_the_semantic_layer_against_the_warehouse(project):
    done = project.mf("validate-configs")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "ERRORS: 0" in output and "Successfully validated metrics against data warehouse" \
        in output


def test_indicator_metrics_by_region_and_year_are_the_published_rows(project, tmp_path):
    rows = project.query(tmp_path / "q.csv", list(INDICATOR_METRICS),
                         ["indicator_value__region_code", "metric_time__year"])
    published = project.published(
        "SELECT indicator_id, region_code, year(period_start), value FROM marts.indicator_values "
        "WHERE period_type = 'year' AND breakdown = 'all' AND indicator_id IN (?, ?, ?)",
        list(INDICATOR_METRICS.values()))
    expected = {(indicator, region, year): value for indicator, region, year, value in published}
    got = {(indicator, row["indicator_value__region_code"], _year(row["metric_time__year"])):
           float(row[metric]) if row[metric] else None
           for row in rows for metric, indicator in INDICATOR_METRICS.items()}
    assert set(got) == set(expected)
    assert {region for _, region, _ in got} == DISTRICTS | {"3701"}
    mismatches = {key: (got[key], expected[key]) for key in expected
                  if not _close(got[key], expected[key])}
    assert not mismatches
    assert any(value for value in expected.values())  # the fixture has something to count


def test_a_stock_metric_without_a_time_grouping_is_the_latest_year_not_a_sum(project, tmp_path):
    rows = project.query(tmp_path / "q.csv", ["pat01_in_force_invention_patents"],
                         ["indicator_value__region_code"])
    latest = dict(project.published(
        "SELECT region_code, value FROM marts.indicator_values WHERE indicator_id = 'PAT-01' "
        "AND period_type = 'year' AND breakdown = 'all' AND year(period_start) = ?",
        [int(AS_OF[:4])]))
    got = {row["indicator_value__region_code"]: float(row["pat01_in_force_invention_patents"])
           for row in rows}
    assert got == pytest.approx(latest)


def test_fact_metrics_follow_the_published_rule_for_city_and_districts(project, tmp_path):
    """The CON-01 and FIN-01 rules on the facts give the published city and district rows."""
    city = project.query(tmp_path / "city.csv",
                         ["patent_contract_turnover_wan", "pledge_financing_wan"],
                         ["metric_time__year"],
                         where="{{ TimeDimension('metric_time', 'year') }} >= '2020-01-01'")
    published = project.published(
        "SELECT indicator_id, year(period_start), value FROM marts.indicator_values "
        "WHERE indicator_id IN ('CON-01', 'FIN-01') AND period_type = 'year' "
        "AND breakdown = 'all' AND region_code = '3701'", [])
    expected = {(indicator, year): value for indicator, year, value in published if value}
    got = {}
    for row in city:
        for metric, indicator in (("patent_contract_turnover_wan", "CON-01"),
                                  ("pledge_financing_wan", "FIN-01")):
            if row[metric] and float(row[metric]):
                got[(indicator, _year(row["metric_time__year"]))] = float(row[metric])
    assert got == pytest.approx(expected)
    assert expected

    districts = project.query(tmp_path / "districts.csv", ["patent_contract_turnover_wan"],
                              ["tech_contract__seller_region_code", "metric_time__year"],
                              where="{{ TimeDimension('metric_time', 'year') }} >= '2020-01-01'")
    published = project.published(
        "SELECT region_code, year(period_start), value FROM marts.indicator_values "
        "WHERE indicator_id = 'CON-01' AND period_type = 'year' AND breakdown = 'all' "
        "AND region_code <> '3701' AND value <> 0", [])
    expected = {(region, year): value for region, year, value in published}
    got = {(row["tech_contract__seller_region_code"], _year(row["metric_time__year"])):
           float(row["patent_contract_turnover_wan"]) for row in districts
           if row["tech_contract__seller_region_code"] in DISTRICTS
           and float(row["patent_contract_turnover_wan"] or 0)}
    assert got == pytest.approx(expected)


def test_a_published_release_is_queried_read_only_with_the_release_target(project, tmp_path):
    """The docs' duckdb_release target opens the release file read-only, next to other readers.

    A read-write open would need the file lock this test's own read-only connection holds.
    """
    release = tmp_path / "release"
    release.mkdir()
    warehouse = release / "warehouse.duckdb"
    shutil.copyfile(project.warehouse, warehouse)
    warehouse.chmod(0o444)
    root = _copy_project(tmp_path / "dbt_project")
    released = Project(root, warehouse)
    released.env["DBT_TARGET"] = "duckdb_release"
    other_reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        done = subprocess.run(
            [str(DBT), "parse", "--project-dir", str(root), "--profiles-dir", str(root),
             "--target", "duckdb_release"],
            cwd=root, env=released.env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout[-3000:]
        rows = released.query(tmp_path / "q.csv", ["fin01_pledge_financing_wan"],
                              ["indicator_value__region_code", "metric_time__year"],
                              where="{{ Dimension('indicator_value__region_code') }} = '3701'")
        published = dict(other_reader.execute(
            "SELECT year(period_start), value FROM marts.indicator_values WHERE indicator_id = "
            "'FIN-01' AND period_type = 'year' AND breakdown = 'all' AND region_code = '3701'"
        ).fetchall())
    finally:
        other_reader.close()
        warehouse.chmod(0o644)
    assert {_year(row["metric_time__year"]): float(row["fin01_pledge_financing_wan"])
            for row in rows} == pytest.approx(published)
