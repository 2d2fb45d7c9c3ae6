"""Study frames: which sentences report one study, and what is known about it.

A review strings studies one after another, each closed by its citation marker
(``...中位PFS达6.0个月[4]。``); a news item spreads one study over several
paragraphs. So a frame (segment) starts at a sentence that introduces a study
(a trial name, 一项…研究, a phase) or after a sentence closed by a citation, and
otherwise runs on across paragraphs. Trial name, phase, design, n, setting,
follow-up and venue stated anywhere in the frame apply to all its numbers;
disease and setting carry over from the previous frame of the same paragraph.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..recognizing import Mention
from .results import Context
from .text import DocView, Sentence
from .treatments import Treatment

START_CUES = {"TRIAL", "STUDY_INTRO", "PHASE"}
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV"}


@dataclass(slots=True)
class Segment:
    index: int
    block: int
    sentences: list[Sentence] = field(default_factory=list)
    ctx: Context = field(default_factory=Context)
    closed: bool = False
    heading: Sentence | None = None
    inherited_setting: str = ""
    parent: "Segment | None" = None    # the named study this one goes on describing

    def frame(self, *labels: str) -> list[Mention]:
        """Mentions of the frame, including those of the named study it continues."""
        own = self.mentions(*labels)
        return own + self.parent.frame(*labels) if self.parent is not None else own

    def frame_first(self, label: str) -> Mention | None:
        found = self.frame(label)
        return found[0] if found else None

    def mentions(self, *labels: str) -> list[Mention]:
        return [m for s in self.sentences for m in s.labelled(*labels)]

    def first(self, label: str) -> Mention | None:
        found = self.mentions(label)
        return found[0] if found else None

    @property
    def has_study_cue(self) -> bool:
        return bool(self.mentions("TRIAL", "STUDY_INTRO", "PHASE", "N", "STUDY", "DESIGN", "GROUP"))


def closes_with_citation(text: str, sentence: Sentence) -> bool:
    """A sentence that ends on its citation marker closes a review's study."""
    cites = sentence.labelled("CITE")
    return bool(cites) and not text[cites[-1].end:sentence.end].strip(" 。;；.\n")


def segments(view: DocView) -> list[Segment]:
    """Group the body sentences into study frames."""
    out: list[Segment] = []
    previous: Sentence | None = None
    heading: Sentence | None = None
    for sentence in view.sentences:
        if view.blocks[sentence.block].kind != "paragraph":
            heading = sentence
            if out:
                out[-1].closed = True
            continue
        current = out[-1] if out else None
        cue_labels = {m.label for m in sentence.mentions}
        starts_study = bool(cue_labels & START_CUES)
        new_trial = any(m.label == "TRIAL" for m in sentence.mentions) and current is not None \
            and current.first("TRIAL") is not None \
            and current.first("TRIAL").norm not in {m.norm for m in sentence.labelled("TRIAL")}
        if current is None or current.closed or new_trial or (starts_study and _has_numbers(current)):
            parent = current if current is not None and current.closed and not starts_study \
                and current.heading is heading and (current.frame_first("TRIAL") is not None or (
                    current.mentions("STUDY_INTRO", "PHASE", "N") and not _has_numbers(current))) else None
            current = Segment(len(out), sentence.block, heading=heading, parent=parent)
            out.append(current)
        elif previous is not None and sentence.block != previous.block and starts_study:
            current = Segment(len(out), sentence.block, heading=heading)
            out.append(current)
        current.sentences.append(sentence)
        current.closed = closes_with_citation(view.text, sentence)
        previous = sentence
    return out


def _has_numbers(segment: Segment) -> bool:
    """Whether a frame already reports results (an endpoint and a number)."""
    return bool(segment.mentions("VALUE", "HR", "NR")) and bool(segment.mentions("ENDPOINT"))


def phase_of(m: Mention | None) -> str:
    if m is None:
        return ""
    low = m.data.get("num") or m.data.get("num2", "")
    high = m.data.get("high") or m.data.get("high2", "")
    low, high = ROMAN.get(low, low), ROMAN.get(high, high)
    return f"{low}/{high}" if high else low


def disease_of(segment: Segment) -> str:
    """The population's disease: named where the study's numbers are, else anywhere in the frame.

    Several subtypes of one parent (UPS, SS, MLPS) give the parent.
    """
    reporting = [s for s in segment.sentences
                 if {m.label for m in s.mentions} & {"VALUE", "HR", "NR", "STUDY_INTRO", "TRIAL", "PHASE", "N"}]
    for sentences in (reporting, segment.sentences, [segment.heading] if segment.heading else []):
        found = [m for s in sentences for m in s.mentions if m.label == "DISEASE"]
        if found:
            return _common_disease(found)
    return ""


