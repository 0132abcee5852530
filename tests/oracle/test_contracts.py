"""The oracle's technology-contract rules (CON-01..06), each on a hand-made delivery."""

from __future__ import annotations

import datetime as dt

from tests.support.oracle import compute_indicator_values
from tests.support.oracle.builders import (
    HIGH_TECH_ZONE,
    LIXIA,
    QINGDAO,
    Dataset,
    application_no,
    cell,
    contract_row,
    contracts_file,
)

CONTRACT_INDICATORS = ["CON-01", "CON-02", "CON-03", "CON-04", "CON-05", "CON-06"]


def compute(dataset: Dataset, **options):
    return compute_indicator_values(
        dataset, first_year=2023, indicator_ids=CONTRACT_INDICATORS, **options
    )


def test_con01_sums_patent_contracts_of_jinan_sellers_by_registration_date():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.drop_files.append(
        contracts_file(
            "contracts_2025-03.csv",
            [
                contract_row("C1", "2025-03-05", 100, patents=application_no()),
                contract_row("C2", "2025-03-10", 50, ip_types="技术秘密"),
                contract_row("C3", "2025-03-12", 30, seller_region=QINGDAO),
                contract_row(
                    "C5", "2025-03-20", 70, seller_region="370199"
                ),  # Jinan, not one of the 13
            ],
        )
    )
    dataset.drop_files.append(
        contracts_file(
            "contracts_2025-04.csv",
            [
                contract_row(
                    "C4",
                    "2025-04-02",
                    20,
                    ip_types="专利;计算机软件著作权",
                    seller_region=HIGH_TECH_ZONE,
                ),
            ],
        )
    )
    values = compute(dataset)

    assert cell(values, "CON-01", "month", "2025-03-01") == 170
    assert cell(values, "CON-01", "month", "2025-03-01", LIXIA) == 100
    assert cell(values, "CON-01", "month", "2025-03-01", HIGH_TECH_ZONE) == 0
    assert cell(values, "CON-01", "quarter", "2025-04-01", HIGH_TECH_ZONE) == 20
    assert cell(values, "CON-01", "year", "2025-01-01") == 190
    assert cell(values, "CON-06", "year", "2025-01-01") == 3
    assert cell(values, "CON-03", "year", "2025-01-01") == 240  # 100 + 50 + 70 + 20
    assert cell(values, "CON-01", "year", "2025-01-01", "370113") == 0  # zero rows exist
    assert cell(values, "CON-01", "month", "2025-03-01", column="numerator") is None


def test_reissue_replaces_cancels_and_reinstates_whatever_the_delivery_order():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.drop_files += [
        contracts_file(
            "contracts_2025-03.csv",
            [
                contract_row("C1", "2025-03-05", 100),
                contract_row("C2", "2025-03-06", 40),
                contract_row("C3", "2025-03-07", 10),
            ],
        ),
        # _r2 is delivered before _r1 and still wins: the re-issue number decides first.
        contracts_file("contracts_2025-03_r2.csv", [contract_row("C2", "2025-03-06", 60)]),
        contracts_file(
            "contracts_2025-03_r1.csv",
            [
                contract_row("C1", "2025-03-05", 120),
                contract_row("C2", "2025-03-06", 40, status="已撤销"),
                contract_row("C3", "2025-03-07", 10, status="已撤销"),
            ],
        ),
    ]
    values = compute(dataset)

    # C1 corrected to 120, C2 cancelled by _r1 then reinstated at 60 by _r2, C3 cancelled.
    assert cell(values, "CON-01", "month", "2025-03-01") == 180
    assert cell(values, "CON-06", "month", "2025-03-01") == 2
    assert cell(values, "CON-03", "month", "2025-03-01") == 180


def test_a_later_delivery_of_the_same_reissue_number_wins():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.drop_files += [
        contracts_file("contracts_2025-03.csv", [contract_row("C1", "2025-03-05", 100)]),
        contracts_file(
            "contracts_2025-03.xlsx",
            [
                {
                    **contract_row("C1", "2025-03-05", 0),
                    "登记日期": dt.datetime(2025, 3, 5),
                    "成交额(万元)": 90.5,
                    "技术交易额(万元)": 80.0,
                }
            ],
        ),
    ]
    values = compute(dataset)

    assert cell(values, "CON-01", "month", "2025-03-01") == 90.5
    assert cell(values, "CON-04", "month", "2025-03-01") == 80.0


