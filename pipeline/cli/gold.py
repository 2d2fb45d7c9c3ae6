"""``medmine gold init``: draft gold tables from the machine's answer, for a person to correct."""
from __future__ import annotations

from pathlib import Path

import typer

from ..extracting import extract_path
from ..tables import to_frames
from . import gold_app
from .common import RULES_OPTION, folder_or_exit, rules_or_exit

GOLD_TABLES = ["outcomes", "trials", "regimens", "drugs", "references", "citations"]


@gold_app.command("init")
def init_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The article to curate."),
    out: Path = typer.Option(..., "-o", "--out", help="Gold folder to write <doc_id>_<table>.csv into."),
    rules: Path = RULES_OPTION,
    force: bool = typer.Option(False, "--force", help="Overwrite existing draft files."),
) -> None:
    """Write <doc_id>_<table>.csv drafts from the current predictions."""
    folder_or_exit(out)
    ruleset = rules_or_exit(rules)
    frames = to_frames(extract_path(file, rules_dir=str(ruleset.directory)))
    for table in GOLD_TABLES:
        path = out / f"{file.stem}_{table}.csv"
        if path.exists() and not force:
            typer.echo(f"error: {path} exists; pass --force to overwrite", err=True)
            raise typer.Exit(2)
        frames[table].drop(columns=["rule", "start", "end"], errors="ignore").to_csv(path, index=False)
        typer.echo(f"wrote {path} ({len(frames[table])} rows)")
    typer.echo("Now correct the drafts by hand: they are the machine's answer, not gold.")
