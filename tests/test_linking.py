"""Each phrasing family of result statements, and the near-misses that must give no row.

Sentences are invented for the tests (real drugs, made-up numbers), one per
phrasing the linking stage claims to handle.
"""
from __future__ import annotations

import pytest

from pipeline import extract

KEY = ["endpoint", "measure", "timepoint_months", "value", "value_high", "qualifier", "unit", "drugs"]


def rows(text: str, columns=KEY) -> list[tuple]:
    frame = extract(text, doc_id="t")["outcomes"]
    return sorted(tuple(str(v) for v in r) for r in frame[columns].fillna("").itertuples(index=False))


def row(endpoint, measure, value, unit="%", drugs="", timepoint="", high="", qualifier=""):
    return (endpoint, measure, timepoint, value, high, qualifier, unit, drugs)


PLAIN = [
    ("一项II期研究中，安罗替尼单药治疗的ORR为25%。", [row("ORR", "rate", "25", drugs="anlotinib")]),
    ("帕博利珠单抗治疗后中位PFS达6.8个月。", [row("PFS", "median", "6.8", "month", "pembrolizumab")]),
    ("多西他赛联合吉西他滨方案取得了接近40%的客观缓解率(ORR)。",
     [row("ORR", "rate", "40", drugs="docetaxel+gemcitabine", qualifier="~")]),
    ("在该研究中，卡瑞利珠单抗组的中位OS尚未达到。",
     [row("OS", "median", "", "month", "camrelizumab", qualifier="NR")]),
    ("接受舒尼替尼治疗的患者整体ORR达到31%，中位OS为20.1个月。",
     [row("ORR", "rate", "31", drugs="sunitinib"), row("OS", "median", "20.1", "month", "sunitinib")]),
    ("伊马替尼治疗组中位PFS为18.9 months。", [row("PFS", "median", "18.9", "month", "imatinib")]),
]

LANDMARK = [
    ("依维莫司治疗的1年总生存(OS)率为52%，2年OS率为30%。",
     [row("OS", "rate", "52", drugs="everolimus", timepoint="12"),
      row("OS", "rate", "30", drugs="everolimus", timepoint="24")]),
    ("瑞戈非尼治疗的6个月PFS率达44%。", [row("PFS", "rate", "44", drugs="regorafenib", timepoint="6")]),
    ("帕唑帕尼治疗的3个月无进展率(PFR)为58%。", [row("PFR", "rate", "58", drugs="pazopanib", timepoint="3")]),
    ("经手术联合化疗，患者的5年生存率可达55%~70%。",
     [row("OS", "rate", "55", drugs="chemotherapy", timepoint="60", high="70")]),
    ("替莫唑胺治疗的24周无进展生存率为39%。",
     [row("PFS", "rate", "39", drugs="temozolomide", timepoint="5.5")]),
]

COMPARISONS = [
    ("研究将患者随机分为试验组(仑伐替尼+帕博利珠单抗)和对照组(多西他赛)。试验组较对照组中位PFS显著延长"
     "(6.6个月 vs 4.2个月,HR=0.55)。",
     [row("PFS", "median", "6.6", "month", "lenvatinib+pembrolizumab"),
      row("PFS", "median", "4.2", "month", "docetaxel"),
      row("PFS", "hr", "0.55", "", "lenvatinib+pembrolizumab")]),
    ("阿替利珠单抗组对比多西他赛组，中位OS为13.8个月 vs. 9.6个月。",
     [row("OS", "median", "13.8", "month", "atezolizumab"), row("OS", "median", "9.6", "month", "docetaxel")]),
]

LISTS = [
    ("奥拉帕利治疗的中位PFS和OS分别为7.0个月和19.3个月。",
     [row("PFS", "median", "7.0", "month", "olaparib"), row("OS", "median", "19.3", "month", "olaparib")]),
    ("吉非替尼组和厄洛替尼组的中位PFS分别为9.2个月和10.4个月。",
     [row("PFS", "median", "9.2", "month", "gefitinib"), row("PFS", "median", "10.4", "month", "erlotinib")]),
    ("研究纳入60例患者，随机分为A组(索拉非尼)和B组(安慰剂)。A组和B组的ORR分别为20%和5%。",
     [row("ORR", "rate", "20", drugs="sorafenib"), row("ORR", "rate", "5", drugs="placebo")]),
    ("中位OS分别为15.1和11.2个月，试验组为伊立替康，对照组为安慰剂。", None),
]

