"""The sandbox generates for a jurisdiction: Jinan exactly as before, a province over its cities."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
import requests

from devtools.sandbox import vocabulary as vocab
from devtools.sandbox.generator import Dataset, generate_dataset
from devtools.sandbox.parties import build_party_pool
from devtools.sandbox.runtime import read_params
from devtools.sandbox.territory import territory
from patentflow.core import reference
from patentflow.core.settings import load_settings
from patentflow.orchestration import local_run
from tests.support.paths import REPO

AS_OF = date(2025, 6, 30)
# sha256 of generate_dataset(seed=7, scale=0.01, as_of=AS_OF) as main generated it before the
# sandbox knew jurisdictions (commit 2bbf928): Jinan's history must not change by one byte.
JINAN_FINGERPRINT = "d1cf9d1d95111a4ed6bac6dbb6f3442795fb65f8dde2bb22024045f6cdd11dde"


def fingerprint(dataset: Dataset) -> str:
    payload = [dataset.api_records,
               [(f.kind, f.name, f.rows, f.encoding, f.delivered) for f in dataset.drop_files],
               dataset.planted_invalid]
    text = json.dumps(payload, default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def province() -> dict[str, list[dict]]:
    return generate_dataset(seed=7, scale=0.05, as_of=AS_OF, jurisdiction="37").current()


def city_of(code: object) -> str:
    return code[:4] if isinstance(code, str) and code.startswith("37") else "outside"


def first_applicant_cities(records: dict[str, list[dict]]) -> Counter:
    return Counter(city_of(p["applicants"][0]["region_code"]) for p in records["patents"]
                   if p["applicants"])


def test_the_default_jurisdiction_generates_jinan_history_byte_for_byte() -> None:
    assert fingerprint(generate_dataset(seed=7, scale=0.01, as_of=AS_OF)) == JINAN_FINGERPRINT
    assert fingerprint(generate_dataset(seed=7, scale=0.01, as_of=AS_OF,
                                        jurisdiction="3701")) == JINAN_FINGERPRINT


def test_a_province_has_patents_contracts_and_pledges_in_every_one_of_its_cities(
    province: dict[str, list[dict]],
) -> None:
    cities = {r.code for r in reference.children("37")}
    assert len(cities) == 16
    assert set(first_applicant_cities(province)) >= cities
    assert {city_of(r["卖方所在地"]) for r in province["tech_contracts"]} >= cities
    assert {city_of(p["pledgor"]["region_code"]) for p in province["pledges"]} >= cities
    assert {city_of(p["insured"]["region_code"]) for p in province["insurance-policies"]} \
        >= {"3701", "3702"}


def test_jinan_and_qingdao_are_the_largest_cities_of_the_province(
    province: dict[str, list[dict]],
) -> None:
    patents = first_applicant_cities(province)
    sellers = Counter(city_of(r["卖方所在地"]) for r in province["tech_contracts"])
    for counts in (patents, sellers):
        ranked = [code for code, _ in counts.most_common() if code != "outside"]
        assert set(ranked[:2]) == {"3701", "3702"}


def test_the_cities_share_enterprises_by_the_weights_table() -> None:
    """A city's share of the province's enterprises follows vocabulary.SHANDONG_CITIES."""
    pool = build_party_pool(random.Random(1), 1.0, "37")
    counts = Counter(p["region_code"][:4] for p in pool.home_enterprises)
    total = sum(gdp for _, gdp, _ in vocab.SHANDONG_CITIES)
    for city, gdp, _ in vocab.SHANDONG_CITIES:
        assert counts[city] / len(pool.home_enterprises) == pytest.approx(gdp / total, abs=0.01)


def test_a_province_population_delivery_has_the_province_every_city_and_district(
    province: dict[str, list[dict]],
) -> None:
    rows = {(r["region_code"], r["year"]): int(r["resident_population"])
            for r in province["population"]}
    cities = [r.code for r in reference.children("37")]
    assert rows[("37", "2023")] == sum(rows[(city, "2023")] for city in cities)
    assert {code for code, _ in rows} == {r.code for r in reference.regions("37")}
    assert rows[("3701", "2020")] == 9_202_400  # Jinan's own series, as for the city


def test_outside_parties_of_a_province_lie_outside_it_and_every_code_inside_resolves(
    province: dict[str, list[dict]],
) -> None:
    land = territory("37")
    assert land.outside_codes and not any(code.startswith("37") for code in land.outside_codes)
    codes = {party["region_code"] for patent in province["patents"]
             for party in patent["applicants"] if party["region_code"]}
    codes |= {r["卖方所在地"] for r in province["tech_contracts"]}
    inside = {code for code in codes if code.startswith("37")}
    assert all(reference.resolve_region(code, "37") for code in inside)
    unlisted = {code for code in inside if code not in reference.hierarchy()}
    assert unlisted and all(code[:4] in reference.hierarchy() for code in unlisted)


def test_another_city_is_generated_over_its_own_districts() -> None:
    qingdao = generate_dataset(seed=7, scale=0.01, as_of=AS_OF, jurisdiction="3702").current()
    cities = first_applicant_cities(qingdao)
    assert cities.most_common(1)[0][0] == "3702"
    districts = {p["applicants"][0]["region_code"] for p in qingdao["patents"]
                 if p["applicants"] and p["applicants"][0]["region_code"]
                 and p["applicants"][0]["region_code"].startswith("3702")}
    assert districts >= {r.code for r in reference.children("3702")}


@pytest.mark.parametrize("code", ["3712", "99", "370102", "Shandong"])
def test_the_sandbox_command_refuses_a_jurisdiction_it_cannot_generate(code: str,
                                                                       tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devtools.sandbox", "generate", "--home", str(tmp_path),
         "--jurisdiction", code], cwd=REPO, capture_output=True, text=True, timeout=120,
        check=False)
    assert done.returncode == 2
    assert "argument --jurisdiction: " in done.stderr and repr(code) in done.stderr
    assert not (tmp_path / "drop").exists()


def test_the_run_starts_the_sandbox_for_its_jurisdiction(tmp_path) -> None:
    """What ``patentflow run --jurisdiction 37`` does first: the sandbox it starts serves (and
    records, for the oracle) the province's data, not Jinan's."""
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path), "PATENTFLOW_JURISDICTION": "37"})
    sources = local_run.start_sandbox(settings, AS_OF, local_run.SandboxOptions(scale=0.005))
    try:
        assert read_params(settings.home).jurisdiction == "37"
        served = requests.get(sources["PATENTFLOW_PATENT_API_URL"] + "/v1/patents",
                              params={"limit": 1000}, timeout=30, headers={
                                  "Authorization": "Bearer " + sources[
                                      "PATENTFLOW_PATENT_API_TOKEN"]}).json()["items"]
    finally:
        local_run.stop_sandbox(settings)
    cities = first_applicant_cities({"patents": served})
    assert len(set(cities) - {"outside"}) >= 12  # the first page alone spans the province
    largest = [code for code, _ in cities.most_common() if code != "outside"][:2]
    assert set(largest) == {"3701", "3702"}
