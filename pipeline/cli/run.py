"""``medmine run``: batch-extract tables from article files."""
from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.markup import escape
from rich.table import Table

from ..batch import Output, collect, run_batch, usable_cores
from ..errors import InputError
from ..reading import SIZE_VARIABLE
from ..tables import COLUMNS
from ..writing import parse_formats
from . import app
from .common import RULES_OPTION, not_a_file_or_exit, rules_or_exit

DEFAULT_CORPUS = Path("corpus/articles")
FAILURES_SHOWN = 5


@app.command("run")
def run_command(
    paths: list[Path] = typer.Argument(None, help="Files, folders (searched recursively) or globs. "
                                                  "Default: corpus/articles."),
    out: Path = typer.Option(Path("outputs"), "-o", "--out", help="Output folder."),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: the usable cores)."),
    glob: str = typer.Option("*", "--glob", help="File name pattern inside folders, e.g. '*.html'."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if any document failed."),
    formats: str = typer.Option("csv,parquet,xlsx", "--formats", help="Comma-separated: csv,parquet,xlsx."),
    csv_safe: bool = typer.Option(False, "--csv-safe", help="Prefix ' to CSV cells a spreadsheet would run as a "
                                                            "formula (=, +, -, @); numbers are left alone."),
    xlsx_mentions: bool = typer.Option(False, "--xlsx-mentions", help="Put the mentions table in tables.xlsx too "
                                                                      "(slow: about 300 rows a document)."),
    engine: str = typer.Option("local", "--engine", help="local, or dask (needs the dask extra and --scheduler)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786."),
    rules: Path = RULES_OPTION,
    max_size: float = typer.Option(None, "--max-size", min=0.001, help="Largest article to read, in MB "
                                   "(default 20; larger files become error rows naming the file)."),
) -> None:
    """Read articles, extract every table, write them to OUT (CSV, Parquet, XLSX)."""
    console = Console(stderr=True)
    output = Output(tuple(parse_formats(formats)), csv_safe, tuple(COLUMNS) if xlsx_mentions else None)
    if engine not in {"local", "dask"}:
        raise InputError(f"--engine {engine!r}: expected local or dask")
    not_a_file_or_exit(out)
    if max_size:  # through the environment, so that worker processes see it too
        os.environ[SIZE_VARIABLE] = str(int(max_size * 1e6))
    ruleset = rules_or_exit(rules)
    inputs = paths or [DEFAULT_CORPUS]
    skipped: list[Path] = []
    job_list = collect(inputs, glob, skipped)
    if skipped:
        console.print(f"[yellow]note:[/yellow] skipped {len(skipped)} folder documentation file(s) "
                      f"({', '.join(p.name for p in skipped[:5])}{', ...' if len(skipped) > 5 else ''}); "
                      "name a file explicitly to process it")
    if not job_list:
        raise InputError(f"no .txt/.md/.html files found in {', '.join(map(str, inputs))}")
    if engine == "dask":
        summary = _run_dask(job_list, out, ruleset.directory, output, scheduler)
    else:
        summary = _run_local(console, job_list, out, str(ruleset.directory), jobs or usable_cores(), output)
    _print_summary(console, summary, out)
    if strict and summary.failed:
        raise typer.Exit(1)


def _run_local(console: Console, job_list, out: Path, rules_dir: str, jobs: int, output: Output):
    """The batch with two progress lines: documents, then the tables being written."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("extracting", total=len(job_list), detail="")
        writing = progress.add_task("writing", total=len(COLUMNS), detail="", visible=False)
        counts = {"bytes": 0, "errors": 0}

        def on_document(job, rendered) -> None:
            counts["bytes"] += job.size
            counts["errors"] += rendered.status != "ok"
            elapsed = max(progress.tasks[task].elapsed or 1e-9, 1e-9)
            progress.update(task, advance=1, detail=f"{counts['bytes'] / elapsed / 1e6:.2f} MB/s, "
                                                    f"[red]{counts['errors']} errors")

        def on_table(table: str) -> None:
            if not progress.tasks[writing].visible:
                progress.update(writing, visible=True)
            else:
                progress.advance(writing)
            progress.update(writing, detail=f"{'+'.join(output.formats)}: {table}")

        summary = run_batch(job_list, out, rules_dir, jobs, on_document, output=output, on_table=on_table)
        progress.update(writing, completed=len(COLUMNS), detail="done")
    return summary


def _run_dask(job_list, out: Path, rules_dir: Path, output: Output, scheduler: str | None):
    if not scheduler:
        raise InputError("--engine dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    from ..distributed import connect, run_jobs

    with connect(scheduler) as client:
        return run_jobs(job_list, out, client, rules_dir=rules_dir, output=output)


def _print_summary(console: Console, summary, out: Path) -> None:
    table = Table(title=f"medmine run -> {out}", show_header=True)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.rows.items():
        table.add_row(name, str(count))
    console.print(table)
    documents = summary.ok + summary.failed
    console.print(f"documents: {summary.ok} ok, {summary.failed} failed; {summary.seconds:.1f} s in all "
                  f"({summary.extract_seconds:.1f} s extracting, {summary.seconds - summary.extract_seconds:.1f} s "
                  f"writing), {documents / max(summary.seconds, 1e-9):.1f} documents/s")
    for path, reason in summary.failures[:FAILURES_SHOWN]:
        console.print(f"[red]failed:[/red] {escape(reason if reason.startswith(path) else f'{path}: {reason}')}")
    if summary.failed > FAILURES_SHOWN:
        console.print(f"[red]failed:[/red] ... and {summary.failed - FAILURES_SHOWN} more "
                      f"(documents.csv, status=error)")
    for note in summary.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    _print_mismatches(console, out)


def _print_mismatches(console: Console, out: Path, shown: int = 5) -> None:
    """Citation mismatches are the findings a reviewer acts on, so the summary names them."""
    import csv

    path = out / "citation_checks.csv"
    if not path.exists():
        return
    with open(path, encoding="utf-8", newline="") as handle:
        found = [row for row in csv.DictReader(handle) if row.get("verdict") == "mismatch"]
    console.print(f"citation checks: {len(found)} mismatch(es) found" + (f" (see {path})" if found else ""))
    for row in found[:shown]:
        console.print(f"  {row['doc_id']} {row['marker']}: cites {row['refs']}, "
                      f"suggested {row['suggested_refs']} - {row['reason']}")
