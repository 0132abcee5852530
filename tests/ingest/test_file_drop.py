"""File drops: a catalogue of bad deliveries, each landing where it should with its reason."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from patentflow.core.settings import Settings, load_settings
from patentflow.ingest.files.drop import resolve_drop_file
from patentflow.ingest.files.parsing import FileRejected
from patentflow.ingest.pipeline import ingest_reference, ingest_tech_contracts
from tests.support.builders import (
    HEADER,
    application_no,
    contract,
    csv_bytes,
    deliver,
    load_warehouse,
)

END = datetime(2025, 4, 1, tzinfo=UTC)
@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"PATENTFLOW_HOME": str(tmp_path)})


def quarantine(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT batch_id, record_key, reason_code FROM audit.quarantine ORDER BY 1, 2, 3"
    ).fetchall()


def test_gbk_and_bom_files_load_with_values_as_delivered(settings: Settings) -> None:
    deliver(settings, "contracts_2025-02.csv", csv_bytes([contract("A1")], encoding="gbk"))
    deliver(settings, "contracts_2025-03.csv", csv_bytes([contract("B1")], encoding="utf-8-sig"))
    summary = ingest_tech_contracts(settings, END, END)
    assert summary.entities["tech_contracts"].loaded == 2
    con = load_warehouse(settings)
    rows = con.execute(
        "SELECT registration_no, seller_name, contract_category, turnover_wan::VARCHAR,"
        " patent_application_nos, _file_month, _reissue FROM raw.tech_contracts ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("A1", "山东某大学", "技术开发", "120.5000", application_no(7), "2025-02", 0),
        ("B1", "山东某大学", "技术开发", "120.5000", application_no(7), "2025-03", 0),
    ]


def test_catalogue_of_bad_rows_is_quarantined_with_reason_codes(settings: Settings) -> None:
    rows = [
        contract("OK1"),
        contract("BADNO", **{"涉及专利": "CN2024100000079"}),
        contract("BADDATE", **{"登记日期": "2021-02-30"}),
        contract("TODO", **{"登记日期": "待补录"}),
        contract("ENUM", **{"合同类别": "技术外包"}),
        contract("NEG", **{"成交额(万元)": "-3", "技术交易额(万元)": "0"}),
        contract("OVER", **{"成交额(万元)": "10", "技术交易额(万元)": "10.5"}),
        contract("REGION", **{"买方所在地": "美国"}),
        contract("USCC", **{"卖方统一社会信用代码": "91370100MA3C0000XO"}),
        contract("LICENCE", **{"合同类别": "技术许可"}),
        contract("ABROAD", **{"买方所在地": "境外"}),
        contract("DUP", **{"合同名称": "first"}),
        contract("DUP", **{"合同名称": "second"}),
    ]
    deliver(settings, "contracts_2025-03.csv", csv_bytes(rows))
    summary = ingest_tech_contracts(settings, END, END)
    counts = summary.entities["tech_contracts"]
    assert (counts.delivered, counts.loaded, counts.quarantined, counts.superseded) == (13, 3, 9, 1)
    con = load_warehouse(settings)
    assert [(key, code) for _, key, code in quarantine(con)] == [
        ("BADDATE", "invalid_date"),
        ("BADNO", "bad_check_digit"),
        ("ENUM", "invalid_enum"),
        ("LICENCE", "invalid_enum"),
        ("NEG", "negative_amount"),
        ("OVER", "tech_amount_exceeds_turnover"),
        ("REGION", "invalid_region_code"),
        ("TODO", "invalid_date"),
        ("USCC", "invalid_uscc"),
    ]
    loaded = con.execute(
        "SELECT registration_no, contract_name FROM raw.tech_contracts ORDER BY 1"
    ).fetchall()
    assert loaded == [
        ("ABROAD", "一种材料的技术开发"),
        ("DUP", "second"),
        ("OK1", "一种材料的技术开发"),
    ]


def test_licence_category_is_valid_by_registration_date_from_the_2026_measures(
    settings: Settings,
) -> None:
    """技术许可 exists from 2026-01-23 on: the same January file carries it legally after that
    day and is quarantined (with the day in the reason) before it."""
    rows = [contract(key, **{"合同类别": "技术许可", "登记日期": day})
            for key, day in (("EARLY", "2026-01-22"), ("FIRST", "2026-01-23"),
                             ("LATER", "2026-01-30"))]
    deliver(settings, "contracts_2026-01.csv", csv_bytes(rows))
    counts = ingest_tech_contracts(settings, END, END).entities["tech_contracts"]
    assert (counts.delivered, counts.loaded, counts.quarantined) == (3, 2, 1)
    con = load_warehouse(settings)
    assert con.execute("SELECT record_key, reason_code, reason FROM audit.quarantine").fetchall() \
        == [("EARLY", "invalid_enum", "合同类别='技术许可' is valid only for contracts registered "
                                      "from 2026-01-23, not on 登记日期='2026-01-22': a value "
                                      "outside the contract's enumeration")]
    assert con.execute("SELECT registration_no FROM raw.tech_contracts ORDER BY 1").fetchall() \
        == [("FIRST",), ("LATER",)]


def test_reordered_and_extra_columns_are_matched_by_name(settings: Settings) -> None:
    header = list(reversed(HEADER)) + ["备注"]
    row = contract("R1") | {"备注": "补充说明"}
    deliver(settings, "contracts_2025-03.csv", csv_bytes([row], header=header))
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    registration_no, seller, record = con.execute(
        "SELECT registration_no, seller_name, _record FROM raw.tech_contracts"
    ).fetchone()
    assert (registration_no, seller) == ("R1", "山东某大学")
    assert json.loads(record)["备注"] == "补充说明"


def test_missing_required_column_quarantines_the_file_once_and_reconciles(
    settings: Settings,
) -> None:
    header = [h for h in HEADER if h != "技术交易额(万元)"]
    deliver(settings, "contracts_2025-03.csv", csv_bytes([contract("X1"), contract("X2")], header))
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert [(code) for _, _, code in quarantine(con)] == ["missing_columns"]
    assert con.execute("SELECT count(*) FROM raw.tech_contracts").fetchone()[0] == 0
    record = json.loads(con.execute("SELECT raw_record FROM audit.quarantine").fetchone()[0])
    assert record["missing"] == ["技术交易额(万元)"] and record["data_rows"] == 2
    assert con.execute(
        "SELECT delivered, loaded, quarantined, superseded FROM audit.reconciliation"
    ).fetchone() == (1, 0, 1, 0)


def test_file_without_marker_waits_until_the_marker_arrives(settings: Settings) -> None:
    deliver(settings, "contracts_2025-03.csv", csv_bytes([contract("W1")]), marker=False)
    assert ingest_tech_contracts(settings, END, END).batches == []
    (settings.drop_dir / "tech_contracts" / "contracts_2025-03.csv.done").touch()
    assert ingest_tech_contracts(settings, END, END).entities["tech_contracts"].loaded == 1


def test_identical_redelivery_is_a_no_op_and_reissues_keep_their_order(settings: Settings) -> None:
    original = csv_bytes([contract("C1", **{"状态": "有效"})])
    deliver(settings, "contracts_2025-03.csv", original)
    ingest_tech_contracts(settings, END, END)
    deliver(settings, "contracts_2025-03.csv", original)  # same bytes, fresh marker
    deliver(settings, "contracts_2025-03_r1.csv", csv_bytes([contract("C1", **{"状态": "已撤销"})]))
    second = ingest_tech_contracts(settings, END, END)
    assert second.skipped == ["contracts_2025-03.csv"]
    con = load_warehouse(settings)
    assert con.execute(
        "SELECT status, _reissue, _delivery_seq FROM raw.tech_contracts ORDER BY _delivery_seq"
    ).fetchall() == [("有效", 0, 1), ("已撤销", 1, 2)]


def test_changed_content_under_an_ingested_name_is_quarantined(settings: Settings) -> None:
    deliver(settings, "contracts_2025-03.csv", csv_bytes([contract("M1")]))
    ingest_tech_contracts(settings, END, END)
    deliver(settings, "contracts_2025-03.csv", csv_bytes([contract("M1", **{"状态": "已撤销"})]))
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert [code for _, _, code in quarantine(con)] == ["file_modified"]
    assert con.execute("SELECT status FROM raw.tech_contracts").fetchall() == [("有效",)]


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        (4, "truncated_file"),  # ends inside the UTF-8 bytes of 效: detected as a cut file
        (5, "invalid_enum"),  # ends after 有 of 有效: the cut value itself fails validation
    ],
)
def test_truncated_file_quarantines_the_cut_row_and_keeps_the_rest(
    settings: Settings, cut: int, expected: str
) -> None:
    data = csv_bytes([contract("T1"), contract("T2"), contract("T3")], encoding="utf-8-sig")
    assert data.endswith("有效\r\n".encode())
    deliver(settings, "contracts_2025-03.csv", data[:-cut])
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert [(key, code) for _, key, code in quarantine(con)] == [("T3", expected)]
    assert con.execute("SELECT count(*) FROM raw.tech_contracts").fetchone()[0] == 2


def test_ragged_row_is_quarantined_as_malformed(settings: Settings) -> None:
    data = csv_bytes([contract("G1")]) + "G2,只有两列\r\n".encode("gbk")
    deliver(settings, "contracts_2025-03.csv", data)
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert [code for _, _, code in quarantine(con)] == ["malformed_row"]
    assert con.execute("SELECT delivered, loaded FROM audit.reconciliation").fetchone() == (2, 1)


def test_empty_and_header_only_files(settings: Settings) -> None:
    deliver(settings, "contracts_2025-03.csv", b"")
    deliver(settings, "contracts_2025-04.csv", csv_bytes([]))
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert [code for _, _, code in quarantine(con)] == ["empty_file"]
    assert con.execute(
        "SELECT origin, delivered, loaded, quarantined FROM audit.reconciliation ORDER BY 1"
    ).fetchall() == [("contracts_2025-03.csv", 1, 0, 1), ("contracts_2025-04.csv", 0, 0, 0)]


def test_undecodable_bytes_quarantine_the_file(settings: Settings) -> None:
    deliver(settings, "contracts_2025-03.csv", b"\xff\xfe\x00\x80\x81" * 20)
    ingest_tech_contracts(settings, END, END)
    assert [code for _, _, code in quarantine(load_warehouse(settings))] == ["undecodable_encoding"]


def test_unsafe_and_unexpected_names_are_refused_without_reading(
    settings: Settings, tmp_path: Path
) -> None:
    secret = tmp_path / "outside.csv"
    secret.write_bytes(csv_bytes([contract("SECRET")]))
    folder = settings.drop_dir / "tech_contracts"
    folder.mkdir(parents=True)
    os.symlink(secret, folder / "contracts_2025-05.csv")
    (folder / "contracts_2025-05.csv.done").touch()
    deliver(settings, "contracts_2025-3.csv", csv_bytes([contract("N1")]))
    deliver(settings, "notes.txt", b"hello")
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    codes = sorted((key, code) for _, key, code in quarantine(con))
    assert codes == [
        ("contracts_2025-05.csv", "unsafe_file_name"),
        ("contracts_2025-3.csv", "unexpected_file_name"),
        ("notes.txt", "unexpected_file_name"),
    ]
    assert "SECRET" not in str(con.execute("SELECT * FROM audit.quarantine").fetchall())
    # refusals are recorded once, not on every run
    ingest_tech_contracts(settings, END, END)
    assert len(quarantine(load_warehouse(settings))) == 3


@pytest.mark.parametrize(
    "name", ["../contracts_2025-03.csv", "/etc/passwd", "sub/contracts_2025-03.csv", "..", ""]
)
def test_path_traversal_names_are_refused(settings: Settings, name: str) -> None:
    (settings.drop_dir / "tech_contracts").mkdir(parents=True)
    with pytest.raises(FileRejected) as refused:
        resolve_drop_file(settings.drop_dir / "tech_contracts", name)
    assert refused.value.reason_code == "unsafe_file_name"


def test_xlsx_with_date_cells_and_numbers(settings: Settings) -> None:
    workbook = Workbook()
    sheet = workbook.active
    header = HEADER[::-1]
    sheet.append(header)
    row = contract("X1") | {
        "登记日期": date(2025, 3, 9),
        "成交额(万元)": 88.125,
        "技术交易额(万元)": 80,
        "卖方所在地": "370102",
    }
    sheet.append([row[h] for h in header])
    folder = settings.drop_dir / "tech_contracts"
    folder.mkdir(parents=True)
    workbook.save(folder / "contracts_2025-03_r2.xlsx")
    (folder / "contracts_2025-03_r2.xlsx.done").touch()
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert con.execute(
        "SELECT registration_date, turnover_wan::VARCHAR, tech_transaction_wan::VARCHAR, _reissue"
        " FROM raw.tech_contracts"
    ).fetchone() == (date(2025, 3, 9), "88.1250", "80.0000", 2)


def test_corrupt_xlsx_is_quarantined(settings: Settings) -> None:
    deliver(settings, "contracts_2025-03.xlsx", b"PK\x03\x04 truncated zip")
    ingest_tech_contracts(settings, END, END)
    assert [code for _, _, code in quarantine(load_warehouse(settings))] == ["unreadable_file"]


def test_reference_snapshots_load_with_their_snapshot_date(settings: Settings) -> None:
    deliver(
        settings,
        "population_20250115.csv",
        b"region_code,year,resident_population\n3701,2024,9410000\n370102,2024,812000\n"
        b"37010,2024,1\n",
        sub="reference",
    )
    deliver(
        settings,
        "inventory_returns_20250115.csv",
        (
            "application_no,owner_uscc,entered_date,prospect,industrialized,industry_chain\n"
            f"{application_no(3)},12370000MB0000000X,2024-11-02,high,true,biomedicine\n"
            f"{application_no(4)},12370000MB0000000X,2024-11-02,great,false,biomedicine\n"
        ).encode(),
        sub="reference",
    )
    summary = ingest_reference(settings, END, END)
    assert set(summary.entities) == {"population", "inventory_returns"}
    con = load_warehouse(settings)
    assert con.execute(
        "SELECT region_code, year, resident_population, _snapshot_date FROM raw.population"
        " ORDER BY 1"
    ).fetchall() == [
        ("3701", 2024, 9410000, date(2025, 1, 15)),
        ("370102", 2024, 812000, date(2025, 1, 15)),
    ]
    assert con.execute("SELECT industrialized FROM raw.inventory_returns").fetchall() == [(True,)]
    assert sorted(code for _, _, code in quarantine(con)) == ["invalid_enum", "invalid_region_code"]


def test_bom_declaring_utf8_over_gbk_bytes_is_quarantined_not_guessed(settings: Settings) -> None:
    deliver(settings, "contracts_2025-03.csv", b"\xef\xbb\xbf" + csv_bytes([contract("E1")]))
    ingest_tech_contracts(settings, END, END)
    con = load_warehouse(settings)
    assert [code for _, _, code in quarantine(con)] == ["undecodable_encoding"]
    assert con.execute("SELECT delivered, quarantined FROM audit.reconciliation").fetchone() == (
        1,
        1,
    )


def test_a_field_beyond_the_csv_size_limit_quarantines_the_file(settings: Settings) -> None:
    header = ",".join(HEADER).encode("gbk")
    huge = b'"' + b"x" * 200_000  # unterminated quote swallowing the rest: unparseable
    deliver(settings, "contracts_2025-03.csv", header + b"\r\nA1," + huge + b"\r\n")
    ingest_tech_contracts(settings, END, END)
    codes = [code for _, _, code in quarantine(load_warehouse(settings))]
    assert codes == ["unreadable_file"]


def test_organisation_validity_windows_are_all_kept(settings: Settings) -> None:
    deliver(
        settings,
        "organizations_20250101.csv",
        b"uscc,name,party_type,region_code,is_high_tech_enterprise,is_specialized_sme,"
        b"is_tech_sme,valid_from,valid_to\n"
        b"91370100MA3C0000X1,A,enterprise,370102,true,false,false,2019-01-01,2021-12-31\n"
        b"91370100MA3C0000X1,A,enterprise,370102,true,true,false,2022-01-01,2024-12-31\n"
        b"91370100MA3C0000X1,A,enterprise,370102,true,true,true,2022-01-01,2024-12-31\n",
        sub="reference",
    )
    counts = ingest_reference(settings, END, END).entities["organizations"]
    assert (counts.loaded, counts.superseded) == (2, 1)  # same window twice: the later row wins
    con = load_warehouse(settings)
    assert con.execute(
        "SELECT valid_from, is_tech_sme FROM raw.organizations ORDER BY valid_from"
    ).fetchall() == [(date(2019, 1, 1), False), (date(2022, 1, 1), True)]
