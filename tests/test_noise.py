"""Conversion noise from PDFs and web pages: each form gives exactly the rows of its clean sentence."""
from __future__ import annotations

import pytest

from pipeline.extracting import extract_text
from pipeline.normalizing import normalize

KEYS = ("endpoint", "measure", "value", "unit", "ci_low", "ci_high", "p_value")


def rows(text: str) -> list[tuple]:
    return [tuple(r[k] for k in KEYS) for r in extract_text(text)["outcomes"]]


@pytest.mark.parametrize("text,expected", [
    # digits spaced out by PDF conversion, outside $...$
    ("研究显示，中位PFS为2 5 . 3个月。", [("PFS", "median", "25.3", "month", "", "", "")]),
    ("研究显示，中位PFS为2 5 个月，ORR为3 5 %。",
     [("PFS", "median", "25", "month", "", "", ""), ("ORR", "rate", "35", "%", "", "", "")]),
    ("研究显示，中位OS为1 2 . 5个月，P < 0 . 0 0 1。", [("OS", "median", "12.5", "month", "", "", "<0.001")]),
    # LaTeX residue
    ("研究显示，中位OS为$1 2 . 5$个月，$P < 0 . 0 0 1$。", [("OS", "median", "12.5", "month", "", "", "<0.001")]),
    ("研究显示，ORR为$4 5 . 2 \\%$ $(95 \\% C 1 : 3 0 . 1 \\sim 6 0 . 3)$。",
     [("ORR", "rate", "45.2", "%", "30.1", "60.3", "")]),
    # full-width digits and operators, small and full-width forms
    ("结果显示，中位ＰＦＳ为１２．５个月（Ｐ＜０．００１）。", [("PFS", "median", "12.5", "month", "", "", "<0.001")]),
    ("结果显示，中位PFS为12.5个月（P﹤0.001），ORR为31﹪（P≦0.05）。",
     [("PFS", "median", "12.5", "month", "", "", "<0.001"), ("ORR", "rate", "31", "%", "", "", "≤0.05")]),
    # a CI or P value between a number and its unit
    ("结果显示，中位PFS为9.0（95%CI：3.0~15.0）个月。", [("PFS", "median", "9.0", "month", "3.0", "15.0", "")]),
    ("结果显示，A组中位PFS为9.0（95%CI：3.0~15.0）个月，B组为5.1（95%CI：3.2~6.0）个月。",
     [("PFS", "median", "9.0", "month", "3.0", "15.0", ""), ("PFS", "median", "5.1", "month", "3.2", "6.0", "")]),
    ("结果显示，中位OS为12.5（P<0.001）个月。", [("OS", "median", "12.5", "month", "", "", "<0.001")]),
    # an operator lost to tag stripping
    ("结果显示，ORR为45.2%(P 0.05)。", [("ORR", "rate", "45.2", "%", "", "", "0.05")]),
    ("结果显示，中位PFS为9.0个月 (HR=0.77, P 0.017)。",
     [("PFS", "median", "9.0", "month", "", "", ""), ("PFS", "hr", "0.77", "", "", "", "0.017")]),
], ids=["spaced-decimal", "spaced-integers-before-unit", "spaced-p-value", "latex", "latex-ci",
        "full-width", "small-forms", "ci-before-unit", "ci-before-unit-two-arms", "p-before-unit",
        "lost-operator", "lost-operator-after-hr"])
def test_noise_form_gives_exact_rows(text, expected):
    assert rows(text) == expected


@pytest.mark.parametrize("text", ["发布于 1 7 84", "第1 2组", "见表 3 4", "1. 5例患者"])
def test_spaced_digits_without_decimal_point_or_unit_stay(text):
    assert normalize(text).text == text


def test_spaced_number_maps_back_to_the_spaced_original():
    text = "中位PFS为2 5 . 3个月"
    norm = normalize(text)
    at = norm.text.index("25.3")
    start, end = norm.to_original(at, at + 4)
    assert text[start:end] == "2 5 . 3"
