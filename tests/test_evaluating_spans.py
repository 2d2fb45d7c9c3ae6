"""Entity-level evaluation of the mentions table: brat and Label Studio import, strict/exact/partial scores."""
from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli.evaluate import evaluate_command
from pipeline.evaluating import GoldError
from pipeline.evaluating.spans import load_brat, load_gold_spans, load_label_studio, score_spans

ANN = "T1\tDRUG 0 4\t顺铂卡铂\nT2\tVALUE 10 14\t36%\n#1\tAnnotatorNotes T1\tnote\nT3\tDRUG 20 22;23 25\tx y\n" \
      "R1\tArg1:T1 Arg2:T2\n"


def span(doc: str, start: int, end: int, label: str) -> dict:
    return {"doc_id": doc, "start": start, "end": end, "label": label}


def test_brat_import(tmp_path):
    (tmp_path / "d.ann").write_text(ANN, encoding="utf-8")
    (tmp_path / "d.txt").write_text("x" * 30, encoding="utf-8")
    expected = [span("d", 0, 4, "DRUG"), span("d", 10, 14, "VALUE"), span("d", 20, 25, "DRUG")]
    assert load_brat(tmp_path) == expected
    assert load_brat(tmp_path / "d.ann") == expected == load_gold_spans(tmp_path)


def test_bad_brat_line_is_named(tmp_path):
    (tmp_path / "d.ann").write_text("T1\tDRUG 0 4\tx\nT2\tDRUG zero 4\tx\n", encoding="utf-8")
    with pytest.raises(GoldError) as info:
        load_brat(tmp_path)
    assert info.value.message.startswith(f"{tmp_path / 'd.ann'}:2: ")


def test_label_studio_import(tmp_path):
    export = [{"id": 7, "data": {"doc_id": "d", "text": "..."}, "annotations": [
        {"result": [{"value": {"start": 0, "end": 4, "text": "顺铂", "labels": ["DRUG"]}},
                    {"value": {"choices": ["ok"]}}]},
        {"result": [{"value": {"start": 9, "end": 9, "text": "", "labels": ["DRUG"]}}]}]},
        {"id": 8, "data": {"text": "..."}, "annotations": []}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    assert load_label_studio(path) == [span("d", 0, 4, "DRUG")] == load_gold_spans(path)


GOLD = [span("d", 0, 4, "DRUG"), span("d", 10, 14, "VALUE"), span("d", 20, 25, "DRUG")]
PRED = [span("d", 0, 4, "DRUG"),            # strict
        span("d", 10, 13, "VALUE"),         # overlaps gold VALUE: partial only
        span("d", 20, 25, "VALUE"),         # gold DRUG's boundaries with the wrong label: exact only
        span("d", 30, 33, "DISEASE"),       # a label the gold does not annotate: not scored
        span("e", 0, 4, "DRUG")]            # a document the gold does not cover: not scored


def test_three_schemes_per_label():
    scores = score_spans(PRED, GOLD)
    assert set(scores) == {"DRUG", "VALUE", "(all)"}
    drug, value = scores["DRUG"], scores["VALUE"]
    assert (drug["strict"]["precision"], drug["strict"]["recall"]) == (1.0, 0.5)
    assert (drug["exact"]["precision"], drug["exact"]["recall"]) == (1.0, 1.0)
    assert (drug["partial"]["precision"], drug["partial"]["recall"]) == (1.0, 0.5)
    assert (value["strict"]["precision"], value["strict"]["recall"]) == (0.0, 0.0)
    assert (value["exact"]["precision"], value["exact"]["recall"]) == (0.5, 0.0)
    assert (value["partial"]["precision"], value["partial"]["recall"]) == (0.25, 0.5)
    overall = scores["(all)"]
    assert (overall["strict"]["pred"], overall["strict"]["gold"]) == (3, 3)
    assert overall["strict"]["f1"] == pytest.approx(1 / 3) and overall["partial"]["recall"] == pytest.approx(1.5 / 3)


def test_duplicates_and_doc_filter():
    scores = score_spans(PRED + PRED[:1], GOLD + [span("x", 0, 1, "DRUG")], docs={"d"})
    assert (scores["DRUG"]["strict"]["pred"], scores["DRUG"]["strict"]["gold"]) == (1, 2)


def _one_document(rows: list[dict]) -> list[list[dict]]:
    return [[{key: row[key] for key in ("label", "start", "end")} for row in rows]]


def test_agrees_with_nervaluate_on_one_to_one_spans():
    """Where each gold span meets at most one predicted span, strict and exact are nervaluate's."""
    nervaluate = pytest.importorskip("nervaluate")
    gold = [span("d", 0, 4, "DRUG"), span("d", 10, 14, "VALUE"), span("d", 20, 25, "DRUG"), span("d", 40, 42, "DRUG")]
    pred = [span("d", 0, 4, "DRUG"), span("d", 10, 14, "DRUG"), span("d", 21, 24, "DRUG"), span("d", 50, 52, "VALUE")]
    results = nervaluate.Evaluator(_one_document(gold), _one_document(pred), tags=["DRUG", "VALUE"]).evaluate()
    overall = results["overall"] if isinstance(results, dict) else results[0]
    ours = score_spans(pred, gold)["(all)"]
    for scheme in ("strict", "exact"):
        theirs = overall[scheme]
        theirs = theirs if isinstance(theirs, dict) else vars(theirs)
        assert ours[scheme]["precision"] == pytest.approx(theirs["precision"]), scheme
        assert ours[scheme]["recall"] == pytest.approx(theirs["recall"]), scheme


def test_cli_scores_mentions(tmp_path):
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "mentions.csv").write_text("doc_id,start,end,text,label,norm,rule\nd,0,4,顺铂卡铂,DRUG,cisplatin,r\n",
                                       encoding="utf-8")
    (pred / "drugs.csv").write_text("doc_id,drug\nd,cisplatin\n", encoding="utf-8")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "drugs.csv").write_text("doc_id,drug\nd,cisplatin\n", encoding="utf-8")
    ann = tmp_path / "ann"
    ann.mkdir()
    (ann / "d.ann").write_text(ANN, encoding="utf-8")
    app = typer.Typer()
    app.command()(evaluate_command)
    args = ["--pred", str(pred), "--gold", str(gold), "--spans", str(ann)]
    data = json.loads(CliRunner().invoke(app, args + ["--json"]).stdout)
    assert data["mentions"]["DRUG"]["strict"]["recall"] == 0.5
    shown = CliRunner().invoke(app, args + ["--min-f1", "0.9"])
    assert shown.exit_code == 1 and "mentions" in shown.stderr and "VALUE" in shown.stdout


@pytest.mark.parametrize("name", ["missing", "missing.ann", "missing.json"])
def test_missing_spans_path_is_one_line(tmp_path, name):
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "mentions.csv").write_text("doc_id,start,end,text,label,norm,rule\n", encoding="utf-8")
    (pred / "drugs.csv").write_text("doc_id,drug\nd,cisplatin\n", encoding="utf-8")
    app = typer.Typer()
    app.command()(evaluate_command)
    result = CliRunner().invoke(app, ["--pred", str(pred), "--gold", str(pred), "--spans", str(tmp_path / name)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / name}: no such file or folder (--spans takes")
    assert len(result.stderr.splitlines()) == 1
