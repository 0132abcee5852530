"""File drops are written as the contract's owners write them; the CLI brings the sandbox up."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from devtools.sandbox import load_dataset
from devtools.sandbox.__main__ import main, parse_faults
from devtools.sandbox.filedrop import write_drop
from devtools.sandbox.generator import Dataset, DropFile, generate_dataset
from devtools.sandbox.server import FaultConfig

AS_OF = date(2026, 11, 26)
CONTRACT_HEADER = "合同登记号"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(seed=5, scale=0.005, as_of=AS_OF)


@pytest.fixture(scope="module")
def drop(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    directory = tmp_path_factory.mktemp("drop")
    return directory, write_drop(dataset, directory)


def first_of(dataset: Dataset, encoding: str) -> DropFile:
    return next(f for f in dataset.drop_files if f.encoding == encoding
                and f.kind == "tech_contracts")


def test_every_file_lands_in_its_directory_with_a_marker(
        dataset: Dataset, drop: tuple[Path, list[Path]]) -> None:
    directory, paths = drop
    assert len(paths) == len(dataset.drop_files)
    for path, delivered in zip(paths, dataset.drop_files, strict=True):
        expected_dir = "tech_contracts" if delivered.kind == "tech_contracts" else "reference"
        assert path == directory / expected_dir / delivered.name
        assert path.with_name(path.name + ".done").exists()
    leftovers = [p for p in directory.rglob("*") if p.name.endswith(".partial")]
    assert leftovers == []


def test_marker_is_last_and_mtimes_follow_delivery_order(drop: tuple[Path, list[Path]]) -> None:
    _, paths = drop
    times = []
    for path in paths:
        marker = path.with_name(path.name + ".done")
        assert marker.stat().st_mtime > path.stat().st_mtime
        times += [path.stat().st_mtime, marker.stat().st_mtime]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_unfinished_file_has_no_marker(dataset: Dataset, tmp_path: Path) -> None:
    last = dataset.drop_files[-1].name
    paths = write_drop(dataset, tmp_path, unfinished={last})
    assert paths[-1].name == last and paths[-1].exists()
    assert not paths[-1].with_name(last + ".done").exists()
    assert paths[0].with_name(paths[0].name + ".done").exists()


def test_gbk_file_decodes_only_as_gbk(dataset: Dataset, drop: tuple[Path, list[Path]]) -> None:
    directory, _ = drop
    delivered = first_of(dataset, "gbk")
    raw = (directory / "tech_contracts" / delivered.name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("gbk"), newline="")))
    assert rows == delivered.rows


def test_bom_file_decodes_only_as_utf8(dataset: Dataset, drop: tuple[Path, list[Path]]) -> None:
    directory, _ = drop
    delivered = first_of(dataset, "utf-8-sig")
    raw = (directory / "tech_contracts" / delivered.name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    try:
        misread = raw.decode("gbk")
    except UnicodeDecodeError:
        misread = None
    assert misread is None or not misread.startswith(CONTRACT_HEADER)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows == delivered.rows


def test_xlsx_cells_are_dates_numbers_and_text(dataset: Dataset,
                                              drop: tuple[Path, list[Path]]) -> None:
    directory, _ = drop
    delivered = first_of(dataset, "xlsx")
    sheet = load_workbook(directory / "tech_contracts" / delivered.name).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == list(delivered.rows[0])
    first = dict(zip(header, rows[1], strict=True))
    assert isinstance(first["登记日期"], datetime)
    assert first["登记日期"].date() == delivered.rows[0]["登记日期"]
    assert isinstance(first["成交额(万元)"], float)
    assert first["成交额(万元)"] == delivered.rows[0]["成交额(万元)"]
    assert isinstance(first["卖方所在地"], str) and first["卖方所在地"].isdigit()
    assert isinstance(first[CONTRACT_HEADER], str)
    assert len(rows) - 1 == len(delivered.rows)


def test_reference_files_are_plain_utf8_with_english_headers(
        dataset: Dataset, drop: tuple[Path, list[Path]]) -> None:
    directory, _ = drop
    population = next(f for f in dataset.drop_files if f.kind == "population")
    raw = (directory / "reference" / population.name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8").splitlines()[0]
    assert header == "region_code,year,resident_population"


def test_parse_faults() -> None:
    assert parse_faults("error_rate=0.1,rate_limit_rate=0.05,retry_after_seconds=2,seed=3") == \
        FaultConfig(error_rate=0.1, rate_limit_rate=0.05, retry_after_seconds=2, seed=3)
    assert parse_faults("") == FaultConfig()


def test_generate_writes_the_drop_and_load_dataset_reproduces_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert main(["generate", "--home", str(home), "--seed", "4", "--scale", "0.005",
                 "--as-of", "2026-06-30"]) == 0
    assert (home / "drop" / "tech_contracts" / "contracts_2019-01.csv.done").exists()
    reloaded = load_dataset(home)
    assert reloaded.as_of == date(2026, 6, 30)
    original = generate_dataset(seed=4, scale=0.005, as_of=date(2026, 6, 30))
    assert reloaded.api_records == original.api_records


def test_up_serves_both_apis_and_down_stops_them(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home, drop_dir = tmp_path / "home", tmp_path / "share"
    monkeypatch.setenv("PATENTFLOW_DROP_DIR", str(drop_dir))
    assert main(["up", "--home", str(home), "--scale", "0.005", "--as-of", "2026-11-26",
                 "--prefix", "/api"]) == 0
    endpoints_file = home / "sandbox" / "endpoints.json"
    try:
        assert stat.S_IMODE(endpoints_file.stat().st_mode) == 0o600
        endpoints = json.loads(endpoints_file.read_text())
        assert {"patent_api_url", "patent_api_token", "finance_api_url", "finance_api_token",
                "pid", "seed", "scale", "as_of"} <= set(endpoints)
        assert endpoints["patent_api_url"].endswith("/api")
        assert (drop_dir / "tech_contracts").is_dir()
        patents = requests.get(endpoints["patent_api_url"] + "/v1/patents", timeout=10, headers={
            "Authorization": "Bearer " + endpoints["patent_api_token"]})
        roadshows = requests.get(endpoints["finance_api_url"] + "/v1/roadshows", timeout=10,
                                 headers={"Authorization": "Bearer "
                                          + endpoints["finance_api_token"]})
        wrong = requests.get(endpoints["finance_api_url"] + "/v1/roadshows", timeout=10,
                             headers={"Authorization": "Bearer "
                                      + endpoints["patent_api_token"]})
        assert patents.status_code == 200 and patents.json()["items"]
        assert roadshows.status_code == 200 and wrong.status_code == 401
        assert load_dataset(home).api_records["roadshows"][0]["roadshow_id"] in {
            r["roadshow_id"] for r in roadshows.json()["items"]}
    finally:
        assert main(["down", "--home", str(home)]) == 0
    assert not endpoints_file.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(endpoints["patent_api_url"] + "/v1/patents", timeout=5)


def test_rewriting_the_same_dataset_modifies_nothing(dataset: Dataset, tmp_path: Path) -> None:
    first = write_drop(dataset, tmp_path)
    before = {p: (p.stat().st_mtime, p.read_bytes()) for p in tmp_path.rglob("*")
              if p.is_file()}
    second = write_drop(dataset, tmp_path)
    after = {p: (p.stat().st_mtime, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()}
    assert first == second and before == after
