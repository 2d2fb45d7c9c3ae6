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
              "REGIMEN_SUFFIX"}
LINE_KEY = "__line__"


class Rule(BaseModel):
    """Fields every rule shares: an id, and self-documenting examples."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = Field(min_length=1)
    description: str = ""
    examples: list[str] = []
    not_: list[str] = Field(default=[], alias="not")
    line: int = Field(default=0, alias=LINE_KEY)


class DrugRule(Rule):
    name: str
    class_: str = Field(default="", alias="class")
    type: Literal["drug", "class", "generic"] = "drug"
    zh: list[str] = []
    abbr: list[str] = []
    en: list[str] = []
    brands: list[str] = []


class RegimenRule(Rule):
    abbr: list[str] = []
    zh: list[str] = []
    en: list[str] = []
    drugs: list[str] = Field(min_length=2)


class DiseaseRule(Rule):
    name: str
    parent: str = ""
    zh: list[str] = []
    abbr: list[str] = []
    en: list[str] = []


class EndpointRule(Rule):
    code: str
    measures: list[Literal["median", "rate", "landmark", "hr"]] = Field(min_length=1)
    zh: list[str] = []
    abbr: list[str] = []
    en: list[str] = []


class TermRule(Rule):
    """A word list with a label (VS, RESPECTIVELY, SETTING, ...) and a normal form."""

    label: str
    norm: str = ""
    description: str = ""
    phrases: list[str] = Field(min_length=1)
    case_sensitive: bool = False


class PatternRule(Rule):
    """A regex recogniser: named groups carry the parts (num, high, unit, ...)."""

    label: str
    regex: str
    priority: int = 0
    norm: str = ""

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
    description: str = ""
    examples: list[RelationExample] = Field(min_length=1)  # type: ignore[assignment]
    not_: list[RelationExample] = Field(default=[], alias="not", min_length=1)  # type: ignore[assignment]


class PageRule(Rule):
    role: Literal["chrome", "end", "references", "caption"]
    regex: str

    _compiles = PatternRule._compiles


class ReferenceRule(Rule):
    role: str
    words: list[str] = Field(min_length=1)


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
}


@dataclass
class RuleSet:
    """All validated rules of one folder, grouped by kind, plus their fingerprint."""

    directory: Path
    fingerprint: str
    by_kind: dict[str, list[Rule]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # rule id -> "path:line"

    def of(self, kind: str) -> list:
        return self.by_kind.get(kind, [])


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


def _parse_file(path: Path, problems: list[str]) -> tuple[str, list[dict]]:
    """Read one file into (kind, raw entries), recording syntax and shape problems."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(f"{path}:{line}: YAML syntax error: {exc.problem or exc}")
        return "", []
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}:1: cannot read: {exc}")
        return "", []
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
    if not isinstance(data["entries"], list):
        problems.append(f"{path}:1: `entries` must be a list")
        return "", []
    return kind, data["entries"]


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
                message = "unknown key"
            elif err["type"] == "missing":
                message = "missing required key"
            problems.append(f"{path}:{line}: {rule_id}: {where}: {message}")
        return None


def _surface_forms(rule: Rule) -> list[str]:
    forms = []
    for attr in ("zh", "abbr", "en", "brands", "phrases"):
        forms.extend(getattr(rule, attr, []))
    return forms


def _cross_check(rules: RuleSet, problems: list[str]) -> None:
    """Checks that span files: duplicate ids, ambiguous surface forms, unknown drugs."""
    seen_ids: dict[str, str] = {}
    for kind, entries in rules.by_kind.items():
        for rule in entries:
            where = rules.sources[f"{kind}:{rule.id}:{rule.line}"]
            if rule.id in seen_ids:
                problems.append(f"{where}: {rule.id}: duplicate id (first at {seen_ids[rule.id]})")
            else:
                seen_ids[rule.id] = where
    owners: dict[str, tuple[str, str]] = {}
    for kind in ("drugs", "regimens", "diseases", "endpoints"):
        for rule in rules.of(kind):
            where = rules.sources[f"{kind}:{rule.id}:{rule.line}"]
            for form in _surface_forms(rule):
                key = form if form in getattr(rule, "abbr", []) else form.lower()
                if key in owners and owners[key][0] != rule.id:
                    problems.append(
                        f"{where}: {rule.id}: surface form {form!r} is also used by {owners[key][0]}"
                        f" ({owners[key][1]})"
                    )
                owners.setdefault(key, (rule.id, where))
    drug_names = {rule.name for rule in rules.of("drugs")}
    for rule in rules.of("regimens"):
        for drug in rule.drugs:
            if drug not in drug_names:
                where = rules.sources[f"regimens:{rule.id}:{rule.line}"]
                problems.append(f"{where}: {rule.id}: component {drug!r} is not a known drug")


def check_rules(directory: Path | str = DEFAULT_RULES_DIR) -> tuple[RuleSet, list[str]]:
    """Validate every rule file of a folder; return the rules and all problems found."""
    directory = Path(directory)
    problems: list[str] = []
    rules = RuleSet(directory=directory, fingerprint="")
    if not directory.is_dir():
        return rules, [f"{directory}:1: rules folder does not exist"]
    for path in _rule_files(directory):
        kind, entries = _parse_file(path, problems)
        for raw in entries:
            rule = _validate_entry(path, kind, raw, problems)
            if rule is not None:
                rules.by_kind.setdefault(kind, []).append(rule)
                rules.sources[f"{kind}:{rule.id}:{rule.line}"] = f"{path}:{rule.line}"
    _cross_check(rules, problems)
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
