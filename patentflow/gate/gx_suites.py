"""Run the versioned GX suites on pandas batches read from the build warehouse.

GX's SQL datasource is not used on DuckDB (see docs/decisions/gate.md): each suite names its table
(and optionally a derivation that adds computed columns or selects rows), the gate reads that table
read-only into pandas and validates it with an ephemeral GX context whose Data Docs site is the
run's ``gx_docs/`` directory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from patentflow.core import reference
from patentflow.gate.config import GX_SEVERITY, GateConfig
from patentflow.gate.result import ERROR, WARN, Check, jsonable
from patentflow.warehouse.catalog import column_types, qualified, quote_ident, table_exists

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
log = logging.getLogger("patentflow.gate")

DOCS_SITE = "run"
MAX_EXAMPLES = 10


def _rates(frame: pd.DataFrame, config: GateConfig) -> pd.DataFrame:
    """Rows of percentage indicators that are shares (growth rates may exceed 0..100)."""
    rates = frame[(frame["unit"] == "%") & ~frame["indicator_id"].isin(config.growth_indicators)]
    rates = rates.copy()
    rates["value_when_zero_denominator"] = rates["value"].where(rates["denominator"] == 0)
    return rates


def _non_rates(frame: pd.DataFrame, config: GateConfig) -> pd.DataFrame:
    """Counts, amounts and per-capita values: never negative."""
    keep = (frame["unit"] != "%") & ~frame["indicator_id"].isin(config.growth_indicators)
    return frame[keep]


def _reconciliation(frame: pd.DataFrame, config: GateConfig) -> pd.DataFrame:
    """Adds the balance of each batch and its quarantine rate (exempt when the batch is tiny)."""
    frame = frame.copy()
    counts = {c: pd.to_numeric(frame[c], errors="coerce") for c in
              ("delivered", "loaded", "quarantined", "superseded") if c in frame}
    if len(counts) == 4:
        frame["imbalance"] = (counts["delivered"] - counts["loaded"] - counts["quarantined"]
                              - counts["superseded"])
        delivered = counts["delivered"].where(counts["delivered"] > 0)
        frame["quarantine_rate"] = (counts["quarantined"] / delivered).fillna(0.0)
        minimum = config.threshold("quarantine_rate_min_delivered")
        # tiny batches are exempt: their rate is left null, which the expectation skips; so are
        # batches the operator set aside (`patentflow exclude`): nothing of theirs is loaded
        checked = counts["delivered"] >= minimum
        if "excluded" in frame:
            checked &= ~frame["excluded"].fillna(False).astype(bool)
        frame["quarantine_rate_checked"] = frame["quarantine_rate"].where(checked)
    return frame


DERIVATIONS: dict[str, Callable[[pd.DataFrame, GateConfig], pd.DataFrame]] = {
    "rates": _rates,
    "non_rates": _non_rates,
    "reconciliation": _reconciliation,
}


COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list",)


def _referenced_columns(suite_def: dict[str, Any]) -> set[str]:
    """Columns whose values some expectation of the suite reads."""
    columns: set[str] = set()
    for expectation in suite_def["expectations"]:
        kwargs = expectation.get("kwargs", {})
        columns.update(str(kwargs[key]) for key in COLUMN_KWARGS if key in kwargs)
        for key in COLUMN_LIST_KWARGS:
            columns.update(str(column) for column in kwargs.get(key, []))
    return columns


# The columns each derivation reads, beyond those its suite's expectations name.
DERIVATION_COLUMNS: dict[str, tuple[str, ...]] = {
    "rates": ("unit", "indicator_id", "value", "denominator"),
    "non_rates": ("unit", "indicator_id"),
    "reconciliation": ("delivered", "loaded", "quarantined", "superseded", "excluded"),
}


def _needed_columns(suite_def: dict[str, Any]) -> set[str]:
    derive = suite_def.get("meta", {}).get("derive")
    return _referenced_columns(suite_def) | set(DERIVATION_COLUMNS.get(derive, ()))


def read_batch(con: duckdb.DuckDBPyConnection, table: str,
               suite_defs: list[dict[str, Any]]) -> pd.DataFrame:
    """The table as one pandas batch for every suite in ``suite_defs`` (all of one table: it is
    read once, however many suites check it). Columns no expectation or derivation reads (e.g.
    ``_record`` JSON) come as NULL so that schema expectations still see them without their
    payload filling memory."""
    wanted = set().union(*(_needed_columns(suite_def) for suite_def in suite_defs))
    select = ", ".join(
        quote_ident(column) if column in wanted else f"NULL AS {quote_ident(column)}"
        for column in column_types(con, table))
    return con.execute(f"SELECT {select} FROM {qualified(table)}").df()  # noqa: S608


def _summarise(result: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Observed value and compact details of one GX expectation result."""
    observed = result.get("observed_value")
    if observed is None and "unexpected_count" in result:
        observed = {"unexpected_count": result.get("unexpected_count"),
                    "element_count": result.get("element_count")}
    details = {key: result[key] for key in ("details", "partial_unexpected_list",
                                            "partial_unexpected_counts") if result.get(key)}
    if "partial_unexpected_list" in details:
        details["partial_unexpected_list"] = details["partial_unexpected_list"][:MAX_EXAMPLES]
    if "partial_unexpected_counts" in details:
        details["partial_unexpected_counts"] = details["partial_unexpected_counts"][:MAX_EXAMPLES]
    return jsonable(observed), jsonable(details)


