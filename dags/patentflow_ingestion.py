"""Airflow ingestion DAGs, one per source system (see ../shared/contracts/source-systems.md).

The word "airflow" must appear in a DAG file for the DAG processor's safe mode to parse it.
"""

from patentflow.orchestration.assets import (
    RAW_FINANCE_API,
    RAW_PATENT_API,
    RAW_REFERENCE,
    RAW_TECH_CONTRACTS,
)
from patentflow.orchestration.dag_factory import ingestion_dag

patent_api = ingestion_dag(
    source="patent_api",
    asset=RAW_PATENT_API,
    tags=["patent-data-service", "api"],
    doc_md="""
### Patent data service → raw
Daily incremental pull of `/v1/patents` and `/v1/legal-events` by `updated_since` watermark into
the Parquet raw layer; invalid records go to quarantine with a reason. Updates
`patentflow.raw.patent_api`, which triggers the build DAG.
""",
)

finance_api = ingestion_dag(
    source="finance_api",
    asset=RAW_FINANCE_API,
    tags=["ip-finance-service", "api"],
    doc_md="""
### IP finance service → raw
Daily incremental pull of `/v1/pledges`, `/v1/insurance-policies` and `/v1/roadshows`.
Updates `patentflow.raw.finance_api`.
""",
)

tech_contracts = ingestion_dag(
    source="tech_contracts",
    asset=RAW_TECH_CONTRACTS,
    tags=["tech-contract-registry", "file-drop"],
    doc_md="""
### Technology contract registry → raw
Reads the marked (`.done`) monthly exports in `<drop>/tech_contracts/` not yet ingested (by name
and checksum); `_rN` re-issues supersede earlier rows downstream. Updates
`patentflow.raw.tech_contracts`.
""",
)

reference = ingestion_dag(
    source="reference",
    asset=RAW_REFERENCE,
    tags=["reference-data", "file-drop"],
    doc_md="""
### Reference deliveries → raw
Organisations, population, inventory returns and intensive products from `<drop>/reference/`
(full snapshots; the newest of a kind wins downstream). Updates `patentflow.raw.reference`.
""",
)
