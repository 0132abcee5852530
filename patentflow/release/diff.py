"""``patentflow diff``: the revisions between two releases, summarised for people.

Two releases of a whole history can differ in tens of thousands of values; nobody reads that.
So a diff is computed once into a :class:`ReleaseDiff` (filtered rows plus a per-indicator
summary) and rendered separately: the console gets the summary first and the largest changes,
``--csv`` every row. New keys (a period that did not exist before) are counted, not listed: they
are additions, not revisions. ``--explain`` adds why each revision happened: the records that
entered, left or changed amount (``record_diff``), printed under each revision and written one
row per record to the CSV; the value computation does not change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from patentflow.core.settings import Settings
from patentflow.release import contributions, record_diff
from patentflow.release.registry import (
    INDICATOR_KEY,
    REVISION_COLUMNS,
    read_indicator_values,
    resolve_warehouse,
    revisions_between,
)

DEFAULT_LIMIT = 20
RECORDS_PER_REVISION = 10
"""How many record changes ``--explain`` prints under each revision (the CSV holds all)."""
SUMMARY_COLUMNS = ["indicator_id", "changed", "removed", "added", "largest_delta",
                   "largest_key", "largest_old", "largest_new"]


class BadFilter(ValueError):
    """A filter argument that names no period, region or indicator form (a usage error)."""


@dataclass(frozen=True)
class PeriodFilter:
    """``YYYY`` (every row starting in that year), ``YYYY-Qn`` (the quarter and its months) or
    ``YYYY-MM`` (that month's rows)."""

    text: str
    first: date
    last: date  # inclusive: rows whose period starts in [first, last]
    types: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> PeriodFilter:
        value = text.strip()
        if match := re.fullmatch(r"(\d{4})", value):
            year = int(match[1])
            return cls(value, date(year, 1, 1), date(year, 12, 31),
                       frozenset({"year", "quarter", "month"}))
        if match := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
            year, quarter = int(match[1]), int(match[2])
            first = date(year, 3 * quarter - 2, 1)
            return cls(value, first, date(year, 3 * quarter, 1), frozenset({"quarter", "month"}))
        if match := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = int(match[1]), int(match[2])
            if 1 <= month <= 12:
                first = date(year, month, 1)
                return cls(value, first, first, frozenset({"month"}))
        raise BadFilter(f"--period {text!r}: expected YYYY, YYYY-Qn or YYYY-MM")

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        starts = pd.to_datetime(frame["period_start"]).dt.date
        return (frame["period_type"].isin(self.types)
                & (starts >= self.first) & (starts <= self.last))


@dataclass(frozen=True)
class DiffFilters:
    """Which revisions to keep; an empty tuple keeps everything on that axis.

    Indicators match exactly (``CON-02``) or by family (``CON``).
    """

    indicators: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    periods: tuple[PeriodFilter, ...] = ()

    @classmethod
    def parse(cls, indicators: list[str] | None = None, regions: list[str] | None = None,
              periods: list[str] | None = None) -> DiffFilters:
        def split(values: list[str] | None) -> tuple[str, ...]:
            return tuple(part.strip() for value in values or [] for part in value.split(",")
                         if part.strip())

        for region in split(regions):
            if not re.fullmatch(r"\d{4}|\d{6}", region):
                raise BadFilter(f"--region {region!r}: expected a region code (4 or 6 digits)")
        for indicator in split(indicators):
            if not re.fullmatch(r"[A-Za-z]{3}(-\d{2})?", indicator):
                raise BadFilter(f"--indicator {indicator!r}: expected an id (CON-02) or a "
                                "family (CON)")
        return cls(tuple(i.upper() for i in split(indicators)), split(regions),
                   tuple(PeriodFilter.parse(p) for p in split(periods)))

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        keep = pd.Series(True, index=frame.index)
        if self.indicators:
            families = frame["indicator_id"].str.split("-").str[0]
            keep &= frame["indicator_id"].isin(self.indicators) | families.isin(self.indicators)
        if self.regions:
            keep &= frame["region_code"].isin(self.regions)
        if self.periods:
            in_any = pd.Series(False, index=frame.index)
            for period in self.periods:
                in_any |= period.mask(frame)
            keep &= in_any
        return frame[keep]

    def describe(self) -> str:
        parts = [f"{name} {', '.join(values)}" for name, values in (
            ("indicator", self.indicators), ("region", self.regions),
            ("period", tuple(p.text for p in self.periods))) if values]
        return "; ".join(parts)


@dataclass
class ReleaseDiff:
    """The revisions from release ``a`` to release ``b`` that pass ``filters``.

    ``rows``: one row per revised key (``INDICATOR_KEY``, old and new value, delta, change),
    largest absolute change first; ``summary``: one row per indicator. Explained
    (``--explain``): ``records`` holds the record changes behind ``rows``
    (``record_diff.CHANGE_COLUMNS``) and ``rows`` gains ``records`` (how many) and
    ``unexplained`` (the part of a count's or sum's change no record accounts for).
    """

    a: str
    b: str
    filters: DiffFilters
    rows: pd.DataFrame
    summary: pd.DataFrame
    added: int
    notes: list[str] = field(default_factory=list)
    records: pd.DataFrame | None = None

    @property
    def explained(self) -> bool:
        return self.records is not None


def _by_size(frame: pd.DataFrame) -> pd.DataFrame:
    """Largest absolute change first; a value that appeared or vanished (no delta) before the
    numeric ones, since it is the biggest change a reader can meet."""
    size = frame["delta"].abs().fillna(float("inf"))
    return (frame.assign(_size=size)
            .sort_values(["_size", *INDICATOR_KEY], ascending=[False, *[True] * 5])
            .drop(columns="_size").reset_index(drop=True))


def key_text(row: pd.Series) -> str:
    start = pd.Timestamp(row["period_start"]).date().isoformat()
    return f"{row['region_code']} {row['period_type']} {start} {row['breakdown']}"


def _summary(revisions: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    records = []
    for indicator in sorted(set(revisions["indicator_id"]) | set(added["indicator_id"])):
        group = revisions[revisions["indicator_id"] == indicator]
        top = group.iloc[0] if len(group) else None
        records.append({
            "indicator_id": indicator,
            "changed": int((group["change"] == "changed").sum()),
            "removed": int((group["change"] == "removed").sum()),
            "added": int((added["indicator_id"] == indicator).sum()),
            "largest_delta": None if top is None else top["delta"],
            "largest_key": "" if top is None else key_text(top),
            "largest_old": None if top is None else top["old_value"],
            "largest_new": None if top is None else top["new_value"],
        })
    return pd.DataFrame(records, columns=SUMMARY_COLUMNS)


def diff(settings: Settings, a: str, b: str, filters: DiffFilters | None = None,
         explain: bool = False) -> ReleaseDiff:
    """Revisions from ``a`` to ``b`` (either may be ``current``), filtered and summarised;
    ``explain``: with the record changes behind them."""
    filters = filters or DiffFilters()
    old_warehouse, new_warehouse = resolve_warehouse(settings, a), resolve_warehouse(settings, b)
    changes = revisions_between(read_indicator_values(old_warehouse),
                                read_indicator_values(new_warehouse), include_added=True)
    changes = filters.apply(changes)
    added = changes[changes["change"] == "added"]
    revisions = _by_size(changes[changes["change"] != "added"])
    result = ReleaseDiff(a, b, filters, revisions, _summary(revisions, added), len(added))
    if explain:
        try:
            _attach_records(result, record_diff.explain_revisions(old_warehouse, new_warehouse,
                                                                  revisions))
        except contributions.NoContributions as missing:
            result.notes.append(f"cannot explain: {missing}")
    return result


def _attach_records(result: ReleaseDiff, records: pd.DataFrame) -> None:
    counts = records.groupby(INDICATOR_KEY).size().rename("records").reset_index()
    rows = result.rows.assign(period_start=pd.to_datetime(result.rows["period_start"]))
    rows = rows.merge(counts, on=INDICATOR_KEY, how="left")
    rows["records"] = rows["records"].fillna(0).astype(int)
    rows["unexplained"] = record_diff.unexplained(rows, records)
    result.rows, result.records = rows, records


# ---- rendering ---------------------------------------------------------------------------


def _number(value: object) -> str:
    if value is None or pd.isna(value):
        return "null"
    return f"{float(value):,.4f}".rstrip("0").rstrip(".")


def _signed(value: object) -> str:
    if value is None or pd.isna(value):
        return "(null)"
    return ("+" if float(value) >= 0 else "") + _number(value)


def summary_text(result: ReleaseDiff) -> str:
    scope = f" ({result.filters.describe()})" if result.filters.describe() else ""
    head = f"{len(result.rows):,} revisions from {result.a} to {result.b}{scope}"
    if result.added:
        head += f"; {result.added:,} new keys (not revisions, not listed)"
    if result.summary.empty:
        return head
    lines = [head, "", f"{'indicator':<10} {'changed':>9} {'removed':>8} {'added':>7}  "
                       "largest change"]
    for row in result.summary.itertuples(index=False):
        largest = "" if not row.largest_key else (
            f"{_signed(row.largest_delta)} at {row.largest_key} "
            f"({_number(row.largest_old)} -> {_number(row.largest_new)})")
        lines.append(f"{row.indicator_id:<10} {row.changed:>9,} {row.removed:>8,} "
                     f"{row.added:>7,}  {largest}".rstrip())
    return "\n".join(lines)


def rows_text(result: ReleaseDiff, limit: int = DEFAULT_LIMIT) -> str:
    if result.rows.empty:
        return ""
    shown = result.rows.head(max(limit, 0))
    if result.explained:
        lines = [f"largest {len(shown):,} of {len(result.rows):,} revisions, each with the records "
                 "that entered, left or changed amount:"]
        by_value = dict(tuple(result.records.groupby(INDICATOR_KEY, sort=False)))
        for row in shown.to_dict("records"):
            key = tuple(pd.Timestamp(row[c]) if c == "period_start" else row[c]
                        for c in INDICATOR_KEY)
            mine = by_value.get(key, result.records.iloc[0:0])
            lines += ["", *_explained_revision(row, mine)]
    else:
        table = shown.assign(period_start=pd.to_datetime(shown["period_start"]).dt.date)
        lines = [f"largest {len(shown):,} of {len(result.rows):,} revisions:"]
        if len(shown):
            lines.append(table[REVISION_COLUMNS].to_string(index=False))
    if len(result.rows) > len(shown):
        if result.explained:
            lines.append("")
        lines.append(f"... {len(result.rows) - len(shown):,} more: --limit N to show more, "
                     "--csv FILE for every row")
    return "\n".join(lines)


def lineage_text(source: object, batch_id: object, origin: object, row_number: object) -> str:
    """Where a record came from: the file (or API origin) and row, its batch and source."""
    if all(is_missing(value) for value in (source, batch_id, origin)):
        return "(no lineage)"
    where = "" if is_missing(origin) else str(origin)
    if not is_missing(row_number):
        where += f" row {int(row_number)}"
    return f"{where.strip()} [batch {batch_id}, {source}]"


def is_missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def _side(record: dict, side: str) -> str:
    return lineage_text(*(record[f"{side}_{column}"] for column in contributions.LINEAGE))


def record_text(record: dict) -> str:
    """One record change: what changed, by how much, and the lineage of the version(s) involved
    (the counted one for a record that left, the new one for a record that entered)."""
    role = "" if record["role"] == "value" else f"{record['role']} "
    what = f"  {role}{record['record_change']:<7} {record['record_kind']} {record['record_key']}"
    moved = "" if is_missing(record["moved_region"]) else (
        f" (moved {'to' if record['record_change'] == record_diff.LEFT else 'from'} "
        f"{record['moved_region']})")
    if record["record_change"] == record_diff.AMOUNT:
        old, new = _side(record, "old"), _side(record, "new")
        amount = (f"{_number(record['old_amount'])} -> {_number(record['new_amount'])} "
                  f"({_signed(record['amount_delta'])})")
        where = old if old == new else f"{old} -> {new}"
    else:
        amount = _signed(record["amount_delta"])
        where = _side(record, "old" if record["record_change"] == record_diff.LEFT else "new")
    return f"{what}  {amount}{moved}  {where}"


def _explained_revision(row: dict, mine: pd.DataFrame) -> list[str]:
    """A revision's line, then its record changes (``mine``), at most RECORDS_PER_REVISION."""
    head = (f"{row['indicator_id']} {key_text(pd.Series(row))}: {_number(row['old_value'])} -> "
            f"{_number(row['new_value'])} ({_signed(row['delta'])}), {len(mine):,} record "
            f"change{'' if len(mine) == 1 else 's'}")
    lines = [head, *(record_text(r) for r in mine.head(RECORDS_PER_REVISION).to_dict("records"))]
    if len(mine) > RECORDS_PER_REVISION:
        lines.append(f"  ... {len(mine) - RECORDS_PER_REVISION:,} more records: --csv FILE for "
                     "all of them")
    gap = row.get("unexplained")
    if gap is not None and not pd.isna(gap) and gap != 0:
        lines.append(f"  not accounted for by any record: {_signed(gap)}")
    return lines


def diff_text(result: ReleaseDiff, limit: int = DEFAULT_LIMIT) -> str:
    if result.rows.empty and not result.added:
        scope = f" ({result.filters.describe()})" if result.filters.describe() else ""
        return "\n".join([f"no revisions between {result.a} and {result.b}{scope}",
                          *result.notes])
    parts = (summary_text(result), "\n".join(result.notes), rows_text(result, limit))
    return "\n\n".join(part for part in parts if part)


def csv_frame(result: ReleaseDiff) -> pd.DataFrame:
    """What ``--csv`` writes: every filtered revision (largest first); explained, one row per
    record change under its revision's columns (a revision without any: one row, no record)."""
    rows = result.rows.assign(period_start=pd.to_datetime(result.rows["period_start"]))
    if not result.explained:
        return rows[REVISION_COLUMNS].assign(period_start=rows["period_start"].dt.date)
    frame = rows[[*REVISION_COLUMNS, "unexplained"]].merge(result.records, on=INDICATOR_KEY,
                                                            how="left")
    ordered = [*REVISION_COLUMNS, "unexplained",
               *(c for c in record_diff.CHANGE_COLUMNS if c not in INDICATOR_KEY)]
    return frame[ordered].assign(period_start=frame["period_start"].dt.date)


def write_csv(result: ReleaseDiff, path: Path) -> int:
    """``csv_frame`` as CSV; returns the number of rows."""
    frame = csv_frame(result)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return len(frame)
