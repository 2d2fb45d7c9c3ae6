"""Loading and validating the rule files of ``rules/``.

Rules are data: lexicons (drugs, regimens, diseases, endpoints, terms) and
patterns (regexes with a label). Each file declares its ``kind`` and holds a list
of ``entries``; every entry has an ``id``. Files are validated by closed pydantic
schemas and every problem is reported as ``path:line: id: message`` so that a
rule author can jump straight to it. Loaded rule sets are cached by the content
hash of the files, so workers and repeated API calls pay for parsing once.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RuleError

DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
# Term labels that are word lists the linking stage reads, not mentions to match.
WORD_LISTS = {"REGIMEN_CONTEXT", "CHEMO_CLASS", "UNIT", "NUMERAL", "VALUE_GAP", "LANDMARK_GAP", "GROUP_SUFFIX",
              "REGIMEN_SUFFIX", "SPREAD"}
LINE_KEY = "__line__"


def _doc(text: str, default=..., **kwargs):
    """A field with the sentence docs/rules.md shows for it (`medmine rules docs`)."""
    return Field(default, description=text, **kwargs)


ZH, ABBR = "Chinese surface forms (case-insensitive)", "abbreviations: case-sensitive, whole Latin words only"
EN = "English surface forms (case-insensitive)"


class Rule(BaseModel):
    """Fields every rule shares: an id, a description, and examples that test the rule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = _doc("unique across all files; rows record the ids of the rules that built them", min_length=1)
    description: str = _doc("what the entry is for (documentation only)", "")
    examples: list[str] = _doc("texts the rule must hold on; `medmine rules check` runs them", [])
    not_: list[str] = _doc("texts the rule must not hold on (near misses); run like examples", [], alias="not")
    line: int = Field(default=0, alias=LINE_KEY)


class DrugRule(Rule):
    """A drug, a drug class or a generic treatment word; gives DRUG mentions."""

    name: str = _doc("canonical lowercase INN (or class name); what `drugs` columns hold")
    class_: str = _doc("drug class (two drugs of one class joined by OR become the class)", "", alias="class")
    type: Literal["drug", "class", "generic"] = _doc("drug; class (can stand for a treatment); generic "
                                                     "(chemotherapy, placebo: a treatment word without a drug row)", "drug")
    zh: list[str] = _doc(ZH, [])
    abbr: list[str] = _doc(ABBR, [])
    en: list[str] = _doc(EN, [])
    brands: list[str] = _doc("brand names (case-insensitive)", [])


class RegimenRule(Rule):
    """A named regimen: an abbreviation for several drugs; gives REGIMEN mentions next to treatment words."""

    abbr: list[str] = _doc(ABBR + "; count only next to a REGIMEN_CONTEXT word", [])
    zh: list[str] = _doc(ZH, [])
    en: list[str] = _doc(EN, [])
    drugs: list[str] = _doc("component drugs: `name`s of drugs.yaml (at least two)", min_length=2)


class DiseaseRule(Rule):
    """A disease or subtype; gives DISEASE mentions (the study's `disease`)."""

    name: str = _doc("lowercase English name; what the `disease` columns hold")
    parent: str = _doc("the broader disease a study of several subtypes is a study of", "")
    zh: list[str] = _doc(ZH, [])
    abbr: list[str] = _doc(ABBR, [])
    en: list[str] = _doc(EN, [])


class EndpointRule(Rule):
    """An efficacy endpoint and its wordings; gives ENDPOINT mentions."""

    code: str = _doc("endpoint code of SCHEMA.md (ORR, PFS, ...); a new code is valid in gold tables too")
    measures: list[Literal["median", "rate", "landmark", "hr"]] = _doc(
        "which numbers the endpoint takes: median (a time), rate (a percentage), landmark (a rate at a time "
        "point), hr (hazard or odds ratio)", min_length=1)
    zh: list[str] = _doc(ZH + "; longer forms win over shorter ones", [])
    abbr: list[str] = _doc(ABBR, [])
    en: list[str] = _doc(EN, [])


class TermRule(Rule):
    """A word list with a label (VS, RESPECTIVELY, SETTING, ...) and a normal form."""

    label: str = _doc("a label of labels.yaml: what linking does with the mention (word-list labels are not matched)")
    norm: str = _doc("normal form of the mention (setting first-line, qualifier <); default: the label", "")
    phrases: list[str] = _doc("the words", min_length=1)
    case_sensitive: bool = _doc("match the phrases case-sensitively", False)


