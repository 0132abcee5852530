"""Validate the file drops: technology contracts (current row per registration number) and the
reference snapshots (only the newest snapshot of each kind counts)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from .appno import normalise_application_no, split_application_nos
from .parsing import (
    Invalid,
    parse_amount,
    parse_date,
    parse_enum,
    parse_int,
    parse_optional_amount,
    region_code,
)
from .records import IntensiveProduct, InventoryReturn, Quarantined, TechContract

CONTRACT_FILE = re.compile(r"^contracts_(\d{4})-(\d{2})(?:_r(\d+))?\.(csv|xlsx)$", re.IGNORECASE)
SNAPSHOT_FILE = re.compile(r"_(\d{8})\.csv$", re.IGNORECASE)

CONTRACT_CATEGORIES = ("技术开发", "技术转让", "技术咨询", "技术服务", "技术许可")
# 技术许可 exists for contracts registered from the 2026-01-23 measures on (the oracle keeps its
# own reading of the spec, apart from the seed).
LICENCE_CATEGORY_FROM = dt.date(2026, 1, 23)
SELLER_TYPES = ("企业", "高等院校", "科研机构", "其他")
IP_TYPES = frozenset(
    (
        "专利",
        "技术秘密",
        "计算机软件著作权",
        "集成电路布图设计",
        "植物新品种",
        "生物医药新品种",
        "其他",
    )
)
NO_IP = "未涉及"
CONTRACT_STATUSES = ("有效", "已撤销")
PROSPECTS = ("high", "medium", "low", "none")
PRODUCT_STATUSES = ("filed", "certified", "rejected")


def _cell(row: dict, header: str) -> Any:
    """Look a column up by its header, tolerant of stray spaces or a BOM in the header cell."""
    if header in row:
        return row[header]
    for name, value in row.items():
        if isinstance(name, str) and name.strip().lstrip("\ufeff") == header:
            return value
    return None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_contract_row(row: dict) -> TechContract:
    registration_no = _text(_cell(row, "合同登记号"))
    if not registration_no:
        raise Invalid("missing 合同登记号")
    registration_date = parse_date(_cell(row, "登记日期"))
    allowed_categories = (
        CONTRACT_CATEGORIES
        if registration_date >= LICENCE_CATEGORY_FROM
        else (CONTRACT_CATEGORIES[:-1])
    )
    ip_text = _text(_cell(row, "知识产权类型"))
    ip_types = tuple(part.strip() for part in ip_text.split(";") if part.strip())
    if ip_types != (NO_IP,) and (not ip_types or not set(ip_types) <= IP_TYPES):
        raise Invalid(f"知识产权类型 {ip_text!r} not in the enumeration")
    numbers = split_application_nos(_text(_cell(row, "涉及专利")))
    if numbers is None:
        raise Invalid("bad application number in 涉及专利")
    turnover = parse_amount(_cell(row, "成交额(万元)"))
    tech_amount = parse_amount(_cell(row, "技术交易额(万元)"))
    if tech_amount > turnover:
        raise Invalid(f"技术交易额 {tech_amount} above 成交额 {turnover}")
    return TechContract(
        registration_no=registration_no,
        category=parse_enum(_text(_cell(row, "合同类别")), allowed_categories, "合同类别"),
        registration_date=registration_date,
        seller_type=parse_enum(_text(_cell(row, "卖方类型")), SELLER_TYPES, "卖方类型"),
        seller_region=region_code(_cell(row, "卖方所在地")),
        turnover_wan=turnover,
        tech_transaction_wan=tech_amount,
        ip_types=() if ip_types == (NO_IP,) else ip_types,
        application_nos=tuple(numbers),
        status=parse_enum(_text(_cell(row, "状态")), CONTRACT_STATUSES, "状态"),
    )


def current_contracts(
    drop_files: Iterable[Any], quarantine: list[Quarantined]
) -> list[TechContract]:
    """The row in the newest file (by `_rN`, then delivery order) of each registration number."""
    best: dict[str, tuple[tuple[int, int, int], TechContract]] = {}
    for delivery, drop in enumerate(drop_files):
        if drop.kind != "tech_contracts":
            continue
        name = CONTRACT_FILE.match(drop.name)
        if name is None:
            quarantine.append(Quarantined("tech_contracts", drop.name, "unrecognised file name"))
            continue
        reissue = int(name.group(3) or 0)
        for position, row in enumerate(drop.rows):
            try:
                contract = parse_contract_row(row)
            except Invalid as error:
                key = _text(_cell(row, "合同登记号")) or f"{drop.name}#{position + 1}"
                quarantine.append(Quarantined("tech_contracts", key, str(error)))
                continue
            order = (reissue, delivery, position)
            known = best.get(contract.registration_no)
            if known is None or order > known[0]:
                best[contract.registration_no] = (order, contract)
    return [contract for _, contract in best.values()]


def newest_snapshot(drop_files: Iterable[Any], kind: str) -> Any | None:
    """The file of `kind` with the latest YYYYMMDD in its name (later delivery breaks ties)."""
    newest, newest_order = None, None
    for delivery, drop in enumerate(drop_files):
        match = SNAPSHOT_FILE.search(drop.name)
        if drop.kind != kind or match is None:
            continue
        try:
            snapshot_day = dt.datetime.strptime(match.group(1), "%Y%m%d").date()
        except ValueError:
            continue
        if newest_order is None or (snapshot_day, delivery) > newest_order:
            newest, newest_order = drop, (snapshot_day, delivery)
    return newest


def parse_population(
    rows: Iterable[dict], quarantine: list[Quarantined]
) -> dict[tuple[str, int], float]:
    population: dict[tuple[str, int], float] = {}
    for row in rows:
        try:
            region = region_code(row.get("region_code"))
            if region is None:
                raise Invalid("missing region_code")
            year = parse_int(row.get("year"), "year")
            population[(region, year)] = parse_amount(row.get("resident_population"))
        except Invalid as error:
            quarantine.append(Quarantined("population", str(row.get("region_code")), str(error)))
    return population


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("true", "false"):
        return text == "true"
    raise Invalid(f"industrialized {value!r} not in the enumeration")


def parse_inventory_returns(
    rows: Iterable[dict], quarantine: list[Quarantined]
) -> list[InventoryReturn]:
    returns = []
    for row in rows:
        try:
            number = normalise_application_no(_text(row.get("application_no")))
            if number is None:
                raise Invalid(f"bad application_no {row.get('application_no')!r}")
            parse_enum(_text(row.get("prospect")), PROSPECTS, "prospect")
            returns.append(
                InventoryReturn(
                    number, parse_date(row.get("entered_date")), _boolean(row.get("industrialized"))
                )
            )
        except Invalid as error:
            quarantine.append(
                Quarantined("inventory_returns", str(row.get("application_no")), str(error))
            )
    return returns


def parse_intensive_products(
    rows: Iterable[dict], quarantine: list[Quarantined]
) -> list[IntensiveProduct]:
    products = []
    for row in rows:
        try:
            numbers = split_application_nos(_text(row.get("patent_application_nos")))
            if numbers is None:
                raise Invalid("bad application number in patent_application_nos")
            product_id = _text(row.get("product_id"))
            if not product_id:
                raise Invalid("missing product_id")
            products.append(
                IntensiveProduct(
                    product_id=product_id,
                    region_code=region_code(row.get("region_code")),
                    data_year=parse_int(row.get("data_year"), "data_year"),
                    status=parse_enum(_text(row.get("status")), PRODUCT_STATUSES, "status"),
                    output_value_wan=parse_optional_amount(row.get("output_value_wan")),
                    application_nos=tuple(numbers),
                )
            )
        except Invalid as error:
            quarantine.append(
                Quarantined("intensive_products", str(row.get("product_id")), str(error))
            )
    return products
