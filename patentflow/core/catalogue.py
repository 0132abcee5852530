"""The project's vocabulary as data, in one place: sources, entities, quarantine reason codes and
quality-check rules, each with the Chinese label the statistical report prints.

Ingestion writes the codes (``audit.quarantine.reason_code``), the gate names its checks, the
report and the console read the labels here; nothing else spells them out. A reason code is a
stable identifier (renaming one breaks the audit marts); adding one means adding a row here,
which a test checks against every code the ingestion code can write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """One quarantine reason: what the log says (English), what the report says (Chinese), and
    whether it rejects a delivered file as a whole (one quarantine row for the whole file)."""

    en: str
    zh: str
    file_level: bool = False


REASONS: dict[str, Reason] = {
    "missing_required": Reason("a required field is missing or empty", "必填字段缺失或为空"),
    "invalid_type": Reason("a field has the wrong JSON type (e.g. an object where a string "
                           "belongs)", "字段类型不符"),
    "malformed_record": Reason("the record is not a JSON object", "记录不是JSON对象"),
    "invalid_text": Reason("a string holds a lone UTF-16 surrogate escape (not Unicode text)",
                           "文本含无效字符（孤立的UTF-16代理项）"),
    "invalid_application_no": Reason("not a CNIPA application number (shape or type digit)",
                                     "专利申请号格式不符"),
    "bad_check_digit": Reason("the application number's check digit does not match",
                              "专利申请号校验位错误"),
    "invalid_date": Reason("not a valid YYYY-MM-DD date", "日期无效"),
    "invalid_timestamp": Reason("not an ISO 8601 timestamp with offset",
                                "时间戳无效（须为带时区的ISO 8601格式）"),
    "invalid_number": Reason("not a number, or outside the range of the column",
                             "数值无效或超出范围"),
    "negative_amount": Reason("a money amount below zero", "金额为负数"),
    "negative_count": Reason("a count or integer below zero", "数量为负数"),
    "invalid_boolean": Reason("not true/false", "是否值无效"),
    "invalid_enum": Reason("a value outside the contract's enumeration", "取值不在约定的代码表内"),
    "unknown_chain": Reason("an industry chain not in the reference chain list",
                            "产业链不在参考产业链目录内"),
    "invalid_region_code": Reason("not a 6-digit region code (or 境外 where allowed)",
                                  "行政区划代码无效"),
    "invalid_uscc": Reason("not an 18-character USCC of [0-9A-HJ-NPQRTUWXY]",
                           "统一社会信用代码格式不符"),
    "tech_amount_exceeds_turnover": Reason("技术交易额 above 成交额", "技术交易额大于成交额"),
    "malformed_row": Reason("a CSV row whose field count differs from the header",
                            "行的字段数与表头不一致"),
    "truncated_file": Reason("the last row of a file that ends mid-character (cut off)",
                             "文件末行被截断"),
    "missing_columns": Reason("file-level: required header columns are absent",
                              "文件缺少必需的列", file_level=True),
    "undecodable_encoding": Reason("file-level: neither UTF-8 (with/without BOM) nor "
                                   "GBK/GB18030", "文件编码无法识别（非UTF-8或GBK/GB18030）",
                                   file_level=True),
    "unreadable_file": Reason("file-level: the file cannot be parsed (corrupt XLSX, bad CSV "
                              "quoting)", "文件无法解析（XLSX损坏或CSV格式错误）",
                              file_level=True),
    "empty_file": Reason("file-level: a zero-byte file (not even a header)", "空文件",
                         file_level=True),
    "file_too_large": Reason("file-level: above the size or (XLSX) expansion bound",
                             "文件超过大小上限", file_level=True),
    "unsafe_file_name": Reason("file-level: path traversal, absolute path, symlink or "
                               "non-regular file", "文件名不安全（路径穿越、符号链接等）",
                               file_level=True),
    "unexpected_file_name": Reason("file-level: name does not match the drop's contract "
                                   "patterns", "文件名不符合约定格式", file_level=True),
    "file_modified": Reason("file-level: a file already ingested re-delivered with other "
                            "content", "已接收的文件以不同内容重新交付", file_level=True),
}

FILE_LEVEL_REASONS = frozenset(code for code, reason in REASONS.items() if reason.file_level)

SOURCES: dict[str, str] = {
    "patent_api": "专利数据服务",
    "finance_api": "知识产权金融服务",
    "tech_contract_drop": "技术合同文件",
    "tech_contracts": "技术合同文件",
    "reference_drop": "参考数据文件",
    "reference": "参考数据文件",
    "vendor_patent_export": "供应商专利导出",
}

ENTITIES: dict[str, str] = {
    "patents": "专利著录信息",
    "legal_events": "专利法律事件",
    "pledges": "专利质押登记",
    "insurance_policies": "知识产权保险保单",
    "roadshows": "专利转化路演",
    "tech_contracts": "技术合同",
    "organizations": "机构名录",
    "population": "常住人口",
    "inventory_returns": "存量专利盘点回执",
    "intensive_products": "专利密集型产品",
    "reference": "参考数据",
}

# The kinds of record a published value is made of (``record_kind`` of the contributions).
RECORD_KINDS: dict[str, str] = {
    "patent": "专利著录信息",
    "legal_event": "专利法律事件",
    "contract": "技术合同",
    "pledge": "专利质押登记",
    "policy": "知识产权保险保单",
    "roadshow": "专利转化路演",
    "product": "专利密集型产品",
    "inventory_return": "存量专利盘点回执",
    "population": "常住人口",
}

# Quality-check rules, by the part of a check name after the suite ("<suite>:<rule>.<column>").
CHECK_RULES: dict[str, str] = {
    "schema": "表结构符合约定",
    "column_types": "列类型符合约定",
    "not_null": "不得为空",
    "not_empty": "表不得为空",
    "value_set": "取值在约定范围内",
    "key_unique": "主键唯一",
    "batch_unique": "批次唯一",
    "non_negative": "不得为负数",
    "source_known": "数据来源已登记",
    "period_end_after_start": "期间终止日不早于起始日",
    "delivered_equals_loaded_quarantined_superseded": "交付数＝入库数＋隔离数＋被替代数",
    "quarantine_rate_below_threshold": "批次隔离率低于阈值",
    "quarantine_rate": "批次隔离率超过预警线",
    "loaded_matches_raw": "入库数与原始层一致",
    "quarantined_matches_quarantine": "隔离数与隔离表一致",
    "jump": "行数较上一版本跃增",
    "drop": "行数较上一版本骤减",
    "run_results_missing": "缺少dbt运行结果",
    "district_coverage": "各区县齐全",
    "district_sums": "区县合计不超过全市",
}
DBT_TEST_LABEL = "dbt数据测试"

TABLES: dict[str, str] = {
    "marts.indicator_values": "指标值表",
    "marts.indicator_values.amounts": "指标值表（金额类）",
    "marts.indicator_values.rates": "指标值表（比率类）",
    "computed.indicator_values": "指标值表",
    "audit.reconciliation": "批次对账表",
    "computed.reconciliation": "批次对账表",
    "audit.quarantine": "隔离记录表",
    "computed.row_counts": "各表行数",
}


def table_label(table: str) -> str:
    """``raw.patents`` → 原始层专利; a published table → its Chinese name."""
    if table.startswith("raw."):
        return f"原始层{entity_label(table.removeprefix('raw.'))}"
    return TABLES.get(table, table)


def reason_label(code: str) -> str:
    """The Chinese label of a reason code; an unregistered code says so rather than pass
    English (or nothing) into a Chinese report."""
    reason = REASONS.get(code)
    return reason.zh if reason else f"未登记的原因（{code}）"


def source_label(source: str) -> str:
    return SOURCES.get(source, f"未登记的来源（{source}）")


def record_kind_label(kind: str) -> str:
    return RECORD_KINDS.get(kind, f"未登记的记录类型（{kind}）")


def entity_label(entity: str) -> str:
    return ENTITIES.get(entity, f"未登记的数据实体（{entity}）")


def check_label(name: str) -> str:
    """A Chinese description of a gate check from its name: the object it looks at (a table, a
    dbt test), then the rule (``marts.indicator_values:not_null.value`` → ``marts.indicator_values
    的 value 不得为空``)."""
    if name.startswith("dbt:"):
        return f"{DBT_TEST_LABEL} {name.split('.')[-1]}"
    target, _, rule = name.partition(":")
    if not rule:
        return name
    head, _, column = rule.partition(".")
    label = CHECK_RULES.get(head)
    where = table_label(re.sub(r"^row_count\.", "", target))
    if label is None:
        return f"{where}：检查 {rule}"
    return f"{where}：{column} {label}" if column else f"{where}：{label}"
