"""Rule files: the bundled rules validate, every rule's examples hold, broken files are named exactly."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import regex

from pipeline.errors import RuleError
from pipeline.rules import DEFAULT_RULES_DIR, check_rules, load_rules

BUNDLED = load_rules()


def test_bundled_rules_validate():
    rules, problems = check_rules(DEFAULT_RULES_DIR)
    assert problems == []
    assert len(rules.of("drugs")) >= 150


def _pattern_cases():
    for rule in BUNDLED.of("patterns") + BUNDLED.of("page"):
        for example in rule.examples:
            yield pytest.param(rule, example, True, id=f"{rule.id}+{example[:12]}")
        for example in rule.not_:
            yield pytest.param(rule, example, False, id=f"{rule.id}-{example[:12]}")


@pytest.mark.parametrize("rule,example,should_match", list(_pattern_cases()))
def test_pattern_examples(rule, example, should_match):
    from pipeline.normalizing import normalize

    text = example if rule.id.startswith("page.") else normalize(example).text  # reading sees raw lines
    found = regex.search(rule.regex, text)
    assert bool(found) is should_match


def _lexicon_cases():
    for rule in BUNDLED.of("terms"):
        for example in rule.examples:
            yield pytest.param(rule, example, id=f"{rule.id}+{example[:12]}")


@pytest.mark.parametrize("rule,example", list(_lexicon_cases()))
def test_term_examples_are_recognised(rule, example):
    from pipeline.extracting import build_nlp

    doc = build_nlp(BUNDLED)(example)
    assert rule.id in {m.rule for m in doc._.mentions}


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BROKEN = [
    ("syntax", "kind: terms\nentries:\n  - id: a\n    label: X\n    phrases: [a, b\n",
     r"bad\.yaml:6: YAML syntax error"),
    ("unknown key", "kind: terms\nentries:\n  - id: t.x\n    label: X\n    phrases: [x]\n    colour: red\n",
     r"bad\.yaml:3: t\.x: colour: unknown key"),
    ("missing id", "kind: terms\nentries:\n  - label: X\n    phrases: [x]\n",
     r"bad\.yaml:3: \?: id: missing required key"),
    ("bad regex", "kind: patterns\nentries:\n  - id: p.x\n    label: X\n    regex: '(unclosed'\n",
     r"bad\.yaml:3: p\.x: regex: regex does not compile"),
    ("empty regex", "kind: patterns\nentries:\n  - id: p.y\n    label: X\n    regex: 'a*'\n",
     r"bad\.yaml:3: p\.y: regex: regex can match the empty string"),
    ("unknown kind", "kind: colours\nentries: []\n", r"bad\.yaml:1: unknown kind 'colours'"),
    ("not a mapping", "- just\n- a list\n", r"bad\.yaml:1: expected a mapping with `kind:` and `entries:`"),
]


@pytest.mark.parametrize("name,text,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_rule_file_is_named_with_its_line(rules_copy, name, text, message):
    _write(rules_copy, "bad.yaml", text)
    _, problems = check_rules(rules_copy)
    assert any(regex.search(message, p) for p in problems), problems


def test_duplicate_id_names_both_places(rules_copy):
    _write(rules_copy, "zz_bad.yaml", "kind: terms\nentries:\n  - id: term.median\n    label: X\n    phrases: [zz]\n")
    _, problems = check_rules(rules_copy)
    assert any("zz_bad.yaml:3: term.median: duplicate id (first at" in p and "terms.yaml:" in p
               for p in problems), problems


def test_surface_form_of_two_drugs(rules_copy):
    _write(rules_copy, "zz_bad.yaml", "kind: drugs\nentries:\n  - id: drug.fake\n    name: fakeinib\n"
                                      "    zh: [顺铂]\n")
    _, problems = check_rules(rules_copy)
    assert any("zz_bad.yaml:3: drug.fake: surface form '顺铂' is also used by" in p for p in problems), problems


def test_regimen_with_unknown_component(rules_copy):
    _write(rules_copy, "bad.yaml", "kind: regimens\nentries:\n  - id: regimen.fake\n    abbr: [ZZQ]\n"
                                   "    drugs: [cisplatin, notadrug]\n")
    _, problems = check_rules(rules_copy)
    assert any("bad.yaml:3: regimen.fake: component 'notadrug' is not a known drug" in p for p in problems)


def test_load_rules_raises_with_every_problem(rules_copy):
    _write(rules_copy, "bad.yaml", "kind: terms\nentries:\n  - id: t.q\n    label: X\n    phrases: []\n")
    with pytest.raises(RuleError) as info:
        load_rules(rules_copy)
    assert any("bad.yaml:3: t.q: phrases:" in p for p in info.value.problems)


def test_missing_folder_is_a_rule_error(tmp_path):
    with pytest.raises(RuleError, match="rules folder does not exist"):
        load_rules(tmp_path / "nowhere")
