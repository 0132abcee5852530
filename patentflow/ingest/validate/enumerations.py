"""The value sets and patterns the validators check, from the source contract.

The value sets are not written here: they are the seeds' (``dbt_project/seeds/enumerations.csv``,
``party_types.csv``, ``contract_types.csv``, ``industry_chains.csv``), read through
:mod:`patentflow.core.reference`, so a contract change is one edit that the validators, the GX
suites and the dbt tests all see. The patterns are shapes of the contract's identifiers.
"""

from __future__ import annotations

from patentflow.core import reference

PATENT_TYPES = reference.enumeration("patent_type")
LEGAL_STATUSES = reference.enumeration("legal_status")
PARTY_TYPES = frozenset(reference.party_types())
EVENT_CODES = reference.enumeration("event_code")
LICENSE_KINDS = reference.enumeration("license_kind")
PLEDGE_STATUSES = reference.enumeration("pledge_status")
INSTITUTION_TYPES = reference.enumeration("institution_type")
INSURANCE_TYPES = reference.enumeration("insurance_type")
INDUSTRY_CHAINS = frozenset(reference.industry_chains())
CONTRACT_CATEGORIES = frozenset(t.category for t in reference.contract_types())
SELLER_TYPES = reference.enumeration("seller_type")
IP_TYPES = reference.enumeration("ip_type")
CONTRACT_STATUSES = reference.enumeration("contract_status")
BUYER_ABROAD = reference.enumeration_code("buyer_region_marker", "abroad")
PROSPECTS = reference.enumeration("prospect")
PRODUCT_STATUSES = reference.enumeration("product_status")

REGION_PATTERN = r"\d{6}"
# The population delivery carries each region at its own level: a province's 2-digit code, a
# city's 4 digits, the 6-digit districts (PAT-03 uses each region's own row).
POPULATION_REGION_PATTERN = r"\d{2}|\d{4}|\d{6}"
USCC_PATTERN = r"[0-9A-HJ-NPQRTUWXY]{18}"
MAX_MONEY = 10**14  # DECIMAL(18,4) holds 14 integer digits
