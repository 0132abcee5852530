"""Imports run one way: settings at the bottom, then ingestion, warehouse, gate, release, report,
orchestration and the CLI on top; the runtime never imports tooling or tests.

The contracts are import-linter's (``[tool.importlinter]`` in pyproject.toml); these tests run
them on the checkout and prove, on a copy with one deliberately wrong import, that they fail.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

PACKAGES = ("patentflow", "devtools", "benchmarks", "tests")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
               "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))"]
    return subprocess.run(command, cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def checkout_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layering")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(REPO / package, root / package, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_checkout_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(("module", "statement", "contract"), [
    ("patentflow/core/upward.py", "from patentflow.release import registry",
     "Runtime packages are layered by stage"),
    ("patentflow/ingest/upward.py", "import patentflow.gate.runner",
     "Runtime packages are layered by stage"),
    ("patentflow/report/uses_sandbox.py", "from devtools.sandbox import generator",
     "The runtime never imports tooling or tests"),
    ("patentflow/gate/uses_tests.py", "import tests.support.builders",
     "The runtime never imports tooling or tests"),
    ("patentflow/ingest/validate/upward.py", "from patentflow.ingest.api import client",
     "Ingestion: sources over validation, landing and the raw schema"),
])
def test_a_new_import_against_the_layering_fails(
        checkout_copy: Path, module: str, statement: str, contract: str) -> None:
    path = checkout_copy / module
    path.write_text(statement + "\n", encoding="utf-8")
    try:
        result = lint_imports(checkout_copy)
    finally:
        path.unlink()
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
