"""Deterministic synthetic deliveries of the three source systems (source-systems.md).

``generate_dataset`` is the one entry point: the sandbox servers serve its ``api_records``, the
file drop writes its ``drop_files``, and the test oracle computes the expected indicators from
the very same object. Same seed, scale, as_of and invalid share → the same dataset, byte for byte.

One fixed history per seed: the world is always generated up to ``HISTORY_END`` and ``as_of``
only decides how much of it has happened yet (``Dataset.as_of_view``): the record versions
updated by the end of that day and the files delivered by then. A sandbox started for day D
therefore serves, for any earlier day, exactly what a sandbox started for that day serves, and
successive days see one growing, consistent world (before, each as_of drew another world, and a
later run in the same home rewrote every published value back to 2020).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from devtools.sandbox.drop_records import ContractWriter, ReferenceWriter
from devtools.sandbox.finance_records import (
    generate_pledges,
    generate_policies,
    generate_roadshows,
)
from devtools.sandbox.identifiers import corrupt_check_digit, make_appno
from devtools.sandbox.parties import build_party_pool
from devtools.sandbox.patent_records import generate_patents
from devtools.sandbox.territory import JINAN
from devtools.sandbox.timeline import BEIJING, Clock

API_ENTITIES = ("patents", "legal-events", "pledges", "insurance-policies", "roadshows")
API_KEYS = {"patents": "application_no", "legal-events": "event_id", "pledges": "pledge_id",
            "insurance-policies": "policy_no", "roadshows": "roadshow_id"}
EARLIEST_AS_OF = date(2020, 1, 1)
# The end of the sandbox's fixed history. Moving it changes every sandbox value (patents are
# spread over the whole history); it must stay after yesterday, so move it before 2028.
HISTORY_END = date(2027, 12, 31)
DROP_KINDS = ("tech_contracts", "organizations", "population", "inventory_returns",
              "intensive_products")


@dataclass(frozen=True)
class DropFile:
    kind: str  # 'tech_contracts' | 'organizations' | 'population' | 'inventory_returns' | ...
    name: str  # e.g. 'contracts_2025-03.csv', 'contracts_2025-03_r1.xlsx'
    rows: list[dict]  # header -> value exactly as the file will carry it
    encoding: str  # 'gbk' | 'utf-8-sig' | 'xlsx' | 'utf-8'
    delivered: date = HISTORY_END  # the day it lands in the drop


@dataclass
class Dataset:
    as_of: date
    api_records: dict[str, list[dict]]  # every version, JSON-ready contract records
    drop_files: list[DropFile]  # in delivery order
    # Deliberately invalid records: {"entity", "key", "reason"} (entity as in api_records keys
    # or DropFile.kind). Each has a key of its own, never shared with a valid record's version.
    planted_invalid: list[dict[str, str]] = field(default_factory=list)

    def as_of_view(self, as_of: date) -> Dataset:
        """What of this history has happened by the end of ``as_of`` (Beijing): the record
        versions updated by then, the files delivered by then, and the planted invalid
        records among them."""
        end = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), BEIJING)
        api_records = {entity: [r for r in records if _instant(r["updated_at"]) < end]
                       for entity, records in self.api_records.items()}
        drop_files = [d for d in self.drop_files if d.delivered <= as_of]
        served = {entity: {str(r[API_KEYS[entity]]) for r in records}
                  for entity, records in api_records.items()}
        planted = [{k: v for k, v in p.items() if k != "delivered"} for p in self.planted_invalid
                   if (p["delivered"] <= as_of.toordinal() if "delivered" in p
                       else p["key"] in served.get(p["entity"], ()))]
        return replace(self, as_of=as_of, api_records=api_records, drop_files=drop_files,
                       planted_invalid=planted)

    def current(self) -> dict[str, list[dict]]:
        """Newest version per key: API records by ``updated_at`` (then position), contracts by
        (``_rN``, delivery order), reference kinds from the newest snapshot. Keys are the API
        entity names and the drop kinds. Application-number keys are compared normalised."""
        result: dict[str, list[dict]] = {}
        for entity, records in self.api_records.items():
            key_field = API_KEYS[entity]
            newest: dict[str, dict] = {}
            for record in records:
                key = _normalised_key(entity, record[key_field])
                held = newest.get(key)
                if held is None or _instant(record["updated_at"]) >= _instant(held["updated_at"]):
                    newest[key] = record
            result[entity] = list(newest.values())
        contracts: dict[str, tuple[tuple[int, int], dict]] = {}
        for position, drop in enumerate(self.drop_files):
            if drop.kind != "tech_contracts":
                continue
            rank = (reissue_number(drop.name), position)
            for row in drop.rows:
                key = str(row["合同登记号"])
                if key not in contracts or rank >= contracts[key][0]:
                    contracts[key] = (rank, row)
        result["tech_contracts"] = [row for _, row in contracts.values()]
        for kind in DROP_KINDS[1:]:
            snapshots = [d for d in self.drop_files if d.kind == kind]
            result[kind] = list(max(snapshots, key=lambda d: d.name).rows) if snapshots else []
        return result


def reissue_number(file_name: str) -> int:
    """N of a ``contracts_YYYY-MM_rN.ext`` name, 0 for the original issue."""
    stem = file_name.rsplit(".", 1)[0]
    _, _, tail = stem.rpartition("_r")
    return int(tail) if tail.isdigit() and "_r" in stem else 0


def _normalised_key(entity: str, value: str) -> str:
    if entity != "patents":
        return value
    text = value.upper().removeprefix("CN").replace(".", "")
    return f"{text[:-1]}.{text[-1]}"


def _instant(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def default_as_of() -> date:
    """Today in Beijing: the data reaches up to the day the sandbox is started."""
    return datetime.now(BEIJING).date()


def generate_dataset(seed: int = 42, scale: float = 0.01, as_of: date | None = None,
                     invalid_share: float = 0.01, jurisdiction: str = JINAN) -> Dataset:
    """Synthetic deliveries as of the end of ``as_of`` for the jurisdiction J (Jinan-like for
    ``3701``, a province's 16 cities for ``37``: ``territory``); ``scale=1.0`` is Jinan's real
    volume (~100k patents over the whole history), whatever J is."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    if not 0 <= invalid_share < 1:
        raise ValueError("invalid_share must be in [0, 1)")
    as_of = as_of or default_as_of()
    if as_of < EARLIEST_AS_OF:
        raise ValueError(f"as_of must be on or after {EARLIEST_AS_OF} (data starts in 2019)")
    if as_of > HISTORY_END:
        raise ValueError(f"as_of must be on or before {HISTORY_END}, where the sandbox's "
                         "history ends (devtools/sandbox/generator.py HISTORY_END)")
    return generate_history(seed, scale, invalid_share, jurisdiction).as_of_view(as_of)


@lru_cache(maxsize=2)
def generate_history(seed: int, scale: float, invalid_share: float,
                     jurisdiction: str = JINAN) -> Dataset:
    """The whole fixed history of a seed, up to ``HISTORY_END`` (cached: views share it)."""
    clock = Clock(HISTORY_END)
    rng = random.Random(f"patentflow-sandbox/{seed}")
    pool = build_party_pool(random.Random(rng.random()), scale, jurisdiction)
    patent_out = generate_patents(random.Random(rng.random()), clock, pool,
                                  max(200, int(100_000 * scale)))
    finance_rng = random.Random(rng.random())
    pledges, pledge_events = generate_pledges(finance_rng, clock, pool, patent_out.facts,
                                              max(30, int(10_000 * scale)))
    policies = generate_policies(finance_rng, clock, pool, max(20, int(3_000 * scale)))
    roadshows = generate_roadshows(finance_rng, clock, scale)
    contracts = ContractWriter(random.Random(rng.random()), clock, pool, patent_out.facts,
                               scale, invalid_share)
    references = ReferenceWriter(random.Random(rng.random()), clock, pool, patent_out.facts,
                                 scale, invalid_share)
    raw_drops = contracts.files() + references.files()
    ordered = sorted(enumerate(raw_drops), key=lambda item: (item[1][4], item[0]))
    drop_files = [DropFile(kind, name, rows, encoding, date.fromordinal(delivered))
                  for _, (kind, name, rows, encoding, delivered) in ordered]
    api_records = {
        "patents": patent_out.patents,
        "legal-events": patent_out.events + pledge_events,
        "pledges": pledges,
        "insurance-policies": policies,
        "roadshows": roadshows,
    }
    planted = _plant_invalid_api_records(random.Random(rng.random()), api_records,
                                         invalid_share)
    planted += contracts.planted + references.planted
    return Dataset(as_of=HISTORY_END, api_records=api_records, drop_files=drop_files,
                   planted_invalid=planted)


def _plant_invalid_api_records(rng: random.Random, api_records: dict[str, list[dict]],
                               invalid_share: float) -> list[dict[str, str]]:
    """Add copies of valid records, under keys of their own, that break one contract rule."""
    if invalid_share <= 0:
        return []
    planted: list[dict[str, str]] = []

    def fresh_appno(index: int) -> str:
        return make_appno(2020, 1, 9_000_000 + index, True)  # a serial range nothing else uses

    defects: dict[str, tuple[tuple[str, dict], ...]] = {
        "patents": (("bad_check_digit", {}), ("bad_date", {"application_date": "2021-02-30"}),
                    ("unparseable_date", {"application_date": "待补录"}),
                    ("unknown_enum", {"patent_type": "utility"}),
                    ("unknown_enum", {"legal_status": "suspended"})),
        "legal-events": (("unknown_enum", {"event_code": "ZZ99"}),
                         ("bad_date", {"event_date": "2021-02-30"}),
                         ("bad_check_digit", {})),
        "pledges": (("negative_amount", {"loan_amount_wan": -120.5}),
                    ("unknown_enum", {"status": "frozen"}),
                    ("unparseable_date", {"registration_date": "待补录"})),
        "insurance-policies": (("negative_amount", {"coverage_wan": -50.0}),
                               ("unknown_enum", {"insurance_type": "cyber"})),
        "roadshows": (("unknown_chain", {"industry_chain": "new_energy"}),),
    }
    for entity, options in defects.items():
        records = api_records[entity]
        key_field = API_KEYS[entity]
        if not records:  # e.g. no roadshows before 2024: nothing to copy a defect into
            continue
        count = max(len(options), round(invalid_share * len(records)))
        for index in range(count):
            reason, changes = options[index % len(options)]
            record = dict(rng.choice(records), **changes)
            if entity == "patents":
                appno = fresh_appno(index)
                record["application_no"] = corrupt_check_digit(appno) \
                    if reason == "bad_check_digit" else appno
            else:
                record[key_field] = f"{record[key_field]}-X{index:04d}"
                if reason == "bad_check_digit":
                    record["application_no"] = corrupt_check_digit(fresh_appno(index))
            planted.append({"entity": entity, "key": str(record[key_field]), "reason": reason})
            records.insert(rng.randrange(len(records) + 1), record)
    return planted
