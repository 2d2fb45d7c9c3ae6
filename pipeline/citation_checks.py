"""Citation checks: does the reference a marker cites say what the marker's claim says?

A stage after linking that reads only finished rows (outcomes, trials,
references, citations), so it does not depend on how linking attributes
markers. Each marker that supports outcome rows or a trial gets a claim (drugs,
trial name, phase, design, venue, an author its sentence names), which is held
against every entry of the reference list. The words that let a Chinese claim
meet an English title come from the rules (``pipeline.citation_words``); this
module only compares sets.

Verdicts (README, "Citation checks"): ``consistent`` when a cited entry names
the claim's trial, author or drugs; ``mismatch`` only when every cited entry is
past the end of the list or names drugs outside the claim, and another entry
names strictly more of the claim, convincingly; ``unverifiable`` otherwise (no
list, a guideline, a title naming no drug, a claim naming no drug or trial).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import regex

from .citation_words import Vocabulary, fold_words

YEAR = regex.compile(r"(?:19|20)\d{2}")
DRUG_LABELS = frozenset({"DRUG", "REGIMEN"})  # mention labels whose norm is drugs joined by +
TRIAL_LABEL = "TRIAL"


@dataclass
class Claim:
    """What one marker supports, as comparable items (drugs are canonical names)."""

    drugs: set[str] = field(default_factory=set)
    arms: list[str] = field(default_factory=list)  # each supported treatment, for the claim text
    trials: list[str] = field(default_factory=list)
    phases: set[str] = field(default_factory=set)
    designs: set[str] = field(default_factory=set)
    venues: set[tuple[str, str]] = field(default_factory=set)  # (year, conference)
    sentence: str = ""  # the text next to the marker: its sentence, its rows' sentences, trial names
    said: set[str] = field(default_factory=set)  # drugs named there (and since the marker before)
    authors: list[str] = field(default_factory=list)  # first authors of the list the text names (Goorin等)

    def items(self) -> set[str]:
        """Every drug the claim stands for: its rows' drugs and those its sentences name."""
        return self.drugs | self.said

    def named_nearby(self, key: str) -> bool:
        """The text itself names this item (a drug, ``trial X`` or ``author X``) next to the marker."""
        if key.startswith("trial "):
            return names_trial(self.sentence, key[6:])
        return key.startswith("author ") or key in self.said

    def text(self) -> str:
        """``sintilimab+doxorubicin+ifosfamide; single-arm; phase II; 2024 ASCO``, as in SCHEMA."""
        parts = [" vs ".join(self.arms), *self.trials, ", ".join(sorted(self.designs)),
                 *(f"phase {p}" for p in sorted(self.phases)), *(f"{y} {c}".strip() for y, c in sorted(self.venues)),
                 *(f"{a} et al." for a in self.authors)]
        return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class Entry:
    """One reference-list entry as the items its title and fields name."""

    ref_no: int
    guideline: bool
    drugs: dict[str, tuple[str, str]]  # canonical drug -> (surface, rule id)
    title: str
    whole: str  # the entry as written, for the year and conference of an abstract
    phases: frozenset[str]
    designs: dict[str, str]  # design code -> rule id
    year: str
    author: str  # the first author's family name, as the body would write it


@dataclass
class Held:
    """A claim held against one entry: which of the claim's items it names, and which other drugs."""

    entry: Entry
    matched: dict[str, str]  # claim item (drug, trial name, "author") -> label for the reason
    supporting: list[str]  # phase, design, venue items
    foreign: list[str]  # specific drugs the entry names that the claim does not
    rules: set[str]

    @property
    def strong(self) -> bool:
        """Naming the trial or the first author identifies a study better than any drug."""
        return any(key.startswith(("trial ", "author ")) for key in self.matched)

    def names(self, extra: bool = True) -> str:
        return ", ".join([*self.matched.values(), *(self.supporting if extra else [])])


def family_name(author: str) -> str:
    """``Goorin AM`` -> ``Goorin``; ``García Del Muro X`` -> ``García Del Muro``; ``王凯`` -> ``王凯``."""
    words = author.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:
        words = words[:-1]
    return " ".join(words)


def entry_of(row: dict, vocab: Vocabulary) -> Entry:
    """The comparable items of one ``references`` row (its title, or the whole entry if no title was parsed)."""
    whole = str(row.get("text") or "")
    title = str(row.get("title") or "") or whole
    guideline = row.get("kind") == "guideline" or vocab.is_guideline(title)
    return Entry(int(row["ref_no"]), guideline, vocab.drugs_in(title), title, whole,
                 frozenset(vocab.phases_in(title)), vocab.designs_in(title), str(row.get("year") or ""),
                 family_name(str(row.get("first_author") or "")))