class SuiteRunner:
    """One ephemeral GX context per gate run; validates pandas batches and builds Data Docs."""

    def __init__(self, docs_dir: Path) -> None:
        import great_expectations as gx  # heavy import: only when a gate actually runs

        self._gx = gx
        self.docs_dir = docs_dir
        self.context = gx.get_context(mode="ephemeral")
        # One progress bar per metric batch floods the task log; the checks say what happened.
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.context.add_data_docs_site(
            site_name=DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                # Only the validation results are rendered: each page lists its suite's
                # expectations with their outcome, so separate suite pages (and GX's empty
                # profiling section) repeated them at half the rendering time.
                "site_section_builders": {"expectations": "0", "profiling": "0"},
            },
        )
        self.datasource = self.context.data_sources.add_pandas("build_warehouse")

    def validate(self, suite_def: dict[str, Any], frame: pd.DataFrame,
                 parameters: dict[str, Any], config: GateConfig) -> list[Check]:
        gx = self._gx
        name = suite_def["name"]
        asset = self.datasource.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("whole")
        suite = self.context.suites.add(gx.ExpectationSuite(
            name=name, expectations=suite_def["expectations"], meta=suite_def.get("meta", {})))
        validation = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"validate {name}", data=batch, suite=suite))
        # No per-checkpoint docs action: the site is rendered once after every suite ran
        # (rendering it per suite re-rendered every earlier result and was half the gate's time).
        # BASIC, not SUMMARY: the same verdict, unexpected counts and up to 20 unexpected
        # values; SUMMARY's extra value counts of them cost a quarter of the validation time.
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=f"checkpoint {name}", validation_definitions=[validation],
            result_format={"result_format": "BASIC"}))
        outcome = checkpoint.run(batch_parameters={"dataframe": frame},
                                 expectation_parameters=parameters)
        checks: list[Check] = []
        for run_result in outcome.run_results.values():
            for item in run_result.results:
                cfg = item.expectation_config
                check_name = f"{name}:{(cfg.meta or {}).get('check') or cfg.type}"
                default = GX_SEVERITY.get(str(getattr(cfg.severity, "value", cfg.severity)), ERROR)
                observed, details = _summarise(item.result or {})
                exception = item.exception_info or {}
                if isinstance(exception, dict) and exception.get("raised_exception"):
                    details["exception"] = exception.get("exception_message")
                checks.append(Check(name=check_name, suite=name,
                                    severity=config.severity(check_name, default),
                                    success=bool(item.success), observed=observed,
                                    details=details or None))
        return checks


def _type_check(con: duckdb.DuckDBPyConnection, suite_def: dict[str, Any], table: str,
                config: GateConfig) -> Check | None:
    """DuckDB's declared types against the suite's ``column_types`` (pandas dtypes are lossy)."""
    expected: dict[str, str] = suite_def.get("meta", {}).get("column_types") or {}
    if not expected:
        return None
    actual = column_types(con, table)
    wrong = {
        column: {"expected": want, "actual": actual.get(column)}
        for column, want in expected.items()
        if column in actual and actual[column] not in want.split("|")
    }
    name = f"{suite_def['name']}:column_types"
    return Check(name=name, suite=suite_def["name"], severity=config.severity(name),
                 success=not wrong, observed=len(wrong), details=wrong or None)


