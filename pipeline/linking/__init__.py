"""Linking: mentions -> records (outcomes, trials, regimens, citations, drugs).

The walk goes sentence by sentence through the body, carrying one study record
(``studies.Study``) until a heading or a new study cue starts another; a trial
name finds its record again. Each sentence: treatments and arm mentions
(``arms``), the study's arms from a design sentence, arm mentions resolved
against the record, then the relations of ``rules/relations.yaml`` over the
sentence's label sequence (``relations``) and their actions (``actions``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..recognizing import Mention
from ..records import Citation, Linked, Outcome, Regimen
from .actions import ACTIONS, Scene
from .arms import ArmFinder, defined_labels, design_arms, is_prior, is_reference, single_arm
from .backbone import later_backbone, with_backbone
from .grids import cells, header, is_table_line, next_arm, row_outcomes
from .relations import Item, Relation, compile_relations, match_all, vocabulary
from .studies import Study, arm_of
from .text import Block, DocView, Sentence
from .treatments import Treatment, TreatmentBuilder
from .trials import attribute, citations_by_block, common_disease, merge_trials, trial_of, venue_of
from .values import Reader, attach_statistics
from .words import Words, words_from_rules

__all__ = ["Block", "DocView", "DrugUse", "Words", "compile_relations", "link", "words_from_rules"]
BODY = "paragraph"
ROLES = {"experimental", "control", "placebo"}
LEADING = 12  # characters: a trial name this close to a sentence's start is what it is about
NAMING = {"TRIAL", "DRUG", "REGIMEN", "DISEASE", "STUDY_INTRO"}
KEY = ("endpoint", "measure", "timepoint_months", "value", "value_high", "unit")


@dataclass(slots=True)
class DrugUse:
    """One drug mention in the body, for the drugs table."""

    name: str
    drug_class: str
    surface: str
    in_combination: bool
    kind: str


class Walk:
    """One document's linking walk: the study records and the rows found so far."""

    def __init__(self, view: DocView, words: Words, relations: list[Relation]):
        self.view, self.words, self.relations = view, words, relations
        self.vocabulary = vocabulary(relations) | {"ARM"}
        self.builder = TreatmentBuilder(view.text, words)
        self.finder = ArmFinder(view.text, self.builder)
        self.cites = citations_by_block(view)
        self.studies: list[Study] = []
        self.by_trial: dict[str, Study] = {}
        self.rows: list[tuple[Outcome, Study]] = []
        self.seen: set[tuple] = set()
        self.treatments: list[Treatment] = []
        self.uses: list[DrugUse] = []
        self.heading: Sentence | None = None
        self.subject: Treatment | None = None
        self.closed = False
        self.recoded: dict[str, Mention] = {}
        self.grid: dict = {}

    # --- which study a sentence belongs to ------------------------------------------------
    def _new(self) -> Study:
        study = Study(len(self.studies), heading=self.heading, current=self.subject)
        self.studies.append(study)
        return study

    @property
    def study(self) -> Study:
        return self.studies[-1] if self.studies else self._new()

    def study_for(self, sentence: Sentence) -> Study:
        """A trial name finds or starts its study; a study cue or a new citation after results starts one."""
        current = self.study
        trials = sentence.labelled("TRIAL")
        names = [m.norm for m in trials]
        if names:
            known = self.by_trial.get(names[0])
            if known is not None:
                # 与FRESCO研究的结果一致: a trial named in passing after results is no return to it
                leading = trials[0].start - sentence.start <= LEADING or not sentence.labelled("VALUE", "HR", "NR")
                return self._resume(known) if leading or known is current else current
            if current.trial or current.rows:
                current = self._new()
            self.by_trial[names[0]] = current
            return current
        labels = {m.label for m in sentence.mentions}
        if "STUDY_BACK" in labels:
            return current
        intro = bool(labels & {"STUDY_INTRO", "PHASE"})
        randomized = any(m.norm == "randomized" for m in sentence.labelled("DESIGN"))
        if (intro and (current.rows or current.arms)) or (current.rows and (randomized or self._moved_on(sentence))):
            return self._new()
        return current

    def _moved_on(self, sentence: Sentence) -> bool:
        """A review strings studies: after a cited sentence, another citation with another treatment."""
        own = {r for m in sentence.labelled("CITE") for r in m.norm.split(";")}
        current = self.study
        if not (self.closed and own and not own & current.cited):
            return False
        known = {d for a in current.arms for d in a.drugs} | set(current.current.drugs if current.current else ())
        named = {d for m in sentence.labelled("DRUG", "REGIMEN") if m.label == "REGIMEN" or m.data.get("type") == "drug"
                 for d in m.data.get("drugs", [m.norm])}
        return bool(named - known)

    def _resume(self, study: Study) -> Study:
        if study is not self.studies[-1]:
            self.studies.remove(study)
            self.studies.append(study)
        return study

    # --- one sentence ---------------------------------------------------------------------
    def heading_line(self, sentence: Sentence) -> None:
        """A heading that names a trial, a treatment or a disease starts a new study context, which
        they apply to; a section heading of one study (主要结果, 方法) does not."""
        if not {m.label for m in sentence.mentions} & NAMING:
            return
        self.heading = sentence
        if self.study.sentences or self.study.rows:
            self._new()
        study = self.study
        study.heading = sentence
        names = [m.norm for m in sentence.labelled("TRIAL")]
        if names:
            study.add(sentence)
            self.by_trial.setdefault(names[0], study)
        self.closed = False

    def sentence(self, sentence: Sentence) -> None:
        self._recode_endpoints(sentence)
        line = self.view.text[sentence.start:sentence.end]
        if is_table_line(line):
            self._table_line(sentence, line)
            return
        self.grid = {}
        study = self.study_for(sentence)
        study.add(sentence)
        treatments = self.builder.treatments(sentence)
        self.treatments.extend(treatments)
        self.uses.extend(_drug_uses(sentence, treatments))
        arms = self.finder.find(sentence, treatments)
        self._learn_arms(sentence, arms, study)
        scene = self._scene(sentence, arms, study)
        found = self._relate(scene, sentence)
        study.endpoint = (sentence.labelled("ENDPOINT") or [study.endpoint])[-1]
        self._keep([row for row, _ in found], scene, sentence, study)
        self._remember(sentence, arms, scene, study)

    def _relate(self, scene: Scene, sentence: Sentence) -> list[tuple[Outcome, list[Outcome]]]:
        """The relations' matches in text order, each turned into rows by its action; statistics attached."""
        found: list[tuple[Outcome, list[Outcome]]] = []
        items = scene_items(scene, sentence, self.vocabulary)
        for match in sorted(match_all(self.relations, items, self.view.text),
                            key=lambda m: min(i.start for items in m.slots.values() for i in items)):
            group = ACTIONS[match.relation.action](scene, match)
            found.extend((row, group) for row in group)
        attach_statistics(sentence, found)
        return found

    def _remember(self, sentence: Sentence, arms: list[Treatment], scene: Scene, study: Study) -> None:
        """What the next sentences need: the pairing values re-set, the study's treatment, a closing citation."""
        if len(scene.compared) >= 2:
            study.pairing = [a for t in scene.compared if (a := scene.study_arm.get(id(t)))] or study.pairing
        given = [a for a in arms if a.drugs and not a.generic and not is_prior(sentence, a)]
        specific = [a for a in given if a.specific]
        study.current = specific[-1] if specific else (study.current or (given[-1] if given else None))
        self.closed = bool(sentence.labelled("CITE"))

    def _table_line(self, sentence: Sentence, line: str) -> None:
        """A plain-text table: its header sets the columns; each row gives a row per cell number."""
        spans = cells(line, sentence.start)
        columns = header(sentence, spans, self.view.text, self.words.units)
        if columns or not self.grid:
            self.grid = columns
            return
        study = self.study_for(sentence)
        study.add(sentence)
        treatments = self.builder.treatments(sentence)  # a summary table names no new regimen
        scene = self._scene(sentence, self.finder.find(sentence, treatments), study)
        found = row_outcomes(scene, spans, self.grid, self.view.text,
                             lambda: next_arm(self.view, sentence, self.words, spans))
        attach_statistics(sentence, found)
        self._keep([row for row, _ in found], scene, sentence, study)

    def _recode_endpoints(self, sentence: Sentence) -> None:
        """总有效率=(CR+PR+SD)/总例数: the name an article defines as another endpoint means it there."""
        for m in sentence.labelled("ENDPOINT"):
            if m.data.get("term"):
                self.recoded[m.data["term"]] = m
        if any(m.text in self.recoded for m in sentence.labelled("ENDPOINT")):
            sentence.replace_mentions([replace(m, norm=self.recoded[m.text].norm, rule=self.recoded[m.text].rule)
                                       if m.label == "ENDPOINT" and m.text in self.recoded else m
                                       for m in sentence.mentions])

    def _learn_arms(self, sentence: Sentence, arms: list[Treatment], study: Study) -> None:
        """A design sentence sets the arms (until numbers freeze them); one treatment with a study cue, one arm."""
        designed = [] if study.rows else design_arms(sentence, arms, len(study.arms))
        if designed:
            designed, study.settled = with_backbone(designed, sentence, self.view, self.words)
            study.set_arms(designed, sentence)
            return
        single = single_arm(sentence, arms, study) if not study.rows else None
        if single is not None:
            study.set_arms([single], sentence)
            return
        for label in defined_labels(arms):
            study.define(arm_of(label))  # 试验组(410例)接受X: the record learns what the label is
        if not study.settled:
            study.arms, study.settled = later_backbone(study.arms, sentence, self.view, self.words)

    def _scene(self, sentence: Sentence, arms: list[Treatment], study: Study) -> Scene:
        items, study_arm, refs = [], {}, set()
        for a in arms:
            resolved, arm = _resolve(study, a)
            if arm is not None:
                study_arm[id(resolved)] = arm
            if is_reference(sentence, a):
                refs.add(id(resolved))
            items.append(Item("ARM", a.start, a.end, resolved))
        default = study.arms[0].as_treatment(sentence.start, sentence.start, study.arms[0].text, "link.study-arm") \
            if len(study.arms) == 1 else (study.current or self.subject)
        reader = Reader(self.view.text, sentence, self.words, study.endpoint)
        return Scene(sentence, reader, study, items, study_arm, refs, default)

    def _keep(self, rows: list[Outcome], scene: Scene, sentence: Sentence, study: Study) -> None:
        """Restatements are not new rows: a number whose arm is not written here and was linked before."""
        here: set[tuple] = set()  # 三组ORR分别为23.3%、28.1%和28.1%: one sentence never restates itself
        later: set[tuple] = set()
        for row in sorted(rows, key=lambda r: r.start):
            base = tuple(getattr(row, k) for k in KEY)
            number = (study.index, row.endpoint, row.value, row.unit, row.measure)
            restated = base in self.seen or number in self.seen
            if base + (row.drugs,) in self.seen | here or (id(row) not in scene.explicit and restated):
                continue
            here.update({base + (row.drugs,)})
            later.update({base, number})
            row.citation = attribute(sentence, self.cites)
            self.rows.append((row, study))
            study.rows += 1
        self.seen |= here | later

    def _arm_regimens(self, named: list[Regimen]) -> list[Regimen]:
        """What each arm of a reported study received is a regimen too (化疗 expanded as the study fixed it)."""
        seen, out = {r.drugs for r in named}, []
        for study in self.studies:
            for arm in study.arms if study.rows else ():
                if len(arm.drugs) > 1 and arm.key not in seen:
                    seen.add(arm.key)
                    out.append(Regimen(arm.text, arm.key, rules=arm.rules + ["link.arm-regimen"]))
        return out

    # --- the document ---------------------------------------------------------------------
    def finish(self) -> Linked:
        linked = Linked()
        title = [s for s in self.view.sentences if self.view.blocks[s.block].kind == "title"]
        title_venue = next((venue_of(m) for s in title for m in s.labelled("VENUE")), "")
        trials = []
        by_start = {s.start: s for s in self.view.sentences}
        by_study: dict[int, list[Outcome]] = {}
        for row, study in self.rows:
            by_study.setdefault(id(study), []).append(row)
        for study in self.studies:
            rows = by_study.get(id(study), [])
            disease = _disease(study, title)
            for row in rows:
                row.disease = _sentence_disease(by_start.get(row.sentence[0])) or disease
                row.trial = study.trial
            if rows:
                anchor = study.design_sentence or study.sentences[0]
                trial = trial_of(study, rows, attribute(anchor, self.cites) or rows[0].citation, title_venue,
                                 self.words)
                trials += [trial] if trial else []
            linked.outcomes.extend(rows)
        linked.trials = merge_trials(trials)
        regimens = _regimen_rows(self.treatments)
        linked.regimens = regimens + self._arm_regimens(regimens)
        for s in self.view.sentences:
            for m in s.labelled("CITE"):
                linked.citations.append(Citation(m.text, m.data["refs"], m.start, m.end, (s.start, s.end)))
        return linked


