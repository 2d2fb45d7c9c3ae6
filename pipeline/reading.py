"""Reading: bytes -> article text, encoding, title and sections.

Knows no medical word: page chrome, caption and reference-list cues come from
``rules/page.yaml`` (``PageCues``). Offsets of sections point into
``Article.text``, the decoded file (``\\r\\n`` -> ``\\n``); for HTML, the text
extracted from the page.
"""
from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from .errors import MedmineError

BINARY_MAGIC = {b"%PDF-": "PDF", b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image",
                b"PK\x03\x04": "ZIP/Office document", b"\xd0\xcf\x11\xe0": "Office document"}
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
HTML_SUFFIXES = {".html", ".htm"}
ENTRY_START = regex.compile(r"^\s*(?:[\[［]\s*\d{1,3}\s*[\]］]|\d{1,3}\s*[.、．]|\(\d{1,3}\))")
CJK = regex.compile(r"\p{Han}")
HEADING_MAX = 40


class ReadError(MedmineError):
    """A file that cannot be read as an article; the message names the file and the problem."""

    code = "E300"


@dataclass(frozen=True)
class PageCues:
    chrome: tuple
    end: tuple
    references: tuple
    caption: tuple


def cues_from_entries(entries: list[dict]) -> PageCues:
    """Compile the page rules (chrome, end, references, caption) once."""
    roles: dict[str, list] = {"chrome": [], "end": [], "references": [], "caption": []}
    for entry in entries:
        roles[entry["role"]].append(regex.compile(entry["regex"]))
    return PageCues(*(tuple(roles[r]) for r in ("chrome", "end", "references", "caption")))


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


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Bytes -> (text, encoding): BOM, strict UTF-8, strict GB18030, else charset-normalizer."""
    if not data.strip():
        raise ReadError(f"{name}: empty file", "nothing to extract; remove it or fill it")
    for magic, kind in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"{name}: binary file ({kind}), not text", "convert it to .txt, .md or .html first")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), "utf-8-sig" if encoding == "utf-8-sig" else encoding
            except UnicodeDecodeError as exc:
                raise ReadError(f"{name}: cannot decode as {encoding} (bad byte at offset {exc.start})") from None
    if b"\x00" in data[:4096]:
        guess = _utf16_without_bom(data)
        if guess:
            return guess
        raise ReadError(f"{name}: binary file (contains NUL bytes), not text", "convert it to text first")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and CJK.search(str(best)) and best.coherence > 0.5:
        return str(best), best.encoding
    raise ReadError(f"{name}: cannot decode: not UTF-8, UTF-16 or GB18030 (first bad byte at offset {first_bad})",
                    "save the file as UTF-8")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without BOM: the byte order whose text reads as Chinese/ASCII wins."""
    best, best_score = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        readable = sum(1 for c in text if c.isspace() or c.isascii() and c.isprintable() or CJK.match(c)
                       or unicodedata.category(c).startswith("P"))
        score = readable / max(len(text), 1)
        if score > best_score:
            best, best_score = (text, encoding), score
    return best if best_score > 0.9 else None


def html_to_text(markup: str) -> str:
    """The article text of a web page: chrome elements dropped, blocks as paragraphs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript", "form", "button"]):
        tag.decompose()
    chrome = regex.compile(r"nav|menu|share|comment|footer|header|sidebar|breadcrumb|toolbar|login|related|recommend")
    for tag in soup.find_all(True):
        if tag.attrs is not None and chrome.search(" ".join(tag.get("class", [])) + " " + (tag.get("id") or "")):
            tag.decompose()
    root = soup.find("article") or soup.body or soup
    blocks = [el.get_text(" ", strip=True) for el in root.find_all(["p", "h1", "h2", "h3", "h4", "li", "figcaption",
                                                                    "td", "pre"])]
    blocks = [b for b in blocks if b] or [root.get_text("\n", strip=True)]
    heading = soup.find("h1")
    first = title or (heading.get_text(" ", strip=True) if heading else "")
    if first and blocks and blocks[0] == first:
        first = ""
    return "\n\n".join(([first] if first else []) + blocks) + "\n"


def read_bytes(data: bytes, name: str, cues: PageCues, doc_id: str | None = None) -> Article:
    text, encoding = decode(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    is_html = Path(name).suffix.lower() in HTML_SUFFIXES or regex.match(r"\s*<(!DOCTYPE html|html)", text, regex.I)
    if is_html:
        text = html_to_text(text)
    if not text.strip():
        raise ReadError(f"{name}: no text found", "the file holds no article text")
    return read_text(text, cues, doc_id or Path(name).stem, name, encoding)


def read_path(path: Path, cues: PageCues, doc_id: str | None = None, max_bytes: int = 20_000_000) -> Article:
    """Read one article file; every failure is a ReadError naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(f"{path}: file is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB",
                            "split it or raise the limit")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return read_bytes(data, str(path), cues, doc_id or path.stem)


def read_text(text: str, cues: PageCues, doc_id: str = "text", path: str = "", encoding: str = "utf-8") -> Article:
    sections = tuple(split_sections(text, cues))
    title = next((text[s.start:s.end].strip() for s in sections if s.kind == "title"), "")
    return Article(doc_id, path, text, encoding, title.lstrip("# ").strip(), sections)


def _lines(text: str):
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line), line
        start += len(line) + 1


def _is_heading(line: str) -> bool:
    stripped = line.strip().lstrip("#").strip()
    return 0 < len(stripped) <= HEADING_MAX and not stripped.endswith(("。", "，", ",", "；")) \
        and "。" not in stripped and len(regex.findall(r"\d+(?:\.\d+)?", stripped)) <= 1


def split_sections(text: str, cues: PageCues):
    """Classify lines (chrome, title, heading, caption, references) and group body lines into paragraphs."""
    state, have_title, paragraph = "body", False, None
    for start, end, line in _lines(text):
        stripped = line.strip()
        if not stripped:
            if paragraph:
                yield Section("paragraph", *paragraph)
                paragraph = None
            continue
        kind = _classify(stripped, state, have_title, cues)
        if kind == "end":
            state, kind = "ended", "chrome"
        elif kind == "references-heading":
            state, kind = "references", "references"
        if kind == "paragraph":
            paragraph = (paragraph[0], end) if paragraph else (start, end)
            have_title = True  # text before any title: the document has none
            continue
        if paragraph:
            yield Section("paragraph", *paragraph)
            paragraph = None
        have_title = have_title or kind == "title"
        yield Section(kind, start, end)
    if paragraph:
        yield Section("paragraph", *paragraph)


def _classify(line: str, state: str, have_title: bool, cues: PageCues) -> str:
    if state == "ended" or any(p.search(line) for p in cues.chrome):
        return "chrome"
    if any(p.search(line) for p in cues.end):
        return "end"
    if any(p.search(line) for p in cues.references):
        return "references-heading"
    if state == "references":
        return "reference" if ENTRY_START.match(line) else "chrome"
    if any(p.search(line) for p in cues.caption):
        return "caption"
    if not have_title:
        if line.startswith("# ") or (len(CJK.findall(line)) >= 6 and len(line) <= 80 and "。" not in line):
            return "title"
        return "paragraph" if len(CJK.findall(line)) >= 6 else "chrome"
    return "heading" if _is_heading(line) else "paragraph"
