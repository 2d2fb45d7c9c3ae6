"""Plain-text tables (``| 研究 | 方案 | mOS（月） | HR |``): the header names each column's endpoint, a row
names its trial and arms, and every cell number is a row of its own.

Numbers in cells carry no unit; the header does (``（月）``, ``%``), and an ``HR`` column is the ratio of
the table's first endpoint. A row's arms are laid over its numbers in order (``A vs. B`` / ``9.7 vs. 7.6``);
a row with one arm takes its HR against the arm of the next row of the same trial.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..recognizing import Mention
from ..records import Outcome
from .actions import Scene
from .text import DocView, Sentence
from .treatments import TreatmentBuilder

NUMBER = regex.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
RULE = "link.table-cell"


def is_table_line(text: str) -> bool:
    line = text.strip()
    return line.startswith("|") and line.endswith("|") and line.count("|") >= 3


def cells(text: str, start: int) -> list[tuple[int, int]]:
    """Spans of the cells of one table line, in document offsets."""
    bars = [i for i, ch in enumerate(text) if ch == "|"]
    return [(start + a + 1, start + b) for a, b in zip(bars, bars[1:])]


@dataclass
class Column:
    endpoint: Mention | None   # None: the ratio column (HR)
    unit: str                  # the unit surface the header gives its numbers


def header(sentence: Sentence, spans: list[tuple[int, int]], text: str, units: dict[str, str]) -> dict[int, Column]:
    """Columns of a header line: those naming an endpoint (or HR); {} when the line is no header."""
    columns: dict[int, Column] = {}
    for index, (a, b) in enumerate(spans):
        found = [m for m in sentence.mentions if a <= m.start < b and m.label == "ENDPOINT"]
        cell = text[a:b]
        unit = next((u for u in sorted(units, key=len, reverse=True) if u in cell), "")
        if found:
            columns[index] = Column(found[0], unit)
        elif cell.strip().upper() in {"HR", "OR"}:
            columns[index] = Column(None, "")
    if NUMBER.search(text[spans[0][0]:spans[-1][1]]) and not any(c.unit for c in columns.values()):
        return {}
    return columns if any(c.endpoint for c in columns.values()) else {}


def _numbers(text: str, a: int, b: int, label: str, unit: str) -> list[Mention]:
    return [Mention(a + m.start(), a + m.end(), label, m.group(), m.group(), RULE,
                    data={"num": m.group(), "unit": unit}) for m in NUMBER.finditer(text[a:b])]


def row_outcomes(scene: Scene, spans: list[tuple[int, int]], columns: dict[int, Column], text: str,
                 comparator) -> list[tuple[Outcome, list[Outcome]]]:
    """The rows of one table line: each cell number with its column's endpoint and the row's arms."""
    arms = [item.ref for item in scene.arms]
    first = next((c.endpoint for c in columns.values() if c.endpoint is not None), None)
    found: list[tuple[Outcome, list[Outcome]]] = []
    for index, column in columns.items():
        if index >= len(spans) or first is None:
            continue
        ratio = column.endpoint is None
        values = _numbers(text, *spans[index], "HR" if ratio else "VALUE", column.unit)
        group = []
        for position, value in enumerate(values):
            arm = arms[0] if ratio else (arms[position] if position < len(arms) else None)
            row = scene.reader.row(value, RULE, first if ratio else column.endpoint)
            if row is None or arm is None:
                continue
            row.arm, row.drugs = arm.text, "+".join(arm.drugs)
            if ratio:
                other = arms[1] if len(arms) > 1 else comparator()
                row.comparator_drugs = "+".join(other.drugs) if other is not None else ""
            scene.explicit.add(id(row))
            group.append(row)
        found += [(row, group) for row in group]
    return found


def next_arm(view: DocView, sentence: Sentence, words, spans: list[tuple[int, int]]):
    """The comparator of a one-arm row: the arm of the next line of the same trial."""
    key = view.text[spans[0][0]:spans[0][1]].strip()
    later = [s for s in view.sentences if s.block == sentence.block and s.start > sentence.start]
    scout = TreatmentBuilder(view.text, words)
    for s in later:
        line = view.text[s.start:s.end]
        if not is_table_line(line):
            break
        other = cells(line, s.start)
        if other and view.text[other[0][0]:other[0][1]].strip() == key:
            treatments = scout.treatments(s)
            return treatments[0] if treatments else None
    return None
