"""Strict scalar parsing: what the oracle loads and what it quarantines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.oracle.parsing import (
    Invalid,
    add_years,
    parse_amount,
    parse_date,
    parse_timestamp,
)


@pytest.mark.parametrize("text", ["2021-02-30", "待补录", "2021/03/01", "20210301", "", None])
def test_impossible_or_foreign_dates_are_invalid(text):
    with pytest.raises(Invalid):
        parse_date(text)


def test_dates_from_text_and_xlsx_cells():
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_date(dt.datetime(2025, 3, 5, 0, 0)) == dt.date(2025, 3, 5)


def test_timestamps_compare_as_instants():
    earlier = parse_timestamp("2025-05-02T07:00:00+08:00")
    later = parse_timestamp("2025-05-01T23:30:00+00:00")
    assert earlier < later
    assert parse_timestamp("2025-05-01T08:00:00") == parse_timestamp("2025-05-01T08:00:00+08:00")


def test_amounts_accept_numbers_and_text_but_not_negatives_or_blanks():
    assert parse_amount("12.3456") == 12.3456
    assert parse_amount(Decimal("0.5")) == 0.5
    assert parse_amount(0) == 0.0
    for bad in (-0.01, "-5", "", None, "abc", True, float("nan")):
        with pytest.raises(Invalid):
            parse_amount(bad)


def test_add_years_moves_29_february_to_28_february():
    assert add_years(dt.date(2012, 2, 29), 10) == dt.date(2022, 2, 28)
    assert add_years(dt.date(2012, 2, 29), 12) == dt.date(2024, 2, 29)
    assert add_years(dt.date(2028, 2, 29), -5) == dt.date(2023, 2, 28)
    assert add_years(dt.date(2015, 6, 1), 10) == dt.date(2025, 6, 1)
