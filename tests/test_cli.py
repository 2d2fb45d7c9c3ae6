"""The CLI: every command documented, run writes every table, bad rules give path:line and no traceback."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import _register, app
from pipeline.tables import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "articles" / "dxy_ifo_sarcoma.txt"
runner = CliRunner()
_register()


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [c.name for c in app.registered_commands] + \
        [f"{g.name} {c.name}" for g in app.registered_groups for c in g.typer_instance.registered_commands]
    assert commands
    for command in commands:
        assert f"medmine {command}" in readme, command


def test_run_writes_every_table_in_every_format(tmp_path):
    result = runner.invoke(app, ["run", str(SEED), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for table, columns in COLUMNS.items():
        frame = pd.read_csv(tmp_path / f"{table}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns[:len(columns)]) == columns
        assert (tmp_path / f"{table}.parquet").exists()
    workbook = pd.read_excel(tmp_path / "tables.xlsx", sheet_name="drugs", dtype=str)
    assert "异环磷酰胺" in ";".join(workbook["names"])


def test_bad_rules_stop_run_with_path_and_line(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "x.yaml").write_text("kind: terms\nentries:\n  - id: t.x\n    label: X\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pipeline", "run", str(SEED), "-o", str(tmp_path / "o"),
                             "--rules", str(rules)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert f"{rules / 'x.yaml'}:3: t.x: phrases: missing required key" in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_check_on_bundled_rules():
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0 and result.output.startswith("ok:")


def test_gold_init_then_evaluate_is_perfect(tmp_path):
    gold = tmp_path / "gold"
    assert runner.invoke(app, ["gold", "init", str(SEED), "-o", str(gold)]).exit_code == 0
    pred = tmp_path / "pred"
    assert runner.invoke(app, ["run", str(SEED), "-o", str(pred), "--formats", "csv"]).exit_code == 0
    result = runner.invoke(app, ["evaluate", "--pred", str(pred), "--gold", str(gold), "--min-f1", "1.0"])
    assert result.exit_code == 0, result.output


def test_explain_writes_html(tmp_path):
    page = tmp_path / "x.html"
    result = runner.invoke(app, ["explain", str(SEED), "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "ENDPOINT" in page.read_text(encoding="utf-8") and "->" in result.output


def test_evaluate_accepts_endpoint_codes_added_as_rules(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    with open(rules / "endpoints.yaml", "a", encoding="utf-8") as handle:
        handle.write("  - id: endpoint.ttf\n    code: TTF\n    measures: [median, hr]\n    zh: [治疗失败时间]\n    en: [time to treatment failure]\n")
    gold, pred = tmp_path / "gold", tmp_path / "pred"
    gold.mkdir()
    (gold / "outcomes.csv").write_text("doc_id,endpoint,measure,timepoint_months,value,value_high,unit,drugs\n"
                                      "x,TTF,median,,5.1,,month,\n", encoding="utf-8")
    assert runner.invoke(app, ["run", str(SEED), "-o", str(pred), "--formats", "csv"]).exit_code == 0
    bundled = runner.invoke(app, ["evaluate", "--pred", str(pred), "--gold", str(gold)])
    assert bundled.exit_code == 2 and "unknown endpoint code 'TTF'" in bundled.output
    added = runner.invoke(app, ["evaluate", "--pred", str(pred), "--gold", str(gold), "--rules", str(rules)])
    assert added.exit_code == 0, added.output


# --- rules check runs the examples of the folder it checks ---------------------------------------

def _rules_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def test_rules_check_fails_on_a_wrong_not_example(tmp_path):
    rules = _rules_copy(tmp_path)
    with open(rules / "drugs.yaml", "a", encoding="utf-8") as handle:
        handle.write("  - {id: drug.zzfake, name: zzfake, zh: [泽泽替尼], not: [泽泽替尼治疗]}\n")
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{rules / 'drugs.yaml'}:")
    assert lines[0].endswith(': drug.zzfake: example "泽泽替尼治疗": expected no mention of drug.zzfake, '
                             "got 泽泽替尼 DRUG drug.zzfake")
    assert lines[1].startswith("1 problem(s) found (")


def test_rules_check_reports_ok_with_the_examples_run():
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0 and result.output.startswith("ok:") and "examples hold" in result.output


@pytest.mark.parametrize("make", ["empty", "no drugs"])
def test_rules_check_rejects_folders_run_would_extract_nothing_from(tmp_path, make):
    rules = tmp_path / "empty"
    rules.mkdir()
    if make == "no drugs":
        rules = _rules_copy(tmp_path)
        (rules / "drugs.yaml").unlink()
        (rules / "regimens.yaml").unlink()
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    assert "no rule files" in result.output if make == "empty" else "no drugs rules" in result.output
    run = runner.invoke(app, ["run", str(SEED), "-o", str(tmp_path / "out"), "--rules", str(rules)])
    assert run.exit_code == 2


def test_rules_docs_prints_the_committed_page(tmp_path):
    result = runner.invoke(app, ["rules", "docs"])
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


# --- explain ---------------------------------------------------------------------------------------

def test_explain_grep_shows_the_drugs_of_the_row():
    result = runner.invoke(app, ["explain", "--grep", "60%", str(SEED)], terminal_width=200)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith("row ~60 % -> ORR rate"))
    assert "[etoposide+ifosfamide]" in row and "IE" in row
    assert "rule=" in result.output and "regimen.ie" in result.output and "relation=rel." in result.output
    assert result.output.count("\n#") + result.output.startswith("#") <= 3  # only the sentences asked for


@pytest.mark.parametrize("option", [["--sentence", "24"], ["--row", "ORR:60"], ["--row", "orr:60.0"],
                                    ["--grep", "接近60％"], ["--grep", "接近60%", "--row", "ORR:60"]])
def test_explain_filters_choose_one_sentence(option):
    result = runner.invoke(app, ["explain", *option, str(SEED)], terminal_width=200)
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("#")]
    assert len(headers) == 1 and headers[0].startswith("#24")
    assert "[etoposide+ifosfamide]" in result.output


def test_explain_bad_row_filter_is_one_line():
    result = runner.invoke(app, ["explain", "--row", "ORR", str(SEED)])
    assert result.exit_code == 2 and "expected ENDPOINT:VALUE" in result.output


def test_explain_shows_markup_like_text_as_text(tmp_path):
    article = tmp_path / "markup.txt"
    article.write_text("标题\n\n[/b]一项II期研究中，[red]顺铂[/red]的ORR为35.2%[drugs]<i>。\n", encoding="utf-8")
    result = runner.invoke(app, ["explain", "--all", str(article), "--html", str(tmp_path / "x.html")],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "[/b]一项II期研究中" in result.output and "[red]顺铂[/red]" in result.output
    assert "row 35.2 % -> ORR rate -> 顺铂 [cisplatin] -> (no trial) -> []" in result.output
    page = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert "[/b]" in page and "&lt;i&gt;" in page and "<i>" not in page


def test_explain_html_filters_and_colours(tmp_path):
    page = tmp_path / "x.html"
    assert runner.invoke(app, ["explain", "--grep", "60%", str(SEED), "--html", str(page)]).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert text.count("class=\"entities\"") == 2 and "etoposide+ifosfamide" in text
    assert "#7aecec" in text and "#ff9561" in text  # treatments and values in their own colours


# --- user errors are one line naming the path, never a traceback ---------------------------------

def _one_line_error(args: list[str], expected: str) -> None:
    result = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {expected}\n"


def test_explain_html_into_a_missing_folder(tmp_path):
    target = tmp_path / "nowhere" / "x.html"
    _one_line_error(["explain", str(SEED), "--html", str(target)], f"{target}: folder {target.parent} does not exist")


@pytest.mark.parametrize("command", [["run", str(SEED)], ["gold", "init", str(SEED)]])
def test_output_option_pointing_at_a_file(tmp_path, command):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    _one_line_error([*command, "-o", str(target)], f"{target}: -o must be a folder, but it is a file")


def test_evaluate_spans_missing_path(tmp_path):
    pred = tmp_path / "pred"
    assert runner.invoke(app, ["run", str(SEED), "-o", str(pred), "--formats", "csv"]).exit_code == 0
    missing = tmp_path / "spans.json"
    _one_line_error(["evaluate", "--pred", str(pred), "--gold", str(ROOT / "corpus" / "gold"), "--spans", str(missing)],
                    f"{missing}: no such file or folder (--spans takes a brat folder or .ann file, "
                    "or a Label Studio JSON export)")


def test_rules_stats_skips_a_bad_file_and_goes_on(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "a.txt")
    (corpus / "b.txt").write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "pipeline", "rules", "stats", str(corpus)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert f"note: skipped {corpus / 'b.txt'}: " in result.stderr and "Traceback" not in result.stderr
    assert "drug.ifosfamide" in result.stdout
