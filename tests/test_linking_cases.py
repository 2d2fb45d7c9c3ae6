"""Every example of ../shared/linking-cases.md, run through the public API with exact expected rows.

The cases live in tests/data/linking_cases.yaml (format described at its top). Each case gives up
to four tests, named by the case id so that `pytest tests/test_linking_cases.py -q` shows which
phrasing fails and in which respect:

- test_rows[ID]: the predicted rows carrying one of the case's values are exactly the expected rows
  (no arm missing, no extra arm, no stale or empty drugs);
- test_row_fields[ID]: columns the case checks on those rows (P value, qualifier, range, CI, unit,
  trial, disease, citation);
- test_trials[ID]: the trials table's arms (all trial rows of the document) and trial columns;
- test_absent[ID]: rows that must not exist (differences, design statements, 未达 that is not NR).
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import yaml

from pipeline import extract

ROOT = Path(__file__).resolve().parent.parent
# A case the linking stage does not yet handle says so in the case file (`xfail: {test: reason}`);
# the mark is strict, so a case that starts passing must have its mark removed.
pytestmark = pytest.mark.linking_cases

CASES_FILE = ROOT / "tests" / "data" / "linking_cases.yaml"
MARKDOWN = ROOT.parent / "shared" / "linking-cases.md"

KEY = ("endpoint", "measure", "timepoint_months", "value", "drugs", "comparator_drugs")
ROW = re.compile(
    r"^(?P<endpoint>[A-Z]+) (?P<measure>median|rate|hr|or)(?:@(?P<timepoint_months>[\d.]+))? "
    r"(?P<value>NR|[\d.]+) ->\s*(?P<drugs>\S*)(?: \(cmp=(?P<comparator_drugs>\S+)\))?$"
)
ROW_FORM = "'ENDPOINT measure[@months] value -> drugs (cmp=comparator)'"
NUMERIC = {"timepoint_months", "value", "value_high", "ci_low", "ci_high", "n"}


def number(text: str) -> str:
    """A decimal written canonically, so that 9.0 and 9 compare equal (SCHEMA: numbers as decimals)."""
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def drugs(text: str) -> str:
    """A `+`-joined drug set in sorted order (SCHEMA sorts it; sorting here only makes the intent explicit)."""
    return "+".join(sorted(text.split("+"))) if text else ""


def arms(text: str) -> str:
    """A trials.arms value with its members sorted, each member's drugs sorted (identical arms kept)."""
    return "|".join(sorted(drugs(member) for member in text.split("|")))


def norm(column: str, value) -> str:
    """One cell as the comparison sees it: empty for missing, decimals canonical, drug sets sorted."""
    text = "" if value is None or value != value else str(value).strip()
    if column in NUMERIC:
        return number(text)
    if column in ("drugs", "comparator_drugs"):
        return drugs(text)
    if column == "arms":
        return arms(text)
    return text


def parse_row(spec: str) -> dict[str, str]:
    """The markdown's compact row notation as columns; NR means an empty value that was not reached."""
    match = ROW.match(spec.strip())
    if not match:
        raise ValueError(f"{CASES_FILE.name}: row {spec!r}: expected {ROW_FORM}")
    row = {column: norm(column, match[column] or "") for column in KEY}
    if match["value"] == "NR":
        row["value"] = ""
    return row


def expected_rows(case: dict) -> list[tuple[dict, dict]]:
    """(key columns, extra columns to check) for each row of a case, with the case-level trial/disease."""
    result = []
    for entry in case.get("rows", []):
        extra = dict(entry) if isinstance(entry, dict) else {"row": entry}
        key = parse_row(extra.pop("row"))
        for column in ("trial", "disease"):
            if column in case:
                extra.setdefault(column, case[column])
        result.append((key, {column: norm(column, value) for column, value in extra.items()}))
    return result


def load_cases() -> list[dict]:
    with CASES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["cases"]


CASES = load_cases()
BY_ID = {case["id"]: case for case in CASES}


@functools.cache
def _extracted(case_id: str) -> dict:
    return extract(BY_ID[case_id]["text"], doc_id=case_id)


def tables(case: dict) -> dict:
    """The pipeline's tables for a case, computed once per case and shared by its four tests."""
    return _extracted(case["id"])


def predicted(case: dict) -> list[dict[str, str]]:
    frame = tables(case)["outcomes"]
    return [{column: norm(column, value) for column, value in row.items()} for row in frame.to_dict("records")]


def show(rows) -> str:
    return "\n".join("  " + " | ".join(row[column] for column in KEY) for row in rows) or "  (none)"


def fail(message: str) -> None:
    """Fail with the message only: the case's rows, not a traceback of the comparison, are what a reader needs."""
    pytest.fail(message, pytrace=False)


def param(case: dict, test: str):
    """A case, marked as a known failure of this test where the case file says why (``xfail: {test: reason}``)."""
    reason = (case.get("xfail") or {}).get(test)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(case, id=case["id"], marks=marks)


