"""Patent stock indicators evaluated on day D (PAT-01..04, UNI-01..04, UNI-06) and UNI-05."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .history import PatentHistory, is_jinan_university
from .parsing import PARTY_TYPES, add_years
from .periods import Period
from .records import Sources
from .reference import REGIONS, Reference, is_jinan
from .tally import ALL, RateTally, RowSink, Tally

CRITERIA = ("sei", "family", "age", "pledge", "award")
FUNDED_GRACE_YEARS = 5  # UNI-06


def chain_key(chain: str) -> str:
    return f"industry_chain={chain}"


def party_key(party_type: str | None) -> str:
    return f"party_type={party_type}"


@dataclass
class StockTallies:
    """All stock cells on one day D."""

    in_force: Tally  # PAT-01
    high_value: Tally  # PAT-02 (with criterion=)
    industrialised: Tally  # PAT-04
    registry_conversion: RateTally  # UNI-01
    industrialisation: RateTally  # UNI-02
    inventory_coverage: RateTally  # UNI-03
    open_licence: Tally  # UNI-04
    funded_unexploited: Tally  # UNI-06


def high_value_criteria(
    history: PatentHistory, reference: Reference, day: dt.date, pledge_threshold_wan: float
) -> list[str]:
    """The PAT-02 criteria a patent meets on D."""
    patent = history.patent
    met = []
    if reference.classify(patent.ipc_main).has_sei:
        met.append("sei")
    if any(country != "CN" for country in patent.family_countries):
        met.append("family")
    if history.older_than_ten_years_on(day):
        met.append("age")
    if history.pledged_loans_on(day) >= pledge_threshold_wan:
        met.append("pledge")
    if patent.awards:
        met.append("award")
    return met


def stock_on(
    day: dt.date,
    histories: dict[str, PatentHistory],
    reference: Reference,
    pledge_threshold_wan: float,
) -> StockTallies:
    tallies = StockTallies(
        Tally(), Tally(), Tally(), RateTally(), RateTally(), RateTally(), Tally(), Tally()
    )
    funded_grant_limit = add_years(day, -FUNDED_GRACE_YEARS)
    for history in histories.values():
        if not history.in_force_on(day):
            continue
        patent = history.patent
        is_invention = patent.patent_type == "invention"
        owner = history.first_owner_on(day)
        owner_region = owner.region_code if owner else None
        chain = chain_key(reference.classify(patent.ipc_main).chain)
        dimensions = [chain, party_key(owner.party_type if owner else None)]
        converted = history.converted_on(day)

        if is_invention and is_jinan(owner_region):
            tallies.in_force.add(owner_region, dimensions)
            criteria = high_value_criteria(history, reference, day, pledge_threshold_wan)
            if criteria:
                criterion_keys = [f"criterion={criterion}" for criterion in criteria]
                tallies.high_value.add(owner_region, dimensions + criterion_keys)
                if history.converted_in_jinan_on(day):
                    tallies.industrialised.add(owner_region, dimensions)

        applicant = history.first_applicant
        if is_invention and is_jinan_university(applicant):
            owner_key = [f"owner_uscc={applicant.uscc}"] if applicant.uscc else []
            tallies.registry_conversion.add(applicant.region_code, owner_key, converted)

        if is_jinan_university(owner):
            latest_return = history.latest_return_on(day)
            tallies.inventory_coverage.add(owner_region, dimensions, latest_return is not None)
            if latest_return is not None:
                tallies.industrialisation.add(
                    owner_region, dimensions, latest_return.industrialized
                )
            if history.open_licence_on(day):
                tallies.open_licence.add(owner_region, dimensions)

        if (
            patent.fiscal_project_ids
            and is_jinan(owner_region)
            and history.granted_on_or_before(funded_grant_limit)
            and not converted
        ):
            tallies.funded_unexploited.add(owner_region, dimensions)
    return tallies


def population_for(
    population: dict[tuple[str, int], float], region: str, year: int
) -> float | None:
    """The region's population for the year, else the latest earlier year's; None when none."""
    earlier = [y for (r, y) in population if r == region and y <= year]
    return population[(region, max(earlier))] if earlier else None


def emit_patent_stock(
    sink: RowSink,
    histories: dict[str, PatentHistory],
    sources: Sources,
    reference: Reference,
    stock_periods: list[Period],
    pledge_threshold_wan: float,
) -> None:
    dimensions = [chain_key(chain) for chain in reference.chains]
    dimensions += [party_key(party_type) for party_type in PARTY_TYPES]
    high_value_dimensions = dimensions + [f"criterion={criterion}" for criterion in CRITERIA]
    cache: dict[dt.date, StockTallies] = {}
    for period in stock_periods:
        if period.end not in cache:
            cache[period.end] = stock_on(period.end, histories, reference, pledge_threshold_wan)
        tallies = cache[period.end]
        sink.emit_counts("PAT-01", period, tallies.in_force, dimensions)
        sink.emit_counts("PAT-02", period, tallies.high_value, high_value_dimensions)
        _emit_per_population(sink, sources, period, tallies.high_value, high_value_dimensions)
        sink.emit_counts("PAT-04", period, tallies.industrialised, dimensions)
        sink.emit_rates(
            "UNI-01", period, tallies.registry_conversion, per_region_prefix="owner_uscc="
        )
        sink.emit_rates("UNI-02", period, tallies.industrialisation, dimensions)
        sink.emit_rates("UNI-03", period, tallies.inventory_coverage, dimensions)
        sink.emit_counts("UNI-04", period, tallies.open_licence, dimensions)
        sink.emit_counts("UNI-06", period, tallies.funded_unexploited, dimensions)


def _emit_per_population(
    sink: RowSink, sources: Sources, period: Period, high_value: Tally, breakdowns: list[str]
) -> None:
    """PAT-03: PAT-02 ÷ (population of the year of D ÷ 10,000), per region and breakdown."""
    for region in REGIONS:
        residents = population_for(sources.population, region, period.end.year)
        per_ten_thousand = None if residents is None else residents / 10_000
        for breakdown in (ALL, *breakdowns):
            count = high_value.get(region, breakdown)
            value = None if not per_ten_thousand else count / per_ten_thousand
            sink.emit("PAT-03", period, region, breakdown, value, count, per_ten_thousand)


def emit_open_licence_uptake(
    sink: RowSink,
    histories: dict[str, PatentHistory],
    sources: Sources,
    reference: Reference,
    year_periods: list[Period],
) -> None:
    """UNI-05: OL03 events whose patent's first owner on the event date is a Jinan univ/inst."""
    chains = [chain_key(chain) for chain in reference.chains]
    uptakes = [event for event in sources.legal_events if event.event_code == "OL03"]
    for period in year_periods:
        tally = Tally()
        for event in uptakes:
            history = histories.get(event.application_no)
            if history is None or not period.contains(event.event_date):
                continue
            owner = history.first_owner_on(event.event_date)
            if is_jinan_university(owner):
                chain = reference.classify(history.patent.ipc_main).chain
                tally.add(owner.region_code, [chain_key(chain)])
        sink.emit_counts("UNI-05", period, tally, chains)
