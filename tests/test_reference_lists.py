"""Reference lists under a heading in either script or in English; their markers are never body citations."""
from __future__ import annotations

import pytest

from pipeline.extracting import extract_text

BODY = ("某药治疗晚期胃癌的III期研究\n\n"
        "研究显示，A药组中位PFS为9.5个月，对照组为5.1个月[1]。两组ORR分别为45%和30%[2,3]。\n\n")
ENTRIES = ("[1] Wang L, Li M, et al. A phase III trial in gastric cancer [12]. Lancet Oncol. 2023;24(5):100-110.\n\n"
           "[2] 张三，李四。某药治疗晚期胃癌的疗效分析[J]。中华肿瘤杂志，2024，46(3)：201-205.\n\n"
           "[3] Chen X, et al. Updated results [see 4-6]. J Clin Oncol. 2022;40(16):4001.\n")


@pytest.mark.parametrize("heading", ["参考文献", "參考文獻", "参考资料", "參考資料", "References", "REFERENCES",
                                     "Reference:", "【參考文獻】", "# References"])
def test_reference_list_under_any_heading(heading):
    tables = extract_text(BODY + heading + "\n\n" + ENTRIES, doc_id="refs")
    assert [(r["ref_no"], r["year"]) for r in tables["references"]] == [(1, "2023"), (2, "2024"), (3, "2022")]
    assert [(c["marker"], c["refs"], c["resolved"]) for c in tables["citations"]] == [
        ("[1]", "1", True), ("[2,3]", "2;3", True)]  # none of the list's own brackets


def test_traditional_reference_heading_keeps_the_entries_out_of_the_body():
    text = BODY.replace("研究显示", "研究顯示") + "參考文獻\n\n" + ENTRIES
    mentions = extract_text(text, doc_id="trad")["mentions"]
    assert not [m for m in mentions if m["label"] == "CITE" and m["start"] > text.index("參考文獻")]
