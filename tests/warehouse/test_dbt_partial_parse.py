"""A build parses the dbt project once, and the next day's build only what changed.

dbt discards its partial-parse state whenever a command-line var changes; the day (``as_of``)
and the release id change on every run, so they reach dbt as environment variables and the
``--vars`` of a build stay the same from day to day (docs/decisions/performance.md).
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from patentflow.core.settings import DBT_PROJECT_DIR, load_settings
from patentflow.warehouse.dbt_runner import (
    dbt_args,
    dbt_env,
    dbt_executable,
    persistent_target_dir,
    run_input_env,
)

FULL_PARSE = "Unable to do partial parsing"


def _parse(settings, target: Path, as_of: date, release_id: str) -> str:
    env = {**dbt_env(settings), **run_input_env(as_of, release_id)}
    completed = subprocess.run(
        [dbt_executable(), "parse", *dbt_args(settings, DBT_PROJECT_DIR, target, target / "logs")],
        cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout


def test_the_day_and_the_release_are_not_command_line_vars(tmp_path: Path) -> None:
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path / "home")})
    target = persistent_target_dir(settings, DBT_PROJECT_DIR)
    one_day = dbt_args(settings, DBT_PROJECT_DIR, target, tmp_path / "logs")
    assert one_day == dbt_args(settings, DBT_PROJECT_DIR, target, tmp_path / "logs")
    assert "as_of" not in one_day[-1] and "release_id" not in one_day[-1]
    assert run_input_env(date(2025, 6, 30), "r1") != run_input_env(date(2025, 7, 1), "r2")
    assert target.is_relative_to(settings.home)


def test_the_next_days_parse_reuses_the_kept_state(tmp_path: Path) -> None:
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path / "home"),
                              "PATENTFLOW_WAREHOUSE": str(tmp_path / "build.duckdb")})
    target = persistent_target_dir(settings, DBT_PROJECT_DIR)
    first = _parse(settings, target, date(2025, 6, 30), "20250630-a")
    assert (target / "partial_parse.msgpack").is_file()
    assert "saved manifest not found" in first  # the very first build parses in full
    second = _parse(settings, target, date(2025, 7, 1), "20250701-b")
    assert FULL_PARSE not in second, second[-2000:]