def cases_with(test: str, *fields: str) -> list:
    return [param(case, test) for case in CASES if any(case.get(field) for field in fields)]


@pytest.mark.parametrize("case", cases_with("rows", "rows"))
def test_rows(case):
    expected = expected_rows(case)
    values = {key["value"] for key, _ in expected}
    got = {tuple(row[c] for c in KEY) for row in predicted(case) if row["value"] in values}
    want = {tuple(key[c] for c in KEY) for key, _ in expected}
    if got != want:
        missing, extra = sorted(want - got), sorted(got - want)
        fail(
            f"{case['id']}: {len(missing)} missing, {len(extra)} extra rows for values {sorted(values)}"
            f"\nmissing:\n{show(dict(zip(KEY, r)) for r in missing)}\nextra:\n{show(dict(zip(KEY, r)) for r in extra)}"
        )


def _field_cases() -> list:
    return [param(case, "fields") for case in CASES if any(extra for _, extra in expected_rows(case))]


@pytest.mark.parametrize("case", _field_cases())
def test_row_fields(case):
    rows = predicted(case)
    problems = []
    for key, extra in expected_rows(case):
        matching = [row for row in rows if all(row[c] == key[c] for c in KEY)]
        if not matching:  # the arm is test_rows' business: check the fields on the value's rows anyway
            matching = [row for row in rows if all(row[c] == key[c] for c in KEY[:4])]
        label = " | ".join(key[c] for c in KEY)
        if not matching:
            problems.append(f"{label}: no row with this value")
        for column, want in extra.items():
            got = sorted({row.get(column, "") for row in matching})
            if matching and got != [want]:
                problems.append(f"{label}: {column} {got} != {want!r}")
    if problems:
        fail(f"{case['id']}: " + "\n".join(problems))


@pytest.mark.parametrize("case", cases_with("trials", "arms", "trials", "trial"))
def test_trials(case):
    frame = tables(case)["trials"]
    trial_rows = [{column: norm(column, value) for column, value in row.items()} for row in frame.to_dict("records")]
    got = sorted(row["arms"] for row in trial_rows)
    if case.get("arms"):
        want = sorted(arms(a) for a in case["arms"])
        if got != want:
            fail(f"{case['id']}: trials.arms {got} != {want}")
    if case.get("trial"):
        names = [row["trial"] for row in trial_rows]
        if case["trial"] not in names:
            fail(f"{case['id']}: no trial row named {case['trial']!r}, trials {names}")
    for want in case.get("trials", []):
        found = [row for row in trial_rows if row["arms"] == arms(want["arms"])]
        if not found:
            fail(f"{case['id']}: no trial row with arms {want['arms']!r}, arms {got}")
        wrong = {c: found[0][c] for c, v in want.items() if found[0][c] != norm(c, v)}
        if wrong:
            fail(f"{case['id']}: trial {want['arms']!r}: got {wrong}, want {want}")


@pytest.mark.parametrize("case", cases_with("absent", "absent", "no_rows"))
def test_absent(case):
    rows = predicted(case)
    if case.get("no_rows"):
        if rows:
            fail(f"{case['id']}: expected no outcome row, got\n{show(rows)}")
    for pattern in case.get("absent", []):
        wanted = {column: norm(column, value) for column, value in pattern.items()}
        hits = [row for row in rows if all(row.get(c) == v for c, v in wanted.items())]
        if hits:
            fail(f"{case['id']}: rows matching {pattern} must not exist, got\n{show(hits)}")


# --- the case file itself ---------------------------------------------------------------------


def test_case_ids_are_unique_and_rows_parse():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        expected_rows(case)  # raises on a malformed row


@pytest.mark.skipif(not MARKDOWN.is_file(), reason="../shared/linking-cases.md is not on this machine")
def test_every_markdown_example_has_a_case():
    examples = set(re.findall(r"^- ([A-P]\d+) ", MARKDOWN.read_text(encoding="utf-8"), flags=re.M))
    covered = {re.match(r"[A-P]\d+", case["id"])[0] for case in CASES}
    assert examples - covered == set()


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("OS hr 0.74 -> b+a (cmp=c)", {"measure": "hr", "value": "0.74", "drugs": "a+b", "comparator_drugs": "c"}),
        ("OS rate@12 58.0 -> x", {"timepoint_months": "12", "value": "58", "comparator_drugs": ""}),
        ("OS median NR -> x", {"value": ""}),
        ("PFS median 4.8 -> ", {"drugs": ""}),
    ],
)
def test_row_notation(spec, expected):
    row = parse_row(spec)
    assert {column: row[column] for column in expected} == expected


@pytest.mark.parametrize("spec", ["OS 6.0 -> x", "OS median -> x", "OS median 6.0 x", "os median 6 -> x"])
def test_row_notation_rejects_malformed_rows(spec):
    with pytest.raises(ValueError, match=r"linking_cases\.yaml: row .*expected 'ENDPOINT measure"):
        parse_row(spec)
