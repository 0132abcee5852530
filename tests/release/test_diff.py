"""``patentflow diff`` for people: a summary per indicator first, the largest changes next,
filters by indicator, region and period, and every row in a CSV on request.

Fixture: release B revises CON-01 of March 2025 by +7 in each of the 14 regions (month and year
rows) and, through it, CON-02 of 2025 (see tests/support/published_home.py).
"""

from __future__ import annotations

import csv

import pytest

from patentflow.cli import main
from tests.support.published_home import RELEASE_A, RELEASE_B, build_published_home


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = build_published_home(tmp_path / "home")
    monkeypatch.setenv("PATENTFLOW_HOME", str(home))
    return home


def diff(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", RELEASE_A, RELEASE_B, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_summary_comes_first_with_counts_and_the_largest_change(home, capsys) -> None:
    code, out, _ = diff(capsys)

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"29 revisions from {RELEASE_A} to {RELEASE_B}"
    assert lines[2].split() == ["indicator", "changed", "removed", "added", "largest", "change"]
    con01 = next(line for line in lines if line.startswith("CON-01 "))
    assert con01.split()[:4] == ["CON-01", "28", "0", "0"]
    assert "+7 at " in con01
    con02 = next(line for line in lines if line.startswith("CON-02 "))
    assert con02.split()[:4] == ["CON-02", "1", "0", "0"]
    assert "largest 20 of 29 revisions:" in out
    assert "... 9 more: --limit N to show more, --csv FILE for every row" in out


def test_filters_narrow_the_rows_and_say_so(home, capsys) -> None:
    _, out, _ = diff(capsys, "--indicator", "CON-01", "--region", "3701", "--period", "2025-03")
    assert out.splitlines()[0] == (f"1 revisions from {RELEASE_A} to {RELEASE_B} (indicator "
                                   "CON-01; region 3701; period 2025-03)")

    _, out, _ = diff(capsys, "--indicator", "CON", "--period", "2025")  # family, whole year
    assert out.splitlines()[0].startswith("29 revisions")

    _, out, _ = diff(capsys, "--period", "2025-Q2")
    assert out.splitlines()[0] == (f"no revisions between {RELEASE_A} and {RELEASE_B} "
                                   "(period 2025-Q2)")

    _, out, _ = diff(capsys, "--region", "370102,370103", "--limit", "0")
    assert out.splitlines()[0].startswith("4 revisions")  # 2 regions × month and year
    assert "... 4 more" in out


def test_csv_holds_every_filtered_row_largest_first(home, capsys, tmp_path) -> None:
    target = tmp_path / "out" / "revisions.csv"
    code, out, _ = diff(capsys, "--indicator", "CON-01", "--limit", "3", "--csv", str(target))

    assert code == 0 and f"all 28 revisions written to {target}" in out
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 28
    assert list(rows[0]) == ["indicator_id", "period_type", "period_start", "region_code",
                             "breakdown", "old_value", "new_value", "delta", "change"]
    assert {float(row["delta"]) for row in rows} == {7.0}
    assert {row["period_start"] for row in rows} == {"2025-03-01", "2025-01-01"}


@pytest.mark.parametrize("args", [["--period", "2025-13"], ["--period", "June"],
                                  ["--region", "Jinan"], ["--indicator", "CON_02"]])
def test_bad_filters_are_usage_errors(home, capsys, args) -> None:
    code, _, err = diff(capsys, *args)
    assert code == 2 and err.startswith("patentflow diff: --")


def test_an_unknown_release_is_named(home, capsys) -> None:
    assert main(["diff", RELEASE_A, "nope"]) == 1
    assert "unknown release: nope" in capsys.readouterr().err
