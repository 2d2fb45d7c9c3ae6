"""Treatments and arms: drugs joined into regimens, regimens defined, groups resolved.

A treatment is a run of drug and regimen mentions joined by connectors
(``+``, ``/``, 联合, 序贯 ...): ``仑伐替尼+IE方案`` is one treatment whose drugs are
the regimen's drugs plus lenvatinib. ``X或Y`` of two drugs of one class becomes
the class (顺铂或卡铂 -> platinum). A treatment next to a bracketed one defines
it (``IE方案(IFO+依托泊苷)``), and a group label next to a bracketed treatment is
defined by it (``联合治疗组(阿帕替尼+IE方案)``); both definitions hold for the
rest of the article.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import regex

from ..recognizing import Mention
from .text import Sentence
from .words import Words

RANDOMISED_GAP = 4  # 随机接受X或Y: characters from 随机 to the first of the drugs it randomises between
AGENT_LABELS = {"DRUG", "REGIMEN"}
CONNECTOR_CHARS = {"+", "/"}


@dataclass(slots=True)
class Treatment:
    start: int
    end: int
    text: str
    drugs: tuple[str, ...]
    named: bool = False          # contains a named regimen (IE方案)
    generic: bool = False        # 含IFO方案: a family of regimens, not one
    definition: str = ""
    label: str = ""              # set when this is a group label (联合治疗组)
    role: str = ""               # experimental / control / placebo ... for undefined labels
    specific: bool = True        # names at least one specific drug (not only 化疗)
    rules: list[str] = field(default_factory=list)
    agents: list[Mention] = field(default_factory=list, repr=False)
    arm: bool = True             # False for a regimen spelled out only to define it
    parts: tuple[tuple[str, ...], ...] = ()  # a label over several treatments: the drugs of each

    @property
    def key(self) -> str:
        return "+".join(self.drugs)


def _drugs_of(m: Mention, defined: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if m.label == "REGIMEN" and m.text in defined:
        return defined[m.text]
    return tuple(m.data.get("drugs", [m.norm]))


SEPARATING = {"GROUP", "ARM_LABEL", "ALIAS_CUE", "OR", "VS"}  # a bracket naming an arm ends a treatment
ASIDE = regex.compile(r"[(（][^()（）]*[)）]")


def _without_asides(text: str, start: int, gap: list[Mention]) -> tuple[str, list[Mention]]:
    """The gap with bracketed asides blanked out, and the mentions left outside them."""
    asides = [(start + m.start(), start + m.end()) for m in ASIDE.finditer(text)]
    asides = [(a, b) for a, b in asides if not any(a <= m.start and m.end <= b and m.label in SEPARATING for m in gap)]
    for a, b in reversed(asides):
        text = text[:a - start] + " " + text[b - start:]
    return text, [m for m in gap if not any(a <= m.start and m.end <= b for a, b in asides)]


def _repeats(run: list[Mention], m: Mention) -> bool:
    return any(a.norm == m.norm for a in run)


def _gap_kind(text: str, start: int, gap: list[Mention]) -> str | None:
    """Classify what stands between two agents: a connector, an 'or', an 'and', or nothing joinable.

    A bracketed aside (``卡铂（AUC 5）+培美曲塞``, ``纳武利尤单抗（O药）3 mg/kg联合``) is skipped.
    """
    rest, gap = _without_asides(text, start, gap)
    for m in gap:
        rest = rest.replace(m.text, " ", 1)
    rest = rest.strip()
    labels = {m.label for m in gap if m.label not in {"DOSE", "MODIFIER"}}
    if rest and rest not in CONNECTOR_CHARS and rest != "、":
        return None
    if labels <= {"COMBINE"} and (labels or rest in CONNECTOR_CHARS):
        return "combine"
    if labels == {"OR"}:
        return "or"
    if labels == {"AND"} or (not labels and rest == "、"):
        return "and"
    if not labels and not rest:
        return "combine"
    return None


class TreatmentBuilder:
    """Builds treatments sentence by sentence, remembering definitions across the article."""

    def __init__(self, text: str, words: Words):
        self.text = text
        self.words = words
        self.class_names = words.class_names
        self.defined: dict[str, tuple[str, ...]] = {}
        self.definitions: dict[str, str] = {}
        self.groups: dict[str, Treatment] = {}

    def _extend_suffix(self, end: int) -> int:
        """``IE`` + ``方案`` is written as one name; include the suffix in the text."""
        gap = len(self.text[end:end + 1]) - len(self.text[end:end + 1].lstrip())
        for suffix in self.words.regimen_suffix:
            if self.text.startswith(suffix, end + gap):
                return end + gap + len(suffix)
        return end

    def _runs(self, sentence: Sentence) -> list[Treatment]:
        runs: list[Treatment] = []
        current: list[Mention] = []
        joins: list[str] = []
        pending: list[Mention] = []
        for m in sentence.mentions:
            if m.label not in AGENT_LABELS:
                if current:
                    pending.append(m)
                continue
            if current:
                kind = _gap_kind(self.text[current[-1].end:m.start], current[-1].end, pending)
                if kind == "and" and ("combine" not in joins or self._starts_combination(sentence, m)
                                      or _repeats(current, m)):
                    kind = None  # 比较安罗替尼联合多西他赛与多西他赛单药: the drug again starts the other arm
                if kind == "or" and (not self._same_class(current[-1], m) or self._randomised(sentence, joins, current[0])
                                     and not self._bracketed_at(sentence, m.start)):
                    kind = None
                if kind is None:
                    runs.append(self._make(current, joins, sentence))
                    current, joins = [], []
                elif m.norm == "chemotherapy" and not self.text[current[-1].end:m.start].strip():
                    continue  # FU化疗, 含铂化疗: the drug's chemotherapy, not a second agent
                elif self._apposition(current[-1], m):
                    current.pop()  # PD-L1抑制剂阿替利珠单抗: the class names the drug that follows
                else:
                    joins.append(kind)
            current.append(m)
            pending = []
        if current:
            runs.append(self._make(current, joins, sentence))
        return runs

    def _apposition(self, previous: Mention, m: Mention) -> bool:
        return previous.data.get("type") == "class" and not self.text[previous.end:m.start].strip() \
            and m.data.get("type") == "drug" and m.data.get("class") == previous.data.get("class")

    @staticmethod
    def _starts_combination(sentence: Sentence, m: Mention) -> bool:
        """``A联合B及C联合D``: the agent after 及 opens a second treatment."""
        after = [x for x in sentence.mentions if x.start >= m.end]
        return bool(after) and after[0].label == "COMBINE"

    def _bracketed_at(self, sentence: Sentence, offset: int) -> bool:
        """``两组均联合NSAI（阿那曲唑或来曲唑）``: an alternative spelled out in brackets is a class."""
        before = self.text[sentence.start:offset]
        return before.count("(") + before.count("（") > before.count(")") + before.count("）")

    @staticmethod
    def _randomised(sentence: Sentence, joins: list[str], m: Mention) -> bool:
        """``随机接受阿昔替尼或舒尼替尼``: two single drugs a study randomises between are its arms, not a class."""
        return "combine" not in joins and any(d.norm == "randomized" and 0 <= m.start - d.end <= RANDOMISED_GAP
                                              for d in sentence.labelled("DESIGN"))

    def _same_class(self, a: Mention, b: Mention) -> bool:
        return a.label == b.label == "DRUG" and a.data.get("class") == b.data.get("class") \
            and a.data.get("class") in self.class_names

    def _make(self, agents: list[Mention], joins: list[str], sentence: Sentence) -> Treatment:
        drugs: set[str] = set()
        for i, m in enumerate(agents):
            if i > 0 and joins[i - 1] == "or":
                drugs.discard(agents[i - 1].norm)
                drugs.add(m.data["class"])
            else:
                drugs.update(_drugs_of(m, self.defined))
        start, end = agents[0].start, self._extend_suffix(agents[-1].end)
        prefix = [m for m in sentence.mentions if m.label == "GENERIC_PREFIX" and m.end == start]
        specific = any(m.label == "REGIMEN" or m.data.get("type") == "drug" for m in agents)
        return Treatment(start, end, self.text[start:end], tuple(sorted(drugs)),
                         named=any(m.label == "REGIMEN" for m in agents), generic=bool(prefix),
                         specific=specific, rules=sorted({m.rule for m in agents}), agents=agents)

    def _bracketed(self, first_end: int, second: Treatment) -> bool:
        between = self.text[first_end:second.start].strip()
        return between in {"(", "（"} and self.text[second.end:second.end + 1] in {")", "）"}

    def _merge_definitions(self, runs: list[Treatment]) -> list[Treatment]:
        """``IE方案(IFO+依托泊苷)`` and ``IFO+多柔比星(AI方案)``: one treatment, defined."""
        merged: list[Treatment] = []
        for run in runs:
            prev = merged[-1] if merged else None
            if prev and self._bracketed(prev.end, run):
                if prev.named and len(run.drugs) > 1:
                    merged.extend(self._define(prev, run))
                    continue
                if run.named and len(run.agents) == 1 and len(prev.drugs) > 1:
                    self.defined[run.agents[0].text] = prev.drugs
                    prev.definition, prev.text = prev.text, run.text
                    prev.named, prev.rules = True, sorted(set(prev.rules + ["link.regimen-definition"]))
                    continue
            merged.append(run)
        return merged

    def _define(self, named: Treatment, body: Treatment) -> list[Treatment]:
        """The bracket spells out the last regimen of the named treatment."""
        regimen = [m for m in named.agents if m.label == "REGIMEN"][-1]
        self.defined[regimen.text] = body.drugs
        rules = sorted(set(named.rules + ["link.regimen-definition"]))
        own = set(regimen.data.get("drugs", []))
        others = {d for m in named.agents if m is not regimen for d in _drugs_of(m, self.defined)}
        named.drugs = tuple(sorted(others | set(body.drugs) | (set(named.drugs) - own - others)))
        named.rules = rules
        if len(named.agents) == 1:
            named.definition = body.text
            return [named]
        end = self._extend_suffix(regimen.end)
        alone = Treatment(regimen.start, end, self.text[regimen.start:end], body.drugs, named=True,
                          definition=body.text, rules=rules, agents=[regimen], arm=False)
        return [named, alone]

    def treatments(self, sentence: Sentence) -> list[Treatment]:
        """The treatments of a sentence, in order, with definitions applied."""
        return self._merge_definitions(self._runs(sentence))

    def arms(self, sentence: Sentence, treatments: list[Treatment]) -> list[Treatment]:
        """Arm mentions of a sentence: group labels (resolved) and plain treatments."""
        arms: list[Treatment] = []
        for t in treatments:
            suffix = next((s for s in self.words.group_suffix if self.text.startswith(s, t.end)), "")
            if suffix:
                label = self.text[t.start:t.end + len(suffix)]
                group = Treatment(t.start, t.end + len(suffix), label, t.drugs, label=label,
                                  specific=t.specific, rules=t.rules + ["link.treatment-group"])
                self.groups.setdefault(label, group)
                arms.append(group)
            elif not t.generic and t.arm:
                arms.append(t)
        for g in sentence.labelled("GROUP"):
            joined = self._joined_group(g, treatments, sentence)
            arms.append(joined or self._group(g, treatments, sentence))
        return sorted(arms, key=lambda a: a.start)

    def _joined_group(self, g: Mention, treatments: list[Treatment], sentence: Sentence) -> Treatment | None:
        """``伊马替尼治疗组``, ``阿得贝利单抗联合化疗组``: a treatment written into a group label."""
        for t in treatments:
            gap = [m for m in sentence.mentions if t.end <= m.start and m.end <= g.start]
            between = self.text[t.end:g.start]
            for m in gap:
                between = between.replace(m.text, "", 1)
            if t.end <= g.start and all(m.label == "COMBINE" for m in gap) and not between.strip():
                extra = {g.norm} if g.norm in {"chemotherapy", "placebo"} else set()
                label = self.text[t.start:g.end]
                group = Treatment(t.start, g.end, label, tuple(sorted(set(t.drugs) | extra)), label=label,
                                  specific=t.specific, rules=t.rules + [g.rule, "link.joined-group"])
                self.groups.setdefault(label, group)
                return group
        return None

    def _verb_defines(self, g: Mention, t: Treatment, sentence: Sentence) -> bool:
        """``试验组(410例)接受帕博利珠单抗+培美曲塞``: a label, an optional bracket, a verb, a treatment."""
        between = self.text[g.end:t.start]
        verbs = [m for m in sentence.labelled("DEFINE_VERB") if g.end <= m.start and m.end <= t.start]
        if not verbs or len(between) > 20 or any(m.label == "GROUP" for m in sentence.mentions
                                                   if g.end <= m.start < t.start):
            return False
        rest = regex.sub(r"^\s*\([^()]*\)\s*", "", between).replace(verbs[0].text, "", 1)
        return not rest.strip()

    def _group(self, g: Mention, treatments: list[Treatment], sentence: Sentence) -> Treatment:
        """Resolve a group label: defined here, defined earlier, or known only by its role."""
        role = g.norm if g.norm in {"experimental", "control", "placebo", "chemotherapy", "other"} else ""
        for t in sorted(treatments, key=lambda t: -t.start):
            if self._bracketed(g.end, t) or self._labels_in_brackets(t, g) or self._verb_defines(g, t, sentence):
                defined = Treatment(g.start, g.end, g.text, t.drugs, label=g.text, specific=t.specific, role=role,
                                    definition=t.text, rules=t.rules + ["link.group-definition"])
                self.groups[g.text] = defined
                return defined
        if g.text in self.groups:
            known = self.groups[g.text]
            return Treatment(g.start, g.end, g.text, known.drugs, label=g.text, specific=known.specific,
                             role=role, rules=known.rules + ["link.group-reuse"])
        drugs = (role,) if role in {"placebo", "chemotherapy"} else ()
        return Treatment(g.start, g.end, g.text, drugs, label=g.text, role=role, specific=False,
                         rules=[g.rule])

    def _labels_in_brackets(self, t: Treatment, g: Mention) -> bool:
        """``索拉非尼(n=464, A组)``: the label sits inside the bracket after the treatment."""
        between = self.text[t.end:g.start]
        return 0 < len(between) <= 30 and "(" in between and ")" not in between.split("(")[-1] \
            and self.text[g.end:g.end + 1] == ")"
