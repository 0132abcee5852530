"""Undoing a bad delivery without starting over: ``exclude`` / ``include`` a batch or a file, and
``reset-watermark`` a source, after which the next pull rebuilds from what remains.

The scenario for the watermark: a mistaken pull from the wrong server (a test system whose
records carry later timestamps) lands bad records and moves the watermark past real changes
still to come. Set aside and reset, the next pull from the right server gives the raw layer of a
home that never made the mistake, row for row.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from patentflow.cli import main
from patentflow.core.settings import Settings, load_settings
from patentflow.ingest import corrections
from patentflow.ingest.pipeline import ingest_patent_api, ingest_tech_contracts
from patentflow.ingest.state import IngestionState
from tests.support.builders import (
    BASE_TIME,
    PATENT_PATH,
    contract,
    csv_bytes,
    deliver,
    load_warehouse,
    patent,
)
from tests.support.fake_api import FAST_RETRY, fake, settings_for

DAY1, DAY2, DAY3 = (BASE_TIME + timedelta(days=n) for n in (1, 2, 3))
RAW_COLUMNS = "* EXCLUDE (_batch_id, _extracted_at, _origin, _checksum, _row_number)"


def reconciliation(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT batch_id, delivered, loaded, quarantined, superseded, excluded, excluded_reason"
        " FROM audit.reconciliation ORDER BY batch_id").fetchall()


def contracts_home(tmp_path: Path) -> Settings:
    settings = load_settings({"PATENTFLOW_HOME": str(tmp_path / "home")})
    deliver(settings, "contracts_2025-02.csv", csv_bytes([contract("A1"), contract("A2")]))
    ingest_tech_contracts(settings, DAY1, DAY1)
    wrong = [contract("A1", **{"成交额(万元)": "99999", "技术交易额(万元)": "1"})]
    deliver(settings, "contracts_2025-02_r1.csv", csv_bytes(wrong))  # a mistaken re-issue
    ingest_tech_contracts(settings, DAY2, DAY2)
    return settings


def test_an_excluded_file_stays_on_disk_out_of_raw_and_accounted_for(tmp_path: Path) -> None:
    settings = contracts_home(tmp_path)
    files_before = sorted(p.relative_to(settings.raw_dir) for p in settings.raw_dir.rglob("*"))

    batches, changed = corrections.set_aside(settings, "contracts_2025-02_r1.csv",
                                             "re-issued by mistake, see ticket 42")

    [batch] = batches
    assert changed == [batch.batch_id] and batch.origin == "contracts_2025-02_r1.csv"
    assert sorted(p.relative_to(settings.raw_dir)
                  for p in settings.raw_dir.rglob("*")) == files_before  # nothing deleted
    con = load_warehouse(settings)
    assert con.execute("SELECT count(*), min(\"成交额\") FROM (SELECT turnover_wan AS \"成交额\""
                       " FROM raw.tech_contracts)").fetchone() == (2, 120.5)
    rows = {row[0]: row for row in reconciliation(con)}
    excluded = rows[batch.batch_id]
    assert excluded[1:6] == (1, 1, 0, 0, True)  # delivered = loaded + quarantined + superseded
    assert excluded[6].startswith("re-issued by mistake, see ticket 42 (excluded ")
    assert [row[5] for row in rows.values()].count(True) == 1

    corrections.set_aside(settings, batch.batch_id, "", excluded=False)
    con = load_warehouse(settings)
    assert con.execute("SELECT max(turnover_wan) FROM raw.tech_contracts").fetchone() == (99999,)
    assert not any(row[5] for row in reconciliation(con))
    with IngestionState(settings.state_dir / "ingestion.sqlite") as state:
        assert [(c["action"], c["batches"]) for c in state.corrections()] == [
            ("exclude", [batch.batch_id]), ("include", [batch.batch_id])]


def test_the_cli_excludes_lists_and_includes(tmp_path: Path, monkeypatch, capsys) -> None:
    settings = contracts_home(tmp_path)
    monkeypatch.setenv("PATENTFLOW_HOME", str(settings.home))

    assert main(["exclude", "contracts_2025-02_r1.csv", "--reason", "mistake"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("excluded: tech_contracts__") and "Undo: patentflow include" in out
    assert main(["exclude", "contracts_2025-02_r1.csv", "--reason", "again"]) == 0
    assert capsys.readouterr().out.startswith("already excluded: ")
    assert main(["exclusions"]) == 0
    assert ": mistake" in capsys.readouterr().out
    assert main(["include", "contracts_2025-02_r1.csv"]) == 0
    assert capsys.readouterr().out.startswith("included again: ")
    assert main(["exclusions"]) == 0
    assert capsys.readouterr().out.strip() == "no batch is excluded"

    assert main(["exclude", "contracts_2099-01.csv", "--reason", "x"]) == 1
    assert "unknown batch or file" in capsys.readouterr().err
    assert main(["exclude", "contracts_2025-02.csv", "--reason", "  "]) == 2
    assert "a reason is required" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["exclude", "contracts_2025-02.csv"])  # --reason is required


def raw_patents(settings: Settings) -> list[tuple]:
    return load_warehouse(settings).execute(
        f"SELECT {RAW_COLUMNS} FROM raw.patents ORDER BY ALL").fetchall()  # noqa: S608


def test_a_watermark_reset_after_a_mistaken_pull_rebuilds_what_a_clean_home_has(
        tmp_path: Path) -> None:
    first = [patent(i, updated_offset=60 * i) for i in range(1, 6)]
    later = [patent(i, updated_offset=3600 * 30 + i, title=f"更正后的名称{i}") for i in (2, 7)]
    # the wrong server: other values, timestamps a week ahead of the real source
    wrong = [patent(i, updated_offset=3600 * 24 * 7 + i, title="测试系统的数据") for i in (1, 8)]

    with fake({PATENT_PATH: list(first)}) as real, fake({PATENT_PATH: wrong}) as test_system:
        clean = settings_for(tmp_path / "clean", real)
        home = settings_for(tmp_path / "home", real)
        mistaken = settings_for(tmp_path / "home", test_system)
        for settings in (clean, home):
            ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
        ingest_patent_api(mistaken, BASE_TIME, DAY2, retry=FAST_RETRY)  # wrong URL configured
        real.records[PATENT_PATH].extend(later)  # real changes arrive after the mistake

        ingest_patent_api(clean, BASE_TIME, DAY3, retry=FAST_RETRY)
        missed = settings_for(tmp_path / "missed", real)  # what happens without the reset
        for source, day in ((real, DAY1), (test_system, DAY2), (real, DAY3)):
            ingest_patent_api(settings_for(tmp_path / "missed", source), BASE_TIME, day,
                              retry=FAST_RETRY)

        day2_batches = [b for b in corrections.landed_batches(home.raw_dir)
                        if "__" + DAY2.strftime("%Y%m%d") + "__" in b]
        assert len(day2_batches) == 2  # patents and legal events of the mistaken pull
        for batch_id in day2_batches:
            corrections.set_aside(home, batch_id, "pulled from the test system by mistake")
        changes = corrections.reset_watermark(home, "patent_api", DAY1.date(),
                                              "re-pull after the test-system pull")
        ingest_patent_api(home, BASE_TIME, DAY3, retry=FAST_RETRY)

    # the source never delivered an event, so that endpoint has no watermark to move
    assert [(endpoint, new is not None) for endpoint, _, new in changes] == [
        ("patent_api:/v1/patents", True), ("patent_api:/v1/legal-events", False)]
    assert raw_patents(missed) != raw_patents(clean)  # the gap the reset closes
    assert raw_patents(home) == raw_patents(clean)


def test_a_rerun_of_the_same_interval_after_a_reset_pulls_again_under_a_new_batch_id(
        tmp_path: Path) -> None:
    with fake({PATENT_PATH: [patent(1, 10), patent(2, 20)]}) as source:
        settings = settings_for(tmp_path, source)
        ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
        again = ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)
        assert again.batches == [] and len(again.skipped) == 2  # an ordinary rerun: no-op

        corrections.reset_watermark(settings, "patent_api", BASE_TIME.date(), "")
        retaken = ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)

    # only the endpoint whose watermark moved back is pulled again (events had none)
    assert retaken.batches == ["patents__20250302__0000__r1"]
    assert retaken.entities["patents"].delivered == 2
    assert load_warehouse(settings).execute(
        "SELECT count(DISTINCT _batch_id) FROM raw.patents").fetchone() == (2,)


def test_a_reset_never_moves_a_watermark_forward_and_only_applies_to_apis(
        tmp_path: Path, monkeypatch, capsys) -> None:
    with fake({PATENT_PATH: [patent(1, 10)]}) as source:
        settings = settings_for(tmp_path, source)
        monkeypatch.setenv("PATENTFLOW_HOME", str(settings.home))
        assert main(["reset-watermark", "patent_api", "--to", "2025-01-01"]) == 2
        assert "nothing to move back" in capsys.readouterr().err
        ingest_patent_api(settings, BASE_TIME, DAY1, retry=FAST_RETRY)

    assert main(["reset-watermark", "patent_api", "--to", "2030-01-01"]) == 2
    assert "already at or before 2030-01-01" in capsys.readouterr().err
    assert main(["reset-watermark", "tech_contracts", "--to", "2025-01-01"]) == 2
    assert "patentflow exclude FILE" in capsys.readouterr().err
    assert main(["reset-watermark", "patent_api", "--to", "2025-13-01"]) == 2
    assert main(["reset-watermark", "patent_api", "--to", "2024-12-31", "--reason", "r"]) == 0
    out = capsys.readouterr().out
    assert "patent_api:/v1/patents: watermark 2025-03-01T00:00:10+00:00 -> " \
           "2024-12-31T00:00:00+08:00" in out
    assert "patent_api:/v1/legal-events: watermark (never set) left as it is" in out
    assert date(2024, 12, 31).isoformat() in out
