"""Local stand-ins for the source systems of source-systems.md (HTTP APIs and file drops)."""

from __future__ import annotations

from devtools.sandbox.generator import Dataset, DropFile, generate_dataset
from devtools.sandbox.runtime import load_dataset

__all__ = ["Dataset", "DropFile", "generate_dataset", "load_dataset"]