def trial_aliases(name: str) -> list[str]:
    """A trial name and its ``/``-separated parts (``ABC/XYZ-lung 3`` -> also ``ABC``), folded."""
    parts = [name, *name.split("/")] if "/" in name else [name]
    folded = [fold_words(part) for part in parts]
    return [f for f in dict.fromkeys(folded) if len(f.replace(" ", "")) >= 3]


def names_trial(text: str, trial: str) -> bool:
    """The text names the trial: one of its aliases as whole tokens, not followed by a number
    (``FRESCO`` is not named by ``FRESCO-2``)."""
    folded = fold_words(text)
    for alias in trial_aliases(trial):
        at = folded.find(alias)
        while at >= 0:
            if not folded[at + len(alias):].split(" ", 1)[0].isdigit():
                return True
            at = folded.find(alias, at + 1)
    return False


def names_author(sentence: str, author: str) -> bool:
    """The body names an entry's first author (``Goorin等``, ``王凯等报道``)."""
    if not author:
        return False
    return fold_words(author) in fold_words(sentence) if author.isascii() else author in sentence


def hold(claim: Claim, entry: Entry, vocab: Vocabulary) -> Held:
    """Which of the claim's items the entry names; drugs match by name or class, in any language."""
    matched, foreign, rules = {}, [], set()
    for claimed in sorted(claim.items()):
        for named, (surface, rule) in entry.drugs.items():
            if vocab.related(claimed, named):
                plain = surface.casefold().rstrip("s") == claimed.casefold().rstrip("s")
                label = claimed if plain else f"{claimed} ({surface})"
                matched[claimed] = label if claimed in claim.drugs else f"{label} [named in the text]"
                rules.add(rule)
                break
    for named in sorted(entry.drugs):
        if vocab.is_specific(named) and not any(vocab.related(c, named) for c in claim.items()):
            foreign.append(named)
    for trial in claim.trials:
        if names_trial(entry.title, trial):
            matched[f"trial {trial}"] = f"trial {trial}"
    if entry.author and entry.author in claim.authors:
        matched[f"author {entry.author}"] = f"first author {entry.author}"
    supporting = [d for d in sorted(claim.designs) if d in entry.designs]
    rules.update(entry.designs[d] for d in supporting)
    supporting += [f"phase {p}" for p in sorted(claim.phases & entry.phases)]
    for year, conference in sorted(claim.venues):
        if year and year == entry.year:
            named = conference and fold_words(conference) in fold_words(entry.whole)
            supporting.append(f"{year} {conference}" if named else year)
    return Held(entry, matched, supporting, foreign, rules)


def convincing(held: Held, covered: set[str], claim: Claim) -> bool:
    """Enough to suggest an entry instead: it names strictly more of the claim than the cited entries,
    at least one of the extra items is named next to the marker (so a linking slip in the rows cannot
    raise the alarm alone), and it names the trial or author, two items, or all of a one-drug claim."""
    extra = set(held.matched) - covered
    if not (set(held.matched) > covered and any(claim.named_nearby(key) for key in extra)):
        return False
    return held.strong or len(held.matched) >= min(2, len(claim.items()) + len(claim.trials))


Verdict = tuple[str, list[int], str, set]  # verdict, suggested refs, reason, rule ids


def judge(claim: Claim, refs: list[int], entries: dict[int, Entry], vocab: Vocabulary) -> Verdict:
    """(verdict, suggested refs, reason, rule ids) for one marker's claim."""
    if not entries:
        return "unverifiable", [], "the article has no reference list", set()
    if not claim.items() and not claim.trials:
        return "unverifiable", [], "the claim names no drug or trial", set()
    helds = {no: hold(claim, entry, vocab) for no, entry in entries.items()}
    cited = [helds[no] for no in refs if no in helds and not helds[no].entry.guideline]
    supporting = [h for h in cited if h.matched]
    for h in supporting:
        if h.strong:
            return "consistent", [], f"ref {h.entry.ref_no} names {h.names()}", h.rules
    covered = set().union(*(h.matched for h in cited)) if cited else set()
    better = [h for no, h in sorted(helds.items()) if no not in refs and not h.entry.guideline
              and convincing(h, covered, claim) and all(_differs(c, h) for c in cited)]
    if supporting and not better:
        return ("consistent", [], "; ".join(f"ref {h.entry.ref_no} names {h.names()}" for h in supporting),
                set().union(*(h.rules for h in supporting)))
    blocking = _blocking(refs, entries, helds)
    if blocking:
        return "unverifiable", [], blocking, set()
    wrong = "; ".join(_wrong(no, entries, helds) for no in refs)
    if better:
        best = max(_rank(h) for h in better)
        chosen = [h for h in better if _rank(h) == best]
        reason = f"{wrong}; " + "; ".join(f"ref {h.entry.ref_no} names {h.names()}" for h in chosen)
        return "mismatch", [h.entry.ref_no for h in chosen], reason, set().union(*(h.rules for h in chosen))
    return "unverifiable", [], f"{wrong}; no other entry names {_listing(claim)} as the text does", set()


