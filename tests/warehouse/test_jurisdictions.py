"""The jurisdiction is configuration: Jinan's table is unchanged, a province gets every region.

The golden file ``data/indicator_values_3701_before_jurisdictions.parquet`` is the published
``indicator_values`` (without ``release_id``) of the hand-made fixture built by main's models at
commit 8480349, before the jurisdiction became a setting; it was written with::

    copy (select * exclude (release_id) from marts.indicator_values order by all)
        to 'indicator_values_3701_before_jurisdictions.parquet' (format parquet)

The only rows a build with the default jurisdiction may add are FIN-09's new ``industry_chain=``
breakdown (issue 12 item 8); every other row must be there, identical, and nothing else.
An issue that changes Jinan's values on purpose regenerates the file from main before it starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from patentflow.core import reference
from patentflow.gate.computed_checks import check_district_coverage, check_district_sums
from patentflow.gate.config import load_gate_config
from patentflow.warehouse.unlisted_regions import unlisted_region_codes
from tests.support.built_fixture import built_fixture

GOLDEN = Path(__file__).parent / "data" / "indicator_values_3701_before_jurisdictions.parquet"
PROVINCE = "37"


@pytest.fixture(scope="module")
def city_build(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return built_fixture(tmp_path_factory, worker_id).warehouse


@pytest.fixture(scope="module")
def province_build(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    return built_fixture(tmp_path_factory, worker_id, jurisdiction=PROVINCE).warehouse


@pytest.fixture()
def both(city_build: Path, province_build: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection with the city build as ``city`` and the province build as ``province``."""
    con = duckdb.connect()
    con.execute(f"attach '{city_build}' as city (read_only)")
    con.execute(f"attach '{province_build}' as province (read_only)")
    yield con
    con.close()


def difference(con: duckdb.DuckDBPyConnection, left: str, right: str) -> list[tuple]:
    """(indicator, breakdown kind, rows) of the rows of ``left`` that ``right`` lacks."""
    # the two queries are this module's own constants
    return con.execute(f"""
        select indicator_id, split_part(breakdown, '=', 1) as breakdown_kind, count(*)
        from ({left} except all {right})
        group by all order by all
    """).fetchall()  # noqa: S608


def test_default_jurisdiction_publishes_jinan_row_for_row_as_before(city_build: Path) -> None:
    con = duckdb.connect(str(city_build), read_only=True)
    now = "select * exclude (release_id) from marts.indicator_values"
    before = f"select * from '{GOLDEN}'"  # noqa: S608
    try:
        assert con.execute(f"select count(*) from ({before})").fetchone()[0] > 100_000  # noqa: S608
        assert difference(con, before, now) == []
        assert difference(con, now, before) == [("FIN-09", "industry_chain", 470)]
    finally:
        con.close()


def test_a_province_publishes_its_total_every_city_and_every_district(both) -> None:
    published = {code for (code,) in both.execute(
        "select distinct region_code from province.marts.indicator_values").fetchall()}
    expected = {region.code for region in reference.regions(PROVINCE)}
    assert published == expected
    assert len([r for r in reference.children(PROVINCE) if r.kind == "city"]) == 16
    assert {PROVINCE, "3701", "3702", "370116", "370117", "370176"} <= published


def test_jinan_rows_of_the_province_build_equal_the_city_build(both) -> None:
    """Each region is computed over its own parties and the counterparty rules judge a city or
    district row against its city, so Jinan's rows do not depend on the jurisdiction; FIN-08/09
    (records without a region) belong to the jurisdiction's total only."""
    city = "select * exclude (release_id) from city.marts.indicator_values"
    jinan_in_province = ("select * exclude (release_id) from province.marts.indicator_values "
                         "where region_code like '3701%'")
    assert difference(both, jinan_in_province, city) == []
    assert difference(both, city, jinan_in_province) == [
        ("FIN-08", "all", 94), ("FIN-08", "industry_chain", 470),
        ("FIN-09", "all", 94), ("FIN-09", "industry_chain", 470),
    ]


def test_roadshows_count_for_the_province_total_only(both) -> None:
    regions = both.execute("""
        select distinct region_code from province.marts.indicator_values
        where indicator_id in ('FIN-08', 'FIN-09')
    """).fetchall()
    assert regions == [(PROVINCE,)]
    totals = both.execute("""
        select p.indicator_id, p.breakdown, p.value, c.value
        from province.marts.indicator_values as p
        inner join city.marts.indicator_values as c using (indicator_id, period_type,
                                                           period_start, breakdown)
        where p.indicator_id in ('FIN-08', 'FIN-09') and c.region_code = '3701'
          and p.period_type = 'year'
    """).fetchall()
    assert totals and all(province == city for _, _, province, city in totals)
    assert any(indicator == "FIN-09" and breakdown.startswith("industry_chain=")
               for indicator, breakdown, _, _ in totals)


