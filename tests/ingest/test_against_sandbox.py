"""Against the sandbox (the other team's servers and drop writer): everything lands once.

The generated dataset plants known-invalid records; each must be quarantined, every other key
must be loaded, and the newest version of each key must be in the raw layer.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from devtools.sandbox import server as sandbox
from devtools.sandbox.filedrop import write_drop
from devtools.sandbox.generator import generate_dataset
from patentflow.core.settings import load_settings
from patentflow.ingest.api.client import RetryPolicy
from patentflow.ingest.pipeline import (
    ingest_finance_api,
    ingest_patent_api,
    ingest_reference,
    ingest_tech_contracts,
)
from patentflow.ingest.validate.application_numbers import normalise_application_no
from patentflow.warehouse.load_raw import load_raw

AS_OF = date(2025, 6, 30)
END = datetime(2025, 6, 30, tzinfo=UTC)
ENTITIES = {
    "patents": ("patents", "application_no"),
    "legal-events": ("legal_events", "event_id"),
    "pledges": ("pledges", "pledge_id"),
    "insurance-policies": ("insurance_policies", "policy_no"),
    "roadshows": ("roadshows", "roadshow_id"),
}


def _key(entity: str, value: str) -> str:
    return normalise_application_no(value).normalised or value if entity == "patents" else value


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory):
    dataset = generate_dataset(seed=3, scale=0.005, as_of=AS_OF)
    home: Path = tmp_path_factory.mktemp("sandbox-home")
    faults = sandbox.FaultConfig(
        error_rate=0.15, rate_limit_rate=0.1, retry_after_seconds=0, seed=2
    )
    retry = RetryPolicy(base_delay=0.005, max_delay=0.02, max_attempts=20)
    with (
        sandbox.SandboxServer("patent", dataset, "tok-patent", faults) as patent_server,
        sandbox.SandboxServer("finance", dataset, "tok-finance", faults) as finance_server,
    ):
        settings = load_settings(
            {
                "PATENTFLOW_HOME": str(home),
                "PATENTFLOW_PATENT_API_URL": patent_server.url,
                "PATENTFLOW_PATENT_API_TOKEN": "tok-patent",
                "PATENTFLOW_FINANCE_API_URL": finance_server.url,
                "PATENTFLOW_FINANCE_API_TOKEN": "tok-finance",
            }
        )
        write_drop(dataset, settings.drop_dir)
        summaries = [
            ingest_patent_api(settings, END, END, page_size=200, retry=retry),
            ingest_finance_api(settings, END, END, page_size=200, retry=retry),
            ingest_tech_contracts(settings, END, END),
            ingest_reference(settings, END, END),
        ]
        write_drop(dataset, settings.drop_dir)  # the same delivery again
        reruns = [
            ingest_patent_api(settings, END, END, retry=retry),
            ingest_finance_api(settings, END, END, retry=retry),
            ingest_tech_contracts(settings, END, END),
            ingest_reference(settings, END, END),
        ]
    con = duckdb.connect()
    load_raw(settings, con)
    return dataset, summaries, reruns, con


def test_planted_invalid_records_are_quarantined_and_nothing_else(landed) -> None:
    dataset, _, _, con = landed
    planted = Counter(ENTITIES.get(p["entity"], (p["entity"],))[0] for p in dataset.planted_invalid)
    quarantined = Counter(
        dict(con.execute("SELECT entity, count(*) FROM audit.quarantine GROUP BY 1").fetchall())
    )
    assert quarantined == planted


@pytest.mark.parametrize("api_entity", sorted(ENTITIES))
def test_newest_version_of_every_valid_key_is_loaded(landed, api_entity: str) -> None:
    dataset, _, _, con = landed
    table, key_field = ENTITIES[api_entity]
    planted = {p["key"] for p in dataset.planted_invalid if p["entity"] == api_entity}
    expected = {
        _key(api_entity, r[key_field]): r["updated_at"]
        for r in dataset.current()[api_entity]
        if r[key_field] not in planted
    }
    rows = con.execute(
        f"SELECT {key_field}, max(updated_at) FROM raw.{table} GROUP BY 1"  # noqa: S608
    ).fetchall()
    loaded = {key: newest for key, newest in rows}
    assert set(loaded) == set(expected)
    assert all(loaded[key] == datetime.fromisoformat(expected[key]) for key in expected)


def test_every_drop_row_is_accounted_for(landed) -> None:
    dataset, summaries, _, con = landed
    delivered_rows = sum(len(drop.rows) for drop in dataset.drop_files)
    reconciled = con.execute(
        "SELECT sum(delivered) FROM audit.reconciliation WHERE source LIKE '%_drop'"
    ).fetchone()[0]
    assert reconciled == delivered_rows
    current_contracts = {str(r["合同登记号"]) for r in dataset.current()["tech_contracts"]}
    loaded = {
        r[0] for r in con.execute("SELECT registration_no FROM raw.tech_contracts").fetchall()
    }
    quarantined = {
        r[0]
        for r in con.execute(
            "SELECT record_key FROM audit.quarantine WHERE entity = 'tech_contracts'"
        ).fetchall()
    }
    assert current_contracts <= loaded | quarantined


def test_rerunning_with_the_same_deliveries_lands_nothing_new(landed) -> None:
    _, _, reruns, _ = landed
    assert [summary.batches for summary in reruns] == [[], [], [], []]
    assert all(summary.skipped for summary in reruns)


def test_quarantine_names_each_planted_record_by_its_delivered_key(landed) -> None:
    dataset, _, _, con = landed
    quarantined = set(con.execute("SELECT entity, record_key FROM audit.quarantine").fetchall())
    planted = {
        (p["entity"].replace("-", "_"), str(p["key"]))
        for p in dataset.planted_invalid
        if p["entity"] != "inventory_returns"  # keyed (application_no, entered_date) in raw
    }
    assert planted <= quarantined
