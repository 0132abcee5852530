"""Where things are, for tests: the checkout, its tools in .venv, and the shared specs beside it."""

from pathlib import Path

from patentflow.core.settings import PROJECT_ROOT

REPO = PROJECT_ROOT
BIN = REPO / ".venv" / "bin"
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
ARTIFACTS = REPO / "test-artifacts"
