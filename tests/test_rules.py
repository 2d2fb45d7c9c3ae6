"""Rule files: the bundled rules validate, every rule's examples hold, broken files are named exactly."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import regex

from pipeline.errors import RuleError
from pipeline.examples import RUNNERS, Probe, run_examples
from pipeline.rules import DEFAULT_RULES_DIR, check_rules, load_rules

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = load_rules()
PROBE = Probe(BUNDLED)


def test_bundled_rules_validate():
    rules, problems = check_rules(DEFAULT_RULES_DIR)
    assert problems == []
    assert len(rules.of("drugs")) >= 150


def _example_cases():
    for kind, entries in BUNDLED.by_kind.items():
        for rule in entries if kind in RUNNERS else ():
            if rule.examples or rule.not_:
                yield pytest.param(kind, rule, id=rule.id)


@pytest.mark.parametrize("kind,rule", list(_example_cases()))
def test_every_bundled_example_holds(kind, rule):
    """The same runner as `medmine rules check`: the tests and the CLI cannot disagree."""
    assert list(RUNNERS[kind](rule, PROBE)) == []


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


# --- examples of a rules folder run, and fail with path:line ------------------------------------

def _append(folder: Path, name: str, text: str) -> None:
    with open(folder / name, "a", encoding="utf-8") as handle:
        handle.write(text)


WRONG_EXAMPLES = [
    ("drug not", "drugs.yaml", "  - {id: drug.zzfake, name: zzfake, zh: [泽泽替尼], not: [泽泽替尼治疗]}\n",
     r'drugs\.yaml:\d+: drug\.zzfake: example "泽泽替尼治疗": expected no mention of drug\.zzfake, got 泽泽替尼 DRUG'),
    ("drug example", "drugs.yaml", "  - {id: drug.zzfake, name: zzfake, zh: [泽泽替尼], examples: [某某药物]}\n",
     r'drug\.zzfake: example "某某药物": expected a mention of drug\.zzfake, got no mention'),
    ("term example", "terms.yaml", "  - {id: term.zz, label: VS, phrases: [泽泽], examples: [甲乙]}\n",
     r'terms\.yaml:\d+: term\.zz: example "甲乙": expected a mention of term\.zz'),
    ("word list", "terms.yaml", "  - {id: term.zz, label: UNIT, norm: day, phrases: [天], not: [3天]}\n",
     r'term\.zz: example "3天": expected none of the phrases of term\.zz, got 天'),
    ("pattern not", "patterns.yaml", "  - {id: pattern.zz, label: VALUE, regex: '\\d+天', not: ['3天']}\n",
     r"patterns\.yaml:\d+: pattern\.zz: example \"3天\": expected no match, got a match on '3天'"),
    ("pattern example", "patterns.yaml", "  - {id: pattern.zz, label: VALUE, regex: '\\d+天', examples: ['三天']}\n",
     r'pattern\.zz: example "三天": expected a match, got no match'),
    ("page", "page.yaml", "  - {id: page.zz, role: chrome, regex: '^zz$', examples: [zzz]}\n",
     r'page\.zz: example "zzz": expected a match'),
    ("reference", "references.yaml", "  - {id: ref.zz, role: journal_tag, words: ['[ZZ]'], examples: ['A. B[M]. C, 2020.']}\n",
     r"ref\.zz: example \"A\. B\[M\]\. C, 2020\.\": expected kind 'journal', got kind 'other'"),
    ("value after", "references.yaml", "  - {id: ref.zz, role: value_after, words: [天], examples: ['随访[3]。']}\n",
     r'ref\.zz: example "随访\[3\]。": expected no citation marker, got citation marker\(s\) \[3\]'),
]


@pytest.mark.parametrize("name,file,entry,message", WRONG_EXAMPLES, ids=[w[0] for w in WRONG_EXAMPLES])
def test_a_wrong_example_is_reported_with_path_and_line(rules_copy, name, file, entry, message):
    _append(rules_copy, file, entry)
    rules, problems = check_rules(rules_copy)
    assert problems == []
    failures = run_examples(rules)
    assert len(failures) == 1 and regex.search(message, failures[0]), failures


def test_a_kind_without_runner_is_counted_not_run(monkeypatch):
    from pipeline.examples import count_examples

    page = sum(len(r.examples) + len(r.not_) for r in BUNDLED.of("page"))
    checked, unrun = count_examples(BUNDLED)
    monkeypatch.delitem(RUNNERS, "page")
    assert run_examples(BUNDLED, ["page"]) == []
    assert count_examples(BUNDLED) == (checked - page, {**unrun, "page": page})


# --- folders that would make `run` extract nothing ----------------------------------------------

def test_empty_folder_is_an_error(tmp_path):
    _, problems = check_rules(tmp_path)
    assert problems == [f"{tmp_path}: no rule files (*.yaml); copy the bundled rules/ folder to start"]


@pytest.mark.parametrize("kind", ["drugs", "endpoints", "labels"])
def test_missing_kind_is_an_error(rules_copy, kind):
    (rules_copy / f"{kind}.yaml").unlink()
    _, problems = check_rules(rules_copy)
    assert f"{rules_copy}: no {kind} rules (expected a file with `kind: {kind}` and entries)" in problems


def test_empty_kind_is_an_error(rules_copy):
    (rules_copy / "endpoints.yaml").write_text("kind: endpoints\nentries: []\n", encoding="utf-8")
    _, problems = check_rules(rules_copy)
    assert f"{rules_copy / 'endpoints.yaml'}:1: `entries` must be a non-empty list" in problems
    assert f"{rules_copy}: no endpoints rules (expected a file with `kind: endpoints` and entries)" in problems


def test_a_syntax_error_is_reported_once_with_what_was_skipped(rules_copy):
    path = rules_copy / "drugs.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(20, "  - {id: drug.broken, name: broken, zh: [a, b\n")
    path.write_text("".join(lines), encoding="utf-8")
    _, problems = check_rules(rules_copy)
    assert len(problems) == 3, problems
    assert regex.match(rf"{regex.escape(str(path))}:2\d: YAML syntax error", problems[0])
    assert regex.match(rf"{regex.escape(str(path))}: skipped: about \d{{3}} entries of this file not checked",
                       problems[1])
    assert regex.search(r"skipped: checks across files \(\d+ problem\(s\) that may only follow", problems[2])


# --- description keys and the closed label set ---------------------------------------------------

def test_description_is_accepted_on_every_kind(rules_copy):
    _append(rules_copy, "drugs.yaml", "  - {id: drug.zzfake, name: zzfake, description: a test drug, zh: [泽泽替尼]}\n")
    rules, problems = check_rules(rules_copy)
    assert problems == [] and rules.of("drugs")[-1].description == "a test drug"


def test_unknown_key_lists_the_keys_of_the_kind(rules_copy):
    _append(rules_copy, "drugs.yaml", "  - {id: drug.zzfake, name: zzfake, colour: red}\n")
    _, problems = check_rules(rules_copy)
    assert any(p.endswith("drug.zzfake: colour: unknown key (a drugs entry has: id, description, examples, not, "
                          "name, class, type, zh, abbr, en, brands)") for p in problems), problems


@pytest.mark.parametrize("file,entry", [
    ("terms.yaml", "  - {id: term.zz, label: GRUOP, phrases: [泽泽]}\n"),
    ("patterns.yaml", "  - {id: pattern.zz, label: GRUOP, regex: 'zz'}\n"),
    ("relations.yaml", "  - {id: rel.zz, pattern: 'VALUE:values GRUOP', action: single, examples: [{text: x}]}\n"),
])
def test_undeclared_label_is_an_error(rules_copy, file, entry):
    _append(rules_copy, file, entry)
    _, problems = check_rules(rules_copy)
    assert len(problems) == 1
    assert regex.match(rf"{regex.escape(str(rules_copy / file))}:\d+: \S+\.zz: unknown label 'GRUOP' "
                       r"\(declared in labels\.yaml: [A-Z_]+(, [A-Z_]+)*\)$", problems[0]), problems
    assert ", GROUP, " in problems[0]


def test_label_check_takes_any_kind_and_field(rules_copy, monkeypatch):
    """A new kind with label fields is one LABEL_FIELDS entry: here references' `role` is checked as a label."""
    from pipeline import rules as rules_module

    monkeypatch.setitem(rules_module.LABEL_FIELDS, "references", ("role",))
    _, problems = check_rules(rules_copy)
    assert any("ref.doctype.journal: unknown label 'journal_tag'" in p for p in problems)


