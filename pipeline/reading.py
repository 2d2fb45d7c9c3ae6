"""Reading: bytes -> article text, encoding, title and sections.

Knows no medical word: page chrome, end-of-article, reference-list and caption
cues come from ``rules/page.yaml`` (``PageCues``). ``Article.text`` is the
decoded file with ``\\r\\n`` -> ``\\n``; for HTML it is the text extracted from
the page, its title as the first line. Every ``Section`` offset points into it.
"""
from __future__ import annotations

import codecs
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from .errors import MedmineError
from .normalizing import simplify

MAGIC = {b"%PDF-": "PDF", b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image",
         b"PK\x03\x04": "ZIP archive or Office document", b"\xd0\xcf\x11\xe0": "Office document",
         b"\x1f\x8b": "gzip archive", b"7z\xbc\xaf": "7z archive", b"Rar!": "RAR archive", b"\x7fELF": "executable"}
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
HTML_START = regex.compile(r"\s*<(?:!DOCTYPE\s+html|html[\s>])", regex.I)
CJK = regex.compile(r"\p{Han}")
NON_ASCII = regex.compile(r"[^\x00-\x7f]")
ENTRY_START = regex.compile(r"\s*(?:[\[\uff3b\u3010]\s*\d{1,3}\s*[\]\uff3d\u3011]|\d{1,3}\s*[.\uff0e\u3001](?!\d)"
                            r"|[(\uff08]\d{1,3}[)\uff09])")
ENTRY_LIKE = regex.compile(r"\[[JMCDNRSPZ](?:/OL)?\]|\bet al\b|(?:19|20)\d{2}\s*[;,]\s*\d+\s*\(\d+\)\s*:")
FINISHED = tuple("\u3002\uff01\uff1f!?\uff1b;\uff1a:.\u2026")  # a line ending so is a finished sentence
CLOSERS = "\"'\u201d\u2019\u300d\u300f)\uff09]\u3011*"
NOT_HEADING_END = tuple("\u3002\uff0c,\uff1b;\uff1a:\u3001")
SEPARATORS = regex.compile(r"[\uff0c,\u3001\uff1b;]")
LABELLED = regex.compile(r"\*\*[^*]{1,12}\*\*\s*\S")  # **Label**: text -- a labelled paragraph
MARKDOWN_MARKS = regex.compile(r"^\s*#{1,6}\s+|\*\*")
HEADING_MARK = regex.compile(r"#{1,6}\s")
NUMBER = regex.compile(r"\d+")
ENUMERATION = regex.compile(r"\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|\d{1,2}\s*[.、．](?!\d)|[(（][一二三四五六七八九十\d]{1,3}[)）])\s*")
STATISTIC = regex.compile(r"[%\uff05=\uff1d<>\uff1c\uff1e]|\d\.\d")
ROLES = ("chrome", "end", "references", "caption")
DEFAULT_MAX_SIZE, SIZE_VARIABLE = 20_000_000, "MEDMINE_MAX_SIZE"
CUE_LINE = 300  # page cues judge lines up to this long: chrome is short, a longer line is body
# (a page flattened into one line must not lose its article to a cue inside it)


class ReadError(MedmineError):
    """A file that cannot be read as an article: ``<path>: <what is wrong>; <hint>``."""

    code = "E300"

    def __init__(self, name: str, problem: str, hint: str):
        super().__init__(f"{name}: {problem}; {hint}")


@dataclass(frozen=True)
class PageCues:
    chrome: tuple  # compiled patterns; a stripped line matching any is page chrome
    end: tuple  # a line matching ends the article body: it and all after it are chrome
    references: tuple  # a line matching starts the reference list
    caption: tuple  # a figure or table caption line


def cues_from_entries(entries: list[dict]) -> PageCues:
    """Compile the page rules once; validating roles is the rule loader's job, not ours."""
    roles: dict[str, list] = {role: [] for role in ROLES}
    for entry in entries:
        roles[entry["role"]].append(_compile(entry["regex"]))
    return PageCues(*(tuple(roles[role]) for role in ROLES))


