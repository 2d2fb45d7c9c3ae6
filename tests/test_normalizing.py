"""Normalisation: each transformation, and offsets that always point back into the original."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalizing import normalize


@pytest.mark.parametrize("before,after", [
    ("ＯＲＲ为３６％", "ORR为36%"),
    ("中位ＰＦＳ（ＨＲ＝０.４１）", "中位PFS(HR=0.41)"),
    ("60%～80%", "60%~80%"),
    ("9.0 个月", "9.0个月"),
    ("a\u00a0b", "a b"),
    (r"$6 1 . 9 \%$", "61.9%"),
    (r"$H R { = } 0 . 7 3$", "HR=0.73"),
    (r"$\scriptstyle P = 0 . 2 9 3$", "P=0.293"),
    (r"$2 5 0 \mathrm { m g / d }$", "250mg/d"),
    (r"$^ +$", "+"),
    (r"$\geqslant 2$", "≥2"),
    (r"$9 5 \% ~ C I ~ 0 . 5 9 { \sim } 0 . 9 1 ~ P { = } 0 . 0 0 4 7$", "95% CI 0.59~0.91 P=0.0047"),
    (r"$2 9 \% ^ { [ 2 ] }$", "29%^[2]"),
    (r"$1 \ 2 0 0 \mathrm { m g }$", "1200mg"),
    (r"2\~46岁", "2~46岁"),
    ("**目的**：[摘要](http://example.org)", "目的:摘要"),
    ("句子。句子！", "句子。句子！"),
])
def test_transformations(before, after):
    assert normalize(before).text == after


PIECES = st.sampled_from(["中位", "ＯＳ", "为", "１２.５", "个月", " ", "％", "（", "）", r"$6 1 . 9 \%$",
                          r"$H R { = } 0 . 7 3$", "**", "\u00a0", "，", "HR=0.41", "[3]", "\n", "～"])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_offsets_point_back_into_the_original(text):
    norm = normalize(text)
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[-1] == len(text)
    assert all(a <= b for a, b in zip(norm.offsets, norm.offsets[1:]))
    for i, ch in enumerate(norm.text):
        if ch.isascii() and ch.isdigit() and text[norm.offsets[i]].isascii():
            assert text[norm.offsets[i]] == ch


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_never_raises_and_spans_map_inside_the_original(text):
    norm = normalize(text)
    start, end = norm.to_original(0, len(norm.text))
    assert 0 <= start <= end <= len(text)
