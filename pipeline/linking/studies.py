"""Study records: whose numbers are they?

A study is a value that lives from the sentence that introduces it until a
heading or a new study cue: its ordered arms (any number), each with its drugs,
its role and every name the text gives it, plus the frame mentions (trial,
phase, design, n, disease, setting, follow-up, venue) stated anywhere in it.
Design sentences and label definitions build the arms; dosing and component
sentences never change them; a sentence that gives values for named arms
re-sets the pairing that unnamed numbers (``两组…分别为``) are laid over.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..recognizing import Mention
from .text import Sentence
from .treatments import Treatment

CONTROL_ROLES = {"control", "placebo", "chemotherapy"}


@dataclass(slots=True)
class Arm:
    """One arm of a study: drugs (sorted canonical names), role, and the names it goes by."""

    drugs: tuple[str, ...]
    text: str
    names: list[str] = field(default_factory=list)
    role: str = ""
    specific: bool = True
    rules: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return "+".join(self.drugs)

    def as_treatment(self, start: int, end: int, text: str, rule: str) -> Treatment:
        """This arm seen at a place in the text (a label, an alias, a count of arms)."""
        return Treatment(start, end, text, self.drugs, label=text, role=self.role, specific=self.specific,
                         rules=sorted(set(self.rules + [rule])))


def _is_control(arm: Arm) -> bool:
    return arm.role in CONTROL_ROLES or "placebo" in arm.drugs


def arm_of(t: Treatment) -> Arm:
    names = [t.label] if t.label else []
    return Arm(t.drugs, t.label or t.text, names, t.role, t.specific, list(t.rules))


@dataclass(slots=True)
class Study:
    """What the text has said so far about one study."""

    index: int
    heading: Sentence | None = None
    arms: list[Arm] = field(default_factory=list)
    pairing: list[Arm] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    current: Treatment | None = None     # the treatment of a study known only by its numbers
    design_sentence: Sentence | None = None
    rows: int = 0
    trial: str = ""
    endpoint: Mention | None = None     # the last endpoint named: an HR of the next sentence is its ratio
    cited: set[str] = field(default_factory=set)   # reference numbers its sentences cite
    settled: bool = True                 # 化疗 in the arms is expanded, or known to be a choice

    def mentions(self, *labels: str) -> list[Mention]:
        return [m for s in self.sentences for m in s.labelled(*labels)]

    def first(self, label: str) -> Mention | None:
        found = self.mentions(label)
        return found[0] if found else None

    def add(self, sentence: Sentence) -> None:
        """A sentence of the study: its trial name (the first given) and citations are kept at hand."""
        self.sentences.append(sentence)
        names = sentence.labelled("TRIAL")
        self.trial = self.trial or (names[0].norm if names else "")
        self.cited.update(r for m in sentence.labelled("CITE") for r in m.norm.split(";"))

    def ordered(self, count: int | None = None) -> list[Arm]:
        """The arms ``count`` unnamed numbers are laid over (``两组…分别为``).

        Experimental arms first and controls last where the study says which is which;
        otherwise, or for a subset of the arms, the order of the last sentence that named them.
        """
        by_role = sorted(self.arms, key=_is_control)
        if count is None or count == len(self.arms):
            if any(_is_control(a) for a in self.arms) or len(self.pairing) != len(self.arms):
                return by_role
            return self.pairing
        return self.pairing if len(self.pairing) == count else by_role

    def by_name(self, name: str) -> Arm | None:
        return next((a for a in self.arms if name in a.names), None)

    def by_role(self, role: str) -> Arm | None:
        """试验组/对照组 never defined: the experimental arm is the first, the control the last."""
        found = next((a for a in self.arms if a.role == role), None)
        if found is None and len(self.arms) >= 2 and role in {"experimental", "control", "placebo"}:
            ordered = self.ordered()
            found = ordered[0] if role == "experimental" else ordered[-1]
        return found

    def by_drugs(self, drugs: tuple[str, ...]) -> Arm | None:
        """An arm written by its treatment: the arm with those drugs, else the one arm that contains them."""
        exact = [a for a in self.arms if a.drugs == drugs]
        if exact:
            return exact[0]
        wanted = set(drugs) - {"chemotherapy"}
        containing = [a for a in self.arms if wanted and wanted <= set(a.drugs)]
        return containing[0] if len(containing) == 1 else None

    def set_arms(self, arms: list[Arm], sentence: Sentence) -> None:
        """A design sentence: the arms in the order introduced, controls last in the pairing."""
        self.arms = arms
        self.pairing = []
        self.design_sentence = self.design_sentence or sentence

    def define(self, arm: Arm) -> None:
        """A label defined outside the design sentence: the arm of that name or role takes its drugs."""
        role = arm.role if arm.role in {"experimental", "control", "placebo"} else ""
        known = self.by_name(arm.text) or (self.by_role(role) if role else None)
        if known is None:
            if len(self.arms) < 2:
                self.arms.append(arm)
            return
        known.drugs, known.specific = arm.drugs, arm.specific
        known.rules = sorted(set(known.rules + arm.rules))
        self.name_arm(known, arm.text)

    def name_arm(self, arm: Arm, name: str) -> None:
        if name and name not in arm.names:
            arm.names.append(name)
