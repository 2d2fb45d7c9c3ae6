"""Citation checks: invented articles whose markers are right, swapped, past the list, or uncheckable.

The articles are short and invented; their outcome sentences are the simplest
kind (``A联合B治疗…ORR为40%[1]``) so the tests hold whatever linking does with
harder text. Row-level tests build the rows by hand and need no linking at all.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.batch import collect, process
from pipeline.citation_checks import check_citations, family_name, names_trial, trial_aliases
from pipeline.citation_words import fold_words, phase_code, vocabulary
from pipeline.cli import _register, app
from pipeline.evaluating import evaluate
from pipeline.extracting import extract_text
from pipeline.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
VOCAB = vocabulary(load_rules())

ANLOTINIB = "Wang A, Li B, et al. Anlotinib plus doxorubicin in advanced soft tissue sarcoma: a phase 2 trial. " \
            "Lancet Oncol. 2020;21(3):100-110."
APATINIB = "Zhang C, Chen D, et al. Apatinib combined with ifosfamide in relapsed osteosarcoma. " \
           "J Clin Oncol. 2021;39(5):200-210."
SINTILIMAB_AI = "Liu E, Sun F, et al. Sintilimab and AI as first-line treatment in undifferentiated pleomorphic " \
                "sarcoma: a single-arm phase 2 trial. 2023 ASCO. Abstract 11500."
GUIDELINE = "中国临床肿瘤学会(CSCO)软组织肉瘤诊疗指南2024."
REVIEW = "王五,赵六.软组织肉瘤系统治疗的研究进展[J].中华肿瘤杂志, 2022, 44(3):200-205."
ANLOTINIB_SENTENCE = "一项II期研究中，安罗替尼联合多柔比星治疗晚期软组织肉瘤，ORR为40%[{}]。"
APATINIB_SENTENCE = "另一项研究中，阿帕替尼联合异环磷酰胺治疗复发骨肉瘤，ORR为35%[{}]。"


def article(sentences: list[str], references: list[str]) -> str:
    """A short news review: a title, one paragraph, and a numbered reference list."""
    listing = "\n".join(f"[{n}] {entry}" for n, entry in enumerate(references, start=1))
    tail = f"\n\n参考文献\n\n{listing}\n" if references else "\n"
    return "软组织肉瘤联合治疗研究进展\n\n" + "".join(sentences) + tail


def checks(text: str) -> list[dict]:
    return extract_text(text, doc_id="t")["citation_checks"]


def by_marker(rows: list[dict]) -> dict[str, dict]:
    return {row["marker"]: row for row in rows}


# ---- invented articles --------------------------------------------------------------------------

def test_a_swapped_pair_of_markers_is_two_mismatches_each_suggesting_the_other():
    rows = by_marker(checks(article([ANLOTINIB_SENTENCE.format(2), APATINIB_SENTENCE.format(1)],
                                    [ANLOTINIB, APATINIB])))
    assert (rows["[2]"]["verdict"], rows["[2]"]["suggested_refs"]) == ("mismatch", "1")
    assert (rows["[1]"]["verdict"], rows["[1]"]["suggested_refs"]) == ("mismatch", "2")
    assert "ref 2 names apatinib, ifosfamide, not in the claim" in rows["[2]"]["reason"]
    assert "ref 1 names anlotinib, doxorubicin" in rows["[2]"]["reason"]


def test_the_same_markers_in_the_right_order_are_consistent_and_say_what_matched():
    rows = by_marker(checks(article([ANLOTINIB_SENTENCE.format(1), APATINIB_SENTENCE.format(2)],
                                    [ANLOTINIB, APATINIB])))
    assert rows["[1]"]["verdict"] == rows["[2]"]["verdict"] == "consistent"
    assert rows["[1]"]["reason"] == "ref 1 names anlotinib, doxorubicin, phase II"
    assert rows["[1]"]["claim"] == "anlotinib+doxorubicin; phase II"
    assert rows["[2]"]["suggested_refs"] == ""
    assert set(rows["[1]"]["rule"].split(";")) == {"drug.anlotinib", "drug.doxorubicin"}


def test_results_that_name_arms_by_their_labels_are_checked_against_the_design_paragraph():
    """The drugs and trial are named before the design paragraph's own marker; the results sentence
    says only 试验组 and 对照组, and its marker points at another study."""
    design = "PALM-9研究共纳入300例晚期软组织肉瘤患者，按1:1随机分为试验组（安罗替尼+多柔比星）和对照组（多柔比星）[1]。"
    results = "中位随访12个月时，试验组与对照组的ORR分别为40%和20%[3]。"
    final = "Wu H, et al. Anlotinib plus doxorubicin versus doxorubicin in soft tissue sarcoma (PALM-9): final " \
            "results. Lancet Oncol. 2024;25:1-9."
    protocol = "Wu H, et al. Design of PALM-9: anlotinib plus doxorubicin in sarcoma. BMC Cancer. 2022;22:1-5."
    rows = by_marker(checks(article([design, results], [protocol, final, APATINIB])))
    assert rows["[1]"]["verdict"] == "consistent"
    assert (rows["[3]"]["verdict"], rows["[3]"]["suggested_refs"]) == ("mismatch", "1;2")


def test_a_marker_past_the_end_of_the_list_suggests_the_entry_that_names_the_claim():
    row, = checks(article([ANLOTINIB_SENTENCE.format(3)], [APATINIB, ANLOTINIB]))
    assert (row["verdict"], row["suggested_refs"]) == ("mismatch", "2")
    assert row["reason"].startswith("ref 3 is past the end of the list (2 entries); ref 2 names anlotinib")


def test_a_marker_past_the_end_with_no_entry_naming_the_claim_is_unverifiable():
    row, = checks(article([ANLOTINIB_SENTENCE.format(3)], [APATINIB, REVIEW]))
    assert (row["verdict"], row["suggested_refs"]) == ("unverifiable", "")
    assert "ref 3 is past the end of the list (2 entries)" in row["reason"]


@pytest.mark.parametrize("guideline", [
    GUIDELINE,
    "NCCN Clinical Practice Guidelines in Oncology. Soft Tissue Sarcoma. Version 2. 2024.",
    "王一.软组织肉瘤安罗替尼治疗专家共识[J].中国肿瘤, 2021, 30(1):1-5.",
])
def test_a_guideline_reference_is_unverifiable_even_when_another_entry_names_the_claim(guideline):
    row, = checks(article([ANLOTINIB_SENTENCE.format(1)], [guideline, ANLOTINIB]))
    assert (row["verdict"], row["suggested_refs"], row["reason"]) == ("unverifiable", "", "ref 1 is a guideline")


def test_a_title_without_drugs_or_trial_is_unverifiable():
    row, = checks(article([ANLOTINIB_SENTENCE.format(1)], [REVIEW, ANLOTINIB]))
    assert (row["verdict"], row["reason"]) == ("unverifiable", "ref 1's title names no drug or trial")


@pytest.mark.parametrize("chinese, title, named", [
    ("信迪利单抗联合化疗", "Sintilimab plus chemotherapy in advanced sarcoma", "sintilimab"),
    ("卡瑞利珠单抗联合阿帕替尼", "Camrelizumab and apatinib in osteosarcoma", "apatinib, camrelizumab"),
    ("多柔比星联合异环磷酰胺", "Adriamycin and ifosfamide for soft tissue sarcoma", "doxorubicin (Adriamycin)"),
    ("蒽环类药物联合异环磷酰胺", "Anthracyclines with ifosfamide in sarcoma", "anthracycline, ifosfamide"),
    ("多柔比星单药", "Anthracycline monotherapy in soft tissue sarcoma", "doxorubicin (Anthracycline)"),
])
def test_an_english_reference_list_meets_chinese_text(chinese, title, named):
    sentence = f"{chinese}治疗晚期软组织肉瘤，ORR为30%[1]。"
    row, = checks(article([sentence], [f"Zhou G, et al. {title}. Cancer. 2022;128(1):1-9.", APATINIB]))
    assert row["verdict"] == "consistent"
    assert row["reason"].startswith(f"ref 1 names {named}")


@pytest.mark.parametrize("title", [SINTILIMAB_AI,
                                   "Liu E, et al. Sintilimab plus AI regimen in sarcoma. Ann Oncol. 2023;34:1-2."])
def test_a_regimen_abbreviation_in_a_title_stands_for_its_drugs(title):
    sentence = "信迪利单抗联合多柔比星+异环磷酰胺治疗未分化多形性肉瘤，ORR为60%[1]。"
    row, = checks(article([sentence], [title, APATINIB]))
    assert row["verdict"] == "consistent"
    assert "doxorubicin (AI), ifosfamide (AI), sintilimab" in row["reason"]
    assert "regimen.ai" in row["rule"].split(";")


def test_a_regimen_abbreviation_in_a_title_is_what_a_wrong_marker_is_told_to_cite():
    sentence = "信迪利单抗联合AI方案治疗未分化多形性肉瘤，ORR为60%[2]。"
    row, = checks(article([sentence], [SINTILIMAB_AI, APATINIB]))
    assert (row["verdict"], row["suggested_refs"]) == ("mismatch", "1")


@pytest.mark.parametrize("spelling", ["KEYNOTE-189", "KEYNOTE 189", "Keynote189", "(KEYNOTE-189)"])
def test_a_trial_name_in_the_title_is_enough_whatever_its_spelling(spelling):
    sentence = "KEYNOTE-189研究中，帕博利珠单抗联合培美曲塞和铂类治疗非鳞NSCLC，ORR为48%[1]。"
    entry = f"Gandhi L, et al. Results of the {spelling} study in lung cancer. N Engl J Med. 2018;378:2078-92."
    row, = checks(article([sentence], [entry, APATINIB]))
    assert row["verdict"] == "consistent"
    assert "trial KEYNOTE-189" in row["reason"]


@pytest.mark.parametrize("title, named", [("the FRESCO-2 trial", False), ("FRESCO 2 study", False),
                                          ("the FRESCO trial", True), ("FRESCO: a randomized study", True)])
def test_a_trial_name_is_not_named_by_its_numbered_successor(title, named):
    assert names_trial(title, "FRESCO") is named


def test_a_first_author_named_in_the_text_is_enough():
    sentence = "Zhang等报道，安罗替尼联合多柔比星治疗晚期软组织肉瘤，ORR为40%[1]。"
    entry = "Zhang C, et al. A new combination for advanced sarcoma. J Clin Oncol. 2021;39(5):200-210."
    row, = checks(article([sentence], [entry, ANLOTINIB.replace("Wang A", "Wu A")]))
    assert (row["verdict"], row["reason"]) == ("consistent", "ref 1 names first author Zhang")
    assert row["claim"] == "anlotinib+doxorubicin; Zhang et al."


def test_chinese_reference_entries_are_read_with_the_chinese_drug_names():
    entry = "孙七,周八.安罗替尼联合多柔比星治疗晚期软组织肉瘤的II期临床研究[J].中华肿瘤杂志, 2021, 43(2):100-104."
    row, = checks(article([ANLOTINIB_SENTENCE.format(1)], [entry, APATINIB]))
    assert row["verdict"] == "consistent"
    assert row["reason"] == "ref 1 names anlotinib (安罗替尼), doxorubicin (多柔比星), phase II"


def test_without_a_reference_list_every_claim_is_unverifiable():
    row, = checks(article([ANLOTINIB_SENTENCE.format(1)], []))
    assert (row["verdict"], row["reason"]) == ("unverifiable", "the article has no reference list")


def test_markers_that_support_no_number_get_no_row():
    background = "软组织肉瘤约占成人恶性肿瘤的1%[2]。"
    rows = checks(article([background, ANLOTINIB_SENTENCE.format(1)], [ANLOTINIB, REVIEW]))
    assert [row["marker"] for row in rows] == ["[1]"]


def test_documents_count_the_mismatches(tmp_path):
    path = tmp_path / "swapped.txt"
    path.write_text(article([ANLOTINIB_SENTENCE.format(2), APATINIB_SENTENCE.format(1)], [ANLOTINIB, APATINIB]),
                    encoding="utf-8")
    document = process(collect([path])[0])["documents"][0]
    assert (document["citation_mismatches"], document["n_citation_checks"]) == (2, 2)


def test_run_names_the_mismatches_in_its_summary(tmp_path):
    _register()
    path = tmp_path / "in" / "swapped.txt"
    path.parent.mkdir()
    path.write_text(article([ANLOTINIB_SENTENCE.format(2), APATINIB_SENTENCE.format(1)], [ANLOTINIB, APATINIB]),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "-o", str(tmp_path / "out"), "--formats", "csv"])
    assert result.exit_code == 0, result.output
    assert "citation checks: 2 mismatch(es) found" in result.output
    assert "swapped [2]: cites 2, suggested 1" in result.output


# ---- rows built by hand: how markers get their claims ----------------------------------------------

def _rows(outcomes: list[dict], markers: list[tuple[str, int]], references: list[str]) -> dict:
    citations = [{"doc_id": "h", "marker": f"[{refs.replace(';', ',')}]", "refs": refs, "start": start,
                  "end": start + 3, "sentence": ""} for refs, start in markers]
    entries = [{"ref_no": n, "title": title, "text": title, "kind": "journal", "year": "", "first_author": ""}
               for n, title in enumerate(references, start=1)]
    return {"outcomes": outcomes, "trials": [], "citations": citations, "references": entries}


def test_a_number_belongs_to_the_next_marker_citing_its_refs():
    outcomes = [{"drugs": "apatinib+ifosfamide", "citation": "1", "start": 10, "end": 12, "sentence": ""},
                {"drugs": "anlotinib+doxorubicin", "citation": "1", "start": 40, "end": 42, "sentence": ""}]
    rows = check_citations(_rows(outcomes, [("1", 20), ("1", 50)], ["Apatinib and ifosfamide", "Anlotinib"]),
                           VOCAB)
    assert [(r["start"], r["claim"]) for r in rows] == [(20, "apatinib+ifosfamide"), (50, "anlotinib+doxorubicin")]


def test_a_restated_number_after_its_last_marker_stays_with_that_marker():
    outcomes = [{"drugs": "apatinib", "citation": "1", "start": 90, "end": 92, "sentence": ""}]
    rows = check_citations(_rows(outcomes, [("1", 20), ("1", 50)], ["Apatinib"]), VOCAB)
    assert [r["start"] for r in rows] == [50]


def test_a_citation_joined_from_two_markers_checks_each_marker():
    outcomes = [{"drugs": "apatinib", "citation": "1;2", "start": 10, "end": 12, "sentence": ""}]
    rows = check_citations(_rows(outcomes, [("1", 20), ("2", 25)], ["Apatinib", "Apatinib in sarcoma"]), VOCAB)
    assert [(r["refs"], r["verdict"]) for r in rows] == [("1", "consistent"), ("2", "consistent")]


def test_a_marker_citing_several_entries_is_consistent_when_one_of_them_names_the_claim():
    outcomes = [{"drugs": "apatinib", "citation": "1;2", "start": 10, "end": 12, "sentence": "阿帕替尼"}]
    rows = check_citations(_rows(outcomes, [("1;2", 20)], ["Sorafenib in sarcoma", "Apatinib in sarcoma"]), VOCAB)
    assert [(r["verdict"], r["reason"]) for r in rows] == [("consistent", "ref 2 names apatinib")]


def test_a_linking_slip_alone_never_raises_a_mismatch():
    """The rows say apatinib but the sentence names no drug: without the text's word, no alarm."""
    outcomes = [{"drugs": "apatinib", "citation": "1", "start": 10, "end": 12, "sentence": "ORR为40%"}]
    rows = check_citations(_rows(outcomes, [("1", 20)], ["Sorafenib in sarcoma", "Apatinib in sarcoma"]), VOCAB)
    assert [r["verdict"] for r in rows] == ["unverifiable"]


