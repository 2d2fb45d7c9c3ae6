"""Reference-list entries and in-text citation markers.

Two citation styles meet in Chinese articles: ``作者,作者,等.标题[J].刊名, 2024, 9(11):189.``
and Vancouver ``Goorin AM, Harris MB, et al. Title. J Clin Oncol. 2002;20(2):426-33.``;
guidelines and conference abstracts follow neither. The cue words that tell
them apart (``[J]``, 指南, ASCO ...) are data in ``rules/references.yaml``.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

MARKER = regex.compile(
    r"(?:\^\{?\s*)?[\[［〔]\s*(?P<body>\d{1,3}(?:\s*[,，、\-–~]\s*\d{1,3})*)\s*(?:[\]］〕]|(?=[^\d\],，、\-–~]))\}?"
)
YEAR = regex.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
MAX_REFS = 50


@dataclass(frozen=True)
class ReferenceCues:
    guideline_words: tuple[str, ...] = ()
    et_al: tuple[str, ...] = ()
    conference_words: tuple[str, ...] = ()
    journal_tags: tuple[str, ...] = ()
    other_words: tuple[str, ...] = ()
    value_after: tuple[str, ...] = ()


def cues_from_entries(entries: list[dict]) -> ReferenceCues:
    """Group the cue words of references.yaml by role."""
    roles: dict[str, list[str]] = {}
    for entry in entries:
        roles.setdefault(entry["role"], []).extend(entry["words"])
    return ReferenceCues(*(tuple(roles.get(r, [])) for r in
                           ("guideline_word", "et_al", "conference_word", "journal_tag", "other_word",
                            "value_after")))


def parse_citation_marker(text: str) -> list[int] | None:
    """``[5,6]`` -> [5, 6]; ``[10-12]`` -> [10, 11, 12]; None when it is no marker."""
    match = MARKER.fullmatch(text.strip())
    if not match:
        return None
    return _numbers(match.group("body"))


def _numbers(body: str) -> list[int] | None:
    refs: set[int] = set()
    for part in regex.split(r"\s*[,，、]\s*", body.strip()):
        bounds = regex.split(r"\s*[\-–~]\s*", part)
        if len(bounds) == 1:
            refs.add(int(bounds[0]))
        elif len(bounds) == 2 and int(bounds[0]) <= int(bounds[1]):
            refs.update(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            return None
        if len(refs) > MAX_REFS:
            return None
    return sorted(refs) if refs and min(refs) > 0 else None


def find_citation_markers(text: str, value_after: tuple[str, ...] = ()) -> list[tuple[int, int, str, list[int]]]:
    """Every citation marker of a body text: (start, end, as written, reference numbers).

    A bracketed number followed by a unit (``[12个月]``, words of ``value_after``) is a value.
    """
    found = []
    for match in MARKER.finditer(text):
        after = text[match.end():match.end() + 4].lstrip()
        if any(after.startswith(w) for w in value_after):
            continue
        refs = _numbers(match.group("body"))
        if refs:
            found.append((match.start(), match.end(), match.group(0), refs))
    return found


def format_refs(refs: list[int]) -> str:
    return ";".join(map(str, refs))


def _kind(text: str, cues: ReferenceCues) -> str:
    if any(tag in text for tag in cues.journal_tags):
        return "journal"
    if any(w.lower() in text.lower() for w in cues.conference_words):
        return "conference"
    if any(w.lower() in text.lower() for w in cues.guideline_words):
        return "guideline"
    if any(w.lower() in text.lower() for w in cues.other_words):
        return "other"
    return "journal"


def parse_reference(text: str, cues: ReferenceCues) -> dict:
    """First author, year, title, source and kind of one entry (without its number)."""
    text = text.replace("\u00a0", " ").strip()
    years = [m.group(0) for m in YEAR.finditer(text)]
    kind = _kind(text, cues)
    if kind == "guideline":
        title = regex.sub(r"\.\s*(?:19|20)\d{2}\.?\s*$", "", text).rstrip(". ")
        return {"first_author": "", "year": years[-1] if years else "", "title": title, "source": "", "kind": kind}
    if kind == "other":
        return _other(text, years)
    tag = next((t for t in cues.journal_tags if t in text), None)
    if tag:
        return _chinese(text, tag, years, cues)
    return _vancouver(text, years, kind, cues)


def _chinese(text: str, tag: str, years: list[str], cues: ReferenceCues) -> dict:
    head, _, tail = text.partition(tag)
    authors, _, title = head.partition(".") if "." in head else ("", "", head)
    first = regex.split(r"[,，]", authors)[0].strip()
    for word in cues.et_al:
        first = first.removesuffix(word).strip()
    source = regex.split(r"[,，]", tail.lstrip(". "))[0].strip()
    year = next((m.group(0) for m in YEAR.finditer(tail)), years[0] if years else "")
    return {"first_author": first, "year": year, "title": title.strip(), "source": source, "kind": "journal"}


def _sentences(text: str) -> list[str]:
    """Split on '. ' but not inside author initials or abbreviations like 'Oncol.'."""
    return [p.strip() for p in regex.split(r"(?<=[^A-Z\s]\S)\.\s+|(?<=[a-z]{2})\.\s+(?=[A-Z0-9])", text) if p.strip()]


def _vancouver(text: str, years: list[str], kind: str, cues: ReferenceCues) -> dict:
    parts = [p for p in regex.split(r"\.\s+", text) if p.strip()]
    authors = parts[0] if parts else ""
    for word in cues.et_al:
        authors = authors.replace(word, "")
    first = regex.split(r",", authors)[0].strip()
    title = parts[1].strip() if len(parts) > 1 else ""
    rest = ". ".join(parts[2:])
    source = ""
    if kind == "conference":
        conference = next((w for w in cues.conference_words if regex.search(rf"\b{regex.escape(w)}\b", rest)), "")
        journal = regex.match(r"\s*([A-Za-z][A-Za-z .&]*?)\s+(?:19|20)\d{2}", rest)
        source = conference if conference and not journal else (journal.group(1).strip() if journal else conference)
    else:
        source = regex.split(r"[.;]|\s(?:19|20)\d{2}", rest)[0].strip()
    year = next((m.group(0) for m in YEAR.finditer(rest)), years[0] if years else "")
    return {"first_author": first, "year": year, "title": title.rstrip("."), "source": source, "kind": kind}


def _other(text: str, years: list[str]) -> dict:
    parts = [p for p in regex.split(r"\.\s+", text) if p.strip()]
    title = parts[0].strip() if parts else text
    publisher = regex.search(r"[:;]\s*([^:;]+?);\s*(?:[A-Z][a-z]+\s+\d{1,2},\s*)?(?:19|20)\d{2}\.?\s*$", text)
    return {"first_author": "", "year": years[-1] if years else "", "title": regex.sub(r"\s*\[.*$", "", title),
            "source": publisher.group(1).strip() if publisher else "", "kind": "other"}
