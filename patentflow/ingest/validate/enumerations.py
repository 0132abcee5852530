"""Enumerations and patterns from the source-system contract, in one place.

Every value here is quoted from ../shared/contracts/source-systems.md (or the shared reference
data); validators import them instead of repeating literals so a contract change is one edit.
"""

from __future__ import annotations

PATENT_TYPES = frozenset({"invention", "utility_model", "design"})
LEGAL_STATUSES = frozenset(
    {"pending", "granted", "lapsed", "expired", "invalidated", "abandoned", "rejected", "withdrawn"}
)
PARTY_TYPES = frozenset(
    {"enterprise", "university", "research_institute", "government", "individual", "other"}
)
EVENT_CODES = frozenset(
    {
        "GR01",
        "TR01",
        "EE01",
        "EC01",
        "PE01",
        "PC01",
        "CF01",
        "CX01",
        "AV01",
        "IW01",
        "RR01",
        "OL01",
        "OL02",
        "OL03",
    }
)
LICENSE_KINDS = frozenset({"exclusive", "sole", "ordinary"})
PLEDGE_STATUSES = frozenset({"active", "released", "cancelled"})
INSTITUTION_TYPES = frozenset({"bank", "guarantor", "other"})
INSURANCE_TYPES = frozenset(
    {
        "patent_enforcement",
        "infringement_liability",
        "pledge_guarantee",
        "transformation",
        "overseas",
        "other",
    }
)
# ../shared/reference/industry_chains.csv (a test checks the two stay equal).
INDUSTRY_CHAINS = frozenset(
    {"biomedicine", "smart_manufacturing", "big_data_ngit", "future_industries", "other"}
)

CONTRACT_CATEGORIES = frozenset({"技术开发", "技术转让", "技术许可", "技术咨询", "技术服务"})
LICENSE_CATEGORY = "技术许可"
LICENSE_CATEGORY_FIRST_YEAR = 2026
SELLER_TYPES = frozenset({"企业", "高等院校", "科研机构", "其他"})
IP_TYPES = frozenset(
    {
        "专利",
        "技术秘密",
        "计算机软件著作权",
        "集成电路布图设计",
        "植物新品种",
        "生物医药新品种",
        "其他",
        "未涉及",
    }
)
CONTRACT_STATUSES = frozenset({"有效", "已撤销"})
BUYER_ABROAD = "境外"

PROSPECTS = frozenset({"high", "medium", "low", "none"})
PRODUCT_STATUSES = frozenset({"filed", "certified", "rejected"})

REGION_PATTERN = r"\d{6}"
# The population delivery carries the city itself as `3701` besides the 6-digit districts.
POPULATION_REGION_PATTERN = r"\d{4}|\d{6}"
USCC_PATTERN = r"[0-9A-HJ-NPQRTUWXY]{18}"
MAX_MONEY = 10**14  # DECIMAL(18,4) holds 14 integer digits
