"""Report periods, the period arithmetic over published values, and the target signals."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pendulum
import pytest

from patentflow.report import definitions as d
from patentflow.report.lookup import Values, change_pct
from patentflow.report.period import ReportPeriod
from patentflow.report.sections import target_progress


def test_a_month_and_a_year_parse_and_know_their_neighbours():
    january = ReportPeriod.parse("2025-01")
    assert (january.kind, january.start, january.end) == ("month", date(2025, 1, 1),
                                                          date(2025, 1, 31))
    assert january.previous() == ReportPeriod("month", 2024, 12)
    assert january.year_ago() == ReportPeriod("month", 2024, 1)
    assert ReportPeriod.parse("2024-02").end == date(2024, 2, 29)
    year = ReportPeriod.parse("2025")
    assert (year.kind, year.end, year.label, year.previous().key) == (
        "year", date(2025, 12, 31), "2025年", "2024")
    for bad in ("2025-13", "25-06", "2025/06", ""):
        with pytest.raises(ValueError):
            ReportPeriod.parse(bad)


def test_the_period_comes_from_the_data_interval_start_in_beijing_time():
    # the monthly run on 3 July 09:00 Beijing has the interval [3 June 09:00, 3 July 09:00)
    start = pendulum.datetime(2025, 6, 3, 1, 0, tz="UTC")
    assert ReportPeriod.for_data_interval("month", start).key == "2025-06"
    # 31 May 16:30 UTC is already 1 June in Beijing
    assert ReportPeriod.for_data_interval("month", pendulum.datetime(
        2025, 5, 31, 16, 30, tz="UTC")).key == "2025-06"
    assert ReportPeriod.for_data_interval("year", pendulum.datetime(
        2025, 1, 5, 1, 0, tz="UTC")).key == "2025"


def _rows(indicator, unit, entries):
    """entries: (period_type, start, end, value, numerator, denominator, target)."""
    return [{"indicator_id": indicator, "period_type": p, "period_start": s, "period_end": e,
             "is_complete": True, "region_code": "3701", "breakdown": "all", "value": v,
             "numerator": n, "denominator": den, "unit": unit, "target_value": t}
            for p, s, e, v, n, den, t in entries]


def _values(*groups) -> Values:
    return Values(pd.DataFrame([row for group in groups for row in group]))


def _months(indicator, unit, year, values, numerators=None, denominators=None):
    out = []
    for m, v in enumerate(values, start=1):
        end = (pd.Timestamp(year, m, 1) + pd.offsets.MonthEnd(0)).date()
        out.append(("month", date(year, m, 1), end, v,
                    numerators[m - 1] if numerators else None,
                    denominators[m - 1] if denominators else None, None))
    return _rows(indicator, unit, out)


def test_year_to_date_sums_additive_months_but_not_distinct_counts():
    values = _values(
        _months("FIN-01", "万元", 2025, [10.0, 20.0, 30.5]),
        _months("FIN-03", "家", 2025, [2.0, 2.0, 2.0]),
        _rows("FIN-03", "家", [("year", date(2025, 1, 1), date(2025, 4, 2), 5.0, None, None,
                                None)]),
        _months("FIN-05", "%", 2025, [50.0, 100.0, 0.0], [1, 2, 0], [2, 2, 1]))
    march = ReportPeriod.parse("2025-03")
    assert values.year_to_date("FIN-01", march) == pytest.approx(60.5)
    # distinct enterprises cannot be summed; the year row runs past March: no figure
    assert values.year_to_date("FIN-03", march) is None
    # a share: Σ numerators ÷ Σ denominators, not the mean of the monthly shares
    assert values.year_to_date("FIN-05", march) == pytest.approx(100 * 3 / 5)


def test_relative_change_has_no_value_on_a_zero_or_missing_base():
    assert change_pct(120.0, 100.0) == pytest.approx(20.0)
    assert change_pct(5.0, 0.0) is None and change_pct(None, 3.0) is None


FIN_04 = next(t for t in d.TARGETS if t.indicator_id == "FIN-04")
UNI_03 = next(t for t in d.TARGETS if t.indicator_id == "UNI-03")
CON_02 = next(t for t in d.TARGETS if t.indicator_id == "CON-02")


def _fin04(value):
    return _values(_rows("FIN-04", "万元", [("month", date(2025, 6, 1), date(2025, 6, 30), value,
                                              None, None, None)]))


def test_a_future_target_is_judged_against_pro_rata_progress():
    june = ReportPeriod.parse("2025-06")
    # 2024-01-01 .. 2025-06-30 is 547 of 731 days: 74.8% of the way to 1,000,000 万元
    on_track = target_progress(_fin04(800_000.0), june, FIN_04)
    assert on_track.status == d.STATUS_ON_TRACK
    assert on_track.expected == pytest.approx(100 * 547 / 731)
    behind = target_progress(_fin04(700_000.0), june, FIN_04)
    assert (behind.status, behind.progress) == (d.STATUS_BEHIND, pytest.approx(70.0))
    assert target_progress(_fin04(1_000_000.0), june, FIN_04).status == d.STATUS_MET


def test_a_passed_deadline_is_judged_on_the_deadline_row():
    values = _values(_rows("UNI-03", "%", [
        ("year", date(2024, 1, 1), date(2024, 12, 31), 99.0, 99, 100, 100.0),
        ("month", date(2025, 6, 1), date(2025, 6, 30), 100.0, 100, 100, None)]))
    result = target_progress(values, ReportPeriod.parse("2025-06"), UNI_03)
    assert (result.as_of, result.status) == (date(2024, 12, 31), d.STATUS_BEHIND)
    values = _values(_rows("UNI-03", "%", [
        ("year", date(2024, 1, 1), date(2024, 12, 31), 100.0, 100, 100, 100.0)]))
    assert target_progress(values, ReportPeriod.parse("2025"), UNI_03).status == d.STATUS_MET


def test_growth_progress_is_the_share_of_the_turnover_the_target_needs():
    # half a year, year-to-date turnover 70 against a base year of 100: needs 130 → 53.8%
    values = _values(
        _months("CON-01", "万元", 2025, [10.0, 10.0, 10.0, 10.0, 15.0, 15.0]),
        _rows("CON-02", "%", [
            ("year", date(2025, 1, 1), date(2025, 6, 30), -30.0, 70.0, 100.0, 30.0)]))
    result = target_progress(values, ReportPeriod.parse("2025-06"), CON_02)
    assert result.progress == pytest.approx(100 * 70 / 130)
    assert result.status == d.STATUS_ON_TRACK  # 53.8% done, 49.6% of the year gone
    missing = target_progress(_values(_fin04(1.0).frame.to_dict("records")),
                              ReportPeriod.parse("2025-06"), CON_02)
    assert missing.status == d.STATUS_NO_DATA


def test_a_month_report_from_a_later_release_is_as_of_the_month_end():
    """The June report made from the December release: CON-02 from January–June turnover (70),
    not the full-year row (150, 2025-12-31, 100% of the year gone); a year-only flow whose year
    row runs past June has no June figure."""
    months = [10.0, 10.0, 10.0, 10.0, 15.0, 15.0, 20.0, 20.0, 10.0, 10.0, 10.0, 10.0]
    values = _values(
        _months("CON-01", "万元", 2025, months),
        _rows("CON-02", "%", [
            ("year", date(2025, 1, 1), date(2025, 12, 31), 50.0, 150.0, 100.0, 30.0)]),
        _rows("PIP-01", "项", [("year", date(2025, 1, 1), date(2025, 12, 31), 9.0, None, None,
                                None)]))
    june = ReportPeriod.parse("2025-06")

    result = target_progress(values, june, CON_02)

    assert (result.value, result.as_of) == (pytest.approx(-30.0), date(2025, 6, 30))
    assert result.basis == "1—6月累计"
    assert result.progress == pytest.approx(100 * 70 / 130)
    assert result.expected == pytest.approx(100 * 181 / 365)
    assert values.in_period("CON-02", june) == pytest.approx(-30.0)
    assert values.in_period("PIP-01", june) is None
    assert values.year_to_date("PIP-01", june) is None
    assert values.in_period("PIP-01", ReportPeriod.parse("2025")) == 9.0
    december = target_progress(values, ReportPeriod.parse("2025-12"), CON_02)
    assert (december.value, december.status) == (pytest.approx(50.0), d.STATUS_MET)


def test_a_period_before_the_target_starts_counting_is_not_judged():
    values = _values(_rows("CON-02", "%", [
        ("year", date(2024, 1, 1), date(2024, 12, 31), 74.0, 174.0, 100.0, None)]))
    result = target_progress(values, ReportPeriod.parse("2024-06"), CON_02)
    assert (result.status, result.value) == (d.STATUS_NOT_STARTED, None)


def test_a_rate_changes_in_percentage_points_a_count_in_percent():
    from patentflow.report.sections import flows_table

    values = _values(_months("FIN-05", "%", 2024, [40.0, 40.0]),
                     _months("FIN-05", "%", 2025, [50.0, 60.0]),
                     _months("FIN-02", "笔", 2024, [4.0, 8.0]),
                     _months("FIN-02", "笔", 2025, [5.0, 10.0]))
    table = flows_table(values, ReportPeriod.parse("2025-02"), ["FIN-05", "FIN-02"], "t")
    headers = [c.header for c in table.columns]
    rate, count = (dict(zip(headers, row, strict=True)) for row in table.rows)
    assert rate["同比（%）"] == pytest.approx(20.0)  # 60% against 40%: +20 points, not +50%
    assert rate["环比（%）"] == pytest.approx(10.0)
    assert count["同比（%）"] == pytest.approx(25.0)
    assert count["本年累计"] == 15.0 and count["累计同比（%）"] == pytest.approx(25.0)