NEGATIVES = [
    "多柔比星75 mg/m²静脉滴注，每3周1次。",
    "患者中位年龄为58岁，纳入81例患者。",
    "软组织肉瘤约占成人恶性肿瘤的1%。",
    "15%~20%的患者初诊时即有肺转移。",
    "12例患者中有7/12获得缓解。",
    "2024年6月，该药获批上市。",
    "安罗替尼已获得指南的I级推荐。",
    "局部复发率为5%，保肢率达到85%。",
]


@pytest.mark.parametrize("text,expected", PLAIN + LANDMARK + COMPARISONS + LISTS[:3])
def test_phrasing_gives_rows(text, expected):
    assert rows(text) == sorted(expected)


@pytest.mark.parametrize("text", NEGATIVES)
def test_near_misses_give_no_row(text):
    assert rows(text) == []


def test_hr_row_carries_comparator_and_statistics():
    text = ("研究随机分为试验组(纳武利尤单抗)和对照组(安慰剂)。试验组较对照组中位OS延长(5.3个月 vs 4.1个月)，"
            "死亡风险比为0.63(95%CI:0.51~0.78; P<0.001)。")
    frame = extract(text)["outcomes"]
    hr = frame[frame.measure == "hr"].iloc[0]
    assert (hr.endpoint, hr.value, hr.drugs, hr.comparator_drugs) == ("OS", "0.63", "nivolumab", "placebo")
    assert (hr.ci_low, hr.ci_high, hr.p_value) == ("0.51", "0.78", "<0.001")


@pytest.mark.parametrize("stats", ["95%CI：0.24~0.46", "95% CI 0.24-0.46", "(95%CI, 0.24-0.46; P<0.001)"])
def test_ci_forms_attach_to_the_hr(stats):
    text = f"卡博替尼组对比舒尼替尼组，中位PFS为8.6个月 vs 5.3个月，HR=0.48，{stats}。"
    frame = extract(text)["outcomes"]
    hr = frame[frame.measure == "hr"].iloc[0]
    assert (hr.ci_low, hr.ci_high) == ("0.24", "0.46")


def test_p_value_goes_to_each_arm_without_hr():
    text = "吉非替尼组和厄洛替尼组的ORR分别为50.0%和60.5%(p=0.03)。"
    frame = extract(text)["outcomes"]
    assert list(frame.p_value) == ["0.03", "0.03"]


def test_full_width_punctuation_is_read_like_half_width():
    half = rows("依维莫司治疗的ORR为12%，中位PFS为4.6个月。")
    full = rows("依维莫司治疗的ＯＲＲ为１２％，中位ＰＦＳ为４.６个月。")
    assert half == full != []


def test_group_label_defined_once_is_resolved_later():
    text = ("该研究随机分为联合治疗组(阿帕替尼+IE方案)和单纯化疗组(IE方案)。\n\n"
            "结果显示，联合治疗组的ORR为40%，单纯化疗组为20%。")
    assert rows(text) == sorted([row("ORR", "rate", "40", drugs="apatinib+etoposide+ifosfamide"),
                                 row("ORR", "rate", "20", drugs="etoposide+ifosfamide")])


def test_citation_attribution_follows_the_schema():
    text = ("背景句子没有数字[1]。瑞戈非尼治疗的ORR为10%。随后的句子[2,3]。\n\n"
            "另一段：索拉非尼治疗的ORR为12%[4]；卡博替尼治疗的ORR为20%。")
    frame = extract(text)["outcomes"].set_index("value")
    assert frame.loc["10", "citation"] == "2;3"
    assert frame.loc["12", "citation"] == "4"
    assert frame.loc["20", "citation"] == "4"
