"""``make bench``: the whole pipeline at Jinan scale, wall time and peak memory per stage.

Generates the sandbox at scale 1.0 (about 100,000 patents, 300,000 legal events, 60,000
contracts, 10,000 pledges), then runs every stage of the pipeline — the same task functions the
DAGs call — each in its own process, its peak memory sampled over its whole process tree
(``benchmarks/memory.py``: the stage with dbt's subprocess). Then the floor of the same data
(``benchmarks/floor.py``); unless ``--skip-airflow``, the same day once more through Airflow
itself (``patentflow run``) for the end-to-end wall time including orchestration; and unless
``--skip-daily``, the next day's run on the same home (the sandbox as of D+1 delivers that day's
records and files; ingestion pulls only what is new) for ``daily/full``.

Targets: end to end under 3 minutes, peak memory under 2 GB on the 2-core machine.
``--jurisdiction 37 --scale 10`` is the province at ten times Jinan's volume (about 1,000,000
patents): the sandbox spreads it over the 16 cities and every stage reports on the province.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from benchmarks.memory import Measured, load_average, run_measured

STAGES = (
    "ingest_patent_api", "ingest_finance_api", "ingest_tech_contracts", "ingest_reference",
    "load_raw", "dbt_build", "quality_gate", "publish",
)
CONTEXT_RUN_ID = "benchmark"


def run_stage(stage: str, as_of: date) -> dict:
    """Run one stage in this process; return what it did (rows) for the rows/s figure."""
    from patentflow.core.intervals import interval_for_as_of
    from patentflow.orchestration import tasks

    start, end = interval_for_as_of(as_of)
    ctx = tasks.BuildContext(as_of=as_of, run_id=CONTEXT_RUN_ID,
                             release_id=f"{as_of:%Y%m%d}-bench")
    if stage.startswith("ingest_"):
        summary = tasks.ingest_source(stage.removeprefix("ingest_"), start, end)
        rows = sum(e.get("delivered", 0) for e in summary.get("entities", {}).values()) \
            if isinstance(summary.get("entities"), dict) else summary.get("delivered", 0)
        return {"rows": rows}
    if stage == "load_raw":
        return {"rows": sum(tasks.load_raw(ctx).values())}
    if stage == "dbt_build":
        result = tasks.dbt_build(ctx)
        return {"rows": None, "slowest_models": result["slowest_models"][:5]}
    if stage == "quality_gate":
        return tasks.quality_gate(ctx)
    if stage == "publish":
        info = tasks.publish(ctx, start, end)
        return {"rows": sum((info.get("row_counts") or {}).values()) or None}
    raise ValueError(f"unknown stage {stage}")


def _stage_result(stage: str, measured: Measured) -> dict:
    completed, seconds = measured.completed, measured.seconds
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"stage {stage} failed:\n{completed.stderr[-3000:]}")
    payload = json.loads(lines[-1])
    rows = payload.get("rows")
    payload.update(stage=stage, seconds=round(seconds, 1), peak_mb=measured.peak_mb,
                   peak_process_mb=measured.peak_process_mb)
    payload["rows_per_second"] = round(rows / seconds) if rows else None
    return payload


def start_sandbox(home: Path, scale: float, as_of: date, env: dict[str, str]) -> tuple[
        dict, dict[str, str], float]:
    """The sandbox of the run's jurisdiction as of ``as_of``: its endpoints, the environment
    pointing at them, seconds. A province at scale 10 takes minutes to generate."""
    measured = run_measured(
        [sys.executable, "-m", "devtools.sandbox", "up", "--home", str(home),
         "--scale", str(scale), "--as-of", as_of.isoformat(), "--timeout", "1800",
         "--jurisdiction", env["PATENTFLOW_JURISDICTION"]], env)
    if measured.completed.returncode != 0:
        raise RuntimeError(f"sandbox did not start:\n{measured.completed.stderr[-3000:]}")
    endpoints = json.loads((home / "sandbox" / "endpoints.json").read_text(encoding="utf-8"))
    env = {**env,
           "PATENTFLOW_PATENT_API_URL": endpoints["patent_api_url"],
           "PATENTFLOW_PATENT_API_TOKEN": endpoints["patent_api_token"],
           "PATENTFLOW_FINANCE_API_URL": endpoints["finance_api_url"],
           "PATENTFLOW_FINANCE_API_TOKEN": endpoints["finance_api_token"]}
    return endpoints, env, measured.seconds


def stop_sandbox(home: Path, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "devtools.sandbox", "down", "--home", str(home)],
                   env=env, capture_output=True)


def run_stages(as_of: date, env: dict[str, str], label: str = "") -> list[dict]:
    """Every pipeline stage for ``as_of``, each in its own measured process."""
    results = []
    for stage in STAGES:
        measured = run_measured([sys.executable, "-m", "benchmarks.pipeline", "--stage", stage,
                                 "--as-of", as_of.isoformat()], env)
        results.append(_stage_result(stage, measured))
        print(label + json.dumps(results[-1], ensure_ascii=False), flush=True)
    return results


def benchmark(home: Path, as_of: date, scale: float, through_airflow: bool,
              daily: bool = True, jurisdiction: str = "3701") -> tuple[list[dict], list[dict]]:
    """The full run for ``as_of`` (with the floor and, optionally, the run through Airflow),
    then, with ``daily``, the next day's run on the same home; returns both result lists."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATENTFLOW_")}
    env["PATENTFLOW_HOME"] = str(home)
    env["PATENTFLOW_JURISDICTION"] = jurisdiction
    endpoints, env, seconds = start_sandbox(home, scale, as_of, env)
    results = [{"stage": "sandbox_generate_and_serve", "seconds": round(seconds, 1),
                "peak_mb": None, "rows_per_second": None}]
    daily_results: list[dict] = []
    try:
        results.extend(run_stages(as_of, env))
        floor = _measure_floor(home, endpoints)
        results.append({"stage": "floor", "seconds": round(floor.total, 1), "peak_mb": None,
                        "rows_per_second": None, "floor": floor.seconds,
                        "floor_counts": floor.counts})
        if through_airflow:
            airflow_home = home / "through_airflow"
            airflow_env = {**env, "PATENTFLOW_HOME": str(airflow_home),
                           "PATENTFLOW_DROP_DIR": str(home / "drop")}
            measured = run_measured(
                [sys.executable, "-m", "patentflow.cli", "run", "--as-of", as_of.isoformat()],
                airflow_env)
            if measured.completed.returncode != 0:
                raise RuntimeError(f"patentflow run failed:\n{measured.completed.stderr[-3000:]}")
            results.append({"stage": "end_to_end_through_airflow",
                            "seconds": round(measured.seconds, 1), "peak_mb": measured.peak_mb,
                            "peak_process_mb": measured.peak_process_mb,
                            "rows_per_second": None})
        if daily:
            stop_sandbox(home, env)
            _endpoints, env, _seconds = start_sandbox(home, scale, as_of + timedelta(days=1), env)
            daily_results = run_stages(as_of + timedelta(days=1), env, label="daily: ")
    finally:
        stop_sandbox(home, env)
    return results, daily_results


