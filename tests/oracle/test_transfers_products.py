"""TRN-01..03, TRD-01..02 (transfers and licences) and PIP-01..03 (intensive products)."""

from __future__ import annotations

import datetime as dt

from tests.support.oracle import compute_indicator_values
from tests.support.oracle.builders import (
    HIGH_TECH_ZONE,
    LIXIA,
    QINGDAO,
    Dataset,
    DropFile,
    application_no,
    cell,
    event,
    party,
    patent,
)

FLOWS = ["TRN-01", "TRN-02", "TRN-03", "TRD-01", "TRD-02", "PIP-01", "PIP-02", "PIP-03"]


def compute(dataset: Dataset):
    return compute_indicator_values(dataset, first_year=2024, indicator_ids=FLOWS)


def test_transfers_and_licences_are_attributed_to_the_right_party():
    dataset = Dataset(as_of=dt.date(2024, 12, 31))
    ai = application_no()
    dataset.api_records["patents"].append(patent(ai, ipc_main="G06N 3/08"))
    plain = application_no()
    abroad = party(None, country="DE", uscc=None)
    dataset.api_records["legal-events"] += [
        event(ai, "TR01", "2024-02-03", [party(LIXIA)], [party(QINGDAO)]),  # TRN-01
        event(ai, "EE01", "2024-02-04", [party(LIXIA)], [abroad]),  # TRN-02, TRD-01
        event(plain, "TR01", "2024-02-05", [party(QINGDAO)], [party(HIGH_TECH_ZONE)]),  # TRN-03
        event(plain, "EE01", "2024-02-06", [abroad], [party(LIXIA)]),  # TRN-03, TRD-02
        event(plain, "TR01", "2024-02-07", [party(LIXIA)], [party(HIGH_TECH_ZONE)]),  # TRN-01
        event(plain, "TR01", "2024-02-08", [party(LIXIA)], [party(QINGDAO)], revoked=True),
        event(plain, "PE01", "2024-02-09", [party(LIXIA)], [party(QINGDAO)]),  # not counted
    ]
    values = compute(dataset)

    assert cell(values, "TRN-01", "month", "2024-02-01") == 2
    assert cell(values, "TRN-01", "month", "2024-02-01", LIXIA) == 2
    assert (
        cell(values, "TRN-01", "month", "2024-02-01", breakdown="industry_chain=big_data_ngit") == 1
    )
    assert cell(values, "TRN-02", "quarter", "2024-01-01") == 1
    assert cell(values, "TRN-03", "year", "2024-01-01") == 2
    assert cell(values, "TRN-03", "year", "2024-01-01", HIGH_TECH_ZONE) == 1
    assert cell(values, "TRN-03", "year", "2024-01-01", LIXIA) == 1
    assert cell(values, "TRD-01", "year", "2024-01-01", LIXIA) == 1
    assert cell(values, "TRD-02", "year", "2024-01-01", LIXIA) == 1
    assert cell(values, "TRD-02", "year", "2024-01-01", breakdown="industry_chain=other") == 1
    assert cell(values, "TRN-01", "month", "2024-03-01") == 0


def test_products_count_by_data_year_and_product_region():
    dataset = Dataset(as_of=dt.date(2025, 3, 31))
    product = {
        "product_id": "P1",
        "product_name": "产品",
        "owner_uscc": "91370100MA00000009",
        "region_code": LIXIA,
        "data_year": "2024",
        "status": "certified",
        "output_value_wan": "1200.5",
        "patent_application_nos": application_no(),
    }
    dataset.drop_files.append(
        DropFile(
            "intensive_products",
            "intensive_products_20250301.csv",
            [
                product,
                {**product, "product_id": "P2", "status": "filed", "output_value_wan": ""},
                {**product, "product_id": "P3", "status": "rejected"},
                {**product, "product_id": "P4", "region_code": QINGDAO},
                {**product, "product_id": "P5", "data_year": "2025", "region_code": HIGH_TECH_ZONE},
            ],
        )
    )
    values = compute(dataset)

    assert cell(values, "PIP-01", "year", "2024-01-01") == 1
    assert cell(values, "PIP-02", "year", "2024-01-01", LIXIA) == 1200.5
    assert cell(values, "PIP-03", "year", "2024-01-01") == 2
    assert cell(values, "PIP-01", "year", "2025-01-01", HIGH_TECH_ZONE) == 1
    assert set(values[values.indicator_id.str.startswith("PIP")].period_type) == {"year"}
