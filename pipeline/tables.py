"""Tables: records -> the rows and DataFrames of SCHEMA.md, and their writers.

Column names and order are the contract of SCHEMA.md (extra columns go after).
``COLUMNS`` is the list of tables: every writer loops over it, so adding a table
is one line here. Files are written by ``batch``/``writing`` inside one output
transaction (``transaction.py``).
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .records import Linked

if TYPE_CHECKING:
    import pandas as pd

COLUMNS: dict[str, list[str]] = {
    "documents": ["doc_id", "path", "status", "error", "encoding", "chars", "title"],
    "outcomes": ["doc_id", "endpoint", "measure", "timepoint_months", "value", "value_high", "qualifier",
                 "unit", "ci_low", "ci_high", "p_value", "arm", "drugs", "comparator_drugs", "trial",
                 "disease", "citation", "sentence", "start", "end", "rule"],
    "trials": ["doc_id", "trial", "phase", "design", "n", "disease", "setting", "arms", "followup_months",
               "venue", "citation", "rule"],
    "regimens": ["doc_id", "name", "drugs", "definition", "start", "end", "rule"],
    "drugs": ["doc_id", "drug", "class", "names", "mentions"],
    "references": ["doc_id", "ref_no", "first_author", "year", "title", "source", "kind", "text"],
    "citations": ["doc_id", "marker", "refs", "resolved", "sentence", "start", "end"],
    "citation_checks": ["doc_id", "marker", "refs", "start", "end", "claim", "verdict", "suggested_refs", "reason",
                        "rule"],
    "mentions": ["doc_id", "start", "end", "text", "label", "norm", "rule"],
}
TABLES = [t for t in COLUMNS if t != "documents"]
COUNT_COLUMNS = [f"n_{t}" for t in TABLES] + ["citation_mismatches"]
COLUMNS["documents"] += COUNT_COLUMNS

# Typed columns of the Parquet and XLSX copies (every other column is text). Keyed by column name, so
# a new table gets its types from the names it shares (``start``, ``end``). CSV cells stay as written.
TYPES: dict[str, str] = {
    "chars": "int", "start": "int", "end": "int", "n": "int", "ref_no": "int", "year": "int", "mentions": "int",
    **{c: "int" for c in COUNT_COLUMNS},
    "timepoint_months": "float", "value": "float", "value_high": "float", "ci_low": "float", "ci_high": "float",
    "followup_months": "float", "ci_level": "float",
    "resolved": "bool",
}
# Tables left out of the default workbook: ``mentions`` (about 300 rows a document) would make the
# XLSX step cost more than the extraction itself (see README, "Batch runs, speed and memory").
XLSX_LEFT_OUT = {"mentions"}


def _span(norm, text: str, start: int, end: int) -> tuple[int, int, str]:
    start, end = norm.to_original(start, end)
    return start, end, text[start:end]


def article_rows(article, norm, mentions, linked: Linked, drug_uses, references: list[dict]) -> dict:
    """Every table's rows for one article, offsets mapped back to the original text."""
    doc_id, text = article.doc_id, article.text

    def sentence(span: tuple[int, int]) -> str:
        return _span(norm, text, *span)[2].strip()

    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    for m in mentions:
        start, end, surface = _span(norm, text, m.start, m.end)
        rows["mentions"].append({"doc_id": doc_id, "start": start, "end": end, "text": surface,
                                 "label": m.label, "norm": m.norm, "rule": m.rule})
    for o in linked.outcomes:
        start, end, _ = _span(norm, text, o.start, o.end)
        row = {k: getattr(o, k) for k in COLUMNS["outcomes"] if hasattr(o, k) and k not in {"sentence"}}
        rows["outcomes"].append({**row, "doc_id": doc_id, "start": start, "end": end,
                                 "sentence": sentence(o.sentence), "rule": ";".join(o.rules)})
    for t in linked.trials:
        rows["trials"].append({**{k: getattr(t, k) for k in COLUMNS["trials"] if hasattr(t, k)},
                               "doc_id": doc_id, "rule": ";".join(t.rules)})
    for r in linked.regimens:
        start, end, _ = _span(norm, text, r.start, r.end)
        rows["regimens"].append({"doc_id": doc_id, "name": r.name, "drugs": r.drugs,
                                 "definition": r.definition, "start": start, "end": end,
                                 "rule": ";".join(r.rules)})
    rows["drugs"] = _drug_rows(doc_id, drug_uses)
    known = {ref["ref_no"] for ref in references}
    for c in linked.citations:
        start, end, surface = _span(norm, text, c.start, c.end)
        rows["citations"].append({"doc_id": doc_id, "marker": surface, "refs": ";".join(map(str, c.refs)),
                                  "resolved": bool(known) and all(r in known for r in c.refs),
                                  "sentence": sentence(c.sentence), "start": start, "end": end})
    rows["references"] = [{"doc_id": doc_id, **ref} for ref in references]
    rows["documents"] = [{"doc_id": doc_id, "path": article.path, "status": "ok", "error": "",
                          "encoding": article.encoding, "chars": len(text), "title": article.title,
                          **{f"n_{t}": len(rows[t]) for t in TABLES}}]
    return rows


def _drug_rows(doc_id: str, uses) -> list[dict]:
    """Specific drugs wherever named; a class only where it is part of a combination."""
    counts: Counter = Counter()
    names: dict[str, set[str]] = {}
    classes: dict[str, str] = {}
    for use in uses:
        if use.kind == "generic" or (use.kind == "class" and not use.in_combination):
            continue
        counts[use.name] += 1
        names.setdefault(use.name, set()).add(use.surface)
        classes[use.name] = use.drug_class
    return [{"doc_id": doc_id, "drug": name, "class": classes[name], "names": ";".join(sorted(names[name])),
             "mentions": counts[name]} for name in counts]


def error_rows(doc_id: str, path: str, error: str) -> dict[str, list[dict]]:
    """The documents row of a file that could not be processed."""
    row = {"doc_id": doc_id, "path": path, "status": "error", "error": error, "encoding": "",
           "chars": 0, "title": "", **{c: 0 for c in COUNT_COLUMNS}}
    return {"documents": [row], **{t: [] for t in TABLES}}


def to_frames(rows: dict[str, list[dict]]) -> dict[str, pd.DataFrame]:
    """DataFrames with SCHEMA's columns first, in a stable row order.

    pandas is imported here, not at module level: a CSV-only batch never needs it,
    and importing it costs a third of a second per process.
    """
    import pandas as pd

    frames = {}
    for table, columns in COLUMNS.items():
        frame = pd.DataFrame(rows.get(table, []))
        for column in columns:
            if column not in frame.columns:
                frame[column] = pd.Series(dtype="object")
        extra = [c for c in frame.columns if c not in columns]
        frames[table] = frame[columns + extra].reset_index(drop=True)
    return frames
