"""What the report shows where: the indicators of each section, status labels, and the reference
data it presents (names, definitions, targets, regions, chains) taken from the seeds through
:mod:`patentflow.core.reference`, so that statisticians review the wording in one place
(``dbt_project/seeds/``). Nothing here reads the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

from patentflow.core import reference


@dataclass(frozen=True)
class Indicator:
    """One action-plan indicator as the report presents it (from the indicator catalogue)."""

    id: str
    name: str
    definition: str
    kind: str  # "flow" (counted in a period), "stock" (a state on D) or "rate" (a percentage on D)
    additive: bool = True  # flows only: may month values be summed into a year-to-date value
    short: str = ""  # the column header where many indicators stand side by side (≤ 7 characters)

    @property
    def header(self) -> str:
        return self.short or self.name


INDICATORS: dict[str, Indicator] = {
    i.id: Indicator(i.id, i.name_zh, i.definition_zh, i.kind,
                    additive=i.value_method != "distinct_count", short=i.short_name_zh)
    for i in reference.indicators().values()
}
YEAR_ONLY = {i.id for i in reference.indicators().values() if i.year_only}

FLOW_INDICATORS = ["TRN-01", "TRN-02", "TRN-03", "TRD-01", "TRD-02",
                   "CON-01", "CON-03", "CON-04", "CON-05", "CON-06"]
STOCK_INDICATORS = ["PAT-01", "PAT-02", "PAT-03", "PAT-04"]
UNIVERSITY_INDICATORS = ["UNI-01", "UNI-02", "UNI-03", "UNI-04", "UNI-05", "UNI-06"]
FINANCE_INDICATORS = [f"FIN-{n:02d}" for n in range(1, 10)]
GROWTH_OF = {"CON-02": "CON-01"}
"""Growth rates over a base year and the flow they grow: a month report recomputes them from
the flow's months up to the report month (the published year row runs to the release's as-of)."""

_JURISDICTION = reference.jurisdiction_region()  # PATENTFLOW_JURISDICTION, default Jinan
CITY = _JURISDICTION.code
"""The reported total: the jurisdiction (the city for Jinan, the province for Shandong)."""
CITY_NAME = _JURISDICTION.name_zh
DISTRICTS: dict[str, str] = {region.code: region.name_zh
                             for region in reference.children(CITY)}
"""The regions one level below the total the report lists (a city's districts and zones, a
province's cities); names are read from the release's ``marts.dim_region`` when it has them,
these are the fallback."""
TOTAL_LABEL = {2: "全省", 4: "全市"}.get(len(CITY), "全区")
SUBREGION_UNIT = "市" if len(CITY) == 2 else "区县"
SUBREGIONS = "各市" if len(CITY) == 2 else "各区县（功能区）"
TITLE = f"{CITY_NAME}专利转化运用专项行动统计报告"

KEY_CHAINS: dict[str, str] = {code: name for code, name in reference.industry_chains().items()
                              if code != "other"}

DISTRICT_COLUMNS = ["PAT-01", "PAT-02", "PAT-03", "TRN-01", "TRN-02", "CON-01", "CON-03", "FIN-01"]
VERIFICATION_INDICATORS = ["CON-01", "PAT-01", "PAT-02", "FIN-01", "UNI-03"]
"""The headline figures each region's verification sheet (核查清单) lists record by record."""
CHAIN_COLUMNS = ["PAT-01", "PAT-02", "PAT-04", "TRN-01", "TRN-02", "TRN-03", "UNI-05", "FIN-08"]

PERIOD_TYPES = {"year": "年", "quarter": "季度", "month": "月"}

BREAKDOWN_DIMENSIONS = {
    "industry_chain": "产业链", "party_type": "主体类型", "owner_uscc": "权利人",
    "criterion": "高价值条件", "contract_type": "合同类别",
}
BREAKDOWN_VALUES: dict[str, dict[str, str]] = {
    "industry_chain": dict(reference.industry_chains()),
    "party_type": dict(reference.party_types()),
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


Target = reference.Target
TARGETS: list[Target] = list(reference.targets_for(CITY))
"""The goals of the plan in force for the reported total (``indicator_targets.csv``)."""

STATUS_MET = "达标"
STATUS_ON_TRACK = "进度正常"
STATUS_BEHIND = "落后"
STATUS_NO_DATA = "无数据"
STATUS_NOT_STARTED = "未开始"  # the report period ends before the target starts counting
