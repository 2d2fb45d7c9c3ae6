"""Recognition: pattern families with several phrasings, lexicon terms as single mentions, property tests."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extracting import build_nlp
from pipeline.normalizing import normalize
from pipeline.rules import load_rules

RULES = load_rules()
NLP = build_nlp(RULES)


def mentions(text: str, label: str) -> list:
    doc = NLP(normalize(text).text)
    return [m for m in doc._.mentions if m.label == label]


@pytest.mark.parametrize("text,low,high", [
    ("95%CI：0.24~0.46", "0.24", "0.46"),
    ("95% CI 0.24-0.46", "0.24", "0.46"),
    ("(95%CI, 0.24-0.46; P<0.001)", "0.24", "0.46"),
    ("95%置信区间[CI]为0.56至0.86", "0.56", "0.86"),
    ("９５％ＣＩ：０.３８～０.６４", "0.38", "0.64"),
])
def test_confidence_intervals(text, low, high):
    found = mentions(text, "CI")
    assert [(m.data["low"], m.data["high"]) for m in found] == [(low, high)]


@pytest.mark.parametrize("text,op,num", [
    ("P<0.001", "<", "0.001"), ("p=0.03", "=", "0.03"), ("P =0.915", "=", "0.915"), ("P＜0.05", "<", "0.05"),
])
def test_p_values(text, op, num):
    assert [(m.data["op"], m.data["num"]) for m in mentions(text, "PVAL")] == [(op, num)]


@pytest.mark.parametrize("text,value", [
    ("HR=0.41", "0.41"), ("HR 0.62", "0.62"), ("HR0.39", "0.39"), ("[HR] = 1.15", "1.15"),
    ("死亡风险比为0.69", "0.69"), ("风险比[HR]0.70", "0.70"), ("HR＝0.73", "0.73"),
])
def test_hazard_ratios(text, value):
    assert [m.norm for m in mentions(text, "HR")] == [value]


@pytest.mark.parametrize("text,phase", [
    ("一项II/III期研究", ("II", "III")), ("一项单臂II期研究", ("II", None)), ("Ⅲ期随机对照研究", ("Ⅲ", None)),
    ("phase 2 trial", ("2", None)),
])
def test_phases(text, phase):
    found = mentions(text, "PHASE")
    assert len(found) == 1
    data = found[0].data
    assert (data.get("num") or data.get("num2"), data.get("high") or data.get("high2")) == phase


@pytest.mark.parametrize("text", ["获得了CSCO指南的I级推荐", "IIIA-N2期非小细胞肺癌", "IIIB或IV期患者"])
def test_not_phases(text):
    assert mentions(text, "PHASE") == []


@pytest.mark.parametrize("text,n", [("共纳入81例患者", "81"), ("研究纳入450 例", "450"), ("926位患者被随机分组", "926")])
def test_sample_sizes(text, n):
    assert [m.norm for m in mentions(text, "N")][:1] == [n]


@pytest.mark.parametrize("text,name", [
    ("KEYNOTE-189研究显示", "KEYNOTE-189"), ("在一项III期研究(CheckMate 9ER)中", "CheckMate 9ER"),
    ("3期EV-301试验", "EV-301"), ("临床试验信息：NCT01234567", "NCT01234567"), ("II期GEMINI研究", "GEMINI"),
])
def test_trial_names(text, name):
    assert name in [m.norm for m in mentions(text, "TRIAL")]


@pytest.mark.parametrize("text,label,norm", [
    ("异环磷酰胺", "DRUG", "ifosfamide"), ("IFO", "DRUG", "ifosfamide"), ("蒽环类药物", "DRUG", "anthracycline"),
    ("帕博利珠单抗", "DRUG", "pembrolizumab"), ("客观缓解率", "ENDPOINT", "ORR"), ("mPFS", "ENDPOINT", "PFS"),
    ("无进展生存期", "ENDPOINT", "PFS"), ("骨肉瘤", "DISEASE", "osteosarcoma"), ("NSCLC", "DISEASE",
                                                                                "non-small cell lung cancer"),
])
def test_lexicon_terms(text, label, norm):
    assert [m.norm for m in mentions(f"研究中{text}的结果", label)] == [norm]


@pytest.mark.parametrize("text,expected", [("AI方案化疗", ["doxorubicin+ifosfamide"]), ("AI辅助诊断", []),
                                           ("IE方案", ["etoposide+ifosfamide"]), ("EP组", ["cisplatin+etoposide"])])
def test_regimen_abbreviation_needs_treatment_context(text, expected):
    assert [m.norm for m in mentions(text, "REGIMEN")] == expected


def test_lexicon_terms_are_single_tokens():
    doc = NLP("信迪利单抗联合多柔比星和异环磷酰胺治疗去分化脂肪肉瘤")
    assert {"信迪利单抗", "多柔比星", "异环磷酰胺", "去分化脂肪肉瘤"} <= {t.text for t in doc}


@settings(max_examples=60, deadline=None)
@given(value=st.integers(0, 9999).map(lambda i: f"{i / 10:g}"), unit=st.sampled_from(["%", "个月", "月", "周"]),
       full_width=st.booleans())
def test_values_parse_back_to_their_number(value, unit, full_width):
    text = f"中位生存为{value}{unit}"
    if full_width:
        text = text.translate(str.maketrans("0123456789.%", "０１２３４５６７８９.％"))
    found = mentions(text, "VALUE")
    assert [m.norm for m in found] == [value]
