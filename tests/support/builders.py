"""Contract-shaped records for the ingestion tests (valid unless a test spoils them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from patentflow.core.settings import Settings
from patentflow.ingest.validate.application_numbers import check_digit
from patentflow.warehouse.load_raw import load_raw

BASE_TIME = datetime(2025, 3, 1, tzinfo=UTC)
PATENT_PATH = "/v1/patents"
EVENT_PATH = "/v1/legal-events"
ID_FIELDS = {
    PATENT_PATH: "application_no",
    EVENT_PATH: "event_id",
    "/v1/pledges": "pledge_id",
    "/v1/insurance-policies": "policy_no",
    "/v1/roadshows": "roadshow_id",
}


def application_no(serial: int, type_digit: int = 1, year: int = 2024) -> str:
    body = f"{year}{type_digit}{serial:07d}"
    return f"{body}.{check_digit(body)}"


def timestamp(offset_seconds: int) -> str:
    return (BASE_TIME + timedelta(seconds=offset_seconds)).isoformat()


def party(**overrides: Any) -> dict[str, Any]:
    value = {
        "name": "济南某科技有限公司",
        "uscc": "91370100MA3C0000X1",
        "party_type": "enterprise",
        "region_code": "370102",
        "country": "CN",
    }
    value.update(overrides)
    return value


def patent(serial: int, updated_offset: int = 0, **overrides: Any) -> dict[str, Any]:
    record = {
        "application_no": "CN" + application_no(serial).replace(".", ""),
        "patent_type": "invention",
        "title": f"一种测试装置{serial}",
        "application_date": "2024-01-15",
        "publication_no": None,
        "grant_no": None,
        "grant_date": None,
        "ipc_main": "G06F 40/289",
        "ipc": ["G06F 40/289", "G06N3/08"],
        "locarno": None,
        "applicants": [party()],
        "family_countries": [],
        "fiscal_project_ids": [],
        "awards": [],
        "legal_status": "pending",
        "updated_at": timestamp(updated_offset),
    }
    record.update(overrides)
    return record


def legal_event(serial: int, updated_offset: int = 0, **overrides: Any) -> dict[str, Any]:
    record = {
        "event_id": f"EV{serial:06d}",
        "application_no": application_no(serial),
        "event_code": "GR01",
        "event_date": "2024-09-01",
        "from_parties": [],
        "to_parties": [],
        "details": {},
        "updated_at": timestamp(updated_offset),
        "revoked": False,
    }
    record.update(overrides)
    return record


def pledge(serial: int, updated_offset: int = 0, **overrides: Any) -> dict[str, Any]:
    record = {
        "pledge_id": f"PL{serial:06d}",
        "registration_date": "2025-01-10",
        "pledgor": party(),
        "pledgee": {"name": "某银行济南分行", "uscc": None, "institution_type": "bank"},
        "patent_application_nos": [application_no(serial)],
        "trademark_count": 0,
        "loan_amount_wan": 500.25,
        "term_months": 12,
        "status": "active",
        "release_date": None,
        "updated_at": timestamp(updated_offset),
    }
    record.update(overrides)
    return record


# --- technology-contract files -----------------------------------------------------------

HEADER = [
    "合同登记号",
    "合同名称",
    "合同类别",
    "登记日期",
    "卖方名称",
    "卖方统一社会信用代码",
    "卖方类型",
    "卖方所在地",
    "买方名称",
    "买方统一社会信用代码",
    "买方所在地",
    "成交额(万元)",
    "技术交易额(万元)",
    "知识产权类型",
    "涉及专利",
    "技术领域",
    "状态",
]


def contract(reg_no: str, **overrides: str) -> dict[str, str]:
    row = {
        "合同登记号": reg_no,
        "合同名称": "一种材料的技术开发",
        "合同类别": "技术开发",
        "登记日期": "2025-03-05",
        "卖方名称": "山东某大学",
        "卖方统一社会信用代码": "12370000MB0000000X",
        "卖方类型": "高等院校",
        "卖方所在地": "370102",
        "买方名称": "济南某公司",
        "买方统一社会信用代码": "91370100MA3C0000X1",
        "买方所在地": "370112",
        "成交额(万元)": "120.5",
        "技术交易额(万元)": "100",
        "知识产权类型": "专利;技术秘密",
        "涉及专利": "CN" + application_no(7).replace(".", ""),
        "技术领域": "新材料及其应用",
        "状态": "有效",
    }
    row.update(overrides)
    return row


def csv_bytes(
    rows: list[dict[str, str]], header: list[str] = HEADER, encoding: str = "gbk"
) -> bytes:
    lines = [",".join(header)] + [",".join(row.get(h, "") for h in header) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode(encoding)


def deliver(settings: Settings, name: str, data: bytes, marker: bool = True,
            sub: str = "tech_contracts") -> None:
    """Put a file (and its ``.done`` marker) into the drop, as the owner system does."""
    folder = settings.drop_dir / sub
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    if marker:
        (folder / f"{name}.done").touch()


def load_warehouse(settings: Settings) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with the raw and audit schemas ``load_raw`` builds from ``raw/``."""
    con = duckdb.connect()
    load_raw(settings, con)
    return con