def _rank(held: Held) -> tuple[bool, int, int]:
    """Suggest the entries naming the trial or author first, then those naming most of the claim."""
    return held.strong, len(held.matched), len(held.supporting)


def _differs(cited: Held, other: Held) -> bool:
    """The cited entry is about another treatment than ``other``: it names a drug ``other`` does not.
    (An entry naming the same drugs as the better one is the same study, with a claim that lost a drug.)"""
    return any(drug not in other.entry.drugs for drug in cited.foreign)


def _listing(claim: Claim) -> str:
    return ", ".join(sorted(claim.said) or sorted(claim.drugs) or claim.trials)


def _blocking(refs: list[int], entries: dict[int, Entry], helds: dict[int, Held]) -> str:
    """Why a cited entry cannot be judged at all: a guideline, or a title that names no drug."""
    reasons = []
    for no in refs:
        if no in entries and entries[no].guideline:
            reasons.append(f"ref {no} is a guideline")
        elif no in entries and not helds[no].matched and not helds[no].foreign:
            reasons.append(f"ref {no}'s title names no drug or trial")
    return "; ".join(reasons)


def _wrong(no: int, entries: dict[int, Entry], helds: dict[int, Held]) -> str:
    if no not in entries:
        return f"ref {no} is past the end of the list ({len(entries)} entries)"
    held = helds[no]
    shared = f" (shares only {held.names(extra=False)})" if held.matched else ""
    return f"ref {no} names {', '.join(held.foreign)}, not in the claim{shared}"


# ---- claims from the rows of the earlier stages ------------------------------------------------

def _refs(text) -> list[int]:
    return [int(part) for part in str(text or "").split(";") if part.strip().isdigit()]


def _covering(citation, markers: list[dict]) -> dict[str, list[int]]:
    """Marker occurrences a row's ``citation`` came from, grouped by their refs: the markers citing
    exactly those refs, else (a citation joined from several markers) each marker it covers."""
    wanted = set(_refs(citation))
    groups: dict[str, list[int]] = {}
    for i, m in enumerate(markers):
        refs = set(_refs(m["refs"]))
        if refs and refs <= wanted:
            groups.setdefault(m["refs"], []).append(i)
    exact = {refs: indices for refs, indices in groups.items() if set(_refs(refs)) == wanted}
    return exact or groups


def _markers_for(citation, start: int, end: int, markers: list[dict]) -> list[int]:
    """The marker occurrences a row's ``citation`` came from: per distinct marker it covers,
    the first occurrence after the row, else the last one before it."""
    chosen = []
    for indices in _covering(citation, markers).values():
        after = [i for i in indices if markers[i]["start"] >= end]
        before = [i for i in indices if markers[i]["start"] < start]
        chosen.append(after[0] if after else before[-1] if before else indices[0])
    return chosen


def _drugs(text) -> set[str]:
    return {d for d in str(text or "").replace("|", "+").split("+") if d}


def claims(rows: dict[str, list[dict]], vocab: Vocabulary) -> dict[int, Claim]:
    """Claim per marker (index into ``rows["citations"]``) from the outcome and trial rows citing it."""
    markers = rows.get("citations", [])
    found: dict[int, Claim] = {}
    supported: dict[int, list[dict]] = {}
    for o in rows.get("outcomes", []):
        for i in _markers_for(o.get("citation"), int(o.get("start") or 0), int(o.get("end") or 0), markers):
            claim = found.setdefault(i, Claim(sentence=str(markers[i].get("sentence") or "")))
            supported.setdefault(i, []).append(o)
            for arm in (o.get("drugs"), o.get("comparator_drugs")):
                _add_arm(claim, arm, vocab)
            if o.get("trial") and o["trial"] not in claim.trials:
                claim.trials.append(o["trial"])
    for t in rows.get("trials", []):
        groups = _covering(t.get("citation"), markers).values()
        mine = [i for indices in groups for i in indices if any(_supports(t, o, vocab) for o in supported.get(i, []))]
        for i in mine or [indices[0] for indices in groups]:
            claim = found.setdefault(i, Claim(sentence=str(markers[i].get("sentence") or "")))
            _add_trial(claim, t, vocab)
    for i, claim in found.items():
        mentions = rows.get("mentions", [])
        _read_context(claim, supported.get(i, []), _window(i, markers, mentions),
                      _window(i, markers, mentions, back=2), vocab)
    return found


