"""Batch runs: many files -> one set of tables, robust, streaming and parallel.

One bad file never stops a batch: it becomes a ``documents`` row with
``status=error`` and the reason. Rows are streamed to temporary CSV files as
documents finish (in input order, so output bytes do not depend on timing) and
renamed into place at the end; Parquet and XLSX are derived from the finished
CSVs. ``--jobs N`` runs the same pure per-document function in N processes,
each building its rules and spaCy pipeline once.
"""
from __future__ import annotations

import csv
import io
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError, MedmineError
from .tables import COLUMNS, error_rows

SUFFIXES = {".txt", ".md", ".html", ".htm"}
DOCUMENTATION_NAMES = {"README", "SOURCES", "NOTES", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "CHANGES",
                       "CONTRIBUTING", "AUTHORS", "TODO"}


@dataclass(frozen=True)
class Job:
    path: str
    doc_id: str
    note: str = ""
    size: int = 0


@dataclass
class Summary:
    ok: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)


def is_folder_documentation(path: Path) -> bool:
    """README.md, SOURCES.md, notes.txt: the conventional names of a folder's own documentation."""
    return path.name.split(".")[0].upper() in DOCUMENTATION_NAMES


def collect(paths: Iterable[str | Path], pattern: str = "*", skipped: list[Path] | None = None) -> list[Job]:
    """Files named or found under folders (recursively), with unique doc ids.

    Inside folders, files named like folder documentation are left out (and added
    to ``skipped`` when given); name such a file explicitly to process it.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in sorted(path.rglob(pattern)) if p.is_file() and p.suffix.lower() in SUFFIXES]
            files.extend(p for p in found if not is_folder_documentation(p))
            if skipped is not None:
                skipped.extend(p for p in found if is_folder_documentation(p))
        elif path.exists():
            files.append(path)
        else:
            matches = sorted(Path().glob(str(raw))) if any(c in str(raw) for c in "*?[") else []
            if not matches:
                raise InputError(f"{raw}: no such file or folder")
            files.extend(p for p in matches if p.is_file())
    jobs, seen = [], {}
    for path in files:
        stem = path.stem
        count = seen.get(stem, 0) + 1
        seen[stem] = count
        doc_id, note = (stem, "") if count == 1 else (f"{stem}~{count}", f"duplicate file name stem {stem!r}: doc_id renamed")
        size = path.stat().st_size if path.exists() else 0
        jobs.append(Job(str(path), doc_id, note, size))
    return jobs


_RULES = None  # the worker's rule set: one snapshot for the whole batch


def _init_worker(rules_dir: str | None) -> None:
    """Each worker loads the rules and builds the pipeline once, before its first file.

    The batch keeps that snapshot, so a rule file edited mid-run cannot mix two
    rule versions in one set of tables (and no file is re-hashed per document).
    """
    global _RULES
    from .extracting import build_nlp
    from .rules import load_rules

    _RULES = load_rules(rules_dir)
    build_nlp(_RULES)


def process(job: Job, rules_dir: str | None = None) -> dict[str, list[dict]]:
    """Extract one file; any failure becomes an error row, never an exception.

    Without ``rules_dir`` it uses the rules ``_init_worker`` loaded for this batch
    (or the default rules outside a batch).
    """
    from .extracting import extract_path
    from .rules import load_rules

    try:
        rules = _RULES if rules_dir is None and _RULES is not None else load_rules(rules_dir)
        rows = extract_path(job.path, doc_id=job.doc_id, rules=rules)
    except MedmineError as exc:
        rows = error_rows(job.doc_id, job.path, str(exc.message))
    except Exception as exc:  # one bad article must never stop a batch
        rows = error_rows(job.doc_id, job.path, f"internal error: {type(exc).__name__}: {exc}")
    if job.note:
        rows["documents"][0]["error"] = "; ".join(filter(None, [rows["documents"][0]["error"], job.note]))
    return rows


@dataclass
class Rendered:
    """One document's rows as CSV text per table: cheap to send between processes."""

    doc_id: str
    status: str
    csv: dict[str, str]
    counts: dict[str, int]


def _cells(rows: list[dict], columns: list[str]):
    """Rows as cell lists in column order (csv writes None as empty); rows with every column,
    such as all of ``mentions``, go through one C-level ``itemgetter``."""
    try:
        return list(map(itemgetter(*columns), rows))
    except KeyError:
        return [[row.get(c) for c in columns] for row in rows]


