"""Size bounds on what a source may hand us, so a hostile or broken delivery cannot exhaust memory.

Every reader in ``ingestion/`` holds one page or one file in memory at a time; without a bound a
single oversized answer (a 2 GB page, a 1 GB CSV, an XLSX that inflates to gigabytes) would take
the worker down and with it every other source of the run. Each bound is an environment variable
so an operator (or a test) can lower or raise it without a code change; the defaults are far
above anything the contract describes (a page of ``limit`` ≤ 1000 records, monthly files of at
most some 10^5 rows). Documented in docs/decisions/ingestion.md ("Bounds").
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MIB = 1024 * 1024

ENV_MAX_PAGE_BYTES = "PATENTFLOW_MAX_PAGE_BYTES"
ENV_MAX_FILE_BYTES = "PATENTFLOW_MAX_FILE_BYTES"
ENV_MAX_XLSX_UNCOMPRESSED_BYTES = "PATENTFLOW_MAX_XLSX_UNCOMPRESSED_BYTES"
ENV_MAX_XLSX_RATIO = "PATENTFLOW_MAX_XLSX_RATIO"


@dataclass(frozen=True)
class Limits:
    """The bounds in force; read from the environment each time (cheap, and tests can patch)."""

    max_page_bytes: int = 64 * MIB
    max_file_bytes: int = 512 * MIB
    max_xlsx_uncompressed_bytes: int = 1024 * MIB
    max_xlsx_ratio: float = 200.0


def _positive(env: dict[str, str] | os._Environ[str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    value = float(text)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {text!r}")
    return value


def current_limits(environ: dict[str, str] | None = None) -> Limits:
    """The bounds from ``PATENTFLOW_MAX_*`` (defaults: see :class:`Limits`)."""
    env = os.environ if environ is None else environ
    base = Limits()
    return Limits(
        max_page_bytes=int(_positive(env, ENV_MAX_PAGE_BYTES, base.max_page_bytes)),
        max_file_bytes=int(_positive(env, ENV_MAX_FILE_BYTES, base.max_file_bytes)),
        max_xlsx_uncompressed_bytes=int(
            _positive(env, ENV_MAX_XLSX_UNCOMPRESSED_BYTES, base.max_xlsx_uncompressed_bytes)
        ),
        max_xlsx_ratio=_positive(env, ENV_MAX_XLSX_RATIO, base.max_xlsx_ratio),
    )