def _compile(pattern: str):
    """The standard library's engine where the pattern allows (several times faster on these
    line-anchored cues), else ``regex`` for its extra syntax such as ``\\p{Han}``."""
    try:
        return re.compile(pattern)
    except re.error:
        return regex.compile(pattern)


@dataclass(frozen=True)
class Section:
    kind: str  # title | heading | paragraph | caption | references | reference | chrome
    start: int
    end: int


@dataclass(frozen=True)
class Article:
    doc_id: str
    path: str
    text: str
    encoding: str
    title: str
    sections: tuple[Section, ...]


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """BOM-less UTF-16 has NULs too: accept the byte order whose text clearly reads as text."""
    scores = []
    for encoding in ("utf-16-le", "utf-16-be") if len(data) % 2 == 0 else ():
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        scores.append((len(regex.findall(r"[\p{Han}\p{P}\s\x20-\x7e]", text)) / len(text), text, encoding))
    best = max(scores, default=None)
    return (best[1], best[2]) if best and best[0] > 0.95 else None


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Bytes -> (text, encoding): BOM, strict UTF-8, strict GB18030, then a guarded fallback. Strict on
    purpose: bad bytes mean a damaged file or a wrong guess, and replaced chars would corrupt numbers."""
    if not data.strip():
        raise ReadError(name, "empty file", "nothing to extract; remove it or fill it")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ReadError(name, f"cannot decode as {encoding} despite its byte-order mark (bad byte at "
                                      f"offset {exc.start})", "re-save the file as UTF-8") from None
    kind = next((k for magic, k in MAGIC.items() if data.lstrip(b" \t\r\n").startswith(magic)), None)
    utf16 = _utf16_without_bom(data) if b"\x00" in data and not kind else None
    if kind or b"\x00" in data and not utf16:
        raise ReadError(name, f"binary file ({kind or 'contains NUL bytes'}), not text",
                        "convert it to .txt, .md or .html first")
    if utf16:
        return utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        at = exc.start
    gb = None
    try:  # the common case: a GB file that reads as Chinese needs no detector
        gb = data.decode("gb18030")
        if plausibility(gb) >= PLAUSIBLE_FAST:
            return gb, "gb18030"
    except UnicodeDecodeError as exc:
        at = max(at, exc.start)  # the decoder that got further is the file's likely encoding
    scored = sorted(_candidates(data), key=lambda c: -c[0])
    if scored and scored[0][0] >= PLAUSIBLE:
        return scored[0][1], scored[0][2]
    if gb is not None:  # it decodes, but to nothing a reader could use
        raise ReadError(name, f"decodes only to mojibake (best guess {scored[0][2]}: {scored[0][0]:.0%} of its "
                              "non-ASCII characters read as Chinese)", "re-save the file as UTF-8")
    raise ReadError(name, f"cannot decode: not UTF-8, UTF-16 or GB18030 (first bad byte at offset {at}: "
                          f"0x{data[at]:02x})", "the file is damaged or in another encoding; re-save it as UTF-8")


PLAUSIBLE_FAST, PLAUSIBLE = 0.8, 0.6  # measured: real articles score 0.97-1.0, Big5 read as GB18030 0.23
SAMPLE = 20_000  # non-ASCII characters looked at
SYMBOLS = set("\u00b1\u00d7\u00f7\u2264\u2265\u2248\u00b0\u00b2\u00b3\u00b5\u03b1\u03b2\u03b3\u03bc\u03c7\u2192\u2191\u2193")


@lru_cache(maxsize=1)
def _common_han() -> frozenset:
    """GB2312 level 1: the 3,755 most frequent simplified characters (its rows 0xB0-0xD7)."""
    pairs = (bytes([lead, trail]) for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF))
    return frozenset(p.decode("gb2312") for p in pairs if p < b"\xd7\xfa")


def plausibility(text: str) -> float:
    """Share of the non-ASCII characters that are common Chinese (in either script) or punctuation.

    A wrong legacy decoding still "succeeds" (GB18030 accepts almost any byte pair) but
    yields rare characters, kana, Cyrillic and private-use code points: its share is low.
    """
    rest = simplify("".join(NON_ASCII.findall(text[:SAMPLE * 4]))[:SAMPLE])
    common = _common_han()
    good = sum(1 for ch in rest if ch in common or ch in SYMBOLS or unicodedata.category(ch)[0] in "PZ")
    return good / len(rest) if rest else 1.0


def _candidates(data: bytes) -> list[tuple[float, str, str]]:
    """(plausibility, text, encoding) of every strict decoding: the Chinese legacy encodings and
    charset-normalizer's candidates (it ranks by its own mess measure; Chinese plausibility decides here)."""
    from charset_normalizer import from_bytes

    names = dict.fromkeys(["gb18030", "big5", "big5hkscs"] + [m.encoding for m in from_bytes(data)])
    found = []
    for encoding in names:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if not any(text == t for _, t, _ in found):  # big5hkscs repeats big5 for most files: keep big5
            found.append((plausibility(text), text, encoding))
    return found


