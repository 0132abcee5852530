"""The build warehouse: load the landed Parquet into DuckDB (raw, audit) and run dbt over it."""
