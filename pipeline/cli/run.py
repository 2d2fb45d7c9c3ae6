"""``medmine run``: batch-extract tables from article files."""
from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table

from ..batch import collect, derive_formats, run_batch
from ..errors import InputError
from ..reading import SIZE_VARIABLE
from . import app
from .common import RULES_OPTION, rules_or_exit

DEFAULT_CORPUS = Path("corpus/articles")


@app.command("run")
def run_command(
    paths: list[Path] = typer.Argument(None, help="Files, folders (searched recursively) or globs. "
                                                  "Default: corpus/articles."),
    out: Path = typer.Option(Path("outputs"), "-o", "--out", help="Output folder."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes."),
    glob: str = typer.Option("*", "--glob", help="File name pattern inside folders, e.g. '*.html'."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if any document failed."),
    formats: str = typer.Option("csv,parquet,xlsx", "--formats", help="Comma-separated: csv,parquet,xlsx."),
    rules: Path = RULES_OPTION,
    max_size: float = typer.Option(None, "--max-size", min=0.001, help="Largest article to read, in MB "
                                   "(default 20; larger files become error rows naming the file)."),
) -> None:
    """Read articles, extract every table, write them to OUT (CSV, Parquet, XLSX)."""
    console = Console(stderr=True)
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
    errors = {"n": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[speed]}"), TextColumn("[red]{task.fields[errors]} errors"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task("extracting", total=len(job_list), speed="", errors=0)
        done = {"bytes": 0}

        def on_document(job, rendered) -> None:
            done["bytes"] += job.size
            errors["n"] += rendered.status != "ok"
            elapsed = max(progress.tasks[0].elapsed or 1e-9, 1e-9)
            progress.update(task, advance=1, errors=errors["n"],
                            speed=f"{done['bytes'] / elapsed / 1e6:.2f} MB/s")

        summary = run_batch(job_list, out, str(ruleset.directory), jobs, on_document)
    derive_formats(out, [f.strip() for f in formats.split(",") if f.strip()])
    _print_summary(console, summary, out)
    if strict and summary.failed:
        raise typer.Exit(1)


def _print_summary(console: Console, summary, out: Path) -> None:
    table = Table(title=f"medmine run -> {out}", show_header=True)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.rows.items():
        table.add_row(name, str(count))
    console.print(table)
    console.print(f"documents: {summary.ok} ok, {summary.failed} failed; {summary.seconds:.1f} s")
    _print_mismatches(console, out)
    for note in summary.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


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
