"""How hard the property tests search: their full budget in ``make test``, a fifth of it in
``make test-fast`` (hypothesis profile ``fast``), so the edit-test loop stays short while the
full run keeps every test's own budget."""

from __future__ import annotations

from hypothesis import settings

FULL_PROFILE_EXAMPLES = 100
settings.register_profile("full", max_examples=FULL_PROFILE_EXAMPLES)
settings.register_profile("fast", max_examples=FULL_PROFILE_EXAMPLES // 5)
settings.load_profile("full")


def examples(full: int) -> int:
    """``full`` examples under the ``full`` profile, proportionally fewer under ``fast``."""
    return max(10, full * settings().max_examples // FULL_PROFILE_EXAMPLES)
