"""UNI-01..06: universities' and institutes' patents."""

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
    pledge,
    university,
)

UNI = [f"UNI-0{n}" for n in range(1, 7)]
U1, U2 = "12370000495570001X", "12370000495570002X"


def granted_patent(dataset: Dataset, grant_day: str = "2020-01-10", **fields) -> str:
    number = application_no()
    dataset.api_records["patents"].append(patent(number, **fields))
    dataset.api_records["legal-events"].append(event(number, "GR01", grant_day))
    return number


def compute(dataset: Dataset, first_year: int = 2021):
    return compute_indicator_values(dataset, first_year=first_year, indicator_ids=UNI)


def test_uni01_rates_registry_conversion_by_first_applicant():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    licensed = granted_patent(dataset, applicants=[university(LIXIA, U1)])
    granted_patent(dataset, applicants=[university(LIXIA, U1)])
    granted_patent(dataset, applicants=[university(LIXIA, U1)], patent_type="utility_model")
    granted_patent(dataset, applicants=[university(QINGDAO, "12370200000000001X")])
    sold = granted_patent(dataset, applicants=[university(HIGH_TECH_ZONE, U2)])
    dataset.api_records["legal-events"] += [
        event(licensed, "OL03", "2021-03-01", [university(LIXIA, U1)], [party(QINGDAO)]),
        event(sold, "TR01", "2021-06-01", [university(HIGH_TECH_ZONE, U2)], [party(QINGDAO)]),
    ]
    values = compute(dataset)

    assert cell(values, "UNI-01", "month", "2021-01-01") == 0
    assert cell(values, "UNI-01", "month", "2021-01-01", column="denominator") == 3
    assert abs(cell(values, "UNI-01", "year", "2021-01-01") - 200 / 3) < 1e-9
    assert cell(values, "UNI-01", "year", "2021-01-01", breakdown=f"owner_uscc={U1}") == 50
    assert (
        cell(values, "UNI-01", "year", "2021-01-01", HIGH_TECH_ZONE, breakdown=f"owner_uscc={U2}")
        == 100
    )
    uni01 = values[values.indicator_id == "UNI-01"]
    lixia_year = uni01[(uni01.region_code == LIXIA) & (uni01.period_type == "year")]
    assert set(lixia_year.breakdown) == {"all", f"owner_uscc={U1}"}
    assert cell(values, "UNI-01", "year", "2021-01-01", "370103") is None
    assert cell(values, "UNI-01", "year", "2021-01-01", "370103", column="numerator") == 0
    assert cell(values, "UNI-01", "year", "2021-01-01", "370103", column="denominator") == 0


def inventory(name: str, rows: list[tuple[str, str, str]]) -> DropFile:
    return DropFile(
        "inventory_returns",
        name,
        [
            {
                "application_no": number,
                "owner_uscc": U1,
                "entered_date": day,
                "prospect": "high",
                "industrialized": flag,
                "industry_chain": "biomedicine",
            }
            for number, day, flag in rows
        ],
    )


def test_uni02_and_uni03_use_the_latest_return_of_patents_in_the_denominator():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    invention = granted_patent(dataset, applicants=[university(LIXIA, U1)])
    utility = granted_patent(
        dataset, applicants=[university(LIXIA, U1)], patent_type="utility_model"
    )
    enterprise_owned = granted_patent(dataset, applicants=[party(LIXIA)])
    dataset.drop_files += [
        inventory("inventory_returns_20210101.csv", [(utility, "2021-01-05", "true")]),
        inventory(
            "inventory_returns_20211201.csv",
            [
                (invention, "2021-05-01", "false"),
                (invention, "2021-09-01", "true"),
                (enterprise_owned, "2021-01-01", "true"),  # not in the denominator
            ],
        ),
    ]
    values = compute(dataset)

    assert cell(values, "UNI-03", "month", "2021-04-01") == 0  # older snapshot replaced
    assert cell(values, "UNI-03", "month", "2021-04-01", column="denominator") == 2
    assert cell(values, "UNI-03", "month", "2021-05-01") == 50
    assert cell(values, "UNI-02", "month", "2021-04-01") is None
    assert cell(values, "UNI-02", "month", "2021-04-01", column="denominator") == 0
    assert cell(values, "UNI-02", "month", "2021-05-01") == 0
    assert cell(values, "UNI-02", "month", "2021-09-01") == 100
    assert (
        cell(values, "UNI-02", "month", "2021-09-01", LIXIA, breakdown="party_type=university")
        == 100
    )
    assert (
        cell(values, "UNI-02", "month", "2021-09-01", LIXIA, breakdown="industry_chain=other")
        == 100
    )  # IPC-derived, not the return's chain
    assert (
        cell(values, "UNI-02", "month", "2021-09-01", LIXIA, breakdown="industry_chain=biomedicine")
        is None
    )