def scene_items(scene: Scene, sentence: Sentence, vocabulary: frozenset[str]) -> list[Item]:
    """The label sequence relations see: arm items and the mentions their patterns name."""
    spans = [(i.start, i.end) for i in scene.arms]
    items = list(scene.arms)
    for m in sentence.mentions:
        label = "HR" if m.label == "ORATIO" else m.label
        if label in vocabulary and label != "ARM" and not any(a <= m.start and m.end <= b for a, b in spans):
            items.append(Item(label, m.start, m.end, m))
    return sorted(items, key=lambda i: (i.start, i.end))


def _resolve(study: Study, t: Treatment):
    """An arm mention as the study's arm: by name, by role (试验组), by its drugs; else as written."""
    arm = study.by_name(t.label) if t.label else None
    if arm is None and t.label and t.role in ROLES and (not t.drugs or study.by_drugs(t.drugs) is None):
        arm = study.by_role(t.role)  # 试验组 of this study, not the one an earlier study defined
    if arm is None and t.drugs:
        arm = study.by_drugs(t.drugs)
    if arm is not None:
        study.name_arm(arm, t.label)
    if t.label and not (arm.drugs if arm else t.drugs) and (arm.role if arm else t.role) not in ROLES \
            and study.current is not None:
        # 手术组 / 非手术组 of a study of one drug: every arm described without a drug gets it
        return replace(t, drugs=study.current.drugs, rules=t.rules + ["link.group-study-treatment"]), arm
    if arm is None:
        return t, None
    if arm.drugs == t.drugs and not t.label:
        return t, arm
    return arm.as_treatment(t.start, t.end, t.text, "link.study-arm-name"), arm


