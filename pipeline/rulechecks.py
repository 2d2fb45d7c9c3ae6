"""Checks across rule files: ids unique, surface forms unambiguous, regimens made of known drugs,
every kind present, and every label a rule names declared in ``labels.yaml``.

They run after each file has validated on its own (``rules.check_rules``); a
label reference is a (kind, rule, field) triple taken from ``LABEL_FIELDS``, so
a new kind with label fields needs one entry there and nothing here.
"""
from __future__ import annotations

import regex

from .rules import CODE_LABELS, KINDS, LABEL_FIELDS, WORD_LISTS, Rule, RuleSet

LABEL_NAME = regex.compile(r"(?<![A-Za-z_])[A-Z][A-Z_]*(?![A-Za-z_])")


def _surface_forms(rule: Rule) -> list[str]:
    forms = []
    for attr in ("zh", "abbr", "en", "brands", "phrases"):
        forms.extend(getattr(rule, attr, []))
    return forms


def _check_ids(rules: RuleSet, problems: list[str]) -> None:
    seen_ids: dict[str, str] = {}
    for kind, entries in rules.by_kind.items():
        for rule in entries:
            where = rules.where(kind, rule)
            if rule.id in seen_ids:
                problems.append(f"{where}: {rule.id}: duplicate id (first at {seen_ids[rule.id]})")
            else:
                seen_ids[rule.id] = where


def _check_lexicons(rules: RuleSet, problems: list[str]) -> None:
    """Ambiguous surface forms, and regimens made of drugs nobody defined."""
    owners: dict[str, tuple[str, str]] = {}
    for kind in ("drugs", "regimens", "diseases", "endpoints"):
        for rule in rules.of(kind):
            where = rules.where(kind, rule)
            for form in _surface_forms(rule):
                key = form if form in getattr(rule, "abbr", []) else form.lower()
                if key in owners and owners[key][0] != rule.id:
                    problems.append(
                        f"{where}: {rule.id}: surface form {form!r} is also used by {owners[key][0]}"
                        f" ({owners[key][1]})"
                    )
                owners.setdefault(key, (rule.id, where))
    drug_names = {rule.name for rule in rules.of("drugs")}
    for rule in rules.of("regimens"):
        for drug in rule.drugs:
            if drug not in drug_names:
                problems.append(f"{rules.where('regimens', rule)}: {rule.id}: component {drug!r} is not a known drug")


def label_references(rules: RuleSet):
    """(kind, rule, field name) for every field of LABEL_FIELDS: the places a label is named."""
    for kind, names in LABEL_FIELDS.items():
        for rule in rules.of(kind):
            for name in names:
                yield kind, rule, name


def labels_named(value: str | list[str]) -> list[str]:
    """The labels a field names: each of a list, the capitalised words of a pattern, or the value itself."""
    if not isinstance(value, str):
        return [label for item in value for label in labels_named(item)]
    return LABEL_NAME.findall(value) or ([value] if value else [])


def check_labels(rules: RuleSet, references, problems: list[str]) -> None:
    """Every label named in ``references`` ((kind, rule, field) triples) must be declared in labels.yaml."""
    declared = {r.label for r in rules.of("labels")}
    listing = ", ".join(sorted(declared))
    for kind, rule, name in references:
        value = getattr(rule, name)
        for label in labels_named(value):
            if label not in declared:
                problems.append(f"{rules.where(kind, rule)}: {rule.id}: unknown label {label!r}"
                                f" (declared in labels.yaml: {listing})")
    for label in sorted(set(CODE_LABELS) | WORD_LISTS):
        if label not in declared:
            problems.append(f"{rules.directory}: labels: label {label!r} is used by the code but not declared")


def _check_kinds(rules: RuleSet, problems: list[str]) -> None:
    """A kind without entries makes `run` silently extract less (no drugs: no arms); say so."""
    for kind in KINDS:
        if not rules.of(kind):
            problems.append(f"{rules.directory}: no {kind} rules (expected a file with `kind: {kind}` and entries)")


def cross_check(rules: RuleSet, problems: list[str]) -> None:
    """Checks that span files: every kind present, ids unique, surface forms unambiguous, labels declared."""
    _check_kinds(rules, problems)
    _check_ids(rules, problems)
    _check_lexicons(rules, problems)
    if rules.of("labels"):
        check_labels(rules, label_references(rules), problems)
