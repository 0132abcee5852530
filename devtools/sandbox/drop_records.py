"""File-drop deliveries: monthly technology-contract exports and reference snapshots.

Returns plain ``(kind, name, rows, encoding, delivery_ordinal)`` tuples; ``generator`` turns them
into ``DropFile`` objects in delivery order. Rows carry values exactly as the file will: strings
for CSV, ``date`` / ``float`` / ``str`` cells for XLSX.
"""

from __future__ import annotations

import math
import random
from datetime import date

from devtools.sandbox import vocabulary as vocab
from devtools.sandbox.identifiers import corrupt_check_digit
from devtools.sandbox.parties import Party, PartyPool
from devtools.sandbox.patent_records import PatentFacts, spelled
from devtools.sandbox.territory import JINAN, City
from devtools.sandbox.timeline import ORD_2019, Clock

RawDrop = tuple[str, str, list[dict], str, int]
Planted = list[dict[str, str]]
# The one reference snapshot that carries the planted invalid rows (delivered 2025-01-01).
INVALID_SNAPSHOT = date(2024, 12, 31).toordinal()
# 技术许可 exists from its valid_from in the contract-type seed (the 2026-01-23 measures) on.
_LICENCE_FROM = vocab.category_valid_from()["技术许可"].toordinal()
_CATEGORY_WEIGHTS_BEFORE_LICENCE = (30, 8, 0, 8, 48)
_CATEGORY_WEIGHTS_WITH_LICENCE = (30, 5, 6, 8, 48)
_EXTRA_VALUES = {"备注": "", "经办人": "张三", "登记机构": "济南市技术市场服务中心"}
_INVALID_CONTRACT_DEFECTS = ("bad_date", "unknown_category", "negative_amount",
                             "tech_above_turnover", "unknown_status", "unparseable_date")


def format_amount(value: float) -> str:
    """CSV spelling of a 万元 amount: up to 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


# Jinan's resident population by year (the 2020 census, then the yearly estimates), and the
# district-years its deliveries leave out.
_JINAN_POPULATION = {2019: 8_908_700, 2020: 9_202_400, 2021: 9_335_700, 2022: 9_415_000,
                     2023: 9_437_000, 2024: 9_510_000, 2025: 9_566_000, 2026: 9_610_000}
_MISSING_POPULATION = {("370176", 2019), ("370176", 2020), ("370117", 2023), ("370124", 2022)}


def _city_population(city: City, year: int) -> int:
    """Jinan's own series; another city grows from its census figure by 0.4% a year."""
    if city.code == JINAN:
        return _JINAN_POPULATION.get(year, 9_610_000 + 40_000 * (year - 2026))
    return int(city.census_population * (1 + 0.004 * (year - 2020)))


