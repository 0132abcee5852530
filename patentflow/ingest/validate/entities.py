"""What each entity must satisfy: its typed columns, in order, and its cross-field enumerations.

The rules are the contract's (../shared/contracts/source-systems.md); the validation engine that
applies them is :mod:`patentflow.ingest.validate.engine`. Field order matters: a row's reason is
the first
failing field.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from patentflow.core.reference import contract_types
from patentflow.ingest.validate import enumerations
from patentflow.ingest.validate.engine import (
    CheckResult,
    EntitySpec,
    Field,
    mark_failures,
    no_failures,
    parse_numbers,
    short_repr,
    to_mask,
)

# Cross-field checks -------------------------------------------------------------------------


def _tech_not_above_turnover(cleaned: dict[str, pa.Array], context: dict[str, Any]) -> CheckResult:
    turnover, _ = parse_numbers(cleaned["turnover_wan"])
    tech, _ = parse_numbers(cleaned["tech_transaction_wan"])
    codes = no_failures(len(turnover))
    with np.errstate(invalid="ignore"):
        mark_failures(
            codes, np.round(tech, 4) > np.round(turnover, 4), "tech_amount_exceeds_turnover"
        )
    return CheckResult(
        codes,
        lambda i: f"技术交易额(万元)={tech[i]} > 成交额(万元)={turnover[i]}",
    )


def _category_valid_on_registration(
    cleaned: dict[str, pa.Array], context: dict[str, Any]
) -> CheckResult:
    """A 合同类别 exists only for contracts registered from its ``valid_from`` on (contract-type
    seed): the 2026-01-23 measures split 技术许可 from 技术转让, so a contract registered before
    that day cannot carry it, whatever file it arrives in. A row whose date failed to parse has
    its reason already; ISO dates compare as text."""
    category = cleaned["contract_category"]
    registered = cleaned["registration_date"]
    codes = no_failures(len(category))
    valid_from = {t.category: t.valid_from for t in contract_types() if t.valid_from}
    for name, first_day in valid_from.items():
        early = pc.and_(pc.equal(category, name), pc.less(registered, first_day.isoformat()))
        mark_failures(codes, to_mask(early), "invalid_enum")
    return CheckResult(
        codes,
        lambda i: (f"合同类别={category[i].as_py()!r} is valid only for contracts registered from "
                   f"{valid_from[category[i].as_py()]}, not on 登记日期={registered[i].as_py()!r}"),
    )


def _licence_kind_known(cleaned: dict[str, pa.Array], context: dict[str, Any]) -> CheckResult:
    details = context.get("details_raw") or []
    codes = no_failures(len(details))
    for index, value in enumerate(details):
        if isinstance(value, dict):
            kind = value.get("license_kind")
            if kind is not None and kind not in enumerations.LICENSE_KINDS:
                codes[index] = "invalid_enum"
    return CheckResult(codes, lambda i: f"details.license_kind={short_repr(details[i])}")


# Entity specifications ----------------------------------------------------------------------

F = Field
ENTITY_SPECS: dict[str, EntitySpec] = {
    spec.entity: spec
    for spec in (
        EntitySpec(
            "patents",
            (
                F("application_no", "appno", True),
                F("patent_type", "enum", True, enumerations.PATENT_TYPES),
                F("title", "text", True),
                F("application_date", "date", True),
                F("publication_no", "text"),
                F("grant_no", "text"),
                F("grant_date", "date"),
                F("ipc_main", "ipc_main"),
                F("ipc", "ipc_list"),
                F("locarno", "text"),
                F("applicants", "party_list"),
                F("family_countries", "str_list"),
                F("fiscal_project_ids", "str_list"),
                F("awards", "str_list"),
                F("legal_status", "enum", True, enumerations.LEGAL_STATUSES),
                F("updated_at", "timestamp", True),
            ),
        ),
        EntitySpec(
            "legal_events",
            (
                F("event_id", "text", True),
                F("application_no", "appno", True),
                F("event_code", "enum", True, enumerations.EVENT_CODES),
                F("event_date", "date", True),
                F("from_parties", "party_list"),
                F("to_parties", "party_list"),
                F("details", "json_object"),
                F("updated_at", "timestamp", True),
                F("revoked", "bool"),
            ),
            (_licence_kind_known,),
        ),
        EntitySpec(
            "pledges",
            (
                F("pledge_id", "text", True),
                F("registration_date", "date", True),
                F("pledgor_name", "text", True),
                F("pledgor_uscc", "uscc"),
                F("pledgor_party_type", "enum", True, enumerations.PARTY_TYPES),
                F("pledgor_region_code", "region"),
                F("pledgor_country", "text", True),
                F("pledgee_name", "text", True),
                F("pledgee_uscc", "uscc"),
                F("pledgee_institution_type", "enum", True, enumerations.INSTITUTION_TYPES),
                F("patent_application_nos", "appno_list"),
                F("trademark_count", "int"),
                F("loan_amount_wan", "money", True),
                F("term_months", "int"),
                F("status", "enum", True, enumerations.PLEDGE_STATUSES),
                F("release_date", "date"),
                F("updated_at", "timestamp", True),
            ),
        ),
        EntitySpec(
            "insurance_policies",
            (
                F("policy_no", "text", True),
                F("insured_name", "text", True),
                F("insured_uscc", "uscc"),
                F("insured_party_type", "enum", True, enumerations.PARTY_TYPES),
                F("insured_region_code", "region"),
                F("insured_country", "text", True),
                F("insurance_type", "enum", True, enumerations.INSURANCE_TYPES),
                F("coverage_wan", "money"),
                F("premium_wan", "money"),
                F("start_date", "date", True),
                F("end_date", "date"),
                F("updated_at", "timestamp", True),
            ),
        ),
        EntitySpec(
            "roadshows",
            (
                F("roadshow_id", "text", True),
                F("event_date", "date", True),
                F("industry_chain", "chain", True),
                F("enterprises", "int"),
                F("intended_amount_wan", "money"),
                F("signed_amount_wan", "money"),
                F("updated_at", "timestamp", True),
            ),
        ),
        EntitySpec(
            "tech_contracts",
            (
                F("registration_no", "text", True),
                F("contract_name", "text"),
                F("contract_category", "enum", True, enumerations.CONTRACT_CATEGORIES),
                F("registration_date", "date", True),
                F("seller_name", "text", True),
                F("seller_uscc", "uscc"),
                F("seller_type", "enum", True, enumerations.SELLER_TYPES),
                F("seller_region", "region", True),
                F("buyer_name", "text", True),
                F("buyer_uscc", "uscc"),
                F("buyer_region", "region", True,
                  extra_allowed=frozenset({enumerations.BUYER_ABROAD})),
                F("turnover_wan", "money", True),
                F("tech_transaction_wan", "money", True),
                F("ip_types", "str_list", values=enumerations.IP_TYPES),
                F("patent_application_nos", "appno_list"),
                F("tech_field", "text"),
                F("status", "enum", True, enumerations.CONTRACT_STATUSES),
            ),
            (_tech_not_above_turnover, _category_valid_on_registration),
        ),
        EntitySpec(
            "organizations",
            (
                F("uscc", "uscc", True),
                F("name", "text", True),
                F("party_type", "enum", False, enumerations.PARTY_TYPES),
                F("region_code", "region"),
                F("is_high_tech_enterprise", "bool"),
                F("is_specialized_sme", "bool"),
                F("is_tech_sme", "bool"),
                F("valid_from", "date"),
                F("valid_to", "date"),
            ),
        ),
        EntitySpec(
            "population",
            (
                F("region_code", "region", True, pattern=enumerations.POPULATION_REGION_PATTERN),
                F("year", "int", True),
                F("resident_population", "bigint", True),
            ),
        ),
        EntitySpec(
            "inventory_returns",
            (
                F("application_no", "appno", True),
                F("owner_uscc", "uscc"),
                F("entered_date", "date", True),
                F("prospect", "enum", False, enumerations.PROSPECTS),
                F("industrialized", "bool"),
                F("industry_chain", "chain"),
            ),
        ),
        EntitySpec(
            "intensive_products",
            (
                F("product_id", "text", True),
                F("product_name", "text"),
                F("owner_uscc", "uscc"),
                F("region_code", "region"),
                F("data_year", "int"),
                F("status", "enum", True, enumerations.PRODUCT_STATUSES),
                F("output_value_wan", "money"),
                F("patent_application_nos", "appno_list"),
            ),
        ),
    )
}
