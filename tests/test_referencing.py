"""References in both styles, and citation markers (with property tests)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extracting import _reference_cues
from pipeline.referencing import find_citation_markers, format_refs, parse_citation_marker, parse_reference
from pipeline.rules import load_rules

RULES = load_rules()
CUES = _reference_cues(str(RULES.directory), RULES.fingerprint)
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("entry,expected", [
    ("王凯,王娜,谢骥,等.骨与软组织肉瘤的免疫治疗进展研究[J].系统医学, 2024, 9(11):189-192.",
     ("王凯", "2024", "骨与软组织肉瘤的免疫治疗进展研究", "系统医学", "journal")),
    ("张三,李四.某药治疗晚期胃癌的临床观察[J].中华肿瘤杂志,2019,41(3):200-205.",
     ("张三", "2019", "某药治疗晚期胃癌的临床观察", "中华肿瘤杂志", "journal")),
    ("Smith JA, Brown K, et al. A randomized trial of drug X in sarcoma. Lancet Oncol. 2020 Mar;21(3):400-10.",
     ("Smith JA", "2020", "A randomized trial of drug X in sarcoma", "Lancet Oncol", "journal")),
    ("Lee H, Kim S, et al. Drug Y plus chemotherapy: a phase 2 study. 2023 ASCO. Abstract #9001.",
     ("Lee H", "2023", "Drug Y plus chemotherapy: a phase 2 study", "ASCO", "conference")),
    ("中国临床肿瘤学会(CSCO)非小细胞肺癌诊疗指南2023.",
     ("", "2023", "中国临床肿瘤学会(CSCO)非小细胞肺癌诊疗指南2023", "", "guideline")),
])
def test_reference_styles(entry, expected):
    parsed = parse_reference(entry, CUES)
    assert (parsed["first_author"], parsed["year"], parsed["title"], parsed["source"], parsed["kind"]) == expected


@pytest.mark.skipif(not (ROOT / "corpus" / "gold" / "references.csv").exists(), reason="gold absent")
def test_seed_references_equal_gold():
    from pipeline import extract

    text = (ROOT / "corpus" / "articles" / "dxy_ifo_sarcoma.txt").read_text(encoding="utf-8")
    predicted = extract(text, doc_id="dxy_ifo_sarcoma")["references"].astype(str)
    with open(ROOT / "corpus" / "gold" / "references.csv", encoding="utf-8") as handle:
        gold = list(csv.DictReader(handle))
    for row in gold:
        mine = predicted[predicted.ref_no == row["ref_no"]].iloc[0]
        for field in ("first_author", "year", "title", "source", "kind"):
            assert mine[field] == row[field], (row["ref_no"], field)


@pytest.mark.parametrize("marker,refs", [
    ("[5,6]", [5, 6]), ("[10-12]", [10, 11, 12]), ("［9］", [9]), ("^[3]", [3]), ("[5，6]", [5, 6]),
    ("[3, 7-9]", [3, 7, 8, 9]), ("〔80]", [80]), ("[10–12]", [10, 11, 12]),
])
def test_marker_forms(marker, refs):
    assert parse_citation_marker(marker) == refs


@pytest.mark.parametrize("text", ["[HR]", "[CI]", "[12-3]", "", "[0]"])
def test_not_markers(text):
    assert parse_citation_marker(text) is None


def test_markers_in_text_skip_bracketed_values():
    found = find_citation_markers("生存率为20%[1]。见[5,6]；[12个月]不是引用，[95%CI]也不是。", CUES.value_after)
    assert [(m[2], m[3]) for m in found] == [("[1]", [1]), ("[5,6]", [5, 6])]


def _as_marker(refs: list[int], style: int) -> str:
    runs, start = [], refs[0]
    for prev, cur in zip(refs, refs[1:] + [None]):
        if cur != prev + 1:
            runs.append(f"{start}-{prev}" if prev != start and style else str(start) if prev == start
                        else ",".join(map(str, range(start, prev + 1))))
            start = cur
    sep, (open_, close) = ("，" if style == 2 else ","), (("［", "］") if style == 2 else ("[", "]"))
    return open_ + sep.join(runs) + close


@given(st.lists(st.integers(1, 300), min_size=1, max_size=8, unique=True).map(sorted), st.integers(0, 2))
def test_markers_parse_back(refs, style):
    marker = _as_marker(refs, style)
    assert parse_citation_marker(marker) == refs
    assert format_refs(parse_citation_marker(marker)) == ";".join(map(str, refs))


@given(st.text(max_size=100))
def test_marker_search_never_raises_and_offsets_slice_back(text):
    for start, end, marker, refs in find_citation_markers(text):
        assert text[start:end] == marker and refs == sorted(set(refs))
