"""Traditional script (繁體): matched through simplified forms, reported in the article's own characters."""
from __future__ import annotations

import random
from pathlib import Path

import opencc
import pytest

from pipeline.batch import Job, process
from pipeline.extracting import extract_text
from pipeline.tables import TABLES

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ROOT.parent / "shared" / "corpus-written"
TRAD_DOC = "crc_firstline_targeted_trad"
T2S = opencc.OpenCC("t2s")

# An invented article: page chrome, a design sentence with arms, results with CI and P values,
# a regimen defined inline, citations and a reference list under a traditional heading.
ARTICLE = """腫瘤資訊 | 消化道腫瘤頻道
首頁 > 學術前沿 > 胃癌

一文回顧晚期胃癌一線治療的關鍵III期研究

導讀：本文梳理一項隨機對照研究的核心數據。

一項多中心、隨機對照III期研究共入組412例HER2陰性晚期胃癌患者，按1:1隨機接受信迪利單抗聯合XELOX方案（奧沙利鉑+卡培他濱）或安慰劑聯合XELOX方案治療[1]。

結果顯示，信迪利單抗組的中位總生存期為15.2個月，安慰劑組為12.3個月（HR=0.77，95%CI：0.64~0.92，P=0.0021）[1]。兩組的客觀緩解率分別為58.2%和48.4%[2]。

參考文獻

[1] Xu J, Jiang H, Pan Y, et al. Sintilimab plus chemotherapy for unresectable gastric cancer. JAMA. 2023;330(21):2064-2074.

[2] 張三，李四。信迪利單抗治療晚期胃癌的療效分析[J]。中華腫瘤雜誌，2024，46(3)：201-205.

責任編輯：黃曉彤
版權聲明：本文為腫瘤資訊原創整理。
"""
TEXT_COLUMNS = {"sentence", "arm", "name", "definition", "marker", "text", "title", "names", "first_author", "source"}
ENCODINGS = ["utf-8", "big5", "big5hkscs", "gb18030", "utf-16"]


def _tables(tables: dict, fold: bool) -> dict:
    """Rows without the columns that name the file; text columns in simplified when ``fold``."""
    def cell(column, value):
        return T2S.convert(value) if fold and column in TEXT_COLUMNS and isinstance(value, str) else value

    return {t: [{c: cell(c, v) for c, v in row.items() if c not in {"path", "encoding", "doc_id"}}
                for row in tables[t]] for t in ["documents", *TABLES]}


def test_traditional_article_goes_through_every_table():
    tables = extract_text(ARTICLE, doc_id="trad")
    outcomes = {(o["endpoint"], o["measure"], o["value"]): o for o in tables["outcomes"]}
    assert set(outcomes) == {("OS", "median", "15.2"), ("OS", "median", "12.3"), ("OS", "hr", "0.77"),
                             ("ORR", "rate", "58.2"), ("ORR", "rate", "48.4")}
    hr = outcomes[("OS", "hr", "0.77")]
    assert (hr["ci_low"], hr["ci_high"], hr["p_value"], hr["citation"]) == ("0.64", "0.92", "0.0021", "1")
    assert "信迪利單抗組的中位總生存期" in hr["sentence"]  # the article's own characters
    assert outcomes[("OS", "median", "15.2")]["arm"] == "信迪利單抗組"
    assert {d["drug"] for d in tables["drugs"]} >= {"sintilimab", "oxaliplatin", "capecitabine"}
    regimen = next(r for r in tables["regimens"] if r["definition"])
    assert (regimen["name"], regimen["definition"]) == ("XELOX方案", "奧沙利鉑+卡培他濱")
    assert regimen["drugs"] == "capecitabine+oxaliplatin"
    assert [(r["ref_no"], r["kind"], r["year"]) for r in tables["references"]] == [
        (1, "journal", "2023"), (2, "journal", "2024")]
    assert [(c["marker"], c["refs"]) for c in tables["citations"]] == [("[1]", "1"), ("[1]", "1"), ("[2]", "2")]
    assert tables["trials"] and tables["trials"][0]["n"] == "412"
    assert tables["documents"][0]["title"] == "一文回顧晚期胃癌一線治療的關鍵III期研究"
    assert "責任編輯" not in " ".join(m["text"] for m in tables["mentions"])  # page chrome stays out


def test_simplified_copy_gives_the_same_rows():
    traditional = _tables(extract_text(ARTICLE, doc_id="a"), fold=True)
    simplified = _tables(extract_text(T2S.convert(ARTICLE), doc_id="a"), fold=False)
    assert traditional == simplified


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_of_one_article_gives_identical_tables(tmp_path, encoding):
    reference = _tables(extract_text(ARTICLE, doc_id="a"), fold=False)
    path = tmp_path / f"a.{encoding}.txt"
    path.write_bytes(ARTICLE.encode(encoding))
    rows = process(Job(str(path), "a", size=path.stat().st_size))
    assert rows["documents"][0]["status"] == "ok", rows["documents"][0]["error"]
    # a Big5-HKSCS file without HKSCS-only characters is plain Big5: reported so
    assert rows["documents"][0]["encoding"] == {"big5hkscs": "big5"}.get(encoding, encoding)
    assert _tables(rows, fold=False) == reference


def test_big5_hkscs_characters_are_read():
    """Cantonese characters exist only in Big5-HKSCS: plain Big5 cannot decode them."""
    text = ARTICLE.replace("導讀：", "導讀：呢篇文章講嘅係")
    data = text.encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
    from pipeline.reading import decode

    assert decode(data, "hk.txt") == (text, "big5hkscs")


def test_mojibake_only_file_is_an_error_row(tmp_path):
    """Bytes that GB18030 accepts but that read as no language are an error, never an ok document."""
    noise = random.Random(7)
    path = tmp_path / "garbled.txt"
    path.write_bytes(bytes(noise.randrange(0xA1, 0xFE) for _ in range(4000)))
    row = process(Job(str(path), "garbled", size=path.stat().st_size))["documents"][0]
    assert row["status"] == "error"
    assert row["error"].startswith(f"{path}: decodes only to mojibake")


@pytest.mark.skipif(not (WRITTEN / "articles" / f"{TRAD_DOC}.txt").exists(), reason="shared corpus absent")
def test_shared_traditional_article_equals_its_simplified_copy(tmp_path):
    source = WRITTEN / "articles" / f"{TRAD_DOC}.txt"
    copy = tmp_path / f"{TRAD_DOC}.txt"
    copy.write_text(T2S.convert(source.read_text(encoding="utf-8")), encoding="utf-8")
    traditional = process(Job(str(source), TRAD_DOC, size=source.stat().st_size))
    simplified = process(Job(str(copy), TRAD_DOC, size=copy.stat().st_size))
    assert _tables(traditional, fold=True) == _tables(simplified, fold=False)
    assert len(traditional["references"]) == 11 and traditional["citations"]
