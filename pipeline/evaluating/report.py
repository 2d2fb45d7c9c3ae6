"""Scores per table and document, and an error list that tells a rule author what to fix.

Every missed gold row and every spurious predicted row is listed with its
sentence and a likely cause: a missed row whose near twin was predicted with
other drugs, endpoint, value or measure points at one rule, not at the whole
extractor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MedmineError
from .gold import KEYS, GoldError, is_number, load_tables
from .matching import Match, canonical, key_of, match_table, number

SENTENCE = re.compile(r"[^。！？；;!?\n]+[。！？；;!?]?")
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
# (cause, key columns that may differ, field that must agree when the rest of the key says too little)
NEAR = {
    "outcomes": [("wrong drugs", {"drugs"}, None), ("wrong endpoint", {"endpoint"}, None),
                 ("wrong value", {"value", "value_high"}, None),
                 ("wrong measure", {"measure", "timepoint_months", "unit"}, None)],
    "regimens": [("wrong drugs", {"drugs"}, "name")],
    "trials": [("wrong arms", {"arms"}, "trial")],
    "references": [("wrong ref_no", {"ref_no"}, "title")],
    "citations": [("wrong refs", {"refs"}, None), ("wrong marker", {"marker"}, None)],
    "citation_checks": [("wrong suggestion", {"suggested_refs"}, None)],
}
# the column whose text locates a missed gold row in its article
CLUE = {"outcomes": "value", "regimens": "name", "trials": "trial", "citations": "marker", "drugs": "names",
        "citation_checks": "marker"}


def _prf(tp: int, pred: int, gold: int) -> dict:
    """Micro P/R/F1; an empty prediction for an empty gold is perfect, not undefined."""
    precision = tp / pred if pred else float(not gold)
    recall = tp / gold if gold else float(not pred)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "pred": pred, "gold": gold}


@dataclass
class TableScore:
    scores: dict
    fields: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


@dataclass
class Report:
    tables: dict[str, TableScore]
    mentions: dict | None = None

    def to_json(self) -> dict:
        out = {name: {**t.scores, "fields": t.fields, "documents": t.documents, "errors": t.errors}
               for name, t in self.tables.items()}
        if self.mentions is not None:
            out["mentions"] = self.mentions
        return out

    def below(self, threshold: float) -> dict[str, float]:
        """Tables (and mentions, by strict F1 over all labels) whose F1 misses the bar."""
        f1s = {name: t.scores["f1"] for name, t in self.tables.items()}
        if self.mentions and "(all)" in self.mentions:
            f1s["mentions"] = self.mentions["(all)"]["strict"]["f1"]
        return {name: f1 for name, f1 in f1s.items() if f1 < threshold}


def evaluate(pred_dir: Path | str, gold_dir: Path | str, docs=None, tables=None, articles_dir: Path | str | None = None,
             extra_codes=()) -> Report:
    """Score predicted tables against gold, for the tables and documents gold covers.

    A document no gold table mentions is left out, so a gold set covering a few
    articles can score a run over many.
    """
    gold = load_tables(gold_dir, gold=True, tables=tables, extra_codes=extra_codes)
    if not gold:
        raise GoldError(f"{gold_dir}: no gold tables (<table>.csv or <prefix>_<table>.csv)")
    pred = load_tables(pred_dir, tables=list(gold))
    wanted = {row["doc_id"] for rows in gold.values() for row in rows}
    if docs:
        if not wanted & set(docs):  # a typo must not pass as a perfect score over nothing
            raise GoldError(f"{gold_dir}: no gold rows for document(s) {', '.join(sorted(set(docs)))}")
        wanted &= set(docs)
    texts = _Articles(articles_dir)
    return Report({table: _score_table(table, pred.get(table, []), rows, sorted(wanted), texts)
                   for table, rows in gold.items()})


def _by_doc(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get("doc_id", ""), []).append(row)
    return groups


def _score_table(table: str, pred: list[dict], gold: list[dict], docs: list[str], texts: "_Articles") -> TableScore:
    pred_by, gold_by = _by_doc(pred), _by_doc(gold)
    total, documents, errors = Match(), {}, []
    for doc in docs:
        match = match_table(table, pred_by.get(doc, []), gold_by.get(doc, []))
        documents[doc] = _prf(match.tp, match.pred, match.gold)
        total.tp, total.pred, total.gold = total.tp + match.tp, total.pred + match.pred, total.gold + match.gold
        total.agree.update(match.agree)
        total.scored.update(match.scored)
        errors.extend(_errors(table, doc, match, texts))
    fields = {name: total.agree[name] / count for name, count in total.scored.items()}
    return TableScore(_prf(total.tp, total.pred, total.gold), fields, documents, errors)


def _errors(table: str, doc: str, match: Match, texts: "_Articles") -> list[dict]:
    """One entry per missed or spurious row; a missed row and its near twin explain each other."""
    columns = KEYS[table]
    missed = [dict(zip(columns, key_of(table, row))) for row in match.missed]
    spurious = [dict(zip(columns, key_of(table, row))) for row in match.spurious]
    out = []
    for row, key in zip(match.missed, missed):
        cause, twin = _near(table, row, key, match.spurious, spurious)
        out.append(_entry(table, doc, "missed", cause or "missing entirely", row, twin,
                          row.get("sentence") or texts.sentence(doc, _clue(table, row))))
    for row, key in zip(match.spurious, spurious):
        cause, twin = _near(table, row, key, match.missed, missed)
        out.append(_entry(table, doc, "spurious", cause or "invented", row, twin,
                          row.get("sentence") or texts.sentence(doc, _clue(table, row))))
    return out


def _near(table: str, row: dict, key: dict, others: list[dict], other_keys: list[dict]):
    """The first cause (in NEAR's order) that pairs ``row`` with one of ``others``, and that row."""
    for cause, differing, anchor in NEAR.get(table, []):
        for other, other_key in zip(others, other_keys):
            if any(key[c] != other_key[c] for c in key if c not in differing):
                continue
            if anchor and not (canonical(anchor, row.get(anchor)) and
                               canonical(anchor, row.get(anchor)) == canonical(anchor, other.get(anchor))):
                continue
            return cause, other
    return None, None


def _entry(table: str, doc: str, kind: str, cause: str, row: dict, twin: dict | None, sentence: str) -> dict:
    columns = [c for c in KEYS[table] if c != "doc_id"]
    entry = {"doc_id": doc, "kind": kind, "cause": cause, "key": {c: row.get(c, "") for c in columns},
             "sentence": sentence}
    if twin is not None:
        entry["near"] = {c: twin.get(c, "") for c in columns}
    return entry


def _clue(table: str, row: dict) -> str:
    column = CLUE.get(table)
    return (row.get(column) or "").split(";")[0].strip() if column else ""


class _Articles:
    """Article texts, read only for documents that have a missed row to show."""

    def __init__(self, folder: Path | str | None):
        self.folder = Path(folder) if folder else None
        self.cache: dict[str, str] = {}

    def text(self, doc: str) -> str:
        if doc not in self.cache:
            self.cache[doc] = self._read(doc)
        return self.cache[doc]

    def _read(self, doc: str) -> str:
        from ..reading import decode, html_to_text

        for suffix in TEXT_SUFFIXES if self.folder and self.folder.is_dir() else ():
            path = self.folder / f"{doc}{suffix}"
            if path.is_file():
                try:
                    text, _ = decode(path.read_bytes(), str(path))
                except MedmineError:
                    return ""
                return html_to_text(text) if suffix in (".html", ".htm") else text.replace("\r\n", "\n")
        return ""

    def sentence(self, doc: str, clue: str) -> str:
        """The first sentence holding ``clue``; a number must stand alone (``8.7`` is not found in ``18.7``)."""
        if not clue or not self.folder:
            return ""
        patterns = [re.compile(r"(?<![\d.])" + re.escape(form) + r"(?!\.?\d)") if is_number(form)
                    else re.compile(re.escape(form)) for form in {clue, number(clue)}]
        for match in SENTENCE.finditer(self.text(doc)):
            if any(pattern.search(match.group(0)) for pattern in patterns):
                return match.group(0).strip()
        return ""


def key_summary(table: str, key: dict) -> str:
    """``PFS median 8.7 month | etoposide+ifosfamide``: the key as a person reads it, drugs last."""
    if table == "outcomes":
        value = key.get("value") or "NR"
        if key.get("value_high"):
            value += f"~{key['value_high']}"
        timepoint = f"{key['timepoint_months']}mo" if key.get("timepoint_months") else ""
        head = " ".join(p for p in (key.get("endpoint"), key.get("measure"), timepoint, value, key.get("unit")) if p)
        return f"{head} | {key['drugs']}" if key.get("drugs") else head
    parts = [str(key.get(c, "")) for c in KEYS[table] if c != "doc_id"]
    return " | ".join(p for p in parts if p) or "(empty)"


def _order(error: dict) -> tuple:
    """A missed row next to its near twin, then what is missing, then what is invented."""
    rank = {"missing entirely": 1, "invented": 2}.get(error["cause"], 0)
    anchor = error["key"] if error["kind"] == "missed" else error.get("near", error["key"])
    return rank, error["doc_id"], error["cause"], sorted(anchor.items()), error["kind"]


def render(report: Report, console, max_errors: int = 10) -> None:
    """One summary table, then per table its field accuracies and the first errors; one screen per table."""
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
        if not t.errors:
            continue
        shown = sorted(t.errors, key=_order)[:max_errors]
        errors = Table(title=f"{name}: {len(t.errors)} error(s)", title_justify="left")
        for header, width in zip(("doc", "row", "cause", "key", "sentence"), _widths(console.width)):
            errors.add_column(header, no_wrap=True, overflow="ellipsis", width=width)
        for e in shown:
            errors.add_row(e["doc_id"], e["kind"], e["cause"], key_summary(name, e["key"])[:60],
                           _short(e["sentence"], 60))
        console.print(errors)
        if len(t.errors) > len(shown):
            console.print(f"  … {len(t.errors) - len(shown)} more (use --json for all)")
    if report.mentions:
        from .spans import render_spans

        render_spans(report.mentions, console)


def _widths(total: int) -> list[int]:
    """Fixed widths that fill the screen without wrapping: one line per error keeps a table on one screen.

    The key identifies the row, so it gets two thirds of the free width; the sentence gets the rest.
    """
    rest = max(total - 16 - 16 - 8 - 16, 40)  # 16 = borders and padding of five columns
    key = min(50, rest * 2 // 3)
    return [16, 8, 16, key, min(rest - key, 70)]


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
