"""docs/rules.md, generated: every rule kind, every key, every label, and what has no rule yet.

The page is built from the pydantic schemas of ``rules.py`` (each field's
description), the example runners of ``examples.py`` and the closed label set of
``labels.yaml``, so it cannot drift from what the loader accepts; a test fails
when the committed page is not what ``medmine rules docs`` prints.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from .examples import RUNNERS
from .rulechecks import label_references, labels_named
from .rules import CODE_LABELS, KINDS, LABEL_FIELDS, LINE_KEY, WORD_LISTS, Rule, RuleSet

LINKING_DIR = Path(__file__).resolve().parent / "linking"
LINK_RULE = re.compile(r"\"(link\.[a-z0-9-]+)\"")
# Behaviours with no rule file behind them: changing them means changing Python.
PYTHON_ONLY = [
    ("how numbers, endpoints, arms, studies and citations are paired (the `link.*` rule ids below)",
     "pipeline/linking/"),
    ("which endpoint codes take a percentage (rates) and which a time (medians), and which take a landmark "
     "time point", "pipeline/linking/"),
    ("the measure of a row: `rate` for %, `median` for a time, `hr`/`or` from the label of the number",
     "pipeline/linking/outcomes.py"),
    ("which labels only add study context and may overlap anything (SETTING, DESIGN, STUDY, STUDY_INTRO, PRIOR)",
     "pipeline/recognizing.py"),
    ("lexicon mentions outrank patterns of lower priority (lexicon priority 12); a regimen abbreviation needs a "
     "REGIMEN_CONTEXT word within 6 characters", "pipeline/recognizing.py"),
    ("citation markers ([3], [1-3]) and reference-list numbering (label CITE)",
     "pipeline/referencing.py"),
    ("text normalisation: full-width to half-width characters, LaTeX residue of PDF conversion",
     "pipeline/normalizing.py"),
    ("the endpoint codes and measures gold tables may use (codes added in endpoints.yaml count too)",
     "pipeline/evaluating/gold.py"),
]


def _type_name(annotation) -> str:
    args = get_args(annotation)
    if getattr(annotation, "__origin__", None) is list:
        return f"list of {_type_name(args[0])}"
    if args and all(isinstance(a, str) for a in args):
        return " \\| ".join(f"`{a}`" for a in args)
    return getattr(annotation, "__name__", str(annotation))


def _key_rows(model: type[Rule], own_only: bool = False) -> list[str]:
    """One table row per key; ``own_only`` leaves out the keys every entry has, unless the kind redefines them."""
    rows = []
    for name, info in model.model_fields.items():
        shared = Rule.model_fields.get(name)
        if info.alias == LINE_KEY or (own_only and shared and shared.description == info.description):
            continue
        required = info.is_required()
        default = "" if required or info.default in ("", [], None) else f"`{info.default}`"
        rows.append(f"| `{info.alias or name}` | {_type_name(info.annotation)} | {'yes' if required else 'no'} "
                    f"| {default} | {info.description or ''} |")
    return rows


def _kind_section(kind: str, model: type[Rule], rules: RuleSet) -> list[str]:
    files = sorted({rules.where(kind, r).rsplit(":", 1)[0].rsplit("/", 1)[-1] for r in rules.of(kind)})
    runner = RUNNERS.get(kind)
    checked = (runner.__doc__ or "").strip().splitlines()[0].replace("``", "`") if runner else "no runner: examples cannot be run"
    lines = [f"### {kind}", "", (model.__doc__ or "").strip(), "",
             f"Files: {', '.join(f'`rules/{f}`' for f in files) or '(none)'}; {len(rules.of(kind))} entries. "
             f"Examples: {checked}", "", "| key | type | required | default | meaning |", "|---|---|---|---|---|"]
    return lines + _key_rows(model, own_only=True) + [""]


def _sources(label: str, rules: RuleSet) -> str:
    if label in WORD_LISTS:
        ids = [r.id for r in rules.of("terms") if r.label == label]
        return "word list: " + ", ".join(f"`{i}`" for i in ids)
    users = list(dict.fromkeys(f"`{r.id}`" for _, r, name in label_references(rules)
                               if label in labels_named(getattr(r, name))))
    lexicon = {"DRUG": "drugs", "REGIMEN": "regimens", "DISEASE": "diseases", "ENDPOINT": "endpoints"}
    if label in lexicon:
        users.insert(0, f"every entry of kind {lexicon[label]}")
    elif label in CODE_LABELS:
        users.insert(0, "code")
    return ", ".join(users) or "no rule yet"


def _label_section(rules: RuleSet) -> list[str]:
    lines = ["## Labels", "",
             "The closed set of `rules/labels.yaml`. A `label:` of " +
             ", ".join(f"`{k}`" for k in LABEL_FIELDS) + " entries that is not declared there is an error. "
             "Labels given by code (" + ", ".join(CODE_LABELS) + ") and word lists are declared too.", "",
             "| label | rules and code that give or name it | what linking does with it |", "|---|---|---|"]
    for rule in sorted(rules.of("labels"), key=lambda r: r.label):
        lines.append(f"| `{rule.label}` | {_sources(rule.label, rules)} | {rule.description} |")
    return lines + [""]


def _python_only() -> list[str]:
    lines = ["## Still Python-only", "", "These behaviours have no rule file yet; changing them means changing code.",
             "", "| behaviour | where |", "|---|---|"]
    lines += [f"| {what} | `{where}` |" for what, where in PYTHON_ONLY]
    link_ids = sorted({m for path in sorted(LINKING_DIR.glob("*.py")) for m in LINK_RULE.findall(path.read_text())})
    lines += ["", "Linking rule ids (they appear in the `rule` column of rows): "
              + ", ".join(f"`{i}`" for i in link_ids) + "."]
    return lines + [""]


def render_docs(rules: RuleSet) -> str:
    """The whole page, deterministic for a given rules folder and code."""
    lines = ["# Rule reference", "",
             "<!-- generated by `medmine rules docs --write docs/rules.md`; do not edit by hand: "
             "tests/test_rules.py fails when this page is out of date -->", "",
             "Every rule file in `rules/` holds `kind:` (one of the kinds below), an optional `description:` and "
             "`entries:`, a list of rules. `medmine rules check [--rules DIR]` validates every file, reports each "
             "problem as `path:line: id: message`, then runs every rule's `examples:` and `not:`. "
             "A folder must have at least one entry of every kind. How to add a rule: `docs/adding-rules.md`.", "",
             "## Keys every entry has", "", "| key | type | required | default | meaning |", "|---|---|---|---|---|",
             *_key_rows(Rule), "", "## Kinds", ""]
    for kind, model in KINDS.items():
        lines += _kind_section(kind, model, rules)
    lines += _label_section(rules) + _python_only()
    return "\n".join(lines)
