"""The validated, current records the indicators are computed from (one dataclass per entity)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Party:
    """A party as a record carries it (its own region code: never looked up elsewhere)."""

    name: str | None
    uscc: str | None
    party_type: str | None
    region_code: str | None
    country: str | None


@dataclass(frozen=True)
class Patent:
    application_no: str
    patent_type: str
    application_date: dt.date
    ipc_main: str | None
    applicants: tuple[Party, ...]
    family_countries: tuple[str, ...]
    fiscal_project_ids: tuple[str, ...]
    awards: tuple[str, ...]


@dataclass(frozen=True)
class LegalEvent:
    event_id: str
    application_no: str
    event_code: str
    event_date: dt.date
    from_parties: tuple[Party, ...]
    to_parties: tuple[Party, ...]


@dataclass(frozen=True)
class Pledge:
    pledge_id: str
    registration_date: dt.date
    pledgor: Party
    application_nos: tuple[str, ...]
    loan_amount_wan: float
    status: str


@dataclass(frozen=True)
class InsurancePolicy:
    policy_no: str
    insured: Party
    coverage_wan: float
    start_date: dt.date


@dataclass(frozen=True)
class Roadshow:
    roadshow_id: str
    event_date: dt.date
    industry_chain: str
    signed_amount_wan: float


@dataclass(frozen=True)
class TechContract:
    registration_no: str
    category: str
    registration_date: dt.date
    seller_type: str
    seller_region: str | None
    turnover_wan: float
    tech_transaction_wan: float
    ip_types: tuple[str, ...]
    application_nos: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class InventoryReturn:
    application_no: str
    entered_date: dt.date
    industrialized: bool


@dataclass(frozen=True)
class IntensiveProduct:
    product_id: str
    region_code: str | None
    data_year: int
    status: str
    output_value_wan: float | None
    application_nos: tuple[str, ...]


@dataclass(frozen=True)
class Quarantined:
    entity: str
    key: str
    reason: str


@dataclass
class Sources:
    """Current versions of every loaded record, plus what was quarantined on the way."""

    patents: dict[str, Patent] = field(default_factory=dict)
    legal_events: list[LegalEvent] = field(default_factory=list)  # revoked ones removed
    pledges: list[Pledge] = field(default_factory=list)  # every status; filter where used
    insurance_policies: list[InsurancePolicy] = field(default_factory=list)
    roadshows: list[Roadshow] = field(default_factory=list)
    tech_contracts: list[TechContract] = field(default_factory=list)  # every status
    inventory_returns: list[InventoryReturn] = field(default_factory=list)
    intensive_products: list[IntensiveProduct] = field(default_factory=list)
    population: dict[tuple[str, int], float] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
