"""The Assets that chain the DAGs: each ingestion DAG updates its raw asset; the build DAG runs when
any of them is updated and updates the published release, which the report DAG consumes.

Kept free of heavy imports: DAG files import it at parse time.
"""

from airflow.sdk import Asset

from patentflow.orchestration.pools import DUCKDB_WRITER_POOL

__all__ = ["DUCKDB_WRITER_POOL", "PUBLISHED_RELEASE", "RAW_ASSETS", "RAW_FINANCE_API",
           "RAW_PATENT_API", "RAW_REFERENCE", "RAW_TECH_CONTRACTS"]

RAW_PATENT_API = Asset("patentflow.raw.patent_api")
RAW_FINANCE_API = Asset("patentflow.raw.finance_api")
RAW_TECH_CONTRACTS = Asset("patentflow.raw.tech_contracts")
RAW_REFERENCE = Asset("patentflow.raw.reference")
RAW_ASSETS = (RAW_PATENT_API, RAW_FINANCE_API, RAW_TECH_CONTRACTS, RAW_REFERENCE)

PUBLISHED_RELEASE = Asset("patentflow.marts.published_release")
