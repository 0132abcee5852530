"""The report follows the jurisdiction: its title, the regions it lists, its targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.paths import REPO

SHOW = """
import json
from patentflow.report import definitions as d
print(json.dumps({"title": d.TITLE, "total": d.CITY, "label": d.TOTAL_LABEL,
                  "listed": list(d.DISTRICTS), "subregions": d.SUBREGIONS,
                  "targets": sorted(t.indicator_id for t in d.TARGETS)}, ensure_ascii=False))
"""


def definitions_for(jurisdiction: str) -> dict:
    env = {**os.environ, "PATENTFLOW_JURISDICTION": jurisdiction}
    done = subprocess.run([sys.executable, "-c", SHOW], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_a_city_report_lists_its_districts_and_carries_the_city_plan() -> None:
    jinan = definitions_for("3701")
    assert jinan["title"] == "济南市专利转化运用专项行动统计报告"
    assert jinan["label"] == "全市" and jinan["subregions"] == "各区县（功能区）"
    assert len(jinan["listed"]) == 13 and "370176" in jinan["listed"]
    assert jinan["targets"] == ["CON-02", "FIN-04", "UNI-03"]


def test_a_province_report_lists_its_16_cities_and_carries_the_province_plan() -> None:
    shandong = definitions_for("37")
    assert shandong["title"] == "山东省专利转化运用专项行动统计报告"
    assert shandong["label"] == "全省" and shandong["subregions"] == "各市"
    assert len(shandong["listed"]) == 16 and {"3701", "3702"} <= set(shandong["listed"])
    assert shandong["targets"] == ["CON-01", "PIP-02"]


def test_another_city_has_no_targets_unless_configured() -> None:
    qingdao = definitions_for("3702")
    assert qingdao["title"].startswith("青岛市") and qingdao["targets"] == []
    assert "370202" in qingdao["listed"]
