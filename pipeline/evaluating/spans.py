"""Entity-level scores of the ``mentions`` table against gold spans from brat or Label Studio.

Three schemes, named as nervaluate names them: ``strict`` (same boundaries and
label), ``exact`` (same boundaries, any label) and ``partial`` (same label; an
overlap with other boundaries earns half a point). nervaluate itself is not
used: its ``partial`` ignores the label, and its result types changed between
releases, while these three definitions fit in a few lines.

Only the labels the gold annotates are scored, on the documents it covers: an
annotator who marked drugs and values has not said anything about diseases.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from ..errors import InputError
from .gold import GoldError

Span = tuple[str, int, int, str]  # doc_id, start, end (exclusive), label
SCHEMES = ("strict", "exact", "partial")


def load_brat(path: Path | str) -> list[dict]:
    """``T1<TAB>LABEL 10 15<TAB>text`` lines of a ``.ann`` file or a folder of them; doc_id is the file stem.

    A discontinuous span (``10 12;14 15``) becomes one span from its first start
    to its last end, because the mentions table has one start and one end.
    """
    path = Path(path)
    files = sorted(path.glob("*.ann")) if path.is_dir() else [path]
    spans = []
    for ann in files:
        for number, line in enumerate(ann.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.startswith("T"):
                continue
            try:
                label, *offsets = line.split("\t")[1].replace(";", " ").split()
                positions = [int(x) for x in offsets]
                spans.append({"doc_id": ann.stem, "start": min(positions), "end": max(positions), "label": label})
            except (IndexError, ValueError):
                raise GoldError(f"{ann}:{number}: not a brat text-bound annotation: {line!r}") from None
    return spans


def load_label_studio(path: Path | str) -> list[dict]:
    """A Label Studio JSON export: a list of tasks with ``data.doc_id`` and ``annotations[0].result``."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise GoldError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    spans = []
    for task in tasks:
        doc_id = str((task.get("data") or {}).get("doc_id") or task.get("id", ""))
        for result in ((task.get("annotations") or [{}])[0]).get("result", []):
            value = result.get("value") or {}
            for label in value.get("labels", []):
                spans.append({"doc_id": doc_id, "start": int(value["start"]), "end": int(value["end"]),
                              "label": label})
    return spans


def load_gold_spans(path: Path | str) -> list[dict]:
    """A folder or ``.ann`` file is brat; anything else is a Label Studio export."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder (--spans takes a brat folder or .ann file, "
                         "or a Label Studio JSON export)")
    return load_brat(path) if path.is_dir() or path.suffix == ".ann" else load_label_studio(path)


def predicted_mentions(pred_dir: Path | str) -> list[dict]:
    path = Path(pred_dir) / "mentions.csv"
    if not path.is_file():
        raise InputError(f"{path}: no mentions table to score against the gold spans", "run with --formats csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [{"doc_id": r["doc_id"], "start": int(r["start"]), "end": int(r["end"]), "label": r["label"]}
                for r in csv.DictReader(handle)]


def _credits(spans: set[Span], others: set[Span]) -> dict[str, dict[str, float]]:
    """Per label, the points ``spans`` earn against ``others`` under each scheme."""
    bounds = {(doc, start, end) for doc, start, end, _ in others}
    same_label: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for doc, start, end, label in others:
        same_label.setdefault((doc, label), []).append((start, end))
    out: dict[str, dict[str, float]] = {}
    for doc, start, end, label in spans:
        points = out.setdefault(label, dict.fromkeys(SCHEMES, 0.0))
        candidates = same_label.get((doc, label), [])
        if (start, end) in candidates:
            points["strict"] += 1
            points["partial"] += 1
        elif any(s < end and start < e for s, e in candidates):
            points["partial"] += 0.5
        points["exact"] += (doc, start, end) in bounds
    return out


def _as_set(rows) -> set[Span]:
    """Spans as a set: a mention found twice at the same place is one mention."""
    return {(r["doc_id"], int(r["start"]), int(r["end"]), r["label"]) for r in rows}


def _prf(pred_points: float, pred: int, gold_points: float, gold: int) -> dict:
    precision = pred_points / pred if pred else 0.0
    recall = gold_points / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pred": pred, "gold": gold}


def score_spans(pred: list[dict], gold: list[dict], docs=None) -> dict:
    """Per gold label and over all of them (``"(all)"``): P/R/F1 under strict, exact and partial."""
    gold_set = _as_set(g for g in gold if not docs or g["doc_id"] in docs)
    labels = sorted({span[3] for span in gold_set})
    covered = {span[0] for span in gold_set}
    pred_set = {span for span in _as_set(pred) if span[0] in covered and span[3] in labels}
    pred_points, gold_points = _credits(pred_set, gold_set), _credits(gold_set, pred_set)
    counts = {side: {label: sum(span[3] == label for span in spans) for label in labels}
              for side, spans in (("pred", pred_set), ("gold", gold_set))}
    zero = dict.fromkeys(SCHEMES, 0.0)
    out = {}
    for label in labels:
        p, g = pred_points.get(label, zero), gold_points.get(label, zero)
        out[label] = {s: _prf(p[s], counts["pred"][label], g[s], counts["gold"][label]) for s in SCHEMES}
    total = {side: sum(c.values()) for side, c in counts.items()}
    out["(all)"] = {s: _prf(sum(pred_points.get(label, zero)[s] for label in labels), total["pred"],
                            sum(gold_points.get(label, zero)[s] for label in labels), total["gold"])
                    for s in SCHEMES}
    return out


def render_spans(scores: dict, console) -> None:
    """F1 per label and scheme in one table; precision and recall are in ``--json``."""
    from rich.table import Table

    table = Table("label", "gold", "pred", *(f"{s} F1" for s in SCHEMES), title="mentions", title_justify="left")
    for label, schemes in scores.items():
        table.add_row(label, str(schemes["strict"]["gold"]), str(schemes["strict"]["pred"]),
                      *(f"{schemes[s]['f1']:.3f}" for s in SCHEMES))
    console.print(table)
