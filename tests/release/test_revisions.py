"""Revisions are exactly the difference between two releases' indicator values, and the record
changes behind them exactly the difference between their contributions (property tests)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from patentflow.release.contributions import LINEAGE, RECORD_KEY
from patentflow.release.record_diff import record_changes
from patentflow.release.registry import INDICATOR_KEY, revisions_between
from tests.support.properties import examples

KEYS = [("PAT-01", "year", date(2024, 1, 1), region, breakdown)
        for region in ("3701", "370102", "370176")
        for breakdown in ("all", "party_type=university")]
VALUES = st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False))
RELEASE = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=len(KEYS))


def frame(values: dict) -> pd.DataFrame:
    rows = [(*key, value) for key, value in values.items()]
    return pd.DataFrame(rows, columns=[*INDICATOR_KEY, "value"]).astype({"value": "float64"})


def same(a: float | None, b: float | None) -> bool:
    a_null = a is None or (isinstance(a, float) and math.isnan(a))
    b_null = b is None or (isinstance(b, float) and math.isnan(b))
    return a_null == b_null and (a_null or abs(a - b) <= 1e-9)


@settings(max_examples=examples(150), deadline=None)
@given(old=RELEASE, new=RELEASE)
def test_applying_the_revisions_to_the_old_release_gives_the_new_one(old: dict, new: dict) -> None:
    changes = revisions_between(frame(old), frame(new), include_added=True)

    rebuilt = dict(old)
    for row in changes.itertuples(index=False):
        key = tuple(getattr(row, column) for column in INDICATOR_KEY)
        key = (*key[:2], pd.Timestamp(key[2]).date(), *key[3:])
        if row.change == "removed":
            assert key in old and key not in new
            del rebuilt[key]
        else:
            assert same(row.old_value, old.get(key)) and same(row.new_value, new[key])
            if row.change == "changed":
                assert key in old and not same(old[key], new[key])
                if not (pd.isna(row.old_value) or pd.isna(row.new_value)):
                    assert math.isclose(row.delta, row.new_value - row.old_value)
            rebuilt[key] = new[key]

    assert rebuilt.keys() == new.keys()
    assert all(same(rebuilt[key], new[key]) for key in new)


@settings(max_examples=examples(50), deadline=None)
@given(values=RELEASE)
def test_a_release_has_no_revisions_against_itself(values: dict) -> None:
    assert revisions_between(frame(values), frame(values), include_added=True).empty


# ---- the records behind the revisions (``patentflow diff --explain``) ------------------------

VALUE_KEYS = [("CON-01", "month", date(2025, 3, 1), region, "all")
              for region in ("3701", "370102", "370103")]
RECORDS = [("contract", f"C{n}") for n in range(4)]
AMOUNTS = st.sampled_from([0.0, 1.0, 2.5, 80.0, 120.5])
CONTRIBUTIONS = st.dictionaries(st.tuples(st.sampled_from(VALUE_KEYS), st.sampled_from(RECORDS)),
                                st.tuples(AMOUNTS, st.integers(1, 3)), max_size=12)


def contributions_frame(records: dict) -> pd.DataFrame:
    """Contribution rows (amount, and the row of the delivery it came from) of one release."""
    rows = [(*key, "value", kind, record_key, amount, "tech_contract_drop", f"batch{row}",
             f"contracts_{row}.csv", row)
            for (key, (kind, record_key)), (amount, row) in records.items()]
    return pd.DataFrame(rows, columns=[*RECORD_KEY, "amount", *LINEAGE]).astype(
        {"amount": "float64"})


def aggregated(records: pd.DataFrame) -> pd.DataFrame:
    """The values as the release publishes them: the sum of their contributions."""
    return (records.groupby(INDICATOR_KEY, as_index=False)["amount"].sum()
            .rename(columns={"amount": "value"}))


@settings(max_examples=examples(40), deadline=None)  # each example runs one DuckDB comparison
@given(old=CONTRIBUTIONS, new=CONTRIBUTIONS)
def test_the_record_changes_add_up_to_every_revision_and_rebuild_the_new_release(
        old: dict, new: dict) -> None:
    old_records, new_records = contributions_frame(old), contributions_frame(new)
    changes = record_changes(old_records, new_records)
    revisions = revisions_between(aggregated(old_records), aggregated(new_records))

    by_value = changes.groupby(INDICATOR_KEY)["amount_delta"].sum()
    for row in revisions.itertuples(index=False):
        key = (row.indicator_id, row.period_type, pd.Timestamp(row.period_start),
               row.region_code, row.breakdown)
        new_value = 0.0 if row.change == "removed" else row.new_value
        assert math.isclose(by_value.get(key, 0.0), new_value - row.old_value, abs_tol=1e-9)

    rebuilt = {(key, record): amount for (key, record), (amount, _) in old.items()}
    for change in changes.to_dict("records"):
        key = (*(change[c] for c in INDICATOR_KEY[:2]), change["period_start"].date(),
               change["region_code"], change["breakdown"])
        record = (change["record_kind"], change["record_key"])
        assert same(change["old_amount"], rebuilt.get((key, record)))
        if change["record_change"] == "left":
            del rebuilt[(key, record)]
        else:
            rebuilt[(key, record)] = change["new_amount"]
    assert rebuilt == {(key, record): amount for (key, record), (amount, _) in new.items()}
