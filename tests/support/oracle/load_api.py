"""Validate the API entities and keep the newest loaded version of each key.

Every version the API served is validated on its own; a failing version is quarantined (not
loaded), so the newest *valid* version is current — exactly what a pipeline that stores only
valid rows and then picks the newest per key ends up with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .appno import normalise_application_no, split_application_nos
from .parsing import (
    Invalid,
    parse_amount,
    parse_date,
    parse_enum,
    parse_timestamp,
    validate_parties,
    validate_party,
)
from .records import (
    InsurancePolicy,
    LegalEvent,
    Party,
    Patent,
    Pledge,
    Quarantined,
    Roadshow,
)

PATENT_TYPES = ("invention", "utility_model", "design")
LEGAL_STATUSES = (
    "pending",
    "granted",
    "lapsed",
    "expired",
    "invalidated",
    "abandoned",
    "rejected",
    "withdrawn",
)
EVENT_CODES = (
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
)
LICENSE_KINDS = ("exclusive", "sole", "ordinary")
PLEDGE_STATUSES = ("active", "released", "cancelled")
INSTITUTION_TYPES = ("bank", "guarantor", "other")
INSURANCE_TYPES = (
    "patent_enforcement",
    "infringement_liability",
    "pledge_guarantee",
    "transformation",
    "overseas",
    "other",
)


_KEY_FIELDS = {
    "patents": "application_no",
    "legal-events": "event_id",
    "pledges": "pledge_id",
    "insurance-policies": "policy_no",
    "roadshows": "roadshow_id",
}


def as_party(party: dict) -> Party:
    return Party(
        party["name"],
        party["uscc"],
        party["party_type"],
        party["region_code"],
        party["country"],
    )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise Invalid(f"expected an array, got {value!r}")
    return tuple(str(item) for item in value if item is not None and str(item) != "")


def _key(value: Any, what: str) -> str:
    if value is None or str(value).strip() == "":
        raise Invalid(f"missing {what}")
    return str(value).strip()


def parse_patent(record: dict) -> tuple[str, Patent]:
    number = normalise_application_no(record.get("application_no"))
    if number is None:
        raise Invalid(f"bad application_no {record.get('application_no')!r}")
    parse_enum(record.get("legal_status"), LEGAL_STATUSES, "legal_status")
    if record.get("grant_date") not in (None, ""):
        parse_date(record["grant_date"])
    patent = Patent(
        application_no=number,
        patent_type=parse_enum(record.get("patent_type"), PATENT_TYPES, "patent_type"),
        application_date=parse_date(record.get("application_date")),
        ipc_main=record.get("ipc_main") or None,
        applicants=tuple(as_party(p) for p in validate_parties(record.get("applicants"))),
        family_countries=_strings(record.get("family_countries")),
        fiscal_project_ids=_strings(record.get("fiscal_project_ids")),
        awards=_strings(record.get("awards")),
    )
    return number, patent


def parse_legal_event(record: dict) -> tuple[str, LegalEvent | None]:
    """None as the value means: valid, but revoked (it counts as never having happened)."""
    event_id = _key(record.get("event_id"), "event_id")
    number = normalise_application_no(record.get("application_no"))
    if number is None:
        raise Invalid(f"bad application_no {record.get('application_no')!r}")
    code = parse_enum(record.get("event_code"), EVENT_CODES, "event_code")
    details = record.get("details") or {}
    if code == "EE01" and isinstance(details, dict) and details.get("license_kind") is not None:
        parse_enum(details["license_kind"], LICENSE_KINDS, "license_kind")
    revoked = record.get("revoked", False)
    if revoked is None:
        revoked = False
    if not isinstance(revoked, bool):
        raise Invalid(f"revoked {revoked!r} is not a boolean")
    event = LegalEvent(
        event_id=event_id,
        application_no=number,
        event_code=code,
        event_date=parse_date(record.get("event_date")),
        from_parties=tuple(as_party(p) for p in validate_parties(record.get("from_parties"))),
        to_parties=tuple(as_party(p) for p in validate_parties(record.get("to_parties"))),
    )
    return event_id, (None if revoked else event)


def parse_pledge(record: dict) -> tuple[str, Pledge]:
    pledge_id = _key(record.get("pledge_id"), "pledge_id")
    numbers = split_application_nos(record.get("patent_application_nos"))
    if numbers is None:
        raise Invalid("bad application number in patent_application_nos")
    pledgee = record.get("pledgee") or {}
    if pledgee.get("institution_type") is not None:
        parse_enum(pledgee["institution_type"], INSTITUTION_TYPES, "institution_type")
    if record.get("release_date") not in (None, ""):
        parse_date(record["release_date"])
    pledge = Pledge(
        pledge_id=pledge_id,
        registration_date=parse_date(record.get("registration_date")),
        pledgor=as_party(validate_party(record.get("pledgor"))),
        application_nos=tuple(numbers),
        loan_amount_wan=parse_amount(record.get("loan_amount_wan")),
        status=parse_enum(record.get("status"), PLEDGE_STATUSES, "status"),
    )
    return pledge_id, pledge


def parse_policy(record: dict) -> tuple[str, InsurancePolicy]:
    policy_no = _key(record.get("policy_no"), "policy_no")
    parse_enum(record.get("insurance_type"), INSURANCE_TYPES, "insurance_type")
    parse_amount(record.get("premium_wan"))
    parse_date(record.get("end_date"))
    policy = InsurancePolicy(
        policy_no=policy_no,
        insured=as_party(validate_party(record.get("insured"))),
        coverage_wan=parse_amount(record.get("coverage_wan")),
        start_date=parse_date(record.get("start_date")),
    )
    return policy_no, policy


def roadshow_parser(chains: Iterable[str]) -> Callable[[dict], tuple[str, Roadshow]]:
    """Roadshows are validated against the chain list, so the parser needs it."""
    chain_list = tuple(chains)

    def parse_roadshow(record: dict) -> tuple[str, Roadshow]:
        roadshow_id = _key(record.get("roadshow_id"), "roadshow_id")
        parse_amount(record.get("intended_amount_wan"))
        roadshow = Roadshow(
            roadshow_id=roadshow_id,
            event_date=parse_date(record.get("event_date")),
            industry_chain=parse_enum(record.get("industry_chain"), chain_list, "industry_chain"),
            signed_amount_wan=parse_amount(record.get("signed_amount_wan")),
        )
        return roadshow_id, roadshow

    return parse_roadshow


def newest_versions(
    entity: str,
    records: Iterable[dict],
    parse: Callable[[dict], tuple[str, Any]],
    quarantine: list[Quarantined],
) -> dict[str, Any]:
    """Key → parsed value of the newest valid version, by (updated_at, position served)."""
    best: dict[str, tuple[Any, int, Any]] = {}
    for position, record in enumerate(records):
        try:
            updated_at = parse_timestamp(record.get("updated_at"))
            key, value = parse(record)
        except (Invalid, TypeError, AttributeError, KeyError) as error:
            label = str(record.get(_KEY_FIELDS.get(entity, ""), "?"))
            quarantine.append(Quarantined(entity, label, str(error)))
            continue
        order = (updated_at, position)
        if key not in best or order > best[key][:2]:
            best[key] = (updated_at, position, value)
    return {key: entry[2] for key, entry in best.items()}