def _disease(study: Study, title: list[Sentence]) -> str:
    """The population's disease: the study's design or result sentences, its heading, else the title."""
    for sentences in (study.sentences, [study.heading] if study.heading else [], title):
        found = [m for s in sentences for m in s.labelled("DISEASE")]
        if found:
            return common_disease(found)
    return ""


def _sentence_disease(sentence: Sentence | None) -> str:
    """A subgroup named by a disease of its own (平滑肌肉瘤亚组) keeps that disease."""
    found = sentence.labelled("DISEASE") if sentence is not None else []
    return common_disease(found) if found else ""


def _regimen_rows(treatments: list[Treatment]) -> list[Regimen]:
    rows: dict[str, Regimen] = {}
    for t in treatments:
        if t.generic or t.label or not (len(t.drugs) > 1 or t.named):
            continue
        row = rows.get(t.key)
        if row is None or (t.definition and not row.definition):
            rows[t.key] = Regimen(t.text, t.key, t.definition, t.start, t.end, t.rules)
    return list(rows.values())


def _drug_uses(sentence: Sentence, treatments: list[Treatment]) -> list[DrugUse]:
    uses = []
    for m in sentence.labelled("DRUG"):
        combined = any(t.start <= m.start < t.end and len(t.drugs) > 1 for t in treatments)
        uses.append(DrugUse(m.norm, m.data.get("class", ""), m.text, combined, m.data.get("type", "drug")))
    return uses


def _title_subject(view: DocView, builder: TreatmentBuilder) -> Treatment | None:
    """A news item about one drug names it in its title: the default treatment of its numbers."""
    for s in view.sentences:
        if view.blocks[s.block].kind == "title":
            specific = [t for t in builder.treatments(s) if t.specific and not t.generic]
            return specific[0] if specific else None
    return None


def link(view: DocView, words: Words, relations: list[Relation]) -> tuple[Linked, list[DrugUse]]:
    """Link one document's mentions into records."""
    walk = Walk(view, words, relations)
    walk.subject = _title_subject(view, TreatmentBuilder(view.text, words))
    for sentence in view.sentences:
        if view.blocks[sentence.block].kind == BODY or is_table_line(view.text[sentence.start:sentence.end]):
            walk.sentence(sentence)
        else:
            walk.heading_line(sentence)
    return walk.finish(), walk.uses
