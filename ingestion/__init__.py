"""Ingestion from the source systems of ../shared/contracts/source-systems.md into the raw layer."""
