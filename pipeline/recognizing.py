"""Recognition: spaCy components that turn rule files into mentions.

Two components fill ``doc._.mentions``: ``medmine_lexicon`` (spaCy PhraseMatchers
built from the drug, regimen, disease, endpoint and term lexicons) and
``medmine_patterns`` (the regexes of ``patterns.yaml`` plus citation markers).
``medmine_resolve`` then keeps one reading per stretch of text by priority and
length (``medmine explain`` renders the result with displaCy).
Mentions keep exact character offsets into the (normalised) doc text, because
token boundaries from jieba need not coincide with a number's boundaries.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

import regex
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .referencing import find_citation_markers
from .rules import WORD_LISTS, RuleSet, load_rules

LEXICON_PRIORITY = 12
# Labels of the study frame: they may overlap anything, they only add context.
FRAME_LABELS = {"SETTING", "DESIGN", "STUDY", "STUDY_INTRO", "STUDY_BACK", "PRIOR"}
# An in-text definition (patterns.yaml, label DEFINITION) may give a drug or regimen a name of
# the article's own; it spans a whole phrase and competes with nothing.
DEFINITION = "DEFINITION"
DEFINABLE = {"DRUG", "REGIMEN"}
LIST_GAP = 3  # a drug ending this close before a definition's long part makes it a list
CONTEXT_WINDOW = 6

if not Doc.has_extension("mentions"):
    Doc.set_extension("mentions", default=None)


@dataclass(slots=True, unsafe_hash=True)
class Mention:
    """One recognised stretch of text: what it is, its normal form, which rule said so."""

    start: int
    end: int
    label: str
    text: str
    norm: str
    rule: str
    priority: int = 0
    data: dict = field(default_factory=dict, compare=False, hash=False)


def doc_text(doc: Doc) -> str:
    """The doc's text, cached by the tokenizer (``Doc.text`` is rebuilt on every access)."""
    return doc.user_data.get("text") or doc.text


def _inside_word(text: str, start: int, end: int) -> bool:
    """Whether a Latin-script match is glued to more letters or digits (a piece of a longer word)."""
    before = text[start - 1:start] if start else ""
    after = text[end:end + 1]
    return any(ch.isascii() and ch.isalnum() for ch in (before, after)) and text[start:end].isascii()


def _lexicon_entries(rules: RuleSet):
    """Yield (rule id, label, norm, data, case-sensitive forms, case-insensitive forms)."""
    for rule in rules.of("drugs"):
        data = {"type": rule.type, "class": rule.class_, "drugs": [rule.name]}
        yield rule.id, "DRUG", rule.name, data, rule.abbr, rule.zh + rule.en + rule.brands
    for rule in rules.of("regimens"):
        data = {"drugs": sorted(rule.drugs), "abbr": True}
        yield rule.id, "REGIMEN", "+".join(sorted(rule.drugs)), data, rule.abbr, rule.zh + rule.en
    for rule in rules.of("diseases"):
        yield rule.id, "DISEASE", rule.name, {"parent": rule.parent}, rule.abbr, rule.zh + rule.en
    for rule in rules.of("endpoints"):
        yield rule.id, "ENDPOINT", rule.code, {}, rule.abbr, rule.zh + rule.en
    for rule in rules.of("terms"):
        if rule.label in WORD_LISTS:
            continue
        sensitive = rule.phrases if rule.case_sensitive else []
        insensitive = [] if rule.case_sensitive else rule.phrases
        yield rule.id, rule.label, rule.norm or rule.label, {}, sensitive, insensitive


