"""Result frames: each efficacy number linked to its endpoint, measure, arm and statistics.

Within a sentence, numbers come in three shapes, each a relation rule:
``link.vs`` (``5.5个月 vs 3.4个月``: one row per arm), ``link.respectively``
(``中位PFS和OS分别为9.0个月和19.9个月``: values distributed over the endpoints
or arms listed before 分别) and ``link.single`` (``ORR为36%``). Endpoints are
found by ``link.value-of-endpoint`` (接近60%的客观缓解率) or
``link.endpoint-before-value``; HR rows take the arms of the comparison they
close. CIs go to the number they follow; a P goes to the HR of its bracket, or
else to every arm row of the comparison it follows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..recognizing import Mention
from ..records import Outcome
from .text import Sentence
from .treatments import Treatment
from .words import Words

RATE_CODES = {"ORR", "DCR", "CBR", "PFR", "CR", "PR", "PCR"}
TIME_CODES = {"PFS", "OS", "EFS", "DFS", "RFS", "DOR", "TTR"}
LANDMARK_CODES = {"PFS", "OS", "EFS", "DFS", "RFS", "PFR"}
VALUE_LABELS = {"VALUE", "HR", "ORATIO", "NR"}
IGNORED_IN_SEQUENCE = {"CI", "PVAL", "CITE", "DOSE", "SETTING", "DESIGN", "STUDY", "STUDY_INTRO"}


@dataclass(slots=True)
class Context:
    """What the study frame knows when a sentence is linked."""

    current: Treatment | None = None
    arms: list[Treatment] = field(default_factory=list)


def landmark_months(m: Mention, words: Words) -> str:
    """``1年`` -> 12, ``28周`` -> 6.5 (weeks * 12 / 52, one decimal), ``五年`` -> 60."""
    number = words.number(m.data.get("num", ""))
    unit = words.unit(m.data.get("unit", ""))
    months = number * 12 if unit == "year" else number * 12 / 52 if unit == "week" else number
    return f"{months:.1f}".rstrip("0").rstrip(".")


class SentenceLinker:
    """Links the numbers of one sentence; one instance per sentence."""

    def __init__(self, text: str, sentence: Sentence, arms: list[Treatment], ctx: Context, words: Words):
        self.text = text
        self.words = words
        self.s = sentence
        self.arms = arms
        self.ctx = ctx
        self.seq = [m for m in sentence.mentions if m.label not in IGNORED_IN_SEQUENCE]
        self.landmark_by_code: dict[str, str] = {}

    # --- endpoints -------------------------------------------------------------------
    def _compatible(self, code: str, unit: str, kind: str) -> bool:
        if kind in {"hr", "or"}:
            return code in TIME_CODES or code in RATE_CODES
        if kind == "nr":
            return code in TIME_CODES
        if unit == "%":
            return code in RATE_CODES or code in LANDMARK_CODES
        return code in TIME_CODES

    def endpoint_for(self, value: Mention, unit: str, kind: str, until: int) -> tuple[Mention | None, str]:
        """The endpoint a number belongs to, and the rule that found it."""
        de = any(m.label == "DE" and value.end <= m.start <= value.end + 2 for m in self.s.mentions)
        following = [m for m in self.s.mentions if m.label in {"ENDPOINT", "VALUE"} and value.end <= m.start
                     and self.s.clause_of(m.start) == self.s.clause_of(value.start)]
        if following and following[0].label == "ENDPOINT" and de \
                and following[0].start - value.end <= 10 and self._compatible(following[0].norm, unit, kind):
            return following[0], "link.value-of-endpoint"
        landmark_led = any(m.label == "LANDMARK" and 0 <= value.start - m.end <= 2 for m in self.s.mentions)
        if landmark_led:
            ahead = [m for m in self.s.mentions if m.label == "ENDPOINT" and m.start > until
                     and self.s.clause_of(m.start) == self.s.clause_of(until)]
            if ahead and self._compatible(ahead[0].norm, unit, kind):
                return ahead[0], "link.landmark-values-then-endpoint"
        blockers = [m.end for m in self.s.mentions if m.label in {"NOT_ENDPOINT", "CONTRAST"} and m.end <= value.start]
        for m in reversed([m for m in self.s.mentions if m.label == "ENDPOINT" and m.end <= value.start]):
            if blockers and max(blockers) > m.end:
                return None, ""
            if self._compatible(m.norm, unit, kind):
                return m, "link.endpoint-before-value"
        return None, ""

    def landmark_for(self, endpoint: Mention, value: Mention) -> str:
        """Time point of a landmark rate: next to the endpoint or the value, else carried over."""
        for m in self.s.mentions:
            if m.label != "LANDMARK":
                continue
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
        for m in self.s.mentions:
            if m.label == "ENDPOINT" and landmark.end <= m.start and m.end <= endpoint.start:
                between = between.replace(m.text, "", 1)
        return len(between) <= 3 and not between.strip(self.words.landmark_gap)

    # --- arms ------------------------------------------------------------------------------
    def _blocked(self, start: int, end: int) -> bool:
        return any(m.label == "CONTRAST" and start <= m.start < end for m in self.s.mentions)

    def arm_before(self, offset: int) -> Treatment | None:
        """The nearest arm written before a number, unless a 但/而 clause separates them."""
        before = [a for a in self.arms if a.end <= offset]
        if before:
            nearest = before[-1]
            if self._blocked(nearest.end, offset):
                return None
            study = self.ctx.current
            if not (nearest.specific or nearest.label) and study is not None and study.specific \
                    and len(self.ctx.arms) < 2:
                return study  # 含铂治疗后复发: a class named in passing is not the study's treatment
            return nearest
        if self._blocked(self.s.start, offset) or len(self.ctx.arms) >= 2:
            return None  # in a two-arm study, a number without an arm is pooled
        return self.ctx.current

    def pair_arms(self, until: int) -> list[Treatment | None]:
        """The two arms of a comparison: named in the sentence, else the study's arms."""
        labelled: list[Treatment] = []
        for a in self.arms:
            if a.label and all(a.label != b.label for b in labelled):
                labelled.append(a)
        named: list[Treatment] = []
        for a in self.arms:
            if (a.specific or a.label) and all(a.key != b.key for b in named):
                named.append(a)
        if len(labelled) >= 2:
            named = labelled
        frame = [a for a in self.ctx.arms]
        if len(named) >= 2:
            first, second = named[0], named[1]
            if any(w in self.text[first.end:first.end + 6] for w in self.words.compared_with) \
                    and second.start < until + 12:
                first, second = second, first
            return [first, second]
        if len(named) == 1:
            others = [a for a in frame if a.key != named[0].key]
            return [named[0], others[0] if others else None]
        if len(frame) >= 2:
            return frame[:2]
        return [self.ctx.current, None]

    # --- groups of numbers -----------------------------------------------------------------
    def groups(self) -> list[tuple[str, list[Mention], Mention | None]]:
        """Split the sentence's numbers into (rule, values, respectively-marker) groups."""
        out: list[tuple[str, list[Mention], Mention | None]] = []
        seq = self.seq
        i = 0
        while i < len(seq):
            m = seq[i]
            if m.label == "RESPECTIVELY":
                values, j = self._value_list(i + 1)
                if values:
                    out.append(("link.respectively", values, m))
                    i = j
                    continue
            if m.label in VALUE_LABELS:
                if m.label == "VALUE" and i + 2 < len(seq) and seq[i + 1].label in {"VS", "AND"} \
                        and seq[i + 2].label == "VALUE" and self._same_unit(m, seq[i + 2]):
                    out.append(("link.vs" if seq[i + 1].label == "VS" else "link.and-pair",
                                [m, seq[i + 2]], None))
                    i += 3
                    continue
                out.append(("link.single", [m], None))
            i += 1
        return out

    @staticmethod
    def _same_unit(a: Mention, b: Mention) -> bool:
        return not a.data.get("unit") or a.data.get("unit") == b.data.get("unit")

    def _value_list(self, i: int) -> tuple[list[Mention], int]:
        """``X和Y`` / ``X vs Y`` / ``X、Y及Z`` after 分别为."""
        values: list[Mention] = []
        seq = self.seq
        while i < len(seq) and seq[i].label in {"QUALIFIER"}:
            i += 1
        while i < len(seq) and seq[i].label in {"VALUE", "NR"}:
            values.append(seq[i])
            i += 1
            if i + 1 < len(seq) and seq[i].label in {"AND", "VS"} and seq[i + 1].label in {"VALUE", "NR"}:
                i += 1
                continue
            break
        return values, i

    def listed_before(self, marker: Mention) -> tuple[list[Mention], list[Treatment]]:
        """Endpoints and arms listed in the stretch before 分别 (back to the previous number)."""
        previous = [m.end for m in self.s.mentions if m.label in VALUE_LABELS and m.end <= marker.start]
        begin = max([self.s.clause_starts[self.s.clause_of(marker.start)]] + previous)
        endpoints: list[Mention] = []
        for m in self.s.mentions:
            if m.label == "ENDPOINT" and begin <= m.start < marker.start:
                if not endpoints or endpoints[-1].norm != m.norm:
                    endpoints.append(m)
        arms = [a for a in self.arms if begin <= a.start < marker.start]
        if not endpoints and not arms and begin > self.s.start:
            return self.listed_before_from(self.s.start, marker)
        return endpoints, arms

    def listed_before_from(self, begin: int, marker: Mention) -> tuple[list[Mention], list[Treatment]]:
        endpoints = [m for m in self.s.mentions if m.label == "ENDPOINT" and begin <= m.start < marker.start]
        return endpoints[-1:], [a for a in self.arms if begin <= a.start < marker.start][-2:]
