"""The oracle's patent-state rules (in force, owners on D) through PAT-01, and the periods."""

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
    event,
    party,
    patent,
)


def granted_patent(dataset: Dataset, grant_day: str, **fields) -> str:
    number = application_no()
    dataset.api_records["patents"].append(patent(number, **fields))
    dataset.api_records["legal-events"].append(event(number, "GR01", grant_day))
    return number


def pat01(dataset: Dataset, **options):
    return compute_indicator_values(dataset, indicator_ids=["PAT-01"], **options)


def test_the_owner_on_d_follows_transfers():
    dataset = Dataset(as_of=dt.date(2023, 12, 31))
    number = granted_patent(dataset, "2020-05-10", applicants=[party(LIXIA)])
    dataset.api_records["legal-events"] += [
        event(number, "TR01", "2022-03-15", [party(LIXIA)], [party(QINGDAO), party(LIXIA)]),
        event(number, "TR01", "2023-01-10", [party(QINGDAO)], [party(HIGH_TECH_ZONE)]),
    ]
    values = pat01(dataset)

    assert cell(values, "PAT-01", "month", "2020-04-01") == 0  # not granted yet
    assert cell(values, "PAT-01", "month", "2020-05-01", LIXIA) == 1
    assert cell(values, "PAT-01", "month", "2022-02-01", LIXIA) == 1
    # The first owner after the transfer is in Qingdao: not a Jinan patent any more.
    assert cell(values, "PAT-01", "month", "2022-03-01") == 0
    assert cell(values, "PAT-01", "month", "2022-03-01", LIXIA) == 0
    assert cell(values, "PAT-01", "year", "2023-01-01", HIGH_TECH_ZONE) == 1
    assert cell(values, "PAT-01", "year", "2023-01-01", LIXIA) == 0
    assert cell(values, "PAT-01", "year", "2023-01-01", breakdown="party_type=enterprise") == 1
    assert cell(values, "PAT-01", "year", "2023-01-01", breakdown="party_type=university") == 0


def test_a_lapse_ends_force_until_restored():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    number = granted_patent(dataset, "2020-01-05")
    dataset.api_records["legal-events"] += [
        event(number, "CF01", "2021-04-01"),
        event(number, "RR01", "2021-08-01"),
    ]
    values = pat01(dataset)

    assert cell(values, "PAT-01", "month", "2021-03-01") == 1
    assert cell(values, "PAT-01", "month", "2021-04-01") == 0
    assert cell(values, "PAT-01", "month", "2021-07-01") == 0
    assert cell(values, "PAT-01", "quarter", "2021-07-01") == 1  # D = 2021-09-30
    assert cell(values, "PAT-01", "month", "2021-08-01") == 1


def test_a_second_lapse_needs_its_own_restoration_and_expiry_is_final():
    dataset = Dataset(as_of=dt.date(2022, 12, 31))
    lapsed_twice = granted_patent(dataset, "2020-01-05")
    surrendered = granted_patent(dataset, "2020-01-05", applicants=[party(HIGH_TECH_ZONE)])
    dataset.api_records["legal-events"] += [
        event(lapsed_twice, "CF01", "2021-02-01"),
        event(lapsed_twice, "RR01", "2021-03-01"),
        event(lapsed_twice, "CF01", "2022-02-01"),
        event(surrendered, "AV01", "2022-06-30"),
        event(surrendered, "RR01", "2022-07-01"),  # RR01 restores lapses only
    ]
    values = pat01(dataset)

    assert cell(values, "PAT-01", "month", "2021-02-01", LIXIA) == 0
    assert cell(values, "PAT-01", "month", "2021-03-01", LIXIA) == 1
    assert cell(values, "PAT-01", "month", "2022-02-01", LIXIA) == 0
    assert cell(values, "PAT-01", "month", "2022-05-01", HIGH_TECH_ZONE) == 1
    assert cell(values, "PAT-01", "quarter", "2022-04-01", HIGH_TECH_ZONE) == 0
    assert cell(values, "PAT-01", "year", "2022-01-01", HIGH_TECH_ZONE) == 0


