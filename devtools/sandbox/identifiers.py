"""Identifier arithmetic the sandbox needs to produce plausible, checkable codes.

CNIPA application numbers and USCCs carry check characters; the pipeline validates them, so the
sandbox must compute them exactly as the contract (and GB 32100-2015 for USCCs) defines them.
"""

from __future__ import annotations

_APPNO_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def appno_check_digit(body: str) -> str:
    """Check digit of an application number body (the digits before the dot).

    Weights 2,3,4,5,6,7,8,9 then 2,3,4,5 … cycling from the left, sum mod 11, 10 written ``X``.
    """
    total = 0
    for position, char in enumerate(body):
        total += int(char) * _APPNO_WEIGHTS[position % len(_APPNO_WEIGHTS)]
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def make_appno(year: int, type_digit: int, serial: int, long_form: bool) -> str:
    """Canonical application number ``body.check``: the 13-digit form (filed from 1 Oct 2003,
    7-digit serial) or the older 9-digit form (2-digit year, 5-digit serial)."""
    if long_form:
        body = f"{year:04d}{type_digit}{serial % 10_000_000:07d}"
    else:
        body = f"{year % 100:02d}{type_digit}{serial % 100_000:05d}"
    return f"{body}.{appno_check_digit(body)}"


def respell_appno(canonical: str, style: int) -> str:
    """One of the four spellings the sources use: 0 canonical, 1 ``CN`` prefix, 2 no dot, 3 both."""
    text = canonical
    if style in (2, 3):
        text = text.replace(".", "")
    if style in (1, 3):
        text = "CN" + text
    return text


def corrupt_check_digit(canonical: str) -> str:
    """The same number with a wrong check digit (for planted invalid records)."""
    body, check = canonical.split(".")
    wrong = "0" if check != "0" else "1"
    return f"{body}.{wrong}"


def appno_is_valid(text: str) -> bool:
    """True when ``text`` (any of the four spellings) has a correct check digit and shape."""
    value = text.strip().upper().removeprefix("CN").replace(".", "")
    if len(value) not in (9, 13) or not value[:-1].isdigit():
        return False
    return appno_check_digit(value[:-1]) == value[-1]


def _org_code_check(body8: str) -> str:
    total = sum(_char_value(c) * w for c, w in zip(body8, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _char_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - 55


def uscc_check_char(body17: str) -> str:
    """GB 32100-2015 check character of an 18-character unified social credit code."""
    total = sum(
        _USCC_ALPHABET.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True)
    )
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(authority: str, region_code: str, org_body8: str) -> str:
    """USCC from registration authority+category (e.g. ``91`` enterprise, ``12`` public
    institution), the 6-digit region of registration and an 8-character organisation code body."""
    org_code = org_body8 + _org_code_check(org_body8)
    body17 = authority + region_code + org_code
    return body17 + uscc_check_char(body17)


def uscc_is_valid(text: str) -> bool:
    if len(text) != 18 or any(c not in _USCC_ALPHABET for c in text):
        return False
    return uscc_check_char(text[:17]) == text[17]
