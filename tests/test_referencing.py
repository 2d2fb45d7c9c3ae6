"""Reference lists in both citation styles, citation markers, and the cue file they read."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
import regex
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pipeline import referencing
from pipeline.referencing import (ReferenceCues, cues_from_entries, find_citation_markers, format_refs,
                                  parse_citation_marker, parse_reference, split_reference_entries, strip_number)

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = yaml.safe_load((ROOT / "rules" / "references.yaml").read_text(encoding="utf-8"))["entries"]
CUES = cues_from_entries(ENTRIES)
VALUE_AFTER = CUES.value_after
FIELDS = ("first_author", "year", "title", "source", "kind")
SEED = Path("/work/shared/corpus/dxy_ifo_sarcoma.txt")
SEED_GOLD = Path("/work/shared/gold/references.csv")
REAL = Path("/work/shared/corpus-real/06_blog_padcev_ev301_ev201_urothelial.txt")
REAL_GOLD = Path("/work/shared/corpus-real/gold/references.csv")


# ---- the cue file ------------------------------------------------------------------------------

def test_cue_file_entries_have_exactly_the_agreed_keys():
    for entry in ENTRIES:
        assert {"id", "role", "words"} <= set(entry) <= {"id", "role", "words", "examples"}, entry["id"]
        assert entry["role"] in referencing.ROLES and entry["words"]


def test_cues_ignore_loader_keys_and_reject_unknown_roles():
    dumped = [{**e, "examples": [], "not": [], "__line__": 3} for e in ENTRIES]  # as the rules loader dumps them
    assert cues_from_entries(dumped) == CUES
    assert "[J]" in CUES.journal_tags and "et al" in CUES.et_al
    with pytest.raises(ValueError, match="unknown role"):
        cues_from_entries([{"id": "x", "role": "guidline_word", "words": ["a"]}])


EXPECTED_KIND = {"journal_tag": "journal", "conference_tag": "conference", "other_tag": "other",
                 "guideline_word": "guideline", "conference_word": "conference", "abstract_word": "conference",
                 "other_word": "other"}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_cue_file_examples_hold(entry):
    for example in entry.get("examples", []):
        if entry["role"] == "value_after":
            assert find_citation_markers(example, VALUE_AFTER) == []
            continue
        parsed = parse_reference(example, CUES)
        if entry["role"] in EXPECTED_KIND:
            assert parsed["kind"] == EXPECTED_KIND[entry["role"]]
        if entry["role"] == "et_al":
            assert parsed["first_author"] and not any(w in parsed["first_author"] for w in CUES.et_al)
        if entry["role"] == "tail_word":
            assert parsed["year"] == "2020" and parsed["source"] == "Lancet Oncol"


def test_module_has_no_chinese_characters():
    source = Path(referencing.__file__).read_text(encoding="utf-8")
    assert not regex.search(r"\p{Han}", source)


# ---- golden rows -------------------------------------------------------------------------------

def _block(path: Path, start: str, stop: str | None = None) -> str:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == start) + 1
    last = next((i for i, line in enumerate(lines) if stop and i > first and line.strip() == stop), len(lines))
    return "".join(lines[first:last])


def _gold(path: Path, doc_id: str) -> dict[int, dict]:
    with path.open(encoding="utf-8") as handle:
        return {int(row["ref_no"]): row for row in csv.DictReader(handle) if row["doc_id"] == doc_id}


def _assert_block_matches_gold(block: str, gold: dict[int, dict]) -> None:
    spans = split_reference_entries(block)
    assert [n for n, _, _ in spans] == sorted(gold)
    for number, start, end in spans:
        ref_no, body = strip_number(block[start:end])
        assert ref_no == number
        parsed = parse_reference(body, CUES)
        for field in FIELDS:
            assert parsed[field] == gold[number][field], (number, field)


@pytest.mark.skipif(not (SEED.exists() and SEED_GOLD.exists()), reason="seed corpus absent")
def test_seed_references_equal_gold():
    block = _block(SEED, "参考文献", "本篇内容对您是否有帮助?")
    _assert_block_matches_gold(block, _gold(SEED_GOLD, "dxy_ifo_sarcoma"))


@pytest.mark.skipif(not (REAL.exists() and REAL_GOLD.exists()), reason="real corpus absent")
def test_real_press_release_references_equal_gold():
    _assert_block_matches_gold(_block(REAL, "参考文献"), _gold(REAL_GOLD, REAL.stem))


REPO_DOCS = ["crc_fresco_fruquintinib", "ewing_rhabdo_reviews", "sarcoma_alter0203_anlotinib",
             "sclc_lurbinectedin_basket"]


@pytest.mark.parametrize("doc_id", REPO_DOCS)
def test_repo_corpus_references_equal_gold(doc_id):
    article, gold = ROOT / "corpus" / "articles" / f"{doc_id}.txt", ROOT / "corpus" / "gold" / f"{doc_id}_references.csv"
    if not (article.exists() and gold.exists()):
        pytest.skip("repo corpus absent")
    _assert_block_matches_gold(_block(article, "参考文献"), _gold(gold, doc_id))


# ---- both styles, every kind -------------------------------------------------------------------

CASES = [
    # GB/T 7714 journal articles, half- and full-width punctuation
    ("王凯,王娜,谢骥,等.骨与软组织肉瘤的免疫治疗进展研究[J].系统医学, 2024, 9(11):189-192.",
     ("王凯", "2024", "骨与软组织肉瘤的免疫治疗进展研究", "系统医学", "journal")),
    ("张三,李四.某药治疗晚期胃癌的临床观察[J].中华肿瘤杂志,2019,41(3):200-205.",
     ("张三", "2019", "某药治疗晚期胃癌的临床观察", "中华肿瘤杂志", "journal")),
    ("李岩，黎海亮，等．局部介入治疗转移性软组织肉瘤［J］．介入放射学杂志，2021，30（11）：5．",
     ("李岩", "2021", "局部介入治疗转移性软组织肉瘤", "介入放射学杂志", "journal")),
    ("Goorin AM, Harris MB, et al. Phase II/III trial of etoposide[J]. J Clin Oncol, 2002, 20(2): 426-433.",
     ("Goorin AM", "2002", "Phase II/III trial of etoposide", "J Clin Oncol", "journal")),
    ("中国抗癌协会肉瘤专业委员会. 软组织肉瘤诊治中国专家共识(2015年版)[J]. 中华肿瘤杂志, 2016, 38(4): 310-320.",
     ("中国抗癌协会肉瘤专业委员会", "2016", "软组织肉瘤诊治中国专家共识(2015年版)", "中华肿瘤杂志", "journal")),
    ("吴一龙.非小细胞肺癌靶向治疗进展[J].中国肺癌杂志,2020,23(5):1-8. DOI:10.3779/j.issn.1009-3419.2020.",
     ("吴一龙", "2020", "非小细胞肺癌靶向治疗进展", "中国肺癌杂志", "journal")),
    # GB/T 7714 books, proceedings, a guideline book
    ("孙燕,石远凯.临床肿瘤内科手册[M].6版.北京:人民卫生出版社,2015:88-90.",
     ("孙燕", "2015", "临床肿瘤内科手册", "人民卫生出版社", "other")),
    ("张三,李四.安罗替尼治疗软组织肉瘤的疗效分析[C]//第十届CSCO年会论文集.北京:中国临床肿瘤学会,2019:112.",
     ("张三", "2019", "安罗替尼治疗软组织肉瘤的疗效分析", "第十届CSCO年会论文集", "conference")),
    ("中国临床肿瘤学会指南工作委员会. 中国临床肿瘤学会(CSCO)胃癌诊疗指南2023[M]. 北京: 人民卫生出版社, 2023.",
     ("中国临床肿瘤学会指南工作委员会", "2023", "中国临床肿瘤学会(CSCO)胃癌诊疗指南2023", "人民卫生出版社", "guideline")),
    # GB/T layout without the [J] tag
    ("王凯,王娜,等.骨与软组织肉瘤的免疫治疗进展研究.系统医学,2024,9(11):189-192.",
     ("王凯", "2024", "骨与软组织肉瘤的免疫治疗进展研究", "系统医学", "journal")),
    # Vancouver journal articles
    ("Smith JA, Brown K, et al. A randomized trial of drug X in sarcoma. Lancet Oncol. 2020 Mar;21(3):400-10.",
     ("Smith JA", "2020", "A randomized trial of drug X in sarcoma", "Lancet Oncol", "journal")),
    ("Smith JA, Brown K. A randomized trial of drug X in sarcoma. Lancet Oncol 2021;22:1312-21.",
     ("Smith JA", "2021", "A randomized trial of drug X in sarcoma", "Lancet Oncol", "journal")),
    ("García Del Muro X, Maurel J, et al. Phase II trial of sorafenib. Invest New Drugs. 2018 Jun;36(3):468-475. "
     "doi: 10.1007/s10637-017-0548-8. Epub 2017 Dec 5. PMID: 29305675.",
     ("García Del Muro X", "2018", "Phase II trial of sorafenib", "Invest New Drugs", "journal")),
    ("van der Graaf WT, Blay JY, et al. Pazopanib vs. placebo in soft-tissue sarcoma (PALETTE). Lancet, 2012, "
     "379(9829): 1879-1886.",
     ("van der Graaf WT", "2012", "Pazopanib vs. placebo in soft-tissue sarcoma (PALETTE)", "Lancet", "journal")),
    ("Gandhi L, Rodríguez-Abreu D, Gadgeel S, et al. Pembrolizumab plus chemotherapy in metastatic non-small-cell "
     "lung cancer. N Engl J Med. 2018;378(22):2078-2092.",
     ("Gandhi L", "2018", "Pembrolizumab plus chemotherapy in metastatic non-small-cell lung cancer", "N Engl J Med",
      "journal")),
    ("Wang Y, Li X, et al. Outcomes of U.S. patients with hepatitis B. J Hepatol. 2020;72(1):1-9.",
     ("Wang Y", "2020", "Outcomes of U.S. patients with hepatitis B", "J Hepatol", "journal")),
    ("Is adjuvant chemotherapy useful? J Clin Oncol. 2019;37:100-110.",
     ("", "2019", "Is adjuvant chemotherapy useful?", "J Clin Oncol", "journal")),
    # conference abstracts
    ("Lee H, Kim S, et al. Drug Y plus chemotherapy: a phase 2 study. 2023 ASCO. Abstract #9001.",
     ("Lee H", "2023", "Drug Y plus chemotherapy: a phase 2 study", "ASCO", "conference")),
    ("Paz-Ares L, et al. Durvalumab in SCLC. Presented at: ESMO Congress; October 21, 2023; Madrid. Abstract 1988O.",
     ("Paz-Ares L", "2023", "Durvalumab in SCLC", "ESMO", "conference")),
    ("Chi Y, Yao Y, et al. Anlotinib for soft tissue sarcoma. J Clin Oncol, 2018, 36(15_suppl): 11503.",
     ("Chi Y", "2018", "Anlotinib for soft tissue sarcoma", "J Clin Oncol", "conference")),
    # guidelines
    ("中国临床肿瘤学会(CSCO)非小细胞肺癌诊疗指南2023.",
     ("", "2023", "中国临床肿瘤学会(CSCO)非小细胞肺癌诊疗指南2023", "", "guideline")),
    ("NCCN Clinical Practice Guidelines in Oncology: Soft Tissue Sarcoma. Version 2.2024. Available at: "
     "https://www.nccn.org/guidelines. Accessed May 1, 2024.",
     ("", "2024", "NCCN Clinical Practice Guidelines in Oncology: Soft Tissue Sarcoma. Version 2", "", "guideline")),
    ("Casali PG, Abecassis N, et al. Soft tissue and visceral sarcomas: ESMO-EURACAN Clinical Practice Guidelines. "
     "Ann Oncol. 2018;29(Suppl 4):iv51-iv67.",
     ("Casali PG", "2018", "Soft tissue and visceral sarcomas: ESMO-EURACAN Clinical Practice Guidelines",
      "Ann Oncol", "guideline")),
    # press releases and package inserts
    ("Keytruda (pembrolizumab) [prescribing information]. Rahway, NJ: Merck & Co., Inc.; 2023.",
     ("", "2023", "Keytruda (pembrolizumab)", "Merck & Co., Inc.", "other")),
    ("Drug Z approved for sarcoma. [[press release](https://example.com/a)]. Boston, MA: Acme Inc.; May 2, 2022.",
     ("", "2022", "Drug Z approved for sarcoma", "Acme Inc.", "other")),
]


@pytest.mark.parametrize("entry,expected", CASES, ids=[c[0][:24] for c in CASES])
def test_reference_styles(entry, expected):
    parsed = parse_reference(entry, CUES)
    assert tuple(parsed[f] for f in FIELDS) == expected


@pytest.mark.parametrize("text", ["", "   ", ".", "[J]", "2024.", "et al.", "[[x](y)]", "等.[M]."])
def test_parse_reference_survives_degenerate_entries(text):
    assert set(parse_reference(text, CUES)) == set(FIELDS)


def test_parse_reference_without_cues_still_reads_vancouver():
    parsed = parse_reference("Smith JA, Brown K. A trial. Lancet. 2020;1:1.", ReferenceCues())
    assert (parsed["first_author"], parsed["title"], parsed["source"], parsed["year"]) == \
        ("Smith JA", "A trial", "Lancet", "2020")


# ---- splitting a reference list ----------------------------------------------------------------

def _numbers_and_texts(block: str) -> list[tuple[int, str]]:
    return [(n, block[s:e]) for n, s, e in split_reference_entries(block)]


def test_split_bracketed_entries_with_wrapped_lines_and_trailing_chrome():
    block = "\n[1]\u00a0王凯,等.标题[J].刊名, 2024.\n\n[2] Goorin AM, et al. A title\nthat wraps. J Clin Oncol. 2002.\n" \
            "\n本篇内容对您是否有帮助?\n20 人\n"
    assert _numbers_and_texts(block) == [
        (1, "[1]\u00a0王凯,等.标题[J].刊名, 2024."),
        (2, "[2] Goorin AM, et al. A title\nthat wraps. J Clin Oncol. 2002."),
    ]


@pytest.mark.parametrize("block,numbers", [
    ("1. A. 2020.\n2. B. 2021.\n3、C. 2022.", [1, 2, 3]),
    ("(1) A. 2020.\n（2） B. 2021.", [1, 2]),
    ("［74］ A. 2020.\n〔75〕 B. 2021.\n【76】 C.", [74, 75, 76]),
    ("1. Title of one. Lancet. 2020 Jan;\n12. 2020: 1-3 wrapped page line\n2. Next. 2021.", [1, 2]),
    ("1.王凯.标题[J].刊名,2024.\n2.李岩.标题[J].刊名,2021.", [1, 2]),
    ("1. A.\n\nnot a reference: 1.5 of them\n", [1]),
    ("", []),
])
def test_split_number_styles(block, numbers):
    spans = split_reference_entries(block)
    assert [n for n, _, _ in spans] == numbers
    for _, start, end in spans:
        assert block[start:end] == block[start:end].strip() and strip_number(block[start:end])[0] is not None


def test_continuation_after_blank_line_joins_an_unfinished_entry():
    assert _numbers_and_texts("[1] Smith J, et al. A title\n\nthat wraps. Lancet. 2020.") == [
        (1, "[1] Smith J, et al. A title\n\nthat wraps. Lancet. 2020.")]


def test_strip_number():
    assert strip_number("[12]\u00a0Liu X. T. 2024.") == (12, "Liu X. T. 2024.")
    assert strip_number("3、 王凯.标题") == (3, "王凯.标题")
    assert strip_number("no number") == (None, "no number")


# ---- citation markers --------------------------------------------------------------------------

@pytest.mark.parametrize("marker,refs", [
    ("[5,6]", [5, 6]), ("[10-12]", [10, 11, 12]), ("[10–12]", [10, 11, 12]), ("［9］", [9]), ("[5，6]", [5, 6]),
    ("[3, 7-9]", [3, 7, 8, 9]), ("^[3]", [3]), ("〔80]", [80]), ("^{[2]}", [2]), ("^{[2,3}", [2, 3]),
    ("[2,3", [2, 3]), ("[6,5,5]", [5, 6]), ("【4】", [4]), ("[ 2 ]", [2]), ("[1、3～5]", [1, 3, 4, 5]),
    ("[1-50]", list(range(1, 51))),
])
def test_marker_forms(marker, refs):
    assert parse_citation_marker(marker) == refs
    assert format_refs(refs) == ";".join(map(str, refs))


@pytest.mark.parametrize("text", ["[HR]", "[CI]", "", "[12-3]", "[0]", "[1-51]", "[95%CI]", "[12个月]", "[2015]",
                                  "[1.5]", "5,6", "[5]x", "[1-2-3]", "(5)"])
def test_not_markers(text):
    assert parse_citation_marker(text) is None


@pytest.mark.parametrize("text,found", [
    ("生存率为20%[1]。见[5,6]；[12个月]不是引用，[95%CI]也不是。", [("[1]", [1]), ("[5,6]", [5, 6])]),
    ("29%^[2]。", [("[2]", [2])]),
    ("疗效^{[2,3}显著", [("[2,3", [2, 3])]),
    ("研究[2,3。另", [("[2,3", [2, 3])]),
    ("研究[2,3两组", []),
    ("研究[2,3\n下一段", [("[2,3", [2, 3])]),
    ("研究[2,3 两组", []),
    ("B组为10.6个月（[HR] = 1.15", []),
    ("中位随访[12]个月。", []),
    ("在[2015]年", []),
    ("A[1-3]、[5]", [("[1-3]", [1, 2, 3]), ("[5]", [5])]),
    ("获益〔80]。NALA研究", [("〔80]", [80])]),
    ("x[1.5] y[1,5 mg]", []),
    ("[10–12]和［9］", [("[10–12]", [10, 11, 12]), ("［9］", [9])]),
])
def test_find_markers_in_body_text(text, found):
    markers = find_citation_markers(text, VALUE_AFTER)
    assert [(m[2], m[3]) for m in markers] == found
    assert all(text[start:end] == marker for start, end, marker, _ in markers)


STYLES = [  # (open, close, separator, range dash or None for no ranges, prefix, suffix)
    ("[", "]", ",", "-", "", ""), ("[", "]", ", ", None, "", ""), ("［", "］", "，", "-", "", ""),
    ("[", "]", "，", "–", "", ""), ("[", "]", "、", "~", "", ""), ("[", "]", ",", "-", "^", ""),
    ("[", "]", ",", "-", "^{", "}"), ("〔", "]", ",", None, "", ""), ("【", "】", "，", "～", "", ""),
]


def _as_marker(refs: list[int], style: tuple) -> str:
    """Write refs in one style, collapsing consecutive runs into ranges when the style has a dash."""
    opening, closing, sep, dash, _, _ = style
    runs: list[list[int]] = []
    for ref in refs:
        if runs and dash and ref == runs[-1][-1] + 1:
            runs[-1].append(ref)
        else:
            runs.append([ref])
    parts = [f"{run[0]}{dash}{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]
    return opening + sep.join(parts) + closing


REFS = st.lists(st.integers(1, 300), min_size=1, max_size=8, unique=True).map(sorted)


@given(REFS, st.sampled_from(STYLES))
def test_markers_parse_back(refs, style):
    marker = _as_marker(refs, style)
    assert parse_citation_marker(style[4] + marker + style[5]) == refs
    assert format_refs(parse_citation_marker(marker)) == ";".join(map(str, refs))


@given(REFS, st.sampled_from(STYLES), st.text(st.characters(whitelist_categories=["Lo"]), max_size=6),
       st.sampled_from(["。", "，", "；", "\n", "", "研究"]))
def test_marker_in_body_is_found_once(refs, style, before, after):
    marker = _as_marker(refs, style)
    text = "结果" + before + style[4] + marker + style[5] + after
    found = find_citation_markers(text, VALUE_AFTER)
    assert [(m[2], m[3]) for m in found] == [(marker, refs)]


MARKERISH = st.text(alphabet="[]［］〔〕【】0123456789,，、-–~^{} %.个月例HRCI\n", max_size=40)


@given(st.one_of(st.text(max_size=80), MARKERISH))
def test_parse_never_raises(text):
    refs = parse_citation_marker(text)
    assert refs is None or (refs == sorted(set(refs)) and 0 < len(refs) <= 50 and refs[0] > 0)


@given(st.one_of(st.text(max_size=120), MARKERISH))
def test_find_offsets_slice_back(text):
    for start, end, marker, refs in find_citation_markers(text, VALUE_AFTER):
        assert text[start:end] == marker and refs == sorted(set(refs)) and refs
        assert parse_citation_marker(marker) == refs


ENTRYISH = st.text(alphabet="[]［］JM.．。,，;:等 etal2019AbCDxyz王凯指南ASCO()\n", max_size=80)


@given(st.one_of(st.text(max_size=120), ENTRYISH))
def test_parse_reference_never_raises(text):
    parsed = parse_reference(text, CUES)
    assert set(parsed) == set(FIELDS) and parsed["kind"] in {"journal", "conference", "guideline", "other"}
    assert all(isinstance(v, str) for v in parsed.values())


@given(st.one_of(st.text(max_size=200), st.lists(ENTRYISH.map(lambda s: "[1] " + s), max_size=4).map("\n".join)))
def test_split_spans_are_ordered_and_in_range(block):
    spans = split_reference_entries(block)
    assert all(0 <= start <= end <= len(block) for _, start, end in spans)
    assert all(a[2] <= b[1] for a, b in zip(spans, spans[1:]))
