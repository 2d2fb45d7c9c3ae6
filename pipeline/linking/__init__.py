"""Linking: mentions -> records (outcomes, trials, regimens, citations, drugs).

Walks the study frames sentence by sentence: treatments and arms first, then
the numbers of the sentence (``outcomes.link_sentence``), then what the frame
learns for the sentences after it. Citation attribution follows SCHEMA.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..records import Citation, Linked, Outcome, Regimen, Trial
from .frames import (Segment, add_on_arms, disease_of, followup_of, phase_of, refresh_context,
                     resolve_roles, segments, venue_of, with_backbone)
from .outcomes import link_sentence
from .text import Block, DocView, Sentence
from .treatments import Treatment, TreatmentBuilder
from .words import Words, words_from_rules

__all__ = ["Block", "DocView", "DrugUse", "Words", "link", "words_from_rules"]


@dataclass(slots=True)
class DrugUse:
    """One drug mention in the body, for the drugs table."""

    name: str
    drug_class: str
    surface: str
    in_combination: bool
    kind: str


def _citations_by_block(view: DocView) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = {}
    for s in view.sentences:
        for m in s.labelled("CITE"):
            found.setdefault(s.block, []).append((m.start, m.norm))
    return found


def attribute(sentence: Sentence, cites: dict[int, list[tuple[int, str]]]) -> str:
    """SCHEMA: own sentence's markers, else the first after it, else the nearest before it."""
    own = sorted({int(r) for m in sentence.labelled("CITE") for r in m.norm.split(";")})
    if own:
        return ";".join(map(str, own))
    block = cites.get(sentence.block, [])
    after = [norm for start, norm in block if start >= sentence.end]
    if after:
        return after[0]
    before = [norm for start, norm in block if start < sentence.start]
    return before[-1] if before else ""


def _trial(segment: Segment, rows: list[Outcome], title_venue: str, citation: str, words: Words) -> Trial | None:
    """A frame whose numbers belong to drug treatments reports a study."""
    with_drugs = [r for r in rows if r.drugs]
    if not with_drugs:
        return None
    if len(segment.ctx.arms) >= 2:
        arms = {a.key for a in segment.ctx.arms}
    else:
        arms = {r.drugs for r in with_drugs} | {r.comparator_drugs for r in rows if r.comparator_drugs}
        arms |= {"" for r in rows if r.arm and not r.drugs and r.measure != "hr"}
    specific = any(a.specific for a in [segment.ctx.current] if a) or segment.ctx.arms
    if not segment.has_study_cue and segment.parent is None and not (citation and specific):
        return None
    trial = segment.frame_first("TRIAL")
    settings = sorted({m.norm for m in segment.frame("SETTING")})
    n = segment.frame_first("N")
    return Trial(trial=trial.norm if trial else "", phase=phase_of(segment.frame_first("PHASE")),
                 design=";".join(sorted({m.norm for m in segment.frame("DESIGN")})),
                 n=n.norm if n else "", disease=rows[0].disease, setting=";".join(settings),
                 arms="|".join(sorted(arms)), followup_months=followup_of(segment.frame_first("FOLLOWUP"), words),
                 venue=venue_of(segment.frame_first("VENUE")) or title_venue, citation=citation,
                 rules=sorted({rule for r in rows for rule in r.rules}))


def _merge_trials(trials: list[Trial]) -> list[Trial]:
    """A study described over several frames (same name, or same arms and citation) is one row."""
    merged: dict[tuple, Trial] = {}
    out: list[Trial] = []
    for t in trials:
        key = (t.trial,) if t.trial else ("", t.arms, t.citation)
        if key in merged:
            kept = merged[key]
            kept.arms = "|".join(sorted(set(kept.arms.split("|")) | set(t.arms.split("|"))))
            for name in ("phase", "design", "n", "disease", "setting", "followup_months", "venue", "citation"):
                setattr(kept, name, getattr(kept, name) or getattr(t, name))
            continue
        merged[key] = t
        out.append(t)
    return out


def _regimen_rows(treatments: list[Treatment]) -> list[Regimen]:
    rows: dict[str, Regimen] = {}
    for t in treatments:
        if t.generic or t.label or not (len(t.drugs) > 1 or t.named):
            continue
        row = rows.get(t.key)
        if row is None or (t.definition and not row.definition):
            rows[t.key] = Regimen(t.text, t.key, t.definition, t.start, t.end, t.rules)
    return list(rows.values())