# ---- vocabulary and string folding -------------------------------------------------------------------

@pytest.mark.parametrize("title, drugs", [
    ("Lenvatinib with etoposide plus ifosfamide-based chemotherapy",
     {"lenvatinib", "etoposide", "ifosfamide", "chemotherapy"}),
    ("Ifosfamide, carboplatin, and etoposide (ICE) reinduction", {"ifosfamide", "carboplatin", "etoposide"}),
    ("Sintilimab, doxorubicin and ifosfamide (AI)", {"sintilimab", "doxorubicin", "ifosfamide"}),
    ("AIDS-related lymphoma and trial design", set()),
    ("安罗替尼联合蒽环类药物", {"anlotinib", "anthracycline"}),
    ("Anthracyclines in sarcoma", {"anthracycline"}),
])
def test_drugs_in_titles(title, drugs):
    assert set(VOCAB.drugs_in(title)) == drugs


@pytest.mark.parametrize("claimed, named, related", [
    ("doxorubicin", "anthracycline", True), ("anthracycline", "doxorubicin", True),
    ("doxorubicin", "doxorubicin", True), ("letrozole", "goserelin", False), ("doxorubicin", "epirubicin", False),
])
def test_related_drugs(claimed, named, related):
    assert VOCAB.related(claimed, named) is related


