"""The words a citation check needs to read a reference title, taken from the rules.

A Chinese claim (canonical drug names, a trial name, a phase) has to meet an
English or Chinese title: drug names in every language and their abbreviations
(drugs.yaml), regimen abbreviations that stand for several drugs (regimens.yaml:
``(AI)`` in a title is doxorubicin and ifosfamide), phase wording
(patterns.yaml, label PHASE), design words (terms.yaml, label DESIGN) and
guideline words (references.yaml). Nothing medical is spelled here; only
string folding lives in this module.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

from .normalizing import simplify
from .rules import RuleSet, load_rules

EDGE_BEFORE, EDGE_AFTER = r"(?<![\p{Latin}\d])", r"(?![\p{Latin}\d])"
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV"}
TOKEN = regex.compile(r"\p{Han}+|[^\W\d_\p{Han}]+|\d+")


def fold_words(text: str) -> str:
    """Text as space-separated lowercase tokens, padded: ``KEYNOTE-189`` and ``keynote 189`` agree.

    Letters, digits and Han runs are separate tokens, so a name can be looked up
    as `` name `` without matching inside a longer word (``ALTER`` in ``alternating``).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return " " + " ".join(TOKEN.findall(text)) + " "


def phase_code(low: str, high: str = "") -> str:
    """``2`` -> ``II``, ``1``/``2`` -> ``I/II``: the way the trials table writes a phase."""
    code = ROMAN.get(low, low)
    return f"{code}/{ROMAN.get(high, high)}" if high else code


def _alternation(surfaces, ignore_case: bool, plural: bool) -> regex.Pattern | None:
    """One pattern for many surfaces, longest first, never inside a longer Latin word."""
    ordered = sorted(set(surfaces), key=lambda s: (-len(s), s))
    if not ordered:
        return None
    tail = "(?:s|es)?" if plural else ""
    body = "|".join(regex.escape(s) for s in ordered)
    return regex.compile(f"{EDGE_BEFORE}(?:{body}){tail}{EDGE_AFTER}", regex.IGNORECASE if ignore_case else 0)


@dataclass(frozen=True)
class Vocabulary:
    """Lookups over reference titles; build with ``vocabulary(rules)`` (cached per rule set)."""

    names: regex.Pattern | None  # drug and regimen names in any language, case-insensitive
    abbreviations: regex.Pattern | None  # drug and regimen abbreviations, case-sensitive
    by_name: dict[str, tuple[tuple[str, ...], str]]  # casefolded surface -> (drugs, rule id)
    by_abbreviation: dict[str, tuple[tuple[str, ...], str]]
    classes: dict[str, str]  # drug -> its class name
    class_names: frozenset[str]  # entries that are a class (anthracycline), not one drug
    generic: frozenset[str]
    phases: tuple[regex.Pattern, ...]
    designs: tuple[tuple[regex.Pattern, str, str], ...]  # (pattern, design code, rule id)
    guideline: regex.Pattern | None

    def drugs_in(self, text: str) -> dict[str, tuple[str, str]]:
        """Canonical drug -> (surface, rule id) for every drug or regimen the text names."""
        found: dict[str, tuple[str, str]] = {}
        text = simplify(text)  # the rules are simplified; 繁體 titles and sentences meet them so
        lookups = ((self.names, self.by_name, True), (self.abbreviations, self.by_abbreviation, False))
        for pattern, table, fold in lookups:
            for match in pattern.finditer(text) if pattern else ():
                drugs, rule = self._meaning(match.group(), table, fold)
                for drug in drugs:
                    found.setdefault(drug, (match.group(), rule))
        return found

    @staticmethod
    def _meaning(surface: str, table: dict, fold: bool) -> tuple[tuple[str, ...], str]:
        key = surface.casefold() if fold else surface
        if key not in table:  # the pattern allowed a plural ending
            key = key[:-2] if key[:-2] in table else key[:-1]
        return table.get(key, ((), ""))

    def phases_in(self, text: str) -> set[str]:
        """Phases as the trials table writes them, read with the PHASE patterns' num/high groups."""
        found = set()
        for pattern in self.phases:
            for match in pattern.finditer(simplify(text)):
                groups = {k: v for k, v in match.groupdict().items() if v}
                low = groups.get("num") or groups.get("num2") or ""
                if low:
                    found.add(phase_code(low, groups.get("high") or groups.get("high2") or ""))
        return found

    def designs_in(self, text: str) -> dict[str, str]:
        return {code: rule for pattern, code, rule in self.designs if pattern.search(simplify(text))}

    def is_guideline(self, text: str) -> bool:
        return bool(self.guideline and self.guideline.search(simplify(text)))

    def is_specific(self, drug: str) -> bool:
        """One drug, not a class (platinum) or a treatment word (chemotherapy, placebo)."""
        return drug not in self.generic and drug not in self.class_names

    def is_generic(self, drug: str) -> bool:
        return drug in self.generic

    def related(self, claimed: str, named: str) -> bool:
        """A title supports a claimed drug by naming it or its class (doxorubicin: anthracycline), and a
        claimed class by naming a member; siblings of one class (letrozole, goserelin) are not related."""
        return claimed == named or self.classes.get(claimed) == named or self.classes.get(named) == claimed


def _surfaces(rules: RuleSet):
    """(surface, drugs, rule id, is abbreviation) for every drug and regimen rule."""
    for rule in rules.of("drugs"):
        for surface in [rule.name, *rule.zh, *rule.en, *rule.brands]:
            yield surface, (rule.name,), rule.id, False
        for surface in rule.abbr:
            yield surface, (rule.name,), rule.id, True
    for rule in rules.of("regimens"):
        for surface in [*rule.zh, *rule.en]:
            yield surface, tuple(rule.drugs), rule.id, False
        for surface in rule.abbr:
            yield surface, tuple(rule.drugs), rule.id, True


def build_vocabulary(rules: RuleSet) -> Vocabulary:
    by_name: dict = {}
    by_abbreviation: dict = {}
    for surface, drugs, rule_id, is_abbreviation in _surfaces(rules):
        if is_abbreviation:
            by_abbreviation.setdefault(surface, (drugs, rule_id))
        else:
            by_name.setdefault(surface.casefold(), (drugs, rule_id))
    drugs = rules.of("drugs")
    designs = tuple((_alternation(r.phrases, True, False), r.norm, r.id) for r in rules.of("terms")
                    if r.label == "DESIGN" and r.norm)
    guideline_words = [w for r in rules.of("references") if r.role == "guideline_word" for w in r.words]
    return Vocabulary(
        names=_alternation(by_name, True, True),
        abbreviations=_alternation(by_abbreviation, False, False),
        by_name=by_name, by_abbreviation=by_abbreviation,
        classes={r.name: r.class_ for r in drugs if r.class_ and r.type != "generic"},
        class_names=frozenset(r.name for r in drugs if r.type == "class"),
        generic=frozenset(r.name for r in drugs if r.type == "generic"),
        phases=tuple(regex.compile(r.regex) for r in rules.of("patterns") if r.label == "PHASE"),
        designs=designs,
        guideline=_alternation(guideline_words, True, False))


@lru_cache(maxsize=4)
def _cached(directory: str, digest: str) -> Vocabulary:
    return build_vocabulary(load_rules(directory))


def vocabulary(rules: RuleSet) -> Vocabulary:
    """The vocabulary of a rule set, built once per process and rule version."""
    return _cached(str(rules.directory), rules.fingerprint)