DROP_TAGS = {"script", "style", "nav", "header", "footer", "aside", "noscript", "form", "button", "iframe", "svg"}
CHROME_ATTR = regex.compile(r"nav|menu|share|comment|footer|header|sidebar|breadcrumb|toolbar|login|related|recommend",
                            regex.I)
BLOCK_TAGS = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table",
              "blockquote", "figure", "figcaption", "pre", "dl", "dt", "dd", "hr", "caption", "center"}
PARA, BREAK, CELL = "\ue000", "\ue001", "\ue002"  # private-use marks put into the tree before get_text
CJK_OR_PUNCT = r"[\p{Han}\u3000-\u303f\uff01-\uff60]"


def _cjk_in_paragraphs(soup) -> dict[int, int]:
    """CJK chars of <p> text under each element (by id): where the article is."""
    counts: dict[int, int] = {}
    for p in soup.find_all("p"):
        n = len(CJK.findall(p.get_text()))
        for node in [p, *p.parents]:
            counts[id(node)] = counts.get(id(node), 0) + n
    return counts


def _drop_chrome(soup) -> None:
    """Remove page furniture, but never an element holding most of the article
    (ASP.NET pages wrap everything in a <form>; some layouts call the body a "sidebar")."""
    counts = _cjk_in_paragraphs(soup)
    total = max(counts.get(id(soup), 0), 1)
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in {"html", "body", "article", "main"} or counts.get(id(tag), 0) > total / 2:
            continue
        attrs = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
        if tag.name in DROP_TAGS or CHROME_ATTR.search(attrs) and not tag.find("article"):
            tag.decompose()


def _content_root(soup):
    """The largest <article>, else the tightest element holding 80% of the paragraph text."""
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(CJK.findall(a.get_text())))
    counts, node = _cjk_in_paragraphs(soup), soup.body or soup
    while counts.get(id(node), 0):
        inner = [c for c in node.find_all(True, recursive=False) if counts.get(id(c), 0) >= 0.8 * counts[id(node)]]
        if not inner:
            return node
        node = inner[0]
    return node


def _block_text(root) -> str:
    """Block elements as blank-line-separated paragraphs, <br> and table rows as line breaks."""
    for tag in root.find_all(True):
        if tag.name == "br":
            tag.replace_with(BREAK)
        elif tag.name in ("td", "th", "tr"):
            tag.append(BREAK if tag.name == "tr" else CELL)
        elif tag.name in BLOCK_TAGS:
            tag.insert(0, PARA)
            tag.append(PARA)
    text = regex.sub(r"[ \t\r\n\f]+", " ", root.get_text())
    text = regex.sub(f"(?<={CJK_OR_PUNCT}) (?={CJK_OR_PUNCT})", "", text)  # source line breaks in Chinese
    text = text.replace(CELL, "\t").replace(BREAK, "\n")
    blocks = (regex.sub(r"[ \t]*\n[ \t]*", "\n", b).strip(" \t\n") for b in text.split(PARA))
    return "\n\n".join(b for b in blocks if b)


