"""Flow indicators that need no patent state: contracts (CON), finance (FIN), transfers (TRN,
TRD) and patent-intensive products (PIP)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from .load_drops import CONTRACT_CATEGORIES
from .periods import Period
from .records import LegalEvent, Sources
from .reference import CITY, REGIONS, Reference, is_jinan, regions_of
from .tally import ALL, RowSink, Tally, rate_fields

PATENT_IP_TYPE = "专利"
UNIVERSITY_SELLER_TYPES = ("高等院校", "科研机构")
VALID_CONTRACT = "有效"
INCLUSIVE_LOAN_LIMIT_WAN = 1000.0  # FIN-05: "loan below 1000 万元"
CUMULATIVE_FINANCING_FROM = dt.date(2024, 1, 1)  # FIN-04
TRANSFER_AND_LICENCE = ("TR01", "EE01")


def contract_type(category: str) -> str:
    return f"contract_type={category}"


def chain_breakdown(chain: str) -> str:
    return f"industry_chain={chain}"


def emit_contracts(sink: RowSink, sources: Sources, flow_periods: list[Period]) -> None:
    """CON-01, CON-03..06 over current, 有效 contracts with a Jinan seller, by 登记日期."""
    counted = [
        contract
        for contract in sources.tech_contracts
        if contract.status == VALID_CONTRACT and is_jinan(contract.seller_region)
    ]
    categories = [contract_type(category) for category in CONTRACT_CATEGORIES]
    for period in flow_periods:
        patent_turnover, patent_contracts = Tally(), Tally()
        turnover, transaction, university_turnover = Tally(), Tally(), Tally()
        for contract in counted:
            if not period.contains(contract.registration_date):
                continue
            region = contract.seller_region
            if PATENT_IP_TYPE in contract.ip_types:
                patent_turnover.add(region, amount=contract.turnover_wan)
                patent_contracts.add(region)
            turnover.add(region, [contract_type(contract.category)], contract.turnover_wan)
            transaction.add(region, amount=contract.tech_transaction_wan)
            if contract.seller_type in UNIVERSITY_SELLER_TYPES:
                university_turnover.add(region, amount=contract.turnover_wan)
        sink.emit_counts("CON-01", period, patent_turnover)
        sink.emit_counts("CON-03", period, turnover, categories)
        sink.emit_counts("CON-04", period, transaction)
        sink.emit_counts("CON-05", period, university_turnover)
        sink.emit_counts("CON-06", period, patent_contracts)


def patent_contract_turnover(sources: Sources, start: dt.date, end: dt.date) -> Tally:
    """CON-01 for an arbitrary date range (the base year of CON-02)."""
    tally = Tally()
    for contract in sources.tech_contracts:
        if (
            contract.status == VALID_CONTRACT
            and is_jinan(contract.seller_region)
            and PATENT_IP_TYPE in contract.ip_types
            and start <= contract.registration_date <= end
        ):
            tally.add(contract.seller_region, amount=contract.turnover_wan)
    return tally


def emit_contract_growth(
    sink: RowSink, sources: Sources, year_periods: list[Period], base_year: int, as_of: dt.date
) -> None:
    """CON-02: 100 × (CON-01 of the year ÷ CON-01 of the base year − 1), null on a zero base.

    numerator = the year's CON-01, denominator = the base year's CON-01 (year to date when the
    base year is not over). A zero base takes the published table's zero-denominator rule
    literally: value null, numerator 0, denominator 0.
    """
    base = patent_contract_turnover(
        sources, dt.date(base_year, 1, 1), min(dt.date(base_year, 12, 31), as_of)
    )
    for period in year_periods:
        current = patent_contract_turnover(sources, period.start, period.end)
        for region in REGIONS:
            year_value, base_value = current.get(region), base.get(region)
            if base_value == 0:
                sink.emit("CON-02", period, region, ALL, None, 0.0, 0.0)
                continue
            growth = 100.0 * (year_value / base_value - 1.0)
            sink.emit("CON-02", period, region, ALL, growth, year_value, base_value)


def emit_finance(
    sink: RowSink, sources: Sources, reference: Reference, flow_periods: list[Period]
) -> None:
    """FIN-01..09: pledges, insurance and roadshows."""
    pledges = [
        pledge
        for pledge in sources.pledges
        if pledge.status != "cancelled" and is_jinan(pledge.pledgor.region_code)
    ]
    policies = [p for p in sources.insurance_policies if is_jinan(p.insured.region_code)]
    chains = [chain_breakdown(chain) for chain in reference.chains]
    for period in flow_periods:
        loans, counts, inclusive, cumulative = Tally(), Tally(), Tally(), Tally()
        enterprises: dict[str, set[str]] = defaultdict(set)
        for pledge in pledges:
            region = pledge.pledgor.region_code
            if CUMULATIVE_FINANCING_FROM <= pledge.registration_date <= period.end:
                cumulative.add(region, amount=pledge.loan_amount_wan)
            if not period.contains(pledge.registration_date):
                continue
            loans.add(region, amount=pledge.loan_amount_wan)
            counts.add(region)
            if pledge.loan_amount_wan < INCLUSIVE_LOAN_LIMIT_WAN:
                inclusive.add(region)
            if pledge.pledgor.uscc:
                for published_region in regions_of(region):
                    enterprises[published_region].add(pledge.pledgor.uscc)
        distinct = Tally()
        for published_region, usccs in enterprises.items():
            distinct.cells[(published_region, ALL)] = float(len(usccs))
        sink.emit_counts("FIN-01", period, loans)
        sink.emit_counts("FIN-02", period, counts)
        sink.emit_counts("FIN-03", period, distinct)
        sink.emit_counts("FIN-04", period, cumulative)
        for region in REGIONS:
            value, numerator, denominator = rate_fields(inclusive.get(region), counts.get(region))
            sink.emit("FIN-05", period, region, ALL, value, numerator, denominator)

        policy_count, coverage = Tally(), Tally()
        for policy in policies:
            if period.contains(policy.start_date):
                policy_count.add(policy.insured.region_code)
                coverage.add(policy.insured.region_code, amount=policy.coverage_wan)
        sink.emit_counts("FIN-06", period, policy_count)
        sink.emit_counts("FIN-07", period, coverage)

        roadshow_count, signed = Tally(), Tally()
        for roadshow in sources.roadshows:
            if period.contains(roadshow.event_date):
                roadshow_count.add(CITY, [chain_breakdown(roadshow.industry_chain)])
                signed.add(CITY, [chain_breakdown(roadshow.industry_chain)],
                           amount=roadshow.signed_amount_wan)
        sink.emit_counts("FIN-08", period, roadshow_count, chains, regions=(CITY,))
        sink.emit_counts("FIN-09", period, signed, chains, regions=(CITY,))


def _first(parties: tuple) -> object | None:
    return parties[0] if parties else None


def emit_transfers(
    sink: RowSink, sources: Sources, reference: Reference, flow_periods: list[Period]
) -> None:
    """TRN-01..03 and TRD-01..02 from TR01/EE01 events (revoked ones are already gone)."""
    chains = [chain_breakdown(chain) for chain in reference.chains]

    def chain_of(event: LegalEvent) -> str:
        patent = sources.patents.get(event.application_no)
        return reference.classify(patent.ipc_main if patent else None).chain

    events = [e for e in sources.legal_events if e.event_code in TRANSFER_AND_LICENCE]
    for period in flow_periods:
        tallies = {name: Tally() for name in ("TRN-01", "TRN-02", "TRN-03", "TRD-01", "TRD-02")}
        for event in events:
            if not period.contains(event.event_date):
                continue
            seller, buyer = _first(event.from_parties), _first(event.to_parties)
            seller_region = seller.region_code if seller else None
            buyer_region = buyer.region_code if buyer else None
            breakdown = [chain_breakdown(chain_of(event))]
            if is_jinan(seller_region):
                tallies["TRN-01" if event.event_code == "TR01" else "TRN-02"].add(
                    seller_region, breakdown
                )
                if buyer is not None and buyer.country != "CN":
                    tallies["TRD-01"].add(seller_region, breakdown)
            if is_jinan(buyer_region) and not is_jinan(seller_region):
                tallies["TRN-03"].add(buyer_region, breakdown)
            if is_jinan(buyer_region) and seller is not None and seller.country != "CN":
                tallies["TRD-02"].add(buyer_region, breakdown)
        for name, tally in tallies.items():
            sink.emit_counts(name, period, tally, chains)


def emit_products(sink: RowSink, sources: Sources, year_periods: list[Period]) -> None:
    """PIP-01..03 by data_year and the product's own region."""
    for period in year_periods:
        certified, output, filed = Tally(), Tally(), Tally()
        for product in sources.intensive_products:
            if product.data_year != period.start.year:
                continue
            if product.status == "certified":
                certified.add(product.region_code)
                output.add(product.region_code, amount=product.output_value_wan or 0.0)
            if product.status in ("filed", "certified"):
                filed.add(product.region_code)
        sink.emit_counts("PIP-01", period, certified)
        sink.emit_counts("PIP-02", period, output)
        sink.emit_counts("PIP-03", period, filed)
