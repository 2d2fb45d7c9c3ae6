"""``medmine evaluate``: accuracy against gold tables."""
from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from ..evaluating import GoldError, evaluate, render


def evaluate_command(
    pred: Path = typer.Option(..., "--pred", help="Folder of predicted tables (medmine run output)."),
    gold: Path = typer.Option(..., "--gold", help="Folder of gold tables (<table>.csv or <prefix>_<table>.csv)."),
    docs: str = typer.Option(None, "--docs", help="Comma-separated doc ids to evaluate."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON only."),
    min_f1: float = typer.Option(None, "--min-f1", help="Exit 1 if any evaluated table's F1 is below this."),
    table: list[str] = typer.Option(None, "--table", help="Evaluate only these tables (repeatable)."),
    articles: Path = typer.Option(None, "--articles", help="Article folder, to show sentences of missed rows."),
    spans: Path = typer.Option(None, "--spans", help="brat folder or Label Studio JSON of gold mention spans."),
) -> None:
    """Precision, recall and F1 per table, field accuracy, and every missed or invented row."""
    if articles is None and (gold.parent / "articles").is_dir():
        articles = gold.parent / "articles"
    try:
        report = evaluate(pred, gold, docs=docs.split(",") if docs else None, tables=table or None,
                          articles_dir=articles)
    except GoldError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2)
    result = report.to_json()
    if spans is not None:
        from ..evaluating.spans import load_gold_spans, predicted_mentions, score_spans

        result["mentions"] = score_spans(predicted_mentions(pred), load_gold_spans(spans))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        render(report, Console())
    failing = report.below(min_f1) if min_f1 is not None else []
    if failing:
        typer.echo(f"F1 below {min_f1} for: {', '.join(failing)}", err=True)
        raise typer.Exit(1)