class LexiconRecognizer:
    """PhraseMatchers over jieba tokens; abbreviations match case-sensitively."""

    def __init__(self, nlp: Language, rules_dir: str):
        self.rules = load_rules(rules_dir or None)
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.meta: dict[int, tuple[str, str, str, dict]] = {}  # by the matcher's match id
        context = [p for r in self.rules.of("terms") if r.label == "REGIMEN_CONTEXT" for p in r.phrases]
        self.context = regex.compile("|".join(regex.escape(p) for p in sorted(context, key=len, reverse=True)))
        for rule_id, label, norm, data, sensitive, insensitive in _lexicon_entries(self.rules):
            self.meta[nlp.vocab.strings.add(rule_id)] = (rule_id, label, norm, data)
            if sensitive:
                self.exact.add(rule_id, [nlp.make_doc(p) for p in sensitive])
            if insensitive:
                self.folded.add(rule_id, [nlp.make_doc(p) for p in insensitive])

    def _in_treatment_context(self, text: str, start: int, end: int) -> bool:
        """A regimen abbreviation (AI, EC) counts only next to treatment words."""
        after = text[end:end + CONTEXT_WINDOW]
        before = text[max(0, start - 3):start]
        return bool(self.context.match(after.lstrip(" )")) or self.context.search(before)
                    or after.startswith(")") or before.rstrip().endswith("("))

    def __call__(self, doc: Doc) -> Doc:
        found = doc._.mentions if doc._.mentions is not None else []
        text = doc_text(doc)
        starts = doc.to_array("IDX").tolist() + [len(text)]
        for matcher in (self.exact, self.folded):
            for match_id, start, end in matcher(doc):
                rule_id, label, norm, data = self.meta[match_id]
                first, last = starts[start], starts[end]  # tokens carry no trailing space
                if matcher is self.exact and _inside_word(text, first, last):
                    continue  # AC cut out of PHRAC by the segmenter is no abbreviation
                if data.get("abbr") and not self._in_treatment_context(text, first, last):
                    continue
                found.append(Mention(first, last, label, text[first:last], norm, rule_id, LEXICON_PRIORITY, data))
        doc._.mentions = found
        return doc


def _pattern_norm(label: str, groups: dict) -> str:
    for key in ("name", "num", "num2", "num3", "num4", "low"):
        if groups.get(key):
            return groups[key]
    return label


class PatternRecognizer:
    """The regexes of patterns.yaml, and citation markers, over the doc text."""

    def __init__(self, nlp: Language, rules_dir: str):
        self.rules = load_rules(rules_dir or None)
        self.compiled = [(r, regex.compile(r.regex)) for r in self.rules.of("patterns")]
        self.value_after = tuple(w for r in self.rules.of("references") if r.role == "value_after" for w in r.words)

    def __call__(self, doc: Doc) -> Doc:
        found = doc._.mentions if doc._.mentions is not None else []
        text = doc_text(doc)
        for rule, pattern in self.compiled:
            for match in pattern.finditer(text):
                groups = {k: v for k, v in match.groupdict().items() if v}
                start, end = match.span("name") if "name" in groups else match.span()
                if rule.label == DEFINITION:  # the defining step needs where each part is
                    groups["spans"] = {k: match.span(k) for k in ("short", "long")}
                    start, end = min(start, match.start("long")), max(end, match.end("long"))
                found.append(Mention(start, end, rule.label, text[start:end],
                                     rule.norm or _pattern_norm(rule.label, groups), rule.id, rule.priority,
                                     groups))
        for start, end, marker, refs in find_citation_markers(text, self.value_after):
            found.append(Mention(start, end, "CITE", marker, ";".join(map(str, refs)),
                                 "pattern.citation-marker", 50, {"refs": refs}))
        doc._.mentions = found
        return doc


def _greedy(mentions) -> list[Mention]:
    """Highest priority first, then longest, then earliest; drop what overlaps a kept one."""
    kept: list[Mention] = []
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping
    for m in sorted(mentions, key=lambda m: (-m.priority, -(m.end - m.start), m.start)):
        i = bisect_right(taken, (m.start, float("inf")))
        if (i > 0 and taken[i - 1][1] > m.start) or (i < len(taken) and taken[i][0] < m.end):
            continue
        taken.insert(i, (m.start, m.end))
        kept.append(m)
    return kept


