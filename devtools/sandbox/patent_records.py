"""Patents and their legal-status events, simulated patent by patent.

Each patent gets a life (filing, grant, transfers, licences, open licences, lapses and
restorations, termination) so that every rule of indicators.md has cases to bite on; the records
are then written in the contract's shape, with older versions where a record changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from devtools.sandbox import vocabulary as vocab
from devtools.sandbox.identifiers import make_appno, respell_appno
from devtools.sandbox.parties import Party, PartyPool
from devtools.sandbox.timeline import Clock, add_years, between, seconds_of

_ORD_2003_10 = date(2003, 10, 1).toordinal()
_ORD_1995 = date(1995, 1, 1).toordinal()
_ORD_2005 = date(2005, 1, 1).toordinal()
_ORD_2013 = date(2013, 1, 1).toordinal()
_ORD_2021_06 = date(2021, 6, 1).toordinal()
_ORD_OPEN_LICENCE = date(2024, 1, 20).toordinal()  # open licensing under the 2024 rules
# Granted inventions whose 10-year anniversary falls on a period end (age criterion: on the
# anniversary itself not yet "more than 10 years"; 29 Feb + 10 years is 28 Feb).
_EDGE_APPLICATION_DATES: list[int | None] = [None, None] + [
    date(y, m, d).toordinal()
    for y, m, d in ((2016, 2, 29), (2015, 12, 31), (2016, 6, 30), (2016, 3, 31))]


@dataclass(slots=True)
class PatentFacts:
    """What later generators (contracts, pledges, returns, products) need to know of a patent."""

    appno: str  # canonical ``body.check``
    patent_type: str
    application_ord: int
    grant_ord: int | None
    end_ord: int | None  # termination (unrestored lapse, expiry, surrender, invalidation)
    applicants: list[Party]
    owners: list[Party]  # at as_of
    transfers: list[tuple[int, list[Party]]] = field(default_factory=list)

    def owners_on(self, ordinal: int) -> list[Party]:
        current = self.applicants
        for when, to_parties in self.transfers:
            if when <= ordinal:
                current = to_parties
        return current

    def in_force_on(self, ordinal: int) -> bool:
        return (self.grant_ord is not None and self.grant_ord <= ordinal
                and (self.end_ord is None or self.end_ord > ordinal))


@dataclass
class PatentOutput:
    patents: list[dict]
    events: list[dict]
    facts: list[PatentFacts]


def spelled(rng: random.Random, canonical: str) -> str:
    """The application number in one of the spellings the sources use (mostly canonical)."""
    draw = rng.random()
    style = 0 if draw < 0.7 else 1 if draw < 0.8 else 2 if draw < 0.9 else 3
    return respell_appno(canonical, style)


class _Numbers:
    """Unique application serials per (year, type digit, form) and publication numbers."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._serials: dict[tuple[int, int, bool], int] = {}
        self._publication = {"A": 100_000_000, "U": 200_000_000, "S": 300_000_000}

    def appno(self, year: int, type_digit: int, long_form: bool) -> str:
        key = (year, type_digit, long_form)
        if key not in self._serials:
            self._serials[key] = self._rng.randint(10_000, 900_000) if long_form else \
                self._rng.randint(1_000, 20_000)
        self._serials[key] += self._rng.randint(1, 30)
        return make_appno(year, type_digit, self._serials[key], long_form)

    def publication(self, kind: str) -> int:
        self._publication[kind] += self._rng.randint(1, 40)
        return self._publication[kind]


