"""The neutral table model the HTML and the Excel renderers share, and number formatting.

A section's numbers are computed once into ``Table``s; both outputs format them from the same
column kinds, so the HTML and the workbook can never disagree about a value or its unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

COUNT_UNITS = {"件", "次", "笔", "家", "项", "场"}
TEXT_KINDS = frozenset({"text", "nowrap", "code"})

EXCEL_FORMATS = {
    "wan": "#,##0.00",
    "count": "#,##0",
    "rate": "0.0",
    "ratio": "0.00",
    "change": "0.0",
}


def kind_for_unit(unit: str | None) -> str:
    """The number kind of an indicator unit: 万元 money, counts, % rates, 件/万人 ratios."""
    if unit == "万元":
        return "wan"
    if unit == "%":
        return "rate"
    if unit in COUNT_UNITS:
        return "count"
    return "ratio"


@dataclass(frozen=True)
class Column:
    header: str
    # text | nowrap | code | wan | count | rate | ratio | change | unit (kind from the row's
    # unit); nowrap: text never broken across lines (an id, a date, a unit, a status, a name);
    # code: a long identifier broken only after its separators (. : / _), never inside a part
    kind: str = "text"
    width: int = 14


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    unit_column: int | None = None  # index of the 单位 column that ``unit`` columns follow
    note: str = ""
    row_ids: list[str] = field(default_factory=list)  # e.g. indicator ids, for tests and anchors
    wide: bool = False  # too many columns for a portrait page: printed on a landscape one
    plain: bool = False  # a long record list: the workbook writes its cells without borders

    def cell_kind(self, row: list[Any], column_index: int) -> str:
        kind = self.columns[column_index].kind
        if kind == "unit":
            unit = row[self.unit_column] if self.unit_column is not None else None
            return kind_for_unit(unit)
        return kind


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: Any, kind: str) -> str:
    """The printed form: 万元 with two decimals and thousands separators, counts whole, rates and
    percentage changes with one decimal; missing values are an em dash."""
    if is_missing(value):
        return "—"
    if kind in TEXT_KINDS:
        return str(value)
    number = float(value)
    if kind == "wan":
        return f"{number:,.2f}"
    if kind == "count":
        return f"{number:,.0f}"
    if kind in ("rate", "change"):
        return f"{number:+.1f}" if kind == "change" else f"{number:.1f}"
    return f"{number:,.2f}"


def excel_format(kind: str) -> str | None:
    return EXCEL_FORMATS.get(kind)
