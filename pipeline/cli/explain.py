"""``medmine explain``: why each row is what it is, for the sentences a rule author asks about.

Article text goes through ``rich.markup.escape`` (or ``rich.text.Text``) everywhere:
a sentence holding ``[/b]`` or a chain holding ``[drugs]`` is text, never markup.
Rows are shown through their fields, whatever linking puts in them, so a new
field (a study record, a relation id) appears without a change here.
"""
from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..extracting import analyse, page_cues
from ..normalizing import normalize
from ..reading import read_path
from . import app
from .common import RULES_OPTION, fail, rules_or_exit, write_text_or_exit

# One colour per kind of label, in the terminal and in the HTML page; grammar words are grey.
FAMILIES = {
    "#7aecec": ("DRUG", "REGIMEN"),
    "#feca74": ("ENDPOINT",),
    "#ff9561": ("VALUE", "HR", "ORATIO", "NR", "CI", "PVAL", "LANDMARK"),
    "#aa9cfc": ("TRIAL", "PHASE", "N", "DESIGN", "SETTING", "STUDY", "STUDY_INTRO", "FOLLOWUP", "VENUE", "DISEASE"),
    "#bfe1d9": ("GROUP", "ARM_LABEL", "ALIAS_CUE", "ADD_ON", "REF_BEFORE", "REF_AFTER", "ALL_ARMS", "EACH", "COMBINE",
                "OR", "DEFINE_VERB", "PRIOR", "GENERIC_PREFIX", "MODIFIER", "DOSE"),
    "#e4e7d2": ("CITE", "DEFINITION"),
}
COLOURS = {label: colour for colour, labels in FAMILIES.items() for label in labels}
GREY = "#dddddd"
CHAIN = ("value", "endpoint", "arm", "drugs", "comparator_drugs", "trial", "citation")
HIDDEN = {"start", "end", "sentence", "rules", "unit", "measure", "timepoint_months", "qualifier", "value_high"}


def fields_of(row) -> dict:
    """A row's fields by name, for a dataclass record or a table row alike."""
    if dataclasses.is_dataclass(row):
        return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    return dict(row)


def chain(row) -> str:
    """value -> endpoint measure -> arm [drugs] vs [comparator] -> trial -> citation, as plain text."""
    f = {k: str(v) if v is not None else "" for k, v in fields_of(row).items()}
    value = f"{f.get('qualifier', '')}{f.get('value', '')}{'-' + f['value_high'] if f.get('value_high') else ''}"
    value = f"{value} {f.get('unit', '')}".strip()
    when = f" @{f['timepoint_months']}m" if f.get("timepoint_months") else ""
    arm = f"{f.get('arm') or '(no arm)'} [{f.get('drugs', '')}]"
    if f.get("comparator_drugs"):
        arm += f" vs [{f['comparator_drugs']}]"
    return (f"{value} -> {f.get('endpoint', '')} {f.get('measure', '')}{when} -> {arm}"
            f" -> {f.get('trial') or '(no trial)'} -> [{f.get('citation', '')}]")


def details(row, relations: frozenset[str] = frozenset()) -> str:
    """The fields the chain does not show (CI, P, disease, study ...), the relation that made the row, the rules."""
    f = fields_of(row)
    extra = [f"{k}={v}" for k, v in f.items() if k not in HIDDEN and k not in CHAIN and v not in ("", None, [], -1)]
    rules = f.get("rules", f.get("rule", ""))
    rules = list(rules) if isinstance(rules, (list, tuple)) else str(rules).split(";")
    made_by = [r for r in rules if r in relations]
    return "  ".join(extra + [f"relation={';'.join(made_by)}"] * bool(made_by) + [f"rule={';'.join(rules)}"])


def _row_filter(spec: str | None):
    """``ORR:60`` -> a test of rows; values compare as numbers (60 == 60.0), endpoints in any case."""
    if spec is None:
        return None
    from ..evaluating.matching import number

    endpoint, sep, value = spec.partition(":")
    if not sep or not endpoint:
        fail(f"--row {spec!r}: expected ENDPOINT:VALUE, e.g. ORR:60")
    return lambda row: (str(fields_of(row).get("endpoint", "")).upper() == endpoint.upper()
                        and number(str(fields_of(row).get("value", ""))) == number(value.strip()))


