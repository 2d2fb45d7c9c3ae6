"""The actions relations name: a match plus the study record -> outcome rows.

Each action is small and says only how the numbers of a match are laid over
arms, endpoints or time points; what each number is comes from ``values.Reader``
and whose arm is which from the study record (``Scene.pairing``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..records import Outcome
from ..rules import RELATION_ACTIONS
from .relations import Item, Match
from .studies import CONTROL_ROLES, Arm, Study
from .text import Sentence
from .treatments import Treatment
from .values import Reader


@dataclass
class Scene:
    """What an action sees of one sentence: its reader, its arm items, its study."""

    sentence: Sentence
    reader: Reader
    study: Study
    arms: list[Item]                       # ARM items, resolved, in text order
    study_arm: dict[int, Arm]              # id(treatment) -> the study's arm it names
    refs: set[int]                         # id(treatment) of reference arms (与X相比)
    default: Treatment | None
    listed: list[tuple[Item, Item | None]] = field(default_factory=list)  # last endpoint list (elided lists)
    compared: list[Treatment] = field(default_factory=list)  # arms given values here, in order
    explicit: set[int] = field(default_factory=set)          # id(row) whose arm is written in the sentence

    def arm_before(self, offset: int) -> Treatment | None:
        """The nearest arm written before a number, unless a 但/而 clause separates them."""
        before = [i.ref for i in self.arms if i.end <= offset]
        if not before:
            if any(m.start < offset for m in self.sentence.labelled("CONTRAST")) or len(self.study.arms) >= 2:
                return None  # in a study of several arms, a number without an arm is pooled
            return self.default
        nearest = before[-1]
        if any(nearest.end <= m.start < offset for m in self.sentence.labelled("CONTRAST")):
            return None
        if not (nearest.specific or nearest.label) and self.default is not None and self.default.specific \
                and len(self.study.arms) < 2:
            return self.default  # 含铂治疗后复发: a class named in passing is not the study's treatment
        return nearest

    def pairing(self, count: int, before: int) -> list[Treatment]:
        """Arms for ``count`` numbers: the nearest named before them (references last), else the study's order."""
        named: list[Treatment] = []
        for item in self.arms:
            if item.end <= before and all(item.ref.key != t.key or item.ref.label != t.label for t in named):
                named.append(item.ref)
        refs = [t for t in named if id(t) in self.refs][:1]
        others = [t for t in named if id(t) not in self.refs]
        if count > len(refs) and len(others) >= count - len(refs):
            return others[len(others) - (count - len(refs)):] + refs
        ordered = self.study.ordered(count)
        study = [a.as_treatment(self.sentence.start, self.sentence.start, a.text, "link.study-arms") for a in ordered]
        if len(others) == 1 and len(study) == count:
            arm = self.study_arm.get(id(others[0]))
            rest = [t for t, a in zip(study, ordered) if a is not arm]
            if len(rest) == count - 1:
                return others + rest
        return study if len(study) == count else []

    def emit(self, value: Item, arm: Treatment | None, rule: str, explicit: bool,
             endpoint: Item | None = None, landmark: Item | None = None) -> Outcome | None:
        row = self.reader.row(value.ref, rule, endpoint.ref if endpoint else None,
                              landmark.ref if landmark else None)
        if row is None:
            return None
        if arm is not None:
            row.arm, row.drugs = arm.text, "+".join(arm.drugs)
            row.rules = sorted(set(row.rules + arm.rules))
            if explicit:
                self.explicit.add(id(row))
                if all(t.key != arm.key or t.text != arm.text for t in self.compared):
                    self.compared.append(arm)
        return row


Action = Callable[[Scene, Match], list[Outcome]]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn
    return register


def _values(match: Match) -> list[Item]:
    return match.get("values") or match.get("value")


def _slot_arm(match: Match) -> Treatment | None:
    arms = match.get("arm")
    return arms[-1].ref if arms else None


@action("single")
def single(scene: Scene, match: Match) -> list[Outcome]:
    """``ORR为36%``: the number's own endpoint, and the arm written before it (or the study's)."""
    rows = []
    for value in _values(match):
        arm = _slot_arm(match) or scene.arm_before(value.start)
        explicit = any(i.ref is arm for i in scene.arms)
        row = scene.emit(value, arm, match.relation.id, explicit, *match.get("endpoint")[-1:])
        rows += [row] if row else []
    return rows


@action("zip-endpoints")
def zip_endpoints(scene: Scene, match: Match) -> list[Outcome]:
    """``ORR、DCR和中位PFS分别为…``; with no endpoints written, the list of the sentence before it."""
    values = _values(match)
    endpoints = [e for i, e in enumerate(match.get("endpoints"))
                 if i == 0 or e.ref.norm != match.get("endpoints")[i - 1].ref.norm]  # 客观缓解率(ORR): one
    pairs = [(e, None) for e in endpoints] if endpoints else scene.listed
    if len(pairs) == 1 and len(values) > 1:
        return zip_arms(scene, Match(match.relation, {**match.slots, "endpoint": endpoints}))
    if len(pairs) != len(values):
        return single(scene, match)
    scene.listed = pairs
    arm = _slot_arm(match) or scene.arm_before(values[0].start)
    explicit = any(i.ref is arm for i in scene.arms)
    return [r for v, (e, lm) in zip(values, pairs) if (r := scene.emit(v, arm, match.relation.id, explicit, e, lm))]


