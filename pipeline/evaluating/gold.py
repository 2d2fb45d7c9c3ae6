"""Loading prediction and gold tables, and validating gold with ``path:row`` errors.

A table may be one ``<table>.csv`` or several prefixed files (``A_outcomes.csv``)
that are read together, so each curator can keep one file per article.
"""
from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..errors import MedmineError

ENDPOINTS = {"ORR", "DCR", "CBR", "PFS", "PFR", "OS", "EFS", "DFS", "RFS", "DOR", "TTR", "CR", "PR", "PCR"}
MEASURES = {"median", "rate", "hr", "or"}
KEYS = {
    "outcomes": ["doc_id", "endpoint", "measure", "timepoint_months", "value", "value_high", "unit", "drugs"],
    "regimens": ["doc_id", "drugs"],
    "drugs": ["doc_id", "drug"],
    "trials": ["doc_id", "arms"],
    "references": ["doc_id", "ref_no"],
    "citations": ["doc_id", "marker", "refs"],
}
FIELDS = {
    "outcomes": ["qualifier", "comparator_drugs", "trial", "citation", "ci_low", "ci_high", "p_value", "disease"],
    "regimens": ["name"],
    "drugs": ["class"],
    "trials": ["trial", "phase", "design", "n", "disease", "setting", "followup_months", "venue", "citation"],
    "references": ["first_author", "year", "title", "source", "kind"],
    "citations": [],
}
NUMERIC = {"value", "value_high", "timepoint_months", "ci_low", "ci_high", "n", "followup_months", "year",
           "ref_no"}


class GoldError(MedmineError):
    """A gold file that cannot be scored: names the file, the row and the problem."""

    code = "E400"
    hint = "fix the gold file"


def table_files(folder: Path, table: str) -> list[Path]:
    return sorted(set(folder.glob(f"{table}.csv")) | set(folder.glob(f"*_{table}.csv")))


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(CSV line number, row) pairs, every value a stripped string."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]


def validate(path: Path, table: str, rows: list[tuple[int, dict]], columns: list[str], extra_codes=()) -> None:
    """Reject a gold file whose rows cannot be matched by SCHEMA's keys."""
    missing = [k for k in KEYS[table] if k not in columns]
    if missing:
        raise GoldError(f"{path}:1: missing key column(s): {', '.join(missing)}")
    codes = ENDPOINTS | set(extra_codes)
    for line, row in rows:
        if table == "outcomes" and row.get("endpoint") not in codes:
            raise GoldError(f"{path}:{line}: unknown endpoint code {row.get('endpoint')!r}")
        if table == "outcomes" and row.get("measure") not in MEASURES:
            raise GoldError(f"{path}:{line}: unknown measure {row.get('measure')!r}")
        for column in NUMERIC & set(columns):
            value = row.get(column, "")
            if value and column != "year":
                try:
                    Decimal(value)
                except InvalidOperation:
                    raise GoldError(f"{path}:{line}: {column} {value!r} is not a number") from None


def load_tables(folder: Path, gold: bool = False, tables=None, extra_codes=()) -> dict[str, list[dict]]:
    """Rows of every table present in a folder (all its files read together)."""
    out: dict[str, list[dict]] = {}
    for table in tables or KEYS:
        files = table_files(Path(folder), table)
        if not files:
            continue
        rows: list[dict] = []
        for path in files:
            numbered = read_rows(path)
            if gold:
                with open(path, encoding="utf-8-sig") as handle:
                    columns = next(csv.reader(handle), [])
                validate(path, table, numbered, columns, extra_codes)
            rows.extend(row for _, row in numbered)
        out[table] = rows
    return out
