"""Normalisation for matching, with a map back to the original offsets.

Rules and regexes see one form of every character: full-width digits, letters
and punctuation become half-width, odd spaces become plain spaces, markdown
markup and the LaTeX residue of PDF conversion (``$6 1 . 9 \\%$``) become plain
text (``61.9%``). Tables must still point into the decoded original, so every
edit is recorded: ``offsets[i]`` is the original index of normalised character
``i`` (``offsets[len(text)] == len(original)``) and ``ends[i]`` the end of the
original piece it came from, so ``to_original`` can return a covering span.

Traditional script (繁體) is converted to simplified with OpenCC in the first,
one-to-one pass, so the lexicons stay simplified while every offset still points
at the article's own characters; ``restore`` gives a matched piece of normalised
text back in the article's script.

Three passes, each linear in the text: a one-to-one character fold
(``str.translate``, then OpenCC's length-preserving traditional-to-simplified
conversion), span edits found by regexes (math, markdown, escapes), and small
context edits on the result (spaces before units, dashes between digits).
"""
from __future__ import annotations

import heapq
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import numpy
import regex

# (start, end, chars, sources): replace text[start:end] by chars; sources[k] is the
# (start, end) piece of the same text that chars[k] came from.
Edit = tuple[int, int, str, list[tuple[int, int]]]

KEEP = "\u3002\uff01\uff1f\u3001"  # Chinese sentence punctuation (full stop, !, ?, enumeration comma)
SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
EXTRA = {
    "\u301c": "~", "\u223c": "~",  # wave dash, tilde operator
    "\u2010": "-", "\u2011": "-", "\ufe63": "-", "\u2212": "-",  # hyphens and the minus sign
    "\u3014": "[", "\u3015": "]", "\u3010": "[", "\u3011": "]",  # tortoise-shell and lenticular brackets
    "\u201c": '"', "\u201d": '"',
    "\u2266": "\u2264", "\u2267": "\u2265", "\ufe64": "<", "\ufe65": ">", "\ufe66": "=",  # full-width and small
    "\ufe6a": "%", "\u2236": ":", "\ufe55": ":", "\ufe52": ".",  # operators, per cent, ratio colon, small stop
}

MATH = regex.compile(r"(?<!\$)\$(?!\$)([^$\n\p{Han}]{1,400}?)(?<!\\)\$")
BOLD = regex.compile(r"\*\*(?=\S)[^\n]{1,300}?(?<=\S)\*\*")
EMPHASIS = regex.compile(r"(?<!\*)\*(?![\s*])[^*\n]{1,300}?(?<![\s*])\*(?!\*)")
LINK = regex.compile(r"(!?)\[([^\[\]\n]{0,300})\]\(([^()\s]{1,1000})(?:\s+\"[^\"\n]*\")?\)")
ESCAPE = regex.compile(r"\\([\\`*_{}\[\]()#+\-.!~%|<>$])")
INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]+")
UNIT_SPACE = regex.compile(r"(?<=\d)[ \t]+(?=\u4e2a\u6708|\u6708|\u5468|\u5e74|%)")  # 9.0 <months> -> 9.0<months>
DASH = regex.compile(r"(?<=[\d%][ \t]?)[\u2012\u2013\u2014\u2015\ufe58](?=[ \t]?\d)")
# digits spaced out by PDF conversion outside $...$: "2 5 . 3" (tokens of one char, one space apart)
SPACED_NUMBER = regex.compile(r"(?<![\d.])\d(?: [\d.])+(?![\d.])")
SPACED_UNIT = regex.compile(r" ?(?:\u4e2a\u6708|\u6708|\u5468|\u5e74|\u5929|\u4f8b|%)")  # months, weeks, years, days, cases
CITATION_TEXT = regex.compile(r"\d{1,3}(?:\s*[,\-~]\s*\d{1,3})*")


MATH_TOKEN = regex.compile(r"\\\s*[,:;!]|\\ |\\\\|\\q?quad(?![A-Za-z])|~|\\[A-Za-z]+|\\.|[A-Za-z]+|\s+|.", regex.S)
DROP = {"scriptstyle", "displaystyle", "textstyle", "scriptscriptstyle", "mathrm", "mathbf", "mathit", "mathsf",
        "mathcal", "boldsymbol", "sf", "rm", "bf", "it", "left", "right", "big", "Big", "text", "operatorname"}
