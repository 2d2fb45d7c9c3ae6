"""Keyed matching of SCHEMA.md: rows are sets per document, numbers equal as decimals,
text compared after NFKC folding, lowercasing and removing space and punctuation."""
from __future__ import annotations

import unicodedata
from collections import Counter
from decimal import Decimal, InvalidOperation

from .gold import FIELDS, KEYS, NUMERIC

FOLDED = {"title", "source", "name", "marker", "first_author", "trial"}
LISTS = {"drugs", "comparator_drugs", "arms"}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if not unicodedata.category(c)[0] in "PZ" and not c.isspace())


def number(text: str) -> str:
    try:
        value = Decimal(text).normalize()
        return format(value, "f")
    except (InvalidOperation, ValueError):
        return text


def canonical(column: str, value) -> str:
    value = "" if value is None else str(value).strip()
    if not value:
        return ""
    if column in NUMERIC:
        return number(value)
    if column in FOLDED:
        return fold(value)
    if column in LISTS:
        return value.replace(" ", "").lower()
    if column == "p_value":
        value = value.replace(" ", "")
        op = value[0] if value[0] in "<>=" else ""
        return op.replace("=", "") + number(value.lstrip("<>="))
    return value


def key_of(table: str, row: dict) -> tuple:
    return tuple(canonical(c, row.get(c)) for c in KEYS[table])


def match_table(table: str, pred: list[dict], gold: list[dict]) -> dict:
    """tp/pred/gold counts, field agreement on matched rows, and unmatched rows."""
    if table == "citations":
        p, g = Counter(key_of(table, r) for r in pred), Counter(key_of(table, r) for r in gold)
        tp = sum((p & g).values())
        return {"tp": tp, "pred": sum(p.values()), "gold": sum(g.values()), "fields": {},
                "missed": [dict(zip(KEYS[table], k)) for k in (g - p).elements()],
                "spurious": [dict(zip(KEYS[table], k)) for k in (p - g).elements()]}
    pred_by: dict[tuple, list[dict]] = {}
    for row in pred:
        pred_by.setdefault(key_of(table, row), []).append(row)
    gold_by: dict[tuple, dict] = {}
    for row in gold:
        gold_by.setdefault(key_of(table, row), row)
    fields = [f for f in FIELDS[table] if any(f in r for r in gold)]
    agree: Counter = Counter()
    for key, gold_row in gold_by.items():
        if key in pred_by:
            best = max(pred_by[key], key=lambda r: sum(_agrees(f, r, gold_row) for f in fields))
            agree.update(f for f in fields if _agrees(f, best, gold_row))
    matched = [k for k in gold_by if k in pred_by]
    return {"tp": len(matched), "pred": len(pred_by), "gold": len(gold_by),
            "fields": {f: agree[f] / len(matched) for f in fields} if matched else {},
            "missed": [gold_by[k] for k in gold_by if k not in pred_by],
            "spurious": [pred_by[k][0] for k in pred_by if k not in gold_by]}


def _agrees(field: str, pred: dict, gold: dict) -> bool:
    return canonical(field, pred.get(field)) == canonical(field, gold.get(field))
