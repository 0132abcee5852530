"""The HTTP sources: a retrying client, cursor paging, record flattening, per-endpoint ingestion."""
