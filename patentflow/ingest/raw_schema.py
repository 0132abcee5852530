"""The raw layer's table definitions: one registry that Parquet writers and ``load_raw`` share.

docs/architecture.md fixes the columns; keeping them in one place means the Parquet landing files,
the typed DuckDB tables and the empty tables created before any data arrives can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

MONEY = "DECIMAL(18,4)"

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    MONEY: pa.decimal128(18, 4),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
}

# Batch metadata carried by every raw, superseded and quarantine row.
METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "VARCHAR"),
    ("_source", "VARCHAR"),
    ("_entity", "VARCHAR"),
    ("_origin", "VARCHAR"),
    ("_extracted_at", "TIMESTAMPTZ"),
    ("_checksum", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_record", "VARCHAR"),
)

QUARANTINE_EXTRA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("record_key", "VARCHAR"),
    ("reason_code", "VARCHAR"),
    ("reason", "VARCHAR"),
)

RECONCILIATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("batch_id", "VARCHAR"),
    ("origin", "VARCHAR"),
    ("delivered", "BIGINT"),
    ("loaded", "BIGINT"),
    ("quarantined", "BIGINT"),
    ("superseded", "BIGINT"),
    ("extracted_at", "TIMESTAMPTZ"),
    ("checksum", "VARCHAR"),
)

AUDIT_QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("batch_id", "VARCHAR"),
    ("record_key", "VARCHAR"),
    ("reason_code", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("raw_record", "VARCHAR"),
)


@dataclass(frozen=True)
class RawTable:
    """One raw entity: its key (for newest-version-wins) and its typed business columns."""

    entity: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    # What audit.quarantine.record_key shows (the architecture's key); defaults to ``key``.
    identifier: tuple[str, ...] | None = None

    @property
    def record_key_fields(self) -> tuple[str, ...]:
        return self.identifier or self.key

    @property
    def all_columns(self) -> tuple[tuple[str, str], ...]:
        return self.columns + METADATA_COLUMNS

    @property
    def has_updated_at(self) -> bool:
        return any(name == "updated_at" for name, _ in self.columns)

    def arrow_schema(self) -> pa.Schema:
        return arrow_schema(self.all_columns)


def arrow_schema(columns: tuple[tuple[str, str], ...]) -> pa.Schema:
    return pa.schema([pa.field(name, _ARROW_TYPES[sql_type]) for name, sql_type in columns])


def _v(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, "VARCHAR") for name in names)


RAW_TABLES: dict[str, RawTable] = {
    table.entity: table
    for table in (
        RawTable(
            "patents",
            ("application_no",),
            (
                *_v("application_no", "patent_type", "title"),
                ("application_date", "DATE"),
                *_v("publication_no", "grant_no"),
                ("grant_date", "DATE"),
                *_v("ipc_main", "ipc", "locarno", "applicants", "family_countries"),
                *_v("fiscal_project_ids", "awards", "legal_status"),
                ("updated_at", "TIMESTAMPTZ"),
            ),
        ),
        RawTable(
            "legal_events",
            ("event_id",),
            (
                *_v("event_id", "application_no", "event_code"),
                ("event_date", "DATE"),
                *_v("from_parties", "to_parties", "details"),
                ("updated_at", "TIMESTAMPTZ"),
                ("revoked", "BOOLEAN"),
            ),
        ),
        RawTable(
            "pledges",
            ("pledge_id",),
            (
                ("pledge_id", "VARCHAR"),
                ("registration_date", "DATE"),
                *_v("pledgor_name", "pledgor_uscc", "pledgor_party_type", "pledgor_region_code"),
                *_v("pledgor_country", "pledgee_name", "pledgee_uscc", "pledgee_institution_type"),
                ("patent_application_nos", "VARCHAR"),
                ("trademark_count", "INTEGER"),
                ("loan_amount_wan", MONEY),
                ("term_months", "INTEGER"),
                ("status", "VARCHAR"),
                ("release_date", "DATE"),
                ("updated_at", "TIMESTAMPTZ"),
            ),
        ),
        RawTable(
            "insurance_policies",
            ("policy_no",),
            (
                *_v("policy_no", "insured_name", "insured_uscc", "insured_party_type"),
                *_v("insured_region_code", "insured_country", "insurance_type"),
                ("coverage_wan", MONEY),
                ("premium_wan", MONEY),
                ("start_date", "DATE"),
                ("end_date", "DATE"),
                ("updated_at", "TIMESTAMPTZ"),
            ),
        ),
        RawTable(
            "roadshows",
            ("roadshow_id",),
            (
                ("roadshow_id", "VARCHAR"),
                ("event_date", "DATE"),
                ("industry_chain", "VARCHAR"),
                ("enterprises", "INTEGER"),
                ("intended_amount_wan", MONEY),
                ("signed_amount_wan", MONEY),
                ("updated_at", "TIMESTAMPTZ"),
            ),
        ),
        RawTable(
            "tech_contracts",
            ("registration_no",),
            (
                *_v("registration_no", "contract_name", "contract_category"),
                ("registration_date", "DATE"),
                *_v("seller_name", "seller_uscc", "seller_type", "seller_region"),
                *_v("buyer_name", "buyer_uscc", "buyer_region"),
                ("turnover_wan", MONEY),
                ("tech_transaction_wan", MONEY),
                *_v("ip_types", "patent_application_nos", "tech_field", "status", "_file_month"),
                ("_reissue", "INTEGER"),
                ("_delivery_seq", "BIGINT"),
            ),
        ),
        RawTable(
            "organizations",
            # One row per qualification validity window: a snapshot lists an organisation once
            # per (uscc, valid_from), so uscc alone would supersede its earlier windows.
            ("uscc", "valid_from"),
            (
                *_v("uscc", "name", "party_type", "region_code"),
                ("is_high_tech_enterprise", "BOOLEAN"),
                ("is_specialized_sme", "BOOLEAN"),
                ("is_tech_sme", "BOOLEAN"),
                ("valid_from", "DATE"),
                ("valid_to", "DATE"),
                ("_snapshot_date", "DATE"),
            ),
            ("uscc",),
        ),
        RawTable(
            "population",
            ("region_code", "year"),
            (
                ("region_code", "VARCHAR"),
                ("year", "INTEGER"),
                ("resident_population", "BIGINT"),
                ("_snapshot_date", "DATE"),
            ),
        ),
        RawTable(
            "inventory_returns",
            ("application_no", "entered_date"),
            (
                *_v("application_no", "owner_uscc"),
                ("entered_date", "DATE"),
                ("prospect", "VARCHAR"),
                ("industrialized", "BOOLEAN"),
                ("industry_chain", "VARCHAR"),
                ("_snapshot_date", "DATE"),
            ),
        ),
        RawTable(
            "intensive_products",
            ("product_id",),
            (
                *_v("product_id", "product_name", "owner_uscc", "region_code"),
                ("data_year", "INTEGER"),
                ("status", "VARCHAR"),
                ("output_value_wan", MONEY),
                ("patent_application_nos", "VARCHAR"),
                ("_snapshot_date", "DATE"),
            ),
        ),
    )
}

QUARANTINE_SCHEMA = arrow_schema(METADATA_COLUMNS + QUARANTINE_EXTRA_COLUMNS)
RECONCILIATION_SCHEMA = arrow_schema(RECONCILIATION_COLUMNS)
