"""Where a started sandbox records what it generated, and how to get the same dataset back.

``up`` and ``generate`` write ``<home>/sandbox/dataset.json`` (seed, scale, as_of,
invalid_share, jurisdiction); ``up`` also writes ``endpoints.json``. Because generation is
deterministic, ``load_dataset`` regenerates instead of storing hundreds of MB of records.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from devtools.sandbox.generator import Dataset, generate_dataset
from devtools.sandbox.territory import JINAN

PARAMS_FILE = "dataset.json"
ENDPOINTS_FILE = "endpoints.json"


@dataclass(frozen=True)
class DatasetParams:
    seed: int
    scale: float
    as_of: str  # YYYY-MM-DD
    invalid_share: float = 0.01
    jurisdiction: str = JINAN

    def generate(self) -> Dataset:
        return generate_dataset(seed=self.seed, scale=self.scale,
                                as_of=date.fromisoformat(self.as_of),
                                invalid_share=self.invalid_share, jurisdiction=self.jurisdiction)


def sandbox_dir(home: Path) -> Path:
    return Path(home) / "sandbox"


def write_private_json(path: Path, payload: dict) -> None:
    """Write JSON readable by the owner only (it may hold tokens), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def save_params(home: Path, params: DatasetParams) -> None:
    write_private_json(sandbox_dir(home) / PARAMS_FILE, asdict(params))


def read_params(home: Path) -> DatasetParams:
    """Parameters of the dataset last generated under ``home`` (endpoints.json wins)."""
    for name in (ENDPOINTS_FILE, PARAMS_FILE):
        path = sandbox_dir(home) / name
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return DatasetParams(seed=int(data["seed"]), scale=float(data["scale"]),
                                 as_of=str(data["as_of"]),
                                 invalid_share=float(data.get("invalid_share", 0.01)),
                                 jurisdiction=str(data.get("jurisdiction", JINAN)))
    raise FileNotFoundError(f"no sandbox dataset recorded under {sandbox_dir(home)}")


def load_dataset(home: Path | str) -> Dataset:
    """The dataset that ``python -m devtools.sandbox up|generate --home HOME`` produced."""
    return read_params(Path(home)).generate()
