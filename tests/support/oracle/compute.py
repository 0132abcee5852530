"""`compute_indicator_values`: the whole published table, computed independently in Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .catalogue import DEFAULT_TARGETS, UNITS, Target
from .flows import emit_contract_growth, emit_contracts, emit_finance, emit_products, emit_transfers
from .history import build_histories
from .periods import ALL_TYPES, YEARS_ONLY, periods
from .reference import CITY, DEFAULT_REFERENCE_DIR, load_reference
from .sources import load_sources
from .stock import emit_open_licence_uptake, emit_patent_stock
from .tally import ALL, RowSink

COLUMNS = [
    "indicator_id",
    "period_type",
    "period_start",
    "period_end",
    "is_complete",
    "region_code",
    "breakdown",
    "value",
    "numerator",
    "denominator",
    "unit",
    "target_value",
]


def compute_indicator_values(
    dataset: Any,
    as_of: dt.date | None = None,
    base_year: int = 2023,
    pledge_threshold_wan: float = 1000.0,
    first_year: int = 2020,
    *,
    reference_dir: Path | str = DEFAULT_REFERENCE_DIR,
    targets: Iterable[Target] = DEFAULT_TARGETS,
    indicator_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every row of `indicator_values` (without release_id) for the dataset as known on as_of.

    `indicator_ids` restricts the output (the computation is the same; only rows are skipped).
    """
    as_of = as_of or dataset.as_of
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    reference = load_reference(reference_dir)
    sources = load_sources(dataset, reference)
    all_periods = periods(as_of, first_year, ALL_TYPES)
    year_periods = periods(as_of, first_year, YEARS_ONLY)

    sink = RowSink(indicator_ids)
    histories = build_histories(sources)
    emit_patent_stock(sink, histories, sources, reference, all_periods, pledge_threshold_wan)
    emit_open_licence_uptake(sink, histories, sources, reference, year_periods)
    emit_transfers(sink, sources, reference, all_periods)
    emit_contracts(sink, sources, all_periods)
    emit_contract_growth(sink, sources, year_periods, base_year, as_of)
    emit_finance(sink, sources, reference, all_periods)
    emit_products(sink, sources, year_periods)
    return _as_frame(sink.rows, list(targets))


def _as_frame(rows: list[dict], targets: list[Target]) -> pd.DataFrame:
    target_by_key = {(t.indicator_id, t.day): t.value for t in targets}
    for row in rows:
        row["unit"] = UNITS[row["indicator_id"]]
        is_city_total = row["region_code"] == CITY and row["breakdown"] == ALL
        key = (row["indicator_id"], row.pop("_nominal_end"))
        row["target_value"] = target_by_key.get(key) if is_city_total else None
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("value", "numerator", "denominator", "target_value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["is_complete"] = frame["is_complete"].astype(bool)
    return frame.sort_values(
        ["indicator_id", "period_type", "period_start", "region_code", "breakdown"],
        ignore_index=True,
    )
