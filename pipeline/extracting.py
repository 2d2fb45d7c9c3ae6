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

import regex
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import recognizing  # noqa: F401  (registers the spaCy factories)
from .recognizing import apply_definitions
from . import segmenting  # noqa: F401  (registers the tokenizer)
from .citation_checks import add_checks
from .citation_words import vocabulary
from .linking import Block, DocView, Words, compile_relations, link, words_from_rules
from .records import Linked
from .normalizing import Normalized, normalize, restore
from .reading import Article, max_size, read_path, read_text
from .reading import cues_from_entries as page_cues_from_entries
from .referencing import cues_from_entries, parse_reference, strip_number
from .rules import RuleSet, load_rules
from .tables import article_rows

BODY_KINDS = {"title", "heading", "paragraph"}
CHUNK = 100_000  # body characters segmented at once: a Doc's memory stays bounded on any article
CHUNK_BREAK = regex.compile(r"[\n\u3002\uff01\uff1f]")  # a block break, or a Chinese sentence end


@lru_cache(maxsize=4)
def _nlp(directory: str, digest: str) -> Language:
    config = {"nlp": {"tokenizer": {"@tokenizers": "medmine.jieba_tokenizer.v1", "rules_dir": directory}}}
    nlp = spacy.blank("zh", config=config)
    nlp.add_pipe("medmine_lexicon", config={"rules_dir": directory})
    nlp.add_pipe("medmine_patterns", config={"rules_dir": directory})
    nlp.add_pipe("medmine_resolve")
    return nlp


def build_nlp(rules: RuleSet) -> Language:
    """The spaCy pipeline of a rule set: jieba tokenizer, lexicon, patterns, resolve.

    spaCy's ``max_length`` guards its parser and NER, which medmine does not run: the
    limit that matters is medmine's own file-size limit, so it is used here.
    """
    nlp = _nlp(str(rules.directory), rules.fingerprint)
    nlp.max_length = max_size() + 1
    return nlp


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


def _chunks(text: str):
    """(start, end) pieces of about CHUNK characters, each ending at a block break or a sentence end,
    so that no mention is cut; a piece with neither runs to the end of the text."""
    start = 0
    while start < len(text):
        found = CHUNK_BREAK.search(text, start + CHUNK) if len(text) - start > CHUNK else None
        end = found.end() if found else len(text)
        yield start, end
        start = end


def _recognise(nlp: Language, body: Body) -> tuple[list, Doc]:
    """Mentions of the body, one chunk at a time so memory stays flat on long articles;
    the first chunk's Doc is kept for ``explain`` (the whole body, for any ordinary article)."""
    mentions, first = [], None
    for start, end in _chunks(body.text) if body.text else [(0, 0)]:
        doc = nlp(body.text[start:end])
        for m in doc._.mentions:
            m.start, m.end = m.start + start, m.end + start
        mentions += doc._.mentions
        first = first or doc
    return apply_definitions(body.text, mentions), first


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
    doc: Doc  # of the body text (its first CHUNK characters): map offsets with ``body``
    view: DocView
    linked: Linked
    drug_uses: list


def analyse(article: Article, rules: RuleSet) -> Analysis:
    """Run the stages up to linking: text -> doc -> mentions -> records."""
    norm = normalize(article.text)
    blocks = _blocks(article, norm.offsets)
    body = _body(norm.text, blocks)
    mentions, doc = _recognise(build_nlp(rules), body)
    view = DocView(norm.text, _in_norm(mentions, body), blocks)
    key = (str(rules.directory), rules.fingerprint)
    linked, drug_uses = link(view, _words(*key), _relations(*key))
    return Analysis(article, norm, body, doc, view, linked, drug_uses)


def _in_article_script(a: Analysis) -> None:
    """Labels and names were read from the simplified text: give them the article's own characters."""
    for row in a.linked.outcomes:
        row.arm = restore(a.norm, a.article.text, row.arm)
    for regimen in a.linked.regimens:
        regimen.name = restore(a.norm, a.article.text, regimen.name)
        regimen.definition = restore(a.norm, a.article.text, regimen.definition)


def extract_article(article: Article, rules: RuleSet | None = None) -> dict[str, list[dict]]:
    """Rows of every table for one article (the pure per-document function)."""
    rules = rules or load_rules()
    a = analyse(article, rules)
    _in_article_script(a)
    rows = article_rows(article, a.norm, a.view.mentions, a.linked, a.drug_uses, _references(article, rules))
    return add_checks(rows, vocabulary(rules))


def extract_path(path: str | Path, doc_id: str | None = None, rules_dir: str | None = None,
                 rules: RuleSet | None = None) -> dict:
    """Read and extract one file; the unit of work of batch and parallel runs."""
    rules = rules or load_rules(rules_dir)
    article = read_path(Path(path), page_cues(rules), doc_id=doc_id)
    return extract_article(article, rules)


def extract_text(text: str, doc_id: str = "text", rules_dir: str | None = None) -> dict[str, list[dict]]:
    rules = load_rules(rules_dir)
    return extract_article(read_text(text, page_cues(rules), doc_id=doc_id), rules)
