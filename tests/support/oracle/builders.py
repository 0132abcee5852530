"""Tiny hand-made Datasets for the oracle's rule tests (same shape as the generator's)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from .appno import check_digit

LIXIA = "370102"
HIGH_TECH_ZONE = "370176"
QINGDAO = "370202"

_serials = itertools.count(1)
_ids = itertools.count(1)


@dataclass(frozen=True)
class DropFile:
    kind: str
    name: str
    rows: list[dict]
    encoding: str = "utf-8"


@dataclass
class Dataset:
    as_of: dt.date
    api_records: dict[str, list[dict]] = field(
        default_factory=lambda: {
            "patents": [],
            "legal-events": [],
            "pledges": [],
            "insurance-policies": [],
            "roadshows": [],
        }
    )
    drop_files: list[DropFile] = field(default_factory=list)


def application_no(year: int = 2015, type_digit: int = 1, serial: int | None = None) -> str:
    """A valid 13-digit application number with its check digit, in canonical form."""
    body = f"{year}{type_digit}{serial if serial is not None else next(_serials):07d}"
    return f"{body}.{check_digit(body)}"


def party(
    region: str | None = LIXIA,
    party_type: str = "enterprise",
    uscc: str | None = None,
    country: str = "CN",
    name: str = "甲公司",
) -> dict:
    if uscc is None and party_type != "individual":
        uscc = f"91370100MA{next(_ids):08d}"
    return {
        "name": name,
        "uscc": uscc,
        "party_type": party_type,
        "region_code": region,
        "country": country,
    }


def university(region: str = LIXIA, uscc: str = "12370000495570001X") -> dict:
    return party(region, "university", uscc, name="山东某大学")


def patent(
    number: str,
    application_date: str = "2015-06-01",
    patent_type: str = "invention",
    applicants: list[dict] | None = None,
    ipc_main: str | None = "F16B 1/00",
    updated_at: str = "2024-01-01T08:00:00+08:00",
    **extra: object,
) -> dict:
    record = {
        "application_no": number,
        "patent_type": patent_type,
        "title": "一种装置",
        "application_date": application_date,
        "publication_no": None,
        "grant_no": None,
        "grant_date": None,
        "ipc_main": ipc_main,
        "ipc": [ipc_main] if ipc_main else [],
        "locarno": None,
        "applicants": applicants if applicants is not None else [party()],
        "family_countries": [],
        "fiscal_project_ids": [],
        "awards": [],
        "legal_status": "granted",
        "updated_at": updated_at,
    }
    record.update(extra)
    return record


def event(
    number: str,
    code: str,
    day: str,
    from_parties: list[dict] | None = None,
    to_parties: list[dict] | None = None,
    revoked: bool = False,
    event_id: str | None = None,
    updated_at: str = "2024-01-01T08:00:00+08:00",
) -> dict:
    return {
        "event_id": event_id or f"E{next(_ids)}",
        "application_no": number,
        "event_code": code,
        "event_date": day,
        "from_parties": from_parties or [],
        "to_parties": to_parties or [],
        "details": {},
        "updated_at": updated_at,
        "revoked": revoked,
    }


def pledge(
    day: str,
    loan: float,
    numbers: list[str] | None = None,
    pledgor: dict | None = None,
    status: str = "active",
    pledge_id: str | None = None,
    updated_at: str = "2024-01-01T08:00:00+08:00",
) -> dict:
    return {
        "pledge_id": pledge_id or f"P{next(_ids)}",
        "registration_date": day,
        "pledgor": pledgor or party(),
        "pledgee": {"name": "银行", "uscc": None, "institution_type": "bank"},
        "patent_application_nos": numbers or [],
        "trademark_count": 0,
        "loan_amount_wan": loan,
        "term_months": 12,
        "status": status,
        "release_date": None,
        "updated_at": updated_at,
    }


def contract_row(
    registration_no: str,
    day: str,
    turnover: float,
    tech_amount: float | None = None,
    ip_types: str = "专利",
    patents: str = "",
    seller_region: str = LIXIA,
    seller_type: str = "企业",
    category: str = "技术转让",
    status: str = "有效",
) -> dict:
    return {
        "合同登记号": registration_no,
        "合同名称": "技术转让合同",
        "合同类别": category,
        "登记日期": day,
        "卖方名称": "甲公司",
        "卖方统一社会信用代码": "91370100MA00000001",
        "卖方类型": seller_type,
        "卖方所在地": seller_region,
        "买方名称": "乙公司",
        "买方统一社会信用代码": "91370100MA00000002",
        "买方所在地": "370103",
        "成交额(万元)": str(turnover),
        "技术交易额(万元)": str(turnover if tech_amount is None else tech_amount),
        "知识产权类型": ip_types,
        "涉及专利": patents,
        "技术领域": "先进制造",
        "状态": status,
    }


def contracts_file(name: str, rows: list[dict]) -> DropFile:
    return DropFile("tech_contracts", name, rows, "utf-8-sig")


def cell(
    frame,
    indicator_id: str,
    period_type: str,
    period_start: str,
    region: str = "3701",
    breakdown: str = "all",
    column: str = "value",
):
    """The one published value of a row (fails loudly when the row is missing or duplicated)."""
    start = dt.date.fromisoformat(period_start)
    rows = frame[
        (frame["indicator_id"] == indicator_id)
        & (frame["period_type"] == period_type)
        & (frame["period_start"] == start)
        & (frame["region_code"] == region)
        & (frame["breakdown"] == breakdown)
    ]
    assert len(rows) == 1, f"{len(rows)} rows for {indicator_id} {period_type} {period_start} "
    value = rows.iloc[0][column]
    return None if value != value else value  # NaN → None
