"""``medmine explain``: why each row is what it is, sentence by sentence."""
from __future__ import annotations

import html
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from spacy import displacy

from ..extracting import analyse, page_cues
from ..reading import read_path
from . import app
from .common import RULES_OPTION, rules_or_exit


def _chain(row) -> str:
    """value -> endpoint -> arm -> trial -> citation, as one line."""
    value = f"{row.qualifier}{row.value}{'-' + row.value_high if row.value_high else ''} {row.unit}".strip()
    return (f"{value} -> {row.endpoint} {row.measure}{' @' + row.timepoint_months + 'm' if row.timepoint_months else ''}"
            f" -> {row.arm or '(no arm)'} [{row.drugs}] -> {row.trial or '(no trial)'} -> [{row.citation}]")


@app.command("explain")
def explain_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="One article."),
    html_out: Path = typer.Option(None, "--html", help="Also write a self-contained HTML page."),
    rules: Path = RULES_OPTION,
    all_sentences: bool = typer.Option(False, "--all", help="Show sentences without mentions too."),
) -> None:
    """Per sentence: tokens, recognised spans (label, normal form, rule) and the rows they built."""
    ruleset = rules_or_exit(rules)
    result = analyse(read_path(file, page_cues(ruleset)), ruleset)
    console = Console()
    by_sentence: dict[tuple[int, int], list] = {}
    for row in result.linked.outcomes:
        by_sentence.setdefault(row.sentence, []).append(row)
    for s in result.view.sentences:
        rows = by_sentence.get((s.start, s.end), [])
        if not (s.mentions or all_sentences):
            continue
        text = result.view.text[s.start:s.end].strip()
        console.rule(text[:80])
        shift = result.body.shifts[s.block]  # the doc holds the body text only
        tokens = [t.text for t in result.doc.char_span(s.start - shift, s.end - shift, alignment_mode="expand") or []]
        console.print("[dim]tokens:[/dim] " + " | ".join(t for t in tokens if t.strip()))
        table = Table("span", "label", "norm", "rule", box=None)
        for m in s.mentions:
            defined = f" (defined by {m.data['defined_by']})" if m.data.get("defined_by") else ""
            table.add_row(m.text, m.label, m.norm, m.rule + defined)
        console.print(table)
        for row in rows:
            console.print(f"[green]row[/green] {_chain(row)}  [dim]({';'.join(row.rules)})[/dim]")
    if html_out:
        html_out.write_text(_html_page(result, by_sentence), encoding="utf-8")
        console.print(f"wrote {html_out}")


def _html_page(result, by_sentence) -> str:
    """displaCy's entity view per sentence, with the rows it produced beside it."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>medmine explain</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto} .rows{font-size:13px;"
             "color:#333;margin:0 0 24px 24px} td{padding:2px 8px}</style></head><body>",
             f"<h1>{html.escape(result.article.title or result.article.doc_id)}</h1>"]
    for s in result.view.sentences:
        if not s.mentions:
            continue
        ents = [{"start": m.start - s.start, "end": m.end - s.start, "label": m.label} for m in s.mentions]
        data = {"text": result.view.text[s.start:s.end], "ents": ents, "title": None}
        parts.append(displacy.render(data, style="ent", manual=True, page=False))
        rows = by_sentence.get((s.start, s.end), [])
        if rows:
            cells = "".join(f"<tr><td>{html.escape(_chain(r))}</td><td>{html.escape(';'.join(r.rules))}</td></tr>"
                            for r in rows)
            parts.append(f"<table class='rows'>{cells}</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
