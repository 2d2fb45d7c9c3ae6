"""docs/adding-rules.md, replayed: the article is wrong before the rule and right after it, `explain` shows
the missing drug, and `rules check` catches the deliberately wrong `not:` example the tutorial shows."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from pipeline.batch import collect, run_batch
from pipeline.cli import _register, app
from pipeline.evaluating import evaluate
from pipeline.rules import DEFAULT_RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
DOC = "sclc_lurbinectedin_basket"
TUTORIAL = (ROOT / "docs" / "adding-rules.md").read_text(encoding="utf-8")
ARTICLE = ROOT / "corpus" / "articles" / f"{DOC}.txt"
runner = CliRunner()
_register()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TUTORIAL, re.S)


def _f1(rules: Path, out: Path) -> dict:
    run_batch(collect([ARTICLE]), out, rules_dir=str(rules))
    report = evaluate(out, ROOT / "corpus" / "gold", docs=[DOC])
    return {t: s.scores["f1"] for t, s in report.tables.items()}


def _rules_with(tmp_path: Path, name: str, entry: str) -> Path:
    rules = tmp_path / name
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    with open(rules / "drugs.yaml", "a", encoding="utf-8") as handle:
        handle.write(entry)
    return rules


def test_tutorial_rule_fixes_the_article(tmp_path):
    before = _f1(DEFAULT_RULES_DIR, tmp_path / "before")
    rules = _rules_with(tmp_path, "rules", _blocks("yaml")[0])
    after = _f1(rules, tmp_path / "after")
    assert before["outcomes"] == 0.0 and before["trials"] == 0.0
    assert after["outcomes"] == 1.0 and after["drugs"] == 1.0 and after["trials"] == 1.0


def _explain(args: list[str], *rules: str) -> str:
    result = runner.invoke(app, args[:3] + [str(ROOT / args[3]), *rules], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def _row(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("row 35.2 % -> ORR rate -> "))


def test_tutorial_explain_shows_the_missing_drug(tmp_path):
    grep, row = (command.split()[1:] for command in _blocks("bash")[1].splitlines())
    assert grep[1] == "--grep" and row[1] == "--row"
    spans = _explain(grep)
    assert "term.design-single-arm" in spans and "PHASE" in spans
    assert not re.search(r"^ *芦比替定 +DRUG", spans, re.M)
    assert "lurbinectedin" not in _row(_explain(row))
    rules = _rules_with(tmp_path, "rules", _blocks("yaml")[0])
    assert "[lurbinectedin]" in _row(_explain(row, "--rules", str(rules)))


def test_tutorial_rule_passes_rules_check(tmp_path):
    rules = _rules_with(tmp_path, "rules", _blocks("yaml")[0])
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 0 and result.output.startswith("ok:"), result.output


def test_tutorial_wrong_not_example_fails_rules_check(tmp_path):
    right, wrong = _blocks("yaml")[:2]
    assert right != wrong and "not: [" in wrong
    rules = _rules_with(tmp_path, "rules", wrong)
    result = runner.invoke(app, ["rules", "check", "--rules", str(rules)])
    assert result.exit_code == 1
    shown = _blocks("text")[0].strip()
    first = result.output.splitlines()[0]
    assert re.fullmatch(re.escape(shown).replace("LINE", r"\d+").replace(re.escape("rules/drugs.yaml"),
                                                                         re.escape(str(rules / "drugs.yaml"))),
                        first), first
