"""The word lists linking reads, taken from the rules so no Chinese lives in the code.

Units (个月 -> month), the measures each endpoint admits, numerals (五 -> 5), the little words that may stand between
a qualifier and its number (约为), suffixes of names (组, 方案), and the classes of
drugs that count as chemotherapy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..rules import RuleSet


@dataclass(frozen=True)
class Words:
    units: dict[str, str] = field(default_factory=dict)
    numerals: dict[str, int] = field(default_factory=dict)
    value_gap: frozenset[str] = frozenset()
    landmark_gap: str = ""
    group_suffix: tuple[str, ...] = ()
    regimen_suffix: tuple[str, ...] = ()
    measures: dict[str, frozenset[str]] = field(default_factory=dict)
    landmark_codes: frozenset[str] = frozenset()
    spread: tuple[str, ...] = ()
    class_names: frozenset[str] = frozenset()
    chemo_classes: frozenset[str] = frozenset()

    def unit(self, surface: str) -> str:
        return self.units.get(surface, self.units.get(surface.lower(), surface))

    def number(self, surface: str) -> float:
        return float(self.numerals[surface]) if surface in self.numerals else float(surface or 0)


def words_from_rules(rules: RuleSet) -> Words:
    """Collect the word lists of terms.yaml and the drug classes of drugs.yaml."""
    by_label: dict[str, list] = {}
    for rule in rules.of("terms"):
        by_label.setdefault(rule.label, []).append(rule)
    units = {p: r.norm for r in by_label.get("UNIT", []) for p in r.phrases}
    numerals: dict[str, int] = {}
    for rule in by_label.get("NUMERAL", []):
        for position, phrase in enumerate(rule.phrases, start=1):
            numerals[phrase] = int(rule.norm) if rule.norm else position

    def phrases(label: str) -> tuple[str, ...]:
        return tuple(p for r in by_label.get(label, []) for p in r.phrases)

    return Words(units=units, numerals=numerals, value_gap=frozenset(phrases("VALUE_GAP")) | {""},
                 landmark_gap="".join(phrases("LANDMARK_GAP")) + " ()",
                 group_suffix=phrases("GROUP_SUFFIX"), spread=phrases("SPREAD"), regimen_suffix=phrases("REGIMEN_SUFFIX"),
                 measures={r.code: frozenset(r.measures) for r in rules.of("endpoints")},
                 landmark_codes=frozenset(r.code for r in rules.of("endpoints") if "landmark" in r.measures),
                 class_names=frozenset(r.name for r in rules.of("drugs") if r.type == "class"),
                 chemo_classes=frozenset(phrases("CHEMO_CLASS")))
