"""One fixed history per seed: ``as_of`` only decides how much of it has happened yet.

A sandbox started for a later day serves, for any earlier day, exactly what a sandbox started
for that day serves; and the next day's world contains the previous day's unchanged."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from devtools.sandbox import generator
from devtools.sandbox.generator import generate_dataset

BEIJING = timezone(timedelta(hours=8))
DAY = date(2025, 6, 30)


def _fresh(as_of: date):
    generator.generate_history.cache_clear()  # a new sandbox process, not a shared cache
    return generate_dataset(seed=5, scale=0.01, as_of=as_of, invalid_share=0.01)


def _served_by_end_of(dataset, day: date) -> dict:
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), BEIJING)
    return {
        "api": {entity: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False)
                               for r in records if datetime.fromisoformat(r["updated_at"]) < end)
                for entity, records in dataset.api_records.items()},
        "drop": sorted((d.name, json.dumps(d.rows, ensure_ascii=False, default=str))
                       for d in dataset.drop_files if d.delivered <= day),
    }


@pytest.mark.parametrize("later", [DAY + timedelta(days=1), date(2026, 11, 26)])
def test_a_sandbox_started_later_serves_the_same_records_for_an_earlier_day(later):
    started_for_day = _fresh(DAY)
    started_later = _fresh(later)
    assert _served_by_end_of(started_later, DAY) == _served_by_end_of(started_for_day, DAY)
    # and nothing it serves for DAY is dated after DAY
    assert _served_by_end_of(started_for_day, DAY) == _served_by_end_of(started_for_day, later)


def test_the_next_day_adds_to_the_world_and_changes_nothing_already_served():
    today, tomorrow = _fresh(DAY), _fresh(DAY + timedelta(days=1))
    grown = False
    for entity, records in today.api_records.items():
        served_today = {json.dumps(r, sort_keys=True) for r in records}
        served_tomorrow = {json.dumps(r, sort_keys=True) for r in tomorrow.api_records[entity]}
        assert served_today <= served_tomorrow, entity
        grown = grown or served_today < served_tomorrow
    assert grown  # something happened on the next day
    assert {d.name for d in today.drop_files} <= {d.name for d in tomorrow.drop_files}
    assert today.planted_invalid == [p for p in tomorrow.planted_invalid
                                     if p in today.planted_invalid]


def test_a_patent_granted_long_ago_is_served_granted_before_it_ends():
    dataset = _fresh(DAY)
    newest = {}
    for record in dataset.api_records["patents"]:
        key = record["application_no"].removeprefix("CN").replace(".", "")
        if key not in newest or record["updated_at"] >= newest[key]["updated_at"]:
            newest[key] = record
    granted_before_2023 = [r for r in newest.values()
                           if r["grant_date"] and r["grant_date"] < "2023-01-01"]
    assert granted_before_2023
    assert all(r["legal_status"] in ("granted", "lapsed", "expired", "abandoned", "invalidated")
               for r in granted_before_2023)
    # every record version says only what had happened by its updated_at
    for record in dataset.api_records["patents"]:
        if record["grant_date"] and record["grant_date"][:4].isdigit():
            assert record["grant_date"] <= record["updated_at"][:10]


def test_days_after_the_end_of_the_history_are_refused():
    with pytest.raises(ValueError, match="history ends"):
        generate_dataset(as_of=generator.HISTORY_END + timedelta(days=1))
