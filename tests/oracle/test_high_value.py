"""PAT-02 criteria, PAT-03 per population and PAT-04 industrialisation in Jinan."""

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
    contract_row,
    contracts_file,
    event,
    party,
    patent,
    pledge,
)

HIGH_VALUE = ["PAT-01", "PAT-02", "PAT-03", "PAT-04"]


def granted_patent(dataset: Dataset, **fields) -> str:
    number = application_no()
    dataset.api_records["patents"].append(patent(number, **fields))
    dataset.api_records["legal-events"].append(event(number, "GR01", "2019-01-10"))
    return number


def compute(dataset: Dataset, **options):
    return compute_indicator_values(dataset, first_year=2021, indicator_ids=HIGH_VALUE, **options)


def test_age_criterion_starts_the_day_after_the_tenth_anniversary_and_29_february():
    dataset = Dataset(as_of=dt.date(2022, 6, 30))
    granted_patent(dataset, application_date="2012-02-29")  # anniversary 2022-02-28
    granted_patent(dataset, application_date="2012-03-31", applicants=[party(HIGH_TECH_ZONE)])
    values = compute(dataset)

    assert cell(values, "PAT-02", "month", "2022-01-01", LIXIA) == 0
    assert cell(values, "PAT-02", "month", "2022-02-01", LIXIA) == 0  # D is the anniversary
    assert cell(values, "PAT-02", "month", "2022-03-01", LIXIA) == 1
    assert cell(values, "PAT-02", "month", "2022-03-01", HIGH_TECH_ZONE) == 0
    assert cell(values, "PAT-02", "month", "2022-04-01", HIGH_TECH_ZONE) == 1
    assert cell(values, "PAT-02", "month", "2022-04-01", breakdown="criterion=age") == 2
    assert cell(values, "PAT-02", "month", "2022-04-01", breakdown="criterion=sei") == 0


def test_pledge_criterion_adds_whole_loans_of_not_cancelled_pledges_up_to_the_threshold():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    number = granted_patent(dataset, application_date="2018-01-01")
    other = granted_patent(dataset, application_date="2018-01-01")
    dataset.api_records["pledges"] += [
        pledge("2021-02-01", 600, [number, other]),  # the whole loan counts for each patent
        pledge("2021-03-01", 5000, [number], status="cancelled"),
        pledge("2021-05-01", 400, ["CN" + number.replace(".", "")], pledgor=party(QINGDAO)),
    ]
    values = compute(dataset)

    assert cell(values, "PAT-02", "month", "2021-04-01") == 0
    assert cell(values, "PAT-02", "month", "2021-05-01") == 1  # 600 + 400 reaches 1000
    assert cell(values, "PAT-02", "month", "2021-05-01", breakdown="criterion=pledge") == 1
    lower = compute(dataset, pledge_threshold_wan=500)
    assert cell(lower, "PAT-02", "month", "2021-02-01") == 2


def test_longest_prefix_decides_chain_and_sei():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    granted_patent(dataset, ipc_main="G06N 10/40")  # G06N10/ → future_industries, SEI
    granted_patent(dataset, ipc_main="G06N3/08")  # G06N → big_data_ngit, SEI
    granted_patent(dataset, ipc_main="B64C 39/02")  # SEI with an empty chain → other
    granted_patent(dataset, ipc_main="F16B 1/00")  # no match: other, no SEI
    values = compute(dataset)

    def year(indicator: str, breakdown: str) -> float:
        return cell(values, indicator, "year", "2021-01-01", breakdown=breakdown)

    assert year("PAT-01", "industry_chain=future_industries") == 1
    assert year("PAT-01", "industry_chain=big_data_ngit") == 1
    assert year("PAT-01", "industry_chain=other") == 2
    assert year("PAT-01", "industry_chain=biomedicine") == 0
    assert year("PAT-02", "all") == 3
    assert year("PAT-02", "criterion=sei") == 3
    assert year("PAT-02", "industry_chain=other") == 1


def test_family_and_award_criteria_and_counting_once():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    granted_patent(dataset, family_countries=["CN"])  # CN alone is no foreign family
    granted_patent(dataset, family_countries=["CN", "US"], awards=["china_patent_award_gold"])
    granted_patent(dataset, awards=["national_sci_tech_award"], patent_type="utility_model")
    values = compute(dataset)

    assert cell(values, "PAT-02", "year", "2021-01-01") == 1
    assert cell(values, "PAT-02", "year", "2021-01-01", breakdown="criterion=family") == 1
    assert cell(values, "PAT-02", "year", "2021-01-01", breakdown="criterion=award") == 1
    assert cell(values, "PAT-02", "year", "2021-01-01", breakdown="criterion=age") == 0


