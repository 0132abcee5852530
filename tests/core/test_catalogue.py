"""The vocabulary in one place: every reason code, entity and source the pipeline writes has the
Chinese label the report prints, and check names turn into Chinese descriptions."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from patentflow.core import catalogue
from patentflow.ingest.raw_schema import RAW_TABLES
from tests.support.paths import REPO

CJK = re.compile(r"[\u4e00-\u9fff]")


def _codes_written_by_ingestion() -> set[str]:
    """Reason codes as literals in the ingestion code: FileRejected("code", ...),
    Refusal(name, "code", ...), reason_code="code" and the validators' returned codes."""
    codes: set[str] = set()
    for path in (REPO / "patentflow" / "ingest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if name == "FileRejected" and args:
                    codes.add(args[0])
                if name == "Refusal" and len(node.args) > 1 \
                        and isinstance(node.args[1], ast.Constant):
                    codes.add(node.args[1].value)
                codes |= {k.value.value for k in node.keywords
                          if k.arg == "reason_code" and isinstance(k.value, ast.Constant)}
    return {code for code in codes if isinstance(code, str)}


def test_every_reason_code_the_ingestion_writes_has_a_chinese_label() -> None:
    written = _codes_written_by_ingestion()
    assert {"undecodable_encoding", "unsafe_file_name", "file_too_large"} <= written
    assert written - set(catalogue.REASONS) == set()
    for code, reason in catalogue.REASONS.items():
        assert CJK.search(reason.zh) and reason.en, code
        assert reason.file_level == reason.en.startswith("file-level:"), code


def test_every_entity_and_source_has_a_chinese_label() -> None:
    assert set(RAW_TABLES) <= set(catalogue.ENTITIES)
    suite = json.loads(Path(REPO / "expectations" / "suites" / "audit.reconciliation.json")
                       .read_text(encoding="utf-8"))
    [known] = [e["kwargs"]["value_set"] for e in suite["expectations"]
               if e["meta"]["check"] == "source_known"]
    assert set(known) <= set(catalogue.SOURCES)
    assert all(CJK.search(label) for label in [*catalogue.ENTITIES.values(),
                                               *catalogue.SOURCES.values()])


def test_unknown_names_say_so_in_chinese_instead_of_passing_english_through() -> None:
    assert catalogue.reason_label("brand_new_code") == "未登记的原因（brand_new_code）"
    assert catalogue.entity_label("widgets") == "未登记的数据实体（widgets）"


def test_check_names_become_chinese_descriptions() -> None:
    assert catalogue.check_label("row_count.marts.indicator_values:jump") == \
        "指标值表：行数较上一版本跃增"
    assert catalogue.check_label("raw.patents:not_null.application_no") == \
        "原始层专利著录信息：application_no 不得为空"
    assert catalogue.check_label("dbt:test.patentflow.recent_rows") == "dbt数据测试 recent_rows"


def test_every_kind_of_contributing_record_has_a_chinese_label() -> None:
    """The kinds of record a published value is made of are labelled for the verification
    sheets (tests/e2e/test_pipeline.py checks every kind a release holds); an unknown kind says
    so."""
    assert {"patent", "legal_event", "contract", "pledge", "policy", "roadshow", "product",
            "inventory_return"} <= set(catalogue.RECORD_KINDS)
    assert all(CJK.search(label) for label in catalogue.RECORD_KINDS.values())
    assert catalogue.record_kind_label("licence") == "未登记的记录类型（licence）"
