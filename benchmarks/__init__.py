"""Benchmarks (not shipped): the pipeline benchmark, connector throughput, dbt orchestration."""