class PatternRule(Rule):
    """A regex recogniser: named groups carry the parts (num, high, unit, ...)."""

    label: str = _doc("a label of labels.yaml")
    regex: str = _doc("searched in the normalised text (`regex` module); named groups num, high, unit, low, op, "
                      "name carry the parts; must not match the empty string")
    priority: int = _doc("overlapping mentions: the higher priority wins, then the longer", 0)
    norm: str = _doc("normal form; default: the first of the groups name, num, low", "")

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compiled = regex.compile(value)
        except regex.error as exc:
            raise ValueError(f"regex does not compile: {exc}") from None
        if compiled.fullmatch(""):
            raise ValueError("regex can match the empty string")
        return value


class RelationExample(BaseModel):
    """A sentence (with what must precede it) and the rows it must give: ``PFS median 9.2 -> drugs``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    text: str = Field(min_length=1)
    rows: list[str] = []
    line: int = Field(default=0, alias=LINE_KEY)


# Actions a relation may name; pipeline/linking/actions.py implements each one.
RELATION_ACTIONS = ("single", "zip-arms", "zip-endpoints", "zip-landmarks", "each-arm", "from-to", "hazard-ratio")


class RelationRule(Rule):
    """How numbers meet endpoints and arms: a pattern over a sentence's label sequence and an action."""

    pattern: str = Field(min_length=1)
    action: Literal[RELATION_ACTIONS]  # type: ignore[valid-type]
    priority: int = 0
    max_gap: int = Field(default=60, ge=0, description="most characters between two matched items")
    stops: str = Field(default="", description="characters that may not stand between two matched items")
    description: str = ""
    examples: list[RelationExample] = Field(min_length=1)  # type: ignore[assignment]
    not_: list[RelationExample] = Field(default=[], alias="not", min_length=1)  # type: ignore[assignment]


class PageRule(Rule):
    """A cue of the reading stage: which lines of a page are chrome, end the body, start references, captions."""

    role: Literal["chrome", "end", "references", "caption"] = _doc("what a line the regex finds is")
    regex: str = _doc("searched in one stripped line of the raw text")

    _compiles = PatternRule._compiles


class ReferenceRule(Rule):
    """Cue words of the reference parser (document-type tags, guideline words, et al, ...)."""

    role: str = _doc("journal_tag, conference_tag, other_tag, guideline_word, conference_word, abstract_word, "
                     "other_word, et_al, tail_word or value_after (see references.yaml)")
    words: list[str] = _doc("the cue words", min_length=1)


class LabelRule(Rule):
    """One label of the closed set: a `label:` anywhere else must be declared here."""

    label: str = _doc("the label, in capitals", pattern=r"^[A-Z][A-Z_]*$")
    description: str = _doc("what the linking stage does with a mention of this label", min_length=1)


KINDS: dict[str, type[Rule]] = {
    "drugs": DrugRule,
    "regimens": RegimenRule,
    "diseases": DiseaseRule,
    "endpoints": EndpointRule,
    "terms": TermRule,
    "patterns": PatternRule,
    "relations": RelationRule,
    "page": PageRule,
    "references": ReferenceRule,
    "labels": LabelRule,
}
# Fields that name a label of labels.yaml, by kind: a new kind with label fields adds one line here.
# A field holds one label (`label: VS`) or a pattern naming labels in capitals (`VALUE:values (AND VALUE)+`).
LABEL_FIELDS: dict[str, tuple[str, ...]] = {"terms": ("label",), "patterns": ("label",), "relations": ("pattern",)}
# Labels the code gives (lexicons, citation markers, arms) or reads as word lists: labels.yaml must declare them.
CODE_LABELS = ("DRUG", "REGIMEN", "DISEASE", "ENDPOINT", "CITE", "ARM", "DEFINITION")