SYMBOLS = {"%": "%", "sim": "~", "geqslant": "\u2265", "geq": "\u2265", "ge": "\u2265", "leqslant": "\u2264",
           "leq": "\u2264", "le": "\u2264", "pm": "\u00b1", "times": "\u00d7", "cdot": "\u00b7", "approx": "\u2248",
           "alpha": "\u03b1", "beta": "\u03b2", "gamma": "\u03b3", "mu": "\u03bc",
           "uparrow": "\u2191", "downarrow": "\u2193", "rightarrow": "\u2192", "to": "\u2192", "&": "&", "#": "#",
           "_": "_", "$": "$"}
BARE_JUNK = {"scriptstyle", "displaystyle", "textstyle", "mathrm"}  # OCR sometimes loses the backslash
SOFT, HARD = "<soft>", "<hard>"  # never a single char, so never confused with text


def _math_items(body: str, base: int) -> list[tuple[str, int, int]]:
    """Tokens of a math span as (char, start, end); SOFT/HARD items stand for typed and LaTeX spaces."""
    items = []
    for match in MATH_TOKEN.finditer(body):
        token, start, end = match.group(), base + match.start(), base + match.end()
        if token[0] == "\\" and (token[1:].strip() in {"", ",", ":", ";", "!", "\\", "quad", "qquad"}):
            items.append((HARD, start, end))
        elif token == "~":
            items.append((HARD, start, end))
        elif token.isspace():
            items.append((SOFT, start, end))
        elif token[0] == "\\":
            name = token[1:]
            if name in SYMBOLS:
                items.append((SYMBOLS[name], start, end))
            elif name not in DROP and name not in "{}":
                items.extend((ch, start + 1 + k, start + 2 + k) for k, ch in enumerate(name))
        elif token in "{}" or token in BARE_JUNK:
            continue
        else:
            items.extend((ch, start + k, start + k + 1) for k, ch in enumerate(token))
    return items


def _repair(items: list) -> list:
    """Two OCR/conversion habits: ``^ +`` is a superscript sign (CD8^+, drug ^+ drug), and
    ``95 % C 1`` is ``95% CI``."""
    chars = [i for i in items if i[0] not in (SOFT, HARD)]
    drop = {id(a) for a, b in zip(chars, chars[1:]) if a[0] == "^" and b[0] in "+-"}
    fixed = {id(c): ("I",) + c[1:] for a, b, c in zip(chars, chars[1:], chars[2:])
             if a[0] == "%" and b[0] == "C" and c[0] in "1l"}
    return [fixed.get(id(i), i) for i in items if id(i) not in drop]


def _words(items: list) -> list[tuple[list, str, tuple[int, int]]]:
    """Group chars into words; each word carries the kind and source of the gap before it."""
    words: list = []
    gap, gap_source = "", (0, 0)
    for item in items:
        if item[0] in (SOFT, HARD):
            if gap != HARD:
                gap, gap_source = item[0], item[1:]
            continue
        if gap or not words:
            words.append(([], gap, gap_source))
            gap = ""
        words[-1][0].append(item)
    return words


def _joined(left: list, right: list, gap: str, digits_after: int) -> bool:
    """Whether a gap between two words disappears.

    PDF-to-markdown converters space out every character (``6 1 . 9``), so typed
    spaces go, unless both sides are whole words (``12 34``, ``not estimable``).
    LaTeX spaces (``~``, ``\\ ``) stay, except as thousands separators
    (``1 \\ 2 0 0``: a digit, then exactly three digits) and between ``%`` and a
    word (``95%~CI``).
    """
    a, b = left[-1][0], right[0][0]
    if gap == SOFT:
        return len(left) < 2 or len(right) < 2 or not all(i[0].isalnum() for i in left + right)
    return a.isdigit() and digits_after == 3 or a == "%" and b.isalpha()


def _digits_after(words: list) -> list[int]:
    """For each word, how many digits run from its start (across words) before a non-digit."""
    counts = [0] * (len(words) + 1)
    for k in range(len(words) - 1, -1, -1):
        word = [i[0] for i in words[k][0]]
        lead = next((n for n, ch in enumerate(word) if not ch.isdigit()), None)
        counts[k] = lead if lead is not None else len(word) + counts[k + 1]
    return counts


def _unlatex(body: str, base: int) -> tuple[str, list[tuple[int, int]]]:
    """Plain text of one ``$...$`` body and the source piece of every char."""
    words = _words(_repair(_math_items(body, base)))
    digits = _digits_after(words)
    chars: list[str] = []
    sources: list[tuple[int, int]] = []
    for k, (word, gap, gap_source) in enumerate(words):
        if k and not _joined(words[k - 1][0], word, gap, digits[k]):
            chars.append(" ")
            sources.append(gap_source)
        chars.extend(i[0] for i in word)
        sources.extend(i[1:] for i in word)
    return "".join(chars), sources


