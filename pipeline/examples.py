"""Running the ``examples:`` and ``not:`` of every rule, so that rules test themselves.

A rule author proves a rule by its examples: a drug's example sentence must
produce a mention of that drug, a pattern's ``not:`` must not match. The same
runners serve ``medmine rules check`` (on any rules folder) and the test suite
(on the bundled one). Runners are registered by rule kind in ``RUNNERS``; a new
kind whose examples are not sentences (relations: a sentence and the rows it
must give) registers its own runner with ``@runner("relations")``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import regex

from .evaluating.matching import number
from .rules import WORD_LISTS, Rule, RuleSet


@dataclass(frozen=True)
class Failure:
    """One example that does not hold: what the author wrote, what was expected, what came out."""

    example: str
    expected: str
    got: str


class Probe:
    """What runners run examples through, built once per rules folder and only when needed."""

    def __init__(self, rules: RuleSet):
        self.rules = rules

    @cached_property
    def nlp(self):
        from .extracting import build_nlp

        return build_nlp(self.rules)

    @cached_property
    def reference_cues(self):
        from .referencing import cues_from_entries

        return cues_from_entries([r.model_dump(by_alias=True) for r in self.rules.of("references")])

    def rows(self, text: str) -> list[dict]:
        """The outcome rows ``run`` writes for a text, with this folder's rules."""
        from .extracting import extract_text

        return extract_text(text, rules_dir=str(self.rules.directory))["outcomes"]

    def mentions(self, text: str) -> list:
        """Mentions of a sentence as ``run`` sees them: normalised, recognised, overlaps resolved."""
        from .normalizing import normalize

        return self.nlp(normalize(text).text)._.mentions


Runner = Callable[[Rule, Probe], Iterable[Failure]]
RUNNERS: dict[str, Runner] = {}


def runner(*kinds: str) -> Callable[[Runner], Runner]:
    """Register a function as the example runner of rule kinds."""
    def register(function: Runner) -> Runner:
        for kind in kinds:
            RUNNERS[kind] = function
        return function
    return register


def _cases(rule: Rule) -> Iterator[tuple[str, bool]]:
    """(example, should hold) pairs: ``examples:`` must hold, ``not:`` must not."""
    yield from ((e, True) for e in rule.examples)
    yield from ((e, False) for e in rule.not_)


def _describe(mentions: list) -> str:
    return "; ".join(f"{m.text} {m.label} {m.rule}" for m in mentions) or "no mention"


@runner("drugs", "regimens", "diseases", "endpoints", "terms")
def run_lexicon(rule: Rule, probe: Probe) -> Iterator[Failure]:
    """An example must yield a mention of the rule itself (after overlaps are settled); a ``not:`` must not.

    Word lists (UNIT, NUMERAL, ...) are read by linking, not matched, so their
    examples must only contain one of their phrases.
    """
    if getattr(rule, "label", None) in WORD_LISTS:
        yield from _run_word_list(rule)
        return
    for example, should in _cases(rule):
        mentions = probe.mentions(example)
        hits = [m for m in mentions if m.rule == rule.id]
        if should and not hits:
            yield Failure(example, f"a mention of {rule.id}", _describe(mentions))
        elif not should and hits:
            yield Failure(example, f"no mention of {rule.id}", _describe(hits))


def _run_word_list(rule: Rule) -> Iterator[Failure]:
    for example, should in _cases(rule):
        found = [p for p in rule.phrases if p in example]
        if should and not found:
            yield Failure(example, f"one of the phrases of {rule.id}", "none")
        elif not should and found:
            yield Failure(example, f"none of the phrases of {rule.id}", ", ".join(found))


def _run_regex(rule: Rule, text_of: Callable[[str], str]) -> Iterator[Failure]:
    compiled = regex.compile(rule.regex)
    for example, should in _cases(rule):
        found = compiled.search(text_of(example))
        if should and not found:
            yield Failure(example, "a match", "no match")
        elif not should and found:
            yield Failure(example, "no match", f"a match on {found.group(0)!r}")


@runner("patterns")
def run_pattern(rule: Rule, probe: Probe) -> Iterator[Failure]:
    """Patterns run on normalised text, as in ``run`` (full-width digits are half-width there)."""
    from .normalizing import normalize

    yield from _run_regex(rule, lambda example: normalize(example).text)


@runner("page")
def run_page(rule: Rule, probe: Probe) -> Iterator[Failure]:
    """Page cues are searched in one stripped line of the raw text."""
    yield from _run_regex(rule, str.strip)


# The kind of reference a cue of each role makes an entry (referencing.py's reading of the roles).
REFERENCE_KIND = {"journal_tag": "journal", "conference_tag": "conference", "other_tag": "other",
                  "guideline_word": "guideline", "conference_word": "conference", "abstract_word": "conference",
                  "other_word": "other"}


