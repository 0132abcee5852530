"""Reference data of the report, kept as data in one place so statisticians can review the wording.

Short Chinese names and definitions of the 33 indicators (condensed from ``indicators.md``; the
footnotes of every section quote them), the plan's targets, the reporting regions and the four key
industry chains. Nothing here reads the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Indicator:
    """One action-plan indicator as the report presents it."""

    id: str
    name: str
    definition: str
    kind: str  # "flow" (counted in a period), "stock" (a state on D) or "rate" (a percentage on D)
    additive: bool = True  # flows only: may month values be summed into a year-to-date value
    short: str = ""  # the column header where many indicators stand side by side (≤ 7 characters)

    @property
    def header(self) -> str:
        return self.short or self.name


INDICATORS: dict[str, Indicator] = {i.id: i for i in [
    Indicator("PAT-01", "有效发明专利拥有量",
              "期末有效、第一权利人为济南主体的发明专利件数。",
              "stock", short="有效发明专利"),
    Indicator("PAT-02", "高价值发明专利拥有量",
              "PAT-01中满足战略性新兴产业、海外同族、维持超10年、质押融资≥1000万元或获奖任一条件的专利件数。",
              "stock", short="高价值发明专利"),
    Indicator("PAT-03", "每万人口高价值发明专利拥有量",
              "PAT-02除以常住人口（万人）。",
              "stock", short="万人高价值专利"),
    Indicator("PAT-04", "在济产业化的高价值专利",
              "PAT-02中已与济南主体发生转让、许可、合同、质押或产品转化的专利件数。",
              "stock", short="在济产业化专利"),
    Indicator("TRN-01", "专利转让次数",
              "期内转出方为济南主体的专利转让（TR01）次数。",
              "flow", short="专利转让"),
    Indicator("TRN-02", "专利许可备案次数",
              "期内许可方为济南主体的专利许可备案（EE01）次数。",
              "flow", short="专利许可备案"),
    Indicator("TRN-03", "外地专利在济转化",
              "期内外地转让或许可给济南主体的次数。",
              "flow", short="外地专利转化"),
    Indicator("TRD-01", "专利输出境外",
              "期内济南主体向境外转让或许可专利的次数。",
              "flow"),
    Indicator("TRD-02", "境外专利引进",
              "期内济南主体从境外受让或获许可专利的次数。",
              "flow"),
    Indicator("CON-01", "涉专利技术合同成交额",
              "期内登记、有效、知识产权类型含专利、卖方在济南的技术合同成交额。",
              "flow", short="涉专利合同额"),
    Indicator("CON-02", "涉专利技术合同成交额累计增长",
              "100×(当年CON-01÷基准年2023年CON-01−1)；未满年按年初至今计。",
              "rate"),
    Indicator("CON-03", "技术合同成交额",
              "期内登记、有效、卖方在济南的技术合同成交额。",
              "flow", short="技术合同额"),
    Indicator("CON-04", "技术交易额",
              "CON-03同口径合同的技术交易额。",
              "flow"),
    Indicator("CON-05", "高校院所技术合同成交额",
              "CON-03中卖方为高等院校或科研机构的成交额。",
              "flow"),
    Indicator("CON-06", "涉专利技术合同数",
              "CON-01口径的合同项数。",
              "flow"),
    Indicator("UNI-01", "高校院所专利转化运用率",
              "济南高校院所有效发明专利中已发生转化运用的比例（%）。",
              "rate"),
    Indicator("UNI-02", "高校院所专利产业化率",
              "已盘点专利中自报已产业化的比例（%）。",
              "rate"),
    Indicator("UNI-03", "存量专利盘点覆盖率",
              "济南高校院所有效专利中已提交盘点回执的比例（%）。",
              "rate"),
    Indicator("UNI-04", "开放许可声明专利数",
              "期末处于开放许可声明（OL01且未撤回）的高校院所专利件数。",
              "stock"),
    Indicator("UNI-05", "开放许可实施次数",
              "期内高校院所专利开放许可实施（OL03）次数。",
              "flow", short="开放许可实施"),
    Indicator("UNI-06", "财政资助五年未实施专利",
              "财政资助、授权满5年且尚未转化的有效专利件数。",
              "stock"),
    Indicator("PIP-01", "专利密集型产品认定数",
              "当年认定的济南专利密集型产品项数。",
              "flow"),
    Indicator("PIP-02", "专利密集型产品产值",
              "PIP-01产品的产值合计。",
              "flow"),
    Indicator("PIP-03", "专利密集型产品备案数",
              "当年备案（含已认定）的专利密集型产品项数。",
              "flow"),
    Indicator("FIN-01", "知识产权质押融资额",
              "期内登记、未注销、出质人在济南的质押贷款金额。",
              "flow", short="质押融资额"),
    Indicator("FIN-02", "质押融资笔数",
              "FIN-01口径的质押笔数。",
              "flow"),
    Indicator("FIN-03", "质押融资惠及企业数",
              "FIN-01口径的出质企业数（按信用代码去重，不可逐月相加）。",
              "flow", additive=False),
    Indicator("FIN-04", "质押融资累计额",
              "2024年1月1日至期末登记的质押贷款累计金额。",
              "stock"),
    Indicator("FIN-05", "普惠质押占比",
              "FIN-01中单笔贷款低于1000万元的笔数占比（%）。",
              "rate"),
    Indicator("FIN-06", "知识产权保险保单数",
              "期内起保、被保险人在济南的知识产权保险保单件数。",
              "flow"),
    Indicator("FIN-07", "知识产权保险保额",
              "FIN-06保单的保险金额合计。",
              "flow"),
    Indicator("FIN-08", "专利转化路演场次",
              "期内举办的专利转化路演场次（仅全市）。",
              "flow", short="转化路演"),
    Indicator("FIN-09", "路演签约额",
              "FIN-08路演的签约金额合计（仅全市）。",
              "flow"),
]}

FLOW_INDICATORS = ["TRN-01", "TRN-02", "TRN-03", "TRD-01", "TRD-02",
                   "CON-01", "CON-03", "CON-04", "CON-05", "CON-06"]
STOCK_INDICATORS = ["PAT-01", "PAT-02", "PAT-03", "PAT-04"]
UNIVERSITY_INDICATORS = ["UNI-01", "UNI-02", "UNI-03", "UNI-04", "UNI-05", "UNI-06"]
FINANCE_INDICATORS = [f"FIN-{n:02d}" for n in range(1, 10)]
YEAR_ONLY = {"CON-02", "UNI-05", "PIP-01", "PIP-02", "PIP-03"}
GROWTH_OF = {"CON-02": "CON-01"}
"""Growth rates over a base year and the flow they grow: a month report recomputes them from
the flow's months up to the report month (the published year row runs to the release's as-of)."""

CITY = "3701"
DISTRICTS: dict[str, str] = {
    "370102": "历下区", "370103": "市中区", "370104": "槐荫区", "370105": "天桥区",
    "370112": "历城区", "370113": "长清区", "370114": "章丘区", "370115": "济阳区",
    "370116": "莱芜区", "370117": "钢城区", "370124": "平阴县", "370126": "商河县",
    "370176": "济南高新技术产业开发区",
}
"""The 13 reporting districts and zones (``../shared/reference/jinan_regions.csv``); names are
read from the release's ``marts.dim_region`` when it has them, these are the fallback."""

