"""IP finance records: pledges (with their PE01/PC01 gazette events), insurance, roadshows."""

from __future__ import annotations

import math
import random
from datetime import date

from devtools.sandbox import vocabulary as vocab
from devtools.sandbox.identifiers import make_uscc
from devtools.sandbox.parties import Party, PartyPool
from devtools.sandbox.patent_records import PatentFacts, spelled
from devtools.sandbox.timeline import ORD_2019, Clock, seconds_of

_ORD_2020 = date(2020, 1, 1).toordinal()


def money(value: float) -> float:
    """万元 with at most 4 decimals, as the registries keep it."""
    return round(value, 4)


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _pledgees(rng: random.Random) -> list[dict]:
    result = []
    for index, (name, institution_type) in enumerate(vocab.BANKS):
        body = f"{rng.randint(0, 99_999_999):08d}"
        uscc = make_uscc("91", "370100", body) if index % 5 else None
        result.append({"name": name, "uscc": uscc, "institution_type": institution_type})
    return result


class _PatentPicker:
    """Patents a pledgor can pledge on a date: its own in-force ones, else any one of J."""

    def __init__(self, rng: random.Random, facts: list[PatentFacts], pool: PartyPool) -> None:
        self._rng = rng
        self._granted = [f for f in facts if f.grant_ord is not None
                         and pool.is_home(f.owners[0])]
        self._by_uscc: dict[str, list[PatentFacts]] = {}
        for fact in facts:
            for party in {id(p): p for p in fact.applicants + fact.owners}.values():
                if party["uscc"] and fact.grant_ord is not None:
                    self._by_uscc.setdefault(str(party["uscc"]), []).append(fact)

    def owners_with_patents(self) -> list[str]:
        return list(self._by_uscc)

    def pick(self, pledgor: Party, when: int, count: int) -> list[PatentFacts]:
        rng = self._rng
        own = [f for f in self._by_uscc.get(str(pledgor["uscc"]), []) if f.in_force_on(when)]
        if own:
            return rng.sample(own, min(count, len(own)))
        chosen: list[PatentFacts] = []
        for _ in range(count * 6):
            if not self._granted or len(chosen) == count:
                break
            candidate = rng.choice(self._granted)
            if candidate.in_force_on(when) and candidate not in chosen:
                chosen.append(candidate)
        return chosen


def generate_pledges(rng: random.Random, clock: Clock, pool: PartyPool,
                     facts: list[PatentFacts], n_pledges: int) -> tuple[list[dict], list[dict]]:
    picker = _PatentPicker(rng, facts, pool)
    owner_usccs = set(picker.owners_with_patents())
    patent_owning = [p for p in pool.home_enterprises if p["uscc"] in owner_usccs]
    pledgees = _pledgees(rng)
    pledges: list[dict] = []
    events: list[dict] = []
    today = clock.as_of_ord
    for serial in range(1, n_pledges + 1):
        registered = ORD_2019 + int((today - ORD_2019) * rng.random() ** 0.6)
        draw = rng.random()
        if draw < 0.7 and patent_owning:
            pledgor = rng.choice(patent_owning)
        elif draw < 0.86:
            pledgor = rng.choice(pool.home_enterprises)
        elif draw < 0.92:
            pledgor = rng.choice(pool.home_individuals)
        else:
            pledgor = pool.outside_party(rng)
        trademark_only = rng.random() < 0.1
        patents = [] if trademark_only else picker.pick(
            pledgor, registered, rng.choice((1, 1, 1, 2, 2, 3, 5)))
        term = rng.choice((12, 12, 24, 36))
        loan = money(_lognormal(rng, 320, 1.05))
        if rng.random() < 0.3:
            loan = float(round(loan))
        maturity = registered + term * 30
        status, release = "active", None
        if rng.random() < 0.04:
            status = "cancelled"
        elif maturity <= today and rng.random() < 0.85:
            status, release = "released", maturity - rng.randint(0, 60)
        elif rng.random() < 0.05:
            status, release = "released", min(registered + rng.randint(60, 300), today)
        pledgee = rng.choice(pledgees)
        pledge_id = f"Y{date.fromordinal(registered).year}37{serial:07d}"
        record = {
            "pledge_id": pledge_id,
            "registration_date": clock.iso(registered),
            "pledgor": pledgor,
            "pledgee": pledgee,
            "patent_application_nos": [spelled(rng, f.appno) for f in patents],
            "trademark_count": rng.randint(1, 6) if trademark_only or rng.random() < 0.15 else 0,
            "loan_amount_wan": loan,
            "term_months": term,
            "status": "active",
            "release_date": None,
            "updated_at": None,
        }
        first_second = clock.updated_after(registered, rng, 5)
        final = dict(record, updated_at=clock.timestamp(first_second))
        if status != "active":
            change_ord = release if release is not None else registered + rng.randint(3, 40)
            change_second = clock.updated_after(change_ord, rng, 5)
            final.update(status=status,
                         release_date=clock.iso(release) if release is not None else None)
            if change_second > first_second:  # served first as active, later changed
                pledges.append(dict(record, updated_at=clock.timestamp(first_second)))
                final["updated_at"] = clock.timestamp(change_second)
        pledges.append(final)
        events.extend(_pledge_events(rng, clock, final, patents, pledgor, pledgee,
                                     registered, release, status))
    return pledges, events


