"""Scores per table and document, and an error report that tells a rule author what to fix."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import regex

from .gold import KEYS, load_tables
from .matching import canonical, key_of, match_table

SENTENCE = regex.compile(r"[^。！？；;!?\n]+[。！？；;!?]?")
CAUSE_FIELDS = [("wrong drugs", {"drugs"}), ("wrong endpoint", {"endpoint"}),
                ("wrong value", {"value", "value_high"}), ("wrong measure", {"measure", "timepoint_months", "unit"})]


def _prf(tp: int, pred: int, gold: int) -> dict:
    precision = tp / pred if pred else (1.0 if not gold else 0.0)
    recall = tp / gold if gold else (1.0 if not pred else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "pred": pred, "gold": gold}


@dataclass
class TableScore:
    scores: dict
    fields: dict
    documents: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


@dataclass
class Report:
    tables: dict[str, TableScore]

    def to_json(self) -> dict:
        return {name: {**t.scores, "fields": t.fields, "documents": t.documents, "errors": t.errors}
                for name, t in self.tables.items()}

    def below(self, threshold: float) -> list[str]:
        return [name for name, t in self.tables.items() if t.scores["f1"] < threshold]


def _cause(table: str, missed: dict, spurious: list[dict]) -> str:
    """Compare a missed gold row with the doc's spurious rows: which part of the key differs."""
    keys = KEYS[table]
    gold_key = dict(zip(keys, key_of(table, missed)))
    for cause, differing in CAUSE_FIELDS:
        for row in spurious:
            pred_key = dict(zip(keys, key_of(table, row)))
            if all(pred_key[k] == gold_key[k] for k in keys if k not in differing) and \
                    any(pred_key[k] != gold_key[k] for k in differing if k in keys):
                return cause
    return "missing entirely"


def _sentence_of(value: str, text: str) -> str:
    if not value or not text:
        return ""
    for match in SENTENCE.finditer(text):
        if value in match.group(0):
            return match.group(0).strip()
    return ""


def _summary(table: str, row: dict) -> str:
    keys = [k for k in KEYS[table] if k != "doc_id"]
    return " ".join(str(row.get(k, "")) for k in keys if row.get(k, "") != "")


def evaluate(pred_dir: Path, gold_dir: Path, docs=None, tables=None, articles_dir: Path | None = None,
             extra_codes=()) -> Report:
    """Score predicted tables against gold tables, document by document."""
    gold = load_tables(Path(gold_dir), gold=True, tables=tables, extra_codes=extra_codes)
    pred = load_tables(Path(pred_dir), tables=list(gold))
    gold_docs = {r["doc_id"] for rows in gold.values() for r in rows}
    wanted = set(docs) & gold_docs if docs else gold_docs
    texts = _article_texts(articles_dir, wanted)
    report: dict[str, TableScore] = {}
    for table, gold_rows in gold.items():
        totals, per_doc, errors, field_sums = [0, 0, 0], {}, [], {}
        for doc in sorted(wanted):
            g = [r for r in gold_rows if r.get("doc_id") == doc]
            p = [r for r in pred.get(table, []) if r.get("doc_id") == doc]
            result = match_table(table, p, g)
            totals = [totals[0] + result["tp"], totals[1] + result["pred"], totals[2] + result["gold"]]
            per_doc[doc] = _prf(result["tp"], result["pred"], result["gold"])
            for name, share in result["fields"].items():
                field_sums.setdefault(name, [0.0, 0])
                field_sums[name][0] += share * result["tp"]
                field_sums[name][1] += result["tp"]
            for row in result["missed"]:
                errors.append({"doc_id": doc, "kind": "missed", "cause": _cause(table, row, result["spurious"]),
                               "key": _summary(table, row),
                               "sentence": _sentence_of(row.get("value", ""), texts.get(doc, ""))})
            for row in result["spurious"]:
                errors.append({"doc_id": doc, "kind": "spurious", "cause": "invented", "key": _summary(table, row),
                               "sentence": row.get("sentence", "")})
        fields = {n: round(s / c, 4) if c else 0.0 for n, (s, c) in field_sums.items()}
        report[table] = TableScore(_prf(*totals), fields, per_doc, errors)
    return Report(report)


def _article_texts(folder: Path | None, docs: set[str]) -> dict[str, str]:
    if folder is None or not Path(folder).is_dir():
        return {}
    texts = {}
    for path in Path(folder).iterdir():
        if path.stem in docs and path.is_file():
            texts[path.stem] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def render(report: Report, console, max_errors: int = 12) -> None:
    """One summary table, then per table its field accuracies and the first errors."""
    from rich.table import Table

    summary = Table("table", "P", "R", "F1", "tp", "pred", "gold", title="medmine evaluate")
    for name, t in report.tables.items():
        s = t.scores
        summary.add_row(name, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                        str(s["tp"]), str(s["pred"]), str(s["gold"]))
    console.print(summary)
    for name, t in report.tables.items():
        if t.fields:
            console.print(f"[bold]{name}[/bold] fields: " + ", ".join(f"{k} {v:.2f}" for k, v in t.fields.items()))
        if t.errors:
            errors = Table("doc", "error", "cause", "key", "sentence", title=f"{name}: {len(t.errors)} errors")
            for e in sorted(t.errors, key=lambda e: (e["cause"], e["doc_id"]))[:max_errors]:
                errors.add_row(e["doc_id"][:18], e["kind"], e["cause"], e["key"][:60], e["sentence"][:60])
            console.print(errors)