def _read_context(claim: Claim, supported: list[dict], window: list[dict], study: list[dict],
                  vocab: Vocabulary) -> None:
    """What the text next to the marker names itself, as evidence independent of the rows' linking:
    the drugs since the marker before, or, when that stretch names none (a results paragraph that
    follows a design paragraph with its own marker), since the marker before that; trial names always
    from the longer stretch."""
    sentences = [claim.sentence, *(str(o.get("sentence") or "") for o in supported),
                 *(m["text"] for m in study if m.get("label") == TRIAL_LABEL)]
    claim.sentence = "\n".join(dict.fromkeys(s for s in sentences if s))
    named = set(vocab.drugs_in(claim.sentence))
    named |= _mentioned_drugs(window) or _mentioned_drugs(study)
    claim.said = {d for d in named if not vocab.is_generic(d)}


def _mentioned_drugs(mentions: list[dict]) -> set[str]:
    return {d for m in mentions if m.get("label") in DRUG_LABELS for d in _drugs(m.get("norm"))}


def _window(i: int, markers: list[dict], mentions: list[dict], back: int = 1) -> list[dict]:
    """The mentions a marker closes: from the end of the ``back``-th marker before it to its own end,
    so a drug introduced a few sentences before the numbers still counts as named next to the marker."""
    ends = sorted(m["end"] for m in markers if m["end"] <= markers[i]["start"])
    start = ends[-back] if len(ends) >= back else 0
    return [m for m in mentions if start <= m.get("start", -1) and m.get("end", 0) <= markers[i]["end"]]


def _supports(trial: dict, outcome: dict, vocab: Vocabulary) -> bool:
    """An outcome row belongs to a trial row: the same trial name when both have one, else its drugs
    are one of the trial's arms (not a placebo or chemotherapy arm, which many trials share)."""
    if trial.get("trial") and outcome.get("trial"):
        return trial["trial"] == outcome["trial"]
    drugs = _drugs(outcome.get("drugs"))
    return any(not vocab.is_generic(d) for d in drugs) and outcome["drugs"] in str(trial.get("arms") or "").split("|")


def _add_arm(claim: Claim, arm, vocab: Vocabulary) -> None:
    drugs = {d for d in _drugs(arm) if not vocab.is_generic(d)}
    if drugs:
        claim.drugs |= drugs
        if arm not in claim.arms:
            claim.arms.append(arm)


def _add_trial(claim: Claim, trial: dict, vocab: Vocabulary) -> None:
    for arm in str(trial.get("arms") or "").split("|"):
        _add_arm(claim, arm, vocab)
    if trial.get("trial") and trial["trial"] not in claim.trials:
        claim.trials.append(trial["trial"])
    if trial.get("phase"):
        claim.phases.add(trial["phase"])
    claim.designs |= {d for d in str(trial.get("design") or "").split(";") if d}
    venue = str(trial.get("venue") or "")
    year = YEAR.search(venue)
    if year:
        claim.venues.add((year.group(), venue.replace(year.group(), "").strip()))


def check_citations(rows: dict[str, list[dict]], vocab: Vocabulary) -> list[dict]:
    """One ``citation_checks`` row per marker that supports an outcome row or a trial."""
    markers = rows.get("citations", [])
    entries = {int(r["ref_no"]): entry_of(r, vocab) for r in rows.get("references", [])}
    out = []
    for i, claim in sorted(claims(rows, vocab).items()):
        m = markers[i]
        claim.authors = sorted({e.author for e in entries.values() if names_author(claim.sentence, e.author)})
        verdict, suggested, reason, rules = judge(claim, _refs(m["refs"]), entries, vocab)
        out.append({"doc_id": m["doc_id"], "marker": m["marker"], "refs": m["refs"], "start": m["start"],
                    "end": m["end"], "claim": claim.text(), "verdict": verdict,
                    "suggested_refs": ";".join(map(str, suggested)), "reason": reason,
                    "rule": ";".join(sorted(rules))})
    return out


def add_checks(rows: dict[str, list[dict]], vocab: Vocabulary) -> dict[str, list[dict]]:
    """Add the ``citation_checks`` table and its counts to one document's rows (in place)."""
    checks = rows["citation_checks"] = check_citations(rows, vocab)
    for document in rows.get("documents", []):
        document["n_citation_checks"] = len(checks)
        document["citation_mismatches"] = sum(c["verdict"] == "mismatch" for c in checks)
    return rows
