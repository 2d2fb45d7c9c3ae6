"""Evaluation: every rule of key matching, gold validation errors, the error report and the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pipeline.cli.evaluate import evaluate_command
from pipeline.evaluating import GoldError, evaluate
from pipeline.evaluating.spans import load_brat, load_label_studio, score_spans

HEADER = "doc_id,endpoint,measure,timepoint_months,value,value_high,unit,drugs,citation,sentence\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def outcome_tables(tmp_path, gold_rows: str, pred_rows: str):
    gold = write(tmp_path / "gold", "outcomes.csv", HEADER + gold_rows)
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + pred_rows)
    return evaluate(pred, gold).tables["outcomes"]


def test_numbers_match_as_decimals(tmp_path):
    t = outcome_tables(tmp_path, "d,PFS,median,,9.0,,month,a+b,1,\nd,OS,hr,,0.60,,,a,1,\n",
                       "d,PFS,median,,9,,month,a+b,1,\nd,OS,hr,,0.6,,,a,1,\n")
    assert (t.scores["tp"], t.scores["f1"]) == (2, 1.0)


def test_rows_are_sets_per_document(tmp_path):
    t = outcome_tables(tmp_path, "d,ORR,rate,,30,,%,a,1,\n", "d,ORR,rate,,30,,%,a,1,x\nd,ORR,rate,,30,,%,a,1,y\n")
    assert (t.scores["pred"], t.scores["precision"]) == (1, 1.0)


def test_fields_scored_on_matched_rows(tmp_path):
    t = outcome_tables(tmp_path, "d,ORR,rate,,30,,%,a,1,\nd,DCR,rate,,60,,%,a,2,\n",
                       "d,ORR,rate,,30,,%,a,1,\nd,DCR,rate,,60,,%,a,3,\n")
    assert t.fields["citation"] == 0.5


def test_error_causes(tmp_path):
    t = outcome_tables(tmp_path,
                       "d,ORR,rate,,30,,%,a,1,\nd,DCR,rate,,60,,%,a,1,\nd,OS,median,,12,,month,a,1,\n",
                       "d,ORR,rate,,30,,%,b,1,s1\nd,DCR,rate,,61,,%,a,1,s2\nd,CR,rate,,5,,%,a,1,s3\n")
    causes = {(e["kind"], e["cause"]) for e in t.errors}
    assert causes == {("missed", "wrong drugs"), ("missed", "wrong value"), ("missed", "missing entirely"),
                      ("spurious", "invented")}
    assert {e["sentence"] for e in t.errors if e["kind"] == "spurious"} == {"s1", "s2", "s3"}


def test_prefix_files_are_read_together_and_docs_filter(tmp_path):
    gold = write(tmp_path / "gold", "A_outcomes.csv", HEADER + "a,ORR,rate,,30,,%,x,1,\n")
    write(gold, "B_outcomes.csv", HEADER + "b,ORR,rate,,40,,%,y,1,\n")
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + "a,ORR,rate,,30,,%,x,1,\nb,ORR,rate,,41,,%,y,1,\n")
    assert evaluate(pred, gold).tables["outcomes"].scores["gold"] == 2
    only_a = evaluate(pred, gold, docs=["a"]).tables["outcomes"]
    assert (only_a.scores["tp"], only_a.scores["f1"]) == (1, 1.0)


def test_text_fields_are_folded(tmp_path):
    gold = write(tmp_path / "gold", "regimens.csv", "doc_id,name,drugs\nd,IE方案,a+b\n")
    pred = write(tmp_path / "pred", "regimens.csv", "doc_id,name,drugs\nd,ＩＥ 方案。,a+b\n")
    assert evaluate(pred, gold).tables["regimens"].fields["name"] == 1.0


def test_citations_are_a_multiset(tmp_path):
    gold = write(tmp_path / "gold", "citations.csv", "doc_id,marker,refs\nd,[1],1\nd,[1],1\n")
    pred = write(tmp_path / "pred", "citations.csv", "doc_id,marker,refs\nd,[1],1\n")
    assert evaluate(pred, gold).tables["citations"].scores["recall"] == 0.5


@pytest.mark.parametrize("rows,message", [
    ("doc_id,endpoint,measure,value\nd,ORR,rate,1\n", "outcomes.csv:1: missing key column(s): timepoint_months, value_high, unit, drugs"),
    (HEADER + "d,XYZ,rate,,1,,%,a,,\n", "outcomes.csv:2: unknown endpoint code 'XYZ'"),
    (HEADER + "d,ORR,rate,,abc,,%,a,,\n", "outcomes.csv:2: value 'abc' is not a number"),
    (HEADER + "d,ORR,rate,,1,,%,a,,\nd,ORR,mean,,1,,%,a,,\n", "outcomes.csv:3: unknown measure 'mean'"),
])
def test_bad_gold_is_named_with_its_row(tmp_path, rows, message):
    gold = write(tmp_path / "gold", "outcomes.csv", rows)
    with pytest.raises(GoldError) as info:
        evaluate(write(tmp_path / "pred", "x.txt", ""), gold)
    assert info.value.message.endswith(message)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(evaluate_command)
    return app


def test_cli_json_and_min_f1(tmp_path):
    gold = write(tmp_path / "gold", "outcomes.csv", HEADER + "d,ORR,rate,,30,,%,a,1,\nd,DCR,rate,,60,,%,a,1,\n")
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + "d,ORR,rate,,30,,%,a,1,\n")
    result = CliRunner().invoke(_app(), ["--pred", str(pred), "--gold", str(gold), "--json"])
    data = json.loads(result.stdout)
    assert set(data["outcomes"]) >= {"precision", "recall", "f1", "tp", "pred", "gold", "fields"}
    failing = CliRunner().invoke(_app(), ["--pred", str(pred), "--gold", str(gold), "--min-f1", "0.9"])
    assert failing.exit_code == 1
    bad = write(tmp_path / "bad", "outcomes.csv", HEADER + "d,XYZ,rate,,1,,%,a,,\n")
    error = CliRunner().invoke(_app(), ["--pred", str(pred), "--gold", str(bad)])
    assert error.exit_code == 2 and "unknown endpoint code" in error.output


def test_span_scores_from_brat_and_label_studio(tmp_path):
    ann = tmp_path / "ann"
    write(ann, "d.ann", "T1\tDRUG 0 4\t顺铂卡铂\nT2\tVALUE 10 14\t36%\nT3\tDRUG 20 22;23 25\tx\n")
    gold = load_brat(ann)
    assert gold[2] == {"doc_id": "d", "start": 20, "end": 25, "label": "DRUG"}
    pred = [{"doc_id": "d", "start": 0, "end": 4, "label": "DRUG"},
            {"doc_id": "d", "start": 10, "end": 13, "label": "VALUE"},
            {"doc_id": "d", "start": 20, "end": 25, "label": "VALUE"}]
    scores = score_spans(pred, gold)
    assert scores["DRUG"]["strict"]["recall"] == 0.5 and scores["DRUG"]["exact"]["recall"] == 1.0
    assert scores["VALUE"]["partial"]["recall"] == 0.5 and scores["VALUE"]["strict"]["recall"] == 0.0
    studio = tmp_path / "ls.json"
    studio.write_text(json.dumps([{"data": {"doc_id": "d"}, "annotations": [{"result": [
        {"value": {"start": 0, "end": 4, "text": "x", "labels": ["DRUG"]}}]}]}]), encoding="utf-8")
    assert load_label_studio(studio) == [{"doc_id": "d", "start": 0, "end": 4, "label": "DRUG"}]


def test_corpus_gold_against_itself_is_perfect():
    gold = Path(__file__).resolve().parent.parent / "corpus" / "gold"
    report = evaluate(gold, gold)
    assert all(t.scores["f1"] == 1.0 for t in report.tables.values())