@pytest.mark.parametrize("value,labels", [
    ("VS", ["VS"]), ("vs", ["vs"]), ("", []), (["VS", "AND"], ["VS", "AND"]),
    ("ARM:arms (VS|AND ARM:arms)+ VALUE:values", ["ARM", "VS", "AND", "ARM", "VALUE"]),
])
def test_labels_named_by_a_field(value, labels):
    from pipeline.rulechecks import labels_named

    assert labels_named(value) == labels


def test_labels_the_code_uses_must_be_declared(rules_copy):
    path = rules_copy / "labels.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(regex.sub(r"  - id: label\.CITE\n.*\n.*\n", "", text), encoding="utf-8")
    _, problems = check_rules(rules_copy)
    assert problems == [f"{rules_copy}: labels: label 'CITE' is used by the code but not declared"]


def test_every_label_in_use_is_declared_and_every_declared_label_is_used():
    declared = {r.label for r in BUNDLED.of("labels")}
    from pipeline.rulechecks import label_references, labels_named
    from pipeline.rules import CODE_LABELS

    used = {label for _, rule, name in label_references(BUNDLED) for label in labels_named(getattr(rule, name))}
    assert declared == used | set(CODE_LABELS)


# --- docs/rules.md is generated and current ------------------------------------------------------

