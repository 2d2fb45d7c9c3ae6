"""Arm mentions of a sentence, the labels and aliases the text defines for them, and design sentences.

Labels are learned from the text: ``（以下简称“双免组”）`` and ``（L+P组，n=355）``
name every treatment written since the previous arm of the sentence (dosing and
schedules in between), ``观察组在此基础上加用X`` is the other arm plus X, and a
name once defined is found again wherever it is written. A design sentence
(randomisation, 或, vs, a reference arm, label definitions) gives the study its
arms; a study cue with one treatment gives a single-arm study its arm.
"""
from __future__ import annotations

from dataclasses import replace

from .studies import Arm, Study, arm_of
from .text import Sentence
from .treatments import Treatment, TreatmentBuilder
from .words import Words

QUOTES = "“”\"'「」『』‘’"
NAME_STOPS = set("()（）,，;；。:：、 ") | set(QUOTES)
DESIGN_CUES = {"OR", "VS", "REF_BEFORE", "REF_AFTER", "ALIAS_CUE", "ARM_LABEL", "ADD_ON"}
REUSED = {"link.group-reuse", "link.alias-reuse"}  # a label defined before is no new design
DEFINING_CUES = {"ALIAS_CUE", "ARM_LABEL", "ADD_ON"}
STUDY_CUES = {"TRIAL", "STUDY_INTRO", "STUDY_BACK", "PHASE", "N"}
REF_WINDOW = 3


class ArmFinder:
    """Finds arm mentions sentence by sentence; aliases learned hold for the rest of the article."""

    def __init__(self, text: str, words: Words, builder: TreatmentBuilder):
        self.text = text
        self.words = words
        self.builder = builder
        self.aliases: dict[str, Treatment] = {}

    def find(self, sentence: Sentence, treatments: list[Treatment]) -> list[Treatment]:
        """Arm mentions in text order: treatments, group labels, aliases defined here or before."""
        arms = self.builder.arms(sentence, treatments)
        arms += self._definitions(sentence, treatments, arms)
        arms = self._add_on(sentence, arms)
        arms += self._known(sentence, arms)
        return _outermost(sorted(arms, key=lambda a: (a.start, -a.end)))

    # --- labels defined in this sentence ------------------------------------------------
    def _alias_name(self, end: int) -> tuple[str, int]:
        """The name written after 以下简称: quotes stripped, up to the closing bracket or comma."""
        i = end
        while i < len(self.text) and self.text[i] in QUOTES + "：: ":
            i += 1
        j = i
        while j < len(self.text) and self.text[j] not in NAME_STOPS and j - i < 16:
            j += 1
        return self.text[i:j], j

    def _definitions(self, sentence: Sentence, treatments: list[Treatment], arms: list[Treatment]) -> list[Treatment]:
        out, boundary = [], sentence.start
        cues = sentence.labelled("ALIAS_CUE", "ARM_LABEL", "OR")
        for cue in cues:
            if cue.label == "OR":
                if not any(t.start <= cue.start < t.end for t in treatments):
                    boundary = max(boundary, cue.end)
                continue
            name, end = (cue.norm, cue.end) if cue.label == "ARM_LABEL" else self._alias_name(cue.end)
            if cue.label == "ALIAS_CUE" and _named_list(sentence, cue, arms):
                continue  # 下称试验组与对照组: names for the arms in order (design_arms)
            covered = [t for t in treatments if boundary <= t.start and t.end <= cue.start and t.arm]
            named = self._label_before(sentence, cue, out)
            if name and not covered and named is not None:
                # 标准治疗组（下称SOC组）, Pola-R-CHP组，以下简称Pola组: a second name of the same arm
                arm = replace(named, start=cue.start, end=end, text=name, label=name,
                              rules=sorted(set(named.rules) | {cue.rule, "link.label-alias"}))
                self.aliases[name] = self.builder.groups[name] = arm
                out.append(arm)
                boundary = end
                continue
            if not name or not covered:
                continue
            drugs = tuple(sorted({d for t in covered for d in t.drugs}))
            arm = Treatment(covered[0].start, end, name, drugs, label=name, parts=tuple(t.drugs for t in covered),
                            specific=any(t.specific for t in covered), definition=self.text[covered[0].start:cue.start],
                            rules=sorted({r for t in covered for r in t.rules} | {cue.rule, "link.label-definition"}))
            self.aliases[name] = arm
            self.builder.groups[name] = arm
            out.append(arm)
            boundary = end
        return out

    def _label_before(self, sentence: Sentence, cue, defined: list[Treatment]) -> Treatment | None:
        """The label written right before a naming cue: one just defined, or a group label."""
        if defined and 0 <= cue.start - defined[-1].end <= 2:
            return defined[-1]
        for g in sentence.labelled("GROUP"):
            if 0 <= cue.start - g.end <= 2:
                known = self.builder.groups.get(g.text)
                role = g.norm if g.norm in ("experimental", "control", "placebo", "chemotherapy") else ""
                drugs = known.drugs if known else ((role,) if role == "chemotherapy" else ())
                return Treatment(g.start, g.end, g.text, drugs, label=g.text, role=role, rules=[g.rule])
        return None

    def _add_on(self, sentence: Sentence, arms: list[Treatment]) -> list[Treatment]:
        """``对照组给予FOLFOX方案，观察组在此基础上加用呋喹替尼``: the other arm's drugs plus the new ones."""
        for cue in sentence.labelled("ADD_ON"):
            label = next((a for a in reversed(arms) if a.label and 0 <= cue.start - a.end <= 2), None)
            added = next((a for a in arms if not a.label and 0 <= a.start - cue.end <= 4), None)
            base = next((a for a in reversed(arms) if a.label and a.drugs and a.end <= (label.start if label else 0)),
                        None)
            if label is None or added is None or base is None:
                continue
            drugs = tuple(sorted(set(base.drugs) | set(added.drugs)))
            defined = replace(label, drugs=drugs, specific=True, end=added.end,
                              rules=sorted(set(label.rules + added.rules + [cue.rule, "link.add-on-arm"])))
            self.builder.groups[label.label] = defined
            arms = [defined if a is label else a for a in arms if a is not added]
        return arms

    def _known(self, sentence: Sentence, arms: list[Treatment]) -> list[Treatment]:
        """Aliases defined earlier in the article, wherever they are written again."""
        found = []
        body = self.text[sentence.start:sentence.end]
        for name, arm in self.aliases.items():
            start = body.find(name)
            while start >= 0:
                begin = sentence.start + start
                if not any(a.start <= begin < a.end and a.label == name for a in arms):
                    found.append(replace(arm, start=begin, end=begin + len(name), definition="",
                                         rules=sorted(set(arm.rules) | {"link.alias-reuse"})))
                start = body.find(name, start + len(name))
        return found


