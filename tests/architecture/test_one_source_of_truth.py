"""Every fact lives in one place: the dbt seeds (read by Python through patentflow.core.reference).

District codes, the plan's targets, the indicator catalogue and the enumerations of the source
contract are seeds; the runtime, the DAGs, the dbt models and macros and the gate's expectations
never spell them. What is scanned is the product (``patentflow/``, ``dags/``, ``dbt_project/``
models, macros and tests, ``expectations/``): test fixtures and the sandbox's synthetic records
are data about the sources and may carry codes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from patentflow.core import reference
from tests.support.paths import REPO

PRODUCT = [REPO / "patentflow", REPO / "dags", REPO / "dbt_project" / "models",
           REPO / "dbt_project" / "macros", REPO / "dbt_project" / "tests", REPO / "expectations"]
SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".json"}
# dbt unit tests carry their own input rows (fixtures, like the tests' builders).
FIXTURE_FILES = re.compile(r"_unit_tests\.yml$")
# The vendor export's own vocabulary (its 申请人类型 spellings), mapped onto the contract's.
VENDOR_VOCABULARY = REPO / "patentflow" / "ingest" / "files" / "vendor_export.py"


def product_files() -> list[Path]:
    return [path for root in PRODUCT for path in sorted(root.rglob("*"))
            if path.is_file() and path.suffix in SUFFIXES and not FIXTURE_FILES.search(path.name)
            and "__pycache__" not in path.parts]


def occurrences(pattern: re.Pattern[str], files: list[Path]) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                found.append(f"{shown}:{number}: {line.strip()[:120]}")
    return found


def quoted(codes: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(code) for code in sorted(codes, key=len, reverse=True))
    return re.compile(rf"""['"](?:{alternatives})['"]""")


def test_no_district_code_outside_the_regions_seed() -> None:
    codes = {code for code in reference.hierarchy() if len(code) == 6}  # all of Shandong's
    pattern = re.compile(r"(?<!\d)(?:" + "|".join(sorted(codes)) + r")(?!\d)")
    assert occurrences(pattern, product_files()) == []


def test_no_target_outside_the_targets_seed() -> None:
    files = product_files()
    labels = [t.label_zh for t in reference.targets()]
    big_values = {f"{t.value:.0f}" for t in reference.targets() if t.value >= 1000}
    number = re.compile(r"(?<![\d.])(?:" + "|".join(
        v + "|" + f"{int(v):_}" for v in sorted(big_values)) + r")(?![\d_])")
    found = occurrences(number, files)
    for label in labels:
        found += occurrences(re.compile(re.escape(label)), files)
    assert found == []


def test_no_indicator_definition_outside_the_catalogue() -> None:
    definitions = [i.definition_zh for i in reference.indicators().values()]
    found = []
    for definition in definitions:
        found += occurrences(re.compile(re.escape(definition)), product_files())
    assert found == []


@pytest.mark.parametrize("enumeration", ["contract_status", "seller_type", "pledge_status",
                                         "product_status", "patent_type", "ip_type"])
def test_models_select_enumeration_codes_by_role_not_by_literal(enumeration: str) -> None:
    sql = [path for path in product_files() if path.suffix == ".sql"]
    assert occurrences(quoted(set(reference.enumeration(enumeration))), sql) == []


def test_models_take_univ_inst_party_types_from_the_seed() -> None:
    sql = [path for path in product_files() if path.suffix == ".sql"]
    assert occurrences(quoted(set(reference.univ_inst_party_types())), sql) == []


def test_no_chinese_enumeration_code_in_python_or_expectations() -> None:
    chinese = {code for name in ("contract_status", "seller_type", "ip_type")
               for code in reference.enumeration(name)}
    chinese |= {t.category for t in reference.contract_types()}
    files = [path for path in product_files()
             if path.suffix in {".py", ".json"} and path != VENDOR_VOCABULARY]
    assert occurrences(quoted(chinese), files) == []


def test_no_value_set_is_written_out_in_a_suite() -> None:
    """Suites name a seed-backed parameter ({"$PARAMETER": ...}); a literal list of the codes of
    an enumeration (or of the regions) would be a second home for the same fact."""
    import json

    known = [frozenset(reference.enumeration(name)) for name in reference.enumeration_names()]
    known += [frozenset(reference.party_types()), frozenset(reference.industry_chains()),
              frozenset(r.code for r in reference.regions()),
              frozenset(t.category for t in reference.contract_types())]
    written = []
    for path in sorted((REPO / "expectations" / "suites").glob("*.json")):
        for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            value_set = expectation["kwargs"].get("value_set")
            if isinstance(value_set, list) and frozenset(value_set) in known:
                written.append(f"{path.name}: {expectation['kwargs'].get('column')}")
    assert written == []


def test_the_scanner_finds_a_planted_literal(tmp_path: Path) -> None:
    planted = tmp_path / "model.sql"
    planted.write_text("select * from t where contract_status = '有效'\n", encoding="utf-8")
    pattern = quoted(set(reference.enumeration("contract_status")))
    assert len(occurrences(pattern, [planted])) == 1