def select(result, number: int | None, grep: str | None, row_spec: str | None, all_sentences: bool):
    """(number, sentence, rows) of the sentences asked for; numbers count every sentence from 1.

    Without a filter, the sentences with mentions (all with ``--all``); filters combine.
    """
    by_sentence: dict[tuple[int, int], list] = {}
    for row in result.linked.outcomes:
        by_sentence.setdefault(tuple(row.sentence), []).append(row)
    needle = normalize(grep).text if grep else None  # the text is searched as normalised: 60％ finds 60%
    wanted = _row_filter(row_spec)
    filtered = number is not None or needle or wanted
    chosen = []
    for i, s in enumerate(result.view.sentences, start=1):
        rows = [r for r in by_sentence.get((s.start, s.end), []) if wanted is None or wanted(r)]
        if (number is not None and i != number) or (needle and needle not in result.view.text[s.start:s.end]) \
                or (wanted and not rows):
            continue
        if filtered or s.mentions or all_sentences:
            chosen.append((i, s, rows))
    return chosen


@app.command("explain")
def explain_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="One article."),
    sentence: int = typer.Option(None, "--sentence", "-s", min=1, help="Only sentence N (the #N of the headers)."),
    grep: str = typer.Option(None, "--grep", "-g", help="Only sentences containing TEXT."),
    row: str = typer.Option(None, "--row", help="Only sentences with an outcome row ENDPOINT:VALUE, e.g. ORR:60."),
    html_out: Path = typer.Option(None, "--html", help="Also write a self-contained HTML page of the same sentences."),
    rules: Path = RULES_OPTION,
    all_sentences: bool = typer.Option(False, "--all", help="Show sentences without mentions too."),
) -> None:
    """Per sentence: tokens, recognised spans (label, normal form, rule) and each row's chain and fields."""
    if html_out is not None and not html_out.parent.is_dir():
        fail(f"{html_out}: folder {html_out.parent} does not exist")
    ruleset = rules_or_exit(rules)
    result = analyse(read_path(file, page_cues(ruleset)), ruleset)
    chosen = select(result, sentence, grep, row, all_sentences)
    console = Console()
    if not chosen:
        console.print(f"no sentence of {escape(str(file))} matches", style="yellow")
    relations = frozenset(r.id for r in ruleset.of("relations"))
    for number, s, rows in chosen:
        _print_sentence(console, result, number, s, rows, relations)
    if html_out:
        write_text_or_exit(html_out, html_page(result, chosen, relations))
        console.print(f"wrote {escape(str(html_out))}")


def _print_sentence(console: Console, result, number: int, s, rows: list, relations: frozenset[str]) -> None:
    text = " ".join(result.view.text[s.start:s.end].split())
    console.rule(f"#{number}", align="left")
    console.print(Text(text))
    shift = result.body.shifts[s.block]  # the doc holds the body text only
    tokens = [t.text for t in result.doc.char_span(s.start - shift, s.end - shift, alignment_mode="expand") or []]
    console.print(Text("tokens: ", style="dim") + Text(" | ".join(t for t in tokens if t.strip())))
    if s.mentions:
        table = Table("span", "label", "norm", "rule", box=None)
        for m in s.mentions:
            defined = f" (defined by {m.data['defined_by']})" if m.data.get("defined_by") else ""
            table.add_row(Text(m.text), Text(m.label, style=f"bold {COLOURS.get(m.label, GREY)}"), Text(m.norm),
                          Text(m.rule + defined))
        console.print(table)
    for r in rows:
        console.print(Text("row ", style="green") + Text(chain(r)))
        console.print(Text("    " + details(r, relations), style="dim"))


def html_page(result, chosen, relations: frozenset[str] = frozenset()) -> str:
    """displaCy's entity view per chosen sentence, coloured by label kind, with its rows beside it."""
    from spacy import displacy

    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>medmine explain</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto} .rows{font-size:13px;"
             "color:#333;margin:0 0 24px 24px} td{padding:2px 8px}</style></head><body>",
             f"<h1>{html.escape(result.article.title or result.article.doc_id)}</h1>"]
    colours = {**{m.label: GREY for _, s, _ in chosen for m in s.mentions}, **COLOURS}
    for number, s, rows in chosen:
        ents = [{"start": m.start - s.start, "end": m.end - s.start, "label": m.label} for m in s.mentions]
        data = {"text": result.view.text[s.start:s.end], "ents": ents, "title": f"#{number}"}
        parts.append(displacy.render(data, style="ent", manual=True, page=False, options={"colors": colours}))
        if rows:
            cells = "".join(f"<tr><td>{html.escape(chain(r))}</td><td>{html.escape(details(r, relations))}</td></tr>"
                            for r in rows)
            parts.append(f"<table class='rows'>{cells}</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
