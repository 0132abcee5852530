"""Static reference data the indicators need: districts, chains and the IPC → SEI/chain map.

Read from the shared reference directory (the same files the pipeline is given), so that a finer
official concordance dropped in there is picked up by the oracle too.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]
# The authoritative shared reference beside the repository; the project's seed copies (identical)
# when the repository is used on its own.
_SHARED = _REPO.parent / "shared" / "reference"
DEFAULT_REFERENCE_DIR = Path(
    os.environ.get("PATENTFLOW_REFERENCE_DIR")
    or (_SHARED if _SHARED.is_dir() else _REPO / "dbt_project" / "seeds")
)

CITY = "3701"
# The 13 districts, counties and the high-tech zone listed in the source contract.
DISTRICTS = (
    "370102",
    "370103",
    "370104",
    "370105",
    "370112",
    "370113",
    "370114",
    "370115",
    "370116",
    "370117",
    "370124",
    "370126",
    "370176",
)
REGIONS = (CITY, *DISTRICTS)
OTHER_CHAIN = "other"


def is_jinan(region: str | None) -> bool:
    """A Jinan party carries a region code starting with 3701 (no look-up anywhere else)."""
    return region is not None and region.startswith(CITY)


def regions_of(region: str | None) -> tuple[str, ...]:
    """The published regions a party's region code counts for: the city, plus its district."""
    if not is_jinan(region):
        return ()
    return (CITY, region) if region in DISTRICTS else (CITY,)


@dataclass(frozen=True)
class IpcClass:
    """What the main IPC says about a patent."""

    chain: str
    has_sei: bool


@dataclass(frozen=True)
class Reference:
    """The chain list (with `other`) and the IPC prefix map."""

    chains: tuple[str, ...]
    ipc_prefixes: dict[str, IpcClass]

    def classify(self, ipc_main: str | None) -> IpcClass:
        """Longest-prefix match of the main IPC (spaces removed); no match: `other`, no SEI."""
        if not ipc_main:
            return IpcClass(OTHER_CHAIN, False)
        code = ipc_main.replace(" ", "").upper()
        for length in self._prefix_lengths:  # longest first, so the first hit is the longest
            match = self.ipc_prefixes.get(code[:length])
            if match is not None:
                return match
        return IpcClass(OTHER_CHAIN, False)

    @cached_property
    def _prefix_lengths(self) -> tuple[int, ...]:
        # A finer official concordance has tens of thousands of rows but only a few lengths.
        return tuple(sorted({len(prefix) for prefix in self.ipc_prefixes}, reverse=True))


def load_reference(directory: Path | str = DEFAULT_REFERENCE_DIR) -> Reference:
    """Read `industry_chains.csv` and `ipc_industry_map.csv` from the reference directory."""
    directory = Path(directory)
    with (directory / "industry_chains.csv").open(encoding="utf-8-sig", newline="") as handle:
        chains = [row["industry_chain"].strip() for row in csv.DictReader(handle)]
    if OTHER_CHAIN not in chains:
        chains.append(OTHER_CHAIN)
    prefixes: dict[str, IpcClass] = {}
    with (directory / "ipc_industry_map.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            prefix = row["ipc_prefix"].replace(" ", "").upper()
            chain = (row.get("industry_chain") or "").strip() or OTHER_CHAIN
            has_sei = bool((row.get("sei_code") or "").strip())
            prefixes[prefix] = IpcClass(chain, has_sei)
    return Reference(chains=tuple(chains), ipc_prefixes=prefixes)
