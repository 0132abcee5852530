"""A small published release for the report tests, in the published shape.

Two releases under ``<home>/releases`` (the second current, with revisions against the first),
``marts.indicator_values`` for a few indicators — months and years 2023..2025 up to the as-of
day 2025-06-30, the 13 districts plus 3701 (the city total is the sum of the districts, as for
additive indicators), ``industry_chain=`` rows — and the audit tables. Values follow simple
formulas so the tests can check the report against the warehouse, not against the code.
"""

from __future__ import annotations

import calendar
import json
import os
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from patentflow.release.registry import revisions_between

DISTRICTS = ["370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
             "370116", "370117", "370124", "370126", "370176"]
CITY = "3701"
AS_OF = date(2025, 6, 30)
CHAINS = ["biomedicine", "smart_manufacturing", "big_data_ngit", "future_industries", "other"]
FLOWS = {"CON-01": "万元", "CON-03": "万元", "TRN-01": "次", "FIN-01": "万元", "FIN-02": "笔"}
STOCKS = {"PAT-01": "件", "PAT-02": "件", "FIN-04": "万元"}
INJECTION = '=HYPERLINK("http://example.invalid","click")'
RELEASE_A = "20250531-aaaaaaaa"
RELEASE_B = "20250630-bbbbbbbb"


def _months(year: int) -> list[int]:
    return list(range(1, 13 if year < AS_OF.year else AS_OF.month + 1))


def _end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def flow_value(indicator: str, region_index: int, year: int, month: int) -> float:
    base = (region_index + 1) * 3 + month + (year - 2023) * 4 + len(indicator)
    return round(base * 1.25, 2) if FLOWS.get(indicator) == "万元" else float(base)


def stock_value(indicator: str, region_index: int, year: int, month: int) -> float:
    return float((region_index + 1) * 20 + month + (year - 2023) * 12 + len(indicator))


def _row(indicator, period_type, start, end, region, value, unit, breakdown="all",
         numerator=None, denominator=None, target=None):
    return {"indicator_id": indicator, "period_type": period_type, "period_start": start,
            "period_end": end, "is_complete": end < AS_OF or end == AS_OF and period_type != "year",
            "region_code": region, "breakdown": breakdown, "value": value,
            "numerator": numerator, "denominator": denominator, "unit": unit,
            "target_value": target}


def indicator_rows(release_id: str, bump: float = 0.0) -> pd.DataFrame:
    """All rows of the fixture; ``bump`` is added to CON-01 of 2025-03 in every region (a
    revision between the two releases)."""
    rows = []
    for year in (2023, 2024, 2025):
        year_end = _end(year, 12) if year < AS_OF.year else AS_OF
        months = _months(year)
        for indicator, unit in FLOWS.items():
            for region in [CITY, *DISTRICTS]:
                indexes = range(len(DISTRICTS)) if region == CITY else [DISTRICTS.index(region)]
                monthly = {m: sum(flow_value(indicator, i, year, m) for i in indexes)
                           + (bump if (indicator, year, m) == ("CON-01", 2025, 3) else 0.0)
                           for m in months}
                for m, v in monthly.items():
                    rows.append(_row(indicator, "month", date(year, m, 1), _end(year, m), region,
                                     round(v, 4), unit))
                rows.append(_row(indicator, "year", date(year, 1, 1), year_end, region,
                                 round(sum(monthly.values()), 4), unit))
        for indicator, unit in STOCKS.items():
            for region in [CITY, *DISTRICTS]:
                indexes = range(len(DISTRICTS)) if region == CITY else [DISTRICTS.index(region)]
                is_target = (indicator, region, year) == ("FIN-04", CITY, 2025)
                target = 1_000_000.0 if is_target else None
                for m in months:
                    v = sum(stock_value(indicator, i, year, m) for i in indexes)
                    rows.append(_row(indicator, "month", date(year, m, 1), _end(year, m), region,
                                     v, unit))
                last = sum(stock_value(indicator, i, year, months[-1]) for i in indexes)
                rows.append(_row(indicator, "year", date(year, 1, 1), year_end, region, last,
                                 unit, target=target))
        for c, chain in enumerate(CHAINS):
            for m in months:
                rows.append(_row("PAT-02", "month", date(year, m, 1), _end(year, m), CITY,
                                 float(10 * (c + 1) + m), "件", f"industry_chain={chain}"))
                rows.append(_row("TRN-01", "month", date(year, m, 1), _end(year, m), CITY,
                                 float(c + m), "次", f"industry_chain={chain}"))
        # UNI-03: coverage, numerator of 100 patents
        for m in months:
            covered = 50.0 + m + (year - 2023) * 10
            rows.append(_row("UNI-03", "month", date(year, m, 1), _end(year, m), CITY, covered,
                             "%", numerator=covered, denominator=100.0))
        covered = 50.0 + months[-1] + (year - 2023) * 10
        rows.append(_row("UNI-03", "year", date(year, 1, 1), year_end, CITY, covered, "%",
                         numerator=covered, denominator=100.0,
                         target=100.0 if year == 2024 else None))
    frame = pd.DataFrame(rows)
    city_years = frame[(frame.indicator_id == "CON-01") & (frame.period_type == "year")
                       & (frame.region_code == CITY)]
    con01 = dict(zip(city_years["period_start"].map(lambda d: d.year), city_years["value"],
                     strict=True))
    for year in (2023, 2024, 2025):
        num, den = con01[year], con01[2023]
        rows.append(_row("CON-02", "year", date(year, 1, 1),
                         _end(year, 12) if year < 2025 else AS_OF, CITY, 100 * (num / den - 1),
                         "%", numerator=num, denominator=den,
                         target=30.0 if year == 2025 else None))
    frame = pd.DataFrame(rows)
    frame["release_id"] = release_id
    return frame


