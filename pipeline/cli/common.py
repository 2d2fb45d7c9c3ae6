"""Options shared by the commands."""
from __future__ import annotations

from pathlib import Path

import typer

from ..errors import RuleError
from ..rules import RuleSet, load_rules

RULES_OPTION = typer.Option(None, "--rules", help="Rule folder (default: the bundled rules/).")


def rules_or_exit(rules_dir: Path | None) -> RuleSet:
    """Load rules; on bad rules print every `path:line: message` and exit 2."""
    try:
        return load_rules(rules_dir)
    except RuleError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        typer.echo(f"error: {len(exc.problems)} problem(s) in rule files; fix them or run `medmine rules check`",
                   err=True)
        raise typer.Exit(2)