@pytest.mark.parametrize("low, high, code", [("2", "", "II"), ("1", "2", "I/II"), ("Ⅲ", "", "III"),
                                             ("II", "III", "II/III")])
def test_phase_codes(low, high, code):
    assert phase_code(low, high) == code


@pytest.mark.parametrize("title, phases", [("a single-arm, phase 2 trial", {"II"}), ("Phase II/III trial of X", {"II/III"}),
                                           ("一项II期临床研究", {"II"}), ("phase 1/2 study", {"I/II"}),
                                           ("a randomized trial", set())])
def test_phases_in_titles(title, phases):
    assert VOCAB.phases_in(title) == phases


@pytest.mark.parametrize("author, family", [("Goorin AM", "Goorin"), ("García Del Muro X", "García Del Muro"),
                                            ("王凯", "王凯"), ("Van Winkle P", "Van Winkle"), ("", "")])
def test_family_names(author, family):
    assert family_name(author) == family


def test_trial_aliases_split_on_slashes_and_drop_short_parts():
    assert trial_aliases("OAIE/PKUPH-sarcoma 11") == [" oaie pkuph sarcoma 11 ", " oaie ", " pkuph sarcoma 11 "]
    assert trial_aliases("A/B") == []  # too short to be looked up in a title


@given(st.text(max_size=40))
def test_folding_is_idempotent_and_case_blind(text):
    once = fold_words(text)
    assert fold_words(once) == once
    assert fold_words(text.upper()) == fold_words(text.lower()) or not text.isascii()


