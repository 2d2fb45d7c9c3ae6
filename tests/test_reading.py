"""Reading: every encoding, HTML, page chrome, sections, and a specific error for each bad file."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extracting import page_cues
from pipeline.reading import ReadError, read_bytes, read_path
from pipeline.rules import load_rules

CUES = page_cues(load_rules())
SEED = Path(__file__).resolve().parent.parent / "corpus" / "articles" / "dxy_ifo_sarcoma.txt"
TEXT = "瑞戈非尼治疗研究\n\n结果显示，瑞戈非尼组中位OS为6.4个月。\n"


@pytest.mark.parametrize("encoding,recorded", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
    ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
])
def test_encodings_round_trip(encoding, recorded):
    article = read_bytes(TEXT.encode(encoding), "a.txt", CUES)
    assert article.text == TEXT and article.encoding == recorded


def test_html_page_keeps_the_article_and_drops_chrome():
    page = ("<html><head><title>瑞戈非尼治疗研究</title></head><body><nav>首页 登录 搜索</nav>"
            "<div class='share-bar'>分享到微博</div><article><p>结果显示，瑞戈非尼组中位OS为6.4个月。</p>"
            "<p>第二段。</p></article><footer>版权所有</footer></body></html>")
    article = read_bytes(page.encode(), "page.html", CUES)
    assert article.title == "瑞戈非尼治疗研究"
    assert "中位OS为6.4个月" in article.text
    assert "首页" not in article.text and "分享" not in article.text and "版权" not in article.text


@pytest.mark.parametrize("data,message", [
    (b"", "empty file"),
    (b"   \n\n", "empty file"),
    (b"%PDF-1.7\n...", "binary file (PDF)"),
    (b"\x89PNG\r\n\x1a\n....", "binary file (PNG image)"),
    (b"abc\x00\x01\x02\x03" * 20, "binary file (contains NUL bytes)"),
    ("中文".encode("utf-8") + b"\xff\xfe\xfd\x81\x30", "cannot decode"),
])
def test_bad_bytes_get_a_specific_error(data, message):
    with pytest.raises(ReadError) as info:
        read_bytes(data, "bad.txt", CUES)
    assert info.value.message.startswith("bad.txt: ") and message in info.value.message


def test_missing_and_oversized_files(tmp_path):
    with pytest.raises(ReadError, match="nope.txt: cannot read"):
        read_path(tmp_path / "nope.txt", CUES)
    big = tmp_path / "big.txt"
    big.write_text("很长的文章。" * 1000, encoding="utf-8")
    with pytest.raises(ReadError, match="big.txt: file is .* MB, over the limit"):
        read_path(big, CUES, max_bytes=1000)


@pytest.mark.skipif(not SEED.exists(), reason="seed article absent")
def test_seed_sections():
    article = read_path(SEED, CUES)
    kinds = {}
    for s in article.sections:
        kinds.setdefault(s.kind, []).append(article.text[s.start:s.end].strip())
    assert article.title == "聚焦转移性/复发性骨与软组织肉瘤,化疗与新型药物联合治疗策略探索"
    assert len(kinds["reference"]) == 15
    assert [c[:2] for c in kinds["caption"]] == ["图1", "图2", "图3", "图4"]
    assert "结语" in kinds["heading"]
    assert any(c.startswith("发布于") for c in kinds["chrome"])
    assert any(c.startswith("本篇内容对您是否有帮助") for c in kinds["chrome"])
    assert any("中位PFS达8.7个月" in p for p in kinds["paragraph"])


def test_byline_trailers_are_chrome():
    text = "某药获批用于晚期肺癌患者治疗\n研究显示中位OS为12.0个月。\n作者：张三\n来源：某网站\n链接：http://x.y/z\n"
    article = read_bytes(text.encode(), "n.txt", CUES)
    chrome = [article.text[s.start:s.end] for s in article.sections if s.kind == "chrome"]
    assert chrome == ["作者：张三", "来源：某网站", "链接：http://x.y/z"]
