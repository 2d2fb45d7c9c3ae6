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

QUOTES = "“”\"'「」『』‘’"
NAME_STOPS = set("()（）,，;；。:：、 ") | set(QUOTES)
DESIGN_CUES = {"OR", "VS", "REF_BEFORE", "REF_AFTER", "ALIAS_CUE", "ARM_LABEL", "ADD_ON"}
REUSED = {"link.group-reuse", "link.alias-reuse"}  # a label defined before is no new design
DEFINING_CUES = {"ALIAS_CUE", "ARM_LABEL", "ADD_ON"}
STUDY_CUES = {"TRIAL", "STUDY_INTRO", "STUDY_BACK", "PHASE", "N"}
REF_WINDOW = 3
BARE_LABELS = frozenset({"pattern.label-listed"})  # label rules that name an arm before its treatment is known
COMPONENT_GAP = 6
EACH_GAP = 3  # 均联合化疗, 均接受X: characters from 均 to the treatment every arm is given  # 化疗方案为: characters from 化疗 to the regimen that spells it out


class ArmFinder:
    """Finds arm mentions sentence by sentence; aliases learned hold for the rest of the article."""

    def __init__(self, text: str, builder: TreatmentBuilder):
        self.text = text
        self.builder = builder
        self.aliases: dict[str, Treatment] = {}
        self.bare_labels = BARE_LABELS

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
        """Labels defined here: each names what was written since the previous arm (or 或)."""
        out, boundary = [], sentence.start
        for cue in sentence.labelled("ALIAS_CUE", "ARM_LABEL", "OR"):
            if cue.label == "OR":
                inside = any(t.start <= cue.start < t.end for t in treatments)
                boundary = boundary if inside else max(boundary, cue.end)
                continue
            if cue.label == "ALIAS_CUE" and _named_list(sentence, cue, arms):
                continue  # 下称试验组与对照组: names for the arms in order (design_arms)
            arm = self._defined_arm(sentence, cue, treatments, boundary, out)
            if arm is not None:
                self.aliases[arm.label] = self.builder.groups[arm.label] = arm
                out.append(arm)
                boundary = arm.end
        return out

    def _defined_arm(self, sentence: Sentence, cue, treatments: list[Treatment], boundary: int,
                     defined: list[Treatment]) -> Treatment | None:
        name, end = (cue.norm, cue.end) if cue.label == "ARM_LABEL" else self._alias_name(cue.end)
        covered = [t for t in treatments if boundary <= t.start and t.end <= cue.start and t.arm]
        named = self._label_before(sentence, cue, defined)
        if name and not covered and named is None:
            return self._label_only(cue, name)
        if not name or not (covered or named):
            return None
        if not covered:  # 标准治疗组（下称SOC组）, Pola-R-CHP组，以下简称Pola组: a second name of one arm
            return replace(named, start=cue.start, end=end, text=name, label=name,
                           rules=sorted(set(named.rules) | {cue.rule, "link.label-alias"}))
        drugs = tuple(sorted({d for t in covered for d in t.drugs}))
        return Treatment(covered[0].start, end, name, drugs, label=name, parts=tuple(t.drugs for t in covered),
                         specific=any(t.specific for t in covered), definition=self.text[covered[0].start:cue.start],
                         rules=sorted({r for t in covered for r in t.rules} | {cue.rule, "link.label-definition"}))

    def _label_only(self, cue, name: str) -> Treatment | None:
        """A label with nothing to define: used again (6.3个月（A组）), or listed before its treatment
        is known (随机分入短程组与长程组)."""
        known = self.builder.groups.get(name)
        if known is not None:
            return replace(known, start=cue.start, end=cue.end, text=name, definition="",
                           rules=sorted(set(known.rules) | {"link.group-reuse"}))
        if cue.rule in self.bare_labels:
            return Treatment(cue.start, cue.end, name, (), label=name, specific=False, rules=[cue.rule])
        return None

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


def is_reference(sentence: Sentence, arm: Treatment) -> bool:
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
    # 一线化疗失败: a relapsed setting right after the treatment (not 三线患者随机分入X组, not X的复发患者)
    return any(m.norm == "relapsed/refractory" and m.start == arm.end for m in sentence.labelled("SETTING"))


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


def defined_labels(arms: list[Treatment], in_sentence: bool = True) -> list[Treatment]:
    """Labels given drugs here, not labels used again; ``in_sentence``: by a definition
    (bracket, verb, alias), not a treatment with 组 after it."""
    return [a for a in arms if a.label and a.drugs and (a.definition or not in_sentence)
            and not REUSED & set(a.rules)]


def design_arms(sentence: Sentence, arms: list[Treatment], known: int = 0) -> list[Arm]:
    """The arms a design sentence gives, in the order written, or [] if it is not one.

    Once a study has its arms (``known``), only randomisation or label definitions re-set them:
    a sentence of components or schedules (``化疗为A或B``, ``随后以X或安慰剂维持``) does not.
    """
    shared = [a for a in arms if _given_to_all(sentence, a)]
    candidates = _candidates(sentence, _apply_named_lists(sentence, [a for a in arms if a not in shared]))
    distinct = _distinct(candidates)
    distinct = [replace(a, drugs=tuple(sorted({*a.drugs, *(d for s in shared for d in s.drugs)})),
                        specific=a.specific or any(s.specific for s in shared),
                        rules=sorted(set(a.rules) | {"link.given-to-all"})) for a in distinct] if shared else distinct
    defined = defined_labels(distinct, in_sentence=False)
    if len(distinct) < 2 or not _is_design(sentence, len(defined), known):
        return []
    if len(defined) >= 2:  # 研究组/常规组 defined: a bare 诱导化疗 beside them is not a third arm
        distinct = [a for a in distinct if a.label or a.specific]
    return [_with_role(sentence, a) for a in _placebo_add_on(distinct)]


