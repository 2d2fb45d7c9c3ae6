"""Loading predicted and gold tables, and validating gold with ``path:line`` errors.

A table may be one ``<table>.csv`` or several prefixed files (``A_outcomes.csv``)
read together, so each curator can keep one file per article. Gold is validated
before scoring because a typo in a key column would otherwise show up only as a
puzzling miss, far from the cell that caused it.
"""
from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from ..errors import MedmineError

ENDPOINTS = frozenset({"ORR", "DCR", "CBR", "PFS", "PFR", "OS", "EFS", "DFS", "RFS", "DOR", "TTR", "CR", "PR",
                       "PCR"})
MEASURES = frozenset({"median", "rate", "hr", "or"})
KEYS = {
    "outcomes": ["doc_id", "endpoint", "measure", "timepoint_months", "value", "value_high", "unit", "drugs"],
    "regimens": ["doc_id", "drugs"],
    "drugs": ["doc_id", "drug"],
    "trials": ["doc_id", "arms"],
    "references": ["doc_id", "ref_no"],
    "citations": ["doc_id", "marker", "refs"],
    "citation_checks": ["doc_id", "refs", "suggested_refs"],
}
FIELDS = {
    "outcomes": ["qualifier", "comparator_drugs", "trial", "citation", "ci_low", "ci_high", "p_value", "disease"],
    "regimens": ["name"],
    "drugs": ["class"],
    "trials": ["trial", "phase", "design", "n", "disease", "setting", "followup_months", "venue", "citation"],
    "references": ["first_author", "year", "title", "source", "kind"],
    "citations": [],
    "citation_checks": ["marker"],
}
# Only these rows of a table are scored (SCHEMA: gold citation_checks list only the mismatches);
# a file without the column (a gold file listing only those rows) is taken whole.
SCORED_ROWS = {"citation_checks": ("verdict", "mismatch")}
TABLES = list(KEYS)
NUMERIC = frozenset({"value", "value_high", "timepoint_months", "ci_low", "ci_high", "n", "followup_months", "year",
                     "ref_no"})


class GoldError(MedmineError):
    """A gold file that cannot be scored; the message is ``path:line: problem``."""

    code = "E400"
    hint = "fix the gold file"


def table_files(folder: Path, table: str) -> list[Path]:
    """``<table>.csv`` plus every ``*_<table>.csv``, in a stable order so row order is reproducible."""
    return sorted(set(folder.glob(f"{table}.csv")) | set(folder.glob(f"*_{table}.csv")))


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and (first line number, row) pairs; line numbers are what a curator sees in an editor.

    Values are stripped strings, a missing cell is ""; wholly empty rows (left by
    spreadsheets) are dropped. ``utf-8-sig`` because Excel saves CSV with a BOM.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        rows = []
        while True:
            line = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                break
            if any(cell.strip() for cell in cells):
                values = [cell.strip() for cell in cells] + [""] * (len(header) - len(cells))
                rows.append((line, {name: value for name, value in zip(header, values) if name}))
    return header, rows


def is_number(text: str) -> bool:
    """A finite decimal: NaN and Infinity parse as Decimal but are no curator's number."""
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def row_problems(table: str, row: dict, columns: Iterable[str], codes: frozenset[str]) -> list[str]:
    """Why one gold row cannot be matched: each problem would silently turn it into a miss."""
    problems = []
    if not row.get("doc_id"):
        problems.append("empty doc_id")
    if table == "outcomes":
        if row.get("endpoint") not in codes:
            problems.append(f"unknown endpoint code {row.get('endpoint', '')!r}")
        if row.get("measure") not in MEASURES:
            problems.append(f"unknown measure {row.get('measure', '')!r}")
    for column in columns:
        value = row.get(column, "")
        if column in NUMERIC and value and not is_number(value):
            problems.append(f"{column} {value!r} is not a number")
    return problems


def validate(path: Path, table: str, header: list[str], rows: list[tuple[int, dict]], extra_codes=()) -> None:
    """Raise on the first bad gold cell, naming the file and line so it can be fixed at once."""
    missing = [key for key in KEYS[table] if key not in header]
    if missing:
        raise GoldError(f"{path}:1: missing key column(s): {', '.join(missing)}")
    codes = ENDPOINTS | frozenset(extra_codes)
    checked = [c for c in header if c in NUMERIC and (c in KEYS[table] or c in FIELDS[table])]
    for line, row in rows:
        problems = row_problems(table, row, checked, codes)
        if problems:
            raise GoldError(f"{path}:{line}: {problems[0]}")


def load_tables(folder: Path | str, gold: bool = False, tables: Iterable[str] | None = None,
                extra_codes: Iterable[str] = ()) -> dict[str, list[dict]]:
    """Rows of each table that has at least one file in ``folder`` (absent tables are left out).

    With ``gold=True`` every file is validated first, so scoring never starts on a
    gold set that would give misleading numbers.
    """
    folder = Path(folder)
    names = list(tables) if tables else TABLES
    unknown = [name for name in names if name not in KEYS]
    if unknown:
        raise GoldError(f"unknown table(s): {', '.join(unknown)} (known: {', '.join(TABLES)})")
    out: dict[str, list[dict]] = {}
    for table in names:
        files = table_files(folder, table)
        if not files:
            continue
        out[table] = []
        for path in files:
            header, rows = read_csv(path)
            if gold:
                validate(path, table, header, rows, extra_codes)
            column, value = SCORED_ROWS.get(table, ("", ""))
            out[table].extend(row for _, row in rows if row.get(column, value) == value)
    return out
