"""Relations as data: patterns over a sentence's label sequence (``rules/relations.yaml``).

A sentence is seen as the sequence of the labels its relations speak of
(``ARM ENDPOINT RESPECTIVELY VALUE AND VALUE``); every other mention is
transparent. A pattern is written in that vocabulary, with ``LABEL:slot`` for
the items an action needs, ``A|B`` for alternatives, ``( … )`` groups and
``? + *`` quantifiers. It compiles to one regular expression over the label
string (the ``regex`` module keeps every capture of a repeated slot), so the
matcher is a few lines and behaves like any regex. Relations run by priority;
the numbers a match takes are not offered to later relations.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..errors import RuleError
from ..rules import RelationRule, RuleSet

TOKEN = regex.compile(r"(?P<labels>[A-Z_]+(?:\|[A-Z_]+)*)(?::(?P<slot>[a-z_]+))?(?P<q>[?+*]?)")
PIECES = regex.compile(r"\(|\)[?+*]?|[^\s()]+")
VALUE_LABELS = frozenset({"VALUE", "NR", "HR"})


@dataclass(frozen=True)
class Relation:
    id: str
    action: str
    priority: int
    max_gap: int
    stops: frozenset[str]
    labels: frozenset[str]
    compiled: regex.Pattern


@dataclass(frozen=True)
class Item:
    """One element of the label sequence: a label and what stands behind it (a mention or an arm)."""

    label: str
    start: int
    end: int
    ref: object


@dataclass
class Match:
    relation: Relation
    slots: dict[str, list[Item]]

    def get(self, slot: str) -> list[Item]:
        return self.slots.get(slot, [])


def compile_pattern(pattern: str) -> tuple[regex.Pattern, frozenset[str]]:
    """``ARM:arms (AND ARM:arms)+ VALUE`` -> a regex over ``"ARM AND ARM VALUE "``."""
    parts, labels = [r"(?<![^ ])"], set()
    for token in PIECES.findall(pattern):
        if token == "(":
            parts.append("(?:")
        elif token[0] == ")" and token[1:] in {"", "?", "+", "*"}:
            parts.append(token)
        else:
            m = TOKEN.fullmatch(token)
            if m is None:
                raise ValueError(f"cannot read pattern token {token!r}")
            names = m["labels"].split("|")
            labels.update(names)
            atom = "(?:" + "|".join(names) + ") "
            parts.append((f"(?P<{m['slot']}>{atom})" if m["slot"] else f"(?:{atom})") + m["q"])
    try:
        return regex.compile("".join(parts)), frozenset(labels)
    except regex.error as exc:
        raise ValueError(f"unbalanced pattern: {exc}") from None


def compile_relations(rules: RuleSet) -> list[Relation]:
    """Every relation of a rule set, highest priority first; a bad pattern is a path:line error."""
    out, problems = [], []
    for rule in rules.of("relations"):
        try:
            compiled, labels = compile_pattern(rule.pattern)
        except ValueError as exc:
            problems.append(f"{rules.sources.get(f'relations:{rule.id}:{rule.line}', '?')}: {rule.id}: {exc}")
            continue
        out.append(Relation(rule.id, rule.action, rule.priority, rule.max_gap, frozenset(rule.stops), labels,
                            compiled))
    if problems:
        raise RuleError(problems)
    return sorted(out, key=lambda r: -r.priority)


def vocabulary(relations: list[Relation]) -> frozenset[str]:
    return frozenset(label for r in relations for label in r.labels)


def _slots(m: regex.Match, offsets: dict[int, int], items: list[Item]) -> dict[str, list[Item]]:
    slots: dict[str, list[Item]] = {}
    for name in m.re.groupindex:
        slots[name] = [items[offsets[start]] for start in m.starts(name)]
    return slots


def _gaps_ok(text: str, items: list[Item], first: int, last: int, relation: Relation) -> bool:
    """Window sizes and terminators: no gap longer than max_gap, no stop character inside one."""
    for i in range(first, last):
        gap = text[items[i].end:items[i + 1].start]
        if len(gap) > relation.max_gap or relation.stops & set(gap):
            return False
    return True


def match_all(relations: list[Relation], items: list[Item], source: str) -> list[Match]:
    """Run every relation over the items; each number goes to the first relation that takes it."""
    labels = [item.label for item in items]
    text, offsets = _sequence(labels)  # lower-casing a taken label keeps every offset
    found: list[Match] = []
    for relation in relations:
        position = 0
        while True:
            m = relation.compiled.search(text, position)
            if m is None:
                break
            first, last = offsets[m.start()], offsets[_last_token(text, m.end())]
            if not _gaps_ok(source, items, first, last, relation):
                position = text.index(" ", m.start()) + 1
                continue
            slots = _slots(m, offsets, items)
            found.append(Match(relation, slots))
            for index in range(first, last + 1):
                if labels[index] in VALUE_LABELS:
                    labels[index] = labels[index].lower()  # taken: no later relation sees it
            text = "".join(label + " " for label in labels)
            position = m.end()
    return found


def _sequence(labels: list[str]) -> tuple[str, dict[int, int]]:
    offsets, pieces, position = {}, [], 0
    for index, label in enumerate(labels):
        offsets[position] = index
        pieces.append(label + " ")
        position += len(label) + 1
    return "".join(pieces), offsets


def _last_token(text: str, end: int) -> int:
    """Offset of the last token inside a match that ends at ``end``."""
    return text.rindex(" ", 0, end - 1) + 1 if " " in text[:end - 1] else 0


__all__ = ["Item", "Match", "Relation", "RelationRule", "compile_relations", "match_all", "vocabulary"]