def test_uni03_target_sits_on_the_city_rows_ending_2024_12_31():
    values = compute(Dataset(as_of=dt.date(2025, 1, 31)), first_year=2024)

    for period_type, start in (
        ("year", "2024-01-01"),
        ("quarter", "2024-10-01"),
        ("month", "2024-12-01"),
    ):
        assert cell(values, "UNI-03", period_type, start, column="target_value") == 100
    assert cell(values, "UNI-03", "month", "2024-11-01", column="target_value") is None
    assert cell(values, "UNI-03", "year", "2024-01-01", LIXIA, column="target_value") is None


def test_uni04_latest_declaration_without_a_later_withdrawal():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    number = granted_patent(dataset, applicants=[university(LIXIA, U1)])
    declarant = [university(LIXIA, U1)]
    dataset.api_records["legal-events"] += [
        event(number, "OL01", "2021-02-01", declarant),
        event(number, "OL02", "2021-04-01", declarant),
        event(number, "OL01", "2021-06-01", declarant),
    ]
    values = compute(dataset)

    assert cell(values, "UNI-04", "month", "2021-01-01") == 0
    assert cell(values, "UNI-04", "month", "2021-03-01") == 1
    assert cell(values, "UNI-04", "month", "2021-04-01") == 0
    assert cell(values, "UNI-04", "month", "2021-06-01", LIXIA) == 1
    # OL01 alone is no conversion.
    uni01 = cell(values, "UNI-01", "month", "2021-06-01", column="numerator")
    assert uni01 == 0


def test_uni05_a_same_day_transfer_decides_the_owner():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    leaving = granted_patent(dataset, applicants=[university(LIXIA, U1)])
    arriving = granted_patent(dataset, applicants=[party(QINGDAO)])
    dataset.api_records["legal-events"] += [
        event(leaving, "OL03", "2021-06-30", [university(LIXIA, U1)], [party(QINGDAO)]),
        event(leaving, "TR01", "2021-07-01", [university(LIXIA, U1)], [party(QINGDAO)]),
        event(leaving, "OL03", "2021-07-01", [party(QINGDAO)], [party(LIXIA)]),
        event(arriving, "TR01", "2021-08-01", [party(QINGDAO)], [university(HIGH_TECH_ZONE, U2)]),
        event(arriving, "OL03", "2021-08-01", [university(HIGH_TECH_ZONE, U2)], [party(LIXIA)]),
    ]
    values = compute(dataset)

    assert cell(values, "UNI-05", "year", "2021-01-01") == 2
    assert cell(values, "UNI-05", "year", "2021-01-01", LIXIA) == 1
    assert cell(values, "UNI-05", "year", "2021-01-01", HIGH_TECH_ZONE) == 1
    assert cell(values, "UNI-05", "year", "2021-01-01", breakdown="industry_chain=other") == 2
    assert set(values[values.indicator_id == "UNI-05"].period_type) == {"year"}


def test_uni06_funded_patents_granted_five_years_before_d_and_never_converted():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    funded = granted_patent(
        dataset,
        grant_day="2016-02-29",
        fiscal_project_ids=["2015GGX101"],
        patent_type="utility_model",
    )
    granted_patent(dataset, grant_day="2016-02-29")  # not funded
    dataset.api_records["pledges"].append(pledge("2021-06-01", 50, [funded]))
    values = compute(dataset)

    assert cell(values, "UNI-06", "month", "2021-02-01") == 0  # D − 5 years = 2016-02-28
    assert cell(values, "UNI-06", "month", "2021-03-01") == 1
    assert (
        cell(values, "UNI-06", "month", "2021-03-01", LIXIA, breakdown="party_type=enterprise") == 1
    )
    assert cell(values, "UNI-06", "month", "2021-05-01") == 1
    assert cell(values, "UNI-06", "month", "2021-06-01") == 0  # converted by the pledge
