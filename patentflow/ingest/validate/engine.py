"""Record validation: typed values for good records, a reason code for every bad one.

Pure functions, column-at-a-time (pandas/pyarrow) so that a 100,000-row file or a 1,000-record
page is checked in a few vectorised passes; only the fields that are lists (parties, application
number lists) need a Python loop. Nothing here raises on bad input: every row ends either valid
(with typed values) or rejected with the first failing field's stable ``reason_code`` (see
``REASON_CODES``) and a human reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from patentflow.core.catalogue import REASONS
from patentflow.ingest.raw_schema import RAW_TABLES
from patentflow.ingest.validate import enumerations
from patentflow.ingest.validate.application_numbers import normalise_application_nos

# Stable reason codes (written to audit.quarantine.reason_code), with their English reason; the
# catalogue (patentflow.core.catalogue) holds them with their Chinese labels.
REASON_CODES: dict[str, str] = {code: reason.en for code, reason in REASONS.items()}

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})"
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


@dataclass(frozen=True)
class Field:
    """One typed output column: where it comes from and what it must satisfy."""

    name: str
    kind: str
    required: bool = False
    values: frozenset[str] = frozenset()
    pattern: str = enumerations.REGION_PATTERN
    extra_allowed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class EntitySpec:
    entity: str
    fields: tuple[Field, ...]
    cross_checks: tuple[Callable[[dict[str, pa.Array], dict[str, Any]], CheckResult], ...] = ()

    @property
    def key(self) -> tuple[str, ...]:
        return RAW_TABLES[self.entity].key


@dataclass
class CheckResult:
    """Per-row failure codes of one check (``None`` = passed) and a reason formatter."""

    codes: np.ndarray
    describe: Callable[[int], str]


@dataclass
class ValidatedColumns:
    """Result of validating a batch of rows: typed columns for all rows plus each row's verdict."""

    typed: dict[str, pa.Array]
    reason_codes: np.ndarray  # object array: None where the row is valid
    reasons: list[str | None] = field(default_factory=list)

    @property
    def valid_mask(self) -> np.ndarray:
        return np.array([code is None for code in self.reason_codes], dtype=bool)


def short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_strings(values: Sequence[Any] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.string())
    return pa.array(list(values), type=pa.string())


def _clean_scalars(values: Sequence[Any] | pa.Array) -> pa.Array:
    """Trim strings and turn blanks into nulls; the scalar kinds see ``string`` arrays only."""
    trimmed = pc.utf8_trim_whitespace(_as_strings(values))
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def to_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Boolean Arrow array → numpy bool, nulls as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _present(array: pa.Array) -> np.ndarray:
    return to_mask(pc.is_valid(array))


