"""``patentflow diff A B --explain``: each revision with the records that entered, left or changed
amount between the two releases, and where each came from (batch, file and row, or API origin).

Fixture: ``tests/support/contribution_releases.py`` — a contract cancelled and another corrected
by a re-issue, a revoked TR01, a corrected district, a late patent, an inventory return entering a
rate's numerator, a pledge of a new month, a value revised without any record behind it, and an
older release published before contributions were stored.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from patentflow.cli import main
from patentflow.core.settings import Settings
from patentflow.release import contributions
from patentflow.release import diff as release_diff
from tests.support.contribution_releases import (
    C1,
    C2,
    C3,
    CITY,
    E1,
    HUAIYIN,
    LIXIA,
    P1,
    P2,
    P4,
    RELEASE_A,
    RELEASE_B,
    RELEASE_OLD,
    SHIZHONG,
    U2,
    build_contribution_home,
)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return build_contribution_home(tmp_path_factory.mktemp("explain_home"))


@pytest.fixture(scope="module")
def explained(home):
    settings = Settings(home=home, drop_dir=home / "drop")
    return release_diff.diff(settings, RELEASE_A, RELEASE_B, explain=True)


@pytest.fixture
def cli_home(home, monkeypatch):
    monkeypatch.setenv("PATENTFLOW_HOME", str(home))
    return home


def records_of(result, indicator, region, period_type="month"):
    records = result.records
    mine = records[(records["indicator_id"] == indicator) & (records["region_code"] == region)
                   & (records["period_type"] == period_type)]
    return {row["record_key"]: row for row in mine.to_dict("records")}


def test_a_contract_cancelled_by_a_reissue_left_with_the_row_that_had_counted(explained):
    lixia = records_of(explained, "CON-01", LIXIA)

    cancelled = lixia[C1]
    assert cancelled["record_change"] == "left"
    assert (cancelled["old_amount"], cancelled["amount_delta"]) == (120.5, -120.5)
    assert (cancelled["old_origin"], cancelled["old_row_number"]) == ("contracts_2025-03.csv", 4)
    assert cancelled["old_batch_id"] == "tech_contracts__20250405__contracts_2025-03"
    assert cancelled["old_source"] == "tech_contract_drop"


def test_a_reissue_that_corrects_an_amount_shows_both_rows(explained):
    corrected = records_of(explained, "CON-01", LIXIA)[C2]

    assert corrected["record_change"] == "amount"
    assert (corrected["old_amount"], corrected["new_amount"], corrected["amount_delta"]) == \
        (80.0, 60.0, -20.0)
    assert (corrected["old_origin"], corrected["old_row_number"]) == ("contracts_2025-03.csv", 5)
    assert (corrected["new_origin"], corrected["new_row_number"]) == ("contracts_2025-03_r1.csv", 2)


def test_a_record_redelivered_with_the_same_amount_is_no_change(explained):
    assert C3 not in records_of(explained, "CON-01", SHIZHONG)
    assert C3 not in records_of(explained, "CON-01", CITY)
    assert P2 not in records_of(explained, "PAT-01", LIXIA)


def test_a_revoked_transfer_left_every_value_it_counted_in(explained):
    for region in (SHIZHONG, CITY):
        for period_type in ("month", "year"):
            event = records_of(explained, "TRN-01", region, period_type)[E1]
            assert (event["record_change"], event["amount_delta"]) == ("left", -1.0)
            assert event["old_origin"].startswith("GET /v1/legal-events")
            assert event["old_row_number"] == 17


def test_a_corrected_district_moves_the_record_and_leaves_the_city_alone(explained):
    left = records_of(explained, "PAT-01", LIXIA)[P1]
    entered = records_of(explained, "PAT-01", SHIZHONG)[P1]

    assert (left["record_change"], left["moved_region"]) == ("left", SHIZHONG)
    assert (entered["record_change"], entered["moved_region"]) == ("entered", LIXIA)
    assert entered["new_batch_id"] == "patents__20250620__0002"
    assert P1 not in records_of(explained, "PAT-01", CITY)
    assert records_of(explained, "PAT-01", CITY)[P4]["record_change"] == "entered"


def test_a_rate_is_explained_by_its_numerator_and_denominator_records(explained):
    coverage = records_of(explained, "UNI-03", CITY)

    assert list(coverage) == [U2]
    assert (coverage[U2]["role"], coverage[U2]["record_kind"]) == ("numerator", "inventory_return")
    assert coverage[U2]["new_origin"] == "inventory_returns_2025-06.csv"


def test_the_records_account_for_every_count_and_sum_but_a_value_with_none(explained):
    rows = explained.rows.set_index(["indicator_id", "period_type", "region_code"])
    drifted = rows.loc[("FIN-01", "month", HUAIYIN)]

    assert (drifted["records"], drifted["unexplained"]) == (0, 25.0)
    others = explained.rows[~((explained.rows["indicator_id"] == "FIN-01")
                              & (explained.rows["period_type"] == "month"))]
    summed = others[others["indicator_id"] != "UNI-03"]
    assert len(summed) == 14 and (summed["unexplained"] == 0).all()
    assert others.loc[others["indicator_id"] == "UNI-03", "unexplained"].isna().all()


def test_the_console_prints_each_revision_with_its_records(cli_home, capsys):
    code = main(["diff", RELEASE_A, RELEASE_B, "--explain", "--indicator", "CON-01",
                 "--region", LIXIA, "--period", "2025-03"])
    out = capsys.readouterr().out

    assert code == 0
    block = out.split("each with the records that entered, left or changed amount:\n\n")[1]
    lines = block.splitlines()
    assert lines[0] == "CON-01 370102 month 2025-03-01 all: 200.5 -> 60 (-140.5), 2 record changes"
    assert lines[1].split()[:4] == ["left", "contract", C1, "-120.5"]
    assert "contracts_2025-03.csv row 4 [batch tech_contracts__20250405__contracts_2025-03, " \
        "tech_contract_drop]" in lines[1]
    assert lines[2].split()[:7] == ["amount", "contract", C2, "80", "->", "60", "(-20)"]
    assert "contracts_2025-03.csv row 5" in lines[2]
    assert "-> contracts_2025-03_r1.csv row 2" in lines[2]


def test_the_console_names_a_move_and_a_value_no_record_explains(cli_home, capsys):
    main(["diff", RELEASE_A, RELEASE_B, "--explain", "--indicator", "PAT,FIN",
          "--region", f"{LIXIA},{HUAIYIN}", "--limit", "10"])
    out = capsys.readouterr().out

    assert f"left    patent {P1}  -1 (moved to {SHIZHONG})" in out
    drift = out.split("FIN-01 370104 month 2025-04-01 all: 300 -> 325 (+25), 0 record changes")[1]
    assert drift.splitlines()[1] == "  not accounted for by any record: +25"


def test_limit_and_the_records_per_revision_cap_bound_the_console(cli_home, capsys, monkeypatch):
    monkeypatch.setattr(release_diff, "RECORDS_PER_REVISION", 1)
    main(["diff", RELEASE_A, RELEASE_B, "--explain", "--indicator", "CON-01", "--limit", "1"])
    out = capsys.readouterr().out

    assert "largest 1 of 4 revisions, each with the records" in out
    assert out.count(" record changes") == 1
    assert "  ... 1 more records: --csv FILE for all of them" in out
    assert "... 3 more: --limit N to show more, --csv FILE for every row" in out


def test_csv_holds_one_row_per_record_change_under_its_revision(cli_home, capsys, tmp_path):
    target = tmp_path / "explained.csv"
    code = main(["diff", RELEASE_A, RELEASE_B, "--explain", "--indicator", "CON-01,FIN-01",
                 "--limit", "0", "--csv", str(target)])
    out = capsys.readouterr().out

    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert code == 0 and f"all {len(rows)} rows (one per record change) written to" in out
    assert list(rows[0])[:10] == ["indicator_id", "period_type", "period_start", "region_code",
                                  "breakdown", "old_value", "new_value", "delta", "change",
                                  "unexplained"]
    for column in ("role", "record_kind", "record_key", "record_change", "old_amount",
                   "new_amount", "amount_delta", "moved_region", "old_source", "old_batch_id",
                   "old_origin", "old_row_number", "new_source", "new_batch_id", "new_origin",
                   "new_row_number"):
        assert column in rows[0]
    con01 = [row for row in rows if row["indicator_id"] == "CON-01"]
    assert len(con01) == 8  # 4 revisions × (C1 left, C2 amount)
    assert {(row["record_key"], row["record_change"]) for row in con01} == \
        {(C1, "left"), (C2, "amount")}
    unexplained = [row for row in rows if row["record_key"] == ""]
    assert [(row["indicator_id"], row["region_code"], row["unexplained"])
            for row in unexplained] == [("FIN-01", HUAIYIN, "25.0")]
    for revision in {(r["indicator_id"], r["period_type"], r["region_code"]) for r in rows}:
        mine = [row for row in rows if (row["indicator_id"], row["period_type"],
                                        row["region_code"]) == revision]
        delta, gap = float(mine[0]["delta"]), float(mine[0]["unexplained"] or 0)
        assert sum(float(row["amount_delta"] or 0) for row in mine) + gap == pytest.approx(delta)


def test_a_release_without_contributions_still_diffs_and_says_why_it_cannot_explain(
        cli_home, capsys):
    code = main(["diff", RELEASE_OLD, RELEASE_B, "--explain", "--limit", "2"])
    out = capsys.readouterr().out

    assert code == 0
    assert out.splitlines()[0].startswith(f"16 revisions from {RELEASE_OLD} to {RELEASE_B}")
    assert (f"cannot explain: release {RELEASE_OLD} has no marts.fct_indicator_contributions"
            in out)
    assert "largest 2 of 16 revisions:" in out  # the value table, as without --explain


def test_without_explain_the_diff_is_unchanged(cli_home, capsys, tmp_path):
    target = tmp_path / "plain.csv"
    main(["diff", RELEASE_A, RELEASE_B, "--csv", str(target)])
    out = capsys.readouterr().out

    assert "record" not in out and "all 16 revisions written to" in out
    with target.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["indicator_id", "period_type", "period_start",
                                            "region_code", "breakdown", "old_value",
                                            "new_value", "delta", "change"]


def test_the_stock_view_read_in_one_join_gives_the_same_records(home, explained, monkeypatch):
    """Many revised periods read the stock view in one join instead of one query per period
    and breakdown (``VIEW_QUERIES_AT_MOST``); the records are the same."""
    monkeypatch.setattr(contributions, "VIEW_QUERIES_AT_MOST", 0)
    settings = Settings(home=home, drop_dir=home / "drop")
    joined = release_diff.diff(settings, RELEASE_A, RELEASE_B, explain=True)

    def ordered(frame):
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    assert len(joined.records) == len(explained.records) == 19
    pd.testing.assert_frame_equal(ordered(joined.records), ordered(explained.records))
