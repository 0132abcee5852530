"""`compare` reports every difference between two indicator tables, readably."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.support.oracle import compare, compute_indicator_values
from tests.support.oracle.builders import Dataset, contract_row, contracts_file, pledge


def expected_table() -> pd.DataFrame:
    dataset = Dataset(as_of=dt.date(2024, 3, 31))
    dataset.api_records["pledges"].append(pledge("2024-02-01", 300))
    dataset.drop_files.append(
        contracts_file("contracts_2024-02.csv", [contract_row("C1", "2024-02-02", 50)])
    )
    return compute_indicator_values(
        dataset, first_year=2024, indicator_ids=["CON-01", "FIN-01", "FIN-05"]
    )


def row_mask(frame: pd.DataFrame, indicator: str, period_type: str, region: str = "3701"):
    return (
        (frame.indicator_id == indicator)
        & (frame.period_type == period_type)
        & (frame.region_code == region)
        & (frame.breakdown == "all")
    )


def test_identical_tables_agree_even_with_other_date_and_row_order():
    expected = expected_table()
    actual = expected.sample(frac=1.0, random_state=1).reset_index(drop=True)
    actual["period_start"] = pd.to_datetime(actual["period_start"])
    actual["period_end"] = pd.to_datetime(actual["period_end"])
    assert compare(expected, actual) == []


def test_every_kind_of_difference_is_reported_per_indicator():
    expected = expected_table()
    actual = expected.copy()
    actual.loc[row_mask(actual, "CON-01", "year"), "value"] = 51.0
    actual.loc[row_mask(actual, "FIN-05", "year"), ["value", "numerator"]] = [None, 0.0]
    actual.loc[row_mask(actual, "FIN-01", "month"), "unit"] = "元"
    actual = actual[~row_mask(actual, "FIN-01", "quarter")]
    extra = expected[row_mask(expected, "CON-01", "year")].assign(breakdown="contract_type=x")
    actual = pd.concat([actual, extra], ignore_index=True)

    report = compare(expected, actual)

    assert "CON-01: 1 × value differs" in report
    assert any("expected 50.0, actual 51.0" in line for line in report)
    assert "CON-01: 1 × extra row" in report
    assert "FIN-01: 1 × missing row" in report
    assert "FIN-01: 3 × unit differs" in report  # one month row per month of the quarter
    assert "FIN-05: 1 × value differs" in report
    assert "FIN-05: 1 × numerator differs" in report


def test_comparison_can_be_restricted_to_some_indicators():
    expected = expected_table()
    actual = expected.copy()
    actual.loc[row_mask(actual, "CON-01", "year"), "value"] = 0.0

    assert compare(expected, actual, indicator_ids=["FIN-01", "FIN-05"]) == []
    assert compare(expected, actual, indicator_ids=["CON-01"]) != []


def test_tolerance_is_relative_for_large_amounts():
    expected = expected_table()
    actual = expected.copy()
    actual.loc[row_mask(actual, "FIN-01", "year"), "value"] = 300.0000001

    assert compare(expected, actual, tol=1e-6) == []
    assert compare(expected, actual, tol=1e-12) != []


def test_duplicate_keys_are_reported():
    expected = expected_table()
    actual = pd.concat([expected, expected[row_mask(expected, "FIN-01", "year")]])

    assert "FIN-01: 1 × duplicate key in actual" in compare(expected, actual)