def daily_ratio(results: list[dict], daily_results: list[dict]) -> float | None:
    """The next day's pipeline stages ÷ the full run's, same stages, same machine, same run."""
    full = sum(r["seconds"] for r in results if r["stage"] in STAGES)
    day = sum(r["seconds"] for r in daily_results if r["stage"] in STAGES)
    return round(day / full, 3) if daily_results and full else None


def _measure_floor(home: Path, endpoints: dict[str, str]):
    """The same data's floor (benchmarks/floor.py), measured while the sandbox still serves."""
    from benchmarks.floor import measure_floor

    return measure_floor(
        urls={"patent_api": endpoints["patent_api_url"],
              "finance_api": endpoints["finance_api_url"]},
        tokens={"patent_api": endpoints["patent_api_token"],
                "finance_api": endpoints["finance_api_token"]},
        drop_dir=home / "drop", home=home,
        manifest_path=home / "runs" / CONTEXT_RUN_ID / "dbt" / "manifest.json",
        work_dir=home / "floor")


# Which stages each floor stands under: the stage's time divided by the floor's is its ratio.
FLOOR_OF_STAGES = {
    "paging": ("ingest_patent_api", "ingest_finance_api"),
    "file_reads": ("ingest_tech_contracts", "ingest_reference"),
    "warehouse": ("load_raw", "dbt_build"),
}