@dataclass(frozen=True)
class Normalized:
    text: str
    offsets: array  # len(text) + 1 entries: original index of each char; the last is len(original)
    ends: array = field(default=None, repr=False)  # end of the original piece of each char

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering a normalised span (an empty span maps to a point)."""
        if not 0 <= start < end <= len(self.text):  # clamp only what is out of range
            start = max(0, min(start, len(self.text)))
            end = max(start, min(end, len(self.text)))
            if end == start:
                return self.offsets[start], self.offsets[start]
        last = self.ends[end - 1] if self.ends is not None else self.offsets[end - 1] + 1
        return self.offsets[start], max(last, self.offsets[start])


def _fold_table() -> dict[int, str]:
    """One-to-one folding, so the whole text folds in one ``str.translate`` call."""
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
    table.update({ord(ch): " " for ch in SPACES})
    table.update({ord(k): v for k, v in EXTRA.items()})
    for ch in KEEP:
        table.pop(ord(ch), None)
    return table


FOLD = _fold_table()


def _math_edits(text: str) -> list[Edit]:
    edits = []
    for match in MATH.finditer(text):
        chars, sources = _unlatex(match.group(1), match.start(1))
        edits.append((match.start(), match.end(), chars, sources))
    return edits


def _marker_edits(text: str) -> list[Edit]:
    """Bold and emphasis markers are deleted; what they wrap stays for the other edits."""
    edits: list[Edit] = []
    for pattern, width in ((BOLD, 2), (EMPHASIS, 1)):
        for match in pattern.finditer(text):
            edits.append((match.start(), match.start() + width, "", []))
            edits.append((match.end() - width, match.end(), "", []))
    return edits


def _link_edits(text: str) -> list[Edit]:
    """``[text](url)`` keeps its text; a link whose text is a citation number keeps its brackets."""
    edits = []
    for match in LINK.finditer(text):
        label_start, label_end = match.span(2)
        sources = [(i, i + 1) for i in range(label_start, label_end)]
        chars = match.group(2)
        if not match.group(1) and CITATION_TEXT.fullmatch(chars):
            chars = f"[{chars}]"
            sources = [(label_start - 1, label_start)] + sources + [(label_end, match.end())]
        edits.append((match.start(), match.end(), chars, sources))
    return edits


def _escape_edits(text: str) -> list[Edit]:
    edits: list[Edit] = [(m.start(), m.end(), m.group(1), [(m.start(), m.end())]) for m in ESCAPE.finditer(text)]
    edits += [(m.start(), m.end(), "", []) for m in INVISIBLE.finditer(text)]
    return edits


def _non_overlapping(groups: list[list[Edit]]) -> list[Edit]:
    """Earlier groups win: an edit overlapping an accepted one is dropped (math beats markdown).
    Each group is checked against the accepted edits by bisection, then merged in: O(n log n)."""
    accepted: list[Edit] = []
    for group in groups:
        starts = [edit[0] for edit in accepted]
        fresh: list[Edit] = []
        for edit in sorted(group, key=lambda e: e[0]):
            i = bisect_right(starts, edit[0])
            clash = i and accepted[i - 1][1] > edit[0] or i < len(starts) and starts[i] < edit[1]
            if not clash and not (fresh and fresh[-1][1] > edit[0]):
                fresh.append(edit)
        accepted = list(heapq.merge(accepted, fresh, key=lambda e: e[0]))
    return accepted


_IDENTITY = [numpy.arange(0, dtype=numpy.int32)]


def _identity(size: int) -> numpy.ndarray:
    """0, 1, 2, ... at least ``size`` long, kept between calls: slices of it are copied in C."""
    identity = _IDENTITY[0]
    if len(identity) < size:
        identity = numpy.arange(2 * size, dtype=numpy.int32)
        if size <= 1_000_000:  # a huge article's map is not kept for the rest of the batch
            _IDENTITY[0] = identity
    return identity


def _splice(text: str, edits: list[Edit], offsets: array | None, ends: array | None):
    """Apply sorted, non-overlapping edits; carry every char's source through the previous map."""
    identity = _identity(len(text) + 2) if offsets is None else None
    pieces: list[str] = []
    new_offsets, new_ends = array("i"), array("i")
    position = 0

    def keep(a: int, b: int) -> None:
        pieces.append(text[a:b])
        if offsets is None:
            new_offsets.frombytes(identity[a:b].tobytes())  # a C copy, not a Python loop over range()
            new_ends.frombytes(identity[a + 1:b + 1].tobytes())
        else:
            new_offsets.extend(offsets[a:b])
            new_ends.extend(ends[a:b])

    for start, end, chars, sources in edits:
        keep(position, start)
        pieces.append(chars)
        for src_start, src_end in sources:
            if offsets is None:
                new_offsets.append(src_start)
                new_ends.append(src_end)
            else:
                new_offsets.append(offsets[src_start])
                new_ends.append(ends[src_end - 1])
        position = end
    keep(position, len(text))
    new_offsets.append(len(text) if offsets is None else offsets[len(text)])
    return "".join(pieces), new_offsets, new_ends