def _common_disease(found: list[Mention]) -> str:
    names = list(dict.fromkeys(m.norm for m in found))
    parents = {m.data.get("parent", "") for m in found} - {""}
    children = [n for n in names if n not in parents]
    if len(children) > 1 and len(parents) == 1:
        return parents.pop()
    return names[0]


def venue_of(m: Mention | None) -> str:
    if m is None:
        return ""
    year = m.data.get("year") or m.data.get("year2", "")
    conf = m.data.get("conf") or m.data.get("conf2", "")
    return f"{year} {conf}".strip()


def followup_of(m: Mention | None, words) -> str:
    if m is None:
        return ""
    value = float(m.data["num"]) * (12 if words.unit(m.data.get("unit", "")) == "year" else 1)
    return f"{value:g}"


def refresh_context(segment: Segment, sentence: Sentence, arms: list[Treatment], had_values: bool) -> None:
    """After a sentence: remember the study's treatment and, from a design sentence, its arms."""
    arms = [a for a in arms if not _prior(sentence, a)]
    specific = [a for a in arms if a.specific and not a.generic]
    if specific:
        segment.ctx.current = specific[-1]
    distinct: list[Treatment] = []
    for a in arms:
        if a.drugs and all(a.text != b.text and (a.key != b.key or a.label) for b in distinct):
            distinct.append(a)
    comparative = {m.label for m in sentence.mentions} & {"VS", "OR", "GROUP"} or \
        any(m.norm == "randomized" for m in sentence.labelled("DESIGN"))
    labelled = [a for a in distinct if a.label]
    if not had_values and len(distinct) >= 2 and comparative:
        segment.ctx.arms = _compared(sentence, distinct) or (labelled if len(labelled) >= 2 else distinct)[:2]


def _compared(sentence: Sentence, arms: list[Treatment]) -> list[Treatment]:
    """``接受培唑帕尼或安慰剂``, ``A对比B``: the two treatments on either side of 或/对比."""
    for cue in sentence.labelled("OR", "VS"):
        before = [a for a in arms if a.end <= cue.start and cue.start - a.end <= 3]
        after = [a for a in arms if a.start >= cue.end and a.start - cue.end <= 3]
        if before and after:
            return [before[-1], after[0]]
    return []


def _prior(sentence: Sentence, arm: Treatment) -> bool:
    """``既往接受过铂类化疗``, ``曲妥珠单抗治疗失败``: a prior therapy is not the study's treatment."""
    clause = sentence.clause_of(arm.start)
    for cue in sentence.labelled("PRIOR") + [m for m in sentence.labelled("SETTING") if m.norm == "relapsed/refractory"]:
        if sentence.clause_of(cue.start) == clause and (cue.end <= arm.start or cue.start - arm.end <= 4):
            return True
    return False


def add_on_arms(arms: list[Treatment], primary: Treatment | None) -> None:
    """``X联合TC方案`` randomised as ``X (A组)`` vs ``安慰剂 (B组)``: both arms keep the backbone."""
    if primary is None or len(arms) != 2:
        return
    first, second = arms
    if second.drugs == ("placebo",) and first.drugs and set(first.drugs) < set(primary.drugs):
        second.drugs = tuple(sorted(set(primary.drugs) - set(first.drugs) | {"placebo"}))
        first.drugs = primary.drugs


def with_backbone(arms: list[Treatment], backbone: Treatment | None) -> list[Treatment]:
    """``阿得贝利单抗联合化疗``: 化疗 is the chemotherapy the study names (依托泊苷和卡铂)."""
    if backbone is None:
        return arms
    resolved = []
    for a in arms:
        if "chemotherapy" in a.drugs and (a.label or len(a.drugs) > 1):
            drugs = tuple(sorted(set(a.drugs) - {"chemotherapy"} | set(backbone.drugs)))
            a = replace(a, drugs=drugs, rules=a.rules + ["link.chemotherapy-backbone"])
        resolved.append(a)
    return resolved


def resolve_roles(arms: list[Treatment], ctx: Context) -> list[Treatment]:
    """试验组/对照组 never defined: they are the study's first and second arm."""
    resolved = []
    for a in arms:
        if a.role == "other" and not a.drugs and ctx.current is not None:
            # 手术组 / 非手术组 of a study of one drug: both arms get it
            a = Treatment(a.start, a.end, a.text, ctx.current.drugs, label=a.label, specific=False,
                          rules=a.rules + ["link.group-study-treatment"])
        elif a.role in {"experimental", "control"} and not a.drugs and len(ctx.arms) >= 2:
            source = ctx.arms[0] if a.role == "experimental" else ctx.arms[1]
            a = Treatment(a.start, a.end, a.text, source.drugs, label=a.label, specific=source.specific,
                          rules=a.rules + ["link.group-role"])
        resolved.append(a)
    return resolved