def render(rows: dict[str, list[dict]]) -> Rendered:
    chunks, counts = {}, {}
    for table, columns in COLUMNS.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(_cells(rows.get(table, []), columns))
        chunks[table], counts[table] = buffer.getvalue(), len(rows.get(table, []))
    document = rows["documents"][0]
    return Rendered(document["doc_id"], document["status"], chunks, counts)


def process_rendered(job: Job, rules_dir: str | None = None) -> Rendered:
    return render(process(job, rules_dir))


class StreamingWriter:
    """Appends rows to one temporary CSV per table; ``commit`` renames them into place."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.files, self.counts = {}, {}
        for table, columns in COLUMNS.items():
            handle = open(out_dir / f".{table}.csv.tmp", "w", encoding="utf-8", newline="")
            csv.writer(handle, lineterminator="\n").writerow(columns)
            self.files[table], self.counts[table] = handle, 0

    def write(self, rendered: Rendered) -> None:
        for table, handle in self.files.items():
            handle.write(rendered.csv[table])
            self.counts[table] += rendered.counts[table]

    def commit(self) -> list[Path]:
        paths = []
        for table, handle in self.files.items():
            handle.close()
            final = self.out_dir / f"{table}.csv"
            os.replace(self.out_dir / f".{table}.csv.tmp", final)
            paths.append(final)
        return paths

    def abort(self) -> None:
        for table, handle in self.files.items():
            handle.close()
            tmp = self.out_dir / f".{table}.csv.tmp"
            if tmp.exists():
                tmp.unlink()


def _results(jobs: list[Job], rules_dir: str | None, n_jobs: int) -> Iterator[tuple[Job, Rendered]]:
    if n_jobs <= 1:
        _init_worker(rules_dir)
        for job in jobs:
            yield job, process_rendered(job)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(n_jobs, initializer=_init_worker, initargs=(rules_dir,)) as pool:
        for job, rendered in zip(jobs, pool.imap(process_rendered, jobs, chunksize=8)):
            yield job, rendered


def run_batch(jobs: list[Job], out_dir: Path, rules_dir: str | None = None, n_jobs: int = 1,
              on_document: Callable[[Job, "Rendered"], None] | None = None) -> Summary:
    """Process every job, streaming rows to ``out_dir``; returns counts for the summary."""
    started = time.perf_counter()
    writer = StreamingWriter(out_dir)
    summary = Summary()
    try:
        for job, rendered in _results(jobs, rules_dir, n_jobs):
            writer.write(rendered)
            failed = rendered.status != "ok"
            summary.failed += failed
            summary.ok += not failed
            summary.bytes += job.size
            if job.note:
                summary.notes.append(f"{job.path}: {job.note} -> {job.doc_id}")
            if on_document:
                on_document(job, rendered)
    except BaseException:
        writer.abort()
        raise
    writer.commit()
    summary.rows = {t: n for t, n in writer.counts.items()}
    summary.seconds = time.perf_counter() - started
    return summary


EXCEL_MAX_ROWS = 1_048_575


def derive_formats(out_dir: Path, formats: Iterable[str]) -> list[Path]:
    """Parquet and XLSX copies of the finished CSVs, one table in memory at a time.

    A table too long for an Excel sheet is left out of the workbook (its CSV and
    Parquet files are complete).
    """
    formats = set(formats) & {"parquet", "xlsx"}
    if not formats:
        return []
    import pandas as pd

    from .tables import atomic_write

    written: list[Path] = []

    def read(table: str) -> pd.DataFrame:
        return pd.read_csv(out_dir / f"{table}.csv", dtype=str, keep_default_na=False)

    if "parquet" in formats:
        for table in COLUMNS:
            path = out_dir / f"{table}.parquet"
            frame = read(table)
            atomic_write(path, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
            written.append(path)
    if "xlsx" in formats:
        def workbook(tmp: str) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for table in COLUMNS:
                    frame = read(table)
                    if len(frame) <= EXCEL_MAX_ROWS:
                        frame.to_excel(writer, sheet_name=table, index=False)

        path = out_dir / "tables.xlsx"
        atomic_write(path, workbook)
        written.append(path)
    return written
