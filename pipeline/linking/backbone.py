"""SCHEMA's 化疗 convention and shared backbones, applied to a study's arms when they are set.

``斯鲁利单抗+化疗或安慰剂+化疗，化疗为依托泊苷+卡铂``: a study that fixes one
chemotherapy regimen expands 化疗 into its drugs; a choice of regimens
(``GP方案或TP方案``) leaves it ``chemotherapy``. ``卡瑞利珠单抗或安慰剂联合TP方案``:
the arm written before 或 shares the backbone the placebo arm is given.
"""
from __future__ import annotations

from dataclasses import replace

from .studies import Arm
from .text import DocView, Sentence
from .treatments import Treatment, TreatmentBuilder
from .words import Words

CHEMO = "chemotherapy"


def _cytotoxic(t: Treatment, words: Words) -> set[str]:
    targeted = {d for m in t.agents if not (m.label == "REGIMEN" or m.data.get("class") in words.chemo_classes)
                for d in m.data.get("drugs", [m.norm])}
    return set(t.drugs) - targeted


def _is_choice(sentence: Sentence, t: Treatment, text: str) -> bool:
    """A regimen offered as one of several (``GP方案或TP方案``, ``XELOX或FOLFOX``)."""
    return any(0 <= m.start - t.end <= 8 or 0 <= t.start - m.end <= 8 for m in sentence.labelled("OR")
               if not (t.start <= m.start < t.end))


def backbone(sentences: list[Sentence], view: DocView, words: Words) -> tuple[tuple[str, ...] | None, bool]:
    """The one chemotherapy regimen a study names (two or more cytotoxics), and whether it offers a choice."""
    scout = TreatmentBuilder(view.text, words)
    for sentence in sentences:
        found = set()
        for t in scout.treatments(sentence):
            cytotoxic = _cytotoxic(t, words)
            if len(cytotoxic) > 1 and not {CHEMO, "placebo"} & cytotoxic:
                if _is_choice(sentence, t, view.text):
                    return None, True
                found.add(tuple(sorted(cytotoxic)))
        if len(found) > 1:
            return None, True  # 鳞癌为TC，非鳞癌为AP: one regimen per histology is a choice
        if found:
            return found.pop(), False
    return None, False


def _named_chemotherapy(a: Arm) -> bool:
    return CHEMO in a.drugs and bool(a.names or len(a.drugs) > 1)


def expand_chemotherapy(arms: list[Arm], fixed: tuple[str, ...]) -> list[Arm]:
    """化疗 in an arm replaced by the regimen the study fixes."""
    return [replace(a, drugs=tuple(sorted(set(a.drugs) - {CHEMO} | set(fixed))),
                    rules=a.rules + ["link.chemotherapy-backbone"]) if _named_chemotherapy(a) else a for a in arms]


def with_backbone(arms: list[Arm], sentence: Sentence, view: DocView, words: Words) -> tuple[list[Arm], bool]:
    """Arms of a design sentence with shared backbones added and 化疗 expanded where the paragraph fixes it;
    also whether the paragraph settles the question (a fixed regimen or a choice)."""
    arms = _shared_backbone(arms)
    if not any(_named_chemotherapy(a) for a in arms):
        return arms, True
    fixed, choice = backbone([s for s in view.sentences if s.block == sentence.block], view, words)
    return (expand_chemotherapy(arms, fixed), True) if fixed else (arms, choice)


def later_backbone(arms: list[Arm], sentence: Sentence, view: DocView, words: Words) -> tuple[list[Arm], bool]:
    """A later sentence of the study that fixes (or leaves open) its chemotherapy."""
    fixed, choice = backbone([sentence], view, words)
    return (expand_chemotherapy(arms, fixed), True) if fixed else (arms, choice)


def _shared_backbone(arms: list[Arm]) -> list[Arm]:
    """``X或安慰剂联合Y``: X alone against placebo+Y means X+Y against placebo+Y."""
    placebo = [a for a in arms if "placebo" in a.drugs and len(a.drugs) > 1]
    if len(placebo) != 1 or len(arms) != 2:
        return arms
    shared = set(placebo[0].drugs) - {"placebo"}
    return [replace(a, drugs=tuple(sorted(set(a.drugs) | shared)), rules=a.rules + ["link.shared-backbone"])
            if a is not placebo[0] and not set(a.drugs) & shared else a for a in arms]
