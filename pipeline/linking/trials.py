"""Study records -> trials rows, and SCHEMA's citation attribution."""
from __future__ import annotations

from ..recognizing import Mention
from ..records import Outcome, Trial
from .studies import Study
from .text import DocView, Sentence
from .words import Words

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV"}
GENERIC = {"chemotherapy", "placebo"}
STUDY_CUES = ("TRIAL", "STUDY_INTRO", "STUDY_BACK", "PHASE", "N", "DESIGN")


def citations_by_block(view: DocView) -> dict[int, list[tuple[int, str]]]:
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


def phase_of(m: Mention | None) -> str:
    if m is None:
        return ""
    low = m.data.get("num") or m.data.get("num2", "")
    high = m.data.get("high") or m.data.get("high2", "")
    low, high = ROMAN.get(low, low), ROMAN.get(high, high)
    return f"{low}/{high}" if high else low


def venue_of(m: Mention | None) -> str:
    if m is None:
        return ""
    year = m.data.get("year") or m.data.get("year2", "")
    conf = m.data.get("conf") or m.data.get("conf2", "")
    return f"{year} {conf}".strip()


def followup_of(m: Mention | None, words: Words) -> str:
    if m is None:
        return ""
    value = float(m.data["num"]) * (12 if words.unit(m.data.get("unit", "")) == "year" else 1)
    return f"{value:g}"


def common_disease(found: list[Mention]) -> str:
    """Several subtypes of one parent (UPS, SS, MLPS) give the parent."""
    names = list(dict.fromkeys(m.norm for m in found))
    parents = {m.data.get("parent", "") for m in found} - {""}
    children = [n for n in names if n not in parents]
    if len(children) > 1 and len(parents) == 1:
        return parents.pop()
    return names[0]


def _arms(study: Study, rows: list[Outcome]) -> list[str]:
    """The record's arms (identical arms kept, an arm with no drug an empty member), else the rows'."""
    keys = [a.key for a in study.arms]
    if keys and any(r.drugs and r.drugs in keys for r in rows):
        return sorted(keys)
    found = {r.drugs for r in rows if r.drugs} | {r.comparator_drugs for r in rows if r.comparator_drugs}
    return sorted(found | {"" for r in rows if r.arm and not r.drugs and r.measure != "hr"})


def _reports_a_study(study: Study, with_drugs: list[Outcome], citation: str) -> bool:
    """经化疗…5年生存率可达60%: a background figure of a generic treatment is no study."""
    cued = bool(study.mentions(*STUDY_CUES)) or len(study.arms) >= 2
    return cued or bool(citation and any(set(r.drugs.split("+")) - GENERIC for r in with_drugs))


def trial_of(study: Study, rows: list[Outcome], citation: str, title_venue: str, words: Words) -> Trial | None:
    """A study whose numbers belong to drug treatments reports a trial; its arms are the record's."""
    with_drugs = [r for r in rows if r.drugs]
    if not with_drugs or not _reports_a_study(study, with_drugs, citation):
        return None
    settings = sorted({m.norm for m in study.mentions("SETTING")})
    n = study.first("N")
    return Trial(trial=study.trial, phase=phase_of(study.first("PHASE")),
                 design=";".join(sorted({m.norm for m in study.mentions("DESIGN")})),
                 n=n.norm if n else "", disease=with_drugs[0].disease, setting=";".join(settings),
                 arms="|".join(_arms(study, rows)), followup_months=followup_of(study.first("FOLLOWUP"), words),
                 venue=venue_of(study.first("VENUE")) or title_venue, citation=citation,
                 rules=sorted({rule for r in rows for rule in r.rules}))


def merge_trials(trials: list[Trial]) -> list[Trial]:
    """A study described twice (same name, or same arms and citation) is one row."""
    merged: dict[tuple, Trial] = {}
    out: list[Trial] = []
    for t in trials:
        key = (t.trial,) if t.trial else ("", t.arms, t.citation)
        if key in merged:
            kept = merged[key]
            for name in ("phase", "design", "n", "disease", "setting", "followup_months", "venue", "citation"):
                setattr(kept, name, getattr(kept, name) or getattr(t, name))
            continue
        merged[key] = t
        out.append(t)
    return out
