"""Fixed vocabularies that make synthetic data look like Jinan's.

Kept apart from the generation logic so that a reviewer can check the real-world facts (district
codes, institutions, enumerations of the contract) in one place.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

# The project's own copies of the shared reference data (the dbt seeds, identical to
# ../shared/reference), so the sandbox runs without ../shared.
REFERENCE_DIR = Path(
    os.environ.get("PATENTFLOW_REFERENCE_DIR")
    or Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
)

JINAN_DISTRICTS: tuple[str, ...] = (
    "370102", "370103", "370104", "370105", "370112", "370113", "370114",
    "370115", "370116", "370117", "370124", "370126", "370176",
)
# Weights roughly follow where patents are filed (历下, 高新区 and 历城 dominate).
JINAN_DISTRICT_WEIGHTS: tuple[float, ...] = (
    18, 9, 6, 6, 14, 5, 6, 3, 4, 2, 1.5, 1.5, 24,
)
# 3701xx codes outside the 13 (retired or special codes): count for the city total only.
JINAN_OTHER_CODES: tuple[str, ...] = ("370181", "370125", "370100")
OTHER_PROVINCE_CODES: tuple[str, ...] = (
    "370202", "370211", "370303", "370602", "370705", "110108", "310115",
    "440305", "320506", "330106", "420111", "510107",
)
FOREIGN_COUNTRIES: tuple[str, ...] = ("US", "DE", "JP", "KR", "GB", "FR", "SG", "CH")

# (name, party_type, region_code) of real Jinan universities and research institutes.
JINAN_UNIV_INST: tuple[tuple[str, str, str], ...] = (
    ("山东大学", "university", "370102"),
    ("山东师范大学", "university", "370102"),
    ("济南大学", "university", "370103"),
    ("齐鲁工业大学(山东省科学院)", "university", "370113"),
    ("山东建筑大学", "university", "370112"),
    ("山东财经大学", "university", "370103"),
    ("山东中医药大学", "university", "370113"),
    ("山东第一医科大学(山东省医学科学院)", "university", "370113"),
    ("山东交通学院", "university", "370105"),
    ("山东政法学院", "university", "370112"),
    ("齐鲁师范学院", "university", "370112"),
    ("山东管理学院", "university", "370113"),
    ("山东省农业科学院", "research_institute", "370112"),
    ("中国科学院济南人工智能创新研究院", "research_institute", "370176"),
    ("济南中科核技术研究院", "research_institute", "370176"),
    ("山东省计算中心(国家超级计算济南中心)", "research_institute", "370176"),
    ("山东省分析测试中心", "research_institute", "370102"),
    ("山东省科学院激光研究所", "research_institute", "370176"),
    ("山东省科学院海洋仪器仪表研究所", "research_institute", "370102"),
    ("山东省环境保护科学研究设计院", "research_institute", "370102"),
    ("济南市农业科学研究院", "research_institute", "370112"),
)
OTHER_UNIV_INST: tuple[tuple[str, str, str], ...] = (
    ("中国海洋大学", "university", "370202"),
    ("青岛科技大学", "university", "370211"),
    ("山东理工大学", "university", "370303"),
    ("清华大学", "university", "110108"),
    ("浙江大学", "university", "330106"),
    ("中国科学院青岛生物能源与过程研究所", "research_institute", "370211"),
)
FOREIGN_ORGS: tuple[tuple[str, str], ...] = (
    ("Siemens Aktiengesellschaft", "DE"),
    ("International Business Machines Corporation", "US"),
    ("Samsung Electronics Co., Ltd.", "KR"),
    ("Panasonic Holdings Corporation", "JP"),
    ("Oxford University Innovation Limited", "GB"),
    ("Agency for Science, Technology and Research", "SG"),
    ("Bosch Rexroth AG", "DE"),
    ("Medtronic, Inc.", "US"),
)
GOVERNMENT_ORGS: tuple[tuple[str, str], ...] = (
    ("济南市市政工程设计研究院(集团)有限责任公司", "370103"),
    ("济南市城乡水务局", "370102"),
    ("济南市园林和林业绿化局", "370103"),
)

CITY_PREFIXES = ("济南", "山东", "济南", "山东省", "济南高新区")
BRAND_SYLLABLES = (
    "泉", "鲁", "齐", "华", "浪", "潮", "舜", "历", "明", "海", "恒", "信", "中", "科", "联",
    "创", "智", "瑞", "博", "通", "天", "泰", "宏", "远", "凯", "新", "源", "盛", "达", "力",
    "金", "安", "兴", "晟", "宇", "航", "正", "和", "诚", "嘉", "德", "昊", "睿", "晨", "卓",
)
INDUSTRY_WORDS = (
    "信息技术", "软件", "智能科技", "生物科技", "医药", "医疗器械", "新材料", "机械", "重工",
    "电子", "能源科技", "环保科技", "数据科技", "自动化", "精密仪器", "农业科技", "化工",
    "半导体", "通信技术", "光电", "汽车零部件", "检测技术", "云计算", "量子科技", "激光",
)
COMPANY_SUFFIXES = ("有限公司", "股份有限公司", "集团有限公司", "科技有限公司")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红鹏飞宇浩然欣怡子涵晨"

TITLE_SUBJECTS = {
    "big_data_ngit": ("数据处理", "图像识别", "文本分类", "分布式存储", "网络通信", "边缘计算",
                      "语音识别", "区块链存证", "服务器散热", "芯片封装"),
    "biomedicine": ("中药组合物", "抗肿瘤化合物", "医用导管", "检测试剂盒", "疫苗佐剂",
                    "骨科植入物", "基因检测", "药物缓释"),
    "smart_manufacturing": ("工业机器人", "数控机床", "焊接工装", "物料输送", "减速器",
                            "视觉定位", "增材制造", "自动装配"),
    "future_industries": ("量子密钥分发", "无人机", "氢燃料电池", "储能电池", "卫星通信",
                          "核聚变装置"),
    "other": ("建筑模板", "农用播种", "污水处理", "节能换热", "汽车座椅", "钢结构连接",
              "路面养护", "包装容器", "家具连接件"),
}
TITLE_PATTERNS = ("一种{x}方法", "一种{x}装置", "一种基于深度学习的{x}方法", "{x}系统及方法",
                  "一种{x}用组件", "一种高效{x}设备", "一种{x}及其制备方法")
DESIGN_TITLES = ("包装盒", "灯具", "控制面板", "座椅", "水杯", "显示屏图形用户界面", "机器人外壳")
LOCARNO_CLASSES = ("09-03", "26-05", "14-04", "06-01", "07-01", "11-02", "13-03", "15-99")

# Main IPC subclasses that the map does not know (chain "other", no SEI).
UNMATCHED_IPC = (
    "A01B", "A01G", "A47J", "B01J", "B08B", "B60R", "C10G", "E01C", "E04B", "E04G", "F16K",
    "F24D", "G01N", "G08G", "H02K", "H01R", "B65D", "A23L", "G01R", "G09B",
)
IPC_GROUPS = ("1/00", "3/02", "5/10", "7/00", "9/455", "13/10", "17/30", "21/00", "27/00",
              "30/20", "33/00", "40/289", "11/08", "16/25", "3/08")

EVENT_CODES = ("GR01", "TR01", "EE01", "EC01", "PE01", "PC01", "CF01", "CX01", "AV01",
               "IW01", "RR01", "OL01", "OL02", "OL03")
CONTRACT_CATEGORIES = ("技术开发", "技术转让", "技术许可", "技术咨询", "技术服务")
SELLER_TYPE_BY_PARTY = {
    "enterprise": "企业", "university": "高等院校", "research_institute": "科研机构",
    "government": "其他", "individual": "其他", "other": "其他",
}
IP_TYPES = ("专利", "技术秘密", "计算机软件著作权", "集成电路布图设计", "植物新品种",
            "生物医药新品种", "其他")
TECH_FIELDS = ("电子信息", "先进制造", "生物医药和医疗器械", "新材料及其应用",
               "新能源与高效节能", "现代交通", "城市建设与社会发展", "农业",
               "环境保护与资源综合利用", "航空航天", "核应用")
CONTRACT_HEADERS = (
    "合同登记号", "合同名称", "合同类别", "登记日期", "卖方名称", "卖方统一社会信用代码",
    "卖方类型", "卖方所在地", "买方名称", "买方统一社会信用代码", "买方所在地", "成交额(万元)",
    "技术交易额(万元)", "知识产权类型", "涉及专利", "技术领域", "状态",
)
EXTRA_CONTRACT_HEADERS = ("备注", "经办人", "登记机构")
BANKS = (
    ("齐鲁银行股份有限公司", "bank"), ("济南农村商业银行股份有限公司", "bank"),
    ("中国工商银行股份有限公司济南分行", "bank"), ("中国银行股份有限公司山东省分行", "bank"),
    ("交通银行股份有限公司山东省分行", "bank"), ("兴业银行股份有限公司济南分行", "bank"),
    ("恒丰银行股份有限公司济南分行", "bank"), ("招商银行股份有限公司济南分行", "bank"),
    ("济南市中小企业融资担保有限公司", "guarantor"), ("山东省投融资担保集团有限公司", "guarantor"),
    ("济南科技金融服务中心", "other"),
)
INSURANCE_TYPES = ("patent_enforcement", "infringement_liability", "pledge_guarantee",
                   "transformation", "overseas", "other")
AWARDS = ("china_patent_award_gold", "china_patent_award_silver",
          "china_patent_award_excellence", "national_sci_tech_award")
PRODUCT_WORDS = ("智能", "高端", "新型", "高性能", "绿色")
PRODUCT_NOUNS = ("服务器", "工业机器人", "医用敷料", "锂电池隔膜", "数控系统", "检测仪器",
                 "生物制剂", "传感器", "重型卡车变速器", "光纤激光器")


def load_ipc_prefixes() -> list[tuple[str, str]]:
    """(prefix, chain) rows of the shared IPC map; every prefix must occur in generated data."""
    with (REFERENCE_DIR / "ipc_industry_map.csv").open(encoding="utf-8") as handle:
        return [(row["ipc_prefix"], row["industry_chain"] or "other")
                for row in csv.DictReader(handle)]


def load_chains() -> list[str]:
    """Chain codes of the shared chain list (``other`` included)."""
    with (REFERENCE_DIR / "industry_chains.csv").open(encoding="utf-8") as handle:
        return [row["industry_chain"] for row in csv.DictReader(handle)]


def category_valid_from() -> dict[str, date]:
    """合同类别 -> first registration date it may carry, for the versioned ones of the seed."""
    with (REFERENCE_DIR / "contract_types.csv").open(encoding="utf-8") as handle:
        return {row["contract_category"]: date.fromisoformat(row["valid_from"])
                for row in csv.DictReader(handle) if row["valid_from"]}


# The cities of Shandong with what sizes the sandbox's volume by city when it generates for the
# province: (city code, GDP 2023 in 亿元, resident population at the 2020 census). GDP: the
# cities' 2023 statistical communiqués (山东省各市2023年国民经济和社会发展统计公报), rounded;
# population: 山东省第七次全国人口普查公报 (2021). GDP is the weight of a city's parties, patents,
# contracts and pledges (Qingdao and Jinan the largest, as in the province's patent statistics,
# though patents concentrate in the two more than output does); the census figure is the base of
# the city's population rows.
SHANDONG_CITIES: tuple[tuple[str, int, int], ...] = (
    ("3701", 12757, 9_202_432), ("3702", 15760, 10_071_722), ("3703", 4562, 4_704_138),
    ("3704", 2188, 3_855_601), ("3705", 3700, 2_193_518), ("3706", 10162, 7_102_116),
    ("3707", 7606, 9_386_705), ("3708", 5516, 8_357_897), ("3709", 3390, 5_472_217),
    ("3710", 3408, 2_906_548), ("3711", 2437, 2_968_365), ("3713", 6105, 11_018_365),
    ("3714", 3663, 5_611_194), ("3715", 2851, 5_952_128), ("3716", 3032, 3_928_568),
    ("3717", 4465, 8_795_939),
)
# Universities of the other Shandong cities (name, party_type, region_code), beside the Jinan
# ones above and the Qingdao / Zibo ones in OTHER_UNIV_INST.
SHANDONG_UNIV_INST: tuple[tuple[str, str, str], ...] = (
    ("青岛大学", "university", "370202"),
    ("中国石油大学(华东)", "university", "370211"),
    ("枣庄学院", "university", "370402"),
    ("中国石油大学胜利学院", "university", "370502"),
    ("烟台大学", "university", "370613"),
    ("鲁东大学", "university", "370602"),
    ("潍坊学院", "university", "370702"),
    ("曲阜师范大学", "university", "370881"),
    ("山东农业大学", "university", "370902"),
    ("哈尔滨工业大学(威海)", "university", "371002"),
    ("山东外国语职业技术大学", "university", "371102"),
    ("临沂大学", "university", "371302"),
    ("德州学院", "university", "371402"),
    ("聊城大学", "university", "371502"),
    ("滨州学院", "university", "371602"),
    ("菏泽学院", "university", "371702"),
)
# Weight of a county-level region within its city by kind, for cities other than Jinan (whose
# districts have the weights above): the urban districts hold most firms.
KIND_WEIGHTS = {"district": 2.0, "county_city": 1.0, "county": 0.6, "functional_zone": 2.0}


def load_regions() -> list[dict[str, str]]:
    """Rows of the region hierarchy seed (region_code, name_zh, kind, parent_code)."""
    with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