def test_every_code_the_deliveries_use_resolves_in_the_hierarchy(city_build: Path) -> None:
    """Every Shandong region code in the fixture's raw deliveries is listed in the hierarchy,
    except 370199, which the fixture plants as a well-formed code the hierarchy does not list:
    it resolves to its nearest listed ancestor, Jinan."""
    con = duckdb.connect(str(city_build), read_only=True)
    try:
        columns = con.execute("""
            select table_name, column_name from information_schema.columns
            where table_schema = 'raw' and column_name like '%region%'
        """).fetchall()
        assert len(columns) >= 6
        codes: set[str] = set()
        for table, column in columns:
            query = f'select distinct "{column}" from raw."{table}" where "{column}" is not null'  # noqa: S608
            codes |= {code for (code,) in con.execute(query).fetchall()}
    finally:
        con.close()
    shandong = {code for code in codes if code.startswith(PROVINCE)}
    unlisted = {code for code in shandong if code not in reference.hierarchy()}
    assert unlisted == {"370199"}
    assert reference.resolve_region("370199", PROVINCE) == "3701"
    assert reference.resolve_region("370199", "3701") == "3701"
    assert reference.resolve_region("110108", PROVINCE) is None


@pytest.mark.parametrize("build", ["city_build", "province_build"])
def test_a_code_the_hierarchy_does_not_list_is_reported_count_by_code(
    build: str, request: pytest.FixtureRequest,
) -> None:
    """The fixture's 370199 party applies for P5, pledges F4 and sells C8: one record each,
    counted for Jinan whether J is the city or the province (what the run summary and
    ``patentflow health`` show)."""
    assert unlisted_region_codes(request.getfixturevalue(build)) == [{
        "region_code": "370199", "counted_for": "3701", "records": 3,
        "used_in": "patents.first_applicant=1, pledges.pledgor=1, tech_contracts.seller=1"}]


def test_the_targets_of_each_plan_sit_on_the_rows_of_its_region(both) -> None:
    """Shandong's plan on the province row, Jinan's on Jinan's (in the province's table too)."""
    def targets(build: str) -> set[tuple]:
        return set(both.execute(f"""
            select indicator_id, region_code, target_value from {build}.marts.indicator_values
            where target_value is not null and period_type = 'year'
        """).fetchall())  # noqa: S608
    province = {(t.indicator_id, PROVINCE, t.value) for t in reference.targets_for(PROVINCE)}
    jinan = {(t.indicator_id, "3701", t.value) for t in reference.targets_for("3701")}
    assert {t[0] for t in province} == {"CON-01", "PIP-02"} and len(jinan) == 3
    assert targets("province") == province | jinan
    assert targets("city") == jinan


def test_the_gate_checks_a_province_region_by_region(
    province_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """For a province every city and every district is expected, and each parent (the
    province, each city) is checked against its own children: the province build passes; a
    city row raised above its districts (no unlisted code counts for Qingdao) fails, named, while
    its province stays consistent; PAT-04 and TRN-03 add up from districts to cities only."""
    monkeypatch.setenv("PATENTFLOW_JURISDICTION", PROVINCE)
    config = load_gate_config()
    assert set(config.region_children[PROVINCE]) == {r.code for r in reference.children("37")}
    with duckdb.connect(str(province_build), read_only=True) as con:
        coverage, sums = check_district_coverage(con, config), check_district_sums(con, config)
    assert coverage.success, coverage.details
    assert sums.success, sums.details
    assert sums.details["unlisted_codes"] == ["370199"]  # counts for Jinan: Jinan may exceed
    tampered = tmp_path / "tampered.duckdb"
    tampered.write_bytes(province_build.read_bytes())
    with duckdb.connect(str(tampered)) as con:
        # Qingdao and the province alike: the province still equals its cities' sum
        con.execute("update marts.indicator_values set value = value + 7 where region_code in "
                    "('37', '3702') and indicator_id = 'CON-03' and breakdown = 'all'")
        # PAT-04 judges the counterparty against the province on its row and against each city
        # on the cities' rows: the province may exceed its cities' sum
        con.execute("update marts.indicator_values set value = value + 5 where region_code = "
                    "'37' and indicator_id = 'PAT-04'")
        failed = check_district_sums(con, config)
    assert not failed.success
    assert {e["region_code"] for e in failed.details["examples"]} == {"3702"}
