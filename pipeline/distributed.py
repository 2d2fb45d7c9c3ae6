"""Distributed runs on a Dask cluster: ``run(paths, out, client)`` or ``medmine run --engine dask``.

Why this shape: documents are independent, so the work splits into partitions of
files. Workers read their own files (the driver ships paths, never texts), get the
rules by content (a bundle of the rule files and their fingerprint, materialised in
the worker's temp folder: a relative ``rules_dir`` would mean nothing there), and
write their partition of every table as CSV and typed Parquet into the run's
staging folder. The driver receives only each document's status row, then writes
the tables: one Parquet dataset per table (``<table>.parquet/part-NNNNN.parquet``),
the CSVs (partitions concatenated in input order, so they are byte for byte what a
local run writes) and the workbook when asked, committed together like a local run.

``OUT`` must be a folder every worker can write to (a shared file system), and the
input paths must be readable by the workers under the same absolute names.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from . import batch
from .batch import Job, Output, Rendered, Summary, collect, finish_formats, process_rendered
from .errors import InputError, MedmineError
from .rules import _rule_files, fingerprint, load_rules
from .tables import COLUMNS
from .transaction import OutputTransaction
from .writing import ParquetFile, typed_batches

PARTS = ".parts"  # suffix of a staging folder of CSV partitions


class DistributedError(MedmineError):
    code = "E400"
    hint = "check that every worker can read the inputs and write to the output folder"


@dataclass(frozen=True)
class RuleBundle:
    """The rule files' bytes and their fingerprint: how rules travel to workers."""

    fingerprint: str
    files: dict[str, bytes]

    @classmethod
    def of(cls, directory: str | Path | None) -> "RuleBundle":
        rules = load_rules(directory)  # validated on the driver: bad rules fail before any work is sent
        return cls(rules.fingerprint, {p.name: p.read_bytes() for p in _rule_files(rules.directory)})

    def materialise(self) -> Path:
        """``<tmp>/medmine-rules-<fingerprint>``, written once per machine (atomically, by rename)."""
        target = Path(tempfile.gettempdir()) / f"medmine-rules-{self.fingerprint}"
        if not target.is_dir():
            scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
            for name, data in self.files.items():
                (scratch / name).write_bytes(data)
            try:
                os.replace(scratch, target)
            except OSError:  # another worker on this machine was first
                shutil.rmtree(scratch, ignore_errors=True)
        if fingerprint(target) != self.fingerprint:
            raise DistributedError(f"{target}: rule files differ from the driver's (fingerprint)")
        return target


@dataclass
class Part:
    """What a worker sends back for one partition: status rows, counts, no table rows."""

    index: int
    documents: list[tuple[Job, Rendered]]
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _use_rules(bundle: RuleBundle) -> None:
    """Load the bundle's rules into this worker once (``batch.process`` then uses them)."""
    if batch._RULES is None or batch._RULES.fingerprint != bundle.fingerprint:
        batch._init_worker(str(bundle.materialise()))


def process_partition(index: int, jobs: list[Job], bundle: RuleBundle, staging: str) -> Part:
    """On a worker: extract the partition's files and write its part of every table (CSV and Parquet)."""
    _use_rules(bundle)
    rendered = [process_rendered(job) for job in jobs]
    part, name = Part(index, []), f"part-{index:05d}"
    for table, columns in COLUMNS.items():
        csv_path = Path(staging) / f"{table}{PARTS}" / f"{name}.csv"
        csv_path.write_text(",".join(columns) + "\n" + "".join(r.csv[table] for r in rendered), encoding="utf-8")
        parquet = ParquetFile(Path(staging) / f"{table}.parquet" / f"{name}.parquet")
        try:
            for record_batch in typed_batches(str(csv_path), table, part.notes):
                parquet.write(record_batch)
        finally:
            parquet.close()
        part.counts[table] = sum(r.counts[table] for r in rendered)
    part.documents = [(job, replace(r, csv={})) for job, r in zip(jobs, rendered)]
    return part


def _concatenate(parts: Path, target: Path) -> None:
    """Partition CSVs -> one CSV in partition order, the header once; bytes are copied, not parsed."""
    with open(target, "wb") as out:
        for i, path in enumerate(sorted(parts.glob("part-*.csv"))):
            with open(path, "rb") as handle:
                if i:
                    handle.readline()
                shutil.copyfileobj(handle, out)


def _partitions(jobs: list[Job], client, size: int | None) -> list[list[Job]]:
    """Partitions of about 4 per worker thread (balance) and at most 200 files (memory on a worker)."""
    threads = sum(client.nthreads().values()) or 1
    size = size or max(1, min(200, math.ceil(len(jobs) / (4 * threads))))
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def run_jobs(jobs: list[Job], out: str | Path, client, *, rules_dir: str | Path | None = None,
             output: Output = Output(("csv", "parquet")), partition_size: int | None = None) -> Summary:
    """Process ``jobs`` on the cluster behind ``client``; write every table into ``out``."""
    import time

    from dask.distributed import as_completed

    started = time.perf_counter()
    jobs = [replace(job, path=str(Path(job.path).resolve())) for job in jobs]
    bundle = client.scatter(RuleBundle.of(rules_dir), broadcast=True)
    summary = Summary()
    with OutputTransaction(Path(out)) as transaction:
        staging = transaction.staging.resolve()
        summary.notes += [f"removed {name} in {out}: left by an interrupted run" for name in transaction.removed]
        for table in COLUMNS:
            (staging / f"{table}{PARTS}").mkdir()
            (staging / f"{table}.parquet").mkdir()
        chunks = _partitions(jobs, client, partition_size)
        futures = client.map(process_partition, range(len(chunks)), chunks, bundle=bundle, staging=str(staging))
        parts = []
        try:
            for _, part in as_completed(futures, with_results=True):
                parts.append(part)
        except Exception as exc:
            client.cancel(futures)
            raise DistributedError(f"a partition failed on a worker: {type(exc).__name__}: {exc}") from exc
        for part in sorted(parts, key=lambda p: p.index):
            for job, rendered in part.documents:
                summary.add(job, rendered)
            summary.notes += part.notes
        summary.rows = {t: sum(p.counts[t] for p in parts) for t in COLUMNS}
        summary.extract_seconds = time.perf_counter() - started
        for table in COLUMNS:
            if {"csv", "xlsx"} & set(output.formats):
                _concatenate(staging / f"{table}{PARTS}", staging / f"{table}.csv")
            shutil.rmtree(staging / f"{table}{PARTS}")
            if "parquet" not in output.formats:
                shutil.rmtree(staging / f"{table}.parquet")
        formats = Output(tuple(f for f in output.formats if f != "parquet"), output.csv_safe, output.xlsx_tables,
                         output.xlsx_max_rows)
        if {"csv", "xlsx"} & set(output.formats):
            summary.notes += finish_formats(staging, formats, summary.rows)
        transaction.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def run(paths: Iterable[str | Path], out: str | Path, client, *, rules_dir: str | Path | None = None,
        glob: str = "*", formats: Iterable[str] = ("csv", "parquet")) -> Summary:
    """The Python entry point: files, folders or globs -> tables in ``out``, on ``client``'s cluster."""
    return run_jobs(collect(paths, glob), out, client, rules_dir=rules_dir, output=Output(tuple(formats)))


def connect(address: str):
    """A Dask client for ``--scheduler ADDRESS``, or a clear error when the extra is missing."""
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise InputError("--engine dask needs Dask", hint="pip install 'medmine[dask]'") from exc
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {address}: cannot reach a Dask scheduler ({exc})") from exc