def quarantine_rows() -> pd.DataFrame:
    return pd.DataFrame([
        ("patent_api", "patents", "patents__20250629__1", "2021x", "invalid_date",
         "application_date='2021-02-30': not a date", "{}"),
        ("patent_api", "patents", "patents__20250629__1", "2022y", "invalid_date",
         "application_date='待补录': not a date", "{}"),
        ("tech_contract_drop", "tech_contracts", "tech_contracts__20250629__f", INJECTION,
         "invalid_enum", "contract_category='开发': not in the enumeration", "{}"),
        ("finance_api", "pledges", "pledges__20250629__1", "-P1", "negative_amount",
         "-120.5 is negative", "{}"),
    ], columns=["source", "entity", "batch_id", "record_key", "reason_code", "reason",
                "raw_record"])


def _write_release(releases: Path, release_id: str, values: pd.DataFrame,
                   manifest_extra: dict) -> Path:
    directory = releases / release_id
    directory.mkdir(parents=True)
    con = duckdb.connect(str(directory / "warehouse.duckdb"))
    try:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA audit")
        con.register("v", values)
        con.execute("""CREATE TABLE marts.indicator_values AS SELECT indicator_id, period_type,
            CAST(period_start AS DATE) period_start, CAST(period_end AS DATE) period_end,
            is_complete, region_code, breakdown, CAST(value AS DOUBLE) value,
            CAST(numerator AS DOUBLE) numerator, CAST(denominator AS DOUBLE) denominator, unit,
            CAST(target_value AS DOUBLE) target_value, release_id FROM v""")
        con.register("q", quarantine_rows())
        con.execute("CREATE TABLE audit.quarantine AS SELECT * FROM q")
        con.execute("CREATE TABLE audit.reconciliation (source VARCHAR, entity VARCHAR, "
                    "batch_id VARCHAR, delivered BIGINT, loaded BIGINT, quarantined BIGINT, "
                    "superseded BIGINT)")
        con.execute("CREATE TABLE marts.dim_region AS SELECT * FROM (VALUES "
                    "('3701', '济南市'), ('370102', '历下区'), "
                    "('370176', '济南高新技术产业开发区'))"
                    " t(region_code, name_zh)")
    finally:
        con.close()
    manifest = {"release_id": release_id, "data_interval": {}, "gate": {
        "passed": True, "n_checks": 12, "n_failed_error": 0, "n_failed_warn": 1},
        "checks": [
            {"name": "marts.indicator_values:not_null.value", "suite": "marts.indicator_values",
             "severity": "error", "success": True, "observed": 0, "details": None},
            {"name": "audit.reconciliation:quarantine_rate", "suite": "audit.reconciliation",
             "severity": "warn", "success": False, "observed": {"max_rate": 0.07},
             "details": "quarantine rate above 5%"},
        ], **manifest_extra}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, default=str),
                                             encoding="utf-8")
    return directory


def build_published_home(home: Path) -> Path:
    """Two releases, B current with one revision set (CON-01 2025-03 +7 in every region)."""
    releases = home / "releases"
    releases.mkdir(parents=True)
    old, new = indicator_rows(RELEASE_A), indicator_rows(RELEASE_B, bump=7.0)
    _write_release(releases, RELEASE_A, old, {"previous_release_id": None, "revisions": [],
                                              "extra": {"as_of": "2025-05-31"}})
    changes = revisions_between(old, new)
    records = changes.assign(period_start=changes["period_start"].astype(str)).to_dict("records")
    _write_release(releases, RELEASE_B, new, {
        "previous_release_id": RELEASE_A, "revisions": records, "n_revisions": len(records),
        "extra": {"as_of": AS_OF.isoformat()}})
    os.symlink(RELEASE_B, releases / "current")
    with (releases / "releases.jsonl").open("w", encoding="utf-8") as handle:
        for release_id in (RELEASE_A, RELEASE_B):
            handle.write(json.dumps({"event": "published", "release_id": release_id}) + "\n")
    return home


def published_values(home: Path, release_id: str = RELEASE_B) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a fixture release, for the tests' own queries."""
    return duckdb.connect(str(home / "releases" / release_id / "warehouse.duckdb"),
                          read_only=True)
