"""One number read in its sentence: its endpoint, measure, time point, qualifier and statistics.

Relations decide whose number it is; this module decides what the number is.
Which measures an endpoint admits comes from ``endpoints.yaml`` (``measures:``),
so a code a rule author adds gets rows without Python.
"""
from __future__ import annotations

from ..recognizing import Mention
from ..records import Outcome
from .text import Sentence
from .words import Words

SYMBOLS = {"<": "<", ">": ">", "≤": "<", "≥": ">"}
KINDS = {"HR": "hr", "ORATIO": "or", "NR": "nr"}


def landmark_months(m: Mention, words: Words) -> str:
    """``1年`` -> 12, ``28周`` -> 6.5 (weeks * 12 / 52, one decimal), ``五年`` -> 60."""
    number = words.number(m.data.get("num", ""))
    unit = words.unit(m.data.get("unit", ""))
    months = number * 12 if unit == "year" else number * 12 / 52 if unit == "week" else number
    return f"{months:.1f}".rstrip("0").rstrip(".")


class Reader:
    """Reads the numbers of one sentence; remembers landmarks stated once for a list of values."""

    def __init__(self, text: str, sentence: Sentence, words: Words):
        self.text = text
        self.s = sentence
        self.words = words
        self.landmark_by_code: dict[str, str] = {}

    # --- what kind of number ---------------------------------------------------------
    def unit(self, m: Mention) -> str:
        """A bare number borrows the unit of the number it is listed with (13.3和10.2个月)."""
        if m.label == "NR" or m.label in KINDS:
            return ""
        if m.data.get("unit"):
            return self.words.unit(m.data["unit"])
        for nxt in self.s.mentions:
            if nxt.start > m.start and nxt.label == "VALUE" and nxt.data.get("unit"):
                return self.words.unit(nxt.data["unit"])
        return ""

    def measure_of(self, m: Mention, unit: str) -> str:
        kind = KINDS.get(m.label, "")
        if kind in {"hr", "or"}:
            return kind
        if kind == "nr":
            return "median"
        return "rate" if unit == "%" else "median"

    def admits(self, code: str, measure: str, m: Mention) -> bool:
        allowed = self.words.measures.get(code, frozenset())
        wanted = {"rate": {"rate", "landmark"}, "or": {"hr"}}.get(measure, {measure})
        return bool(allowed & wanted)

    # --- endpoint ---------------------------------------------------------------------
    def endpoint_for(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """The endpoint a number belongs to, and the rule that found it."""
        s = self.s
        de = any(m.label == "DE" and value.end <= m.start <= value.end + 2 for m in s.mentions)
        following = [m for m in s.mentions if m.label in {"ENDPOINT", "VALUE"} and value.end <= m.start
                     and s.clause_of(m.start) == s.clause_of(value.start)]
        if following and following[0].label == "ENDPOINT" and de \
                and following[0].start - value.end <= 10 and self.admits(following[0].norm, measure, value):
            return following[0], "link.value-of-endpoint"
        if any(m.label == "LANDMARK" and 0 <= value.start - m.end <= 2 for m in s.mentions):
            ahead = [m for m in s.mentions if m.label == "ENDPOINT" and m.start > value.end
                     and s.clause_of(m.start) == s.clause_of(value.end)]
            if ahead and self.admits(ahead[0].norm, measure, value):
                return ahead[0], "link.landmark-values-then-endpoint"
        blockers = [m.end for m in s.mentions if m.label in {"NOT_ENDPOINT", "CONTRAST"} and m.end <= value.start]
        for m in reversed([m for m in s.mentions if m.label == "ENDPOINT" and m.end <= value.start]):
            if blockers and max(blockers) > m.end:
                return None, ""
            if self.admits(m.norm, measure, value):
                return m, "link.endpoint-before-value"
        if measure in {"hr", "or"}:
            hazard = [h for h in s.labelled("HAZARD") if h.end <= value.start]
            if hazard:
                return hazard[-1], "link.hazard-word"
        return None, ""

    def landmark_for(self, endpoint: Mention, value: Mention, given: Mention | None = None) -> str:
        """Time point of a landmark rate: given by a list, next to the endpoint or value, else carried over."""
        if given is not None:
            return landmark_months(given, self.words)
        for m in self.s.labelled("LANDMARK"):
            if self._leads(m, endpoint) or 0 <= value.start - m.end <= 2:
                months = landmark_months(m, self.words)
                self.landmark_by_code[endpoint.norm] = months
                return months
        return self.landmark_by_code.get(endpoint.norm, "")

    def _leads(self, landmark: Mention, endpoint: Mention) -> bool:
        """``1年总生存(OS)率``: only endpoint words and brackets between time point and endpoint."""
        if landmark.end > endpoint.start:
            return False
        between = self.text[landmark.end:endpoint.start]
        for m in self.s.labelled("ENDPOINT"):
            if landmark.end <= m.start and m.end <= endpoint.start:
                between = between.replace(m.text, "", 1)
        return len(between) <= 3 and not between.strip(self.words.landmark_gap)

    def qualifier(self, m: Mention) -> str:
        if m.label == "NR":
            return "NR"
        for q in self.s.labelled("QUALIFIER"):
            if q.end <= m.start and self.text[q.end:m.start].strip() in self.words.value_gap:
                return q.norm
        before = self.text[max(self.s.start, m.start - 1):m.start]
        if before in SYMBOLS:
            return SYMBOLS[before]
        after = [q for q in self.s.labelled("QUALIFIER_AFTER") if 0 <= q.start - m.end <= 1]
        return after[0].norm if after else ""

    def is_difference(self, m: Mention) -> bool:
        """降低了30%, 延长2个月: a difference between arms; 3年无远处转移生存率: a time of another measure."""
        if any(0 <= n.start - m.end <= 1 for n in self.s.labelled("NOT_ENDPOINT")):
            return True
        return any(c.end <= m.start and self.text[c.end:m.start].strip() in self.words.value_gap
                   for c in self.s.labelled("CHANGE"))

    # --- the row ------------------------------------------------------------------------
    def row(self, m: Mention, rule: str, endpoint: Mention | None = None,
            landmark: Mention | None = None) -> Outcome | None:
        """The outcome row of a number, without its arm; None for what is not an outcome."""
        if self.is_difference(m):
            return None
        unit = self.unit(m)
        measure = self.measure_of(m, unit)
        how = "link.listed-endpoint"
        if endpoint is None or not self.admits(endpoint.norm, measure, m):
            endpoint, how = self.endpoint_for(m, measure)
        if endpoint is None:
            return None
        kind = KINDS.get(m.label, "value")
        row = Outcome(endpoint=endpoint.norm, measure=measure, value="" if kind == "nr" else m.norm,
                      start=m.start, end=m.end, unit="month" if kind == "nr" else unit,
                      value_high=m.data.get("high", "") if kind == "value" else "",
                      qualifier=self.qualifier(m), sentence=(self.s.start, self.s.end),
                      rules=sorted({rule, how, m.rule, endpoint.rule}))
        if measure == "rate" and endpoint.norm in self.words.landmark_codes:
            row.timepoint_months = self.landmark_for(endpoint, m, landmark)
        if measure == "median" and row.value_high:
            return None  # a spread of times (PFS 4~63月) is not a median
        return row


def attach_statistics(sentence: Sentence, rows: list[tuple[Outcome, list[Outcome]]]) -> None:
    """SCHEMA's P placement: a CI to the number it follows; a P to its HR, else to every row it closes."""
    for stat in sentence.labelled("CI", "PVAL"):
        before = [(row, group) for row, group in rows if row.end <= stat.start]
        if not before:
            continue
        row, group = max(before, key=lambda pair: pair[0].end)
        if stat.label == "CI":
            if not row.ci_low:
                high = stat.data.get("high", "")
                row.ci_low, row.ci_high = stat.data.get("low", ""), high if high[:1].isdigit() else ""
            continue
        p_value = stat.data.get("op", "=").replace("=", "") + stat.data.get("num", "")
        if row.measure in {"hr", "or"}:
            targets = [row]
        elif len(group) > 1:
            targets = group
        else:
            targets = [r for r, _ in before if r.endpoint == row.endpoint and r.measure == row.measure
                       and not r.p_value]
        for target in targets:
            target.p_value = target.p_value or p_value