class _IpcDrawer:
    """Main IPC codes: every map prefix is used (in turn) before random draws take over."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._prefixes = vocab.load_ipc_prefixes()
        self._next_forced = 0

    def draw(self) -> tuple[str, str]:
        """(IPC code as printed, chain used for the title)."""
        rng = self._rng
        if self._next_forced < 2:  # both spellings of the contract's example
            self._next_forced += 1
            return ("G06F 40/289" if self._next_forced == 1 else "G06F40/289"), "big_data_ngit"
        forced_index = self._next_forced - 2
        if forced_index < len(self._prefixes):
            self._next_forced += 1
            prefix, chain = self._prefixes[forced_index]
        elif rng.random() < 0.58:
            prefix, chain = rng.choice(self._prefixes)
        else:
            prefix, chain = rng.choice(vocab.UNMATCHED_IPC), "other"
        return self.code_for(prefix), chain

    def code_for(self, prefix: str) -> str:
        rng = self._rng
        if prefix.endswith("/"):
            subclass, group = prefix[:4], prefix[4:-1]
            code_group = f"{group}/{rng.choice(('00', '02', '10', '182', '28'))}"
        else:
            subclass, code_group = prefix, rng.choice(vocab.IPC_GROUPS)
            if subclass in ("G06N", "B22F", "C01B") and code_group.startswith(("10/", "32/")):
                code_group = "3/08"  # keep subclass-level draws out of the finer main groups
        separator = " " if rng.random() < 0.5 else ""
        return f"{subclass}{separator}{code_group}"

    def extra(self) -> str:
        return self.code_for(self._rng.choice(
            [p for p, _ in self._prefixes[:10]] + list(vocab.UNMATCHED_IPC[:10])))


def _title(rng: random.Random, patent_type: str, chain: str) -> str:
    if patent_type == "design":
        return rng.choice(vocab.DESIGN_TITLES) + ("" if rng.random() < 0.6 else "(" + str(
            rng.randint(1, 9)) + ")")
    subject = rng.choice(vocab.TITLE_SUBJECTS.get(chain, vocab.TITLE_SUBJECTS["other"]))
    return rng.choice(vocab.TITLE_PATTERNS).format(x=subject)


def _application_ord(rng: random.Random, clock: Clock) -> int:
    draw = rng.random()
    if draw < 0.025:  # the 9-digit era (before 1 Oct 2003)
        return rng.randint(_ORD_1995, _ORD_2003_10 - 1)
    if draw < 0.14:
        return rng.randint(_ORD_2003_10, _ORD_2013 - 1)
    span = clock.as_of_ord - 20 - _ORD_2013
    return _ORD_2013 + int(span * rng.random() ** 0.75)


def _applicants(rng: random.Random, pool: PartyPool) -> tuple[list[Party], bool]:
    """Applicants in order, and whether a party of J must be brought in by transfer."""
    draw = rng.random()
    if draw < 0.78:
        first = pool.home_party(rng)
        rest = [pool.any_party(rng, 0.7) for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
        return _dedupe([first, *rest]), False
    if draw < 0.9:
        return _dedupe([pool.outside_party(rng), pool.home_party(rng)]), False
    return [pool.outside_party(rng)], True


def _dedupe(parties: list[Party]) -> list[Party]:
    seen: list[int] = []
    result = []
    for party in parties:
        if id(party) not in seen:
            seen.append(id(party))
            result.append(party)
    return result


def _is_univ_inst(party: Party) -> bool:
    return party["party_type"] in ("university", "research_institute")


class _PatentLife:
    """Events of one patent in date order, plus the facts they imply."""

    def __init__(self, rng: random.Random, clock: Clock, pool: PartyPool) -> None:
        self.rng, self.clock, self.pool = rng, clock, pool
        self.same_day_transfers = 0

    def simulate(self, facts: PatentFacts, force_inbound: bool) -> list[tuple[int, str, list,
                                                                           list, dict]]:
        rng, today = self.rng, self.clock.as_of_ord
        events: list[tuple[int, str, list, list, dict]] = []
        grant = facts.grant_ord
        term_years = 20 if facts.patent_type == "invention" else \
            15 if facts.patent_type == "design" and facts.application_ord >= _ORD_2021_06 else 10
        end_ord, end_code = None, None
        if grant is not None:
            candidates: list[tuple[int, str]] = []
            expiry = add_years(facts.application_ord, term_years)
            if expiry <= today:
                candidates.append((expiry, "CX01"))
            if rng.random() < 0.16:
                lapse = between(rng, grant + 300, min(expiry - 1, today))
                if lapse is not None:
                    candidates.append((lapse, "CF01"))
            if rng.random() < 0.012:
                surrender = between(rng, grant + 60, min(expiry - 1, today))
                if surrender is not None:
                    candidates.append((surrender, "AV01"))
            if rng.random() < 0.007:
                invalid = between(rng, grant + 180, min(expiry - 1, today))
                if invalid is not None:
                    candidates.append((invalid, "IW01"))
            if candidates:
                end_ord, end_code = min(candidates)
        live_until = (end_ord - 1) if end_ord is not None else today

        # Transfers first: they decide the owners of every later event.
        n_transfers = 1 if force_inbound else 0
        if rng.random() < 0.2:
            n_transfers += 1 if rng.random() < 0.75 else 2
        transfer_dates = sorted(
            d for d in (between(rng, facts.application_ord + 90, live_until)
                        for _ in range(n_transfers)) if d is not None)
        for index, when in enumerate(transfer_dates):
            owners = facts.owners_on(when)
            if force_inbound and index == 0:
                new_owner = self.pool.home_party(rng)
            elif self.pool.is_home(owners[0]):
                draw = rng.random()
                new_owner = self.pool.home_party(rng) if draw < 0.6 else \
                    rng.choice(self.pool.foreign_parties) if draw < 0.7 else \
                    self.pool.outside_party(rng)
            else:
                new_owner = self.pool.home_party(rng) if rng.random() < 0.85 else \
                    self.pool.outside_party(rng)
            if new_owner is owners[0]:
                continue
            to_parties = [new_owner] if rng.random() < 0.9 else _dedupe(
                [new_owner, self.pool.any_party(rng)])
            facts.transfers.append((when, to_parties))
            events.append((when, "TR01", owners, to_parties, {}))

        if grant is not None:
            events.append((grant, "GR01", [], [], {}))
            self._lapses_restored(events, grant, live_until)
            self._licences(events, facts, grant, live_until)
            self._open_licences(events, facts, grant, live_until)
            if end_code is not None:
                from_parties = facts.owners_on(end_ord) if end_code == "AV01" else []
                events.append((end_ord, end_code, from_parties, [], {}))
                if end_code == "CF01" and rng.random() < 0.2:
                    restored = between(rng, end_ord + 20, min(end_ord + 400, today))
                    if restored is not None:  # the last CF01 is restored: in force again
                        events.append((restored, "RR01", [], [], {}))
                        end_ord = None
        facts.end_ord = end_ord
        facts.owners = facts.owners_on(today)
        events.sort(key=lambda e: e[0])
        return events

    def _lapses_restored(self, events: list, grant: int, live_until: int) -> None:
        """Lapses for unpaid fees that the owner cured: CF01 followed by RR01, 0-3 times."""
        rng = self.rng
        earliest = grant + 300
        for _ in range(rng.choice((0, 0, 0, 1, 1, 1, 2, 3))):
            lapse = between(rng, earliest, min(earliest + 900, live_until - 120))
            if lapse is None:
                return
            restored = lapse + rng.randint(20, 110)
            events.append((lapse, "CF01", [], [], {}))
            events.append((restored, "RR01", [], [], {}))
            earliest = restored + 200

    def _licences(self, events: list, facts: PatentFacts, grant: int, live_until: int) -> None:
        rng = self.rng
        if rng.random() >= 0.07:
            return
        when = between(rng, grant + 30, live_until)
        if when is None:
            return
        licensee = self.pool.any_party(rng, 0.7) if rng.random() < 0.93 else \
            rng.choice(self.pool.foreign_parties)
        details = {"license_kind": rng.choice(("exclusive", "sole", "ordinary", "ordinary")),
                   "contract_no": f"X{date.fromordinal(when).year}370000"
                                  f"{rng.randint(1, 99999):05d}"}
        owners = facts.owners_on(when)
        events.append((when, "EE01", owners, [licensee], details))
        if rng.random() < 0.3:
            cancel = between(rng, when + 90, live_until)
            if cancel is not None:
                events.append((cancel, "EC01", owners, [licensee], {}))

    def _open_licences(self, events: list, facts: PatentFacts, grant: int,
                       live_until: int) -> None:
        rng = self.rng
        first_owner = facts.owners_on(max(grant, _ORD_OPEN_LICENCE))[0]
        share = 0.2 if _is_univ_inst(first_owner) and self.pool.is_home(first_owner) else 0.015
        if rng.random() >= share:
            return
        declared = between(rng, max(grant, _ORD_OPEN_LICENCE), live_until)
        if declared is None:
            return
        owners = facts.owners_on(declared)
        fee_mode = rng.choice(("lump_sum", "royalty_rate", "annual_fee"))
        fee = round(rng.uniform(0.5, 30), 2) if fee_mode != "royalty_rate" else \
            round(rng.uniform(1, 8), 1)
        events.append((declared, "OL01", owners, [], {"fee_mode": fee_mode, "fee": fee}))
        withdrawn = between(rng, declared + 60, live_until) if rng.random() < 0.2 else None
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            taken = between(rng, declared + 10, (withdrawn or live_until + 1) - 1)
            if taken is None:
                continue
            if self.same_day_transfers < 3 or rng.random() < 0.12:
                # a transfer on the very day decides the OL03's owner (UNI-05)
                self.same_day_transfers += 1
                new_owner = self.pool.home_party(rng)
                events.append((taken, "TR01", facts.owners_on(taken), [new_owner], {}))
                facts.transfers.append((taken, [new_owner]))
                facts.transfers.sort(key=lambda transfer: transfer[0])
            events.append((taken, "OL03", facts.owners_on(taken),
                           [self.pool.any_party(rng, 0.85)], {}))
        if withdrawn is not None:
            events.append((withdrawn, "OL02", facts.owners_on(withdrawn), [], {}))
            again = between(rng, withdrawn + 30, live_until) if rng.random() < 0.3 else None
            if again is not None:
                events.append((again, "OL01", facts.owners_on(again), [],
                               {"fee_mode": fee_mode, "fee": fee}))


def _end_status(codes: list[str]) -> str:
    last = next((c for c in reversed(codes) if c in ("CF01", "CX01", "AV01", "IW01")), "CF01")
    return {"CF01": "lapsed", "CX01": "expired", "AV01": "abandoned",
            "IW01": "invalidated"}[last]


def _record_versions(rng: random.Random, clock: Clock, record: dict, facts: PatentFacts,
                     appno: str, codes: list[str]) -> list[dict]:
    """The patent record as the office publishes it over time: a version when it is filed
    (pending), when an invention is published, when it is granted or refused, and when it ends.

    Each version says only what had happened by its ``updated_at``, so a sandbox started for an
    earlier day (which serves the versions updated by then) sees the patent as it was that day;
    the final version is never the only one, or a patent granted years ago would appear only
    once it lapsed, rewriting the counts of every year in between."""
    app_ord, grant = facts.application_ord, facts.grant_ord
    invention = facts.patent_type == "invention"
    changes: list[tuple[int, dict]] = [(app_ord, {
        "grant_no": None, "grant_date": None, "publication_no": None,
        "legal_status": "pending"})]
    if invention and record["publication_no"] and (grant is None or app_ord + 540 < grant):
        changes.append((app_ord + 540, {"publication_no": record["publication_no"]}))
    if grant is not None:
        changes.append((grant, {"grant_no": record["grant_no"],
                                "grant_date": record["grant_date"],
                                "publication_no": record["publication_no"],
                                "legal_status": "granted"}))
        if facts.end_ord is not None:
            changes.append((facts.end_ord, {"legal_status": _end_status(codes)}))
    elif invention:
        decided = app_ord + 1500 + rng.randint(0, 300)
        status = rng.choice(("rejected", "withdrawn", "abandoned"))
        if decided <= clock.as_of_ord:
            changes.append((decided, {"legal_status": status}))
    versions: list[dict] = []
    state = dict(record)
    previous_second = -1
    for when, change in changes:
        if when > clock.as_of_ord:
            break
        second = max(clock.updated_after(when, rng), previous_second + 1)
        if second > clock.last_second:
            break
        state = dict(state, **change, updated_at=clock.timestamp(second))
        state["application_no"] = spelled(rng, appno) if versions else record["application_no"]
        versions.append(state)
        previous_second = second
    return versions


def generate_patents(rng: random.Random, clock: Clock, pool: PartyPool,
                     n_patents: int) -> PatentOutput:
    """Patents (every version) and legal events (every version), plus the facts behind them."""
    numbers, ipc = _Numbers(rng), _IpcDrawer(rng)
    life = _PatentLife(rng, clock, pool)
    patents: list[dict] = []
    events: list[dict] = []
    facts_list: list[PatentFacts] = []
    event_serial = 0
    today = clock.as_of_ord
    for index in range(n_patents):
        draw = rng.random()
        forced_date = _EDGE_APPLICATION_DATES[index] if index < len(
            _EDGE_APPLICATION_DATES) else None
        if draw < 0.55 or forced_date is not None:
            patent_type, type_digit = "invention", 8 if rng.random() < 0.03 else 1
        elif draw < 0.93:
            patent_type, type_digit = "utility_model", 9 if rng.random() < 0.02 else 2
        else:
            patent_type, type_digit = "design", 3
        app_ord = _application_ord(rng, clock) if forced_date is None else forced_date
        app_year = date.fromordinal(app_ord).year
        appno = numbers.appno(app_year, type_digit, app_ord >= _ORD_2003_10)
        if patent_type == "invention":
            grant = app_ord + rng.randint(500, 1500) if rng.random() < 0.62 else None
            grant = app_ord + 700 if forced_date is not None else grant
        else:
            grant = app_ord + rng.randint(100, 380) if rng.random() < 0.93 else None
        if app_ord < _ORD_2005 and grant is None:
            grant = app_ord + rng.randint(300, 1200)
        if grant is not None and grant > today:
            grant = None
        applicants, force_inbound = _applicants(rng, pool)
        if force_inbound and app_ord + 120 > today:  # too recent to have been transferred yet
            applicants, force_inbound = [*applicants, pool.home_party(rng)], False
        facts = PatentFacts(appno, patent_type, app_ord, grant, None, applicants, applicants)
        life_events = life.simulate(facts, force_inbound)
        facts_list.append(facts)

        if patent_type == "design":
            ipc_main, ipc_all, chain = None, [], "other"
            locarno = rng.choice(vocab.LOCARNO_CLASSES)
        else:
            ipc_main, chain = ipc.draw()
            ipc_all = [ipc_main] + [ipc.extra() for _ in range(rng.choice((0, 1, 1, 2, 3)))]
            locarno = None
        publication_no = grant_no = None
        if patent_type == "invention":
            number = numbers.publication("A")
            if app_ord + 540 <= today or grant is not None:
                publication_no = f"CN{number}A"
            if grant is not None:
                grant_no = f"CN{number}B"
        elif grant is not None:
            kind = "U" if patent_type == "utility_model" else "S"
            grant_no = publication_no = f"CN{numbers.publication(kind)}{kind}"
        owner = applicants[0]
        funded = _is_univ_inst(owner) and rng.random() < 0.2 or rng.random() < 0.02
        family = []
        if patent_type == "invention" and rng.random() < 0.06:
            family = rng.choice((["US"], ["US", "EP"], ["JP", "KR"], ["EP", "US", "JP"],
                                 ["CN"], ["WO"]))
        codes = [e[1] for e in life_events]
        record = {
            "application_no": spelled(rng, appno),
            "patent_type": patent_type,
            "title": _title(rng, patent_type, chain),
            "application_date": clock.iso(app_ord),
            "publication_no": publication_no,
            "grant_no": grant_no,
            "grant_date": clock.iso(grant) if grant is not None else None,
            "ipc_main": ipc_main,
            "ipc": ipc_all,
            "locarno": locarno,
            "applicants": applicants,
            "family_countries": family,
            "fiscal_project_ids": [rng.choice((
                f"{rng.randint(2016, 2023)}YFB{rng.randint(1000000, 9999999)}",
                f"ZR{rng.randint(2017, 2023)}M{rng.choice('CFEH')}{rng.randint(1, 199):03d}"))]
            if funded else [],
            "awards": [rng.choice(vocab.AWARDS)] if grant is not None and rng.random() < 0.006
            else [],
            "legal_status": None,
            "updated_at": None,
        }
        patents.extend(_record_versions(rng, clock, record, facts, appno, codes))
        for when, code, from_parties, to_parties, details in life_events:
            if when > today:
                continue
            event_serial += 1
            event = {
                "event_id": f"LE{event_serial:09d}",
                "application_no": spelled(rng, appno),
                "event_code": code,
                "event_date": clock.iso(when),
                "from_parties": from_parties,
                "to_parties": to_parties,
                "details": details,
                "updated_at": clock.timestamp(clock.updated_after(when, rng)),
                "revoked": False,
            }
            events.extend(_event_versions(rng, clock, event, pool, appno))
    return PatentOutput(patents, events, facts_list)


def _event_versions(rng: random.Random, clock: Clock, event: dict, pool: PartyPool,
                    appno: str) -> list[dict]:
    """The event as served: sometimes later revoked, sometimes corrected by a newer version."""
    draw = rng.random()
    if draw >= 0.025 or event["event_code"] == "GR01":
        return [event]
    first_second = seconds_of(event["updated_at"])
    later_second = first_second + rng.randint(3600, 90 * 86_400)
    if later_second > clock.last_second:
        if draw < 0.005:  # revoked from its first publication on
            return [dict(event, revoked=True)]
        return [event]
    later = dict(event, updated_at=clock.timestamp(later_second))
    if draw < 0.012:
        later["revoked"] = True
    elif event["event_code"] == "EE01":
        later["details"] = dict(event["details"], license_kind="exclusive")
    elif event["event_code"] in ("TR01", "OL03") and event["to_parties"]:
        replacement = pool.home_party(rng) if pool.is_home(event["to_parties"][0]) else \
            pool.outside_party(rng)
        later["to_parties"] = [replacement]
    else:  # a re-published version that only spells the number differently
        later["application_no"] = respell_appno(
            appno, 2 if event["application_no"].startswith("CN") else 1)
    return [event, later]
