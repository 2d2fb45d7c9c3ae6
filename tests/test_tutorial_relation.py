"""docs/adding-rules.md, "A new sentence shape": one YAML relation fixes a sentence no relation described."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipeline import extract
from pipeline.rules import DEFAULT_RULES_DIR, check_rules

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "adding-rules.md"


def _section() -> str:
    return DOC.read_text(encoding="utf-8").split("## A new sentence shape", 1)[1]


def _relation() -> str:
    return re.search(r"```yaml\n(.*?)```", _section(), re.S).group(1)


def _rows(rules: Path | None) -> set[tuple[str, str]]:
    text = re.search(r"```text\n(.*?)\n```", _section(), re.S).group(1)
    frame = extract(text, rules_dir=str(rules) if rules else None)["outcomes"]
    return {(str(v), str(d)) for v, d in zip(frame["value"], frame["drugs"].fillna(""))}


def test_new_sentence_shape_is_fixed_by_one_relation(tmp_path):
    wanted = {("4.1", "docetaxel"), ("6.3", "apatinib+docetaxel")}
    assert _rows(None) != wanted  # the bundled relations read it wrong
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    with open(rules / "relations.yaml", "a", encoding="utf-8") as handle:
        handle.write("\n" + _relation())
    _, problems = check_rules(rules)
    assert problems == []
    assert _rows(rules) == wanted