def _backbone(segment: Segment, view: DocView, words: Words) -> Treatment | None:
    """The named chemotherapy of a study (two or more cytotoxics, or a regimen), if any."""
    scout = TreatmentBuilder(view.text, words)
    blocks = {s.block for s in segment.sentences}
    sentences = (segment.parent.sentences if segment.parent else []) + \
        [s for s in view.sentences if s.block in blocks]
    for sentence in sentences:
        for t in scout.treatments(sentence):
            targeted = {d for m in t.agents if not (m.label == "REGIMEN" or m.data.get("class") in words.chemo_classes)
                        for d in m.data.get("drugs", [m.norm])}
            cytotoxic = set(t.drugs) - targeted
            if len(cytotoxic) > 1 and not {"chemotherapy", "placebo"} & cytotoxic:
                return Treatment(t.start, t.end, t.text, tuple(sorted(cytotoxic)), rules=t.rules)
    return None


def link(view: DocView, words: Words) -> tuple[Linked, list[DrugUse]]:
    """Link one document's mentions into records."""
    linked = Linked()
    builder = TreatmentBuilder(view.text, words)
    cites = _citations_by_block(view)
    title_venue = next((f"{m.data.get('year2') or m.data.get('year')} {m.data.get('conf2') or m.data.get('conf')}"
                        for s in view.sentences if view.blocks[s.block].kind == "title"
                        for m in s.labelled("VENUE")), "")
    all_treatments: list[Treatment] = []
    drugs: list[DrugUse] = []
    previous_in_block: dict[int, tuple[str, str]] = {}
    subject = _title_subject(view, builder)
    for segment in segments(view):
        rows, treatments, uses = _link_segment(segment, view, builder, words, cites, subject)
        all_treatments.extend(treatments)
        drugs.extend(uses)
        disease = disease_of(segment) or previous_in_block.get(segment.block, ("", ""))[0]
        if not segment.mentions("SETTING") and segment.block in previous_in_block:
            segment.inherited_setting = previous_in_block[segment.block][1]
        trial = segment.frame_first("TRIAL")
        for row in rows:
            row.disease, row.trial, row.segment = disease, trial.norm if trial else "", segment.index
        record = _trial(segment, rows, title_venue, attribute(segment.sentences[0], cites), words) if rows else None
        if record is not None:
            record.setting = record.setting or segment.inherited_setting
            linked.trials.append(record)
        previous_in_block[segment.block] = (disease, record.setting if record else
                                            ";".join(sorted({m.norm for m in segment.mentions("SETTING")})))
        linked.outcomes.extend(rows)
    for s in view.sentences:
        for m in s.labelled("CITE"):
            linked.citations.append(Citation(m.text, m.data["refs"], m.start, m.end, (s.start, s.end)))
    linked.trials = _merge_trials(linked.trials)
    linked.regimens = _regimen_rows(all_treatments)
    return linked, drugs


def _link_segment(segment: Segment, view: DocView, builder: TreatmentBuilder, words: Words, cites,
                  subject: Treatment | None) -> tuple[list[Outcome], list[Treatment], list[DrugUse]]:
    """The rows of one study frame, sentence by sentence, with what the frame learns carried on."""
    segment.ctx.current = subject
    if segment.parent is not None:
        segment.ctx.current = segment.parent.ctx.current or subject
        segment.ctx.arms = list(segment.parent.ctx.arms)
    backbone, looked, primary = None, False, None
    rows: list[Outcome] = []
    treatments_seen: list[Treatment] = []
    uses: list[DrugUse] = []
    for sentence in segment.sentences:
        treatments = builder.treatments(sentence)
        treatments_seen.extend(treatments)
        uses.extend(_drug_uses(sentence, treatments))
        arms = builder.arms(sentence, treatments)
        if not looked and any("chemotherapy" in a.drugs for a in arms):
            backbone, looked = _backbone(segment, view, words), True  # only for studies that say chemotherapy
        arms = resolve_roles(with_backbone(arms, backbone), segment.ctx)
        primary = primary or next((a for a in arms if len(a.drugs) > 1 and a.specific and not a.label), None)
        labelled = [a for a in arms if a.label]
        if len(labelled) == 2:
            add_on_arms(labelled, primary or subject)
        found = link_sentence(view.text, sentence, arms, segment.ctx, words)
        for row in found:
            row.citation = attribute(sentence, cites)
        rows.extend(found)
        refresh_context(segment, sentence, arms, bool(found))
    return rows, treatments_seen, uses


def _title_subject(view: DocView, builder: TreatmentBuilder) -> Treatment | None:
    """A news item about one drug names it in its title: the default treatment of its numbers."""
    for s in view.sentences:
        if view.blocks[s.block].kind == "title":
            specific = [t for t in builder.treatments(s) if t.specific and not t.generic]
            return specific[0] if specific else None
    return None


def _drug_uses(sentence: Sentence, treatments: list[Treatment]) -> list[DrugUse]:
    uses = []
    for m in sentence.labelled("DRUG"):
        combined = any(t.start <= m.start < t.end and len(t.drugs) > 1 for t in treatments)
        uses.append(DrugUse(m.norm, m.data.get("class", ""), m.text, combined, m.data.get("type", "drug")))
    return uses