CITY_NAME = "济南市"

KEY_CHAINS: dict[str, str] = {
    "biomedicine": "生物医药",
    "smart_manufacturing": "智能制造",
    "big_data_ngit": "大数据与新一代信息技术",
    "future_industries": "未来产业",
}

DISTRICT_COLUMNS = ["PAT-01", "PAT-02", "PAT-03", "TRN-01", "TRN-02", "CON-01", "CON-03", "FIN-01"]
CHAIN_COLUMNS = ["PAT-01", "PAT-02", "PAT-04", "TRN-01", "TRN-02", "TRN-03", "UNI-05", "FIN-08"]

PERIOD_TYPES = {"year": "年", "quarter": "季度", "month": "月"}

BREAKDOWN_DIMENSIONS = {
    "industry_chain": "产业链", "party_type": "主体类型", "owner_uscc": "权利人",
    "criterion": "高价值条件", "contract_type": "合同类别",
}
BREAKDOWN_VALUES: dict[str, dict[str, str]] = {
    "industry_chain": {**KEY_CHAINS, "other": "其他"},
    "party_type": {"enterprise": "企业", "university": "高等院校",
                   "research_institute": "科研机构", "government": "机关", "individual": "个人",
                   "other": "其他"},
    "criterion": {"sei": "战略性新兴产业", "family": "海外同族", "age": "维持超10年",
                  "pledge": "质押融资≥1000万元", "award": "获奖"},
}


def breakdown_label(breakdown: str) -> str:
    """``all`` → 合计; ``party_type=university`` → 主体类型：高等院校 (codes such as a USCC or
    a value already in Chinese are shown as they are)."""
    if breakdown == "all":
        return "合计"
    dimension, _, value = breakdown.partition("=")
    label = BREAKDOWN_VALUES.get(dimension, {}).get(value, value)
    return f"{BREAKDOWN_DIMENSIONS.get(dimension, dimension)}：{label}"


@dataclass(frozen=True)
class Target:
    """A goal the plan sets for the city total.

    ``start`` is when progress towards the goal starts counting, so a future deadline can be
    judged against pro-rata (linear) progress; ``basis`` says what the progress share is:
    ``value`` (value ÷ target) or ``growth`` (numerator ÷ (denominator × (1 + target/100)), i.e.
    the share of the turnover the growth target needs).
    """

    indicator_id: str
    label: str
    comparison: str  # ">=" or "="
    value: float
    deadline: date
    start: date
    basis: str = "value"


TARGETS: list[Target] = [
    Target("CON-02", "2025年涉专利技术合同成交额较2023年增长30%以上", ">=", 30.0,
           date(2025, 12, 31), date(2025, 1, 1), basis="growth"),
    Target("UNI-03", "2024年底高校院所存量专利盘点全覆盖", "=", 100.0,
           date(2024, 12, 31), date(2024, 7, 1)),
    Target("FIN-04", "2025年底知识产权质押融资累计达百亿元", ">=", 1_000_000.0,
           date(2025, 12, 31), date(2024, 1, 1)),
]

STATUS_MET = "达标"
STATUS_ON_TRACK = "进度正常"
STATUS_BEHIND = "落后"
STATUS_NO_DATA = "无数据"
STATUS_NOT_STARTED = "未开始"  # the report period ends before the target starts counting
