"""Every relation dbt creates must fit PostgreSQL's 63-character identifiers: the same project
builds on PostgreSQL in the production shape, where a longer name fails the build there only."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.paths import REPO

POSTGRES_MAX_IDENTIFIER = 63
DBT_PROJECT = REPO / "dbt_project"


def _relation_names() -> dict[str, Path]:
    """Models, seeds and snapshots by file name; unit tests by their declared name (dbt runs
    each one in a relation named after it)."""
    names: dict[str, Path] = {}
    for folder, pattern in (("models", "*.sql"), ("seeds", "*.csv"), ("snapshots", "*.sql")):
        for path in (DBT_PROJECT / folder).rglob(pattern):
            names[path.stem] = path
    for path in (DBT_PROJECT / "models").rglob("*.yml"):
        for unit_test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
                "unit_tests", []):
            names[unit_test["name"]] = path
    return names


def test_the_project_declares_models_seeds_and_unit_tests() -> None:
    names = _relation_names()
    assert "indicator_values" in names and "regions" in names
    assert any(path.suffix == ".yml" for path in names.values())


def test_every_dbt_relation_name_fits_a_postgres_identifier() -> None:
    too_long = {name: str(path.relative_to(REPO)) for name, path in _relation_names().items()
                if len(name) > POSTGRES_MAX_IDENTIFIER}
    assert too_long == {}, f"names longer than {POSTGRES_MAX_IDENTIFIER} characters"
