"""The project's reference data, read from the dbt seeds: the one place each fact lives.

Regions, the indicator catalogue, the plan's targets, the industry chains and the enumerations of
the source contract are dbt seeds (``dbt_project/seeds/``): dbt loads them into the warehouse for
the models, and this module reads the same CSV files for Python consumers (ingestion validation,
the gate, the report, the sandbox). Nothing else in the repository spells a district code, a
target or an enumeration's values (``tests/architecture`` checks it).

The files are small and never change while a process runs: each is read once and cached.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from patentflow.core.settings import SEEDS_DIR


def _rows(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with (seeds_dir / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()}
                for row in csv.DictReader(handle)]


def _flag(text: str) -> bool:
    return text.lower() == "true"


# --- regions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Region:
    code: str  # a GB/T 2260 prefix: 2 digits a province, 4 a city, 6 a county-level region
    name_zh: str
    name_en: str
    kind: str  # province | city | district | county | county_city | functional_zone
    parent_code: str  # '' for a province


class UnknownJurisdiction(ValueError):
    """A jurisdiction code the region hierarchy does not list."""


@cache
def hierarchy() -> dict[str, Region]:
    """Every region of the seed by code, in code order."""
    found = [Region(r["region_code"], r["name_zh"], r["name_en"], r["kind"],
                    r.get("parent_code", "")) for r in _rows("regions")]
    return {r.code: r for r in sorted(found, key=lambda r: r.code)}


def _default_jurisdiction() -> str:
    from patentflow.core.settings import load_settings

    return load_settings().jurisdiction


def nearest_codes(code: str, limit: int = 5) -> list[str]:
    """The listed codes closest to ``code``: those sharing its longest prefix, then by distance."""
    def closeness(candidate: str) -> tuple[int, int, int]:
        shared = next((n for n in range(min(len(code), len(candidate)), 0, -1)
                       if code[:n] == candidate[:n]), 0)
        digits = int(candidate.ljust(6, "0")) - int(code.ljust(6, "0")) if code.isdigit() else 0
        return (-shared, abs(len(candidate) - len(code)), abs(digits))
    return sorted(hierarchy(), key=closeness)[:limit]


def jurisdiction_region(code: str | None = None) -> Region:
    """The jurisdiction's own region (J's total); unknown codes fail naming the nearest ones."""
    code = code or _default_jurisdiction()
    region = hierarchy().get(code)
    if region is None:
        near = ", ".join(f"{c} {hierarchy()[c].name_zh}" for c in nearest_codes(code))
        raise UnknownJurisdiction(
            f"jurisdiction {code!r} is not in the region hierarchy (dbt_project/seeds/"
            f"regions.csv); nearest valid codes: {near}")
    return region


def regions(jurisdiction: str | None = None) -> tuple[Region, ...]:
    """Every reporting region of the jurisdiction: J first, then every region below it."""
    total = jurisdiction_region(jurisdiction)
    below = [r for r in hierarchy().values()
             if r.code.startswith(total.code) and r.code != total.code]
    return (total, *below)


def city(jurisdiction: str | None = None) -> Region:
    """J's total (the city for a city jurisdiction, the province for a province)."""
    return jurisdiction_region(jurisdiction)


def districts(jurisdiction: str | None = None) -> tuple[Region, ...]:
    """Every reporting region below J (for a province: its cities and their districts)."""
    return regions(jurisdiction)[1:]


def children(code: str) -> tuple[Region, ...]:
    """The listed regions one level below ``code`` (a province's cities, a city's districts)."""
    return tuple(r for r in hierarchy().values() if r.parent_code == code)


def resolve_region(code: str, jurisdiction: str | None = None) -> str | None:
    """The listed region a party's code counts for: its nearest listed ancestor within J
    (``None`` outside J). A well-formed code the hierarchy does not list counts there."""
    total = jurisdiction_region(jurisdiction)
    if not code.startswith(total.code):
        return None
    return next(code[:n] for n in range(len(code), len(total.code) - 1, -1)
                if code[:n] in hierarchy())


def region_names(jurisdiction: str | None = None) -> dict[str, str]:
    return {r.code: r.name_zh for r in regions(jurisdiction)}


# --- indicators -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue (``indicator_catalogue.csv``)."""

    id: str
    name_zh: str
    name_en: str
    definition_zh: str
    short_name_zh: str  # a column header where many stand side by side; '' = the name
    unit: str
    kind: str  # stock | flow | rate
    value_method: str  # count | sum | distinct_count | percent | per_10k | growth
    period_types: tuple[str, ...]
    region_attribution: str
    is_additive: bool
    breakdown_dimensions: tuple[str, ...]
    sort_order: int
    # the counterparty is judged against the row's city or province (PAT-04, TRN-03): additive
    # from districts to a city, not from cities to a province
    is_counterparty_scoped: bool = False

    @property
    def total_only(self) -> bool:
        """Published for the jurisdiction's total only (records carry no region)."""
        return self.region_attribution == "city only"

    @property
    def is_ratio(self) -> bool:
        """A percentage of two additive counts (numerator and denominator published)."""
        return self.value_method == "percent"

    @property
    def is_growth(self) -> bool:
        return self.value_method == "growth"

    @property
    def year_only(self) -> bool:
        return self.period_types == ("year",)

    @property
    def summable_over_time(self) -> bool:
        """Month values of a flow add up to the year's (not for distinct counts or rates)."""
        return self.kind == "flow" and self.value_method in {"count", "sum"}