def _extract_html(markup: str) -> tuple[str, str]:
    """(text, title) of a web page: the title first, chrome elements dropped, blocks as paragraphs.
    The title is the first <h1>, else <title> without its site suffix (its longest part)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    h1, page = soup.find("h1"), soup.title.get_text(" ", strip=True) if soup.title else ""
    title = " ".join(h1.get_text(" ", strip=True).split()) if h1 else ""
    title = title or max(regex.split(r"\s+[-|\u2013\u2014]\s+|_|\|", page), key=len).strip()
    _drop_chrome(soup)
    paragraphs = _block_text(_content_root(soup)).split("\n\n")
    if title:
        paragraphs = [title] + [p for k, p in enumerate(paragraphs) if not (k < 5 and p.strip() == title)]
    return "\n\n".join(p for p in paragraphs if p) + "\n", title


def html_to_text(markup: str) -> str:
    """The article text of a web page (what ``Article.text`` holds for HTML files)."""
    return _extract_html(markup)[0]


def read_bytes(data: bytes, name: str, cues: PageCues, doc_id: str | None = None) -> Article:
    """Decode, extract the article if it is a web page, and split into sections."""
    text, encoding = decode(data, name)
    title = ""
    if Path(name).suffix.lower() in HTML_SUFFIXES or HTML_START.match(text[:1000]):
        text, title = _extract_html(text)
    if not text.strip():
        raise ReadError(name, "empty file (no text, only white space or markup)", "nothing to extract; remove it or fill it")
    return read_text(text, cues, doc_id or Path(name).stem, name, encoding, html_title=bool(title))


def max_size() -> int:
    """The largest article medmine reads, in bytes (characters for text given directly):
    ``MEDMINE_MAX_SIZE`` (set by ``medmine run --max-size``), else 20 MB."""
    value = os.environ.get(SIZE_VARIABLE, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_SIZE


def read_path(path: Path, cues: PageCues, doc_id: str | None = None, max_bytes: int | None = None) -> Article:
    """Read one article file; every failure is a ReadError naming the file."""
    path = Path(path)
    max_bytes = max_bytes or max_size()
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(str(path), f"file is {size / 1e6:.3g} MB, over the limit of {max_bytes / 1e6:.3g} MB",
                            "split it, or raise the limit with medmine run --max-size")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), f"cannot read: {exc.strerror or exc}", "check the path and its permissions") \
            from None
    return read_bytes(data, str(path), cues, doc_id or path.stem)


def read_text(text: str, cues: PageCues, doc_id: str = "text", path: str = "", encoding: str = "utf-8",
              html_title: bool = False) -> Article:
    """An article from decoded text (``html_title``: the first line is a web page's title)."""
    if len(text) > max_size():
        raise ReadError(path or doc_id, f"text of {len(text):,} characters is over the limit of {max_size():,}",
                        "split it, or raise the limit with medmine run --max-size")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # cues are simplified like the lexicons; simplify() keeps every offset
    sections = tuple(split_sections(simplify(text), cues, first_line_is_title=html_title))
    title = next((text[s.start:s.end] for s in sections if s.kind == "title"), "")
    return Article(doc_id, path, text, encoding, _bare(title), sections)


def _bare(line: str) -> str:
    """A line without markdown heading marks and bold markers, for the shape tests below."""
    return MARKDOWN_MARKS.sub("", line).strip()


def _matches(patterns: tuple, line: str) -> bool:
    return any(p.search(line) for p in patterns)


def _is_heading(line: str, continues_line: bool) -> bool:
    """Short, unpunctuated, at most one number: a heading. A short line that continues an
    unfinished one (PDF wrapping) or a ``**label**`` followed by text is prose."""
    bare = _bare(line)
    numbered = ENUMERATION.match(bare)  # 二、尤文肉瘤：强化方案，疗效有限 / 1. KEYNOTE-590：…
    text = bare[numbered.end():] if numbered else bare
    return HEADING_MARK.match(line) is not None or (
        0 < len(bare) <= 40 and not continues_line and not LABELLED.match(line)
        and "\u3002" not in bare and not bare.endswith(NOT_HEADING_END) and not STATISTIC.search(text)
        and len(NUMBER.findall(text)) <= 1 + bool(numbered) and len(SEPARATORS.findall(text)) <= 1 + bool(numbered))


def _title_index(lines: list[tuple], cues: PageCues, html_title: bool) -> int | None:
    """The first title-like line no cue claims (for markdown, a ``# `` line). Short furniture
    before it, such as a ``# `` journal-column label followed by the real ``# `` title, is
    skipped; prose first means the document has no title line."""
    if html_title:
        return 0
    for i, (_, _, line, _) in enumerate(lines):
        if _matches(cues.end, line) or _matches(cues.references, line):
            return None
        if _matches(cues.chrome, line) or _matches(cues.caption, line):
            continue
        han, bare = len(CJK.findall(line)), _bare(line)
        if line.startswith("# ") or han >= 6 and len(bare) <= 80 and "\u3002" not in bare:
            label = line.startswith("#") and han < 6
            if not label or not any(n[2].startswith("#") and len(CJK.findall(n[2])) >= 6 for n in lines[i + 1:i + 2]):
                return i
        elif len(line) > 30 or NUMBER.search(line):
            return None
    return None


def _line_kinds(lines: list[tuple], cues: PageCues, title: int | None) -> list[str]:
    """One kind per line; ``references``/``reference``/``continuation`` mark the reference list.

    Everything from an ``end`` line on is chrome. In the list, entries start with a
    number, a line right after an entry continues it, and any other line ends the list.
    """
    kinds: list[str] = []
    ended = in_refs = False
    for i, (_, _, line, after_blank) in enumerate(lines):
        prev, prev_text = (None, "") if after_blank else (kinds[-1], lines[i - 1][2])
        short = len(line) <= CUE_LINE  # a long line is body text, whatever cue words it holds
        if ended or short and _matches(cues.end, line):
            ended, kind = True, "chrome"
        elif _matches(cues.references, line):
            in_refs, kind = True, "references"
        elif in_refs and (ENTRY_START.match(line) or prev is None and ENTRY_LIKE.search(line)):
            kind = "reference"
        elif in_refs and prev in ("reference", "continuation") and not (short and _matches(cues.chrome, line)):
            kind = "continuation"
        elif i == title:
            in_refs, kind = False, "title"
        elif short and _matches(cues.chrome, line) or title is not None and i < title:
            in_refs, kind = False, "chrome"
        elif short and _matches(cues.caption, line):
            in_refs, kind = False, "caption"
        else:
            unfinished = prev == "paragraph" and not prev_text.rstrip(CLOSERS).endswith(FINISHED)
            in_refs, kind = False, "heading" if _is_heading(line, unfinished) else "paragraph"
        kinds.append(kind)
    return kinds


def _lines(text: str) -> list[tuple[int, int, str, bool]]:
    """Non-blank lines as (start, end, stripped text, follows a blank line)."""
    lines, position, blank = [], 0, True
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = position + len(raw) - len(raw.lstrip())
            lines.append((lead, lead + len(stripped), stripped, blank))
        blank, position = not stripped, position + len(raw) + 1
    return lines


def split_sections(text: str, cues: PageCues, first_line_is_title: bool = False) -> list[Section]:
    """Sections in text order: a blank-line-separated run of body lines is one paragraph; the
    reference list is one ``references`` section (heading to last entry) plus one per entry."""
    lines = _lines(text)
    kinds = _line_kinds(lines, cues, _title_index(lines, cues, first_line_is_title and bool(lines)))
    items: list[list] = []  # [kind, start, end], extended in place
    block: list | None = None
    for k, ((start, end, _, after_blank), kind) in enumerate(zip(lines, kinds)):
        if kind == "continuation" or kind == "paragraph" and k and not after_blank and kinds[k - 1] == kind:
            items[-1][2] = end
        else:
            items.append(["heading" if kind == "references" else kind, start, end])
            block = items[-1] if kind == "references" else block
        if kind in ("reference", "continuation") and block:
            block[0], block[2] = "references", end  # a list heading without entries stays a heading
    return [Section(*item) for item in items]