def floor_ratios(results: list[dict]) -> dict[str, float | None]:
    """Each floor's stages ÷ the floor, and end to end ÷ (a + b + c)."""
    by_stage = {r["stage"]: r for r in results}
    floor = by_stage["floor"]["floor"]
    ratios: dict[str, float | None] = {}
    for name, stages in FLOOR_OF_STAGES.items():
        spent = sum(by_stage[s]["seconds"] for s in stages if s in by_stage)
        ratios[name] = round(spent / floor[name], 2) if floor.get(name) else None
    end_to_end = by_stage.get("end_to_end_through_airflow")
    total = end_to_end["seconds"] if end_to_end else sum(
        r["seconds"] for r in results if r["stage"] in STAGES)
    ratios["end_to_end"] = round(total / sum(floor.values()), 2)
    return ratios


def closing_lines(ratios: dict[str, float | None], daily: float | None) -> list[str]:
    """The two plain lines scripts read, printed last: ``end-to-end/floor: <ratio>`` and
    ``daily/full: <ratio>`` (``n/a`` when the daily run was left out)."""
    return [f"end-to-end/floor: {ratios['end_to_end']}",
            f"daily/full: {'n/a' if daily is None else daily}"]


def print_stages(results: list[dict], title: str) -> None:
    """One line per stage: seconds, peak memory of its process tree (and of its largest
    process), rows per second."""
    print(title)
    print(f"{'stage':32} {'seconds':>8} {'peak MB':>8} {'largest':>8} {'rows/s':>10}")
    for r in results:
        peak = "" if r.get("peak_mb") is None else f"{r['peak_mb']:.0f}"
        largest = "" if r.get("peak_process_mb") is None else f"{r['peak_process_mb']:.0f}"
        rate = "" if not r.get("rows_per_second") else f"{r['rows_per_second']:,}"
        print(f"{r['stage']:32} {r['seconds']:>8.1f} {peak:>8} {largest:>8} {rate:>10}")
    pipeline = [r for r in results if r["stage"] in STAGES]
    print(f"{'pipeline stages total':32} {sum(r['seconds'] for r in pipeline):>8.1f} "
          f"{max(r['peak_mb'] for r in pipeline):>8.0f}")


def print_table(results: list[dict]) -> None:
    print_stages(results, "full run for D:")
    floor = next(r for r in results if r["stage"] == "floor")
    ratios = floor_ratios(results)
    print("floor (the least work on the same data, same run):")
    for name, stages in FLOOR_OF_STAGES.items():
        print(f"  {name:12} {floor['floor'][name]:>7.1f} s   {' + '.join(stages)}: "
              f"{ratios[name]}x the floor")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default="2025-06-30")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--home", help="default: a new temporary directory")
    parser.add_argument("--jurisdiction", default="3701",
                        help="GB/T 2260 code reported on (37: the province over its 16 cities)")
    parser.add_argument("--skip-airflow", action="store_true")
    parser.add_argument("--skip-daily", action="store_true",
                        help="leave out the next day's run (and the daily/full line)")
    args = parser.parse_args(argv)
    as_of = date.fromisoformat(args.as_of)
    if args.stage:
        payload = run_stage(args.stage, as_of)
        print(json.dumps(payload, ensure_ascii=False, default=str))
        return 0
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="patentflow-bench-"))
    started_load = load_average()
    results, daily_results = benchmark(home, as_of, args.scale, not args.skip_airflow,
                                       not args.skip_daily, args.jurisdiction)
    print_table(results)
    if daily_results:
        print_stages(daily_results, f"daily run for D+1 ({as_of + timedelta(days=1)}), "
                                    "same home after the full run:")
    # Connector throughput on large single deliveries (the sandbox drop is ~90 small monthly
    # files, where per-file work dominates): API at page size 1000, one 200,000-row CSV.
    from benchmarks.connectors import run_benchmark

    throughput = run_benchmark()
    print(f"connector throughput: API {throughput['api']['records_per_s']:,} records/s, "
          f"CSV GBK {throughput['csv_gbk']['rows_per_s']:,} rows/s, "
          f"CSV UTF-8-BOM {throughput['csv_utf8_bom']['rows_per_s']:,} rows/s")
    ratios = floor_ratios(results)
    daily = daily_ratio(results, daily_results)
    payload = {"stages": results, "daily_stages": daily_results,
               "connector_throughput": throughput, "floor_ratios": ratios, "daily_full": daily,
               "load_average_start": started_load, "load_average": os.getloadavg()}
    (home / "benchmark.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    print(f"results: {home / 'benchmark.json'}")
    print(f"load average at the start: {started_load}; at the end: {load_average()}")
    for line in closing_lines(ratios, daily):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
