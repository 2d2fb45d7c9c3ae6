"""Evaluation against gold tables: every rule of SCHEMA's key matching, gold validation, the error report, the CLI."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from pipeline.cli.evaluate import evaluate_command
from pipeline.evaluating import GoldError, Report, evaluate, load_tables
from pipeline.evaluating.matching import canonical
from pipeline.evaluating.report import key_summary, render

ROOT = Path(__file__).resolve().parent.parent
HEADER = "doc_id,endpoint,measure,timepoint_months,value,value_high,unit,drugs,citation,sentence\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def outcomes(tmp_path: Path, gold_rows: str, pred_rows: str, **kwargs):
    gold = write(tmp_path / "gold", "outcomes.csv", HEADER + gold_rows)
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + pred_rows)
    return evaluate(pred, gold, **kwargs).tables["outcomes"]


# --- loading and validating gold -------------------------------------------------------------------------------

def test_prefix_files_are_read_together_as_strings(tmp_path):
    folder = write(tmp_path, "outcomes.csv", HEADER + "a,ORR,rate,,30,,%,x,1,\n")
    write(folder, "B_outcomes.csv", HEADER + "b,ORR,rate,,40,,%\n")
    write(folder, "outcomes_old.csv", HEADER + "c,ORR,rate,,50,,%,x,1,\n")
    rows = load_tables(folder)["outcomes"]
    assert [r["doc_id"] for r in rows] == ["b", "a"]
    assert rows[0]["value"] == "40" and rows[0]["drugs"] == "" and rows[0]["sentence"] == ""
    assert set(load_tables(folder)) == {"outcomes"}


def gold_error(tmp_path: Path, table: str, text: str, **kwargs) -> tuple[Path, str]:
    path = write(tmp_path / "gold", f"{table}.csv", text) / f"{table}.csv"
    with pytest.raises(GoldError) as info:
        load_tables(path.parent, gold=True, **kwargs)
    return path, info.value.message


def test_missing_key_column_names_the_header_line(tmp_path):
    path, message = gold_error(tmp_path, "outcomes", "doc_id,endpoint,measure,value\nd,ORR,rate,1\n")
    assert message == f"{path}:1: missing key column(s): timepoint_months, value_high, unit, drugs"


@pytest.mark.parametrize("rows,line,problem", [
    ("d,XYZ,rate,,1,,%,a,,\n", 2, "unknown endpoint code 'XYZ'"),
    ("d,ORR,rate,,1,,%,a,,\nd,ORR,mean,,1,,%,a,,\n", 3, "unknown measure 'mean'"),
    ("d,ORR,rate,,1,,%,a,,\n\nd,ORR,rate,,abc,,%,a,,\n", 4, "value 'abc' is not a number"),
    ('d,ORR,rate,,1,,%,a,,"two\nlines"\nd,OS,rate,x12,1,,%,a,,\n', 4, "timepoint_months 'x12' is not a number"),
    ("d,ORR,rate,,NaN,,%,a,,\n", 2, "value 'NaN' is not a number"),
    (",ORR,rate,,1,,%,a,,\n", 2, "empty doc_id"),
])
def test_bad_gold_row_is_named_by_path_and_line(tmp_path, rows, line, problem):
    path, message = gold_error(tmp_path, "outcomes", HEADER + rows)
    assert message == f"{path}:{line}: {problem}"


def test_numeric_field_columns_are_checked_too(tmp_path):
    path, message = gold_error(tmp_path, "references", "doc_id,ref_no,year\nd,1,2019\nd,2,20l9\n")
    assert message == f"{path}:3: year '20l9' is not a number"


def test_extra_endpoint_codes_are_accepted(tmp_path):
    folder = write(tmp_path, "outcomes.csv", HEADER + "d,TTF,median,,3,,month,a,,\n")
    assert load_tables(folder, gold=True, extra_codes=["TTF"])["outcomes"][0]["endpoint"] == "TTF"


def test_predictions_are_not_validated(tmp_path):
    t = outcomes(tmp_path, "d,ORR,rate,,30,,%,a,,\n", "d,ORR,rate,,abc,,%,a,,\nd,XYZ,rate,,30,,%,a,,\n")
    assert (t.scores["tp"], t.scores["pred"]) == (0, 2)


# --- key matching ------------------------------------------------------------------------------------------------

def test_numbers_match_as_decimals(tmp_path):
    t = outcomes(tmp_path, "d,PFS,median,,9.0,,month,a+b,,\nd,OS,hr,,0.60,,,a,,\nd,OS,rate,12.0,50,,%,a,,\n",
                 "d,PFS,median,,9,,month,a+b,,\nd,OS,hr,,0.6,,,a,,\nd,OS,rate,12,50.00,,%,a,,\n")
    assert (t.scores["tp"], t.scores["f1"]) == (3, 1.0)


def test_a_different_number_is_a_miss(tmp_path):
    t = outcomes(tmp_path, "d,PFS,median,,9.1,,month,a,,\n",
                 "d,PFS,median,,9.10,,month,a,,\nd,OS,median,,9,,month,a,,\n")
    assert (t.scores["tp"], t.scores["pred"], t.scores["gold"]) == (1, 2, 1)


def test_rows_are_sets_per_document(tmp_path):
    t = outcomes(tmp_path, "d,ORR,rate,,30,,%,a,,\nd,ORR,rate,,30.0,,%,a,,\ne,ORR,rate,,30,,%,a,,\n",
                 "d,ORR,rate,,30,,%,a,,x\nd,ORR,rate,,30,,%,a,,y\ne,ORR,rate,,30,,%,b,,\n")
    assert (t.scores["tp"], t.scores["pred"], t.scores["gold"]) == (1, 2, 2)
    assert t.documents["d"]["f1"] == 1.0 and t.documents["e"]["f1"] == 0.0


def test_citations_are_a_multiset(tmp_path):
    gold = write(tmp_path / "gold", "citations.csv", "doc_id,marker,refs\nd,[1],1\nd,[1],1\nd,[2],2\n")
    pred = write(tmp_path / "pred", "citations.csv", "doc_id,marker,refs\nd,[1],1\nd,[2],2\nd,[2],2\n")
    t = evaluate(pred, gold).tables["citations"]
    assert (t.scores["tp"], t.scores["pred"], t.scores["gold"]) == (2, 3, 3)
    assert [(e["kind"], e["key"]["marker"]) for e in t.errors] == [("missed", "[1]"), ("spurious", "[2]")]


@pytest.mark.parametrize("column,a,b", [
    ("name", "IE 方案", "IE方案"), ("name", "ＩＥ方案（新）", "ie方案(新)"),
    ("title", "Ewing sarcoma: a review.", "EWING SARCOMA A REVIEW"),
    ("marker", "［5，6］", "[5,6]"), ("first_author", "Goorin  AM", "goorin am"), ("trial", "ITCC-050", "itcc 050"),
    ("drugs", "Etoposide + Ifosfamide", "etoposide+ifosfamide"), ("p_value", "< 0.001", "<0.001"),
    ("p_value", "P=0.030", "0.03"), ("p_value", "<.001", "<0.001"), ("ci_low", "0.50", "0.5"), ("n", "1e2", "100"),
    ("design", "randomized;multicenter", "multicenter; randomized"),
])
def test_canonical_forms_that_match(column, a, b):
    assert canonical(column, a) == canonical(column, b)


@pytest.mark.parametrize("column,a,b", [
    ("drugs", "ifosfamide+etoposide", "etoposide+ifosfamide"), ("p_value", "<0.001", "0.001"),
    ("disease", "Osteosarcoma", "osteosarcoma"), ("name", "IE方案", "ICE方案"), ("value", "8.7", "18.7"),
])
def test_canonical_forms_that_differ(column, a, b):
    assert canonical(column, a) != canonical(column, b)


def test_text_folding_applies_to_regimen_names(tmp_path):
    gold = write(tmp_path / "gold", "regimens.csv", "doc_id,name,drugs\nd,IE方案,etoposide+ifosfamide\n")
    pred = write(tmp_path / "pred", "regimens.csv", "doc_id,name,drugs\nd,IE 方案。,Etoposide + Ifosfamide\n")
    t = evaluate(pred, gold).tables["regimens"]
    assert (t.scores["f1"], t.fields["name"]) == (1.0, 1.0)


# --- fields, documents, tables -----------------------------------------------------------------------------------

def test_field_accuracy_over_matched_rows(tmp_path):
    t = outcomes(tmp_path, "d,ORR,rate,,30,,%,a,1,\nd,DCR,rate,,60,,%,a,2,\nd,OS,rate,,9,,%,a,3,\n",
                 "d,ORR,rate,,30,,%,a,1,\nd,DCR,rate,,60,,%,a,3,\n")
    assert t.fields == {"citation": 0.5}


def test_only_gold_columns_are_scored_and_the_best_duplicate_counts(tmp_path):
    gold = write(tmp_path / "gold", "A_regimens.csv", "doc_id,drugs,name\nd,a+b,AB方案\n")
    write(gold, "B_regimens.csv", "doc_id,drugs\ne,a+b\n")
    pred = write(tmp_path / "pred", "regimens.csv", "doc_id,drugs,name\nd,a+b,\nd,a+b,AB方案\ne,a+b,X\n")
    t = evaluate(pred, gold).tables["regimens"]
    assert t.fields == {"name": 1.0} and t.scores["f1"] == 1.0


def test_only_gold_documents_and_tables_are_evaluated(tmp_path):
    gold = write(tmp_path / "gold", "a_outcomes.csv", HEADER + "a,ORR,rate,,30,,%,x,,\n")
    write(gold, "b_drugs.csv", "doc_id,drug,class\nb,ifosfamide,alkylating agent\n")
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + "a,ORR,rate,,30,,%,x,,\nb,OS,rate,,1,,%,x,,\n"
                                                             "z,ORR,rate,,30,,%,x,,\n")
    write(pred, "regimens.csv", "doc_id,name,drugs\na,X,x+y\n")
    report = evaluate(pred, gold)
    assert set(report.tables) == {"outcomes", "drugs"}
    assert report.tables["outcomes"].scores == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3),
                                                "tp": 1, "pred": 2, "gold": 1}
    assert set(report.tables["outcomes"].documents) == {"a", "b"}
    only_a = evaluate(pred, gold, docs=["a", "z"])
    assert only_a.tables["outcomes"].scores["f1"] == 1.0 and only_a.tables["drugs"].scores["gold"] == 0
    with pytest.raises(GoldError, match="no gold rows for document"):
        evaluate(pred, gold, docs=["typo"])
    assert set(evaluate(pred, gold, tables=["drugs"]).tables) == {"drugs"}
    with pytest.raises(GoldError, match="unknown table"):
        evaluate(pred, gold, tables=["outcome"])


# --- the error report --------------------------------------------------------------------------------------------

def test_error_causes(tmp_path):
    t = outcomes(tmp_path,
                 "d,ORR,rate,,30,,%,a,,\nd,DCR,rate,,60,,%,a,,\nd,OS,median,,12,,month,a,,\n"
                 "d,PFS,median,,5,,month,a,,\nd,CBR,rate,,40,,%,a,,\n",
                 "d,ORR,rate,,30,,%,b,,s1\nd,DCR,rate,,61,,%,a,,s2\nd,EFS,median,,12,,month,a,,s3\n"
                 "d,PFS,rate,6,5,,%,a,,s4\nd,CR,rate,,5,,%,a,,s5\n")
    missed = {e["key"]["endpoint"]: e["cause"] for e in t.errors if e["kind"] == "missed"}
    assert missed == {"ORR": "wrong drugs", "DCR": "wrong value", "OS": "wrong endpoint", "PFS": "wrong measure",
                      "CBR": "missing entirely"}
    spurious = {e["sentence"]: e["cause"] for e in t.errors if e["kind"] == "spurious"}
    assert spurious == {"s1": "wrong drugs", "s2": "wrong value", "s3": "wrong endpoint", "s4": "wrong measure",
                        "s5": "invented"}
    wrong_drugs = next(e for e in t.errors if e["kind"] == "missed" and e["cause"] == "wrong drugs")
    assert wrong_drugs["doc_id"] == "d" and wrong_drugs["near"]["drugs"] == "b"
    assert wrong_drugs["key"] == {"endpoint": "ORR", "measure": "rate", "timepoint_months": "", "value": "30",
                                  "value_high": "", "unit": "%", "drugs": "a"}


def test_near_rows_are_looked_for_in_the_same_document_only(tmp_path):
    t = outcomes(tmp_path, "d,ORR,rate,,30,,%,a,,\ne,OS,rate,,1,,%,a,,\n", "e,ORR,rate,,30,,%,b,,\n")
    assert {e["cause"] for e in t.errors} == {"missing entirely", "invented"}


def test_missed_rows_show_their_sentence_from_the_article(tmp_path):
    write(tmp_path / "articles", "d.txt",
          "标题\n对照组中位PFS为18.7个月；联合组中位PFS为8.7个月。OS未达到！")
    t = outcomes(tmp_path, "d,PFS,median,,8.7,,month,a,,\nd,OS,median,,,,month,a,,\n", "",
                 articles_dir=tmp_path / "articles")
    assert [e["sentence"] for e in t.errors] == ["联合组中位PFS为8.7个月。", ""]
    assert outcomes(tmp_path, "d,PFS,median,,8.7,,month,a,,\n", "").errors[0]["sentence"] == ""


def test_json_and_rendering(tmp_path):
    gold_rows = "d,PFS,median,,8.7,,month,etoposide+ifosfamide,,\nd,ORR,rate,,30,,%,a,,\n"
    gold = write(tmp_path / "gold", "outcomes.csv", HEADER + gold_rows)
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + "d,ORR,rate,,30,,%,a,," + "长" * 200 + "\n"
                 + "d,OS,rate,,31,,%,a,,x\n")
    report = evaluate(pred, gold)
    assert isinstance(report, Report)
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {"outcomes"}
    assert set(data["outcomes"]) == {"precision", "recall", "f1", "tp", "pred", "gold", "fields", "documents",
                                     "errors"}
    assert set(data["outcomes"]["documents"]["d"]) == {"precision", "recall", "f1", "tp", "pred", "gold"}
    first = data["outcomes"]["errors"][0]["key"]
    assert key_summary("outcomes", first) == "PFS median 8.7 month | etoposide+ifosfamide"
    assert key_summary("outcomes", {"endpoint": "OS", "measure": "rate", "timepoint_months": "12", "value": "60",
                                    "value_high": "80", "unit": "%"}) == "OS rate 12mo 60~80 %"
    buffer = io.StringIO()
    render(report, Console(file=buffer, width=140))
    text = buffer.getvalue()
    assert "PFS median 8.7 month | etoposide+ifosfamide" in text and "missing entirely" in text
    assert max(len(line) for line in text.splitlines()) <= 140


# --- the command -------------------------------------------------------------------------------------------------

def _invoke(*args: str):
    app = typer.Typer()
    app.command()(evaluate_command)
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def half_right(tmp_path):
    gold = write(tmp_path / "gold", "outcomes.csv", HEADER + "d,ORR,rate,,30,,%,a,,\nd,DCR,rate,,60,,%,a,,\n")
    write(gold, "drugs.csv", "doc_id,drug\nd,a\n")
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER + "d,ORR,rate,,30,,%,a,,\n")
    write(pred, "drugs.csv", "doc_id,drug\nd,a\n")
    return pred, gold


def test_cli_json_is_the_only_stdout(half_right):
    pred, gold = half_right
    result = _invoke("--pred", str(pred), "--gold", str(gold), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"outcomes", "drugs"}
    assert {"precision", "recall", "f1", "tp", "pred", "gold", "fields", "documents", "errors"} <= set(data["outcomes"])
    only = json.loads(_invoke("--pred", str(pred), "--gold", str(gold), "--json", "--table", "drugs").stdout)
    assert set(only) == {"drugs"}


def test_cli_min_f1(half_right):
    pred, gold = half_right
    failing = _invoke("--pred", str(pred), "--gold", str(gold), "--min-f1", "0.9")
    assert failing.exit_code == 1 and "outcomes (0.667)" in failing.stderr and "drugs" not in failing.stderr
    assert _invoke("--pred", str(pred), "--gold", str(gold), "--min-f1", "0.6").exit_code == 0
    assert _invoke("--pred", str(pred), "--gold", str(gold), "--min-f1", "0.9", "--table", "drugs").exit_code == 0


def test_cli_bad_gold_is_one_line_and_exit_2(tmp_path, half_right):
    pred, _ = half_right
    bad = write(tmp_path / "bad", "outcomes.csv", HEADER + "d,XYZ,rate,,1,,%,a,,\n")
    result = _invoke("--pred", str(pred), "--gold", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr == f"error: {bad / 'outcomes.csv'}:2: unknown endpoint code 'XYZ'\n"


def test_cli_finds_the_articles_beside_gold(tmp_path):
    write(tmp_path / "articles", "d.txt", "前言。DCR为60%。")
    gold = write(tmp_path / "gold", "outcomes.csv", HEADER + "d,DCR,rate,,60,,%,a,,\n")
    pred = write(tmp_path / "pred", "outcomes.csv", HEADER)
    data = json.loads(_invoke("--pred", str(pred), "--gold", str(gold), "--json", "--docs", "d, x").stdout)
    assert data["outcomes"]["errors"][0]["sentence"] == "DCR为60%。"


# --- the bundled corpus ------------------------------------------------------------------------------------------

@pytest.mark.skipif(not (ROOT / "corpus" / "gold").is_dir(), reason="corpus/gold is absent")
def test_corpus_gold_against_itself_is_perfect():
    gold = ROOT / "corpus" / "gold"
    report = evaluate(gold, gold, articles_dir=ROOT / "corpus" / "articles")
    assert set(report.tables) == {"outcomes", "regimens", "drugs", "trials", "references", "citations",
                                  "citation_checks"}
    for name, table in report.tables.items():
        assert table.scores["f1"] == 1.0 and not table.errors, name
        assert all(accuracy == 1.0 for accuracy in table.fields.values()), name