def no_failures(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def mark_failures(codes: np.ndarray, mask: Any, code: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    codes[mask & np.equal(codes, None)] = code


def _fullmatch(array: pa.Array, pattern: str) -> np.ndarray:
    return to_mask(pc.match_substring_regex(array, f"^(?:{pattern})$"))


def _check_text(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    return array, no_failures(len(array))


def _check_ipc_main(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    return pc.replace_substring_regex(array, r"\s+", ""), no_failures(len(array))


_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _check_date(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    """Strict ``YYYY-MM-DD`` with a real calendar day (``2021-02-30`` fails), vectorised."""
    codes = no_failures(len(array))
    shaped = _fullmatch(array, _DATE)
    candidates = pc.if_else(pa.array(shaped), array, "2000-01-01")
    year = pc.cast(pc.utf8_slice_codeunits(candidates, 0, 4), pa.int64()).to_numpy()
    month = pc.cast(pc.utf8_slice_codeunits(candidates, 5, 7), pa.int64()).to_numpy()
    day = pc.cast(pc.utf8_slice_codeunits(candidates, 8, 10), pa.int64()).to_numpy()
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    limit = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] - ((month == 2) & ~leap)
    ok = shaped & month_ok & (day >= 1) & (day <= limit) & (year >= 1)
    mark_failures(codes, _present(array) & ~ok, "invalid_date")
    valid_text = pc.if_else(pa.array(ok), array, pa.scalar(None, pa.string()))
    typed = pc.strptime(valid_text, format="%Y-%m-%d", unit="s", error_is_null=True)
    return typed.cast(pa.date32()), codes


def _check_timestamp(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    codes = no_failures(len(array))
    shaped = _fullmatch(array, _TIMESTAMP)
    series = pd.Series(array.to_pylist(), dtype=object).where(shaped, None)
    parsed = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
    mark_failures(codes, _present(array) & parsed.isna().to_numpy(), "invalid_timestamp")
    typed = pa.array(parsed, from_pandas=True).cast(pa.timestamp("us", tz="UTC"))
    return typed, codes


def parse_numbers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers; returns values (NaN where absent/bad) and a mask of unparseable values."""
    try:
        numeric = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        series = pd.Series(array.to_pylist(), dtype=object)
        numeric = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()
    numeric = np.asarray(numeric, dtype="float64")
    bad = _present(array) & ~np.isfinite(numeric)
    return np.where(bad, np.nan, numeric), bad


def _check_money(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    codes = no_failures(len(array))
    values, bad = parse_numbers(array)
    with np.errstate(invalid="ignore"):
        too_big = np.abs(values) >= enumerations.MAX_MONEY
        negative = values < 0
    mark_failures(codes, bad | too_big, "invalid_number")
    mark_failures(codes, negative, "negative_amount")
    usable = np.where(np.equal(codes, None), np.round(values, 4), np.nan)
    typed = pa.array(usable, from_pandas=True).cast(pa.decimal128(18, 4))
    return typed, codes


def _check_int(
    array: pa.Array, spec: Field, arrow_type: pa.DataType
) -> tuple[pa.Array, np.ndarray]:
    codes = no_failures(len(array))
    values, bad = parse_numbers(array)
    limit = 2**31 if arrow_type == pa.int32() else 2**53
    with np.errstate(invalid="ignore"):
        not_integral = ~np.isnan(values) & (
            (values != np.floor(values)) | (np.abs(values) >= limit)
        )
        negative = values < 0
    mark_failures(codes, bad | not_integral, "invalid_number")
    mark_failures(codes, negative, "negative_count")
    usable = np.where(np.equal(codes, None), values, np.nan)
    return pa.array(usable, from_pandas=True).cast(arrow_type), codes


_TRUE_SET = pa.array(sorted(_TRUE))
_FALSE_SET = pa.array(sorted(_FALSE))


def _check_bool(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    codes = no_failures(len(array))
    lowered = pc.utf8_lower(array)
    truthy = pc.is_in(lowered, value_set=_TRUE_SET)
    falsy = pc.is_in(lowered, value_set=_FALSE_SET)
    known = to_mask(truthy) | to_mask(falsy)
    mark_failures(codes, _present(array) & ~known, "invalid_boolean")
    typed = pc.if_else(pa.array(known), truthy, pa.scalar(None, pa.bool_()))
    return typed, codes


def _check_membership(code: str) -> Callable[[pa.Array, Field], tuple[pa.Array, np.ndarray]]:
    def check(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
        codes = no_failures(len(array))
        fallback = enumerations.INDUSTRY_CHAINS if code == "unknown_chain" else frozenset()
        allowed = spec.values or fallback
        member = to_mask(pc.is_in(array, value_set=pa.array(sorted(allowed), type=pa.string())))
        mark_failures(codes, _present(array) & ~member, code)
        return array, codes

    return check


def _check_pattern(
    pattern: str, code: str
) -> Callable[[pa.Array, Field], tuple[pa.Array, np.ndarray]]:
    def check(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
        codes = no_failures(len(array))
        effective = spec.pattern if code == "invalid_region_code" else pattern
        ok = _fullmatch(array, effective)
        if spec.extra_allowed:
            extra = pa.array(sorted(spec.extra_allowed), type=pa.string())
            ok |= to_mask(pc.is_in(array, value_set=extra))
        mark_failures(codes, _present(array) & ~ok, code)
        return array, codes

    return check


def _check_appno(array: pa.Array, spec: Field) -> tuple[pa.Array, np.ndarray]:
    return normalise_application_nos(array)


def _per_row(
    values: Sequence[Any], convert: Callable[[Any], tuple[str | None, str | None]]
) -> tuple[pa.Array, np.ndarray]:
    codes = no_failures(len(values))
    typed: list[str | None] = []
    for index, value in enumerate(values):
        text, code = convert(value)
        typed.append(text)
        codes[index] = code
    return pa.array(typed, type=pa.string()), codes


_PARTY_KEYS = ("name", "uscc", "party_type", "region_code", "country")
_USCC_RE = re.compile(enumerations.USCC_PATTERN)
_REGION_RE = re.compile(enumerations.REGION_PATTERN)


@lru_cache(maxsize=65_536)
def _party_text(values: tuple[str | None, ...]) -> tuple[str | None, str | None]:
    """JSON text of one party's documented keys, or a reason code (cached: parties repeat)."""
    cleaned = dict(
        zip(
            _PARTY_KEYS,
            ((v.strip() or None) if v is not None else None for v in values),
            strict=True,
        )
    )
    if cleaned["name"] is None or cleaned["party_type"] is None or cleaned["country"] is None:
        return None, "missing_required"
    if cleaned["party_type"] not in enumerations.PARTY_TYPES:
        return None, "invalid_enum"
    if cleaned["uscc"] is not None and not _USCC_RE.fullmatch(cleaned["uscc"]):
        return None, "invalid_uscc"
    if cleaned["region_code"] is not None and not _REGION_RE.fullmatch(cleaned["region_code"]):
        return None, "invalid_region_code"
    return json.dumps(cleaned, ensure_ascii=False), None


def validate_party(party: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Check one contract ``party`` object; returns the documented keys only, or a reason code."""
    text, code = _party_json(party)
    return (json.loads(text), None) if text is not None else (None, code)


def _party_json(party: Any) -> tuple[str | None, str | None]:
    if not isinstance(party, dict):
        return None, "invalid_type"
    values = tuple(party.get(key) for key in _PARTY_KEYS)
    if any(value is not None and not isinstance(value, str) for value in values):
        return None, "invalid_type"
    return _party_text(values)


def _party_list(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return "[]", None
    if isinstance(value, str):  # already serialised party JSON
        try:
            value = json.loads(value)
        except ValueError:
            return None, "invalid_type"
    if not isinstance(value, list):
        return None, "invalid_type"
    texts = []
    for party in value:
        text, code = _party_json(party)
        if code:
            return None, code
        texts.append(text)
    return "[" + ", ".join(texts) + "]", None


def _json_object(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return "{}", None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None, "invalid_type"
    if not isinstance(value, dict):
        return None, "invalid_type"
    return json.dumps(value, ensure_ascii=False, sort_keys=True), None


_SCALAR_CHECKS: dict[str, Callable[[pa.Array, Field], tuple[pa.Array, np.ndarray]]] = {
    "text": _check_text,
    "ipc_main": _check_ipc_main,
    "date": _check_date,
    "timestamp": _check_timestamp,
    "money": _check_money,
    "int": lambda s, f: _check_int(s, f, pa.int32()),
    "bigint": lambda s, f: _check_int(s, f, pa.int64()),
    "bool": _check_bool,
    "enum": _check_membership("invalid_enum"),
    "chain": _check_membership("unknown_chain"),
    "region": _check_pattern(enumerations.REGION_PATTERN, "invalid_region_code"),
    "uscc": _check_pattern(enumerations.USCC_PATTERN, "invalid_uscc"),
    "appno": _check_appno,
}

# Per-row converters for nested JSON values (parties, objects): API pages only, 1,000 at a time.
_ROW_CONVERTERS: dict[str, Callable[[Any], tuple[str | None, str | None]]] = {
    "party_list": _party_list,
    "json_object": _json_object,
}
_LIST_KINDS = frozenset({"appno_list", "str_list", "ipc_list"})


def _flatten_lists(
    values: Sequence[Any] | pa.Array, n_rows: int
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Items of list-valued cells: ``;``-joined text (files) or JSON lists (APIs).

    Returns the flat items, each item's row index, and a per-row wrong-type mask.
    """
    type_error = np.zeros(n_rows, dtype=bool)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array) and all(v is None or isinstance(v, str) for v in values):
        values = pa.array(list(values), type=pa.string())
    if isinstance(values, pa.Array):
        lists = pc.split_pattern(pc.fill_null(values.cast(pa.string()), ""), ";")
        parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        return lists.flatten(), parents, type_error
    flat: list[str] = []
    parents_list: list[int] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, str):
            items = value.split(";")
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            items = value
        else:
            type_error[index] = True
            continue
        flat.extend(items)
        parents_list.extend([index] * len(items))
    return pa.array(flat, type=pa.string()), np.array(parents_list, dtype=np.int64), type_error


def _rejoin(items: pa.Array, parents: np.ndarray, n_rows: int) -> pa.Array:
    counts = np.bincount(parents, minlength=n_rows) if len(parents) else np.zeros(n_rows, int)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), items), ";")


def _check_list(
    values: Sequence[Any] | pa.Array, spec: Field, n_rows: int
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Vectorised list kinds: returns the ``;``-joined typed text, codes and a presence mask."""
    codes = no_failures(n_rows)
    items, parents, type_error = _flatten_lists(values, n_rows)
    if spec.kind == "ipc_list":
        items = pc.replace_substring_regex(items, r"\s+", "")
    else:
        items = pc.utf8_trim_whitespace(items)
    keep = to_mask(pc.not_equal(items, ""))
    items = items.filter(pa.array(keep))
    parents = parents[keep]
    if spec.kind == "appno_list":
        items, item_codes = normalise_application_nos(items)
        for position in np.flatnonzero(~np.equal(item_codes, None))[::-1]:
            codes[parents[position]] = item_codes[position]  # reversed: the first bad item wins
    elif spec.values:
        allowed = pa.array(sorted(spec.values), type=pa.string())
        unknown = ~to_mask(pc.is_in(items, value_set=allowed))
        codes[np.unique(parents[unknown])] = "invalid_enum"
    codes[type_error] = "invalid_type"
    present = np.bincount(parents, minlength=n_rows) > 0 if len(parents) else np.zeros(n_rows, bool)
    typed = _rejoin(pc.fill_null(items, ""), parents, n_rows)
    return typed, codes, present


def _raw_value(raw: Sequence[Any] | pa.Array, index: int) -> Any:
    if isinstance(raw, pa.Array | pa.ChunkedArray):
        return raw[index].as_py()
    return raw[index]


def validate_columns(
    spec: EntitySpec,
    columns: dict[str, Sequence[Any] | pa.Array],
    n_rows: int,
    context: dict[str, Any] | None = None,
    pre_codes: np.ndarray | None = None,
) -> ValidatedColumns:
    """Validate column-shaped input (missing columns count as all-null) against ``spec``.

    Columns are Python sequences (API pages) or Arrow string arrays (files). ``pre_codes``
    carries failures found before typing (a record that is not an object, a field with the wrong
    JSON type); the first failing check in field order decides a row's reason.
    """
    context = context or {}
    reason_codes = no_failures(n_rows) if pre_codes is None else pre_codes.copy()
    culprit: list[str | None] = [None] * n_rows
    cleaned: dict[str, pa.Array] = {}
    typed: dict[str, pa.Array] = {}
    for spec_field in spec.fields:
        raw = columns.get(spec_field.name)
        raw = [None] * n_rows if raw is None else raw
        if spec_field.kind in _LIST_KINDS:
            array, codes, present = _check_list(raw, spec_field, n_rows)
        elif spec_field.kind in _ROW_CONVERTERS:
            values = raw.to_pylist() if isinstance(raw, pa.Array | pa.ChunkedArray) else list(raw)
            present = np.array(
                [
                    not (v is None or v == [] or (isinstance(v, str) and not v.strip()))
                    for v in values
                ],
                dtype=bool,
            )
            array, codes = _per_row(values, _ROW_CONVERTERS[spec_field.kind])
        else:
            scalars = _clean_scalars(raw)
            cleaned[spec_field.name] = scalars
            present = _present(scalars)
            array, codes = _SCALAR_CHECKS[spec_field.kind](scalars, spec_field)
        if spec_field.required:
            codes = np.where(present, codes, "missing_required")
        for index in _newly_failing(reason_codes, codes):
            reason_codes[index] = codes[index]
            culprit[index] = f"{spec_field.name}={short_repr(_raw_value(raw, index))}"
        typed[spec_field.name] = array
    for cross_check in spec.cross_checks:
        result = cross_check(cleaned, context)
        for index in _newly_failing(reason_codes, result.codes):
            reason_codes[index] = result.codes[index]
            culprit[index] = result.describe(int(index))
    reasons = [
        None if code is None else f"{culprit[i] or 'record'}: {REASON_CODES.get(code, code)}"
        for i, code in enumerate(reason_codes)
    ]
    return ValidatedColumns(typed=typed, reason_codes=reason_codes, reasons=reasons)


def _newly_failing(reason_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.equal(reason_codes, None) & ~np.equal(codes, None))
