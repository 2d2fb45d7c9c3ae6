"""Reading: every encoding, HTML, a specific error for each bad file, page chrome and sections."""
from __future__ import annotations

from pathlib import Path

import pytest
import regex
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.reading import ROLES, Article, ReadError, cues_from_entries, read_bytes, read_path, read_text

ROOT = Path(__file__).resolve().parent.parent
PAGE_RULES = yaml.safe_load((ROOT / "rules" / "page.yaml").read_text(encoding="utf-8"))["entries"]
CUES = cues_from_entries(PAGE_RULES)
SEED = next((p for p in (ROOT / "corpus" / "articles" / "dxy_ifo_sarcoma.txt",
                         ROOT.parent / "shared" / "corpus" / "dxy_ifo_sarcoma.txt") if p.exists()), None)
REAL = sorted((ROOT.parent / "shared" / "corpus-real").glob("*.txt"))
TEXT = "瑞戈非尼治疗晚期结直肠癌研究\n\n结果显示，瑞戈非尼组中位OS为6.4个月。\n"
EFFICACY = regex.compile(r"\d(?:\.\d+)?\s*(?:%|％|个月)|HR\s*[=＝]?\s*\d|\\%")


def kinds(article: Article) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for s in article.sections:
        found.setdefault(s.kind, []).append(article.text[s.start:s.end])
    return found


# --- the rules of page.yaml document and test themselves ---------------------------------------

def _rule_cases():
    for rule in PAGE_RULES:
        for example in rule.get("examples", []):
            yield pytest.param(rule, example, True, id=f"{rule['id']}+{example[:14]}")
        for example in rule.get("not", []):
            yield pytest.param(rule, example, False, id=f"{rule['id']}-{example[:14]}")


@pytest.mark.parametrize("rule,example,should_match", list(_rule_cases()))
def test_page_rule_examples(rule, example, should_match):
    assert bool(regex.search(rule["regex"], example.strip())) is should_match


@pytest.mark.parametrize("rule", PAGE_RULES, ids=[r["id"] for r in PAGE_RULES])
def test_page_rules_have_the_closed_shape(rule):
    assert {"id", "role", "regex"} <= set(rule) <= {"id", "role", "regex", "examples", "not"}
    assert rule["role"] in ROLES and rule.get("examples")
    assert not regex.compile(rule["regex"]).fullmatch("")


# --- bytes -> text -------------------------------------------------------------------------------

