"""Segmentation: jieba, with the rule lexicons as user dictionary, as spaCy's tokenizer.

spaCy's own Chinese tokenizer drives the global ``jieba`` module and has no
user-dictionary hook, so medmine keeps a private ``jieba.Tokenizer`` per rule
set: two rule sets never share state, and worker processes rebuild it from the
rules alone. Every lexicon term is added with a high frequency so that drug,
regimen and endpoint names come out as single tokens.
"""
from __future__ import annotations

import logging
import os
from functools import lru_cache

from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

from .rules import RuleSet, load_rules

USER_WORD_FREQ = 200_000


def lexicon_terms(rules: RuleSet) -> list[str]:
    """Every surface form the matchers look for: these must survive segmentation whole."""
    terms: set[str] = set()
    for kind in ("drugs", "regimens", "diseases", "endpoints", "terms"):
        for rule in rules.of(kind):
            if getattr(rule, "label", "") in {"UNIT", "NUMERAL", "VALUE_GAP", "LANDMARK_GAP"}:
                continue  # single characters that would split real words
            for attr in ("zh", "abbr", "en", "brands", "phrases"):
                terms.update(t for t in getattr(rule, attr, []) if t and " " not in t)
    return sorted(terms)


class _RustJieba:
    """rjieba (jieba-rs: the same algorithm and dictionary format, compiled) behind jieba's ``cut``."""

    def __init__(self, terms: list[str]):
        import rjieba

        self.inner = rjieba.Jieba()
        for term in terms:
            self.inner.add_word(term, USER_WORD_FREQ, None)

    def cut(self, text: str, HMM: bool = False):  # noqa: N803 - jieba's own keyword
        return self.inner.cut(text, HMM)


@lru_cache(maxsize=4)
def _jieba_for(directory: str, digest: str, backend: str):
    terms = lexicon_terms(load_rules(directory))
    if backend == "rjieba":
        return _RustJieba(terms)
    import jieba  # only for this backend: importing it costs a fifth of a second

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term in terms:
        tokenizer.add_word(term, freq=USER_WORD_FREQ)
    return tokenizer


def default_backend() -> str:
    """rjieba when installed (several times faster), else jieba; MEDMINE_SEGMENTER overrides."""
    wanted = os.environ.get("MEDMINE_SEGMENTER", "")
    if wanted in {"jieba", "rjieba"}:
        return wanted
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


def jieba_for(rules: RuleSet, backend: str | None = None):
    """The private segmenter of a rule set, built once per process and rule content."""
    return _jieba_for(str(rules.directory), rules.fingerprint, backend or default_backend())


class JiebaTokenizer:
    """spaCy tokenizer over a private jieba; whitespace stays a token, as jieba cut it.

    Folding single spaces into spaCy's trailing-space flag would cost a Python
    loop over every token for nothing: matching works on the tokenizer's own
    output, and mentions carry character offsets.
    """

    def __init__(self, vocab: Vocab, rules: RuleSet):
        self.vocab = vocab
        self.rules = rules
        self.jieba = jieba_for(rules)

    def __call__(self, text: str) -> Doc:
        words = list(self.jieba.cut(text, HMM=False))
        doc = Doc(self.vocab, words=words, spaces=[False] * len(words))  # a space is a token of its own
        doc.user_data["text"] = text  # Doc.text rebuilds the string on every access
        return doc

    def to_bytes(self, **kwargs) -> bytes:  # pragma: no cover - spaCy serialisation hook
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "JiebaTokenizer":  # pragma: no cover
        return self

    def to_disk(self, path, **kwargs) -> None:  # pragma: no cover
        return None

    def from_disk(self, path, **kwargs) -> "JiebaTokenizer":  # pragma: no cover
        return self


@registry.tokenizers("medmine.jieba_tokenizer.v1")
def create_jieba_tokenizer(rules_dir: str = ""):
    """Factory registered with spaCy so the tokenizer is set through the nlp config."""

    def make(nlp) -> JiebaTokenizer:
        return JiebaTokenizer(nlp.vocab, load_rules(rules_dir or None))

    return make