def reference_parameters() -> dict[str, list[str]]:
    """The value sets the suites check, from the seeds (``{"$PARAMETER": name}`` in a suite):
    ``enumeration__<name>``, ``regions__published`` and ``catalogue__indicator_id|unit``."""
    values = {f"enumeration__{name}": sorted(reference.enumeration(name))
              for name in reference.enumeration_names()}
    values["enumeration__party_type"] = sorted(reference.party_types())
    values["enumeration__contract_category"] = [t.category for t in reference.contract_types()]
    values["enumeration__industry_chain"] = list(reference.industry_chains())
    values["regions__published"] = [region.code for region in reference.regions()]
    catalogue = reference.indicators().values()
    values["catalogue__indicator_id"] = [i.id for i in catalogue]
    values["catalogue__unit"] = sorted({i.unit for i in catalogue})
    return values


def _validate_table(con: duckdb.DuckDBPyConnection, table: str,
                    suite_defs: list[dict[str, Any]], runner: SuiteRunner,
                    parameters: dict[str, Any], config: GateConfig) -> list[Check]:
    """Every suite of one table, on one read of it."""
    if not table_exists(con, table):
        required = not table.startswith("raw.")
        checks = []
        for suite_def in suite_defs:
            suite = suite_def["name"]
            name = f"{suite}:table_exists"
            checks.append(Check(name, suite, config.severity(name, ERROR if required else WARN),
                                False, None, f"table {table} not found in the build warehouse"))
        return checks
    try:
        frame = read_batch(con, table, suite_defs)
    except Exception as exc:  # noqa: BLE001 - an unreadable table fails each of its suites
        log.exception("table %s could not be read", table)
        return [Check(f"{suite_def['name']}:suite_run", suite_def["name"], ERROR, False, None,
                      f"{type(exc).__name__}: {exc}") for suite_def in suite_defs]
    checks = []
    for suite_def in suite_defs:
        suite = suite_def["name"]
        try:
            derive = suite_def.get("meta", {}).get("derive")
            batch = DERIVATIONS[derive](frame, config) if derive else frame
            type_check = _type_check(con, suite_def, table, config)
            if type_check:
                checks.append(type_check)
            checks.extend(runner.validate(suite_def, batch, parameters, config))
        except Exception as exc:  # noqa: BLE001 - a crashing suite is a failed check
            log.exception("suite %s crashed", suite)
            checks.append(Check(f"{suite}:suite_run", suite, ERROR, False, None,
                                f"{type(exc).__name__}: {exc}"))
    return checks


def run_suites(con: duckdb.DuckDBPyConnection, config: GateConfig,
               docs_dir: Path) -> tuple[list[Check], Path | None]:
    """Validate every suite of ``config``; returns the checks and the Data Docs index path."""
    checks: list[Check] = []
    parameters = {"max_quarantine_rate": config.threshold("max_quarantine_rate"),
                  **reference_parameters()}
    docs_dir.mkdir(parents=True, exist_ok=True)
    try:
        runner = SuiteRunner(docs_dir)
    except Exception as exc:  # noqa: BLE001 - a broken GX install must block, not crash
        log.exception("GX could not start")
        return [Check("gx:context", "gx", ERROR, False, None, f"{type(exc).__name__}: {exc}")], None
    by_table: dict[str, list[dict[str, Any]]] = {}
    for suite_def in config.suites:
        by_table.setdefault(suite_def["meta"]["table"], []).append(suite_def)
    for table, suite_defs in by_table.items():
        checks.extend(_validate_table(con, table, suite_defs, runner, parameters, config))
    try:
        runner.context.build_data_docs(site_names=[DOCS_SITE])
    except Exception as exc:  # noqa: BLE001 - docs are a report, not a check
        log.warning("GX data docs not built: %s", exc)
    index = docs_dir / "index.html"
    return checks, index if index.exists() else None
