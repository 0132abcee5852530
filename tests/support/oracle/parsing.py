"""Strict parsers for the contract's scalar types.

Each parser returns a value or raises `Invalid`; the caller turns `Invalid` into "quarantined".
Keeping parsing strict in one place is what makes the oracle's quarantine decisions auditable.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHINA_OFFSET = dt.timezone(dt.timedelta(hours=8))

PARTY_TYPES = (
    "enterprise",
    "university",
    "research_institute",
    "government",
    "individual",
    "other",
)


class Invalid(ValueError):
    """A value the contract says must be quarantined."""


def parse_date(value: object) -> dt.date:
    """`YYYY-MM-DD` text, or a date/datetime cell from an XLSX file."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as error:  # e.g. 2021-02-30
            raise Invalid(f"impossible date {value!r}") from error
    raise Invalid(f"unparseable date {value!r}")


def parse_optional_date(value: object) -> dt.date | None:
    """Like `parse_date`, but null/empty means 'not yet' (grant_date, release_date)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return parse_date(value)


def parse_timestamp(value: object) -> dt.datetime:
    """ISO 8601 with offset; a timestamp without offset is read as China time (UTC+8)."""
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value.strip())
        except ValueError as error:
            raise Invalid(f"unparseable timestamp {value!r}") from error
    else:
        raise Invalid(f"unparseable timestamp {value!r}")
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=_CHINA_OFFSET)


def parse_amount(value: object) -> float:
    """A non-negative money amount in 万元 (number, or its text form)."""
    if isinstance(value, bool):
        raise Invalid(f"not an amount {value!r}")
    if isinstance(value, numbers.Number):  # int, float, Decimal, numpy scalars from XLSX
        amount = float(value)  # type: ignore[arg-type]
    elif isinstance(value, str) and value.strip() != "":
        try:
            amount = float(value.strip())
        except ValueError as error:
            raise Invalid(f"not an amount {value!r}") from error
    else:
        raise Invalid(f"missing amount {value!r}")
    if math.isnan(amount) or math.isinf(amount):
        raise Invalid(f"not an amount {value!r}")
    if amount < 0:
        raise Invalid(f"negative amount {value!r}")
    return amount


def parse_optional_amount(value: object) -> float | None:
    """Like `parse_amount`, but an empty cell is allowed (and means unknown)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return parse_amount(value)


def parse_enum(value: object, allowed: tuple[str, ...] | frozenset[str], what: str) -> str:
    """A value from one of the contract's enumerations, compared exactly after trimming."""
    text = value.strip() if isinstance(value, str) else value
    if text not in allowed:
        raise Invalid(f"{what} {value!r} not in the enumeration")
    return text  # type: ignore[return-value]


def parse_int(value: object, what: str) -> int:
    """An integer (year, count), from a number or its text form."""
    if isinstance(value, bool):
        raise Invalid(f"{what} {value!r} is not an integer")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    raise Invalid(f"{what} {value!r} is not an integer")


def region_code(value: object) -> str | None:
    """A region code as text (XLSX may hand over a number), None when absent."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        value = int(value)
    text = str(value).strip()
    return text or None


def validate_party(party: object) -> dict:
    """A `party` object; its party_type must be in the enumeration."""
    if not isinstance(party, dict):
        raise Invalid(f"party {party!r} is not an object")
    parse_enum(party.get("party_type"), PARTY_TYPES, "party_type")
    return {
        "name": party.get("name"),
        "uscc": party.get("uscc") or None,
        "party_type": party.get("party_type"),
        "region_code": region_code(party.get("region_code")),
        "country": party.get("country"),
    }


def validate_parties(parties: object) -> list[dict]:
    """A party[] array (null is read as empty)."""
    if parties is None:
        return []
    if not isinstance(parties, list):
        raise Invalid(f"party list {parties!r} is not an array")
    return [validate_party(party) for party in parties]


def add_years(day: dt.date, years: int) -> dt.date:
    """Same calendar day `years` later (or earlier); 29 Feb falls back to 28 Feb."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
