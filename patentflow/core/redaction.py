"""Hiding secrets in text that leaves the process (logs, alerts, console, error messages).

One mask and one pair of helpers for every caller, so that a token looks the same wherever it was
hidden and a reviewer has one place to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "***"

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@",
                           re.IGNORECASE)
_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|FERNET|_KEY$", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret and every URL password replaced by the mask.

    Longest secrets go first so that a secret containing another is masked whole.
    """
    known = sorted({s for s in secrets if s}, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)


def redacted_env(env: Mapping[str, str]) -> dict[str, str]:
    """An environment as it may be printed: secret-named values masked, URL passwords hidden."""
    return {name: MASK if _SECRET_NAME.search(name) else redact(value)
            for name, value in env.items()}
