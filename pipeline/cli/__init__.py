"""The ``medmine`` command: a thin typer layer over the Python API, one file per command."""
from __future__ import annotations

import sys

import typer

from ..errors import MedmineError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Extract efficacy evidence tables from Chinese oncology articles.")
rules_app = typer.Typer(no_args_is_help=True, help="Check rule files and see which rules fire.")
gold_app = typer.Typer(no_args_is_help=True, help="Start gold tables for a new article.")
app.add_typer(rules_app, name="rules")
app.add_typer(gold_app, name="gold")


def _register() -> None:
    from . import evaluate, explain, gold, rules, run  # noqa: F401  (commands register themselves)

    app.command("evaluate")(evaluate.evaluate_command)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit code 2, never a traceback."""
    _register()
    try:
        app()
    except MedmineError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