# ---- corpora -------------------------------------------------------------------------------------------

def test_seed_has_exactly_the_gold_mismatch_and_every_consistent_reason_names_a_match():
    text = (ROOT / "corpus" / "articles" / "dxy_ifo_sarcoma.txt").read_text(encoding="utf-8")
    rows = extract_text(text, doc_id="dxy_ifo_sarcoma")["citation_checks"]
    with open(ROOT / "corpus" / "gold" / "citation_checks.csv", encoding="utf-8") as handle:
        gold = [(g["refs"], g["suggested_refs"]) for g in csv.DictReader(handle) if g["doc_id"] == "dxy_ifo_sarcoma"]
    assert [(r["refs"], r["suggested_refs"]) for r in rows if r["verdict"] == "mismatch"] == gold == [("12", "13")]
    consistent = [r for r in rows if r["verdict"] == "consistent"]
    assert consistent and all(r["reason"].startswith("ref ") and " names " in r["reason"] for r in consistent)


def _checks(tmp_path, predicted: str, gold_rows: str):
    """A predicted and a gold citation_checks table, evaluated."""
    pred, gold = tmp_path / "pred", tmp_path / "gold"
    pred.mkdir(), gold.mkdir()
    header = "doc_id,marker,refs,suggested_refs,verdict\n"
    (pred / "citation_checks.csv").write_text(header + predicted, encoding="utf-8")
    (gold / "citation_checks.csv").write_text(header + gold_rows, encoding="utf-8")
    return evaluate(pred, gold).tables["citation_checks"]


def test_evaluate_scores_only_the_mismatch_rows(tmp_path):
    scores = _checks(tmp_path, "d,[1],1,,consistent\nd,[2],2,3,mismatch\n", "d,[2],2,3,mismatch\n").scores
    assert (scores["tp"], scores["pred"], scores["gold"]) == (1, 1, 1)


def test_evaluate_names_a_wrong_suggestion(tmp_path):
    errors = _checks(tmp_path, "d,[2],2,4,mismatch\n", "d,[2],2,3,mismatch\n").errors
    assert [(e["kind"], e["cause"], e["key"]["suggested_refs"]) for e in errors] == [
        ("missed", "wrong suggestion", "3"), ("spurious", "wrong suggestion", "4")]


@pytest.mark.parametrize("folder", ["corpus-written/articles", "corpus-real"])
def test_no_mismatch_where_citations_are_right(folder):
    if not (SHARED / folder).is_dir():
        pytest.skip(f"{SHARED / folder} is absent")
    found = [(job.doc_id, row["marker"]) for job in collect([SHARED / folder])
             for row in process(job)["citation_checks"] if row["verdict"] == "mismatch"]
    assert found == []
