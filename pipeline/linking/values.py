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

    def __init__(self, text: str, sentence: Sentence, words: Words, carried: Mention | None = None):
        self.text = text
        self.s = sentence
        self.words = words
        self.carried = carried
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

    def admits(self, code: str, measure: str) -> bool:
        """endpoints.yaml says which numbers an endpoint takes (a landmark is a rate at a time point)."""
        allowed = self.words.measures.get(code, frozenset())
        wanted = {"rate": {"rate", "landmark"}, "or": {"hr"}}.get(measure, {measure})
        return bool(allowed & wanted)

    # --- endpoint ---------------------------------------------------------------------
    def endpoint_for(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """The endpoint a number belongs to, and the rule that found it."""
        for finder in (self._endpoint_after, self._landmark_endpoint, self._endpoint_before, self._hazard,
                       self._carried):
            found, rule = finder(value, measure)
            if found is not None or rule == "blocked":
                return found, rule
        return None, ""

    def _same_clause(self, a: int, b: int) -> bool:
        return self.s.clause_of(a) == self.s.clause_of(b)

    def _endpoint_after(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """接近60%的客观缓解率: a number, 的, then its endpoint."""
        de = any(m.label == "DE" and value.end <= m.start <= value.end + 2 for m in self.s.mentions)
        following = [m for m in self.s.mentions if m.label in {"ENDPOINT", "VALUE"} and value.end <= m.start
                     and self._same_clause(m.start, value.start)]
        first = following[0] if following else None
        if de and first is not None and first.label == "ENDPOINT" and first.start - value.end <= 10 \
                and self.admits(first.norm, measure):
            return first, "link.value-of-endpoint"
        return None, ""

    def _landmark_endpoint(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """12个月(51.0% vs 40.0%)的OS率: time point and numbers first, the endpoint after them."""
        if not any(m.label == "LANDMARK" and 0 <= value.start - m.end <= 2 for m in self.s.mentions):
            return None, ""
        ahead = [m for m in self.s.labelled("ENDPOINT") if m.start > value.end and self._same_clause(m.start, value.end)]
        if ahead and self.admits(ahead[0].norm, measure):
            return ahead[0], "link.landmark-values-then-endpoint"
        return None, ""

    def _endpoint_before(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """ORR为36%: the nearest fitting endpoint before the number, unless 但/局部复发率 stands between."""
        blockers = [m.end for m in self.s.mentions if m.label in {"NOT_ENDPOINT", "CONTRAST"} and m.end <= value.start]
        for m in reversed([m for m in self.s.labelled("ENDPOINT") if m.end <= value.start]):
            if blockers and max(blockers) > m.end:
                return None, "blocked"
            if self.admits(m.norm, measure):
                return m, "link.endpoint-before-value"
        return None, ""

    def _hazard(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """死亡风险比0.63: the hazard word names the endpoint of a ratio."""
        hazard = [h for h in self.s.labelled("HAZARD") if h.end <= value.start]
        if measure in {"hr", "or"} and hazard:
            return hazard[-1], "link.hazard-word"
        return None, ""

    def _median_range(self, m: Mention, endpoint: Mention) -> bool:
        """中位OS约为8~10个月: a range is a median's only where 中位 (or mPFS) says so and no 范围 does."""
        before = self.text[max(self.s.start, m.start - 6):m.start]
        if any(w in before for w in self.words.spread):
            return False
        named = [x for x in self.s.labelled("MEDIAN") if endpoint.start - 4 <= x.start <= m.start]
        return bool(named) or endpoint.text[:1] == "m"

    def _carried(self, value: Mention, measure: str) -> tuple[Mention | None, str]:
        """以C组为对照，A组的HR=0.61: a ratio with no endpoint of its own is the last one named."""
        if measure in {"hr", "or"} and self.carried is not None and self.admits(self.carried.norm, measure) \
                and not self.s.labelled("NOT_ENDPOINT"):  # 肝脏转移率…HR0.39 is the ratio of that rate
            return self.carried, "link.endpoint-carried"
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
        return any(c.end <= m.start and self._gap(c.end, m.start) in self.words.value_gap
                   for c in self.s.labelled("CHANGE"))

    def _gap(self, start: int, end: int) -> str:
        """The words between a change word and a number, endpoints and qualifiers left out (延长OS近16个月)."""
        between = self.text[start:end]
        for m in self.s.mentions:
            if start <= m.start and m.end <= end and m.label in {"ENDPOINT", "QUALIFIER", "MEDIAN"}:
                between = between.replace(m.text, "", 1)
        return between.strip()

    # --- the row ------------------------------------------------------------------------
    def row(self, m: Mention, rule: str, endpoint: Mention | None = None,
            landmark: Mention | None = None) -> Outcome | None:
        """The outcome row of a number, without its arm; None for what is not an outcome."""
        if self.is_difference(m):
            return None
        unit = self.unit(m)
        measure = self.measure_of(m, unit)
        how = "link.listed-endpoint"
        if endpoint is None or not self.admits(endpoint.norm, measure):
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
        if measure == "median" and row.value_high and not self._median_range(m, endpoint):
            return None  # PFS时间为4~63月, 范围4~63个月: a spread of individual values is not a row
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
