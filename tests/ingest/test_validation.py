"""Record validators: contract rules one by one, and a property: nothing raises, ever."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patentflow.ingest.validate.application_numbers import (
    check_digit,
    normalise_application_no,
    normalise_application_nos,
)
from patentflow.ingest.validate.engine import REASON_CODES, validate_columns
from patentflow.ingest.validate.entities import ENTITY_SPECS
from patentflow.ingest.validate.enumerations import INDUSTRY_CHAINS
from patentflow.ingest.validate.records import validate_record
from tests.support.builders import legal_event, patent, pledge
from tests.support.paths import REPO
from tests.support.properties import examples

_REPO = REPO
_SHARED = _REPO.parent / "shared" / "reference"
REFERENCE = _SHARED if _SHARED.is_dir() else _REPO / "dbt_project" / "seeds"
DECISIONS = REPO / "docs" / "decisions" / "ingestion.md"


@pytest.mark.parametrize(
    ("delivered", "expected"),
    [
        ("CN202223220665.2", "202223220665.2"),
        ("2022232206652", "202223220665.2"),
        ("202223220665.2", "202223220665.2"),
        ("cn202121635235.x", "202121635235.X"),
        ("CN 202310605823.6", "202310605823.6"),
        ("98101234.5", "98101234.5"),  # pre-2003: YY + type + 5-digit serial
        ("CN981012345", "98101234.5"),
    ],
)
def test_application_numbers_normalise_to_the_dotted_form(delivered: str, expected: str) -> None:
    assert normalise_application_no(delivered).normalised == expected


@pytest.mark.parametrize(
    ("delivered", "code"),
    [
        ("CN202223220665.3", "bad_check_digit"),
        ("98101234.6", "bad_check_digit"),
        ("202243220665.2", "invalid_application_no"),  # type digit 4 does not exist
        ("2022232206", "invalid_application_no"),
        ("待补录", "invalid_application_no"),
    ],
)
def test_bad_application_numbers_are_rejected_with_a_reason(delivered: str, code: str) -> None:
    result = normalise_application_no(delivered)
    assert (result.normalised, result.reason_code) == (None, code)


def test_old_form_check_digit_follows_the_weights() -> None:
    # 9,8,1,0,1,2,3,4 weighted 2..9 = 18+24+4+0+6+14+24+36 = 126 → 126 mod 11 = 5
    assert check_digit("98101234") == "5"
    # a remainder of 10 is written X (the real sample holds CN202121635235.X)
    assert check_digit("202121635235") == "X"


@pytest.mark.parametrize(
    ("entity", "record", "code"),
    [
        ("patents", patent(1, application_date="2021-02-30"), "invalid_date"),
        ("patents", patent(1, application_date="待补录"), "invalid_date"),
        ("patents", patent(1, patent_type="utility"), "invalid_enum"),
        ("patents", patent(1, updated_at="2025-03-01T08:00:00"), "invalid_timestamp"),
        ("patents", patent(1, title=None), "missing_required"),
        ("patents", patent(1, title={"zh": "x"}), "invalid_type"),
        ("patents", patent(1, ipc="G06F 40/289;G06N3/08"), None),  # `;` text accepted as list
        (
            "patents",
            patent(1, applicants=[{"name": "x", "party_type": "alien", "country": "CN"}]),
            "invalid_enum",
        ),
        (
            "patents",
            patent(
                1,
                applicants=[
                    {
                        "name": "x",
                        "party_type": "individual",
                        "country": "CN",
                        "region_code": "3701",
                    }
                ],
            ),
            "invalid_region_code",
        ),
        ("legal_events", legal_event(1, event_code="XX01"), "invalid_enum"),
        ("legal_events", legal_event(1, details={"license_kind": "weird"}), "invalid_enum"),
        ("legal_events", legal_event(1, revoked="maybe"), "invalid_boolean"),
        ("pledges", pledge(1, patent_application_nos=["CN202223220665.3"]), "bad_check_digit"),
        ("pledges", pledge(1, trademark_count=-1), "negative_count"),
        ("pledges", pledge(1, term_months=1.5), "invalid_number"),
        ("pledges", pledge(1, loan_amount_wan="lots"), "invalid_number"),
        ("pledges", pledge(1, pledgor="someone"), "invalid_type"),
        ("roadshows", "not an object", "malformed_record"),
    ],
)
def test_record_rules(entity: str, record: object, code: str | None) -> None:
    verdict = validate_record(entity, record)
    assert verdict.reason_code == code
    assert verdict.loaded == (code is None)
    if code is not None:
        assert verdict.reason and code in REASON_CODES


def test_contract_amount_rules_and_buyer_abroad() -> None:
    spec = ENTITY_SPECS["tech_contracts"]
    base = {
        "registration_no": "R",
        "contract_category": "技术服务",
        "registration_date": "2025-01-02",
        "seller_name": "s",
        "seller_type": "企业",
        "seller_region": "370102",
        "buyer_name": "b",
        "status": "有效",
    }
    cases = [
        ({"buyer_region": "境外", "turnover_wan": "10", "tech_transaction_wan": "10"}, None),
        (
            {"buyer_region": "110105", "turnover_wan": "10", "tech_transaction_wan": "10.0001"},
            "tech_amount_exceeds_turnover",
        ),
        (
            {"buyer_region": "110105", "turnover_wan": "-0.01", "tech_transaction_wan": "0"},
            "negative_amount",
        ),
        (
            {"buyer_region": "US", "turnover_wan": "1", "tech_transaction_wan": "1"},
            "invalid_region_code",
        ),
        (
            {
                "buyer_region": "110105",
                "turnover_wan": "1",
                "tech_transaction_wan": "1",
                "ip_types": "专利;商标",
            },
            "invalid_enum",
        ),
    ]
    columns = {
        name: [(base | extra).get(name) for extra, _ in cases]
        for name in {f.name for f in spec.fields}
    }
    result = validate_columns(spec, columns, len(cases), {"file_month": date(2025, 3, 1)})
    assert list(result.reason_codes) == [code for _, code in cases]


def test_industry_chain_list_matches_the_reference_file() -> None:
    with (REFERENCE / "industry_chains.csv").open(encoding="utf-8") as handle:
        assert {row["industry_chain"] for row in csv.DictReader(handle)} == INDUSTRY_CHAINS


def test_every_reason_code_is_documented() -> None:
    text = DECISIONS.read_text(encoding="utf-8")
    assert [code for code in REASON_CODES if f"`{code}`" not in text] == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


def _record_strategy(entity: str) -> st.SearchStrategy:
    names = [f.name for f in ENTITY_SPECS[entity].fields]
    names += ["pledgor", "pledgee", "insured", "unknown_field"]
    return st.one_of(
        json_values,
        st.fixed_dictionaries({}, optional={name: json_values for name in names}),
    )


@pytest.mark.parametrize(
    "entity", ["patents", "legal_events", "pledges", "insurance_policies", "roadshows"]
)
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_api_record_is_loaded_or_quarantined_with_a_reason(entity: str, data) -> None:
    record = data.draw(_record_strategy(entity))
    verdict = validate_record(entity, record)
    if verdict.loaded:
        assert verdict.values is not None and verdict.reason_code is None
    else:
        assert verdict.reason_code in REASON_CODES and verdict.reason


@pytest.mark.parametrize(
    "entity",
    ["tech_contracts", "organizations", "population", "inventory_returns", "intensive_products"],
)
@settings(max_examples=examples(100), deadline=None)
@given(data=st.data())
def test_any_file_row_is_loaded_or_quarantined_with_a_reason(entity: str, data) -> None:
    spec = ENTITY_SPECS[entity]
    rows = data.draw(
        st.lists(
            st.fixed_dictionaries({f.name: st.text(max_size=24) for f in spec.fields}),
            min_size=1,
            max_size=4,
        )
    )
    columns = {f.name: [row[f.name] for row in rows] for f in spec.fields}
    result = validate_columns(spec, columns, len(rows), {"file_month": date(2025, 3, 1)})
    assert len(result.reason_codes) == len(rows)
    for code, reason in zip(result.reason_codes, result.reasons, strict=True):
        assert code is None or (code in REASON_CODES and reason)


appno_like = st.one_of(
    st.text(alphabet="0123456789X.CNcn x", max_size=18),
    st.builds(
        lambda year, kind, serial, dot, prefix: f"{prefix}{year}{kind}{serial:07d}{dot}",
        st.integers(1985, 2030),
        st.sampled_from("1234589"),
        st.integers(0, 9_999_999),
        st.sampled_from(["", "."]),
        st.sampled_from(["", "CN", "cn"]),
    ).flatmap(lambda body: st.sampled_from([body + d for d in "0123456789X"])),
)


@settings(max_examples=examples(300), deadline=None)
@given(values=st.lists(st.one_of(st.none(), appno_like), max_size=20))
def test_vectorised_application_numbers_agree_with_the_scalar_rule(values) -> None:
    normalised, codes = normalise_application_nos(values)
    for value, vector_value, vector_code in zip(values, normalised.to_pylist(), codes, strict=True):
        if value is None:
            assert (vector_value, vector_code) == (None, None)
            continue
        scalar = normalise_application_no(value)
        if "".join(value.split()) == value.replace(" ", ""):
            assert (vector_value, vector_code) == (scalar.normalised, scalar.reason_code)