class _Months:
    @staticmethod
    def between(first: date, last: date) -> list[tuple[int, int]]:
        months, year, month = [], first.year, first.month
        while (year, month) <= (last.year, last.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    @staticmethod
    def end(year: int, month: int) -> int:
        following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return following.toordinal() - 1


class ContractWriter:
    """Monthly contract files, their re-issues, and planted invalid rows."""

    def __init__(self, rng: random.Random, clock: Clock, pool: PartyPool,
                 facts: list[PatentFacts], scale: float, invalid_share: float) -> None:
        self.rng, self.clock, self.pool, self.scale = rng, clock, pool, scale
        self.invalid_share = invalid_share
        self.planted: Planted = []
        self._serials: dict[int, int] = {}
        self._patents_by_uscc: dict[str, list[PatentFacts]] = {}
        for fact in facts:
            if fact.grant_ord is not None or fact.patent_type == "invention":
                for party in fact.owners:
                    if party["uscc"]:
                        self._patents_by_uscc.setdefault(str(party["uscc"]), []).append(fact)
        self._all_patents = facts

    def files(self) -> list[RawDrop]:
        rng, clock = self.rng, self.clock
        months = _Months.between(date.fromordinal(ORD_2019), clock.as_of)
        drops: list[RawDrop] = []
        forced_formats = ["gbk", "utf-8-sig", "xlsx"]
        reissue_months = {months[min(4, len(months) - 1)], months[min(11, len(months) - 1)]}
        for index, (year, month) in enumerate(months):
            growth = 1.12 ** (year - 2019)
            count = max(4, round(450 * self.scale * growth * rng.uniform(0.8, 1.2)))
            rows = [self._row(year, month) for _ in range(count)]
            rows += self._invalid_rows(year, month, count)
            delivered = min(_Months.end(year, month) + rng.randint(2, 10), clock.as_of_ord)
            encoding = forced_formats[index] if index < 3 else rng.choice(
                ("gbk", "gbk", "utf-8-sig", "utf-8-sig", "xlsx"))
            layout = self._layout(rng)
            stem = f"contracts_{year:04d}-{month:02d}"
            drops.append(self._drop(stem, rows, encoding, layout, delivered))
            for planted in self.planted:  # its invalid rows arrive with the month's file
                planted.setdefault("delivered", delivered)
            if (year, month) in reissue_months or rng.random() < 0.1:
                self._reissues(stem, rows, layout, delivered, drops)
        return drops

    def _drop(self, stem: str, rows: list[dict], encoding: str, layout: tuple,
              delivered: int) -> RawDrop:
        order, extras = layout
        suffix = ".xlsx" if encoding == "xlsx" else ".csv"
        rendered = [self._render(row, encoding, order, extras) for row in rows]
        return ("tech_contracts", stem + suffix, rendered, encoding, delivered)

    def _reissues(self, stem: str, rows: list[dict], layout: tuple, delivered: int,
                  drops: list[RawDrop]) -> None:
        """``_r1`` changes amounts and cancels some contracts; ``_r2`` reinstates them."""
        rng, clock = self.rng, self.clock
        reissued = delivered + rng.randint(20, 110)
        if reissued > clock.as_of_ord:
            return
        valid_rows = [r for r in rows if not r.get("_invalid")]
        first = [dict(r) for r in valid_rows]
        cancelled: list[int] = []
        for position, row in enumerate(first):
            draw = rng.random()
            if draw < 0.12:
                factor = rng.uniform(0.6, 1.4)
                row["turnover"] = round(row["turnover"] * factor, 4)
                row["tech"] = min(row["turnover"], round(row["tech"] * factor, 4))
            elif draw < 0.18 and row["status"] == "有效":
                row["status"] = "已撤销"
                cancelled.append(position)
        if not cancelled and first:
            first[0]["status"] = "已撤销"
            cancelled.append(0)
        encoding = rng.choice(("gbk", "utf-8-sig", "xlsx"))
        drops.append(self._drop(stem + "_r1", first, encoding, layout, reissued))
        second_time = reissued + rng.randint(15, 60)
        if rng.random() < 0.5 and second_time <= clock.as_of_ord:
            second = [dict(r) for r in first]
            for position in cancelled:
                second[position]["status"] = "有效"
                second[position]["turnover"] = round(second[position]["turnover"] * 1.1, 4)
            drops.append(self._drop(stem + "_r2", second, rng.choice(("gbk", "xlsx")), layout,
                                    second_time))

    @staticmethod
    def _layout(rng: random.Random) -> tuple[list[str], list[str]]:
        order = list(vocab.CONTRACT_HEADERS)
        if rng.random() < 0.25:
            rng.shuffle(order)
        extras = [h for h in vocab.EXTRA_CONTRACT_HEADERS if rng.random() < 0.2]
        return order, extras

    def _registration_no(self, year: int) -> str:
        self._serials[year] = self._serials.get(year, 0) + self.rng.randint(1, 3)
        return f"{year}{self.pool.territory.registry_code}{self._serials[year]:06d}"

    def _seller(self) -> Party:
        rng, pool = self.rng, self.pool
        draw = rng.random()
        if draw < 0.2:
            return rng.choice(pool.home_univ_inst)
        if draw < 0.82:
            return rng.choice(pool.home_enterprises)
        if draw < 0.86:
            return rng.choice(pool.home_individuals + pool.home_misc)
        return rng.choice(pool.outside_parties)

    def _patents_for(self, seller: Party) -> list[str]:
        rng = self.rng
        own = self._patents_by_uscc.get(str(seller["uscc"]), [])
        source = own if own and rng.random() < 0.85 else self._all_patents
        picked = rng.sample(source, min(len(source), rng.choice((1, 1, 1, 2, 3))))
        return [spelled(rng, f.appno) for f in picked]

    def _row(self, year: int, month: int) -> dict:
        rng, clock = self.rng, self.clock
        last_day = min(_Months.end(year, month), clock.as_of_ord)
        registered = rng.randint(date(year, month, 1).toordinal(), last_day)
        weights = _CATEGORY_WEIGHTS_WITH_LICENCE if registered >= _LICENCE_FROM \
            else _CATEGORY_WEIGHTS_BEFORE_LICENCE
        category = rng.choices(vocab.CONTRACT_CATEGORIES, weights)[0]
        seller = self._seller()
        buyer_draw = rng.random()
        buyer = self.pool.home_party(rng) if buyer_draw < 0.55 else \
            rng.choice(self.pool.foreign_parties) if buyer_draw < 0.6 else \
            rng.choice(self.pool.outside_parties)
        patent_share = 0.75 if category in ("技术转让", "技术许可") else \
            0.35 if category == "技术开发" else 0.1
        if rng.random() < patent_share:
            ip_types = ["专利"] + [t for t in vocab.IP_TYPES[1:] if rng.random() < 0.12]
        elif rng.random() < 0.45:
            ip_types = [t for t in vocab.IP_TYPES[1:] if rng.random() < 0.3] or ["技术秘密"]
        else:
            ip_types = ["未涉及"]
        patents: list[str] = []
        if ("专利" in ip_types and rng.random() < 0.75) or rng.random() < 0.02:
            patents = self._patents_for(seller)
        turnover = round(_lognormal(rng, 45, 1.3), 4)
        tech = min(turnover, round(turnover * rng.uniform(0.5, 1.0), 4))
        return {
            "registration_no": self._registration_no(year),
            "name": f"{rng.choice(vocab.TITLE_SUBJECTS[rng.choice(list(vocab.TITLE_SUBJECTS))])}"
                    f"{category}合同",
            "category": category, "registered": registered, "seller": seller, "buyer": buyer,
            "turnover": turnover, "tech": tech, "ip_types": ip_types, "patents": patents,
            "field": rng.choice(vocab.TECH_FIELDS),
            "status": "有效" if rng.random() < 0.96 else "已撤销",
        }

    def _invalid_rows(self, year: int, month: int, count: int) -> list[dict]:
        if self.invalid_share <= 0:
            return []
        rng = self.rng
        expected = self.invalid_share * count
        n_invalid = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        if year == 2019 and month <= len(_INVALID_CONTRACT_DEFECTS):
            n_invalid = max(n_invalid, 1)  # every defect kind occurs at least once
        rows = []
        for _ in range(n_invalid):
            row = self._row(year, month)
            defect = _INVALID_CONTRACT_DEFECTS[len(self.planted) % len(_INVALID_CONTRACT_DEFECTS)]
            row["_invalid"] = defect
            if defect == "bad_date":
                row["registered"] = "2021-02-30"
            elif defect == "unparseable_date":
                row["registered"] = "待补录"
            elif defect == "unknown_category":
                row["category"] = "技术转化"
            elif defect == "negative_amount":
                row["turnover"] = -abs(row["turnover"])
                row["tech"] = -abs(row["tech"]) * 2
            elif defect == "tech_above_turnover":
                row["tech"] = round(row["turnover"] * 1.5 + 1, 4)
            else:
                row["status"] = "作废"
            self.planted.append({"entity": "tech_contracts", "key": row["registration_no"],
                                 "reason": defect})
            rows.append(row)
        return rows

    def _render(self, row: dict, encoding: str, order: list[str], extras: list[str]) -> dict:
        """The row as the file carries it, in the file's column order."""
        xlsx = encoding == "xlsx"
        seller, buyer = row["seller"], row["buyer"]
        registered = row["registered"]
        if isinstance(registered, int):
            registered = date.fromordinal(registered) if xlsx else self.clock.iso(registered)

        def amount(value: float) -> object:
            return value if xlsx else format_amount(value)

        buyer_region = "境外" if buyer["country"] != "CN" else (buyer["region_code"] or "")
        values = {
            "合同登记号": row["registration_no"], "合同名称": row["name"],
            "合同类别": row["category"], "登记日期": registered,
            "卖方名称": seller["name"], "卖方统一社会信用代码": seller["uscc"] or "",
            "卖方类型": vocab.SELLER_TYPE_BY_PARTY[str(seller["party_type"])],
            "卖方所在地": seller["region_code"] or "",
            "买方名称": buyer["name"], "买方统一社会信用代码": buyer["uscc"] or "",
            "买方所在地": buyer_region,
            "成交额(万元)": amount(row["turnover"]), "技术交易额(万元)": amount(row["tech"]),
            "知识产权类型": ";".join(row["ip_types"]), "涉及专利": ";".join(row["patents"]),
            "技术领域": row["field"], "状态": row["status"],
        }
        rendered = {header: values[header] for header in order}
        for header in extras:
            rendered[header] = _EXTRA_VALUES[header]
        return rendered


class ReferenceWriter:
    """Full-snapshot reference deliveries (organisations, population, returns, products)."""

    def __init__(self, rng: random.Random, clock: Clock, pool: PartyPool,
                 facts: list[PatentFacts], scale: float, invalid_share: float) -> None:
        self.rng, self.clock, self.pool, self.facts = rng, clock, pool, facts
        self.scale, self.invalid_share = scale, invalid_share
        self.planted: Planted = []

    def _n_invalid(self, count: int) -> int:
        return 0 if self.invalid_share <= 0 else max(1, round(self.invalid_share * count))

    def _snapshot_days(self) -> list[int]:
        """Half-yearly snapshots (30 June, 31 December) over the whole history: fixed days, so
        what was delivered by a day does not depend on the day the sandbox was started for."""
        return [date(year, month, day).toordinal()
                for year in range(2019, self.clock.as_of.year + 1)
                for month, day in ((6, 30), (12, 31))
                if date(year, month, day) <= self.clock.as_of]

    def files(self) -> list[RawDrop]:
        drops: list[RawDrop] = []
        organizations = self._organizations()
        population = self._population()
        returns = self._inventory_returns()
        products = self._products()
        for planted in self.planted:  # the invalid rows come in one snapshot only
            planted["delivered"] = min(INVALID_SNAPSHOT + 1, self.clock.as_of_ord)
        for snapshot in self._snapshot_days():
            stamp = date.fromordinal(snapshot).strftime("%Y%m%d")
            delivered = min(snapshot + 1, self.clock.as_of_ord)
            for kind, rows in (
                ("organizations", organizations),
                ("population", population),
                ("inventory_returns", returns),
                ("intensive_products", products),
            ):
                visible = [r for r in rows if (snapshot == INVALID_SNAPSHOT if r.get("_invalid")
                                               else r["_known_from"] <= snapshot)]
                clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in visible]
                if clean:  # nothing known yet (population before its first census): no file
                    drops.append((kind, f"{kind}_{stamp}.csv", clean, "utf-8", delivered))
        return drops

    def _organizations(self) -> list[dict]:
        rng, today = self.rng, self.clock.as_of_ord
        rows = []
        for party in self.pool.organizations():
            enterprise = party["party_type"] == "enterprise"
            for term in range(1 if rng.random() < 0.75 else 2):
                start = rng.randint(ORD_2019 - 700, today - 30) if term == 0 else \
                    rng.randint(today - 700, today - 10)
                rows.append({
                    "uscc": party["uscc"], "name": party["name"],
                    "party_type": party["party_type"], "region_code": party["region_code"] or "",
                    "is_high_tech_enterprise": _flag(enterprise and rng.random() < 0.3),
                    "is_specialized_sme": _flag(enterprise and rng.random() < 0.1),
                    "is_tech_sme": _flag(enterprise and rng.random() < 0.35),
                    "valid_from": self.clock.iso(start),
                    "valid_to": self.clock.iso(start + 3 * 365 - 1),
                    "_known_from": start,
                })
        for index in range(self._n_invalid(len(rows))):
            bad = dict(rows[index], party_type="company", _invalid="unknown_party_type",
                       _known_from=today)
            rows.append(bad)
            self.planted.append({"entity": "organizations", "key": str(bad["uscc"]),
                                 "reason": "unknown_party_type"})
        return rows

    def _population(self) -> list[dict]:
        """A row for J (a province: the sum of its cities), each city and each county-level
        region, every year up to the last one ended; a few district-years are missing."""
        land = self.pool.territory
        rows = []
        for year in range(2019, self.clock.as_of.year):
            known_from = date(year + 1, 3, 31).toordinal()
            cities = [(city, _city_population(city, year)) for city in land.cities]
            totals = [(land.code, sum(people for _, people in cities))] if len(land.code) == 2 \
                else []
            for code, people in totals + [(c.code, people) for c, people in cities]:
                rows.append({"region_code": code, "year": str(year),
                             "resident_population": str(people), "_known_from": known_from})
            for city, people in cities:
                shares = [w / sum(city.district_weights) for w in city.district_weights]
                for district, share in zip(city.districts, shares, strict=True):
                    if (district, year) in _MISSING_POPULATION:
                        continue
                    flattened = 0.5 * share + 0.5 / len(city.districts)
                    rows.append({"region_code": district, "year": str(year),
                                 "resident_population": str(int(people * flattened)),
                                 "_known_from": known_from})
        return rows

    def _inventory_returns(self) -> list[dict]:
        rng, clock = self.rng, self.clock
        start, end = date(2023, 6, 1).toordinal(), date(2024, 12, 20).toordinal()
        chains = vocab.load_chains()
        rows = []
        for fact in self.facts:
            owner = fact.owners[0]
            if owner["party_type"] not in ("university", "research_institute") \
                    or not self.pool.is_home(owner) or rng.random() > 0.85:
                continue
            entered = max(rng.randint(start, end), fact.application_ord + 1)
            for version in range(1 if rng.random() < 0.85 else 2):
                when = entered if version == 0 else rng.randint(entered + 30, entered + 400)
                if when > clock.as_of_ord:
                    continue
                rows.append({
                    "application_no": spelled(rng, fact.appno), "owner_uscc": owner["uscc"],
                    "entered_date": clock.iso(when),
                    "prospect": rng.choice(("high", "medium", "medium", "low", "none")),
                    "industrialized": _flag(rng.random() < 0.25 + 0.1 * version),
                    "industry_chain": rng.choice(chains), "_known_from": when,
                })
        defects = ("bad_check_digit", "unknown_prospect", "bad_date")
        for index in range(self._n_invalid(len(rows))):
            defect = defects[index % len(defects)]
            bad = dict(rows[index % max(1, len(rows))]) if rows else {
                "application_no": "", "owner_uscc": "", "entered_date": "2024-01-01",
                "prospect": "high", "industrialized": "false", "industry_chain": "other"}
            bad.update(_invalid=defect, _known_from=clock.as_of_ord)
            if defect == "bad_check_digit":
                bad["application_no"] = corrupt_check_digit(
                    f"{rng.randint(2015, 2023)}1{rng.randint(1000000, 9999999)}.0")
            elif defect == "unknown_prospect":
                bad["prospect"] = "excellent"
            else:
                bad["entered_date"] = "2021-02-30"
            rows.append(bad)
            self.planted.append({"entity": "inventory_returns", "key": bad["application_no"],
                                 "reason": defect})
        return rows

    def _products(self) -> list[dict]:
        rng, clock = self.rng, self.clock
        by_owner: dict[str, list[PatentFacts]] = {}
        for fact in self.facts:
            uscc = fact.owners[0]["uscc"]
            if uscc and fact.owners[0]["party_type"] == "enterprise" and fact.grant_ord:
                by_owner.setdefault(str(uscc), []).append(fact)
        owners = [p for p in self.pool.home_enterprises + self.pool.outside_parties
                  if p["uscc"] in by_owner]
        rows = []
        for serial in range(1, max(12, int(1500 * self.scale)) + 1):
            owner = rng.choice(owners)
            year = rng.randint(2020, clock.as_of.year)
            patents = by_owner[str(owner["uscc"])]
            picked = rng.sample(patents, min(len(patents), rng.randint(1, 4)))
            region = owner["region_code"] if rng.random() < 0.95 else "370181"
            rows.append({
                "product_id": f"PIP{year}{serial:05d}",
                "product_name": rng.choice(vocab.PRODUCT_WORDS) + rng.choice(vocab.PRODUCT_NOUNS),
                "owner_uscc": owner["uscc"], "region_code": region, "data_year": str(year),
                "status": rng.choice(("filed", "certified", "certified", "rejected")),
                "output_value_wan": format_amount(round(_lognormal(rng, 5000, 1.0), 4)),
                "patent_application_nos": ";".join(spelled(rng, f.appno) for f in picked),
                "_known_from": min(date(year, 6, 30).toordinal(), clock.as_of_ord),
            })
        for index in range(self._n_invalid(len(rows))):
            defect = ("unknown_status", "negative_amount")[index % 2]
            bad = dict(rows[index], product_id=f"PIX{index:05d}", _invalid=defect,
                       _known_from=clock.as_of_ord)
            if defect == "unknown_status":
                bad["status"] = "pending_review"
            else:
                bad["output_value_wan"] = "-" + str(bad["output_value_wan"])
            rows.append(bad)
            self.planted.append({"entity": "intensive_products", "key": bad["product_id"],
                                 "reason": defect})
        return rows


def _flag(value: bool) -> str:
    return "true" if value else "false"
