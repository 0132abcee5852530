"""The hand-made fixture (devtools/raw_fixture.py) built once by dbt per test session.

The warehouse tests (hand-computed values, MetricFlow) all read the same build; building it
costs ~20 s, so it is built once per session and shared across xdist workers: the first worker
to need it builds it under a file lock, the others wait and reuse it. Consumers never write to
it: a test that needs to tamper or to open it read-write copies it first (``copy_to``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from devtools.raw_fixture import build_raw_fixture
from tests.support.paths import BIN, REPO

AS_OF = "2025-06-30"
RELEASE_ID = "fixture-test"


@dataclass(frozen=True)
class BuiltFixture:
    project: Path  # a copy of dbt_project/ whose target/ holds the build's manifests
    warehouse: Path  # the built DuckDB file (read-only to consumers)

    def copy_to(self, path: Path) -> Path:
        shutil.copyfile(self.warehouse, path)
        return path


def copy_project(destination: Path) -> Path:
    shutil.copytree(REPO / "dbt_project", destination,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return destination


def dbt_env(warehouse: Path, project: Path) -> dict[str, str]:
    return {**os.environ, "PATENTFLOW_WAREHOUSE": str(warehouse), "DBT_PROJECT_DIR": str(project),
            "DBT_PROFILES_DIR": str(project), "DBT_TARGET": "duckdb",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def _build(directory: Path, jurisdiction: str | None = None) -> BuiltFixture:
    """Build the fixture (with dbt's default jurisdiction unless one is given)."""
    project = copy_project(directory / "dbt_project")
    warehouse = build_raw_fixture(directory / "build.duckdb")
    chosen = f", jurisdiction: '{jurisdiction}'" if jurisdiction else ""
    done = subprocess.run(
        [str(BIN / "dbt"), "build", "--project-dir", str(project), "--profiles-dir", str(project),
         "--vars", f"{{as_of: '{AS_OF}', release_id: '{RELEASE_ID}'{chosen}}}"],
        cwd=project, env=dbt_env(warehouse, project), capture_output=True, text=True,
        timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-6000:]
    return BuiltFixture(project, warehouse)


def built_fixture(tmp_path_factory: pytest.TempPathFactory, worker_id: str,
                  jurisdiction: str | None = None) -> BuiltFixture:
    """The session's build (``worker_id`` is pytest-xdist's; "master" without workers), for
    dbt's default jurisdiction or the one given (each built once per session)."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    name = "built_fixture" + (f"_{jurisdiction}" if jurisdiction else "")
    directory = shared / name
    with FileLock(str(shared / f"{name}.lock")):
        if not (directory / "done").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            _build(directory, jurisdiction)
            (directory / "done").write_text("ok", encoding="utf-8")
    return BuiltFixture(directory / "dbt_project", directory / "build.duckdb")