def _split(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(";") if part)


@cache
def indicators() -> dict[str, Indicator]:
    """The catalogue in display order, by id."""
    items = [Indicator(
        id=r["indicator_id"], name_zh=r["name_zh"], name_en=r["name_en"],
        definition_zh=r["definition_zh"], short_name_zh=r["short_name_zh"], unit=r["unit"],
        kind=r["kind"],
        value_method=r["value_method"], period_types=_split(r["period_types"]),
        region_attribution=r["region_attribution"], is_additive=_flag(r["is_additive"]),
        breakdown_dimensions=_split(r["breakdown_dimensions"]), sort_order=int(r["sort_order"]),
        is_counterparty_scoped=_flag(r.get("is_counterparty_scoped", "")),
    ) for r in _rows("indicator_catalogue")]
    return {i.id: i for i in sorted(items, key=lambda i: i.sort_order)}


# --- targets ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A goal a plan sets (``indicator_targets.csv``).

    ``progress_start`` is when progress towards the goal starts counting, so a future deadline can
    be judged against pro-rata (linear) progress; ``progress_basis`` says what the progress share
    is: ``value`` (value ÷ target) or ``growth`` (numerator ÷ (denominator × (1 + target/100)),
    i.e. the share of the turnover the growth target needs).
    """

    indicator_id: str
    region_code: str
    deadline: date
    comparator: str  # ">=" or "="
    value: float
    label_zh: str
    progress_start: date
    progress_basis: str
    plan_document: str = ""


@cache
def targets() -> tuple[Target, ...]:
    return tuple(Target(
        indicator_id=r["indicator_id"], region_code=r["region_code"],
        deadline=date.fromisoformat(r["nominal_period_end"]), comparator=r["comparator"],
        value=float(r["target_value"]), label_zh=r["source_note"],
        progress_start=date.fromisoformat(r["progress_start"]),
        progress_basis=r["progress_basis"], plan_document=r.get("plan_document", ""),
    ) for r in _rows("indicator_targets"))


def targets_for(jurisdiction: str | None = None) -> tuple[Target, ...]:
    """The targets on the jurisdiction's own total (what its report shows)."""
    code = jurisdiction_region(jurisdiction).code
    return tuple(t for t in targets() if t.region_code == code)


# --- classifications --------------------------------------------------------------------------

@cache
def industry_chains() -> dict[str, str]:
    """Chain code -> Chinese name, the plan's chains first and ``other`` last, as in the seed."""
    return {r["industry_chain"]: r["name_zh"] for r in _rows("industry_chains")}


@cache
def party_types() -> dict[str, str]:
    return {r["party_type"]: r["name_zh"] for r in _rows("party_types")}


@cache
def univ_inst_party_types() -> frozenset[str]:
    """The party types that make a party a university or research institute."""
    return frozenset(r["party_type"] for r in _rows("party_types") if _flag(r["is_univ_inst"]))


@dataclass(frozen=True)
class ContractType:
    category: str
    name_en: str
    valid_from: date | None  # files registered before this day may not carry it


@cache
def contract_types() -> tuple[ContractType, ...]:
    return tuple(ContractType(r["contract_category"], r["name_en"],
                              date.fromisoformat(r["valid_from"]) if r["valid_from"] else None)
                 for r in sorted(_rows("contract_types"), key=lambda r: int(r["sort_order"])))


@dataclass(frozen=True)
class EnumValue:
    enumeration: str
    code: str
    role: str
    name_zh: str


@cache
def _enumerations() -> tuple[EnumValue, ...]:
    return tuple(EnumValue(r["enumeration"], r["code"], r["role"], r["name_zh"])
                 for r in _rows("enumerations"))


def enumeration(name: str, role: str | None = None) -> frozenset[str]:
    """The codes of one enumeration of the source contract (optionally only those of a role)."""
    codes = frozenset(v.code for v in _enumerations()
                      if v.enumeration == name and (role is None or v.role == role))
    if not codes:
        raise KeyError(f"no enumeration {name!r}" + (f" with role {role!r}" if role else ""))
    return codes


def enumeration_code(name: str, role: str) -> str:
    """The single code that plays ``role`` in ``name`` (e.g. the in-force contract status)."""
    (code,) = enumeration(name, role)
    return code


def enumeration_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.enumeration for v in _enumerations()))
