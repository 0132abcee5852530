"""The oracle's finance rules (FIN-01..09) on hand-made API records."""

from __future__ import annotations

import datetime as dt

from tests.support.oracle import compute_indicator_values
from tests.support.oracle.builders import (
    HIGH_TECH_ZONE,
    LIXIA,
    QINGDAO,
    Dataset,
    cell,
    party,
    pledge,
)

FINANCE = [f"FIN-0{n}" for n in range(1, 10)]


def compute(dataset: Dataset):
    return compute_indicator_values(dataset, first_year=2023, indicator_ids=FINANCE)


def test_fin01_to_03_count_not_cancelled_pledges_of_jinan_pledgors_in_the_period():
    firm = party(LIXIA, uscc="91370100MA0000000A")
    person = party(HIGH_TECH_ZONE, "individual", uscc=None)
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.api_records["pledges"] += [
        pledge("2025-03-01", 500, pledgor=firm),
        pledge("2025-03-15", 1500, pledgor=firm),  # same enterprise: counted once in FIN-03
        pledge("2025-03-20", 200, pledgor=person),  # no USCC: not an enterprise
        pledge("2025-03-21", 999, pledgor=party(QINGDAO)),  # not a Jinan pledgor
        pledge("2025-03-22", 700, pledgor=firm, status="cancelled"),  # never took effect
        pledge("2025-03-23", 300, pledgor=firm, status="released"),  # released still counts
        pledge("2025-04-01", 100, pledgor=firm),
    ]
    values = compute(dataset)

    assert cell(values, "FIN-01", "month", "2025-03-01") == 2500
    assert cell(values, "FIN-01", "month", "2025-03-01", LIXIA) == 2300
    assert cell(values, "FIN-01", "month", "2025-03-01", HIGH_TECH_ZONE) == 200
    assert cell(values, "FIN-01", "quarter", "2025-01-01") == 2500
    assert cell(values, "FIN-01", "year", "2025-01-01") == 2600
    assert cell(values, "FIN-02", "month", "2025-03-01") == 4
    assert cell(values, "FIN-03", "month", "2025-03-01") == 1
    assert cell(values, "FIN-03", "month", "2025-03-01", HIGH_TECH_ZONE) == 0
    # FIN-05: loans below 1000 万元 among the FIN-02 pledges (500, 200, 300 of 4).
    assert cell(values, "FIN-05", "month", "2025-03-01") == 75
    assert cell(values, "FIN-05", "month", "2025-03-01", column="numerator") == 3
    assert cell(values, "FIN-05", "month", "2025-03-01", column="denominator") == 4


def test_newest_valid_version_of_a_pledge_wins():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.api_records["pledges"] += [
        pledge("2025-03-01", 500, pledge_id="P-1", updated_at="2025-03-02T08:00:00+08:00"),
        pledge("2025-03-01", 800, pledge_id="P-1", updated_at="2025-03-05T08:00:00+08:00"),
        pledge("2025-03-01", 900, pledge_id="P-1", updated_at="2025-03-03T08:00:00+08:00"),
        # Newest but invalid (negative loan): quarantined, so the 800 version stays current.
        pledge("2025-03-01", -1, pledge_id="P-1", updated_at="2025-03-09T08:00:00+08:00"),
        pledge("2025-05-01", 100, pledge_id="P-2", updated_at="2025-05-01T08:00:00+08:00"),
        pledge(
            "2025-05-01",
            100,
            pledge_id="P-2",
            status="cancelled",
            updated_at="2025-05-02T00:00:00+00:00",
        ),  # later instant than +08:00 08:00
    ]
    values = compute(dataset)

    assert cell(values, "FIN-01", "month", "2025-03-01") == 800
    assert cell(values, "FIN-01", "month", "2025-05-01") == 0


