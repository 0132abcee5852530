"""The synthetic dataset implements source-systems.md and exercises every indicator rule."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devtools.sandbox.generator import Dataset, DropFile, generate_dataset, reissue_number
from devtools.sandbox.identifiers import (
    appno_check_digit,
    appno_is_valid,
    corrupt_check_digit,
    make_appno,
    respell_appno,
    uscc_is_valid,
)
from tests.support.paths import REPO, SHARED

AS_OF = date(2026, 11, 26)
REFERENCE = SHARED / "reference"
DISTRICTS = {"370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
             "370116", "370117", "370124", "370126", "370176"}
EVENT_CODES = {"GR01", "TR01", "EE01", "EC01", "PE01", "PC01", "CF01", "CX01", "AV01", "IW01",
               "RR01", "OL01", "OL02", "OL03"}
PARTY_TYPES = {"enterprise", "university", "research_institute", "government", "individual",
               "other"}
CHAINS = {row["industry_chain"] for row in csv.DictReader(
    (REFERENCE / "industry_chains.csv").open(encoding="utf-8"))}
IPC_PREFIXES = [row["ipc_prefix"] for row in csv.DictReader(
    (REFERENCE / "ipc_industry_map.csv").open(encoding="utf-8"))]
CATEGORIES = ("技术开发", "技术转让", "技术许可", "技术咨询", "技术服务")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(seed=7, scale=0.01, as_of=AS_OF, invalid_share=0.01)


@pytest.fixture(scope="module")
def clean_dataset() -> Dataset:
    return generate_dataset(seed=11, scale=0.005, as_of=AS_OF, invalid_share=0.0)


def contract_rows(dataset: Dataset) -> list[tuple[DropFile, dict]]:
    return [(f, row) for f in dataset.drop_files if f.kind == "tech_contracts" for row in f.rows]


def all_parties(dataset: Dataset) -> list[dict]:
    api = dataset.api_records
    parties = [p for r in api["patents"] for p in r["applicants"]]
    parties += [p for e in api["legal-events"] for p in e["from_parties"] + e["to_parties"]]
    parties += [r["pledgor"] for r in api["pledges"]] + [r["insured"] for r in
                                                          api["insurance-policies"]]
    return parties


def longest_prefix(code: str) -> str | None:
    compact = code.replace(" ", "")
    matches = [p for p in IPC_PREFIXES if compact.startswith(p)]
    return max(matches, key=len) if matches else None


# --- an independent validator of the contract's quarantine rules -----------------------------

def _bad_date(value: object) -> bool:
    if isinstance(value, date):
        return False
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return True
    return False


def _bad_appno(value: str) -> bool:
    return bool(value) and not appno_is_valid(value)


def _amount(value: object) -> Decimal:
    return Decimal(str(value))


def violations(dataset: Dataset) -> set[tuple[str, str]]:
    """(entity, key) of every record breaking a rule of source-systems.md."""
    found: set[tuple[str, str]] = set()
    api = dataset.api_records
    for r in api["patents"]:
        if (_bad_appno(r["application_no"]) or _bad_date(r["application_date"])
                or r["patent_type"] not in ("invention", "utility_model", "design")
                or r["legal_status"] not in ("pending", "granted", "lapsed", "expired",
                                             "invalidated", "abandoned", "rejected",
                                             "withdrawn")):
            found.add(("patents", r["application_no"]))
    for e in api["legal-events"]:
        if e["event_code"] not in EVENT_CODES or _bad_date(e["event_date"]) \
                or _bad_appno(e["application_no"]):
            found.add(("legal-events", e["event_id"]))
    for p in api["pledges"]:
        if p["loan_amount_wan"] < 0 or p["status"] not in ("active", "released", "cancelled") \
                or _bad_date(p["registration_date"]) \
                or any(_bad_appno(a) for a in p["patent_application_nos"]):
            found.add(("pledges", p["pledge_id"]))
    for p in api["insurance-policies"]:
        if p["coverage_wan"] < 0 or p["premium_wan"] < 0 or p["insurance_type"] not in (
                "patent_enforcement", "infringement_liability", "pledge_guarantee",
                "transformation", "overseas", "other"):
            found.add(("insurance-policies", p["policy_no"]))
    for r in api["roadshows"]:
        if r["industry_chain"] not in CHAINS:
            found.add(("roadshows", r["roadshow_id"]))
    for _, row in contract_rows(dataset):
        turnover, tech = _amount(row["成交额(万元)"]), _amount(row["技术交易额(万元)"])
        if (_bad_date(row["登记日期"]) or turnover < 0 or tech < 0 or tech > turnover
                or row["合同类别"] not in CATEGORIES
                or row["状态"] not in ("有效", "已撤销")
                or row["卖方类型"] not in ("企业", "高等院校", "科研机构", "其他")
                or any(_bad_appno(a) for a in str(row["涉及专利"]).split(";") if a)):
            found.add(("tech_contracts", row["合同登记号"]))
    for f in dataset.drop_files:
        for row in f.rows:
            if f.kind == "organizations" and row["party_type"] not in PARTY_TYPES:
                found.add(("organizations", row["uscc"]))
            if f.kind == "inventory_returns" and (
                    _bad_appno(row["application_no"]) or _bad_date(row["entered_date"])
                    or row["prospect"] not in ("high", "medium", "low", "none")):
                found.add(("inventory_returns", row["application_no"]))
            if f.kind == "intensive_products" and (
                    row["status"] not in ("filed", "certified", "rejected")
                    or _amount(row["output_value_wan"]) < 0):
                found.add(("intensive_products", row["product_id"]))
    return found


# --- determinism ------------------------------------------------------------------------------

def test_same_seed_gives_identical_data(dataset: Dataset) -> None:
    again = generate_dataset(seed=7, scale=0.01, as_of=AS_OF, invalid_share=0.01)
    assert again.api_records == dataset.api_records
    assert again.drop_files == dataset.drop_files
    assert again.planted_invalid == dataset.planted_invalid


def dataset_digest(dataset: Dataset) -> str:
    payload = json.dumps([dataset.api_records, [(f.kind, f.name, f.encoding, f.rows)
                                                for f in dataset.drop_files]],
                         sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_same_seed_gives_identical_data_in_another_process(clean_dataset: Dataset) -> None:
    script = ("import sys, datetime; "
              "from tests.sandbox.test_generator import dataset_digest;"
              "from devtools.sandbox.generator import generate_dataset;"
              "print(dataset_digest(generate_dataset(seed=11, scale=0.005,"
              " as_of=datetime.date(2026, 11, 26), invalid_share=0.0)))")
    env = dict(os.environ, PYTHONHASHSEED="4242")
    root = REPO
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, cwd=root, check=True).stdout.strip()
    assert output == dataset_digest(clean_dataset)


def test_other_seed_gives_other_data(dataset: Dataset) -> None:
    other = generate_dataset(seed=8, scale=0.01, as_of=AS_OF, invalid_share=0.01)
    assert other.api_records["patents"] != dataset.api_records["patents"]


def test_scale_drives_volume() -> None:
    small = generate_dataset(seed=7, scale=0.005, as_of=AS_OF)
    large = generate_dataset(seed=7, scale=0.02, as_of=AS_OF)
    assert len(large.api_records["patents"]) > 3 * len(small.api_records["patents"])


# --- identifiers ------------------------------------------------------------------------------

def test_check_digit_follows_the_contract_weights() -> None:
    # real numbers from the shared sample export
    assert appno_check_digit("202223220665") == "2"
    body = "20221012345"
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4]
    remainder = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    assert appno_check_digit(body) == ("X" if remainder == 10 else str(remainder))


@given(year=st.integers(1985, 2026), type_digit=st.sampled_from([1, 2, 3, 8, 9]),
       serial=st.integers(0, 9_999_999), long_form=st.booleans())
def test_every_spelling_of_a_made_number_validates(year: int, type_digit: int, serial: int,
                                                   long_form: bool) -> None:
    canonical = make_appno(year, type_digit, serial, long_form)
    assert len(canonical) == (14 if long_form else 10)
    assert all(appno_is_valid(respell_appno(canonical, style)) for style in range(4))
    assert not appno_is_valid(corrupt_check_digit(canonical))


def test_sample_export_numbers_validate() -> None:
    with (REFERENCE / "real_patent_export_sample.csv").open(encoding="utf-8-sig") as handle:
        numbers = [row["申请号"] for row in csv.DictReader(handle)]
    assert numbers and all(appno_is_valid(n) for n in numbers)


def test_check_digits_are_valid_except_planted_ones(dataset: Dataset) -> None:
    api = dataset.api_records
    planted_bad = {p["key"] for p in dataset.planted_invalid if p["reason"] == "bad_check_digit"}
    numbers = [r["application_no"] for r in api["patents"]]
    numbers += [e["application_no"] for e in api["legal-events"]]
    numbers += [a for p in api["pledges"] for a in p["patent_application_nos"]]
    numbers += [a for _, row in contract_rows(dataset) for a in row["涉及专利"].split(";") if a]
    invalid = [n for n in numbers if not appno_is_valid(n)]
    assert invalid, "the planted bad check digits must be there"
    bad_event_numbers = {e["application_no"] for e in api["legal-events"]
                         if e["event_id"] in planted_bad}
    assert set(invalid) <= planted_bad | bad_event_numbers


def test_both_number_forms_and_all_four_spellings_occur(dataset: Dataset) -> None:
    numbers = [r["application_no"] for r in dataset.api_records["patents"]]
    compact = [n.removeprefix("CN").replace(".", "") for n in numbers]
    assert any(len(c) == 13 for c in compact) and any(len(c) == 9 for c in compact)
    spellings = Counter((n.startswith("CN"), "." in n) for n in numbers)
    assert set(spellings) == {(False, True), (True, True), (False, False), (True, False)}


def test_organisation_usccs_are_valid(dataset: Dataset) -> None:
    usccs = {p["uscc"] for p in all_parties(dataset) if p["uscc"]}
    assert len(usccs) > 50
    assert all(uscc_is_valid(u) for u in usccs)


# --- parties and regions ----------------------------------------------------------------------

def test_parties_cover_jinan_other_regions_and_abroad(dataset: Dataset) -> None:
    parties = all_parties(dataset)
    regions = {p["region_code"] for p in parties}
    assert DISTRICTS <= regions
    assert any(r and r.startswith("3701") and r not in DISTRICTS for r in regions)
    assert any(r and not r.startswith("3701") for r in regions)
    foreign = [p for p in parties if p["country"] != "CN"]
    assert foreign and all(p["region_code"] is None for p in foreign)
    assert {p["party_type"] for p in parties} == PARTY_TYPES
    assert all(p["uscc"] is None for p in parties if p["party_type"] == "individual")
    names = {p["name"] for p in parties}
    assert {"山东大学", "济南大学", "齐鲁工业大学(山东省科学院)", "山东省农业科学院"} <= names


# --- patents and events -----------------------------------------------------------------------

def test_every_ipc_map_prefix_and_unmatched_codes_occur(dataset: Dataset) -> None:
    mains = [r["ipc_main"] for r in dataset.api_records["patents"] if r["ipc_main"]]
    matched = {longest_prefix(code) for code in mains}
    assert set(IPC_PREFIXES) <= matched
    assert None in matched
    assert "G06F 40/289" in mains and "G06F40/289" in mains
    designs = [r for r in dataset.api_records["patents"] if r["patent_type"] == "design"]
    assert designs and all(r["ipc_main"] is None and r["locarno"] for r in designs)


def test_every_event_code_revocations_and_corrections_occur(dataset: Dataset) -> None:
    events = dataset.api_records["legal-events"]
    assert EVENT_CODES <= {e["event_code"] for e in events}
    assert any(e["revoked"] for e in events)
    versions = Counter(e["event_id"] for e in events)
    assert any(n > 1 for n in versions.values())
    revoked_later = {e["event_id"] for e in events if e["revoked"]} & {
        e["event_id"] for e in events if not e["revoked"]}
    assert revoked_later, "some events are revoked by a newer version"


def test_lapses_are_sometimes_restored_and_transfers_cross_borders(dataset: Dataset) -> None:
    events = dataset.api_records["legal-events"]
    by_patent: dict[str, list[str]] = {}
    for e in sorted(events, key=lambda e: e["event_date"]):
        key = e["application_no"].removeprefix("CN").replace(".", "")
        by_patent.setdefault(key, []).append(e["event_code"])
    assert any("CF01" in codes and codes.index("CF01") < len(codes) - 1
               and "RR01" in codes[codes.index("CF01"):] for codes in by_patent.values())
    transfers = [e for e in events if e["event_code"] == "TR01"]
    kinds = {(_jinan(e["from_parties"][0]), _jinan(e["to_parties"][0])) for e in transfers}
    assert {(True, True), (True, False), (False, True)} <= kinds
    assert any(e["to_parties"][0]["country"] != "CN" for e in transfers)
    assert any(e["from_parties"][0]["country"] != "CN" for e in transfers)
    licences = [e for e in events if e["event_code"] == "EE01"]
    assert {e["details"]["license_kind"] for e in licences} <= {"exclusive", "sole", "ordinary"}
    assert all(e["details"]["contract_no"] for e in licences)
    assert all("registration_no" in e["details"] for e in events
               if e["event_code"] in ("PE01", "PC01"))
    assert all({"fee_mode", "fee"} <= set(e["details"]) for e in events
               if e["event_code"] == "OL01")


def _jinan(party: dict) -> bool:
    return bool(party["region_code"]) and party["region_code"].startswith("3701")


def test_patents_have_newer_versions_and_age_cases(dataset: Dataset) -> None:
    patents = dataset.api_records["patents"]
    keys = Counter(r["application_no"].removeprefix("CN").replace(".", "") for r in patents)
    assert any(n > 1 for n in keys.values())
    assert any(r["family_countries"] for r in patents)
    assert any(r["fiscal_project_ids"] for r in patents)
    assert any(date.fromisoformat(r["application_date"]) < date(2016, 1, 1) for r in patents
               if not _bad_date(r["application_date"]))


def test_age_edge_cases_and_same_day_transfer_of_an_open_licence(dataset: Dataset) -> None:
    granted_inventions = {r["application_date"] for r in dataset.current()["patents"]
                          if r["patent_type"] == "invention" and r["grant_date"]}
    assert {"2016-02-29", "2015-12-31", "2016-06-30"} <= granted_inventions
    events = dataset.api_records["legal-events"]
    days = {(e["application_no"].removeprefix("CN").replace(".", ""), e["event_date"],
             e["event_code"]) for e in events}
    assert any((key, day, "TR01") in days for key, day, code in days if code == "OL03")


def test_timestamps_and_dates_stay_within_as_of(dataset: Dataset) -> None:
    end_of_as_of = datetime(2026, 11, 26, 23, 59, 59, tzinfo=timezone(timedelta(hours=8)))
    for entity, records in dataset.api_records.items():
        for record in records:
            assert TIMESTAMP.match(record["updated_at"]), (entity, record["updated_at"])
            assert datetime.fromisoformat(record["updated_at"]) <= end_of_as_of
    for e in dataset.api_records["legal-events"]:
        if not _bad_date(e["event_date"]):
            assert date(1995, 1, 1) <= date.fromisoformat(e["event_date"]) <= AS_OF


# --- finance ----------------------------------------------------------------------------------

def test_pledges_cover_statuses_loans_and_shapes(dataset: Dataset) -> None:
    pledges = [p for p in dataset.current()["pledges"] if p["loan_amount_wan"] >= 0]
    assert {p["status"] for p in pledges} >= {"active", "released", "cancelled"}
    assert any(p["loan_amount_wan"] >= 1000 for p in pledges)
    assert any(p["loan_amount_wan"] < 1000 for p in pledges)
    assert any(len(p["patent_application_nos"]) > 1 for p in pledges)
    assert any(not p["patent_application_nos"] and p["trademark_count"] > 0 for p in pledges)
    assert all(p["release_date"] for p in pledges if p["status"] == "released")
    assert any(p["pledgor"]["uscc"] is None for p in pledges)


def test_roadshows_are_monthly_since_2024_over_the_chains(dataset: Dataset) -> None:
    roadshows = [r for r in dataset.current()["roadshows"] if r["industry_chain"] in CHAINS]
    months = {r["event_date"][:7] for r in roadshows}
    assert "2024-01" in months and "2026-11" in months and len(months) == 35
    assert CHAINS - {"other"} <= {r["industry_chain"] for r in roadshows}


def test_amounts_have_at_most_four_decimals(dataset: Dataset) -> None:
    amounts = [p["loan_amount_wan"] for p in dataset.api_records["pledges"]]
    amounts += [p["coverage_wan"] for p in dataset.api_records["insurance-policies"]]
    amounts += [_amount(row["成交额(万元)"]) for _, row in contract_rows(dataset)]
    assert all(-_amount(a).as_tuple().exponent <= 4 for a in amounts)


# --- contracts and reference deliveries -------------------------------------------------------

def test_contracts_cover_categories_statuses_and_reissues(dataset: Dataset) -> None:
    rows = contract_rows(dataset)
    valid = [(f, r) for f, r in rows if r["合同类别"] != "技术转化"]
    assert {r["合同类别"] for _, r in valid} == {"技术开发", "技术转让", "技术许可", "技术咨询",
                                                 "技术服务"}
    licensed = [str(r["登记日期"])[:10] for _, r in valid if r["合同类别"] == "技术许可"]
    assert licensed and min(licensed) >= "2026-01-23"  # registered from the measures on
    assert {"有效", "已撤销"} <= {r["状态"] for _, r in rows}
    assert any(r["买方所在地"] == "境外" and r["买方统一社会信用代码"] == "" for _, r in rows)
    assert any("专利" in r["知识产权类型"].split(";") for _, r in rows)
    assert any("专利" not in r["知识产权类型"].split(";") for _, r in rows)
    listed = [a for _, r in rows for a in r["涉及专利"].split(";") if a]
    assert any(a.startswith("CN") for a in listed) and any("." not in a for a in listed)
    assert {f.encoding for f, _ in rows} == {"gbk", "utf-8-sig", "xlsx"}


def test_reissues_change_amounts_cancel_and_reinstate(dataset: Dataset) -> None:
    history: dict[str, list[tuple[int, dict]]] = {}
    for f, row in contract_rows(dataset):
        history.setdefault(row["合同登记号"], []).append((reissue_number(f.name), row))
    changed = [v for v in history.values() if len({str(r["成交额(万元)"]) for _, r in v}) > 1]
    reinstated = [v for v in history.values()
                  if [r["状态"] for _, r in sorted(v, key=lambda x: x[0])] ==
                  ["有效", "已撤销", "有效"]]
    assert changed and reinstated
    current = {r["合同登记号"]: r for r in dataset.current()["tech_contracts"]}
    for versions in reinstated:
        key = versions[0][1]["合同登记号"]
        assert current[key]["状态"] == "有效"


def test_contract_rows_follow_the_file_format(dataset: Dataset) -> None:
    for f, row in contract_rows(dataset):
        if f.encoding == "xlsx":
            assert isinstance(row["成交额(万元)"], float)
            assert isinstance(row["卖方所在地"], str)
            if row["合同登记号"] not in {p["key"] for p in dataset.planted_invalid}:
                assert isinstance(row["登记日期"], date)
        else:
            assert all(isinstance(v, str) for v in row.values())


def test_reference_snapshots(dataset: Dataset) -> None:
    current = dataset.current()
    population = current["population"]
    years = {int(r["year"]) for r in population}
    regions_by_year = {y: {r["region_code"] for r in population if int(r["year"]) == y}
                       for y in years}
    assert all("3701" in regions for regions in regions_by_year.values())
    assert set().union(*regions_by_year.values()) == DISTRICTS | {"3701"}
    assert any(regions != DISTRICTS | {"3701"} for regions in regions_by_year.values())
    organizations = current["organizations"]
    assert any(r["is_high_tech_enterprise"] == "true" for r in organizations)
    assert all(r["valid_from"] <= r["valid_to"] for r in organizations)
    returns = current["inventory_returns"]
    owners = {r["owner_uscc"] for r in returns}
    univ_inst = {p["uscc"] for p in all_parties(dataset)
                 if p["party_type"] in ("university", "research_institute")}
    assert returns and owners <= univ_inst
    products = current["intensive_products"]
    assert {r["status"] for r in products} >= {"filed", "certified", "rejected"}
    assert any(";" in r["patent_application_nos"] for r in products)


# --- planted invalid records ------------------------------------------------------------------

def test_planted_invalid_records_are_exactly_the_violations(dataset: Dataset) -> None:
    planted = {(p["entity"], p["key"]) for p in dataset.planted_invalid}
    assert violations(dataset) == planted
    entities = {entity for entity, _ in planted}
    assert entities == {"patents", "legal-events", "pledges", "insurance-policies", "roadshows",
                        "tech_contracts", "organizations", "inventory_returns",
                        "intensive_products"}
    reasons = {p["reason"] for p in dataset.planted_invalid}
    assert {"bad_check_digit", "bad_date", "unparseable_date", "negative_amount",
            "tech_above_turnover", "unknown_chain"} <= reasons


def test_invalid_share_zero_plants_nothing(clean_dataset: Dataset) -> None:
    assert clean_dataset.planted_invalid == []
    assert violations(clean_dataset) == set()


def test_current_keeps_the_newest_version(dataset: Dataset) -> None:
    current = {e["event_id"]: e for e in dataset.current()["legal-events"]}
    for event in dataset.api_records["legal-events"]:
        assert event["updated_at"] <= current[event["event_id"]]["updated_at"]


@pytest.mark.parametrize("as_of", [date(2020, 1, 1), date(2024, 1, 3), date(2027, 12, 31)])
def test_any_as_of_from_2020_generates_data_up_to_that_day(as_of: date) -> None:
    generated = generate_dataset(seed=2, scale=0.005, as_of=as_of)
    last_contract_day = max(str(row["登记日期"]) for _, row in contract_rows(generated)
                            if not _bad_date(row["登记日期"]))
    assert last_contract_day <= as_of.isoformat()
    assert max(e["event_date"] for e in generated.api_records["legal-events"]
               if not _bad_date(e["event_date"])) <= as_of.isoformat()
    assert all(f.name < f"contracts_{as_of.year}-{as_of.month:02d}~" for f in
               generated.drop_files if f.kind == "tech_contracts")


def test_as_of_before_2020_is_refused() -> None:
    with pytest.raises(ValueError, match="as_of"):
        generate_dataset(as_of=date(2019, 12, 31))
