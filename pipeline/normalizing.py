"""Normalisation for matching, with a map back to the original offsets.

Rules and regexes see one form of every character: full-width digits, letters
and punctuation become half-width, odd spaces become plain spaces, and LaTeX
residue of PDF conversion (``$6 1 . 9 \\%$``) becomes plain text (``61.9%``).
Tables must still point into the decoded original, so every edit is recorded in
an offset map: ``offsets[i]`` is the original index of normalised character i.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

KEEP = set("。！？、")  # Chinese sentence punctuation that sentence splitting relies on
EXTRA = {"～": "~", "〜": "~", "∼": "~", "–": "-", "—": "-", "－": "-", "﹣": "-", "＜": "<", "＞": ">",
         "\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
         "〔": "[", "〕": "]", "【": "[", "】": "]", "“": "\"", "”": "\"", "·": "·"}
MATH = regex.compile(r"\$([^$\n]{1,300})\$")
LATEX_COMMAND = regex.compile(r"\\(?:scriptstyle|mathrm|mathbf|mathit|sf|rm|bf|left|right|textstyle|displaystyle|"
                              r"operatorname|text)\b")
LATEX_SYMBOLS = {r"\%": "%", r"\sim": "~", r"\geqslant": "≥", r"\leqslant": "≤", r"\geq": "≥", r"\leq": "≤",
                 r"\pm": "±", r"\times": "×", r"\cdot": "·", r"\ ": " ", r"\,": "", r"\;": " ", r"\!": "",
                 r"\~": "~", r"\{": "", r"\}": ""}
MARKDOWN = regex.compile(r"\*\*|(?<!\*)\*(?!\*)|\[([^\]\n]{1,200})\]\([^)\s]{1,500}\)")
UNIT_SPACE = regex.compile(r"(?<=\d)[ \t]+(?=[\p{Han}%])")  # 9.0 个月 -> 9.0个月


@dataclass(frozen=True)
class Normalized:
    text: str
    offsets: list[int]  # len(text) + 1 entries; the last is len(original)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering a normalised span."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


def _fold_table() -> dict[int, str]:
    """One-to-one character folding, so runs of plain text fold with ``str.translate``."""
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
    table.update({ord(k): v for k, v in EXTRA.items() if len(v) == 1})
    for ch in KEEP:
        table.pop(ord(ch), None)
    return table


FOLD = _fold_table()


def _unlatex(body: str) -> str:
    """Plain text of one ``$...$`` span.

    PDF-to-markdown converters space out every character (``6 1 . 9``); a real
    space is written ``\\ `` or ``~``. So plain spaces are dropped, written spaces
    kept (except between digits, where they separate thousands).
    """
    body = body.replace(r"\sim", "\x01").replace(r"\ ", "\x00").replace("~", "\x00")
    for latex, plain in LATEX_SYMBOLS.items():
        body = body.replace(latex, plain)
    body = LATEX_COMMAND.sub("", body).replace("{", "").replace("}", "")
    body = regex.sub(r"\s+", "", body).replace("\x01", "~")
    body = regex.sub(r"(?<=%)C[1l](?=\x00)", "CI", body)  # OCR reads CI as C1
    body = regex.sub(r"(?<=\d)\x00+(?=\d)", "", body)
    body = regex.sub(r"\x00+", " ", body).strip()
    return "+" if body == "^+" else body


def _edits(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, replacement) edits of the original text."""
    edits: list[tuple[int, int, str]] = []
    for match in MATH.finditer(text):
        edits.append((match.start(), match.end(), _unlatex(match.group(1))))
    taken = [(s, e) for s, e, _ in edits]

    def free(s: int, e: int) -> bool:
        return not any(s < te and ts < e for ts, te in taken)

    for match in MARKDOWN.finditer(text):
        if free(*match.span()):
            edits.append((match.start(), match.end(), match.group(1) or ""))
    for match in regex.finditer(r"\\~|\u200b", text):
        if free(*match.span()):
            edits.append((match.start(), match.end(), "~" if match.group(0) != "\u200b" else ""))
    return sorted(edits)


def normalize(text: str) -> Normalized:
    """Normalise text for matching; keep a map from every output char to its source."""
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for start, end, replacement in _edits(text):
        pieces.append(text[position:start].translate(FOLD))
        offsets.extend(range(position, start))
        folded = replacement.translate(FOLD)
        cursor = start
        for ch in folded:
            # point each kept character at its source inside the edited span, in order
            found = text.find(ch, cursor, end)
            if found >= 0:
                cursor = found
            offsets.append(cursor)
            cursor = min(cursor + 1, end - 1) if found >= 0 else cursor
        pieces.append(folded)
        position = end
    pieces.append(text[position:].translate(FOLD))
    offsets.extend(range(position, len(text)))
    joined = "".join(pieces)
    drops = [i for match in UNIT_SPACE.finditer(joined) for i in range(*match.span())]
    if drops:
        dropped = set(drops)
        joined = "".join(c for i, c in enumerate(joined) if i not in dropped)
        offsets = [o for i, o in enumerate(offsets) if i not in dropped]
    return Normalized(joined, offsets + [len(text)])
