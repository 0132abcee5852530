"""Everything that happened to one patent, and what that means on a given day D.

The legal-events table of the contract defines "in force on D" and "owners on D"; the
indicators add conversions, pledges, open licences and inventory returns. Collecting them per
patent keeps each rule a few readable lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .parsing import add_years
from .records import InventoryReturn, LegalEvent, Party, Patent, Sources
from .reference import is_jinan

TERMINATING = ("CX01", "AV01", "IW01")  # never undone
LAPSE, RESTORATION = "CF01", "RR01"
CONVERTING_EVENTS = ("TR01", "EE01", "OL03")
UNIVERSITY_TYPES = ("university", "research_institute")


@dataclass(frozen=True)
class Conversion:
    """A 转化运用 act and the region of its counterparty (for PAT-04)."""

    day: dt.date
    counterparty_region: str | None


@dataclass
class PatentHistory:
    patent: Patent
    grants: list[dt.date] = field(default_factory=list)
    status_events: list[LegalEvent] = field(default_factory=list)  # CF01, RR01, CX01, AV01, IW01
    transfers: list[LegalEvent] = field(default_factory=list)  # TR01, by (event_date, event_id)
    open_declarations: list[dt.date] = field(default_factory=list)  # OL01
    open_withdrawals: list[dt.date] = field(default_factory=list)  # OL02
    conversions: list[Conversion] = field(default_factory=list)
    pledge_loans: list[tuple[dt.date, float]] = field(default_factory=list)  # not cancelled
    returns: list[InventoryReturn] = field(default_factory=list)  # by entered_date, file order

    def in_force_on(self, day: dt.date) -> bool:
        """GR01 on or before D, no CX01/AV01/IW01 and no unrestored CF01 on or before D."""
        if not any(grant <= day for grant in self.grants):
            return False
        unrestored_lapses = 0
        for event in self.status_events:
            if event.event_date > day:
                break
            if event.event_code in TERMINATING:
                return False
            if event.event_code == LAPSE:
                unrestored_lapses += 1
            elif event.event_code == RESTORATION and unrestored_lapses:
                unrestored_lapses -= 1  # RR01 undoes the last CF01
        return unrestored_lapses == 0

    def owners_on(self, day: dt.date) -> tuple[Party, ...]:
        """The to_parties of the latest TR01 on or before D (same day included), else applicants."""
        latest = None
        for transfer in self.transfers:
            if transfer.event_date > day:
                break
            latest = transfer
        return latest.to_parties if latest is not None else self.patent.applicants

    def first_owner_on(self, day: dt.date) -> Party | None:
        owners = self.owners_on(day)
        return owners[0] if owners else None

    @property
    def first_applicant(self) -> Party | None:
        return self.patent.applicants[0] if self.patent.applicants else None

    def converted_on(self, day: dt.date) -> bool:
        return any(conversion.day <= day for conversion in self.conversions)

    def converted_in_jinan_on(self, day: dt.date) -> bool:
        return any(c.day <= day and is_jinan(c.counterparty_region) for c in self.conversions)

    def pledged_loans_on(self, day: dt.date) -> float:
        """Each not-cancelled pledge registered on or before D contributes its whole loan.

        Rounded to the registries' 4 decimals so that float addition cannot fall just short of
        the threshold (333.3333 + 666.6667 is exactly 1000 万元).
        """
        return round(sum(loan for registered, loan in self.pledge_loans if registered <= day), 4)

    def older_than_ten_years_on(self, day: dt.date) -> bool:
        """D > application_date + 10 calendar years (29 Feb + 10 years is 28 Feb)."""
        return day > add_years(self.patent.application_date, 10)

    def granted_on_or_before(self, day: dt.date) -> bool:
        return any(grant <= day for grant in self.grants)

    def open_licence_on(self, day: dt.date) -> bool:
        """The latest OL01 on or before D has no OL02 after it (strictly later) on or before D."""
        declarations = [declared for declared in self.open_declarations if declared <= day]
        if not declarations:
            return False
        latest = max(declarations)
        return not any(latest < withdrawn <= day for withdrawn in self.open_withdrawals)

    def latest_return_on(self, day: dt.date) -> InventoryReturn | None:
        latest = None
        for entered in self.returns:
            if entered.entered_date > day:
                break
            latest = entered
        return latest


def is_jinan_university(party: Party | None) -> bool:
    return (
        party is not None and is_jinan(party.region_code) and party.party_type in UNIVERSITY_TYPES
    )


def _status_order(event: LegalEvent) -> tuple:
    # Same-day CF01 and RR01: the lapse comes first, so the restoration can undo it.
    return (event.event_date, 1 if event.event_code == RESTORATION else 0, event.event_id)


def build_histories(sources: Sources) -> dict[str, PatentHistory]:
    """One history per loaded patent; records about unknown patents are left out here."""
    histories = {number: PatentHistory(patent) for number, patent in sources.patents.items()}

    for event in sources.legal_events:
        history = histories.get(event.application_no)
        if history is None:
            continue
        code = event.event_code
        if code == "GR01":
            history.grants.append(event.event_date)
        elif code in (*TERMINATING, LAPSE, RESTORATION):
            history.status_events.append(event)
        elif code == "OL01":
            history.open_declarations.append(event.event_date)
        elif code == "OL02":
            history.open_withdrawals.append(event.event_date)
        if code == "TR01":
            history.transfers.append(event)
        if code in CONVERTING_EVENTS:
            first_to = event.to_parties[0] if event.to_parties else None
            history.conversions.append(
                Conversion(event.event_date, first_to.region_code if first_to else None)
            )

    for contract in sources.tech_contracts:
        if contract.status != "有效":
            continue
        for number in contract.application_nos:
            if number in histories:
                histories[number].conversions.append(
                    Conversion(contract.registration_date, contract.seller_region)
                )

    for pledge in sources.pledges:
        if pledge.status == "cancelled":
            continue
        for number in pledge.application_nos:
            if number in histories:
                histories[number].conversions.append(
                    Conversion(pledge.registration_date, pledge.pledgor.region_code)
                )
                histories[number].pledge_loans.append(
                    (pledge.registration_date, pledge.loan_amount_wan)
                )

    for product in sources.intensive_products:
        if product.status not in ("filed", "certified"):
            continue
        for number in product.application_nos:
            if number in histories:
                histories[number].conversions.append(
                    Conversion(dt.date(product.data_year, 1, 1), product.region_code)
                )

    for entered in sources.inventory_returns:
        if entered.application_no in histories:
            histories[entered.application_no].returns.append(entered)

    for history in histories.values():
        history.status_events.sort(key=_status_order)
        history.transfers.sort(key=lambda event: (event.event_date, event.event_id))
        history.returns.sort(key=lambda entered: entered.entered_date)  # stable: file order
    return histories