@pytest.mark.parametrize("data,recorded", [
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("utf-8-sig"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
    (TEXT.encode("gbk"), "gb18030"),
    (TEXT.encode("utf-16"), "utf-16"),
    (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16"),
    (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("utf-32"), "utf-32"),
], ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32"])
def test_encodings_round_trip(data, recorded):
    article = read_bytes(data, "a.txt", CUES)
    assert article.text == TEXT and article.encoding == recorded
    assert article.title == "瑞戈非尼治疗晚期结直肠癌研究"


def test_windows_line_ends_become_newlines():
    article = read_bytes(TEXT.replace("\n", "\r\n").encode("gb18030"), "a.txt", CUES)
    assert article.text == TEXT


@pytest.mark.parametrize("data,problem", [
    (b"", "empty file"),
    (b"  \r\n\n\t", "empty file"),
    (b"\xff\xfe", "empty file"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (PDF)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image)"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "binary file (JPEG image)"),
    (b"PK\x03\x04\x14\x00\x06\x00", "binary file (ZIP"),
    (bytes(range(256)) * 8, "binary file (contains NUL bytes)"),
    (b"abc\x00\x01\x02\x03" * 20, "binary file (contains NUL bytes)"),
    ("中文".encode("utf-8") + b"\xff\xfe\xfd\x81\x30", "cannot decode: not UTF-8, UTF-16 or GB18030 (first bad byte at "
                                                       "offset 6"),
    (TEXT.encode("gb18030")[:10] + b"\x80" + TEXT.encode("gb18030")[10:],
     "cannot decode: not UTF-8, UTF-16 or GB18030 (first bad byte at offset 10"),
])
def test_bad_files_get_a_specific_error_naming_them(tmp_path, data, problem):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        read_path(path, CUES)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert info.value.message == message and "; " in message.removeprefix(f"{path}: ")  # a hint follows


def test_missing_file_directory_and_oversized_file(tmp_path):
    with pytest.raises(ReadError, match=r"nope\.txt: cannot read: No such file or directory; "):
        read_path(tmp_path / "nope.txt", CUES)
    with pytest.raises(ReadError, match=r": cannot read: Is a directory"):
        read_path(tmp_path, CUES)
    big = tmp_path / "big.txt"
    big.write_text("很长的文章。" * 1000, encoding="utf-8")
    with pytest.raises(ReadError, match=r"big\.txt: file is 0\.018 MB, over the limit of 0\.001 MB; "):
        read_path(big, CUES, max_bytes=1000)
    assert read_path(big, CUES).doc_id == "big"


def test_html_page_keeps_the_article_and_drops_chrome():
    page = ("<!DOCTYPE html><html><head><title>瑞戈非尼治疗研究 - 丁香园</title><script>var x = '首页';</script>"
            "</head><body class='has-sidebar'><div id='header'><a href='/'>首页</a> <a>登录</a></div>"
            "<nav>首页 登录 搜索</nav><div class='share-bar'>分享到微博</div><div class='main'><article>"
            "<h2>研究结果</h2><p>结果显示，瑞戈非尼组中位OS为6.4个月，\n安慰剂组为5.0个月。</p><p>第二段<br>换行。</p>"
            "<figure><img src='a.png'><figcaption>图1：OS曲线</figcaption></figure>"
            "<table><tr><td>组别</td><td>ORR</td></tr><tr><td>A组</td><td>36%</td></tr></table>"
            "<div class='comment-list'><p>评论：好文章</p></div></article></div>"
            "<aside>相关推荐</aside><footer>版权所有</footer></body></html>")
    article = read_bytes(page.encode("gb18030"), "page.html", CUES)
    assert article.encoding == "gb18030" and article.title == "瑞戈非尼治疗研究"
    assert article.text.startswith("瑞戈非尼治疗研究\n\n研究结果\n\n")
    assert "结果显示，瑞戈非尼组中位OS为6.4个月，安慰剂组为5.0个月。" in article.text
    assert "第二段\n换行。" in article.text and "组别\tORR\nA组\t36%" in article.text
    for chrome in ("首页", "登录", "分享", "评论", "相关推荐", "版权", "var x"):
        assert chrome not in article.text
    found = kinds(article)
    assert found["title"] == ["瑞戈非尼治疗研究"] and found["caption"] == ["图1：OS曲线"]


def test_html_without_article_element_uses_the_densest_container():
    page = ("<html><body><form><div class='top-menu'>首页 搜索 登录</div><div class='content'>"
            "<h1>晚期骨肉瘤联合治疗进展</h1><div><p>这是正文第一段，中位PFS为8.7个月。</p><p>第二段正文。</p></div></div>"
            "<div class='recommend'><p>推荐文章标题一二三四五</p></div></form></body></html>")
    article = read_bytes(page.encode(), "p.htm", CUES)
    assert article.text == "晚期骨肉瘤联合治疗进展\n\n这是正文第一段，中位PFS为8.7个月。\n\n第二段正文。\n"
    assert article.title == "晚期骨肉瘤联合治疗进展"


# --- sections ------------------------------------------------------------------------------------

def _well_formed(article: Article) -> None:
    """Offsets inside the text, on stripped content, in order; only list entries nest in the list."""
    previous_end = 0
    for s in article.sections:
        assert 0 <= s.start < s.end <= len(article.text)
        assert article.text[s.start:s.end] == article.text[s.start:s.end].strip()
        if s.kind != "reference":
            assert s.start >= previous_end
            previous_end = s.end


@pytest.mark.skipif(SEED is None, reason="seed article absent")
def test_seed_sections():
    article = read_path(SEED, CUES)
    found = kinds(article)
    _well_formed(article)
    assert article.doc_id == "dxy_ifo_sarcoma" and article.encoding == "utf-8"
    assert article.title == "聚焦转移性/复发性骨与软组织肉瘤,化疗与新型药物联合治疗策略探索"
    assert len(found["reference"]) == 15 and len(found["references"]) == 1
    assert found["reference"][0].startswith("[1]\u00a0王凯") and found["reference"][-1].startswith("[15]")
    assert found["references"][0].startswith("参考文献") and found["references"][0].endswith("468-475.")
    assert [c[:3] for c in found["caption"]] == ["图1:", "图2:", "图3:", "图4:"]  # ASCII colons in this file
    assert "结语" in found["heading"] and "l\u00a0含IFO方案联合免疫" in found["heading"]
    assert "晚期软组织肉瘤:IFO联合方案崭露头角,未来治疗前景可期" in found["heading"]
    assert "发布于 01-16 · 浏览 8796 · IP\u00a0浙江浙江" in found["chrome"]
    assert found["chrome"][:4] == ["dxy logo", "首页丁香园病例库全部版块", "搜索", "登录"]
    end = next(s.start for s in article.sections if article.text[s.start:s.end].startswith("本篇内容对您是否有帮助"))
    assert {s.kind for s in article.sections if s.start >= end} == {"chrome"}
    assert article.text[end:].count("\n") > 15  # the whole footer
    assert any("中位PFS达8.7个月" in p for p in found["paragraph"])
    assert not any(EFFICACY.search(c) for c in found["chrome"])


@pytest.mark.skipif(not REAL, reason="corpus-real absent")
@pytest.mark.parametrize("path", REAL, ids=[p.stem[:12] for p in REAL])
def test_real_articles_keep_every_efficacy_line(path):
    article = read_path(path, CUES)
    _well_formed(article)
    found = kinds(article)
    assert article.title and "paragraph" in found
    for line in article.text.splitlines():
        if regex.match(r"(?:作者|来源|链接|日期|关键词)：", line):
            assert line.strip() in found["chrome"]
    assert not any(EFFICACY.search(c) for c in found.get("chrome", []))


def test_byline_trailers_are_chrome():
    text = "某药获批用于晚期肺癌患者治疗\n研究显示中位OS为12.0个月。\n作者：张三\n来源：某网站\n链接：http://x.y/z\n"
    assert kinds(read_text(text, CUES))["chrome"] == ["作者：张三", "来源：某网站", "链接：http://x.y/z"]


def test_paragraph_is_a_blank_line_separated_block():
    text = "某药治疗晚期肺癌的研究进展\n第一行正文，\n继续第一段。\n\n第二段正文。\n结语\n\n收尾段落。"
    found = kinds(read_text(text, CUES))
    assert found["paragraph"] == ["第一行正文，\n继续第一段。", "第二段正文。", "收尾段落。"]
    assert found["heading"] == ["结语"]


@pytest.mark.parametrize("line,kind", [
    ("结语", "heading"),
    ("晚期软组织肉瘤：IFO联合方案崭露头角，未来治疗前景可期", "heading"),
    ("# 1化疗", "heading"),
    ("2曲妥珠单抗治疗敏感人群", "heading"),
    ("直肠癌行辅助化疗VS术后辅助放疗谁更有效？", "heading"),
    ("**目的**：评估EAP方案的疗效", "paragraph"),
    ("中位PFS达8.7个月", "paragraph"),
    ("ORR为36%，DCR为82%", "paragraph"),
    ("研究结果如下：", "paragraph"),
    ("图2：研究主要终点ORR结果", "caption"),
    ("表1 患者基线特征", "caption"),
    ("关注我们，获取更多资讯", "chrome"),
    ("点击上方蓝字关注我们", "chrome"),
    ("责任编辑：王五", "chrome"),
    ("版权声明：本文为原创，转载请注明出处。", "chrome"),
    ("阅读 1.2万", "chrome"),
    ("点赞 在看 分享", "chrome"),
    ("1 7 84", "chrome"),
])
def test_line_kinds(line, kind):
    article = read_text(f"某药治疗晚期肺癌的研究进展\n\n第一段正文。\n\n{line}\n\n最后一段正文。\n", CUES)
    assert line in kinds(article)[kind]


def test_wrapped_short_line_continues_its_paragraph():
    text = "某药治疗晚期肺癌的研究进展\n\n樊征夫，李舒，方志伟，刘佳勇\n北京大学肿瘤医院骨与软组织肿瘤科教育部重点实\n验室，北京 100142\n"
    assert kinds(read_text(text, CUES))["paragraph"] == [text.split("\n\n")[1].strip()]


def test_title_rules():
    assert read_text("dxy logo\n搜索\n\n# 临床研究\n\n# 吉非替尼一线治疗晚期肺癌的疗效\n\n正文。", CUES).title \
        == "吉非替尼一线治疗晚期肺癌的疗效"
    assert read_text("# 【注释】\n\n# 1化疗\n\n正文。", CUES).title == "【注释】"
    assert read_text("Padcev获FDA批准用于尿路上皮癌\n\n正文。", CUES).title == "Padcev获FDA批准用于尿路上皮癌"
    no_title = read_text("这是一段正文，没有标题，中位OS为12个月。\n\n第二段。", CUES)
    assert no_title.title == "" and kinds(no_title).keys() == {"paragraph"}


def test_reference_list_entries_and_continuations():
    text = ("某药治疗晚期肺癌的研究进展\n\n正文[1]。\n\n参考文献\n\n[1] Wang A, et al. Title one.\nJ Clin Oncol. 2020.\n"
            "[2] 李四.中文标题[J].癌症, 2022, 41(8):368-384.\n\n3. Third entry. 2021;5(2):1-9.\n\n相关推荐\n某推荐文章")
    found = kinds(read_text(text, CUES))
    assert found["reference"] == ["[1] Wang A, et al. Title one.\nJ Clin Oncol. 2020.",
                                  "[2] 李四.中文标题[J].癌症, 2022, 41(8):368-384.", "3. Third entry. 2021;5(2):1-9."]
    assert found["references"][0].startswith("参考文献") and found["references"][0].endswith("1-9.")
    assert found["chrome"] == ["相关推荐", "某推荐文章"]


def test_a_list_heading_without_entries_is_a_heading():
    found = kinds(read_text("某药治疗晚期肺癌的研究进展\n\n参考文献\n\n这不是文献条目而是正文。", CUES))
    assert found["heading"] == ["参考文献"] and found["paragraph"] == ["这不是文献条目而是正文。"]
    assert "reference" not in found


LINES = st.sampled_from([
    "", "", "结语", "# 1化疗", "某药治疗晚期肺癌的研究进展", "研究显示中位OS为12.0个月。", "续行没有句号", "图1：OS曲线",
    "参考文献", "[1] Wang A, et al. J Clin Oncol. 2020;38(5):1-9.", "2. 李四.标题[J].癌症, 2022.", "作者：张三",
    "本篇内容对您是否有帮助?", "img", "1 7 84", "  \u3000缩进的段落，中位PFS为5.5个月。 ", "**目的**：评估疗效", "\t",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(LINES, st.text(max_size=12)), max_size=30).map("\n".join))
def test_sections_are_well_formed_for_any_text(text):
    article = read_text(text, CUES)
    _well_formed(article)
    assert {s.kind for s in article.sections} <= {"title", "heading", "paragraph", "caption", "references",
                                                  "reference", "chrome"}
    assert sum(s.kind == "title" for s in article.sections) <= 1
