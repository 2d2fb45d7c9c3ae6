"""Outcome rows of one sentence: groups of numbers -> rows with statistics attached."""
from __future__ import annotations

from ..recognizing import Mention
from ..records import Outcome
from .results import Context, SentenceLinker
from .text import Sentence
from .treatments import Treatment

SYMBOLS = {"<": "<", ">": ">", "≤": "<", "≥": ">"}


def _unit(m: Mention, following: list[Mention], words) -> str:
    """A bare number borrows the unit of the number it is listed with (13.3和10.2个月)."""
    if m.label == "NR":
        return ""
    if m.data.get("unit"):
        return words.unit(m.data["unit"])
    for nxt in following:
        if nxt.label == "VALUE" and nxt.data.get("unit"):
            return words.unit(nxt.data["unit"])
    return ""


def _qualifier(text: str, m: Mention, sentence: Sentence, gap: frozenset[str]) -> str:
    if m.label == "NR":
        return "NR"
    for q in sentence.labelled("QUALIFIER"):
        if q.end <= m.start and text[q.end:m.start].strip() in gap:
            return q.norm
    before = text[max(sentence.start, m.start - 1):m.start]
    if before in SYMBOLS:
        return SYMBOLS[before]
    after = [q for q in sentence.labelled("QUALIFIER_AFTER") if 0 <= q.start - m.end <= 1]
    return after[0].norm if after else ""


def _kind(m: Mention) -> str:
    return {"HR": "hr", "ORATIO": "or", "NR": "nr"}.get(m.label, "value")


def _row(linker: SentenceLinker, m: Mention, arm: Treatment | None, rule: str,
         endpoint: Mention | None = None) -> Outcome | None:
    text, s = linker.text, linker.s
    if any(c.label == "CHANGE" and c.end <= m.start and text[c.end:m.start].strip() in linker.words.value_gap
           for c in s.mentions):
        return None  # 降低了30%, 延长2个月: a difference between arms, not an outcome
    later = [x for x in s.mentions if x.start > m.start]
    unit, kind = _unit(m, later, linker.words), _kind(m)
    found, how = (endpoint, "link.respectively-endpoints") if endpoint else \
        linker.endpoint_for(m, unit, kind, m.end)
    if found is None:
        return None
    code = found.norm
    measure = {"hr": "hr", "or": "or"}.get(kind) or ("rate" if unit == "%" else "median")
    row = Outcome(endpoint=code, measure=measure, value="" if kind == "nr" else m.norm,
                  start=m.start, end=m.end, unit=unit if kind != "nr" else "month",
                  value_high=m.data.get("high", "") if kind == "value" else "",
                  qualifier=_qualifier(text, m, s, linker.words.value_gap), sentence=(s.start, s.end),
                  rules=sorted({rule, how, m.rule, found.rule}))
    if measure in {"hr", "or"}:
        row.unit = ""
    if measure == "rate" and code in {"PFS", "OS", "EFS", "DFS", "RFS", "PFR"}:
        row.timepoint_months = linker.landmark_for(found, m)
    if measure == "median" and row.value_high:
        return None  # a spread of times (PFS 4~63月) is not a median
    if arm is not None:
        row.arm, row.drugs = arm.text, "+".join(arm.drugs)
        row.rules = sorted(set(row.rules + arm.rules))
    return row


def _hr_row(linker: SentenceLinker, m: Mention, pair: list[Treatment | None]) -> Outcome | None:
    row = _row(linker, m, pair[0], "link.hr")
    if row is None:
        hazard = [h for h in linker.s.labelled("HAZARD") if h.end <= m.start]
        if not hazard:
            return None
        row = _row(linker, m, pair[0], "link.hr", endpoint=hazard[-1])
    if row is not None:
        if pair[0] is not None and pair[1] is not None:
            row.arm = f"{pair[0].text} vs {pair[1].text}"
        row.comparator_drugs = "+".join(pair[1].drugs) if pair[1] is not None else ""
    return row


def link_sentence(text: str, sentence: Sentence, arms: list[Treatment], ctx: Context, words) -> list[Outcome]:
    """All outcome rows of a sentence, statistics attached."""
    linker = SentenceLinker(text, sentence, arms, ctx, words)
    rows: list[tuple[Outcome, list[Outcome]]] = []  # row, its comparison group
    last_pair: list[Treatment | None] | None = None
    for rule, values, marker in linker.groups():
        group: list[Outcome] = []
        if rule in {"link.vs", "link.and-pair"}:
            pair = linker.pair_arms(values[-1].end)
            last_pair = pair
            for m, arm in zip(values, pair):
                row = _row(linker, m, arm, rule)
                if row:
                    group.append(row)
            if len(pair) == 2 and all(pair):
                ctx.arms = [pair[0], pair[1]]
        elif rule == "link.respectively":
            endpoints, listed = linker.listed_before(marker)
            if len(endpoints) == len(values) > 1:
                arm = listed[0] if len(listed) == 1 else linker.arm_before(marker.start)
                group = [r for m, ep in zip(values, endpoints) if (r := _row(linker, m, arm, rule, ep))]
            else:
                pair = listed if len(listed) == len(values) else linker.pair_arms(values[-1].end)
                last_pair = pair
                if len(pair) >= 2 and all(pair):
                    ctx.arms = list(pair[:2])
                group = [r for m, arm in zip(values, pair) if (r := _row(linker, m, arm, rule))]
        else:
            m = values[0]
            if m.label in {"HR", "ORATIO"}:
                row = _hr_row(linker, m, last_pair or linker.pair_arms(m.end))
            else:
                row = _row(linker, m, linker.arm_before(m.start), rule)
            group = [row] if row else []
        rows.extend((row, group) for row in group)
    _attach_statistics(sentence, rows)
    return [row for row, _ in rows]


def _attach_statistics(sentence: Sentence, rows: list[tuple[Outcome, list[Outcome]]]) -> None:
    """CI to the number it follows; P to its HR, else to every row of the comparison."""
    for stat in sentence.labelled("CI", "PVAL"):
        before = [(row, group) for row, group in rows if row.end <= stat.start]
        if not before:
            continue
        row, group = before[-1]
        if stat.label == "CI":
            if not row.ci_low:
                row.ci_low, row.ci_high = stat.data.get("low", ""), _ci_high(stat)
            continue
        p_value = stat.data.get("op", "=").replace("=", "") + stat.data.get("num", "")
        if row.measure in {"hr", "or"}:
            targets = [row]
        elif len(group) > 1:
            targets = group
        else:
            targets = [r for r, g in before if r.endpoint == row.endpoint and r.measure == row.measure
                       and not r.p_value]
        for target in targets:
            target.p_value = target.p_value or p_value


def _ci_high(stat: Mention) -> str:
    high = stat.data.get("high", "")
    return high if high[:1].isdigit() else ""
