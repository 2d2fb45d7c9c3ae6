"""Records: what linking produces and the tables stage turns into DataFrames.

Offsets in records point into the normalised text; the extract step maps them
back to the decoded original before tables are written.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Outcome:
    endpoint: str
    measure: str
    value: str
    start: int
    end: int
    unit: str = ""
    timepoint_months: str = ""
    value_high: str = ""
    qualifier: str = ""
    ci_low: str = ""
    ci_high: str = ""
    p_value: str = ""
    arm: str = ""
    drugs: str = ""
    comparator_drugs: str = ""
    trial: str = ""
    disease: str = ""
    citation: str = ""
    sentence: tuple[int, int] = (0, 0)
    rules: list[str] = field(default_factory=list)
    segment: int = -1


@dataclass(slots=True)
class Trial:
    trial: str = ""
    phase: str = ""
    design: str = ""
    n: str = ""
    disease: str = ""
    setting: str = ""
    arms: str = ""
    followup_months: str = ""
    venue: str = ""
    citation: str = ""
    rules: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Regimen:
    name: str
    drugs: str
    definition: str = ""
    start: int = 0
    end: int = 0
    rules: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Citation:
    marker: str
    refs: list[int]
    start: int
    end: int
    sentence: tuple[int, int] = (0, 0)


@dataclass(slots=True)
class Linked:
    """Everything linking found in one document."""

    outcomes: list[Outcome] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    regimens: list[Regimen] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