def _pledge_events(rng: random.Random, clock: Clock, pledge: dict, patents: list[PatentFacts],
                   pledgor: Party, pledgee: dict, registered: int, release: int | None,
                   status: str) -> list[dict]:
    """PE01 (and PC01 on release) gazette events of the patents in a pledge."""
    pledgee_party = {"name": pledgee["name"], "uscc": pledgee["uscc"],
                     "party_type": "enterprise" if pledgee["institution_type"] != "other"
                     else "other", "region_code": "370102", "country": "CN"}
    details = {"registration_no": pledge["pledge_id"]}
    events = []
    for index, fact in enumerate(patents, start=1):
        base = f"LP{pledge['pledge_id'][1:]}{index:02d}"
        events.append({
            "event_id": base + "E", "application_no": spelled(rng, fact.appno),
            "event_code": "PE01", "event_date": clock.iso(registered),
            "from_parties": [pledgor], "to_parties": [pledgee_party], "details": details,
            "updated_at": clock.timestamp(clock.updated_after(registered, rng)),
            "revoked": status == "cancelled",  # a cancelled registration never took effect
        })
        if release is not None and status == "released":
            events.append({
                "event_id": base + "C", "application_no": spelled(rng, fact.appno),
                "event_code": "PC01", "event_date": clock.iso(release),
                "from_parties": [pledgor], "to_parties": [pledgee_party], "details": details,
                "updated_at": clock.timestamp(clock.updated_after(release, rng)),
                "revoked": False,
            })
    return events


def generate_policies(rng: random.Random, clock: Clock, pool: PartyPool,
                      n_policies: int) -> list[dict]:
    policies = []
    today = clock.as_of_ord
    insurers = ("PICC", "CPIC", "PAIC", "TPIC")
    for serial in range(1, n_policies + 1):
        start = _ORD_2020 + int((today - _ORD_2020) * rng.random() ** 0.7)
        insured = pool.home_party(rng) if rng.random() < 0.9 else pool.outside_party(rng)
        coverage = money(_lognormal(rng, 80, 0.9))
        record = {
            "policy_no": f"{rng.choice(insurers)}{date.fromordinal(start).year}37{serial:06d}",
            "insured": insured,
            "insurance_type": rng.choice(vocab.INSURANCE_TYPES),
            "coverage_wan": coverage,
            "premium_wan": money(coverage * rng.uniform(0.005, 0.03)),
            "start_date": clock.iso(start),
            "end_date": clock.iso(start + 364),
            "updated_at": clock.timestamp(clock.updated_after(start, rng, 10)),
        }
        later_second = seconds_of(record["updated_at"]) + rng.randint(86_400, 40 * 86_400)
        if rng.random() < 0.05 and later_second <= clock.last_second:
            policies.append(record)
            record = dict(record, coverage_wan=money(coverage * 1.5),
                          updated_at=clock.timestamp(later_second))
        policies.append(record)
    return policies


def generate_roadshows(rng: random.Random, clock: Clock, scale: float) -> list[dict]:
    """"一月一链" roadshows: every month since January 2024, themed by chain in turn."""
    chains = [c for c in vocab.load_chains() if c != "other"]
    per_month = max(1, round(2 * scale)) if scale < 1 else 2
    roadshows = []
    year, month, turn = 2024, 1, 0
    while date(year, month, 1).toordinal() <= clock.as_of_ord:
        for index in range(per_month):
            day = date(year, month, min(28, 10 + 7 * index + rng.randint(0, 5))).toordinal()
            if day > clock.as_of_ord:
                continue
            chain = chains[turn % len(chains)] if rng.random() < 0.9 else "other"
            turn += 1
            intended = money(_lognormal(rng, 20000, 0.6))
            record = {
                "roadshow_id": f"RS{year}{month:02d}{index + 1:02d}",
                "event_date": clock.iso(day),
                "industry_chain": chain,
                "enterprises": rng.randint(5, 20),
                "intended_amount_wan": intended,
                "signed_amount_wan": money(intended * rng.uniform(0.1, 0.5)),
                "updated_at": clock.timestamp(clock.updated_after(day, rng, 3)),
            }
            later_second = seconds_of(record["updated_at"]) + rng.randint(7, 60) * 86_400
            if rng.random() < 0.4 and later_second <= clock.last_second:
                roadshows.append(record)  # signings reported after the event raise the amount
                record = dict(record, signed_amount_wan=money(intended * rng.uniform(0.5, 0.9)),
                              updated_at=clock.timestamp(later_second))
            roadshows.append(record)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return roadshows
