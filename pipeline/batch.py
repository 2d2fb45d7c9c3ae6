"""Batch runs: many files -> one set of tables, robust, streaming and parallel.

One bad file never stops a batch: it becomes a ``documents`` row with
``status=error`` and the reason. Rows are streamed to CSV files in the run's
staging folder as documents finish (in input order, so output bytes do not
depend on timing) and fed to the Parquet and XLSX writers (``writing.py``);
every file is moved into place together at the end (``transaction.py``).
``--jobs N`` runs the same pure per-document function in N processes, each
building its rules and spaCy pipeline once, while this process writes.
"""
from __future__ import annotations

import csv
import io
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError, MedmineError
from .tables import COLUMNS, error_rows
from .transaction import OutputTransaction
from .workbook import EXCEL_MAX_ROWS
from .writing import TypedTables, make_csv_safe, write_formats

SUFFIXES = {".txt", ".md", ".html", ".htm"}
DOCUMENTATION_NAMES = {"README", "SOURCES", "NOTES", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "CHANGES",
                       "CONTRIBUTING", "AUTHORS", "TODO"}


@dataclass(frozen=True)
class Job:
    path: str
    doc_id: str
    note: str = ""
    size: int = 0


FAILURES_KEPT = 20  # failed files listed by name in a summary; the rest are counted


@dataclass
class Summary:
    """What a run did, for the console: counts, times (writing included) and what went wrong."""

    ok: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0  # the whole run: extraction and writing
    extract_seconds: float = 0.0
    bytes: int = 0
    notes: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason), the first few

    def add(self, job: Job, rendered: "Rendered") -> None:
        failed = rendered.status != "ok"
        self.failed += failed
        self.ok += not failed
        self.bytes += job.size
        if failed and len(self.failures) < FAILURES_KEPT:
            self.failures.append((job.path, rendered.error))
        if job.note:
            self.notes.append(f"{job.path}: {job.note} -> {job.doc_id}")


@dataclass(frozen=True)
class Output:
    """What a run writes: formats, and the settings of the derived copies."""

    formats: tuple[str, ...] = ("csv",)
    csv_safe: bool = False  # neutralise formula-like CSV cells (see writing.csv_safe_cell)
    xlsx_tables: tuple[str, ...] | None = None  # None: every table but tables.XLSX_LEFT_OUT
    xlsx_max_rows: int = EXCEL_MAX_ROWS


def usable_cores() -> int:
    """Cores this process may run on (a container's or taskset's limit, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


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
    error: str
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
    return Rendered(document["doc_id"], document["status"], document["error"], chunks, counts)


def process_rendered(job: Job, rules_dir: str | None = None) -> Rendered:
    return render(process(job, rules_dir))


class CsvTables:
    """One CSV file per table in ``folder`` (the run's staging folder), appended document by document."""

    def __init__(self, folder: Path):
        self.files, self.counts = {}, {}
        for table, columns in COLUMNS.items():
            handle = open(folder / f"{table}.csv", "w", encoding="utf-8", newline="")
            csv.writer(handle, lineterminator="\n").writerow(columns)
            self.files[table], self.counts[table] = handle, 0

    def write(self, rendered: Rendered) -> None:
        for table, handle in self.files.items():
            handle.write(rendered.csv[table])
            self.counts[table] += rendered.counts[table]

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


RESULTS_AHEAD = 64  # documents extracted but not yet written, at most: memory stays flat if writing lags


def _results(jobs: list[Job], rules_dir: str | None, n_jobs: int, in_process: bool) -> Iterator[tuple[Job, Rendered]]:
    """Rendered documents in input order: in this process, or from ``n_jobs`` worker processes while
    this one writes (so with Parquet or XLSX, even ``--jobs 1`` overlaps writing and extraction)."""
    if in_process or len(jobs) <= 1:
        _init_worker(rules_dir)
        for job in jobs:
            yield job, process_rendered(job)
        return
    window, stop = threading.Semaphore(RESULTS_AHEAD), threading.Event()

    def feed() -> Iterator[Job]:  # the pool's task thread waits here while the window is full
        for job in jobs:
            while not window.acquire(timeout=0.5):
                if stop.is_set():
                    return
            yield job

    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    try:
        with context.Pool(min(n_jobs, len(jobs)), initializer=_init_worker, initargs=(rules_dir,)) as pool:
            for job, rendered in zip(jobs, pool.imap(process_rendered, feed(), chunksize=4)):
                window.release()
                yield job, rendered
    finally:
        stop.set()


def _finish_csv(folder: Path, output: Output) -> None:
    """``--csv-safe`` applied, or the CSVs dropped when they were not asked for."""
    for table in COLUMNS:
        path = folder / f"{table}.csv"
        if "csv" not in output.formats:
            path.unlink()
        elif output.csv_safe:
            make_csv_safe(path)


def finish_formats(folder: Path, output: Output, rows: dict[str, int],
                   on_table: Callable[[str], None] | None = None) -> list[str]:
    """From the finished CSVs of a staging folder: the Parquet and XLSX copies, then ``_finish_csv``.
    Returns notes for the summary."""
    notes = write_formats(folder, output.formats, rows, xlsx_tables=output.xlsx_tables, max_rows=output.xlsx_max_rows,
                          on_table=on_table)
    _finish_csv(folder, output)
    return notes


def run_batch(jobs: list[Job], out_dir: Path, rules_dir: str | None = None, n_jobs: int = 1,
              on_document: Callable[[Job, Rendered], None] | None = None, *, output: Output = Output(),
              on_table: Callable[[str], None] | None = None) -> Summary:
    """Process every job and write every format of ``output`` into ``out_dir`` as one transaction.

    ``on_document`` is called after each document, ``on_table`` before each table of
    the final writing phase (progress). Raises ``transaction.OutputBusy`` if another
    run is writing into ``out_dir``.
    """
    started = time.perf_counter()
    summary = Summary()
    with OutputTransaction(Path(out_dir)) as transaction:
        summary.notes += [f"removed {name} in {out_dir}: left by an interrupted run" for name in transaction.removed]
        tables = CsvTables(transaction.staging)
        typed = TypedTables(transaction.staging, output.formats, output.xlsx_tables, output.xlsx_max_rows)
        derived = any(typed.wants(t) for t in COLUMNS)
        try:
            for job, rendered in _results(jobs, rules_dir, n_jobs, in_process=n_jobs <= 1 and not derived):
                tables.write(rendered)
                for table, text in rendered.csv.items():
                    typed.add_csv(table, text)
                summary.add(job, rendered)
                if on_document:
                    on_document(job, rendered)
        finally:
            tables.close()
        summary.rows = dict(tables.counts)
        summary.extract_seconds = time.perf_counter() - started
        summary.notes += typed.close(summary.rows, on_table)
        _finish_csv(transaction.staging, output)
        transaction.commit()
    summary.seconds = time.perf_counter() - started
    return summary
