"""Revisions are exactly the difference between two releases' indicator values (property test)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

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