@action("zip-landmarks")
def zip_landmarks(scene: Scene, match: Match) -> list[Outcome]:
    """``1年、2年OS率分别为72%和50%``: one time point per number, one endpoint for all."""
    values, landmarks, endpoint = _values(match), match.get("landmarks"), match.get("endpoint")
    if len(values) != len(landmarks) or not endpoint:
        return single(scene, match)
    scene.listed = [(endpoint[-1], lm) for lm in landmarks]
    arm = _slot_arm(match) or scene.arm_before(values[0].start)
    explicit = any(i.ref is arm for i in scene.arms)
    return [r for v, lm in zip(values, landmarks)
            if (r := scene.emit(v, arm, match.relation.id, explicit, endpoint[-1], lm))]


@action("zip-arms")
def zip_arms(scene: Scene, match: Match) -> list[Outcome]:
    """``A组和B组…分别为X和Y``, ``X vs Y``, ``两组…分别为``: the n-th number is the n-th arm's."""
    values = _values(match)
    named = [i.ref for i in match.get("arms")]
    arms = named if len(named) == len(values) else scene.pairing(len(values), values[0].start)
    if len(arms) != len(values):
        return single(scene, match)
    explicit = bool(named) or any(i.ref is arms[0] for i in scene.arms)
    return [r for v, a in zip(values, arms)
            if (r := scene.emit(v, a, match.relation.id, explicit, *match.get("endpoint")[-1:]))]


@action("each-arm")
def each_arm(scene: Scene, match: Match) -> list[Outcome]:
    """``两组中位OS均为6.0个月``: one number, one row per arm."""
    named = [i.ref for i in match.get("arms")]
    arms = named if len(named) >= 2 else [a.as_treatment(scene.sentence.start, scene.sentence.start, a.text,
                                                        "link.study-arms") for a in scene.study.ordered()]
    rows = []
    for value in _values(match):
        for endpoint in match.get("endpoint") or [None]:
            for arm in arms or [None]:
                row = scene.emit(value, arm, match.relation.id, bool(named), endpoint)
                rows += [row] if row else []
    return rows


def _experimental_control(scene: Scene, match: Match) -> tuple[Treatment | None, Treatment | None]:
    """The arm a comparison is about and the one it is against: a reference or control arm is the latter."""
    named = [i.ref for i in match.get("arms")] or [i.ref for i in scene.arms]
    control = next((t for t in named if id(t) in scene.refs), None) or next(
        (t for t in named if scene.study_arm.get(id(t)) is not None
         and scene.study_arm[id(t)].role in CONTROL_ROLES), None)
    others = [t for t in named if t is not control]
    if control is not None and others:
        return others[0], control
    if len(scene.compared) >= 2:
        return scene.compared[0], scene.compared[1]
    pair = scene.pairing(2, scene.sentence.start)
    if others and pair:
        return others[0], next((t for t in pair if t.key != others[0].key), pair[-1])
    return (pair[0], pair[1]) if len(pair) == 2 else (scene.default, None)


@action("from-to")
def from_to(scene: Scene, match: Match) -> list[Outcome]:
    """``由6.6个月延长至9.3个月``: the first number is the control's, the second the experimental arm's."""
    values = _values(match)
    experimental, control = _experimental_control(scene, match)
    if len(values) != 2 or experimental is None or control is None:
        return single(scene, match)
    return [r for v, a in zip(values, (control, experimental))
            if (r := scene.emit(v, a, match.relation.id, True, *match.get("endpoint")[-1:]))]


@action("hazard-ratio")
def hazard_ratio(scene: Scene, match: Match) -> list[Outcome]:
    """An HR is stated for one arm against another: the arm written before it, else the comparison's."""
    rows = []
    for value in _values(match):
        arm = _slot_arm(match)
        experimental, control = _experimental_control(scene, match)
        if arm is not None and id(arm) in scene.refs:
            arm = None
        arm = arm or experimental
        if control is not None and arm is not None and control.key == arm.key and control.text == arm.text:
            control = None
        row = scene.emit(value, arm, match.relation.id, False, *match.get("endpoint")[-1:])
        if row is None:
            continue
        if control is not None:
            row.comparator_drugs = "+".join(control.drugs)
            row.arm = f"{arm.text} vs {control.text}" if arm is not None else row.arm
        rows.append(row)
    return rows


missing = set(RELATION_ACTIONS) ^ set(ACTIONS)
assert not missing, f"relation actions declared and implemented differ: {missing}"