def test_revoked_events_count_as_never_having_happened():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    kept = granted_patent(dataset, "2020-01-05")
    never_granted = application_no()
    dataset.api_records["patents"].append(patent(never_granted))
    dataset.api_records["legal-events"] += [
        event(kept, "CX01", "2021-01-01", revoked=True),
        event(kept, "TR01", "2021-02-01", [party(LIXIA)], [party(QINGDAO)], revoked=True),
        event(never_granted, "GR01", "2020-03-01", revoked=True),
    ]
    values = pat01(dataset)

    assert cell(values, "PAT-01", "year", "2021-01-01") == 1
    assert cell(values, "PAT-01", "year", "2021-01-01", LIXIA) == 1


def test_a_revocation_arriving_as_a_newer_version_of_the_event():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    number = granted_patent(dataset, "2020-01-05")
    lapse = event(
        number, "CF01", "2021-01-01", event_id="EV-9", updated_at="2021-01-02T08:00:00+08:00"
    )
    dataset.api_records["legal-events"] += [
        lapse,
        {**lapse, "revoked": True, "updated_at": "2021-06-01T08:00:00+08:00"},
    ]
    values = pat01(dataset)

    assert cell(values, "PAT-01", "month", "2021-02-01") == 1


def test_only_in_force_inventions_of_jinan_first_owners_count():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    granted_patent(dataset, "2020-01-05", patent_type="utility_model")
    granted_patent(dataset, "2020-01-05", applicants=[party(QINGDAO), party(LIXIA)])
    granted_patent(dataset, "2020-01-05", applicants=[party("370199")])  # city total only
    granted_patent(dataset, "2020-01-05", applicants=[party(None, country="US")])
    values = pat01(dataset)

    assert cell(values, "PAT-01", "year", "2021-01-01") == 1
    assert cell(values, "PAT-01", "year", "2021-01-01", LIXIA) == 0


def test_bad_check_digit_quarantines_the_patent_and_prefixes_are_normalised():
    dataset = Dataset(as_of=dt.date(2021, 12, 31))
    good = application_no()
    bad = good[:-1] + ("1" if good.endswith("0") else "0")
    body, check = good.split(".")
    dataset.api_records["patents"] += [patent("CN" + body + check), patent(bad)]
    dataset.api_records["legal-events"] += [
        event("CN" + good, "GR01", "2020-01-05"),
        event(bad, "GR01", "2020-01-05"),
    ]
    values = pat01(dataset)

    assert cell(values, "PAT-01", "year", "2021-01-01") == 1


def test_an_unfinished_period_ends_on_as_of():
    dataset = Dataset(as_of=dt.date(2023, 2, 15))
    number = granted_patent(dataset, "2020-01-05")
    dataset.api_records["legal-events"].append(event(number, "CF01", "2023-02-20"))
    values = pat01(dataset)

    year = values[(values.period_type == "year") & (values.period_start == dt.date(2023, 1, 1))]
    assert set(year.period_end) == {dt.date(2023, 2, 15)}
    assert set(year.is_complete) == {False}
    january = values[(values.period_type == "month") & (values.period_start == dt.date(2023, 1, 1))]
    assert set(january.period_end) == {dt.date(2023, 1, 31)}
    assert set(january.is_complete) == {True}
    assert cell(values, "PAT-01", "quarter", "2023-01-01") == 1  # D = as_of, before the lapse
    assert values[values.period_start == dt.date(2023, 3, 1)].empty
    months = values[
        (values.period_type == "month")
        & (values.region_code == "3701")
        & (values.breakdown == "all")
    ]
    assert len(months) == 3 * 12 + 2  # 2020-01 … 2023-02
    assert len(values[values.period_type == "year"].period_start.unique()) == 4


def test_every_region_and_breakdown_has_a_row():
    values = pat01(Dataset(as_of=dt.date(2020, 1, 31)))

    month = values[values.period_type == "month"]
    assert len(month) == 14 * (1 + 5 + 6)  # regions × (all + chains + party types)
    assert (month.value == 0).all()
    assert set(month.unit) == {"件"}
