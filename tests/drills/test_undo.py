"""A mistaken run undone without starting over: exclude what it delivered, reset the watermarks,
run again — and the release equals, row for row, the one a home that never made the mistake
publishes.

Both homes see the same sandbox world (seed 42, scale 0.005, as of 2025-06-30) and ingest
2025-06-29 first. The clean home then runs 2025-06-30. The other home runs 2025-06-30 with the
API URLs of a test system (another sandbox world, seed 7) configured by mistake, while a
mistaken contract re-issue sits in its drop, and publishes the wrong figures. Then, with the
commands an operator types: ``exclude`` the two API pulls' batches and the file,
``reset-watermark`` both APIs to 2025-06-01, and run 2025-06-30 again with the right URLs.

Stages run through ``devtools.drills`` (the Airflow tasks' functions, without Airflow's start-up).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from devtools import drills
from tests.support.builders import contract, csv_bytes
from tests.support.release_values import indicators, same_values

pytestmark = pytest.mark.e2e

DAY, NEXT = date(2025, 6, 29), date(2025, 6, 30)
SCALE = "0.005"
WRONG_REISSUE = "contracts_2025-06_r9.csv"


def sandbox(home: Path, command: str, seed: int = 42) -> None:
    args = [sys.executable, "-m", "devtools.sandbox", command, "--home", str(home)]
    if command == "up":
        args += ["--seed", str(seed), "--scale", SCALE, "--as-of", NEXT.isoformat()]
    subprocess.run(args, check=True, capture_output=True, timeout=300,
                   env=drills.stage_env(home))


def stage(home: Path, name: str, day: date, run_id: str, env: dict[str, str]) -> None:
    process = drills.start_stage(home, name, day, run_id, home / "drill.log", env)
    code = process.wait(timeout=900)
    tail = (home / "drill.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    assert code == 0, f"{name} failed:\n{tail}"


def cli(home: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "patentflow.cli", *args], text=True,
                          capture_output=True, timeout=120, env=drills.stage_env(home))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def current_values(home: Path) -> list[tuple]:
    return indicators((home / "releases" / "current").resolve())


def deliver_wrong_reissue(home: Path) -> None:
    folder = home / "drop" / "tech_contracts"
    rows = [contract(f"2025370100{n:06d}", 登记日期="2025-06-10", **{"成交额(万元)": "50000"})
            for n in range(5)]
    (folder / WRONG_REISSUE).write_bytes(csv_bytes(rows))
    (folder / f"{WRONG_REISSUE}.done").touch()


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> dict:
    clean, home, test_system = (tmp_path_factory.mktemp(n) for n in ("clean", "home", "test"))
    sandbox(test_system, "up", seed=7)
    for target in (clean, home):
        sandbox(target, "up")
    try:
        right = {target: drills.source_env(target) for target in (clean, home)}
        for target in (clean, home):
            stage(target, "ingest", DAY, "day", right[target])
        stage(clean, "all", NEXT, "next", right[clean])

        deliver_wrong_reissue(home)
        stage(home, "all", NEXT, "mistaken", drills.source_env(test_system))
        wrong = current_values(home)
        wrong_release = (home / "releases" / "current").resolve().name
        wrong_batches = [b["batch_id"] for b in json.loads(
            (home / "releases" / "current" / "manifest.json").read_text())["input_batches"]
            if "__20250630__1600" in b["batch_id"]]  # the API pulls of the mistaken run
        outputs = [cli(home, "exclude", batch, "--reason", "pulled from the test system")
                   for batch in wrong_batches]
        outputs.append(cli(home, "exclude", WRONG_REISSUE, "--reason", "not a real re-issue"))
        for source in ("patent_api", "finance_api"):
            outputs.append(cli(home, "reset-watermark", source, "--to", "2025-06-01",
                               "--reason", "re-pull after the test-system run"))
        stage(home, "all", NEXT, "fixed", right[home])
    finally:
        for target in (clean, home, test_system):
            sandbox(target, "down")
    return {"clean": clean, "home": home, "wrong": wrong, "wrong_batches": wrong_batches,
            "wrong_release": wrong_release, "outputs": outputs}


def test_the_mistaken_run_published_other_figures(homes) -> None:
    assert len(homes["wrong_batches"]) == 5  # patents, legal events and three finance entities
    assert same_values(homes["wrong"], current_values(homes["clean"])) != []


def test_after_exclude_and_reset_the_release_equals_the_clean_one_row_for_row(homes) -> None:
    assert same_values(current_values(homes["home"]), current_values(homes["clean"])) == []


def test_the_release_records_what_was_set_aside_and_why(homes) -> None:
    manifest = json.loads((homes["home"] / "releases" / "current" / "manifest.json").read_text())
    excluded = {b["batch_id"]: b["reason"] for b in manifest["excluded_batches"]}
    assert set(homes["wrong_batches"]) < set(excluded) and len(excluded) == 6
    assert all(reason.startswith(("pulled from the test system", "not a real re-issue"))
               for reason in excluded.values())
    registry = (homes["home"] / "releases" / "releases.jsonl").read_text().splitlines()
    assert set(json.loads(registry[-1])["excluded_batches"]) == set(excluded)
    actions = [c["action"] for c in manifest["corrections"]]
    assert actions == ["exclude"] * 6 + ["reset_watermark"] * 2
    with duckdb.connect(str(homes["home"] / "releases" / "current" / "warehouse.duckdb"),
                        read_only=True) as con:
        unbalanced, flagged = con.execute(
            "SELECT count(*) FILTER (WHERE delivered <> loaded + quarantined + superseded),"
            " count(*) FILTER (WHERE excluded) FROM audit.reconciliation").fetchone()
        retaken = con.execute("SELECT count(*) FROM audit.reconciliation"
                              " WHERE batch_id LIKE '%\\_\\_r1' ESCAPE '\\'").fetchone()[0]
    moved = sum(" -> " in line for output in homes["outputs"] for line in output.splitlines())
    assert unbalanced == 0 and flagged == 6
    assert moved >= 2 and retaken == moved  # each moved-back endpoint re-pulled, new batch id


def test_diff_explain_traces_the_undone_reissue_to_its_rows(homes, tmp_path) -> None:
    """The mistaken release against the fixed one, record by record, for the contract
    indicators: the wrong re-issue's five contracts (50,000 万元 each) leave CON-01 or fall back
    to their own file's amounts, with the re-issue's rows as their old lineage; every revised
    count or sum is accounted for by its records (nothing unexplained)."""
    target = tmp_path / "explained.csv"
    out = cli(homes["home"], "diff", homes["wrong_release"], "current", "--explain",
              "--indicator", "CON", "--limit", "3", "--csv", str(target))
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    assert "each with the records that entered, left or changed amount" in out
    reissued = [row for row in rows if row["old_origin"] == WRONG_REISSUE]
    assert {row["record_key"] for row in reissued if row["indicator_id"] == "CON-01"} == \
        {f"2025370100{n:06d}" for n in range(5)}
    assert {row["record_change"] for row in reissued} <= {"left", "amount"}
    assert all(row["new_origin"] != WRONG_REISSUE for row in rows)
    assert {row["unexplained"] for row in rows} <= {"0.0", ""}