def _design_part_end(sentence: Sentence) -> int:
    """Where a sentence turns to results (a number after an endpoint, 结果显示, 中位随访)."""
    endpoints = sentence.labelled("ENDPOINT")
    results = [m.start for m in sentence.labelled("VALUE", "HR", "NR")
               if endpoints and endpoints[0].start < m.start]
    results += [m.start for m in sentence.labelled("RESULT_CUE", "FOLLOWUP")]
    return min(results, default=sentence.end)


def _synonym(sentence: Sentence, previous: Treatment | None, a: Treatment) -> bool:
    """百悦泽®(泽布替尼,zanubrutinib): the same drug named again in brackets is one arm, not two."""
    if previous is None or previous.label or a.label or previous.key != a.key or a.start - previous.end > 3:
        return False
    return not any(previous.end <= m.start < a.start for m in sentence.labelled("OR", "VS", "AND"))


def _candidates(sentence: Sentence, arms: list[Treatment]) -> list[Treatment]:
    """Arm mentions of the design part; after a comparison cue, only what is compared."""
    until = _design_part_end(sentence)
    kept: list[Treatment] = []
    for a in arms:
        if not _synonym(sentence, kept[-1] if kept else None, a):
            kept.append(a)
    candidates = [a for a in kept if (a.drugs or a.label) and not a.generic and a.start < until
                  and not is_prior(sentence, a) and not _is_component(sentence, a)]
    cues = [m.end for m in sentence.labelled("VS", "DESIGN") if m.label == "VS" or m.norm == "randomized"]
    after = [a for a in candidates if cues and a.start >= cues[0]]
    return after if len(after) >= 2 else candidates  # 斯鲁利单抗是PD-1抑制剂，…对比X及Y


def _given_to_all(sentence: Sentence, a: Treatment) -> bool:
    """``方案均为表柔比星+环磷酰胺``, ``两组均联合化疗``: a treatment every arm is given."""
    return not a.label and any(0 <= a.start - e.end <= EACH_GAP for e in sentence.labelled("EACH"))


def _is_component(sentence: Sentence, a: Treatment) -> bool:
    """``化疗为依托泊苷+卡铂``, ``HZ-310是曲妥珠单抗的生物类似药``: what defines a part of an arm is no arm."""
    if any(d.start <= a.start and a.end <= d.end for d in sentence.labelled("DEFINITION")):
        return True
    if a.drugs == ("chemotherapy",) and not a.label and any(0 <= v.start - a.end <= 2
                                                             for v in sentence.labelled("DEFINE_VERB")):
        return True  # the 化疗 of 化疗为X
    chemo = [m for m in sentence.labelled("DRUG") if m.norm == "chemotherapy" and m.end <= a.start]
    verbs = [v for v in sentence.labelled("DEFINE_VERB") if v.end <= a.start]
    return bool(chemo and verbs) and chemo[-1].end <= verbs[-1].start and a.start - chemo[-1].end <= COMPONENT_GAP


def _named_by_label(a: Treatment, labelled: list[Treatment]) -> bool:
    """The treatment a label stands for (bracketed, or named before it): the label is the arm."""
    return not a.label and any(a.key == b.key or set(a.drugs) - {"chemotherapy"} < set(b.drugs) for b in labelled)


def _distinct(candidates: list[Treatment]) -> list[Treatment]:
    """One mention per arm; a label written twice keeps the mention that defines it."""
    labelled = [a for a in candidates if a.label and a.drugs]
    distinct: list[Treatment] = []
    for a in candidates:
        if _named_by_label(a, labelled):
            continue
        same = next((i for i, b in enumerate(distinct)
                     if (a.label and a.label == b.label) or (a.text == b.text and a.key == b.key)), None)
        if same is None:
            distinct.append(a)
        elif a.drugs and not distinct[same].drugs:
            distinct[same] = a  # 分为对照组和观察组，对照组给予X: the label as defined
    return distinct


def _is_design(sentence: Sentence, defined: int, known: int) -> bool:
    """Randomisation or label definitions set arms; 或/vs/a reference arm only while arms are unknown."""
    labels = {m.label for m in sentence.mentions}
    randomized = any(m.norm == "randomized" for m in sentence.labelled("DESIGN"))
    strong = randomized or bool(labels & DEFINING_CUES) or defined >= 2
    return strong or (known < 2 and bool(labels & DESIGN_CUES))


def _with_role(sentence: Sentence, a: Treatment) -> Arm:
    arm = arm_of(a)
    if is_reference(sentence, a):
        arm.role = arm.role or "control"
    elif "placebo" in a.drugs:
        arm.role = arm.role or "placebo"
    return arm


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
