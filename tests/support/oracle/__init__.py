"""Independent indicator oracle: the published `indicator_values`, recomputed in plain Python
from a generated `Dataset` and the two shared specs only (never from the dbt project), so the
end-to-end tests can compare the two implementations."""

from .compare import compare
from .compute import compute_indicator_values
from .reference import load_reference
from .sources import load_sources

__all__ = ["compare", "compute_indicator_values", "load_reference", "load_sources"]
