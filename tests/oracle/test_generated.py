"""The oracle on a generated test-scale dataset: complete, consistent and fast enough."""

from __future__ import annotations

import time

import pytest

from devtools.sandbox import generator
from tests.support.oracle import compute_indicator_values
from tests.support.oracle.catalogue import (
    CITY_ONLY_INDICATORS,
    INDICATOR_IDS,
    YEAR_ONLY_INDICATORS,
)

KEY = ["indicator_id", "period_type", "period_start", "region_code", "breakdown"]


@pytest.fixture(scope="module")
def computed():
    dataset = generator.generate_dataset(seed=42, scale=0.01)
    started = time.monotonic()
    values = compute_indicator_values(dataset)
    return dataset, values, time.monotonic() - started


def test_runs_in_well_under_thirty_seconds(computed):
    assert computed[2] < 30


def test_every_indicator_every_period_and_region_once(computed):
    dataset, values, _ = computed
    assert set(values.indicator_id) == set(INDICATOR_IDS)
    assert not values.duplicated(KEY).any()
    years = dataset.as_of.year - 2020 + 1
    months = (dataset.as_of.year - 2020) * 12 + dataset.as_of.month
    quarters = (dataset.as_of.year - 2020) * 4 + (dataset.as_of.month + 2) // 3
    totals = values[(values.breakdown == "all")]
    for indicator_id, rows in totals.groupby("indicator_id"):
        regions = 1 if indicator_id in CITY_ONLY_INDICATORS else 14
        periods = years if indicator_id in YEAR_ONLY_INDICATORS else years + quarters + months
        assert len(rows) == regions * periods, indicator_id
    unfinished = values[values.period_end == dataset.as_of]
    assert not unfinished.is_complete.any()


def test_high_value_subsets_and_rates_are_consistent(computed):
    _, values, _ = computed
    totals = values[values.breakdown == "all"].set_index(
        ["indicator_id", "period_type", "period_start", "region_code"]
    )["value"]
    assert (totals["PAT-02"] <= totals["PAT-01"]).all()
    assert (totals["PAT-04"] <= totals["PAT-02"]).all()
    assert (totals["CON-01"] <= totals["CON-03"] + 1e-9).all()
    assert (totals["CON-04"] <= totals["CON-03"] + 1e-9).all()
    rates = values[values.unit == "%"]
    bounded = rates[rates.indicator_id != "CON-02"].value.dropna()
    assert ((bounded >= 0) & (bounded <= 100)).all()
    assert totals["PAT-01"].max() > 0  # the generated data actually exercises the rules


def test_district_rows_add_up_to_no_more_than_the_city(computed):
    _, values, _ = computed
    additive = values[
        (values.breakdown == "all")
        & (values.unit != "%")
        & (values.unit != "件/万人")
        & (values.indicator_id != "FIN-03")
    ]
    city = additive[additive.region_code == "3701"].set_index(KEY[:3])["value"]
    districts = additive[additive.region_code != "3701"].groupby(KEY[:3])["value"].sum()
    assert (districts <= city.reindex(districts.index) + 1e-6).all()
