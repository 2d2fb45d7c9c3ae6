"""Keyed matching of SCHEMA.md, one document at a time.

Values are brought to a canonical form before comparison so that differences a
reader would not call errors (``9.0`` vs ``9``, ``IE 方案`` vs ``IE方案``,
``< 0.001`` vs ``<0.001``) never cost a point, while any real difference does.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .gold import FIELDS, KEYS, NUMERIC

FOLDED = frozenset({"title", "source", "name", "marker", "first_author", "trial"})
DRUG_LISTS = frozenset({"drugs", "comparator_drugs", "arms"})
CODE_SETS = frozenset({"design", "setting"})
MULTISETS = frozenset({"citations"})
P_OPERATORS = {"<=": "≤", ">=": "≥", "=": ""}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Curators and extractors differ in width, case, spacing and punctuation of free text; ignore all four."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c)[0] not in "PZ")


def number(text: str) -> str:
    """``9.0``, ``9`` and ``9.00`` are one number; text that is not a number is kept so it can still match itself."""
    try:
        value = Decimal(unicodedata.normalize("NFKC", text))
    except InvalidOperation:
        return text
    return format(value.normalize(), "f") if value.is_finite() else text


def p_value(text: str) -> str:
    """``P < 0.001``, ``<0.001`` and ``<.001`` say the same; keep the operator, normalise the number."""
    text = unicodedata.normalize("NFKC", text).replace(" ", "").lstrip("Pp")
    size = 2 if text[:2] in ("<=", ">=") else 1 if text[:1] and text[0] in "<>≤≥=" else 0
    operator = P_OPERATORS.get(text[:size], text[:size])
    return operator + number(text[size:])


def canonical(column: str, value) -> str:
    """The form in which ``column``'s values are compared (see SCHEMA.md, Gold tables and evaluation)."""
    value = "" if value is None else str(value).strip()
    if not value:
        return ""
    if column in NUMERIC:
        return number(value)
    if column in FOLDED:
        return fold(value)
    if column in DRUG_LISTS:
        return "".join(value.split()).lower()
    if column in CODE_SETS:
        return ";".join(sorted(part.strip() for part in value.split(";") if part.strip()))
    if column == "p_value":
        return p_value(value)
    return value


def key_of(table: str, row: dict) -> tuple:
    return tuple(canonical(column, row.get(column)) for column in KEYS[table])


def agrees(column: str, pred: dict, gold: dict) -> bool:
    return canonical(column, pred.get(column)) == canonical(column, gold.get(column))


@dataclass
class Match:
    """One document's alignment: counts for P/R/F1, field agreement, and the rows to explain."""

    tp: int = 0
    pred: int = 0
    gold: int = 0
    agree: Counter = field(default_factory=Counter)
    scored: Counter = field(default_factory=Counter)
    missed: list = field(default_factory=list)
    spurious: list = field(default_factory=list)


def _group(table: str, rows: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(key_of(table, row), []).append(row)
    return groups


def match_table(table: str, pred: list[dict], gold: list[dict]) -> Match:
    """Align one document's rows on the table's key.

    Rows are sets (a fact stated twice counts once), except citations, where every
    marker occurrence is a row of its own and so counts.
    """
    pred_by, gold_by = _group(table, pred), _group(table, gold)
    result = Match()
    multiset = table in MULTISETS
    for key, gold_rows in gold_by.items():
        wanted = gold_rows if multiset else gold_rows[:1]
        found = min(len(wanted), len(pred_by.get(key, ())))
        result.gold += len(wanted)
        result.tp += found
        result.missed.extend(wanted[found:])
        if found:
            _score_fields(table, pred_by[key], gold_rows, result)
    for key, pred_rows in pred_by.items():
        counted = pred_rows if multiset else pred_rows[:1]
        result.pred += len(counted)
        result.spurious.extend(counted[len(gold_by.get(key, ())):])
    return result


def _score_fields(table: str, candidates: list[dict], golds: list[dict], result: Match) -> None:
    """Field accuracy of one matched key, counted once however often the fact is stated.

    Of the predicted and gold rows with this key (a fact restated in the abstract
    and the body gives two of each), the pair that agrees on the most fields is
    scored, so neither a harmless duplicate nor the order of restated rows costs
    anything. Only fields that are a column of the gold row's file count: a
    curator who did not fill in a column has not said the prediction is wrong.
    """
    def agreement(pair: tuple[dict, dict]) -> int:
        pred, gold = pair
        return sum(agrees(name, pred, gold) for name in FIELDS[table] if name in gold)

    best, gold = max(((p, g) for g in golds for p in candidates), key=agreement)
    fields = [name for name in FIELDS[table] if name in gold]
    result.scored.update(fields)
    result.agree.update(name for name in fields if agrees(name, best, gold))