def resolve_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Keep one reading per stretch of text.

    Frame labels (setting, design, study words, prior therapy) compete only with
    their own label: 辅助化疗 is both a setting and a treatment, but 一线 inside
    一线化疗失败 is not a second setting.
    """
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(m.label if m.label in FRAME_LABELS or m.label == DEFINITION else "", []).append(m)
    kept = [k for key in sorted(groups) for k in _greedy(groups[key])]
    return sorted(kept, key=lambda m: (m.start, -m.end, m.label))


def _defined(definition: Mention, near: "_Near") -> Mention | None:
    """The drug or regimen a definition names: the mention right at the cue on the long side.

    ``X(Y)``-style definitions put the long form before the short one; there the mention must end
    where the long part ends. Where the long form comes second (``Y(X)``, ``X即Y``) the mention must
    start where it starts. A long part naming two drugs (``A联合B(AB)``) defines a regimen's
    letters, not either drug, and so does a long part right after another drug (``A / B(AB)``);
    a generic word (chemotherapy) defines nothing. A Latin-script long form must contain the
    short form's letters in order (``aromatase inhibitor (AI)``, not ``carboplatin (TCbHP)``).
    """
    (s_start, _), (l_start, l_end) = definition.data["spans"]["short"], definition.data["spans"]["long"]
    around = near.around(l_start - LIST_GAP, l_end)
    inside = [m for m in around if l_start <= m.start and m.end <= l_end]
    listed = l_end <= s_start and any(l_start - LIST_GAP <= m.end <= l_start for m in around)
    if len(inside) != 1 or listed or inside[0].data.get("type") == "generic":
        return None
    if inside[0].text.isascii() and not _letters_in_order(definition.data["short"], inside[0].text):
        return None
    m = inside[0]
    return m if (m.end == l_end if l_end <= s_start else m.start == l_start) else None


class _Near:
    """Drug and regimen mentions by position, so each definition looks only at its neighbours."""

    def __init__(self, mentions: list[Mention]):
        self.mentions = sorted((m for m in mentions if m.label in DEFINABLE), key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]
        self.longest = max((m.end - m.start for m in self.mentions), default=0)

    def around(self, start: int, end: int) -> list[Mention]:
        """The mentions overlapping or ending inside start..end."""
        first = bisect_right(self.starts, start - self.longest - 1)
        return [m for m in self.mentions[first:bisect_right(self.starts, end)] if m.end >= start]


def _letters_in_order(short: str, long: str) -> bool:
    """Whether every letter of an abbreviation appears in the long form, in order."""
    rest = iter(long.lower())
    return all(ch in rest for ch in short.lower() if ch.isalpha())


def _occurrences(text: str, short: str):
    """Where a defined short form is written: as a whole word (HZ-310, not HZ-3100)."""
    for match in regex.finditer(regex.escape(short), text):
        if not _inside_word(text, *match.span()):
            yield match.span()


def _overlaps(spans: list[tuple[int, int]], starts: list[int], m: Mention) -> bool:
    """Whether a mention overlaps any of the sorted spans (bisection: spans may be many)."""
    i = bisect_right(starts, m.start)
    return i > 0 and spans[i - 1][1] > m.start or i < len(spans) and spans[i][0] < m.end


def apply_definitions(text: str, mentions: list[Mention]) -> list[Mention]:
    """Per article: a name the article defines (``芳香化酶抑制剂(AI)``, ``HZ-310是Y的生物类似药``)
    means what the article says wherever it is written, over the lexicon's reading (``AI`` the
    sarcoma regimen) and where the lexicon knows nothing (a drug code). A later definition of the
    same name takes over from its own position. Unused definitions leave no mention."""
    definitions = [m for m in mentions if m.label == DEFINITION]
    if not definitions:
        return mentions
    kept = [m for m in mentions if m.label != DEFINITION]
    near = _Near(kept)
    by_name: dict[str, list[tuple[int, Mention, Mention]]] = {}
    for d in definitions:
        target = _defined(d, near)
        if target is not None:
            by_name.setdefault(d.data["short"], []).append((d.start, d, target))
    added, covered = [], []
    for short, defs in by_name.items():
        for start, end in _occurrences(text, short):
            if any(m.start <= start and end <= m.end and m.end - m.start > end - start
                   for m in near.around(start, end)):
                continue  # inside a longer name (the short form cut from the full one)
            _, d, target = next((x for x in reversed(defs) if x[0] <= start), defs[0])
            added.append(Mention(start, end, target.label, short, target.norm, d.rule, target.priority,
                                 {**target.data, "defined_by": d.text}))
            covered.append((start, end))
        added += [d for _, d, _ in defs]
    covered.sort()
    starts = [start for start, _ in covered]
    kept = [m for m in kept if m.label in FRAME_LABELS or m.label == "CITE" or not _overlaps(covered, starts, m)]
    return sorted(kept + added, key=lambda m: (m.start, -m.end, m.label))


def resolve(doc: Doc) -> Doc:
    """Settle overlaps: one reading per stretch of text."""
    doc._.mentions = resolve_overlaps(doc._.mentions or [])
    return doc


@Language.factory("medmine_lexicon", default_config={"rules_dir": ""})
def make_lexicon(nlp: Language, name: str, rules_dir: str) -> LexiconRecognizer:
    return LexiconRecognizer(nlp, rules_dir)


@Language.factory("medmine_patterns", default_config={"rules_dir": ""})
def make_patterns(nlp: Language, name: str, rules_dir: str) -> PatternRecognizer:
    return PatternRecognizer(nlp, rules_dir)


@Language.component("medmine_resolve")
def make_resolve(doc: Doc) -> Doc:
    return resolve(doc)
