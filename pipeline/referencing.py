"""Reference-list entries and in-text citation markers, as pure functions.

Chinese oncology articles cite in two styles: GB/T 7714 (authors, title, a
document-type tag such as ``[J]``, then journal, year, volume) and Vancouver
(authors with initials, title, journal abbreviation, year). Guidelines,
conference abstracts and press releases follow neither. The words that tell
these apart are data (``rules/references.yaml``) handed in as ``ReferenceCues``,
so this module holds no vocabulary of its own.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache

import regex

MAX_REFS = 50  # a bracket citing more references than this is a value or noise
YEAR = regex.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
OPEN, CLOSE = r"[\[\uff3b\u3014\u3010]", r"[\]\uff3d\u3015\u3011]"
JOIN = r"\s*(?:[,\uff0c\u3001;\uff1b]|[\-\u2010\u2011\u2013\u2014~\uff5e\u2212])\s*"
BODY = rf"(?P<body>(?>\d{{1,3}}+(?:{JOIN}\d{{1,3}}+)*+))"
MARKER = regex.compile(rf"(?P<sup>\^\s*\{{?\s*)?(?P<open>{OPEN})\s*{BODY}(?:\s*(?P<close>{CLOSE}))?")
WHOLE_MARKER = regex.compile(rf"\s*(?:\^\s*\{{?\s*)?{OPEN}\s*{BODY}\s*(?:{CLOSE})?\s*\}}?\s*")
ENTRY_START = regex.compile(rf"[ \t\u3000]*(?:{OPEN}\s*(?P<n>\d{{1,3}})\s*{CLOSE}"
                            r"|[(\uff08]\s*(?P<n>\d{1,3})\s*[)\uff09]"
                            r"|(?P<n>\d{1,3})\s*[.\uff0e\u3001](?!\d))[ \t\u3000\u00a0]*")
DOC_TAG = regex.compile(r"[\[\uff3b]\s*([A-Z]{1,2}(?:\s*/\s*OL)?)\s*[\]\uff3d]")
LINK = regex.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")  # markdown link -> its label
URL = regex.compile(r"\s*\(?(?:https?://|www\.)[^\s)]+\)?")
# A sentence ends at . ? ! before a space (not after vs/etc/e.g. or a dotted capital as in U.S.),
# at a CJK full stop, or at a period touching a CJK character.
SENTENCE_END = regex.compile(r"(?<!(?<!\p{L})(?:vs|etc|cf|e\.g|i\.e|approx|incl))(?<!(?<=\.)\p{Lu})"
                             r"[.?!](?=\s|$)|[\uff0e\u3002]|(?<=\p{Han})\.|\.(?=\p{Han})")
JOURNAL = regex.compile(r"(.+?)(?:\s*[.;,\uff0c\uff1b\u3002](?=\s|\d|$)|\s+(?=(?:19|20)\d{2}(?!\d))|$)")
LIST_SEP = regex.compile(r"\s*[,\uff0c\u3001;\uff1b]\s*")
RANGE_SEP = regex.compile(r"\s*[\-\u2010\u2011\u2013\u2014~\uff5e\u2212]\s*")
CLOSE_BRACKET, LINE_OR_OPEN = regex.compile(CLOSE), regex.compile(rf"\n|{OPEN}")
PUNCTUATION_OR_END = regex.compile(r"[^\P{P}%.\-]|\s*$")
LETTER, HAN_RUN = regex.compile(r"\p{L}"), regex.compile(r"\p{Han}*")
NAME_SEP = regex.compile(r"\s*[,\uff0c\u3001]\s*")
FULL_STOP, FULL_STOP_KEPT = regex.compile(r"[.\uff0e\u3002]"), regex.compile(r"([.\uff0e\u3002])")
SOURCE_END, SOURCE_PIECE_END = regex.compile(r"[.,\uff0c\uff0e]"), regex.compile(r"[,\uff0c.\uff0e;\uff1b]")
COLON, COLON_SPACE = regex.compile(r"[:\uff1a]"), regex.compile(r"[:\uff1a]\s")
SEMICOLON, CLAUSE_END = regex.compile(r"\s*[;\uff1b]\s*"), regex.compile(r"[.;\uff1b\u3002]\s")
TRAILING_YEAR = regex.compile(r"\s*[.,\uff0c\uff0e]\s*(?:19|20)\d{2}$")
TRAILING_NOTE = regex.compile(r"\s*[\[\uff3b][^\]\uff3d]*[\]\uff3d]\s*$")
LATIN_NAME = r"(?:[\p{L}'\u2019\-]+ ){1,4}\p{Lu}{1,4}"
HAN_NAME = r"[\p{Han}\u00b7]{2,30}"


@dataclass(frozen=True)
class ReferenceCues:
    """Cue words by role; see the description in rules/references.yaml."""

    guideline_words: tuple[str, ...] = ()
    et_al: tuple[str, ...] = ()
    conference_words: tuple[str, ...] = ()
    abstract_words: tuple[str, ...] = ()
    journal_tags: tuple[str, ...] = ()
    conference_tags: tuple[str, ...] = ()
    other_tags: tuple[str, ...] = ()
    other_words: tuple[str, ...] = ()
    tail_words: tuple[str, ...] = ()
    value_after: tuple[str, ...] = ()


ROLES = {f.name.removesuffix("s"): f.name for f in fields(ReferenceCues)}  # role in the YAML -> field


def cues_from_entries(entries: list[dict]) -> ReferenceCues:
    """Group the words of references.yaml entries by role; an unknown role is a typo, so it fails."""
    grouped: dict[str, list[str]] = {name: [] for name in ROLES.values()}
    for entry in entries:
        if entry["role"] not in ROLES:
            raise ValueError(f"{entry.get('id', '?')}: unknown role {entry['role']!r}; known: {sorted(ROLES)}")
        grouped[ROLES[entry["role"]]].extend(str(w) for w in entry["words"])
    return ReferenceCues(**{name: tuple(words) for name, words in grouped.items()})


def _numbers(body: str) -> list[int] | None:
    """Expand '3, 7-9' to [3, 7, 8, 9]; a reversed range, a zero or too many refs means no marker."""
    refs: set[int] = set()
    for part in LIST_SEP.split(body.strip()):
        bounds = [int(b) for b in RANGE_SEP.split(part)]
        if len(bounds) > 2 or bounds[0] > bounds[-1] or bounds[-1] - bounds[0] >= MAX_REFS:
            return None
        refs.update(range(bounds[0], bounds[-1] + 1))
    return sorted(refs) if refs and min(refs) > 0 and len(refs) <= MAX_REFS else None


def parse_citation_marker(text: str) -> list[int] | None:
    """``[5,6]`` -> [5, 6]; ``[10-12]`` -> [10, 11, 12]; None when the text is not one marker."""
    match = WHOLE_MARKER.fullmatch(text)
    return _numbers(match.group("body")) if match else None


def _unclosed_is_marker(text: str, match: regex.Match) -> bool:
    """``^{[2,3}`` or ``[2,3;`` lost their bracket in conversion; ``[12 months]``, ``[95%CI]`` are values.

    Without a superscript or brace around it, an unclosed bracket counts only before punctuation.
    """
    after = text[match.end():]
    if not after or after[0] == "\n":
        return True
    if CLOSE_BRACKET.search(LINE_OR_OPEN.split(after[:12])[0]) or after[0].isdecimal() or after[0] in "%.":
        return False
    if after.lstrip(" ").startswith("}") or (match.group("sup") and not (after[0].isascii() and after[0].isalpha())):
        return True
    return bool(PUNCTUATION_OR_END.match(after))


def find_citation_markers(text: str, value_after: tuple[str, ...] = ()) -> list[tuple[int, int, str, list[int]]]:
    """Every citation marker of a body text as (start, end, marker as written, refs).

    The span covers the bracket only (a superscript ``^{`` around it is context, not marker), so
    markers compare equal across clean and PDF-converted texts. A closed bracket followed by a
    unit of ``value_after`` is a value.
    """
    found = []
    for match in MARKER.finditer(text):
        unit = text[match.end():match.end() + 8].lstrip().startswith(tuple(value_after))
        closed = match.group("close") and not unit
        refs = _numbers(match.group("body"))
        if refs and (closed or not match.group("close") and _unclosed_is_marker(text, match)):
            found.append((match.start("open"), match.end(), text[match.start("open"):match.end()], refs))
    return found


def format_refs(refs: list[int]) -> str:
    """The SCHEMA's citation form: numbers joined by ';'."""
    return ";".join(map(str, refs))


def split_reference_entries(block: str) -> list[tuple[int, int, int]]:
    """(ref_no, start, end) of each entry of a reference-list block; the span includes the number.

    ``[n]`` starts an entry anywhere; ``n.`` and ``(n)`` only when n follows the previous number,
    since a wrapped line may start with a number too. A line without a number continues the
    entry, unless it follows a blank line and the entry already ended with a full stop.
    """
    entries: list[list[int]] = []
    pos, blank, closed = 0, False, True
    for line in block.splitlines(keepends=True):
        body, end = line.rstrip("\r\n"), pos + len(line.rstrip())
        pos += len(line)
        match = ENTRY_START.match(body)
        number = int(match.group("n")) if match else 0
        if match and (regex.match(rf"\s*{OPEN}", body) or not entries or number == entries[-1][0] + 1):
            entries.append([number, end - len(body.strip()), end])
            closed = False
        elif body.strip() and not closed:  # once closed, later unnumbered lines are page chrome
            closed = blank and block[entries[-1][2] - 1] in ".\uff0e\u3002"
            entries[-1][2] = entries[-1][2] if closed else end
        blank = not body.strip()
    return [(number, start, end) for number, start, end in entries]


def strip_number(entry: str) -> tuple[int | None, str]:
    """Split ``[3] text`` into (3, 'text'); (None, entry) when the entry has no number."""
    match = ENTRY_START.match(entry)
    return (int(match.group("n")), entry[match.end():].strip()) if match else (None, entry.strip())


@lru_cache(maxsize=512)
def _word_pattern(word: str, ignore_case: bool) -> regex.Pattern:
    """A cue word as a pattern that does not match inside a longer Latin word (ASH is not in WASH)."""
    left = r"(?<![A-Za-z])" if regex.match(r"[A-Za-z]", word) else ""
    right = r"(?![A-Za-z])" if regex.search(r"[A-Za-z]$", word) else ""
    return regex.compile(left + regex.escape(word) + right, regex.I if ignore_case else 0)


def _first_word(text: str, words: tuple[str, ...], ignore_case: bool) -> regex.Match | None:
    """The earliest (then longest) occurrence of any cue word."""
    return _any_word(words, ignore_case).search(text) if words else None


@lru_cache(maxsize=64)
def _any_word(words: tuple[str, ...], ignore_case: bool) -> regex.Pattern:
    """All cue words in one pattern, longest first: one scan finds the earliest, then longest."""
    ordered = sorted(words, key=len, reverse=True)
    return regex.compile("|".join(_word_pattern(w, ignore_case).pattern for w in ordered),
                         regex.I if ignore_case else 0)


@lru_cache(maxsize=16)
def _author_list(et_al: tuple[str, ...]) -> regex.Pattern:
    """Authors at the start of an entry, up to the full stop that ends the list."""
    etal = "|".join(regex.escape(w.rstrip(".")) for w in sorted(et_al, key=len, reverse=True)) or "(?!)"
    name = f"(?:{LATIN_NAME}|{HAN_NAME})"
    comma = r"\s*[,\uff0c\u3001]\s*"
    return regex.compile(rf"(?P<list>{name}(?:{comma}{name})*(?:(?:{comma}|\s*)(?:{etal}))?)\s*[.\uff0e\u3002]\s*")


def _authors(text: str, cues: ReferenceCues) -> tuple[str, str]:
    """(first author, the text after the author list); ('', text) when the entry opens with no authors."""
    match = _author_list(cues.et_al).match(text)
    if not match or not LETTER.search(text, match.end()):
        return "", text
    first = NAME_SEP.split(match.group("list"))[0]
    for word in cues.et_al:
        first = first.removesuffix(word.rstrip(".")).strip()
    return first, text[match.end():]


def _clean(text: str, cues: ReferenceCues) -> str:
    """One-line entry text without markdown links and without DOI/PMID/URL/Epub tails."""
    text = " ".join(URL.sub("", LINK.sub(r"\1", text)).split())
    tail = _tail_pattern(cues.tail_words).search(text) if cues.tail_words else None
    return (text[:tail.start()] if tail else text).strip()


@lru_cache(maxsize=16)
def _tail_pattern(words: tuple[str, ...]) -> regex.Pattern:
    """A DOI/PMID/URL tail word right after a full stop or semicolon."""
    return regex.compile(rf"(?<=[.;])\s*(?:{_any_word(words, True).pattern})", regex.I)


def _sentence(text: str) -> tuple[str, str]:
    """The first sentence (without its full stop; ? and ! stay) and the rest."""
    end = SENTENCE_END.search(text)
    if not end:
        return text.strip(), ""
    keep = end.group(0) in "?!"
    return text[:end.end() if keep else end.start()].strip(), text[end.end():].strip()


def _year_after(text: str, whole: str) -> str:
    """The year right after the source, else the last year of the entry."""
    found = YEAR.search(text) or next(reversed(list(YEAR.finditer(whole))), None)
    return found.group(0) if found else ""


def _fold_tag(tag: str) -> str:
    """[J], [j] and full-width [ J ] are one tag."""
    return "".join(unicodedata.normalize("NFKC", tag).split()).upper()


@lru_cache(maxsize=16)
def _tag_kinds(cues: ReferenceCues) -> dict[str, str]:
    return {_fold_tag(t): kind for kind, tags in (("other", cues.other_tags), ("conference", cues.conference_tags),
                                                  ("journal", cues.journal_tags)) for t in tags}


def _doc_tag(text: str, cues: ReferenceCues) -> tuple[regex.Match, str] | None:
    """The first GB/T 7714 document-type tag and the kind it stands for."""
    kinds = _tag_kinds(cues)
    return next(((m, kinds[_fold_tag(m.group(0))]) for m in DOC_TAG.finditer(text)
                 if _fold_tag(m.group(0)) in kinds), None)


def _tagged(text: str, tag: regex.Match, kind: str, cues: ReferenceCues) -> dict:
    """GB/T 7714 ``authors.title[J].journal, 2024, 9(11):189.``: title before the tag, source after it."""
    head, tail = text[:tag.start()], text[tag.end():].lstrip(" .\uff0e\u3002")
    first, title = _authors(head, cues)
    if not first and FULL_STOP.search(head):  # authors the name pattern does not know
        first, _, title = FULL_STOP_KEPT.split(head, maxsplit=1)
        first = NAME_SEP.split(first.strip())[0]
    if tail.startswith("//"):  # [C]//proceedings title. place: publisher, year
        source = SOURCE_END.split(tail[2:])[0]
    else:
        year = YEAR.search(tail)
        source = tail[:year.start()] if year else SOURCE_PIECE_END.split(tail)[0]
        source = COLON.split(source.rstrip(" ,\uff0c.\uff0e;\uff1b:\uff1a"))[-1]
    if kind != "journal" and _first_word(text, cues.guideline_words, True):
        kind = "guideline"
    return {"first_author": first.strip(), "year": _year_after(tail, text), "title": title.strip(" .\uff0e\u3002"),
            "source": source.strip(), "kind": kind}


def _guideline(text: str) -> dict:
    """A guideline without authors: the title is the entry without its trailing '. 2025.'."""
    title = text.rstrip(" .\uff0e\u3002")
    title = TRAILING_YEAR.sub("", title).rstrip(" .\uff0e\u3002")
    return {"first_author": "", "year": _year_after("", text), "title": title, "source": "", "kind": "guideline"}


def _publisher(text: str) -> str:
    """``Place: Publisher; July 9, 2021.`` -> Publisher: the ';'-piece before the date, after its colon."""
    pieces = SEMICOLON.split(text.rstrip(" ."))
    if len(pieces) < 2:
        return ""
    piece = pieces[-2] if YEAR.search(pieces[-1]) else pieces[-1]
    return COLON_SPACE.split(piece)[-1].strip(" ,;:")


def _other(text: str, cues: ReferenceCues) -> dict:
    """Press releases and package inserts: title is the first sentence without its [type] note."""
    first, body = _authors(text, cues)
    title = TRAILING_NOTE.sub("", _sentence(body)[0])
    return {"first_author": first, "year": _year_after("", text), "title": title, "source": _publisher(text),
            "kind": "other"}


def _source(rest: str, cues: ReferenceCues) -> str:
    """Journal abbreviation before the year, or the meeting named by a conference cue."""
    head = CLAUSE_END.split(rest)[0]
    name = _first_word(head, cues.conference_words, False)
    if name:  # ASCO, or a Han-suffixed name such as CSCO + annual-meeting word
        return name.group(0) + HAN_RUN.match(head, name.end()).group(0)
    match = JOURNAL.match(rest)
    return match.group(1).strip() if match and not YEAR.fullmatch(match.group(1).strip()) else ""


def parse_reference(text: str, cues: ReferenceCues) -> dict:
    """first_author, year, title, source and kind of one entry given without its number.

    Order matters: a document-type tag decides a GB/T entry; press-release words make it
    'other'; a guideline word with no author list makes the whole entry the title; anything
    else is read as authors. title. source year..., a conference abstract when a meeting or
    abstract cue follows the title.
    """
    text = _clean(text, cues)
    tagged = _doc_tag(text, cues)
    if tagged:
        return _tagged(text, *tagged, cues)
    if _first_word(text, cues.other_words, True):
        return _other(text, cues)
    first, body = _authors(text, cues)
    guideline = _first_word(text, cues.guideline_words, True)
    if guideline and not first:
        return _guideline(text)
    title, rest = _sentence(body)
    conference = _first_word(rest, cues.conference_words, False) or _first_word(rest, cues.abstract_words, True)
    kind = "guideline" if guideline else "conference" if conference else "journal"
    return {"first_author": first, "year": _year_after(rest, text), "title": title, "source": _source(rest, cues),
            "kind": kind}