def _outermost(arms: list[Treatment]) -> list[Treatment]:
    """A treatment inside a label that names it (``阿帕替尼+IE方案`` inside its alias) is not a second arm."""
    kept: list[Treatment] = []
    for a in arms:
        if any(k.start <= a.start and a.end <= k.end and (k.end - k.start) > (a.end - a.start) for k in kept):
            continue
        kept = [k for k in kept if not (a.start <= k.start and k.end <= a.end and a.label and not k.label)]
        kept.append(a)
    return kept


def is_reference(sentence: Sentence, arm: Treatment, text: str) -> bool:
    """``与安慰剂相比``, ``相较单纯化疗``, ``以C组为对照``: the arm the others are compared with."""
    for cue in sentence.labelled("REF_BEFORE"):
        if 0 <= arm.start - cue.end <= REF_WINDOW - 2:
            return True
    return any(0 <= cue.start - arm.end <= REF_WINDOW for cue in sentence.labelled("REF_AFTER"))


def is_prior(sentence: Sentence, arm: Treatment) -> bool:
    """``既往接受过铂类化疗``, ``曲妥珠单抗治疗失败``: a prior therapy is not the study's treatment."""
    clause = sentence.clause_of(arm.start)
    for cue in sentence.labelled("PRIOR"):
        if sentence.clause_of(cue.start) == clause and (cue.end <= arm.start or 0 <= cue.start - arm.end <= 4):
            return True
    # 一线化疗失败: a relapsed setting right after the treatment (三线患者随机分入X组 is no prior therapy)
    return any(m.norm == "relapsed/refractory" and 0 <= m.start - arm.end <= 4 for m in sentence.labelled("SETTING"))


def _named_list(sentence: Sentence, cue, arms: list[Treatment] | None = None) -> list:
    """``以下分别称为试验组和对照组``, ``以下简称哌柏西利组和对照组``: labels listed right after an alias cue."""
    found = [(m.start, m.end, m.text, m.norm) for m in sentence.labelled("GROUP")]
    found += [(a.start, a.end, a.label, a.role) for a in arms or [] if a.label.endswith(tuple("组"))]
    labels, position = [], cue.end
    for start, end, text, role in sorted(set(found)):
        if start >= position and start - position <= 3:
            labels.append((start, end, text, role))
            position = end
    return labels if len(labels) >= 2 else []


