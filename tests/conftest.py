"""Test-session isolation and the markers that split the fast loop from the slow runs.

Isolation: the session gets its own ``HOME``, ``AIRFLOW_HOME`` and ``MPLCONFIGDIR`` in a temporary
directory before any test module is imported (importing Airflow without ``AIRFLOW_HOME`` creates
``~/airflow``; matplotlib writes its font cache under ``~/.cache``). Whatever still lands in that
``HOME`` was written by code that does not honour ``PATENTFLOW_HOME``: the session fails and
lists it.

Markers: every test under ``e2e/``, ``drills/`` and ``tooling/`` is marked ``e2e`` (it runs the
pipeline, kills it, or starts the production shape); ``make test-fast`` deselects them and runs
the property tests with the ``fast`` hypothesis profile (``tests/support/properties.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support import properties  # noqa: F401 - registers the hypothesis profiles

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="patentflow-tests-"))
_HOME = _SESSION_DIR / "home"
_HOME.mkdir()
os.environ["HOME"] = str(_HOME)
os.environ.setdefault("AIRFLOW_HOME", str(_SESSION_DIR / "airflow"))
os.environ.setdefault("MPLCONFIGDIR", str(_SESSION_DIR / "matplotlib"))
os.environ.setdefault("XDG_CACHE_HOME", str(_SESSION_DIR / "xdg-cache"))
os.environ.setdefault("XDG_CONFIG_HOME", str(_SESSION_DIR / "xdg-config"))
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SLOW_FOLDERS = {"e2e", "drills", "tooling"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.path)).resolve().relative_to(tests_dir)
        if relative.parts and relative.parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.e2e)


def _written_to_home() -> list[str]:
    return sorted(str(path.relative_to(_HOME)) for path in _HOME.rglob("*") if path.is_file())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    written = _written_to_home()
    if written:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = ("files were written to the home directory instead of under PATENTFLOW_HOME "
                   f"(or a tool's configured folder): {written[:20]}")
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
