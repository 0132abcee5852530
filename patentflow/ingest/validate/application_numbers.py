"""CNIPA application numbers (申请号): normalisation and check digit.

Sources deliver the same number as ``CN202223220665.2``, ``2022232206652`` or ``202223220665.2``;
joins only work on one form, so every field holding an application number goes through
:func:`normalise_application_no`. The form kept is the contract's canonical one without ``CN``:
``YYYY`` + type digit + 7-digit serial + ``.`` + check digit (13 digits), or before Oct 2003
``YY`` + type digit + 5-digit serial + ``.`` + check digit (9 digits).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
_SHAPE = re.compile(r"(?:CN)?(\d{12}|\d{8})\.?([0-9X])", re.IGNORECASE)
_NEW_TYPE_DIGITS = frozenset("12389")
# The contract gives one set of type digits for both forms (pre-2003 PCT numbers use 8 and 9).
_OLD_TYPE_DIGITS = _NEW_TYPE_DIGITS


@dataclass(frozen=True)
class AppNoResult:
    """Outcome of normalising one application number: the canonical form or a failure code."""

    normalised: str | None
    reason_code: str | None


def check_digit(body: str) -> str:
    """Check digit of the digits before the dot: weights 2..9,2,3,4,5 cycling, sum mod 11, 10→X."""
    total = sum(int(d) * _WEIGHTS[i % len(_WEIGHTS)] for i, d in enumerate(body))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


@lru_cache(maxsize=262_144)
def normalise_application_no(value: str) -> AppNoResult:
    """Return ``202223220665.2`` for any accepted spelling, or a reason code.

    ``invalid_application_no`` when the shape or type digit is wrong, ``bad_check_digit`` when the
    shape is right but the check digit does not match. Cached: numbers repeat across fields.
    """
    compact = value.strip().replace(" ", "")
    match = _SHAPE.fullmatch(compact)
    if match is None:
        return AppNoResult(None, "invalid_application_no")
    body, digit = match.group(1), match.group(2).upper()
    type_digit = body[4] if len(body) == 12 else body[2]
    allowed = _NEW_TYPE_DIGITS if len(body) == 12 else _OLD_TYPE_DIGITS
    if type_digit not in allowed:
        return AppNoResult(None, "invalid_application_no")
    if check_digit(body) != digit:
        return AppNoResult(None, "bad_check_digit")
    return AppNoResult(f"{body}.{digit}", None)


_VECTOR_SHAPE = r"^(?:CN)?(?P<body>\d{12}|\d{8})\.?(?P<check>[0-9X])$"
_FORMS = (  # body length, position of the type digit, allowed type digits
    (12, 4, frozenset("12389")),
    (8, 2, frozenset("12389")),
)


def _fixed_width_bytes(array: pa.Array, width: int) -> np.ndarray:
    """The bytes of a string array whose values all have ``width`` ASCII bytes, as (n, width)."""
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset :]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    start = offsets[0]
    return data[start : start + len(array) * width].reshape(len(array), width)


def normalise_application_nos(
    values: Sequence[str | None] | pa.Array,
) -> tuple[pa.Array, np.ndarray]:
    """Vectorised :func:`normalise_application_no` for a column.

    Returns the normalised numbers (null where absent or invalid) and an object array of reason
    codes (``None`` where valid or absent). Used for whole files and API pages, where the
    per-value function would dominate the run time.
    """
    array = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    n_rows = len(array)
    codes = np.full(n_rows, None, dtype=object)
    if n_rows == 0:
        return pa.array([], type=pa.string()), codes
    present = pc.fill_null(pc.is_valid(array), False).to_numpy(zero_copy_only=False)
    compact = pc.utf8_upper(pc.replace_substring_regex(array, r"\s+", ""))
    parts = pc.extract_regex(compact, _VECTOR_SHAPE)
    matched = pc.fill_null(pc.is_valid(parts), False).to_numpy(zero_copy_only=False)
    codes[present & ~matched] = "invalid_application_no"
    bodies = parts.field("body")
    checks = parts.field("check")
    lengths = pc.fill_null(pc.utf8_length(bodies), 0).to_numpy(zero_copy_only=False)
    good = np.zeros(n_rows, dtype=bool)
    for length, type_position, allowed in _FORMS:
        index = np.flatnonzero(matched & (lengths == length))
        if index.size == 0:
            continue
        taken = pa.array(index)
        digits = _fixed_width_bytes(bodies.take(taken), length) - 48
        weights = np.array([_WEIGHTS[i % len(_WEIGHTS)] for i in range(length)], dtype=np.int64)
        remainder = (digits.astype(np.int64) @ weights) % 11
        delivered = _fixed_width_bytes(checks.take(taken), 1)[:, 0]
        delivered_value = np.where(delivered == ord("X"), 10, delivered.astype(np.int64) - 48)
        type_ok = np.isin(digits[:, type_position], [int(d) for d in allowed])
        digit_ok = remainder == delivered_value
        codes[index[~type_ok]] = "invalid_application_no"
        codes[index[type_ok & ~digit_ok]] = "bad_check_digit"
        good[index[type_ok & digit_ok]] = True
    joined = pc.binary_join_element_wise(bodies, checks, ".")
    normalised = pc.if_else(pa.array(good), joined, pa.scalar(None, pa.string()))
    return normalised, codes