def test_invalid_rows_are_quarantined_and_do_not_replace_a_valid_version():
    valid = application_no()
    bad_number = valid[:-1] + ("1" if valid.endswith("0") else "0")  # wrong check digit
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.drop_files += [
        contracts_file(
            "contracts_2025-03.csv",
            [
                contract_row("C1", "2025-03-05", 100),
                contract_row("BAD1", "2025-03-05", 10, tech_amount=11),  # 技术交易额 > 成交额
                contract_row("BAD2", "2025-03-05", -5),  # negative amount
                contract_row("BAD3", "2021-02-30", 7),  # impossible date
                contract_row("BAD4", "2025-03-05", 3, category="技术许可"),  # only from 2026-01-23
                contract_row("BAD5", "2025-03-05", 2, patents=f"{valid};{bad_number}"),
                contract_row("BAD6", "2025-03-05", 4, seller_type="个人"),
            ],
        ),
        contracts_file(
            "contracts_2025-03_r1.csv",
            [
                contract_row("C1", "待补录", 999),  # quarantined: the original row stays current
            ],
        ),
    ]
    values = compute(dataset)

    assert cell(values, "CON-01", "month", "2025-03-01") == 100
    assert cell(values, "CON-03", "month", "2025-03-01") == 100


def test_licence_category_is_valid_from_its_registration_date_and_every_category_has_a_row():
    dataset = Dataset(as_of=dt.date(2026, 2, 15))
    dataset.drop_files.append(
        contracts_file(
            "contracts_2026-01.csv",
            [
                contract_row("L0", "2026-01-22", 40, category="技术许可"),  # the day before
                contract_row("L1", "2026-01-23", 25, category="技术许可"),
                contract_row("D1", "2026-01-11", 5, category="技术开发", ip_types="未涉及"),
            ],
        )
    )
    values = compute(dataset)

    assert cell(values, "CON-03", "month", "2026-01-01", breakdown="contract_type=技术许可") == 25
    assert cell(values, "CON-03", "month", "2026-01-01", breakdown="contract_type=技术开发") == 5
    for category in ("技术转让", "技术咨询", "技术服务"):
        assert (
            cell(values, "CON-03", "month", "2026-01-01", breakdown=f"contract_type={category}")
            == 0
        )
    assert cell(values, "CON-01", "month", "2026-01-01") == 25


def test_con05_counts_only_universities_and_institutes():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.drop_files.append(
        contracts_file(
            "contracts_2025-05.csv",
            [
                contract_row("U1", "2025-05-01", 30, seller_type="高等院校"),
                contract_row("U2", "2025-05-02", 20, seller_type="科研机构", ip_types="技术秘密"),
                contract_row("E1", "2025-05-03", 50, seller_type="企业"),
            ],
        )
    )
    values = compute(dataset)

    assert cell(values, "CON-05", "month", "2025-05-01") == 50
    assert cell(values, "CON-03", "month", "2025-05-01") == 100


def test_con02_growth_over_base_year_with_null_on_a_zero_base_and_target():
    dataset = Dataset(as_of=dt.date(2025, 6, 30))
    dataset.drop_files += [
        contracts_file("contracts_2023-05.csv", [contract_row("A", "2023-05-01", 100)]),
        contracts_file(
            "contracts_2025-02.csv",
            [
                contract_row("B", "2025-02-01", 130),
                contract_row("Z", "2025-02-01", 10, seller_region=HIGH_TECH_ZONE),
            ],
        ),
    ]
    values = compute(dataset)

    assert cell(values, "CON-02", "year", "2023-01-01") == 0
    assert cell(values, "CON-02", "year", "2024-01-01") == -100
    assert abs(cell(values, "CON-02", "year", "2025-01-01") - 40) < 1e-9  # (140 / 100 - 1)
    assert cell(values, "CON-02", "year", "2025-01-01", column="numerator") == 140
    assert cell(values, "CON-02", "year", "2025-01-01", column="denominator") == 100
    assert cell(values, "CON-02", "year", "2025-01-01", HIGH_TECH_ZONE) is None  # base 0
    assert cell(values, "CON-02", "year", "2025-01-01", HIGH_TECH_ZONE, column="numerator") == 0
    assert cell(values, "CON-02", "year", "2025-01-01", HIGH_TECH_ZONE, column="denominator") == 0
    assert cell(values, "CON-02", "year", "2023-01-01", HIGH_TECH_ZONE) is None
    assert cell(values, "CON-02", "year", "2025-01-01", column="target_value") == 30
    assert cell(values, "CON-02", "year", "2025-01-01", LIXIA, column="target_value") is None
    assert cell(values, "CON-02", "year", "2024-01-01", column="target_value") is None
    assert set(values[values.indicator_id == "CON-02"].period_type) == {"year"}


def test_con02_with_a_configured_base_year():
    dataset = Dataset(as_of=dt.date(2025, 12, 31))
    dataset.drop_files += [
        contracts_file("contracts_2024-05.csv", [contract_row("A", "2024-05-01", 200)]),
        contracts_file("contracts_2025-05.csv", [contract_row("B", "2025-05-01", 300)]),
    ]
    values = compute(dataset, base_year=2024)

    assert cell(values, "CON-02", "year", "2025-01-01") == 50
    assert cell(values, "CON-02", "year", "2023-01-01") == -100