def _spaced_number_edits(text: str) -> list[Edit]:
    """``2 5 . 3`` -> ``25.3``: a run of one-character tokens one space apart is one number when
    it has one inner decimal point or a unit right after it. ``1 7 84`` (page counters) and
    ``3 4`` without a unit stay as written."""
    edits: list[Edit] = []
    for match in SPACED_NUMBER.finditer(text):
        run = match.group()
        point = run.count(".") == 1 and run[-1] != "."
        if point or "." not in run and SPACED_UNIT.match(text, match.end()):
            edits += [(match.start() + k, match.start() + k + 1, "", []) for k, ch in enumerate(run) if ch == " "]
    return edits


def _context_edits(text: str) -> list[Edit]:
    """Edits that depend on the already-clean neighbours: unit spaces, spaced digits, dashes in ranges."""
    edits: list[Edit] = [(m.start(), m.end(), "", []) for m in UNIT_SPACE.finditer(text)]
    edits += _spaced_number_edits(text)
    edits += [(m.start(), m.end(), "-", [(m.start(), m.end())]) for m in DASH.finditer(text)]
    return sorted(edits)


@lru_cache(maxsize=1)
def _t2s():
    """OpenCC's traditional-to-simplified converter (phrases first, then characters), built once."""
    import opencc

    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """Traditional -> simplified Chinese, one character for one, so offsets need no map.

    OpenCC converts by phrase; a phrase whose simplified form has another length
    would shift every later offset, so a line where that happens is converted
    character by character instead (characters whose conversion is not a single
    character stay as written).
    """
    converter = _t2s()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    lines = []
    for line in text.split("\n"):
        simple = converter.convert(line)
        if len(simple) != len(line):
            simple = "".join(c if len(c := converter.convert(ch)) == 1 else ch for ch in line)
        lines.append(simple)
    return "\n".join(lines)


def restore(norm: Normalized, original: str, piece: str) -> str:
    """A piece of normalised text (an arm label, a regimen name) in the article's own script.

    Labels are slices of the normalised text; where the piece occurs there, the
    original characters at that place are returned. Anything else (``A vs B``)
    is mapped character by character through the pairs this article shows,
    where a simplified character stands for only one original character.
    """
    if not piece or piece.isascii():
        return piece
    at = norm.text.find(piece)
    if at >= 0:
        start, end = norm.to_original(at, at + len(piece))
        if end - start == len(piece):
            return original[start:end]
    return "".join(_original_char(norm, original, ch) for ch in piece)


def _original_char(norm: Normalized, original: str, ch: str) -> str:
    """The article's character behind a normalised one, when the article uses only one."""
    seen, at = set(), norm.text.find(ch)
    while at >= 0 and len(seen) < 2:
        source = norm.offsets[at]
        seen.add(original[source:source + 1])
        at = norm.text.find(ch, at + 1)
    return seen.pop() if len(seen) == 1 else ch


def normalize(text: str) -> Normalized:
    """Normalise text for matching; keep a map from every output char to its source."""
    folded = simplify(text.translate(FOLD))
    edits = _non_overlapping([_math_edits(folded), _link_edits(folded), _escape_edits(folded),
                              _marker_edits(folded)])
    once, offsets, ends = _splice(folded, edits, None, None)
    context = _context_edits(once)
    if context:
        once, offsets, ends = _splice(once, context, offsets, ends)
    return Normalized(once, offsets, ends)


def original_index(norm: Normalized, original: int) -> int:
    """The first normalised index whose source is at or after an original offset (for sections)."""
    return bisect_right(norm.offsets, original - 1)
