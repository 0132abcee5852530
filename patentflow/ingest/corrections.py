"""Undoing a bad delivery without starting over: set a batch (or every batch of a file) aside,
bring it back, and move a source's watermarks back to a date.

Nothing is deleted. An excluded batch keeps its files in ``raw/``; ``load_raw`` leaves its rows
out of ``raw.*`` and ``audit.quarantine`` and marks it ``excluded`` in ``audit.reconciliation``,
where its counts still add up (delivered = loaded + quarantined + superseded, as delivered), so
what was delivered stays accounted for and the exclusion is visible in every later release. A
watermark reset makes the next pull of the source re-fetch everything changed since the date,
under new batch ids. Each correction is logged with its reason (``IngestionState.corrections``)
and the next release's manifest lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from patentflow.core import duck
from patentflow.core.intervals import STATISTICS_TZ
from patentflow.core.settings import Settings
from patentflow.ingest.api.endpoint import ENDPOINTS
from patentflow.ingest.landing import RECONCILIATION_DIR
from patentflow.ingest.locks import exclusive
from patentflow.ingest.state import IngestionState


class UnknownTarget(LookupError):
    """The name is neither a landed batch id nor a delivered file name."""


class BadCorrection(ValueError):
    """A correction that cannot be made as asked (a usage error: exit code 2)."""


@dataclass(frozen=True)
class LandedBatch:
    batch_id: str
    source: str
    entity: str
    origin: str
    delivered: int

    def describe(self) -> str:
        return f"{self.batch_id} ({self.origin}, {self.entity}, {self.delivered:,} delivered)"


def state_of(settings: Settings) -> IngestionState:
    return IngestionState(settings.state_dir / "ingestion.sqlite")


def landed_batches(raw_dir: Path) -> dict[str, LandedBatch]:
    """Every batch with a reconciliation row (= landed completely), by id."""
    files = sorted((raw_dir / RECONCILIATION_DIR).glob("load_date=*/*.parquet"))
    if not files:
        return {}
    with duck.connect() as con:
        rows = con.execute(
            "select batch_id, source, entity, origin, delivered"
            " from read_parquet(?, union_by_name = true) order by batch_id",
            [[str(f) for f in files]]).fetchall()
    return {row[0]: LandedBatch(row[0], row[1], row[2], row[3] or "", int(row[4]))
            for row in rows}


def resolve(settings: Settings, state: IngestionState, target: str) -> list[LandedBatch]:
    """The batches ``target`` names: a batch id, or a delivered file's name (every batch that
    name landed as: re-deliveries included)."""
    landed = landed_batches(settings.raw_dir)
    if target in landed:
        return [landed[target]]
    name = Path(target).name
    ids = [batch_id for batch_id in state.file_batches(name) if batch_id in landed]
    ids += [b.batch_id for b in landed.values() if b.origin == name and b.batch_id not in ids]
    if not ids:
        raise UnknownTarget(f"{target!r} is neither a landed batch id nor a delivered file "
                            "name (see audit.reconciliation for both)")
    return [landed[batch_id] for batch_id in ids]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def set_aside(settings: Settings, target: str, reason: str,
              excluded: bool = True) -> tuple[list[LandedBatch], list[str]]:
    """Exclude (or, with ``excluded=False``, include again) the batches ``target`` names.

    Returns the batches named and the ids whose state changed (an already excluded batch is not
    excluded twice).
    """
    if excluded and not reason.strip():
        raise BadCorrection("a reason is required: --reason TEXT says why the delivery is set "
                            "aside, for the record")
    with state_of(settings) as state:
        batches = resolve(settings, state, target)
        changed = state.set_excluded([b.batch_id for b in batches], excluded, reason.strip(),
                                     _now(), target)
    return batches, changed


def endpoints_of(source: str) -> list[str]:
    keys = [f"{e.source}:{e.path}" for e in ENDPOINTS.values() if e.source == source]
    if not keys:
        sources = sorted({e.source for e in ENDPOINTS.values()})
        raise BadCorrection(f"{source!r} has no watermark: only the API sources "
                            f"({', '.join(sources)}) do; set a file drop's deliveries aside "
                            "with `patentflow exclude FILE` instead")
    return keys


def reset_watermark(settings: Settings, source: str, to: date,
                    reason: str) -> list[tuple[str, str | None, str | None]]:
    """Move every watermark of ``source`` that is later than ``to`` 00:00 Beijing time back to
    it; returns ``(endpoint, previous, new)`` per endpoint (``new`` is ``None`` for one left as
    it was: already at or before the date, or never delivered). Never moves a watermark forward
    (that would skip deliveries). Waits for a running pull of the source (its lock)."""
    endpoints = endpoints_of(source)
    new = datetime(to.year, to.month, to.day, tzinfo=STATISTICS_TZ).isoformat()
    changes: list[tuple[str, str | None, str | None]] = []
    with exclusive(settings.state_dir / "locks", source), state_of(settings) as state:
        current = {e: state.watermark(e).updated_since for e in endpoints}
        boundary = datetime.fromisoformat(new)
        later = [e for e, value in current.items()
                 if value is not None and datetime.fromisoformat(value) > boundary]
        if not later:
            raise BadCorrection(f"nothing to move back: every {source} watermark is already at "
                                f"or before {to}, or was never set "
                                f"({', '.join(f'{e}={v}' for e, v in current.items())})")
        for endpoint, value in current.items():
            if endpoint in later:
                state.reset_watermark(endpoint, new)
                changes.append((endpoint, value, new))
            else:
                changes.append((endpoint, value, None))
        state.log_correction(_now(), "reset_watermark", source, reason.strip(),
                             {"to": new, "moved_back": {e: p for e, p, n in changes if n}})
    return changes


def active_exclusions(settings: Settings) -> dict[str, tuple[str, str]]:
    """``batch_id -> (reason, excluded_at)`` of the batches set aside now."""
    with state_of(settings) as state:
        return state.exclusions()


def corrections_since(settings: Settings, since: str | None) -> list[dict]:
    with state_of(settings) as state:
        return state.corrections(since)


# ---- printable text for the CLI -----------------------------------------------------------


def exclude_text(settings: Settings, target: str, reason: str) -> str:
    batches, changed = set_aside(settings, target, reason)
    lines = [f"{'excluded' if b.batch_id in changed else 'already excluded'}: {b.describe()}"
             for b in batches]
    lines.append("its files stay in raw/; the next build leaves it out and records it as "
                 f"excluded in audit.reconciliation. Undo: patentflow include {target}")
    return "\n".join(lines)


def include_text(settings: Settings, target: str, reason: str) -> str:
    batches, changed = set_aside(settings, target, reason or "included again", excluded=False)
    lines = [f"{'included again' if b.batch_id in changed else 'was not excluded'}: "
             f"{b.describe()}" for b in batches]
    lines.append("the next build loads it again")
    return "\n".join(lines)


def reset_text(settings: Settings, source: str, to: date, reason: str) -> str:
    lines = [f"{endpoint}: watermark {previous} -> {new}" if new else
             f"{endpoint}: watermark {previous or '(never set)'} left as it is"
             for endpoint, previous, new in reset_watermark(settings, source, to, reason)]
    lines.append(f"the next {source} pull re-fetches every record changed since {to} (Beijing "
                 "time) under new batch ids; batches already landed stay loaded unless "
                 "excluded (`patentflow exclude BATCH`)")
    return "\n".join(lines)


def exclusions_text(settings: Settings) -> str:
    active = active_exclusions(settings)
    if not active:
        return "no batch is excluded"
    landed = landed_batches(settings.raw_dir)
    lines = []
    for batch_id, (reason, at) in sorted(active.items()):
        what = landed[batch_id].describe() if batch_id in landed else f"{batch_id} (files gone)"
        lines.append(f"{what}: excluded at {at}: {reason}")
    return "\n".join(lines)
