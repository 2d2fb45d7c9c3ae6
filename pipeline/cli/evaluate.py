"""``medmine evaluate``: accuracy against gold tables (registered by ``pipeline.cli``)."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from ..errors import MedmineError
from .common import RULES_OPTION, rules_or_exit


def evaluate_command(
    pred: Path = typer.Option(..., "--pred", exists=True, file_okay=False,
                              help="Folder of predicted tables (the output of medmine run)."),
    gold: Path = typer.Option(..., "--gold", exists=True, file_okay=False,
                              help="Folder of gold tables (<table>.csv or <prefix>_<table>.csv)."),
    docs: str = typer.Option(None, "--docs", help="comma-separated doc ids"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON only."),
    min_f1: float = typer.Option(None, "--min-f1", help="Exit 1 if any scored table's F1 is below this, "
                                                        "or if no table was scored."),
    limit: int = typer.Option(10, "--limit", min=0, help="Errors shown per table (0: all)."),
    table: list[str] = typer.Option(None, "--table", help="Evaluate only this table (repeatable)."),
    articles: Path = typer.Option(None, "--articles", help="article folder, to show the sentence of missed gold rows"),
    spans: Path = typer.Option(None, "--spans",
                               help="brat folder or Label Studio JSON of gold spans for the mentions table"),
    rules: Path = RULES_OPTION,
) -> None:
    """Precision, recall and F1 per table, field accuracy, and every missed or invented row."""
    if articles is None and (gold.parent / "articles").is_dir():
        articles = gold.parent / "articles"
    wanted = [d.strip() for d in docs.split(",") if d.strip()] if docs else None
    from ..evaluating import evaluate, render  # here: it brings pandas, which `medmine run` does without

    try:
        codes = [r.code for r in rules_or_exit(rules).of("endpoints")]  # codes a rule author added count too
        report = evaluate(pred, gold, docs=wanted, tables=table or None, articles_dir=articles, extra_codes=codes)
        if spans is not None:
            from ..evaluating.spans import load_gold_spans, predicted_mentions, score_spans

            report.mentions = score_spans(predicted_mentions(pred), load_gold_spans(spans), docs=wanted)
    except MedmineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        render(report, Console(), max_errors=limit)
    if min_f1 is not None:
        _gate(report, min_f1)


def _gate(report, min_f1: float) -> None:
    """Exit 1 below the bar, and when nothing was scored: a gate over no gold rows must not pass."""
    if not report.gated():
        typer.echo(f"--min-f1 {min_f1}: nothing was scored (no gold rows for the selected documents and tables)",
                   err=True)
        raise typer.Exit(1)
    failing = report.below(min_f1)
    if failing:
        names = ", ".join(f"{name} ({f1:.3f})" for name, f1 in failing.items())
        typer.echo(f"F1 below {min_f1}: {names}", err=True)
        raise typer.Exit(1)