def test_rules_reference_is_current():
    from pipeline.ruledocs import render_docs

    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_docs(BUNDLED), "run `medmine rules docs --write docs/rules.md`"


def test_rules_reference_names_every_kind_key_and_label():
    from pipeline.rules import KINDS

    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for kind, model in KINDS.items():
        assert f"### {kind}" in page
        for name, info in model.model_fields.items():
            if name != "line":
                assert f"| `{info.alias or name}` |" in page, (kind, name)
    for rule in BUNDLED.of("labels"):
        assert f"| `{rule.label}` |" in page
    assert "## Still Python-only" in page


# --- relation examples: a sentence and the rows it must give ----------------------------------------

RELATION = ("  - {{id: rel.zz, pattern: 'VALUE:values', action: single, priority: 100,\n"
            "     examples: [{{text: '一项II期研究中，安罗替尼单药治疗的ORR为25%。', rows: ['{row}']}}],\n"
            "     not: [{{text: '{near_miss}'}}]}}\n")


@pytest.mark.parametrize("row,near_miss,message", [
    ("ORR rate 26 -> anlotinib", "患者中位年龄为58岁。",
     r'relations\.yaml:\d+: rel\.zz: example "一项II期研究中，安罗替尼单药治疗的ORR为25%。": '
     r"expected ORR rate 26 -> anlotinib, got ORR rate  25 anlotinib "),
    ("ORR rate 25 -> anlotinib", "ORR为30%。",
     r'rel\.zz: example "ORR为30%。": expected no row built by rel\.zz, got a row built by it'),
    ("ORR 25 -> anlotinib", "患者中位年龄为58岁。", r"expected cannot read row 'ORR 25 -> anlotinib'"),
], ids=["wrong row", "near miss fires", "malformed row"])
def test_a_wrong_relation_example_is_reported(rules_copy, row, near_miss, message):
    _append(rules_copy, "relations.yaml", RELATION.format(row=row, near_miss=near_miss))
    rules, problems = check_rules(rules_copy)
    assert problems == []
    failures = [f for f in run_examples(rules, ["relations"]) if ": rel.zz: " in f]  # it outranks the others
    assert len(failures) == 1 and regex.search(message, failures[0]), failures


@pytest.mark.parametrize("text,key", [
    ("OS hr 0.74 -> a+b (cmp=c)", ("OS", "hr", "", "0.74", "a+b", "c")),
    ("OS rate@12 72 -> x", ("OS", "rate", "12", "72", "x", "")),
    ("OS median NR -> x", ("OS", "median", "", "", "x", "")),
    ("PFS median 9.0 -> ", ("PFS", "median", "", "9", "", "")),
])
def test_relation_row_notation(text, key):
    from pipeline.examples import parse_row

    assert parse_row(text) == key
