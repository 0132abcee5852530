"""Has anything new arrived in a file drop? (What the file-drop DAGs' sensors poke.)

A delivery counts once its ``.done`` marker is present and its name has not been ingested yet;
names the drop would refuse count too, so a refused file is quarantined promptly instead of
waiting for a good one.
"""

from __future__ import annotations

from patentflow.core.settings import Settings
from patentflow.ingest.files.drop import REFERENCE, TECH_CONTRACTS, DropKind, scan_drop
from patentflow.ingest.state import IngestionState

DROP_KINDS = {"tech_contracts": TECH_CONTRACTS, "reference": REFERENCE}


def pending_deliveries(settings: Settings, source: str) -> list[str]:
    """Names of marked files in the ``source`` drop that have not been ingested yet."""
    kind: DropKind = DROP_KINDS[source]
    ready, refused = scan_drop(settings.drop_dir / kind.subdir, kind)
    names = [delivered.name for delivered in ready] + [refusal.name for refusal in refused]
    if not names:
        return []
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with IngestionState(settings.state_dir / "ingestion.sqlite") as state:
        done = state.completed_names()
    return [name for name in names if name not in done]
