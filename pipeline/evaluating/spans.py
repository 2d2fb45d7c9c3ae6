"""Entity-level scores of the ``mentions`` table against gold spans (brat or Label Studio).

Three schemes, as nervaluate names them: strict (same boundaries and label),
exact (same boundaries, any label) and partial (overlap with the same label
counts half, exact boundaries count fully).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path


def load_brat(folder: Path) -> list[dict]:
    """``T1<TAB>LABEL 10 15<TAB>text`` lines of every ``.ann`` file (doc_id = file stem)."""
    spans = []
    for path in sorted(Path(folder).glob("*.ann")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("T"):
                continue
            _, info, *_ = line.split("\t") + [""]
            label, *offsets = info.replace(";", " ").split()
            numbers = [int(x) for x in offsets]
            spans.append({"doc_id": path.stem, "start": min(numbers), "end": max(numbers), "label": label})
    return spans


def load_label_studio(path: Path) -> list[dict]:
    """Label Studio JSON export: tasks with ``data.doc_id`` and ``annotations[0].result``."""
    spans = []
    for task in json.loads(Path(path).read_text(encoding="utf-8")):
        doc_id = task.get("data", {}).get("doc_id", str(task.get("id", "")))
        for result in (task.get("annotations") or [{}])[0].get("result", []):
            value = result.get("value", {})
            for label in value.get("labels", []):
                spans.append({"doc_id": doc_id, "start": value["start"], "end": value["end"], "label": label})
    return spans


def load_gold_spans(path: Path) -> list[dict]:
    return load_brat(path) if Path(path).is_dir() else load_label_studio(path)


def predicted_mentions(pred_dir: Path) -> list[dict]:
    with open(Path(pred_dir) / "mentions.csv", encoding="utf-8") as handle:
        return [{"doc_id": r["doc_id"], "start": int(r["start"]), "end": int(r["end"]), "label": r["label"]}
                for r in csv.DictReader(handle)]


def _prf(tp: float, pred: int, gold: int) -> dict:
    p, r = (tp / pred if pred else 0.0), (tp / gold if gold else 0.0)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def score_spans(pred: list[dict], gold: list[dict]) -> dict:
    """Per gold label: strict, exact and partial precision/recall/F1 (pred restricted to gold docs)."""
    docs = {g["doc_id"] for g in gold}
    pred = [p for p in pred if p["doc_id"] in docs]
    out = {}
    for label in sorted({g["label"] for g in gold}):
        g_label = [g for g in gold if g["label"] == label]
        p_label = [p for p in pred if p["label"] == label]
        bounds = {(p["doc_id"], p["start"], p["end"]) for p in pred}
        strict = sum((g["doc_id"], g["start"], g["end"]) in {(p["doc_id"], p["start"], p["end"]) for p in p_label}
                     for g in g_label)
        exact = sum((g["doc_id"], g["start"], g["end"]) in bounds for g in g_label)
        partial = 0.0
        for g in g_label:
            overlaps = [p for p in p_label if p["doc_id"] == g["doc_id"] and p["start"] < g["end"] and g["start"] < p["end"]]
            if any(p["start"] == g["start"] and p["end"] == g["end"] for p in overlaps):
                partial += 1
            elif overlaps:
                partial += 0.5
        out[label] = {"strict": _prf(strict, len(p_label), len(g_label)),
                      "exact": _prf(exact, len(p_label), len(g_label)),
                      "partial": _prf(partial, len(p_label), len(g_label))}
    return out
