"""The jurisdiction is a setting checked against the region hierarchy (seeds/regions.csv)."""

from __future__ import annotations

import pytest

from patentflow.cli import main
from patentflow.core import reference
from patentflow.core.settings import SettingsError, settings_from


def test_the_default_jurisdiction_is_jinan_and_a_code_prefix_is_accepted() -> None:
    assert settings_from({}).jurisdiction == "3701"
    assert settings_from({"PATENTFLOW_JURISDICTION": "37"}).jurisdiction == "37"


@pytest.mark.parametrize("text", ["3", "37010", "jinan", "3701 02", "３７"])
def test_a_malformed_jurisdiction_is_refused_with_the_variable_named(text: str) -> None:
    with pytest.raises(SettingsError, match="PATENTFLOW_JURISDICTION"):
        settings_from({"PATENTFLOW_JURISDICTION": text})


def test_the_hierarchy_holds_shandong_its_16_cities_and_the_official_laiwu_districts() -> None:
    cities = reference.children("37")
    assert len(cities) == 16 and {"3701", "3702"} <= {c.code for c in cities}
    assert "3712" not in reference.hierarchy()  # 莱芜 merged into Jinan in 2019
    assert reference.hierarchy()["370116"].name_zh == "莱芜区"
    assert reference.hierarchy()["370117"].name_zh == "钢城区"
    assert all(r.parent_code in reference.hierarchy() for r in reference.hierarchy().values()
               if r.parent_code)


def test_reporting_regions_are_the_jurisdiction_then_everything_below_it() -> None:
    jinan = reference.regions("3701")
    assert jinan[0].code == "3701" and len(jinan) == 14
    province = reference.regions("37")
    assert province[0].code == "37"
    assert len(province) == len(reference.hierarchy())
    assert [r.code for r in reference.regions("370102")] == ["370102"]


def test_an_unknown_jurisdiction_names_itself_and_the_nearest_valid_codes() -> None:
    with pytest.raises(reference.UnknownJurisdiction) as raised:
        reference.jurisdiction_region("3712")
    message = str(raised.value)
    assert "'3712'" in message
    assert "3711" in message and "3713" in message


def test_run_refuses_an_unknown_jurisdiction_at_once_with_exit_2(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATENTFLOW_JURISDICTION", "3701")  # restored after the test
    assert main(["run", "--jurisdiction", "3799"]) == 2
    error = capsys.readouterr().err
    assert "'3799'" in error and "nearest valid codes" in error
    assert len(error.strip().splitlines()) == 1


def test_run_refuses_a_malformed_jurisdiction_with_exit_2(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATENTFLOW_JURISDICTION", "3701")
    assert main(["run", "--jurisdiction", "Jinan"]) == 2
    assert "PATENTFLOW_JURISDICTION" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["run", "--as-of", "2025-06-30"], ["backfill", "--from", "2025-06-01", "--to", "2025-06-02"],
    ["report", "--period", "2025-06"], ["health"], ["releases"], ["up"],
])
def test_an_unknown_jurisdiction_in_the_environment_refuses_every_command_with_exit_2(
    command: list[str], monkeypatch, capsys, tmp_path,
) -> None:
    monkeypatch.setenv("PATENTFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("PATENTFLOW_JURISDICTION", "3799")
    assert main(command) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "'3799'" in error[0] and "3717 菏泽市" in error[0]
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_a_malformed_jurisdiction_in_the_environment_is_one_line_naming_the_variable(
    monkeypatch, capsys, tmp_path,
) -> None:
    monkeypatch.setenv("PATENTFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("PATENTFLOW_JURISDICTION", "Jinan")
    assert main(["health"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "PATENTFLOW_JURISDICTION" in error[0] and "'Jinan'" in error[0]


def test_a_well_formed_unlisted_code_counts_for_its_nearest_listed_ancestor() -> None:
    assert reference.resolve_region("370199", "37") == "3701"
    assert reference.resolve_region("371299", "37") == "37"
    assert reference.resolve_region("370102", "37") == "370102"
    assert reference.resolve_region("370102", "3702") is None
