"""Turn a generated `Dataset` into the validated current records (`Sources`)."""

from __future__ import annotations

from typing import Any

from .load_api import (
    newest_versions,
    parse_legal_event,
    parse_patent,
    parse_pledge,
    parse_policy,
    roadshow_parser,
)
from .load_drops import (
    current_contracts,
    newest_snapshot,
    parse_intensive_products,
    parse_inventory_returns,
    parse_population,
)
from .records import Sources
from .reference import Reference


def load_sources(dataset: Any, reference: Reference) -> Sources:
    """Validate every record of the dataset and keep the current version of each."""
    sources = Sources()
    quarantine = sources.quarantined
    api = dataset.api_records
    sources.patents = newest_versions("patents", api.get("patents", []), parse_patent, quarantine)
    events = newest_versions(
        "legal-events", api.get("legal-events", []), parse_legal_event, quarantine
    )
    sources.legal_events = [event for event in events.values() if event is not None]
    sources.pledges = list(
        newest_versions("pledges", api.get("pledges", []), parse_pledge, quarantine).values()
    )
    sources.insurance_policies = list(
        newest_versions(
            "insurance-policies", api.get("insurance-policies", []), parse_policy, quarantine
        ).values()
    )
    sources.roadshows = list(
        newest_versions(
            "roadshows", api.get("roadshows", []), roadshow_parser(reference.chains), quarantine
        ).values()
    )

    drops = list(dataset.drop_files)
    sources.tech_contracts = current_contracts(drops, quarantine)
    population = newest_snapshot(drops, "population")
    if population is not None:
        sources.population = parse_population(population.rows, quarantine)
    returns = newest_snapshot(drops, "inventory_returns")
    if returns is not None:
        sources.inventory_returns = parse_inventory_returns(returns.rows, quarantine)
    products = newest_snapshot(drops, "intensive_products")
    if products is not None:
        by_id = {
            product.product_id: product
            for product in parse_intensive_products(products.rows, quarantine)
        }
        sources.intensive_products = list(by_id.values())
    return sources