def _reference_case(rule: Rule, example: str, probe: Probe) -> tuple[bool, str, str]:
    """(holds, what holding means, what came out) for one example of a reference cue."""
    from .referencing import find_citation_markers, parse_reference

    if rule.role == "value_after":
        markers = [m[2] for m in find_citation_markers(example, tuple(rule.words))]
        return not markers, "no citation marker", f"citation marker(s) {', '.join(markers)}" if markers else "none"
    if rule.role in REFERENCE_KIND:
        kind = parse_reference(example, probe.reference_cues).get("kind", "")
        return kind == REFERENCE_KIND[rule.role], f"kind {REFERENCE_KIND[rule.role]!r}", f"kind {kind!r}"
    found = [w for w in rule.words if w.lower() in example.lower()]
    return bool(found), f"one of the words of {rule.id}", ", ".join(found) or "none"


@runner("references")
def run_reference(rule: Rule, probe: Probe) -> Iterator[Failure]:
    """A reference entry must parse to the kind its role gives; a value_after example must hold no marker."""
    for example, should in _cases(rule):
        holds, expected, got = _reference_case(rule, example, probe)
        if holds is not should:
            yield Failure(example, expected if should else f"not {expected}", got)


ROW = regex.compile(r"(?P<endpoint>[A-Z]+)\s+(?P<measure>median|rate|hr|or)(?:@(?P<months>[\d.]+))?\s+"
                    r"(?P<value>NR|[\d.]+)\s*->\s*(?P<drugs>[^()]*?)\s*(?:\(cmp=(?P<cmp>[^)]*)\))?")


def parse_row(text: str) -> tuple[str, ...]:
    """``OS hr 0.74 -> a+b (cmp=c)`` (value ``NR``: not reached) as a row key; ValueError names the form."""
    m = ROW.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"cannot read row {text!r}: expected 'ENDPOINT measure[@months] value -> drugs (cmp=...)'")
    value = "" if m["value"] == "NR" else number(m["value"])
    return (m["endpoint"], m["measure"], number(m["months"] or ""), value, m["drugs"].strip(), (m["cmp"] or "").strip())


def _row_key(row: dict) -> tuple[str, ...]:
    value = "" if row.get("qualifier") == "NR" else number(str(row.get("value") or ""))
    return (row["endpoint"], row["measure"], number(str(row.get("timepoint_months") or "")), value,
            row.get("drugs") or "", row.get("comparator_drugs") or "")


def _fired(rule: Rule, rows: list[dict]) -> bool:
    return any(rule.id in (row.get("rule") or "").split(";") for row in rows)


@runner("relations")
def run_relation(rule: Rule, probe: Probe) -> Iterator[Failure]:
    """An example must give every row it lists and be matched by the relation; a ``not:`` must not be."""
    for example in rule.examples:
        rows = probe.rows(example.text)
        got = {_row_key(r) for r in rows}
        shown = "; ".join(sorted(" ".join(k) for k in got)) or "no rows"
        for text in example.rows:
            try:
                wanted = parse_row(text)
            except ValueError as exc:
                yield Failure(example.text, str(exc), "nothing")
                continue
            if wanted not in got:
                yield Failure(example.text, text, shown)
        if not _fired(rule, rows):
            yield Failure(example.text, f"rows built by {rule.id}", shown)
    for example in rule.not_:
        if _fired(rule, probe.rows(example.text)):
            yield Failure(example.text, f"no row built by {rule.id}", "a row built by it")


def run_examples(rules: RuleSet, kinds: Iterable[str] | None = None) -> list[str]:
    """Every failing example of a validated rule set, as ``path:line: id: example "...": expected ..., got ...``.

    Kinds without a runner are left out here and counted by ``count_examples``.
    """
    probe, problems = Probe(rules), []
    for kind in kinds or rules.by_kind:
        for rule in rules.of(kind) if kind in RUNNERS else ():
            for failure in RUNNERS[kind](rule, probe):
                problems.append(f'{rules.where(kind, rule)}: {rule.id}: example "{failure.example}": '
                                f"expected {failure.expected}, got {failure.got}")
    return problems


def count_examples(rules: RuleSet) -> tuple[int, dict[str, int]]:
    """(examples a runner checks, {kind: examples no runner can check yet})."""
    counts = {kind: sum(len(r.examples) + len(r.not_) for r in entries) for kind, entries in rules.by_kind.items()}
    unrun = {kind: n for kind, n in counts.items() if n and kind not in RUNNERS}
    return sum(n for kind, n in counts.items() if kind in RUNNERS), unrun
