"""The linking stage's view of a document: blocks, sentences, clauses and mentions.

Sentences end at 。！？；;!? or a line break (SCHEMA's rule, also used for
citation attribution), except inside brackets: ``(HR 0.60; 95%CI 0.45-0.80)``
is one statistic, not two sentences. Clauses split sentences at top-level
commas; many links (value to arm, qualifier to value) do not cross them.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from ..recognizing import Mention

SENTENCE_ENDS = frozenset("。！？；;!?\n")
CLAUSE_ENDS = frozenset(",，:：")
OPEN, CLOSE = set("([{（［【〔"), set(")]}）］】〕")


@dataclass(frozen=True)
class Block:
    """A paragraph, heading or title: the unit that scopes study frames and citations."""

    kind: str
    start: int
    end: int


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    block: int
    mentions: list[Mention] = field(default_factory=list)
    clause_starts: list[int] = field(default_factory=list)
    _by_label: dict | None = field(default=None, repr=False, compare=False)

    def clause_of(self, offset: int) -> int:
        """Index of the clause that holds a character offset."""
        return max(0, bisect_left(self.clause_starts, offset + 1) - 1)

    def replace_mentions(self, mentions: list[Mention]) -> None:
        """The sentence read anew (an endpoint the article redefined): the label index is rebuilt."""
        self.mentions, self._by_label = mentions, None

    def labelled(self, *labels: str) -> list[Mention]:
        """Mentions with these labels, in text order (asked hundreds of times per article)."""
        if len(labels) > 1:
            return [m for m in self.mentions if m.label in labels]
        if self._by_label is None:
            self._by_label = {}
            for m in self.mentions:
                self._by_label.setdefault(m.label, []).append(m)
        return list(self._by_label.get(labels[0], ()))


@dataclass(slots=True)
class DocView:
    text: str
    mentions: list[Mention]
    blocks: list[Block]
    sentences: list[Sentence] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sentences = list(split_sentences(self))


@lru_cache(maxsize=8)
def _structure(stops: frozenset[str]) -> re.Pattern:
    """The characters _split_points looks at; jumping between them beats a per-character loop."""
    return re.compile("[" + re.escape("".join(sorted(OPEN | CLOSE | stops))) + "]")


def _split_points(text: str, start: int, end: int, stops: set[str]) -> list[int]:
    """Offsets just after each top-level stop character between start and end."""
    depth, points = 0, []
    for match in _structure(frozenset(stops)).finditer(text, start, end):
        ch = match.group()
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 or ch == "\n":
            points.append(match.end())
            if ch == "\n":
                depth = 0
    return points


def split_sentences(view: DocView):
    """Sentences of every block, each with its mentions and clause starts."""
    ordered = sorted(view.mentions, key=lambda m: m.start)
    starts = [m.start for m in ordered]
    for index, block in enumerate(view.blocks):
        if block.kind not in {"paragraph", "title", "heading"}:
            continue
        begin = block.start
        for stop in _split_points(view.text, block.start, block.end, SENTENCE_ENDS) + [block.end]:
            if view.text[begin:stop].strip():
                lo, hi = bisect_left(starts, begin), bisect_left(starts, stop)
                sentence = Sentence(begin, stop, index, [m for m in ordered[lo:hi] if m.end <= stop])
                sentence.clause_starts = [begin] + _split_points(view.text, begin, stop, CLAUSE_ENDS)
                yield sentence
            begin = stop
