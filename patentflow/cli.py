"""The ``patentflow`` command: run the pipeline, find and manage published releases."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from patentflow.core.intervals import BadDay, parse_date, statistical_day, yesterday_in_beijing
from patentflow.core.settings import load_settings


def _select_jurisdiction(code: str | None) -> int | None:
    """Apply ``--jurisdiction`` (or check PATENTFLOW_JURISDICTION) before anything runs: an
    unknown code fails at once naming the nearest valid ones (exit 2)."""
    from patentflow.core import reference
    from patentflow.core.settings import SettingsError

    if code is not None:
        os.environ["PATENTFLOW_JURISDICTION"] = code.strip()
    try:
        reference.jurisdiction_region(load_settings().jurisdiction)
    except (SettingsError, reference.UnknownJurisdiction) as error:
        print(f"patentflow: {error}", file=sys.stderr)
        return 2
    return None


def _cmd_run(args: argparse.Namespace) -> int:
    from patentflow.orchestration.local_run import RunFailed, SandboxOptions, run_pipeline

    try:
        as_of = statistical_day(args.as_of, "--as-of") if args.as_of else yesterday_in_beijing()
    except BadDay as bad:
        return _usage("run", bad)
    if (refused := _select_jurisdiction(args.jurisdiction)) is not None:
        return refused
    settings = load_settings()
    options = SandboxOptions(seed=args.seed, scale=args.scale, invalid_share=args.invalid_share,
                             faults=args.faults, keep_running=args.keep_sandbox)
    print(f"patentflow run: as_of={as_of} jurisdiction={settings.jurisdiction} "
          f"home={settings.home}")
    try:
        report = run_pipeline(settings, as_of, options, make_current=args.make_current)
    except RunFailed as failure:
        print(f"RUN FAILED: {failure}", file=sys.stderr)
        return 1
    _print_release(report)
    print(f"published Parquet files:               {report.published_path.parent / 'parquet'}")
    print(f"run summary:                           {report.summary_path}")
    print(f"airflow log:                           {report.log_file}")
    return 0


def _usage(command: str, problem: object) -> int:
    """A bad argument: one line naming it and what was expected, exit code 2, nothing run."""
    print(f"patentflow {command}: {problem}", file=sys.stderr)
    return 2


def _print_release(report) -> None:
    print(f"published release (read-only DuckDB): {report.published_path}")
    if report.release_status != "current":
        print(f"not made current: {report.release_note}")


def _cmd_backfill(args: argparse.Namespace) -> int:
    from patentflow.orchestration.local_run import RunFailed, SandboxOptions, run_pipeline

    try:
        first = statistical_day(args.date_from, "--from")
        last = statistical_day(args.date_to, "--to")
    except BadDay as bad:
        return _usage("backfill", bad)
    if first > last:
        return _usage("backfill", f"--from {first} is after --to {last}")
    settings = load_settings()
    options = SandboxOptions(seed=args.seed, scale=args.scale)
    print(f"patentflow backfill: {first} .. {last} home={settings.home}")
    try:
        report = run_pipeline(settings, last, options, first_day=first,
                              make_current=args.make_current)
    except (RunFailed, ValueError) as failure:
        print(f"BACKFILL FAILED: {failure}", file=sys.stderr)
        return 1
    _print_release(report)
    print(f"run summary:                           {report.summary_path}")
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    from patentflow.orchestration.services import ServicesError, up

    settings = load_settings()
    try:
        started = up(settings, seed=args.seed, scale=args.scale, timeout=args.timeout)
    except ServicesError as failure:
        print(f"patentflow up failed: {failure}", file=sys.stderr)
        return 1
    print(f"Airflow UI: {started.url}")
    print(f"data docs (GX, dbt) of every release: {started.docs_url}")
    print(f"log in as {started.user!r} with the password in {started.password_file} "
          "(readable only by you)")
    print(f"service logs: {started.log_dir}; stop everything with `make down` "
          "(or `patentflow down`)")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    from patentflow.orchestration.services import down

    down(load_settings())
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from patentflow.orchestration.services import status_text

    print(status_text(load_settings()))
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from patentflow.release.docs_site import docs_url, make_server

    settings = load_settings()
    try:
        server = make_server(settings, args.port)
    except OSError as taken:
        return _usage("docs", f"cannot listen on 127.0.0.1:{args.port or settings.docs_port}: "
                              f"{taken.strerror}; set PATENTFLOW_DOCS_PORT or --port")
    port = server.server_address[1]
    print(f"GX Data Docs and dbt docs of every release: "
          f"{docs_url(settings).replace(str(settings.docs_port), str(port))} (Ctrl-C stops)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _cmd_health(args: argparse.Namespace) -> int:
    from patentflow.orchestration.run_health import latest_text

    print(latest_text(load_settings(), args.limit))
    return 0


def _cmd_serve_pg(args: argparse.Namespace) -> int:
    import psycopg2

    from patentflow.release.pg_serving import ServingError, ServingNotConfigured, serve_text
    from patentflow.release.registry import NoCurrentRelease, UnknownRelease

    try:
        print(serve_text(load_settings(), args.release))
    except (ServingNotConfigured, ServingError, NoCurrentRelease, UnknownRelease,
            psycopg2.Error) as failure:
        print(f"serve-pg failed: {failure}", file=sys.stderr)
        return 1
    return 0


def _cmd_published_path(args: argparse.Namespace) -> int:
    from patentflow.release.registry import NoCurrentRelease, published_path_text

    try:
        print(published_path_text(load_settings()))
    except NoCurrentRelease as missing:
        print(f"no release published yet: {missing}", file=sys.stderr)
        return 1
    return 0


def _cmd_releases(args: argparse.Namespace) -> int:
    from patentflow.release.registry import releases_text

    print(releases_text(load_settings()))
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from pathlib import Path

    from patentflow.release import diff
    from patentflow.release.registry import NoCurrentRelease, UnknownRelease

    try:
        filters = diff.DiffFilters.parse(args.indicator, args.region, args.period)
        result = diff.diff(load_settings(), args.release_a, args.release_b, filters,
                           explain=args.explain)
    except diff.BadFilter as bad:
        print(f"patentflow diff: {bad}", file=sys.stderr)
        return 2
    except (UnknownRelease, NoCurrentRelease) as unknown:
        print(f"unknown release: {unknown}", file=sys.stderr)
        return 1
    print(diff.diff_text(result, args.limit))
    if args.csv:
        rows = diff.write_csv(result, Path(args.csv))
        what = "rows (one per record change)" if result.explained else "revisions"
        print(f"all {rows:,} {what} written to {args.csv}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from pathlib import Path

    from patentflow.release import explain
    from patentflow.release.registry import NoCurrentRelease, UnknownRelease

    try:
        result = explain.explain(load_settings(), args.indicator, args.period, args.region,
                                 args.breakdown, args.release)
    except explain.BadExplainArgument as bad:
        return _usage("explain", bad)
    except (UnknownRelease, NoCurrentRelease) as unknown:
        print(f"unknown release: {unknown}", file=sys.stderr)
        return 1
    except explain.NoContributions as missing:
        print(f"patentflow explain: {missing}", file=sys.stderr)
        return 1
    print(explain.explain_text(result, args.limit))
    if args.csv:
        rows = explain.write_csv(result, Path(args.csv))
        print(f"all {rows:,} records written to {args.csv}")
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    from patentflow.release.registry import UnknownRelease, rollback_text

    try:
        print(rollback_text(load_settings(), args.release_id))
    except UnknownRelease as unknown:
        print(f"unknown release: {unknown}", file=sys.stderr)
        return 1
    return 0


def _correction(action) -> int:
    """Run a correction command: unknown names exit 1, impossible requests 2."""
    from patentflow.ingest.corrections import BadCorrection, UnknownTarget

    try:
        print(action(load_settings()))
    except UnknownTarget as unknown:
        print(f"unknown batch or file: {unknown}", file=sys.stderr)
        return 1
    except BadCorrection as bad:
        print(f"refused: {bad}", file=sys.stderr)
        return 2
    return 0


def _cmd_exclude(args: argparse.Namespace) -> int:
    from patentflow.ingest.corrections import exclude_text

    return _correction(lambda settings: exclude_text(settings, args.target, args.reason))


def _cmd_include(args: argparse.Namespace) -> int:
    from patentflow.ingest.corrections import include_text

    return _correction(lambda settings: include_text(settings, args.target, args.reason or ""))


def _cmd_exclusions(args: argparse.Namespace) -> int:
    from patentflow.ingest.corrections import exclusions_text

    return _correction(exclusions_text)


def _cmd_reset_watermark(args: argparse.Namespace) -> int:
    from patentflow.ingest.corrections import reset_text

    try:
        to = parse_date(args.to)
    except ValueError:
        return _usage("reset-watermark", f"--to {args.to!r}: expected YYYY-MM-DD")
    return _correction(lambda settings: reset_text(settings, args.source, to, args.reason))


def _cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from patentflow.release.registry import NoCurrentRelease, UnknownRelease
    from patentflow.report.build import generate_report
    from patentflow.report.charts import ChartFontError
    from patentflow.report.period import ReportPeriod

    try:
        period = ReportPeriod.parse(args.period or str(args.year))
        if args.period and period.kind != "month":
            raise ValueError(f"--period takes a month (YYYY-MM); use --year for {args.period}")
        outputs = generate_report(load_settings(), period, release_id=args.release,
                                  out_dir=Path(args.out) if args.out else None,
                                  pdf=not args.no_pdf)
    except ValueError as invalid:
        print(f"invalid period: {invalid}", file=sys.stderr)
        return 2
    except (NoCurrentRelease, UnknownRelease) as missing:
        print(f"no such release: {missing}", file=sys.stderr)
        return 1
    except ChartFontError as boxes:
        print(f"report not written: {boxes}", file=sys.stderr)
        return 1
    print(f"report {outputs.period} from release {outputs.release_id}:")
    for path in outputs.paths():
        print(path)
    if outputs.pdf is None:
        print(outputs.pdf_skipped_reason, file=sys.stderr)
    return 0


MAKE_CURRENT_HELP = ("make the release current even if the current one covers a later data "
                     "interval (by default current only moves forward)")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="patentflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run every DAG once for AS_OF")
    run.add_argument("--as-of", help="YYYY-MM-DD, Beijing time; default: yesterday")
    run.add_argument("--jurisdiction", help="GB/T 2260 code prefix to report on (37, 3701, "
                     "3702); default PATENTFLOW_JURISDICTION, else 3701")
    run.add_argument("--seed", type=int, default=42, help="sandbox data seed")
    run.add_argument("--scale", type=float, default=0.02, help="sandbox scale (1.0 = Jinan)")
    run.add_argument("--invalid-share", type=float, default=0.01,
                     help="share of deliberately invalid sandbox records")
    run.add_argument("--faults", help="sandbox faults, e.g. error_rate=0.1")
    run.add_argument("--keep-sandbox", action="store_true", help="leave the sandbox up")
    run.add_argument("--make-current", action="store_true", help=MAKE_CURRENT_HELP)
    run.set_defaults(handler=_cmd_run)

    backfill = commands.add_parser(
        "backfill", help="ingest every day FROM..TO in order, then build and publish TO")
    backfill.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    backfill.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    backfill.add_argument("--seed", type=int, default=42, help="sandbox data seed")
    backfill.add_argument("--scale", type=float, default=0.02, help="sandbox scale")
    backfill.add_argument("--make-current", action="store_true", help=MAKE_CURRENT_HELP)
    backfill.set_defaults(handler=_cmd_backfill)

    up = commands.add_parser(
        "up", help="start the Airflow UI, scheduler, DAG processor and triggerer (and the "
                   "sandbox unless source URLs are set) in the background")
    up.add_argument("--seed", type=int, default=42, help="sandbox data seed")
    up.add_argument("--scale", type=float, default=0.02, help="sandbox scale (1.0 = Jinan)")
    up.add_argument("--timeout", type=float, default=300.0,
                    help="seconds to wait for the UI to answer healthy")
    up.set_defaults(handler=_cmd_up)
    down = commands.add_parser("down", help="stop everything `patentflow up` started")
    down.set_defaults(handler=_cmd_down)
    status = commands.add_parser("status", help="which services `patentflow up` runs")
    status.set_defaults(handler=_cmd_status)

    docs = commands.add_parser(
        "docs", help="serve the GX Data Docs and dbt docs of the releases on 127.0.0.1")
    docs.add_argument("--port", type=int, help="default PATENTFLOW_DOCS_PORT (8081)")
    docs.set_defaults(handler=_cmd_docs)

    health = commands.add_parser("health", help="what happened in the newest build runs")
    health.add_argument("--limit", type=int, default=5)
    health.set_defaults(handler=_cmd_health)

    serve = commands.add_parser(
        "serve-pg", help="load a release into the PostgreSQL serving schema (schema swap)")
    serve.add_argument("--release", help="release id (default: the current release)")
    serve.set_defaults(handler=_cmd_serve_pg)

    path = commands.add_parser("published-path", help="print the current published DuckDB file")
    path.set_defaults(handler=_cmd_published_path)

    releases = commands.add_parser("releases", help="list published releases")
    releases.set_defaults(handler=_cmd_releases)

    diff = commands.add_parser(
        "diff", help="indicator values revised between two releases: a summary per indicator, "
                     "then the largest changes")
    diff.add_argument("release_a", help="release id, or 'current'")
    diff.add_argument("release_b", help="release id, or 'current'")
    diff.add_argument("--indicator", action="append",
                      help="only these indicators: an id (CON-02) or a family (CON); "
                           "repeat or comma-separate")
    diff.add_argument("--region", action="append", help="only these region codes (repeatable)")
    diff.add_argument("--period", action="append",
                      help="only rows in YYYY (year, its quarters and months), YYYY-Qn or YYYY-MM")
    diff.add_argument("--limit", type=_non_negative, default=20,
                      help="how many of the largest revisions to print (default 20)")
    diff.add_argument("--csv", metavar="FILE", help="write every (filtered) revision to FILE "
                      "(with --explain: one row per record change)")
    diff.add_argument("--explain", action="store_true",
                      help="under each revision, the records that entered, left or changed "
                           "amount between the releases, with their lineage")
    diff.set_defaults(handler=_cmd_diff)

    explain = commands.add_parser(
        "explain", help="one published value: the rule in words and the records it is the sum "
        "of, with their source, batch, file or API page and row")
    explain.add_argument("indicator", help="indicator id, e.g. CON-01")
    explain.add_argument("period", help="YYYY (year), YYYY-Qn (quarter) or YYYY-MM (month)")
    explain.add_argument("region", help="region code: the jurisdiction or a region below it")
    explain.add_argument("breakdown", nargs="?", default="all",
                         help="all (default) or dimension=value, e.g. criterion=pledge")
    explain.add_argument("--release", default="current", help="release id (default: current)")
    explain.add_argument("--limit", type=_non_negative, default=20,
                         help="records printed per role, largest first (default 20)")
    explain.add_argument("--csv", metavar="FILE", help="write every record to FILE")
    explain.set_defaults(handler=_cmd_explain)

    rollback = commands.add_parser("rollback", help="make an earlier release current again")
    rollback.add_argument("release_id")
    rollback.set_defaults(handler=_cmd_rollback)

    for name, handler, reason_required, text in (
            ("exclude", _cmd_exclude, True, "set a delivered batch (or every batch of a file) "
             "aside: kept on disk, left out of the next build, recorded in its release"),
            ("include", _cmd_include, False, "undo `exclude`: load the batch again")):
        correction = commands.add_parser(name, help=text)
        correction.add_argument("target", metavar="BATCH_OR_FILE",
                                help="a batch id or a delivered file name (audit.reconciliation)")
        correction.add_argument("--reason", required=reason_required, help="why, for the record")
        correction.set_defaults(handler=handler)

    exclusions = commands.add_parser("exclusions", help="list the batches set aside")
    exclusions.set_defaults(handler=_cmd_exclusions)

    reset = commands.add_parser(
        "reset-watermark", help="move an API source's watermarks back to a date: its next pull "
                                "re-fetches everything changed since")
    reset.add_argument("source", help="patent_api or finance_api")
    reset.add_argument("--to", required=True, help="YYYY-MM-DD (00:00 Beijing time)")
    reset.add_argument("--reason", default="", help="why, for the record")
    reset.set_defaults(handler=_cmd_reset_watermark)

    report = commands.add_parser("report", help="write the statistical report of a month or year")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", help="a month, YYYY-MM")
    which.add_argument("--year", type=int, help="a year, YYYY")
    report.add_argument("--release", help="release id (default: the current release)")
    report.add_argument("--out",
                        help="output directory (default: $PATENTFLOW_HOME/reports/<period>)")
    report.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    report.set_defaults(handler=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
