"""``patentflow explain``: a published value, its rule and its records, from the release alone.

The hand-made fixture (built once per session by dbt, tests/support/built_fixture.py) is published
as a real release; its values are the hand-computed ones of tests/warehouse/test_dbt_build.py.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from patentflow.cli import main
from patentflow.gate.result import GateResult
from patentflow.release import explain as explaining
from patentflow.release.publish import publish_release
from tests.support.built_fixture import built_fixture
from tests.support.gate_warehouse import build_fixture_warehouse, make_settings, tree_digest

REQUIRED_CSV_COLUMNS = {"record_kind", "record_key", "amount", "source", "batch_id", "origin",
                        "row_number"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A home with two releases of the fixture build: ``older`` and ``r2`` (current)."""
    home = tmp_path_factory.mktemp("explain") / "home"
    settings = make_settings(home)
    for release_id in ("older", "r2"):
        shutil.copyfile(built_fixture(tmp_path_factory, worker_id).warehouse,
                        settings.warehouse_path)
        publish_release(settings, f"run-{release_id}", release_id, "2025-06-29", "2025-06-30",
                        GateResult(f"run-{release_id}"), {})
    return home


@pytest.fixture
def settings(home: Path):
    return make_settings(home)


@pytest.fixture
def cli_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATENTFLOW_HOME", str(home))
    return home


def keys(explanation: explaining.Explanation, role: str = "value") -> dict[str, float]:
    listed = explanation.records[explanation.records["role"] == role]
    return dict(zip(listed["record_key"], listed["amount"], strict=True))


# --- what an explanation holds -----------------------------------------------------------------

def test_a_sum_lists_its_records_with_lineage_and_adds_up_to_the_value(settings):
    result = explaining.explain(settings, "CON-01", "2025", "3701")
    assert result.release_id == "r2" and result.value == 160
    assert keys(result) == {"C1": 100, "C2": 60}
    assert list(result.records["record_key"]) == ["C1", "C2"]  # largest first
    assert set(result.records["record_kind"]) == {"contract"}
    assert result.records[["source", "batch_id", "origin", "row_number"]].notna().all().all()
    assert result.sums() == {"value": (2, 160.0)}


def test_the_text_gives_the_value_the_rule_in_words_and_the_records(settings):
    text = explaining.explain_text(explaining.explain(settings, "CON-01", "2025", "370112"))
    assert "CON-01 涉专利技术合同成交额" in text
    assert "value: 100 万元" in text
    # the rule in words, from the catalogue
    assert "期内登记、有效、知识产权类型含专利、卖方在济南的技术合同成交额。" in text
    assert "value: 100 = sum of 1 record(s) (100)" in text
    assert "C1" in text and "tech_contract_drop" in text and "C2" not in text


def test_a_count_of_patents_at_the_period_end_lists_the_patents(settings):
    result = explaining.explain(settings, "PAT-01", "2025-06", "370112")
    assert result.period.period_type == "month" and result.value == 3
    assert set(keys(result).values()) == {1} and len(keys(result)) == 3
    assert set(result.records["record_kind"]) == {"patent"}


def test_a_breakdown_narrows_the_records(settings):
    everything = explaining.explain(settings, "PAT-02", "2025", "3701")
    by_award = explaining.explain(settings, "PAT-02", "2025", "3701", "criterion=award")
    assert set(keys(by_award)) <= set(keys(everything))
    assert by_award.value == len(keys(by_award))


def test_a_rate_lists_numerator_and_denominator_records(settings):
    result = explaining.explain(settings, "UNI-01", "2025", "3701")
    assert result.roles == ("numerator", "denominator")
    assert result.sums() == {"numerator": (2, 2.0), "denominator": (3, 3.0)}
    text = explaining.explain_text(result)
    assert "numerator: 2 = sum of 2 record(s)" in text
    assert "denominator: 3 = sum of 3 record(s)" in text
    owner = explaining.explain(settings, "UNI-01", "2025", "3701",
                               "owner_uscc=12370000MB0000001A")
    assert owner.value == 100


def test_a_quarter_is_written_yyyy_qn(settings):
    result = explaining.explain(settings, "CON-01", "2025-q1", "3701")
    assert result.period.text == "2025-Q1" and result.value == 160
    assert keys(result) == {"C1": 100, "C2": 60}


def test_limit_caps_the_printed_records_per_role(settings):
    text = explaining.explain_text(explaining.explain(settings, "CON-01", "2025", "3701"), 1)
    assert "(1 of 2, largest first)" in text and "C2" not in text.split("records (")[1]
    assert "--csv FILE writes every record" in text


# --- the command -------------------------------------------------------------------------------

def test_the_command_prints_and_writes_every_record_to_csv(cli_home, tmp_path, capsys):
    out = tmp_path / "con01.csv"
    assert main(["explain", "CON-01", "2025", "3701", "--csv", str(out), "--limit", "1"]) == 0
    printed = capsys.readouterr().out
    assert "value: 160 万元" in printed and f"all 2 records written to {out}" in printed
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert REQUIRED_CSV_COLUMNS <= set(rows[0])
    assert {row["record_key"]: float(row["amount"]) for row in rows} == {"C1": 100, "C2": 60}
    assert {row["release_id"] for row in rows} == {"r2"}


def test_release_explains_an_older_release(cli_home, capsys):
    assert main(["explain", "FIN-01", "2025", "370112", "--release", "older"]) == 0
    assert "release older" in capsys.readouterr().out


def test_explaining_leaves_the_release_untouched(cli_home, settings, capsys):
    before = tree_digest(settings.releases_dir / "r2")
    assert main(["explain", "PAT-01", "2025", "3701"]) == 0
    assert tree_digest(settings.releases_dir / "r2") == before


@pytest.mark.parametrize(("arguments", "named"), [
    (["NOPE-1", "2025", "3701"], ["unknown indicator 'NOPE-1'", "CON-01", "PAT-02"]),
    (["CON-01", "2025/06", "3701"], ["expected YYYY", "YYYY-Qn", "YYYY-MM"]),
    (["PIP-01", "2025-06", "3701"], ["PIP-01 is published for year periods", "YYYY (year)"]),
    (["CON-01", "2031", "3701"], ["no year 2031", "2020", "2025"]),
    (["CON-01", "2025", "9999"], ["region '9999'", "370102 历下区", "3701"]),
    (["PAT-02", "2025", "3701", "criterion=luck"],
     ["breakdown 'criterion=luck'", "criterion=pledge", "all"]),
])
def test_an_unknown_argument_names_the_valid_ones_and_exits_2(cli_home, capsys, arguments, named):
    assert main(["explain", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("patentflow explain: ")
    for text in named:
        assert text in captured.err


def test_an_unknown_release_exits_1(cli_home, capsys):
    assert main(["explain", "CON-01", "2025", "3701", "--release", "nope"]) == 1
    assert "unknown release" in capsys.readouterr().err


def test_a_release_from_before_contributions_says_so(tmp_path, monkeypatch, capsys):
    settings = make_settings(tmp_path / "home")
    build_fixture_warehouse(settings.warehouse_path)  # indicator_values only
    publish_release(settings, "run-old", "old", "2025-03-01", "2025-04-01", GateResult("run-old"),
                    {})
    monkeypatch.setenv("PATENTFLOW_HOME", str(settings.home))
    assert main(["explain", "PAT-01", "2025", "3701"]) == 1
    assert "no record-level contributions" in capsys.readouterr().err