def population_file(name: str, rows: list[tuple[str, int, int]]) -> DropFile:
    return DropFile(
        "population",
        name,
        [
            {"region_code": region, "year": str(year), "resident_population": str(people)}
            for region, year, people in rows
        ],
    )


def test_pat03_uses_the_newest_snapshot_and_falls_back_to_an_earlier_year():
    dataset = Dataset(as_of=dt.date(2024, 12, 31))
    granted_patent(dataset, awards=["china_patent_award_gold"])
    granted_patent(dataset, awards=["china_patent_award_gold"])
    dataset.drop_files += [
        population_file(
            "population_20250301.csv",
            [
                ("3701", 2024, 10_000_000),
                ("3701", 2023, 9_000_000),
                (LIXIA, 2023, 800_000),
            ],
        ),
        # Delivered later but an older snapshot: ignored.
        population_file("population_20240101.csv", [("3701", 2024, 1), (LIXIA, 2024, 1)]),
    ]
    values = compute(dataset)

    assert cell(values, "PAT-03", "year", "2024-01-01") == 2 / 1000
    assert cell(values, "PAT-03", "year", "2024-01-01", column="denominator") == 1000
    assert cell(values, "PAT-03", "year", "2024-01-01", column="numerator") == 2
    assert cell(values, "PAT-03", "year", "2023-01-01") == 2 / 900
    assert cell(values, "PAT-03", "year", "2024-01-01", LIXIA) == 2 / 80  # 2023's population
    assert (
        cell(values, "PAT-03", "year", "2024-01-01", LIXIA, breakdown="criterion=award") == 2 / 80
    )
    assert cell(values, "PAT-03", "year", "2022-01-01", LIXIA) is None  # no earlier year
    assert cell(values, "PAT-03", "year", "2024-01-01", HIGH_TECH_ZONE) is None
    assert (
        cell(values, "PAT-03", "year", "2024-01-01", HIGH_TECH_ZONE, column="denominator") is None
    )
    assert cell(values, "PAT-03", "year", "2024-01-01", column="unit") == "件/万人"


def test_pat04_needs_a_conversion_with_a_jinan_counterparty():
    dataset = Dataset(as_of=dt.date(2022, 1, 31))
    sold_abroad = granted_patent(dataset, awards=["china_patent_award_gold"])
    pledged = granted_patent(dataset, awards=["china_patent_award_gold"])
    contracted = granted_patent(dataset, awards=["china_patent_award_gold"])
    produced = granted_patent(dataset, awards=["china_patent_award_gold"])
    granted_patent(dataset)  # converted but not high-value: never in PAT-04
    dataset.api_records["legal-events"].append(
        event(sold_abroad, "EE01", "2021-02-01", [party(LIXIA)], [party(QINGDAO)])
    )
    dataset.api_records["pledges"].append(pledge("2021-03-10", 10, [pledged]))
    dataset.drop_files.append(
        contracts_file(
            "contracts_2021-06.csv",
            [
                contract_row("K1", "2021-06-15", 10, ip_types="技术秘密", patents=contracted),
            ],
        )
    )
    dataset.drop_files.append(
        DropFile(
            "intensive_products",
            "intensive_products_20211201.csv",
            [
                {
                    "product_id": "PX1",
                    "product_name": "产品",
                    "owner_uscc": "91370100MA00000009",
                    "region_code": HIGH_TECH_ZONE,
                    "data_year": "2022",
                    "status": "certified",
                    "output_value_wan": "100",
                    "patent_application_nos": produced,
                },
            ],
        )
    )
    values = compute(dataset)

    assert cell(values, "PAT-04", "month", "2021-02-01") == 0  # licensee in Qingdao
    assert cell(values, "PAT-04", "month", "2021-03-01") == 1
    assert cell(values, "PAT-04", "month", "2021-06-01") == 2
    assert cell(values, "PAT-04", "year", "2021-01-01") == 2  # the product counts from 2022
    assert cell(values, "PAT-04", "year", "2021-01-01", LIXIA) == 2
    assert cell(values, "PAT-04", "month", "2022-01-01") == 3