def test_fin04_accumulates_from_2024_and_is_zero_before():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.api_records["pledges"] += [
        pledge("2023-06-01", 1000),
        pledge("2024-02-01", 200),
        pledge("2025-01-15", 300),
    ]
    values = compute(dataset)

    assert cell(values, "FIN-04", "year", "2023-01-01") == 0
    assert cell(values, "FIN-04", "month", "2023-12-01") == 0
    assert cell(values, "FIN-04", "month", "2024-01-01") == 0
    assert cell(values, "FIN-04", "month", "2024-02-01") == 200
    assert cell(values, "FIN-04", "year", "2024-01-01") == 200
    assert cell(values, "FIN-04", "month", "2025-01-01") == 500
    assert cell(values, "FIN-04", "year", "2025-01-01") == 500
    assert cell(values, "FIN-04", "year", "2025-01-01", column="target_value") == 1_000_000
    assert cell(values, "FIN-04", "quarter", "2025-10-01", column="target_value") == 1_000_000
    assert cell(values, "FIN-04", "year", "2024-01-01", column="target_value") is None


def test_fin05_is_null_with_zero_numerator_and_denominator_without_pledges():
    values = compute(Dataset(as_of=dt.date(2024, 3, 31)))

    assert cell(values, "FIN-05", "month", "2024-02-01") is None
    assert cell(values, "FIN-05", "month", "2024-02-01", column="numerator") == 0
    assert cell(values, "FIN-05", "month", "2024-02-01", column="denominator") == 0
    assert cell(values, "FIN-01", "month", "2024-02-01") == 0


def test_insurance_counts_policies_by_start_date_and_insured_region():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    policy = {
        "policy_no": "B1",
        "insured": party(LIXIA),
        "insurance_type": "patent_enforcement",
        "coverage_wan": 50,
        "premium_wan": 1,
        "start_date": "2025-07-01",
        "end_date": "2026-06-30",
        "updated_at": "2025-07-01T08:00:00+08:00",
    }
    dataset.api_records["insurance-policies"] += [
        policy,
        {**policy, "policy_no": "B2", "coverage_wan": 25},
        {**policy, "policy_no": "B3", "insured": party(QINGDAO)},
        {**policy, "policy_no": "B4", "insurance_type": "cyber"},  # outside the enumeration
    ]
    values = compute(dataset)

    assert cell(values, "FIN-06", "quarter", "2025-07-01") == 2
    assert cell(values, "FIN-06", "quarter", "2025-07-01", LIXIA) == 2
    assert cell(values, "FIN-07", "month", "2025-07-01") == 75


def test_roadshows_are_city_rows_with_a_chain_breakdown():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    show = {
        "roadshow_id": "R1",
        "event_date": "2025-09-10",
        "industry_chain": "biomedicine",
        "enterprises": 8,
        "intended_amount_wan": 900,
        "signed_amount_wan": 120,
        "updated_at": "2025-09-11T08:00:00+08:00",
    }
    dataset.api_records["roadshows"] += [
        show,
        {**show, "roadshow_id": "R2", "industry_chain": "other", "signed_amount_wan": 30},
        {**show, "roadshow_id": "R3", "industry_chain": "quantum"},  # not in the chain list
    ]
    values = compute(dataset)

    assert cell(values, "FIN-08", "month", "2025-09-01") == 2
    assert (
        cell(values, "FIN-08", "month", "2025-09-01", breakdown="industry_chain=biomedicine") == 1
    )
    assert cell(values, "FIN-08", "month", "2025-09-01", breakdown="industry_chain=other") == 1
    assert (
        cell(
            values, "FIN-08", "month", "2025-09-01", breakdown="industry_chain=smart_manufacturing"
        )
        == 0
    )
    assert cell(values, "FIN-09", "year", "2025-01-01") == 150
    roadshow_rows = values[values.indicator_id.isin(["FIN-08", "FIN-09"])]
    assert set(roadshow_rows.region_code) == {"3701"}
    # FIN-09 has FIN-08's chain breakdown (the spec was clarified, issue 12)
    assert cell(values, "FIN-09", "year", "2025-01-01",
                breakdown="industry_chain=other") == 30
    assert cell(values, "FIN-09", "year", "2025-01-01",
                breakdown="industry_chain=biomedicine") == 150 - 30
