"""CNIPA application numbers: normalisation and check-digit validation.

Every source writes application numbers its own way (with or without `CN`, with or without the
dot before the check digit); joins only work on one canonical form, and a number whose check
digit fails is a data error that the contract says to quarantine.
"""

from __future__ import annotations

import re

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
_BODY_LENGTHS = (12, 8)  # 2003+ form (YYYY + type + 7 serial), pre-Oct-2003 form (YY + type + 5)
_SHAPE = re.compile(r"^(\d{8}|\d{12})\.?([0-9X])$")


def check_digit(body: str) -> str:
    """Check character for the digits before the dot: weights 2..9 cycling, sum mod 11, 10 is X."""
    total = sum(
        int(digit) * _WEIGHTS[position % len(_WEIGHTS)] for position, digit in enumerate(body)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_application_no(raw: object) -> str | None:
    """Canonical `BODY.C` form (no `CN`), or None when malformed or the check digit fails."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().upper().replace(" ", "")
    if text.startswith("CN"):
        text = text[2:]
    match = _SHAPE.match(text)
    if match is None:
        return None
    body, check = match.groups()
    if len(body) not in _BODY_LENGTHS or check_digit(body) != check:
        return None
    return f"{body}.{check}"


def split_application_nos(raw: object) -> list[str] | None:
    """Parse a `;`-separated list (or a JSON list); None when any member is invalid.

    Empty members are ignored; duplicates are kept once so that a patent listed twice in one
    record is not counted twice.
    """
    if raw is None:
        return []
    if isinstance(raw, float) and raw != raw:  # NaN from a spreadsheet cell
        return []
    members = raw if isinstance(raw, list | tuple) else str(raw).split(";")
    normalised: list[str] = []
    for member in members:
        if member is None or str(member).strip() == "":
            continue
        number = normalise_application_no(str(member))
        if number is None:
            return None
        if number not in normalised:
            normalised.append(number)
    return normalised
