"""Ingestion: pull the source systems (HTTP APIs, file drops), validate every record against the
source contract, and land valid rows, quarantined rows and the per-batch reconciliation as
Parquet."""