def _apply_named_lists(sentence: Sentence, arms: list[Treatment]) -> list[Treatment]:
    """Arms written before ``下称A与B`` take the names A, B in order; the listed labels are not arms."""
    for cue in sentence.labelled("ALIAS_CUE"):
        names = _named_list(sentence, cue, arms)
        if not names:
            continue
        listed = {(start, end) for start, end, _, _ in names}
        arms = [a for a in arms if (a.start, a.end) not in listed]
        before = [a for a in arms if a.end <= cue.start and a.drugs and not a.label]
        if len(before) >= len(names):
            named = dict(zip(map(id, before[-len(names):]), names))
            arms = [replace(a, label=named[id(a)][2], role=named[id(a)][3],
                            rules=a.rules + ["link.named-list"]) if id(a) in named else a for a in arms]
    return arms


def defined_labels(arms: list[Treatment]) -> list[Treatment]:
    """Labels this sentence gives drugs to (not labels used again, not a treatment with 组 after it)."""
    return [a for a in arms if a.label and a.drugs and a.definition and not REUSED & set(a.rules)]


def design_arms(sentence: Sentence, arms: list[Treatment], text: str, known: int = 0) -> list[Arm]:
    """The arms a design sentence gives, in the order written, or [] if it is not one.

    Once a study has its arms (``known``), only randomisation or label definitions re-set them:
    a sentence of components or schedules (``化疗为A或B``, ``随后以X或安慰剂维持``) does not.
    """
    arms = _apply_named_lists(sentence, arms)
    endpoints = sentence.labelled("ENDPOINT")
    results = [m.start for m in sentence.labelled("VALUE", "HR", "NR")
               if endpoints and endpoints[0].start < m.start]
    results += [m.start for m in sentence.labelled("RESULT_CUE", "FOLLOWUP")]
    until = min(results, default=sentence.end)  # a design and its results in one sentence
    candidates = [a for a in arms if (a.drugs or a.label) and not a.generic and not is_prior(sentence, a)
                  and a.start < until]
    cues = [m.end for m in sentence.labelled("VS", "DESIGN") if m.label == "VS" or m.norm == "randomized"]
    after = [a for a in candidates if cues and a.start >= cues[0]]
    if len(after) >= 2:
        candidates = after  # 斯鲁利单抗是PD-1抑制剂，…对比X及Y: the arms are what is compared
    labelled = [a for a in candidates if a.label and a.drugs]
    distinct: list[Treatment] = []
    for a in candidates:
        if not a.label and any(a.key == b.key or (set(a.drugs) - {"chemotherapy"} < set(b.drugs)) for b in labelled):
            continue  # the treatment a label stands for (bracketed, or named before it): the label is the arm
        same = next((i for i, b in enumerate(distinct) if a.label and a.label == b.label), None)
        if same is None:
            distinct.append(a)
        elif a.drugs and not distinct[same].drugs:
            distinct[same] = a  # 分为对照组和观察组，对照组给予X: the label as defined
    labels = {m.label for m in sentence.mentions}
    randomized = any(m.norm == "randomized" for m in sentence.labelled("DESIGN"))
    defined = [a for a in distinct if a.label and a.drugs and not REUSED & set(a.rules)]
    strong = randomized or bool(labels & DEFINING_CUES) or len(defined) >= 2
    if len(distinct) < 2 or not (strong or (known < 2 and labels & DESIGN_CUES)):
        return []
    if len(defined) >= 2:  # 研究组/常规组 defined: a bare 诱导化疗 beside them is not a third arm
        distinct = [a for a in distinct if a.label or a.specific]
    distinct = _placebo_add_on(distinct)
    out = []
    for a in distinct:
        arm = arm_of(a)
        if is_reference(sentence, a, text):
            arm.role = arm.role or "control"
        elif "placebo" in a.drugs:
            arm.role = arm.role or "placebo"
        out.append(arm)
    return out


def _placebo_add_on(arms: list[Treatment]) -> list[Treatment]:
    """``给予卡铂和紫杉醇，索拉非尼（A组）或安慰剂（B组）``: what the other arm is given besides its own
    last treatment (or an unlabelled treatment of the sentence) is the placebo arm's backbone too."""
    labelled = [a for a in arms if a.label]
    if len(labelled) < 2 or not any(a.drugs == ("placebo",) for a in labelled):
        return arms
    shared = {d for a in arms if not a.label for d in a.drugs}
    for a in labelled:
        if len(a.parts) > 1:
            shared |= {d for part in a.parts[:-1] for d in part}
    return [replace(a, drugs=tuple(sorted(set(a.drugs) | shared)), rules=a.rules + ["link.placebo-add-on"])
            for a in labelled]


def single_arm(sentence: Sentence, arms: list[Treatment], study: Study) -> Arm | None:
    """A study cue with one specific treatment: the treatment of a single-arm study."""
    if study.arms or not {m.label for m in sentence.mentions} & STUDY_CUES:
        return None
    specific = [a for a in arms if a.specific and a.drugs and not a.generic and not is_prior(sentence, a)]
    keys = {a.key for a in specific}
    return arm_of(specific[0]) if len(keys) == 1 else None
