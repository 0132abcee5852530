"""Settings are read in one module and every variable is documented in the README's tables.

The runtime reads ``PATENTFLOW_*`` variables only in ``patentflow/core/settings.py``; other modules
may copy the environment for a child process, never look a value up in it. Every variable named
anywhere in the project (runtime, dbt profile, tooling) has a row in the README.
"""

from __future__ import annotations

import ast
import re

from patentflow.core.settings import VARIABLES, load_settings
from tests.support.paths import REPO

SETTINGS_MODULE = REPO / "patentflow" / "core" / "settings.py"
# Names that look like variables but are output markers of child processes.
NOT_VARIABLES = {"PATENTFLOW_DAG_RESULT", "PATENTFLOW_BENCH_RESULT"}
VARIABLE = re.compile(r"(?<![A-Z0-9_])PATENTFLOW_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_])")
SCANNED = ("patentflow", "dags", "devtools", "benchmarks", "dbt_project", "deploy")


def _environment_lookups(tree: ast.AST) -> list[int]:
    """Lines where the environment is read: os.environ[...], os.environ.get(...), os.getenv(...)."""
    def is_environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ" and \
            isinstance(node.value, ast.Name) and node.value.id == "os"

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_environ(node.value) and \
                isinstance(node.ctx, ast.Load):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "get" and is_environ(node.func.value):
                lines.append(node.lineno)
            if node.func.attr == "getenv" and isinstance(node.func.value, ast.Name) and \
                    node.func.value.id == "os":
                lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = []
    for path in sorted((REPO / "patentflow").rglob("*.py")):
        if path == SETTINGS_MODULE:
            continue
        for line in _environment_lookups(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(REPO)}:{line}")
    assert offenders == []


def test_the_lookup_scanner_finds_each_way_of_reading_the_environment() -> None:
    source = "import os\na = os.environ['X']\nb = os.environ.get('Y')\nc = os.getenv('Z')\n" \
             "d = dict(os.environ)\n"
    assert _environment_lookups(ast.parse(source)) == [2, 3, 4]


def test_every_runtime_variable_named_in_the_runtime_is_a_setting() -> None:
    named = set()
    for path in (REPO / "patentflow").rglob("*.py"):
        named |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    named |= set(VARIABLE.findall((REPO / "dbt_project" / "profiles.yml").read_text()))
    assert named - NOT_VARIABLES <= set(VARIABLES)


def _readme_variables() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `PATENTFLOW_")]
    return {name for row in rows for name in VARIABLE.findall(row.split("|")[1])}


def test_the_readme_documents_every_variable_in_a_table_row() -> None:
    named = set()
    for folder in SCANNED:
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".yml", ".yaml", ".sh", ".example"}:
                named |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    for name in ("Makefile", "Dockerfile", "docker-compose.yml"):
        named |= set(VARIABLE.findall((REPO / name).read_text(encoding="utf-8")))
    documented = _readme_variables()
    assert sorted(named - NOT_VARIABLES - documented) == []
    assert set(VARIABLES) <= documented


def test_settings_are_resolved_once_and_follow_a_changed_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATENTFLOW_HOME", str(tmp_path / "a"))
    first = load_settings()
    assert load_settings() is first  # cached: the same object, not a new parse
    monkeypatch.setenv("PATENTFLOW_HOME", str(tmp_path / "b"))
    assert load_settings().home == (tmp_path / "b").resolve()


def test_a_bad_number_names_the_variable() -> None:
    import pytest

    from patentflow.core.settings import SettingsError

    with pytest.raises(SettingsError, match="PATENTFLOW_KEEP_RELEASES must be an integer"):
        load_settings({"PATENTFLOW_KEEP_RELEASES": "ten"})
    with pytest.raises(SettingsError, match="PATENTFLOW_MAX_PAGE_BYTES must be positive"):
        load_settings({"PATENTFLOW_MAX_PAGE_BYTES": "-1"})


def test_secrets_are_not_in_the_settings_repr() -> None:
    settings = load_settings({"PATENTFLOW_PATENT_API_TOKEN": "tok-abcdef",
                              "PATENTFLOW_SMTP_PASSWORD": "smtp-secret-1",
                              "PATENTFLOW_ALERT_WEBHOOK": "https://hook.example/T0/secret-path"})
    text = repr(settings)
    assert "tok-abcdef" not in text and "smtp-secret-1" not in text and "secret-path" not in text
