"""``medmine rules check``, ``medmine rules stats`` and ``medmine rules docs``."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..batch import collect, process
from ..rules import DEFAULT_RULES_DIR, check_rules
from . import rules_app
from .common import RULES_OPTION, rules_or_exit


@rules_app.command("check")
def check_command(rules: Path = RULES_OPTION) -> None:
    """Validate every rule file, then run every rule's examples; print each problem as `path:line: message`."""
    from ..examples import count_examples, run_examples

    ruleset, problems = check_rules(rules or DEFAULT_RULES_DIR)
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(ruleset.by_kind.items()))
    if not problems:  # examples need a recognizer, which needs valid rules
        problems = run_examples(ruleset)
    for problem in problems:
        typer.echo(problem)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found ({counts or 'no rules'})")
        raise typer.Exit(1)
    checked, unrun = count_examples(ruleset)
    typer.echo(f"ok: {counts}; {checked} examples hold")
    for kind, n in unrun.items():
        typer.echo(f"note: {n} examples of kind {kind} not run (no runner registered in pipeline/examples.py)")


@rules_app.command("docs")
def docs_command(
    rules: Path = RULES_OPTION,
    write: Path = typer.Option(None, "--write", help="Write the page to this file instead of printing it."),
) -> None:
    """The reference of rule kinds, keys and labels (docs/rules.md), generated from the schemas."""
    from ..ruledocs import render_docs
    from .common import write_text_or_exit

    page = render_docs(rules_or_exit(rules))
    if write is None:
        typer.echo(page, nl=False)
    else:
        write_text_or_exit(write, page)
        typer.echo(f"wrote {write}", err=True)


@rules_app.command("stats")
def stats_command(
    paths: list[Path] = typer.Argument(None, help="Articles or folders (default: corpus/articles)."),
    rules: Path = RULES_OPTION,
    unused: bool = typer.Option(False, "--unused", help="List only the rules that never fired."),
) -> None:
    """Which rules fired how often on a corpus, and which never fired; a bad file is skipped with a note."""
    ruleset = rules_or_exit(rules)
    fired: Counter = Counter()
    for job in collect(paths or [Path("corpus/articles")]):
        rows = process(job, str(ruleset.directory))
        document = rows["documents"][0]
        if document["status"] != "ok":
            typer.echo(f"note: skipped {job.path}: {document['error']}", err=True)
            continue
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
