"""``medmine rules check`` and ``medmine rules stats``."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..batch import collect
from ..rules import check_rules
from . import rules_app
from .common import RULES_OPTION, rules_or_exit


@rules_app.command("check")
def check_command(rules: Path = RULES_OPTION) -> None:
    """Validate every rule file; print each problem as `path:line: message`."""
    ruleset, problems = check_rules(rules or ruleset_default())
    for problem in problems:
        typer.echo(problem)
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(ruleset.by_kind.items()))
    if problems:
        typer.echo(f"{len(problems)} problem(s) found ({counts})", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {counts}")


def ruleset_default() -> Path:
    from ..rules import DEFAULT_RULES_DIR

    return DEFAULT_RULES_DIR


@rules_app.command("stats")
def stats_command(
    paths: list[Path] = typer.Argument(None, help="Articles or folders (default: corpus/articles)."),
    rules: Path = RULES_OPTION,
    unused: bool = typer.Option(False, "--unused", help="List only the rules that never fired."),
) -> None:
    """Which rules fired how often on a corpus, and which never fired."""
    from ..extracting import extract_path

    ruleset = rules_or_exit(rules)
    fired: Counter = Counter()
    for job in collect(paths or [Path("corpus/articles")]):
        rows = extract_path(job.path, doc_id=job.doc_id, rules_dir=str(ruleset.directory))
        fired.update(m["rule"] for m in rows["mentions"])
        fired.update(r for o in rows["outcomes"] for r in o["rule"].split(";") if r.startswith("link."))
    table = Table("rule", "kind", "fired")
    for kind, entries in sorted(ruleset.by_kind.items()):
        for rule in entries:
            if not unused or not fired[rule.id]:
                table.add_row(rule.id, kind, str(fired[rule.id]))
    for rule_id in sorted(r for r in fired if r.startswith("link.") or r == "pattern.citation-marker"):
        if not unused:
            table.add_row(rule_id, "linking", str(fired[rule_id]))
    Console().print(table)
