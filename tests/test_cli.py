"""The CLI: every command documented, run writes every table, bad rules give path:line and no traceback."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
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
