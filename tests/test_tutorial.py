"""docs/adding-rules.md, replayed: the article is wrong before the rule and right after it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipeline.batch import collect, run_batch
from pipeline.evaluating import evaluate
from pipeline.rules import DEFAULT_RULES_DIR

ROOT = Path(__file__).resolve().parent.parent
DOC = "sclc_lurbinectedin_basket"


def _snippet() -> str:
    text = (ROOT / "docs" / "adding-rules.md").read_text(encoding="utf-8")
    return re.search(r"```yaml\n(.*?)```", text, re.S).group(1)


def _f1(rules: Path, out: Path) -> dict:
    run_batch(collect([ROOT / "corpus" / "articles" / f"{DOC}.txt"]), out, rules_dir=str(rules))
    report = evaluate(out, ROOT / "corpus" / "gold", docs=[DOC])
    return {t: s.scores["f1"] for t, s in report.tables.items()}


def test_tutorial_rule_fixes_the_article(tmp_path):
    before = _f1(DEFAULT_RULES_DIR, tmp_path / "before")
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    with open(rules / "drugs.yaml", "a", encoding="utf-8") as handle:
        handle.write(_snippet())
    after = _f1(rules, tmp_path / "after")
    assert before["outcomes"] == 0.0 and before["trials"] == 0.0
    assert after["outcomes"] == 1.0 and after["drugs"] == 1.0 and after["trials"] == 1.0
