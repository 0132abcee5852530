"""Run several DAGs, one after another, with Airflow's own ``DAG.test`` in a single process.

``airflow dags test`` pays for an interpreter start, the Airflow import and a DAG-folder parse on
every call (about 12 s here); running the five DAGs of a pipeline run through this module pays it
once. Each DAG run is still a real Airflow DagRun in the metadata DB, executed task by task by
Airflow exactly as ``airflow dags test`` does (which calls the same ``DAG.test``).

Usage (inside an Airflow environment): ``python -m patentflow.orchestration.dag_test_runner --run
DAG_ID
LOGICAL_DATE [--run DAG_ID LOGICAL_DATE ...] [--conf-for DAG_ID JSON]``. Prints one JSON line per
DAG run: ``{"dag_id": ..., "logical_date": ..., "state": ..., "seconds": ...}`` and stops at the
first run that does not succeed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

RESULT_PREFIX = "PATENTFLOW_DAG_RESULT "


def run_dags(runs: Sequence[tuple[str, str]], confs: dict[str, dict]) -> list[dict]:
    import pendulum
    from airflow.utils.cli import get_bagged_dag

    results = []
    dags = {}
    for dag_id, logical_date in runs:
        started = time.monotonic()
        dag = dags.get(dag_id) or dags.setdefault(dag_id, get_bagged_dag(None, dag_id))
        dag_run = dag.test(logical_date=pendulum.parse(logical_date), run_conf=confs.get(dag_id))
        state = str(getattr(dag_run, "state", None) or "missing")
        result = {"dag_id": dag_id, "logical_date": logical_date, "state": state,
                  "seconds": round(time.monotonic() - started, 2)}
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        results.append(result)
        if state != "success":
            break
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", nargs=2, action="append", required=True, dest="runs",
                        metavar=("DAG_ID", "LOGICAL_DATE"))
    parser.add_argument("--conf-for", nargs=2, action="append", default=[],
                        metavar=("DAG_ID", "JSON"))
    args = parser.parse_args(argv)
    confs = {dag_id: json.loads(conf) for dag_id, conf in args.conf_for}
    results = run_dags([tuple(run) for run in args.runs], confs)
    ok = len(results) == len(args.runs) and all(r["state"] == "success" for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
