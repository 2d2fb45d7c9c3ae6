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


def fail(message: str) -> None:
    """One line on stderr and exit code 2: a user error is never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def not_a_file_or_exit(path: Path, option: str = "-o") -> None:
    """An output folder named by the user must not be a file: one clear line instead of a traceback."""
    if path.exists() and not path.is_dir():
        fail(f"{path}: {option} must be a folder, but it is a file")


def folder_or_exit(path: Path, option: str = "-o") -> Path:
    """An output folder: created if missing; a file of that name is a user error, not a traceback."""
    not_a_file_or_exit(path, option)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"{path}: cannot create the folder ({exc.strerror or exc})")
    return path


def write_text_or_exit(path: Path, text: str) -> None:
    """Write a page atomically (a temporary file renamed into place); a bad path is one clear line."""
    if not path.parent.is_dir():
        fail(f"{path}: folder {path.parent} does not exist")
    if path.is_dir():
        fail(f"{path}: is a folder; name a file")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        fail(f"{path}: cannot write ({exc.strerror or exc})")