@dataclass
class RuleSet:
    """All validated rules of one folder, grouped by kind, plus their fingerprint."""

    directory: Path
    fingerprint: str
    by_kind: dict[str, list[Rule]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # rule id -> "path:line"

    def of(self, kind: str) -> list:
        return self.by_kind.get(kind, [])

    def where(self, kind: str, rule: Rule) -> str:
        """``path:line`` of a rule, for messages."""
        return self.sources[f"{kind}:{rule.id}:{rule.line}"]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader that stamps every mapping with the line it starts on (libyaml's when
    PyYAML has it: parsing the rules is most of a worker's start-up otherwise)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


def fingerprint(directory: Path) -> str:
    """Content hash of a rule folder: the cache key of everything derived from it."""
    digest = hashlib.sha256()
    for path in _rule_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _SyntaxError(Exception):
    """A file libyaml cannot parse: nothing after the first error can be trusted."""


ENTRY_START = regex.compile(r"^\s*-\s*\{?\s*id\s*:", regex.M)


def _parse_file(path: Path, problems: list[str]) -> tuple[str, list[dict]]:
    """Read one file into (kind, raw entries), recording shape problems; raise _SyntaxError on bad YAML."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(f"{path}:{line}: YAML syntax error: {exc.problem or exc}")
        raise _SyntaxError(len(ENTRY_START.findall(text))) from None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:1: cannot read: {exc}")
        raise _SyntaxError(0) from None
    if not isinstance(data, dict) or "kind" not in data or "entries" not in data:
        problems.append(f"{path}:1: expected a mapping with `kind:` and `entries:`")
        return "", []
    kind = data["kind"]
    unknown = sorted(set(data) - {"kind", "entries", "description", LINE_KEY})
    if unknown:
        problems.append(f"{path}:1: unknown top-level key(s): {', '.join(unknown)}")
    if kind not in KINDS:
        problems.append(f"{path}:1: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return "", []
    if not isinstance(data["entries"], list) or not data["entries"]:
        problems.append(f"{path}:1: `entries` must be a non-empty list")
        return "", []
    return kind, data["entries"]


def keys_of(kind: str) -> list[str]:
    """The keys an entry of ``kind`` may have, as a rule author writes them."""
    return [info.alias or name for name, info in KINDS[kind].model_fields.items() if info.alias != LINE_KEY]


def _validate_entry(path: Path, kind: str, raw: object, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}:1: entry is not a mapping: {raw!r}")
        return None
    line = raw.get(LINE_KEY, 1)
    rule_id = raw.get("id", "?")
    try:
        return KINDS[kind].model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = f"unknown key (a {kind} entry has: {', '.join(keys_of(kind))})"
            elif err["type"] == "missing":
                message = "missing required key"
            problems.append(f"{path}:{line}: {rule_id}: {where}: {message}")
        return None


def check_rules(directory: Path | str = DEFAULT_RULES_DIR) -> tuple[RuleSet, list[str]]:
    """Validate every rule file of a folder; return the rules and all problems found.

    A file with a YAML syntax error yields that one error: checks across files
    would only repeat it hundreds of times (no drugs: every regimen is wrong), so
    they are skipped and counted instead.
    """
    directory = Path(directory)
    problems: list[str] = []
    rules = RuleSet(directory=directory, fingerprint="")
    if not directory.is_dir():
        return rules, [f"{directory}:1: rules folder does not exist"]
    files = _rule_files(directory)
    if not files:
        return rules, [f"{directory}: no rule files (*.yaml); copy the bundled rules/ folder to start"]
    unread = []
    for path in files:
        try:
            kind, entries = _parse_file(path, problems)
        except _SyntaxError as exc:
            unread.append((path, exc.args[0]))
            continue
        for raw in entries:
            rule = _validate_entry(path, kind, raw, problems)
            if rule is not None:
                rules.by_kind.setdefault(kind, []).append(rule)
                rules.sources[f"{kind}:{rule.id}:{rule.line}"] = f"{path}:{rule.line}"
    from .rulechecks import cross_check  # here: it imports this module

    follow_on: list[str] = []
    cross_check(rules, follow_on if unread else problems)
    for path, entries in unread:
        problems.append(f"{path}: skipped: about {entries} entries of this file not checked")
    if unread:
        problems.append(f"{directory}: skipped: checks across files ({len(follow_on)} problem(s) that may only"
                        " follow from the unreadable file(s)); fix the syntax error first")
    rules.fingerprint = fingerprint(directory)
    return rules, problems


@lru_cache(maxsize=8)
def _load_cached(directory: str, digest: str) -> RuleSet:
    rules, problems = check_rules(Path(directory))
    if problems:
        raise RuleError(problems)
    return rules


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """Load a rule folder, raising RuleError (with every problem) if it does not validate."""
    directory = Path(directory or DEFAULT_RULES_DIR).resolve()
    if not directory.is_dir():
        raise RuleError([f"{directory}:1: rules folder does not exist"])
    return _load_cached(str(directory), fingerprint(directory))
