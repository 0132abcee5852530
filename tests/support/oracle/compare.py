"""Compare an expected and an actual `indicator_values` table and describe every difference.

The e2e test prints the result, so it has to be readable: a count per indicator and kind of
difference, then the first few concrete rows of each.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import pandas as pd

KEY = ["indicator_id", "period_type", "period_start", "region_code", "breakdown"]
NUMERIC = ["value", "numerator", "denominator", "target_value"]
TEXT = ["period_end", "is_complete", "unit"]


def _normalised(frame: pd.DataFrame, indicator_ids: Iterable[str] | None) -> pd.DataFrame:
    frame = frame.copy()
    if indicator_ids is not None:
        frame = frame[frame["indicator_id"].isin(set(indicator_ids))]
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    for column in ("indicator_id", "period_type", "region_code", "breakdown", "unit"):
        frame[column] = frame[column].astype(str)
    frame["is_complete"] = frame["is_complete"].astype(bool)
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def _differs(expected: float, actual: float, tol: float) -> bool:
    expected_missing, actual_missing = math.isnan(expected), math.isnan(actual)
    if expected_missing or actual_missing:
        return expected_missing != actual_missing
    return abs(expected - actual) > tol * max(1.0, abs(expected))


def compare(
    expected: pd.DataFrame,
    actual: pd.DataFrame,
    tol: float = 1e-6,
    indicator_ids: Iterable[str] | None = None,
    max_examples: int = 5,
) -> list[str]:
    """Human-readable mismatches (empty list: the tables agree within `tol`, relative ≥ 1).

    Reports missing rows (in expected only), extra rows (in actual only), duplicate keys and
    differences in value, numerator, denominator, target_value, period_end, is_complete and unit.
    """
    ids = list(indicator_ids) if indicator_ids is not None else None
    left, right = _normalised(expected, ids), _normalised(actual, ids)
    problems: dict[tuple[str, str], list[str]] = defaultdict(list)

    for name, frame in (("expected", left), ("actual", right)):
        duplicated = frame[frame.duplicated(KEY, keep=False)].drop_duplicates(KEY)
        for fields in duplicated.to_dict("records"):
            problems[(fields["indicator_id"], f"duplicate key in {name}")].append(_key_text(fields))

    merged = left.drop_duplicates(KEY).merge(
        right.drop_duplicates(KEY),
        on=KEY,
        how="outer",
        suffixes=("_exp", "_act"),
        indicator="side",
    )
    for fields in merged.to_dict("records"):
        key_text = _key_text(fields)
        if fields["side"] == "left_only":
            problems[(fields["indicator_id"], "missing row")].append(key_text)
            continue
        if fields["side"] == "right_only":
            problems[(fields["indicator_id"], "extra row")].append(key_text)
            continue
        for column in NUMERIC:
            want, got = fields[f"{column}_exp"], fields[f"{column}_act"]
            if _differs(want, got, tol):
                problems[(fields["indicator_id"], f"{column} differs")].append(
                    f"{key_text}: expected {want!r}, actual {got!r}"
                )
        for column in TEXT:
            want, got = fields[f"{column}_exp"], fields[f"{column}_act"]
            if want != got:
                problems[(fields["indicator_id"], f"{column} differs")].append(
                    f"{key_text}: expected {want!r}, actual {got!r}"
                )

    counts = Counter({kind: len(examples) for kind, examples in problems.items()})
    if not counts:
        return []
    affected = sorted({indicator_id for indicator_id, _ in counts})
    report = [f"{sum(counts.values())} differences in {len(affected)} indicators: {affected}"]
    for (indicator_id, kind), count in sorted(counts.items()):
        report.append(f"{indicator_id}: {count} × {kind}")
        report.extend(f"    {example}" for example in problems[(indicator_id, kind)][:max_examples])
    return report


def _key_text(fields: dict) -> str:
    return (
        f"{fields['indicator_id']} {fields['period_type']} {fields['period_start']} "
        f"{fields['region_code']} {fields['breakdown']}"
    )
