"""The per-document function: article -> rows of every table.

Pure and picklable: it needs only the article and the rules folder, builds the
spaCy pipeline once per process (cached by the rules' content hash) and mutates
nothing global, so batch, parallel and distributed runs can all wrap it.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import recognizing  # noqa: F401  (registers the spaCy factories)
from . import segmenting  # noqa: F401  (registers the tokenizer)
from .linking import Block, DocView, Words, compile_relations, link, words_from_rules
from .records import Linked
from .normalizing import Normalized, normalize
from .reading import Article, read_path, read_text
from .reading import cues_from_entries as page_cues_from_entries
from .referencing import cues_from_entries, parse_reference, strip_number
from .rules import RuleSet, load_rules
from .tables import article_rows

BODY_KINDS = {"title", "heading", "paragraph"}


@lru_cache(maxsize=4)
def _nlp(directory: str, digest: str) -> Language:
    config = {"nlp": {"tokenizer": {"@tokenizers": "medmine.jieba_tokenizer.v1", "rules_dir": directory}}}
    nlp = spacy.blank("zh", config=config)
    nlp.add_pipe("medmine_lexicon", config={"rules_dir": directory})
    nlp.add_pipe("medmine_patterns", config={"rules_dir": directory})
    nlp.add_pipe("medmine_resolve")
    return nlp


def build_nlp(rules: RuleSet) -> Language:
    """The spaCy pipeline of a rule set: jieba tokenizer, lexicon, patterns, resolve."""
    return _nlp(str(rules.directory), rules.fingerprint)


@lru_cache(maxsize=4)
def _words(directory: str, digest: str) -> Words:
    return words_from_rules(load_rules(directory))


@lru_cache(maxsize=4)
def _relations(directory: str, digest: str):
    return compile_relations(load_rules(directory))


@lru_cache(maxsize=4)
def _page_cues(directory: str, digest: str):
    return page_cues_from_entries([r.model_dump(by_alias=True) for r in load_rules(directory).of("page")])


@lru_cache(maxsize=4)
def _reference_cues(directory: str, digest: str):
    return cues_from_entries([r.model_dump(by_alias=True) for r in load_rules(directory).of("references")])


def page_cues(rules: RuleSet):
    return _page_cues(str(rules.directory), rules.fingerprint)


@dataclass(frozen=True)
class Body:
    """The body blocks joined by line breaks: the only text that is segmented and mined.

    Chrome, captions and references never reach the matchers, and nothing is spent
    on them; ``shifts`` maps body offsets back to the normalised text.
    """

    text: str
    starts: list[int]  # body offset where each block begins
    shifts: list[int]  # normalised offset minus body offset, per block

    def shift_at(self, offset: int) -> int:
        """What to add to a body offset to get the normalised one."""
        return self.shifts[max(0, bisect_right(self.starts, offset) - 1)]


def _body(norm_text: str, blocks: list[Block]) -> Body:
    pieces, starts, shifts, position = [], [], [], 0
    for block in blocks:
        starts.append(position)
        shifts.append(block.start - position)
        pieces.append(norm_text[block.start:block.end])
        position += block.end - block.start + 1
    return Body("\n".join(pieces), starts or [0], shifts or [0])


def _in_norm(mentions: list, body: Body) -> list:
    """Mentions moved from body offsets to the normalised text's."""
    for m in mentions:
        shift = body.shift_at(m.start)
        m.start, m.end = m.start + shift, m.end + shift
    return mentions


def _blocks(article: Article, offsets) -> list[Block]:
    """Body sections of the article, in normalised coordinates."""
    blocks = []
    for section in article.sections:
        if section.kind in BODY_KINDS:
            start, end = bisect_left(offsets, section.start), bisect_left(offsets, section.end)
            blocks.append(Block(section.kind, start, end))
    return blocks


def _references(article: Article, rules: RuleSet) -> list[dict]:
    cues = _reference_cues(str(rules.directory), rules.fingerprint)
    rows = []
    for section in article.sections:
        if section.kind != "reference":
            continue
        entry = article.text[section.start:section.end].strip()
        number, body = strip_number(entry)
        if number is None:
            continue
        parsed = parse_reference(body, cues)
        rows.append({"ref_no": number, **parsed, "text": entry})
    return rows


@dataclass
class Analysis:
    """Every intermediate result of one article, for ``explain`` and debugging."""

    article: Article
    norm: Normalized
    body: Body
    doc: Doc  # of the body text: map offsets with ``body``
    view: DocView
    linked: Linked
    drug_uses: list


def analyse(article: Article, rules: RuleSet) -> Analysis:
    """Run the stages up to linking: text -> doc -> mentions -> records."""
    norm = normalize(article.text)
    blocks = _blocks(article, norm.offsets)
    body = _body(norm.text, blocks)
    doc = build_nlp(rules)(body.text)
    view = DocView(norm.text, _in_norm(doc._.mentions, body), blocks)
    key = (str(rules.directory), rules.fingerprint)
    linked, drug_uses = link(view, _words(*key), _relations(*key))
    return Analysis(article, norm, body, doc, view, linked, drug_uses)


def extract_article(article: Article, rules: RuleSet | None = None) -> dict[str, list[dict]]:
    """Rows of every table for one article (the pure per-document function)."""
    rules = rules or load_rules()
    a = analyse(article, rules)
    return article_rows(article, a.norm, a.doc._.mentions, a.linked, a.drug_uses, _references(article, rules))


def extract_path(path: str | Path, doc_id: str | None = None, rules_dir: str | None = None,
                 rules: RuleSet | None = None) -> dict:
    """Read and extract one file; the unit of work of batch and parallel runs."""
    rules = rules or load_rules(rules_dir)
    article = read_path(Path(path), page_cues(rules), doc_id=doc_id)
    return extract_article(article, rules)


def extract_text(text: str, doc_id: str = "text", rules_dir: str | None = None) -> dict[str, list[dict]]:
    rules = load_rules(rules_dir)
    return extract_article(read_text(text, page_cues(rules), doc_id=doc_id), rules)
