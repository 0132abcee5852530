"""Contract records (JSON objects, from an API page or a mapped export) to validated columns:
flatten, stringify scalars, validate.

The HTTP services deliver nested JSON (parties, lists); the validator works on columns. This
module is the bridge and also offers :func:`validate_record`, the one-record entry point the
property tests drive with arbitrary input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from patentflow.ingest.validate.engine import ValidatedColumns, validate_columns
from patentflow.ingest.validate.entities import ENTITY_SPECS

# The key field of each API entity (the contract's primary key): quarantine rows name it.
RECORD_KEYS: dict[str, str] = {
    "patents": "application_no",
    "legal_events": "event_id",
    "pledges": "pledge_id",
    "insurance_policies": "policy_no",
    "roadshows": "roadshow_id",
}

# Single-party objects flattened into prefixed columns: field -> (prefix, party keys).
_PARTY_OBJECTS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "pledges": {
        "pledgor": ("pledgor_", ("name", "uscc", "party_type", "region_code", "country")),
        "pledgee": ("pledgee_", ("name", "uscc", "institution_type")),
    },
    "insurance_policies": {
        "insured": ("insured_", ("name", "uscc", "party_type", "region_code", "country")),
    },
}
_LIST_KINDS = frozenset({"appno_list", "str_list", "ipc_list", "party_list", "json_object"})


def _scalar_text(value: Any) -> tuple[str | None, bool]:
    """JSON scalar as text for the column validators; ``(None, False)`` for a wrong JSON type."""
    if value is None or isinstance(value, str):
        return value, True
    if isinstance(value, bool):
        return ("true" if value else "false"), True
    if isinstance(value, int | float):
        return repr(value), True
    return None, False


@dataclass
class FlatRecords:
    columns: dict[str, list[Any]]
    pre_codes: np.ndarray
    record_json: list[str]
    keys: list[str | None]
    updated_at: list[str | None]


def flatten_records(entity: str, records: list[Any]) -> FlatRecords:
    """Columns for :func:`validate_columns`, plus the original JSON and the delivered key."""
    spec = ENTITY_SPECS[entity]
    parties = _PARTY_OBJECTS.get(entity, {})
    id_field = RECORD_KEYS[entity]
    n_rows = len(records)
    pre_codes = np.full(n_rows, None, dtype=object)
    objects: list[dict[str, Any]] = []
    record_json: list[str] = []
    for index, record in enumerate(records):
        text = json.dumps(record, ensure_ascii=False, default=str)
        if not _is_storable(text):
            # JSON may escape a lone UTF-16 surrogate ("\ud800"): legal JSON, not Unicode text.
            # Parquet and DuckDB cannot hold it, and one such string used to fail the whole
            # page on every retry. The record is quarantined; the ASCII-escaped JSON keeps it
            # exactly as delivered.
            text = json.dumps(record, ensure_ascii=True, default=str)
            record = _escape_surrogates(record)
            pre_codes[index] = "invalid_text"
        record_json.append(text)
        if isinstance(record, dict):
            objects.append(record)
        else:
            if pre_codes[index] is None:
                pre_codes[index] = "malformed_record"
            objects.append({})
    party_columns: dict[str, list[Any]] = {}
    for party_field, (prefix, keys) in parties.items():
        for key in keys:
            party_columns[prefix + key] = [None] * n_rows
        for index, record in enumerate(objects):
            party = record.get(party_field)
            if party is None:
                continue
            if not isinstance(party, dict):
                if pre_codes[index] is None:
                    pre_codes[index] = "invalid_type"
                continue
            for key in keys:
                party_columns[prefix + key][index] = party.get(key)
    columns: dict[str, list[Any]] = {}
    for field in spec.fields:
        if field.name in party_columns:
            values = party_columns[field.name]
        else:
            values = [record.get(field.name) for record in objects]
        if field.kind not in _LIST_KINDS and not all(
            value is None or value.__class__ is str for value in values
        ):
            converted = []
            for index, value in enumerate(values):
                text, ok = _scalar_text(value)
                if not ok and pre_codes[index] is None:
                    pre_codes[index] = "invalid_type"
                converted.append(text)
            values = converted
        columns[field.name] = values
    return FlatRecords(
        columns=columns,
        pre_codes=pre_codes,
        record_json=record_json,
        keys=[_key_text(r.get(id_field)) for r in objects],
        updated_at=[
            v if isinstance(v, str) else None for v in (r.get("updated_at") for r in objects)
        ],
    )


def _is_storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escape_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings written as a ``\\udXXX`` escape."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_escape_surrogates(k): _escape_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape_surrogates(item) for item in value]
    return value


def _key_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def validate_api_records(entity: str, records: list[Any]) -> tuple[FlatRecords, ValidatedColumns]:
    flat = flatten_records(entity, records)
    details = flat.columns.get("details") if entity == "legal_events" else None
    validated = validate_columns(
        ENTITY_SPECS[entity],
        flat.columns,
        len(records),
        context={"details_raw": details},
        pre_codes=flat.pre_codes,
    )
    return flat, validated


@dataclass(frozen=True)
class RecordVerdict:
    """One record's fate: loaded with typed values, or quarantined with a reason."""

    loaded: bool
    values: dict[str, Any] | None
    reason_code: str | None
    reason: str | None


def validate_record(entity: str, record: Any) -> RecordVerdict:
    """Validate one API-shaped record (any Python value); never raises on bad input."""
    _, validated = validate_api_records(entity, [record])
    code = validated.reason_codes[0]
    if code is not None:
        return RecordVerdict(False, None, code, validated.reasons[0])
    values = {name: array[0].as_py() for name, array in validated.typed.items()}
    return RecordVerdict(True, values, None, None)
