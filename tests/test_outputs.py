"""Outputs that survive hostile text: control characters, formula cells, typed Parquet, sheet limits, formats."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.batch import Output, collect, run_batch
from pipeline.errors import InputError
from pipeline.tables import COLUMNS
from pipeline.writing import csv_safe_cell, looks_like_formula, parse_formats

openpyxl = pytest.importorskip("openpyxl")
pd = pytest.importorskip("pandas")

FORMULA = '=HYPERLINK("http://example.invalid/x","点击")'
HOSTILE = (f"{FORMULA}\n\n"
           "一项II期研究中，索拉非尼\x01治疗的ORR为15%，中位PFS为4.2个月\x1b[31m。\n"
           f"{FORMULA}，索拉非尼组的DCR为60%\x0b。\n"
           "@SUM(1)，+1，-1，-0.5。\n")
ALL = ("csv", "parquet", "xlsx")
ARTICLES = Path(__file__).resolve().parent.parent / "corpus" / "articles"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "=1+2.txt").write_text(HOSTILE, encoding="utf-8")
    (folder / "plain.txt").write_text("标题：索拉非尼研究\n\n一项研究中，索拉非尼的ORR为5%。\n", encoding="utf-8")
    return folder


def _cells(path: Path):
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from (cell for cell in row if cell.value is not None)


def test_control_characters_never_break_the_workbook(hostile, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(collect([hostile]), out, output=Output(ALL))
    assert summary.failed == 0
    texts = [c.value for c in _cells(out / "tables.xlsx") if isinstance(c.value, str)]
    assert any("索拉非尼治疗的ORR" in t for t in texts)  # \x01 removed, the rest kept
    assert not any(ch in t for t in texts for ch in "\x01\x0b\x1b")
    assert "\x01" in (out / "outcomes.csv").read_text(encoding="utf-8")  # the CSV keeps text as written


def test_formula_cells_are_text_in_the_workbook(hostile, tmp_path):
    out = tmp_path / "out"
    run_batch(collect([hostile]), out, output=Output(ALL))
    cells = list(_cells(out / "tables.xlsx"))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    neutral = {c.value for c in cells if c.quotePrefix}
    assert "=1+2" in neutral  # the doc_id, from the file name
    assert any(v.startswith(FORMULA) for v in neutral)  # the title and a sentence


@pytest.mark.parametrize("safe", [False, True])
def test_csv_cells_are_neutralised_only_with_csv_safe(hostile, tmp_path, safe):
    out = tmp_path / "out"
    run_batch(collect([hostile]), out, output=Output(("csv", "parquet"), csv_safe=safe))
    with open(out / "documents.csv", encoding="utf-8") as handle:
        doc_ids = {row["doc_id"] for row in csv.DictReader(handle)}
    assert doc_ids == ({"'=1+2", "plain"} if safe else {"=1+2", "plain"})
    assert set(pd.read_parquet(out / "documents.parquet")["doc_id"]) == {"=1+2", "plain"}  # Parquet holds data


@pytest.mark.parametrize("text, formula", [
    ("=1+2", True), ("+SUM(A1)", True), ("-A1", True), ("@cmd", True), ("\t=1", True), ("-", True),
    ("-0.5", False), ("+3", False), ("-1e3", False), ("", False), ("ORR", False), ("a=b", False)])
def test_looks_like_formula(text, formula):
    assert looks_like_formula(text) is formula
    assert csv_safe_cell(text) == ("'" + text if formula else text)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_never_formulas(number):
    assert not looks_like_formula(repr(number)) and not looks_like_formula(f"{number:+}")


def test_parquet_has_real_types_and_nulls(hostile, tmp_path):
    out = tmp_path / "out"
    run_batch(collect([hostile]), out, output=Output(("csv", "parquet")))
    for table, columns in COLUMNS.items():
        frame = pd.read_parquet(out / f"{table}.parquet")
        assert list(frame.columns) == columns  # the same columns as the CSV
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert str(outcomes["value"].dtype) == "float64" and str(outcomes["start"].dtype) == "int64"
    assert outcomes["ci_low"].isna().all() and outcomes["qualifier"].isna().all()  # empty cell -> null, not ""
    assert set(outcomes["value"]) >= {15.0, 4.2, 60.0}
    documents = pd.read_parquet(out / "documents.parquet")
    assert str(documents["chars"].dtype) == "int64" and str(documents["n_outcomes"].dtype) == "int64"


def _staged(folder: Path, table: str, lines: str) -> None:
    """A staging folder with one table's CSV as given and every other table empty."""
    for name, columns in COLUMNS.items():
        (folder / f"{name}.csv").write_text(",".join(columns) + "\n" + (lines if name == table else ""),
                                            encoding="utf-8")


def test_booleans_negative_numbers_and_bad_numbers(tmp_path):
    """``resolved`` is a boolean, ``-0.5`` a number (in a typed column) and plain text (in a text
    column, never taken for a formula); a value that is not a number is null with a note, never a crash."""
    from pipeline.writing import write_formats

    _staged(tmp_path, "citations", "d,-0.5,1,True,=A1,1,4\nd,[2],2,False,s,x,-9\n")
    notes = write_formats(tmp_path, ["parquet", "xlsx"], {})
    frame = pd.read_parquet(tmp_path / "citations.parquet")
    assert frame["resolved"].tolist() == [True, False] and frame["end"].tolist() == [4, -9]
    assert frame["start"].tolist()[0] == 1 and pd.isna(frame["start"].tolist()[1])
    assert "citations.start: 1 value(s) are not int64: null in Parquet/XLSX, as written in the CSV" in notes
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["citations"]
    marker, resolved, sentence, end = sheet["B2"], sheet["D2"], sheet["E2"], sheet["G3"]
    assert (marker.value, marker.data_type, marker.quotePrefix) == ("-0.5", "s", False)
    assert (sentence.value, sentence.data_type, sentence.quotePrefix) == ("=A1", "s", True)
    assert (resolved.value, end.value, end.data_type) == (True, -9, "n")


def test_workbook_layout(hostile, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(collect([hostile]), out, output=Output(ALL))
    book = openpyxl.load_workbook(out / "tables.xlsx")
    assert book.sheetnames == [t for t in COLUMNS if t != "mentions"] + ["notes"]
    sheet = book["outcomes"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:U{summary.rows['outcomes'] + 1}"
    assert [c.value for c in sheet[1]] == COLUMNS["outcomes"]
    assert sheet.column_dimensions["R"].width > sheet.column_dimensions["B"].width  # sentence wider than endpoint
    notes = [c.value for c in book["notes"]["A"]]
    assert any(n.startswith("mentions: not in tables.xlsx") for n in notes)
    assert any(n.startswith("mentions: not in tables.xlsx") for n in summary.notes)  # never silently


def test_a_table_over_the_sheet_limit_continues_on_more_sheets(hostile, tmp_path):
    out = tmp_path / "out"
    summary = run_batch(collect([hostile]), out, output=Output(("xlsx",), xlsx_tables=tuple(COLUMNS), xlsx_max_rows=3))
    book = openpyxl.load_workbook(out / "tables.xlsx")
    mentions = [name for name in book.sheetnames if name.startswith("mentions")]
    assert mentions[:2] == ["mentions", "mentions (2)"] and len(mentions) == -(-summary.rows["mentions"] // 3)
    rows = sum(book[name].max_row - 1 for name in mentions)
    assert rows == summary.rows["mentions"]
    assert all([c.value for c in book[name][1]] == COLUMNS["mentions"] for name in mentions)
    note = next(n for n in summary.notes if n.startswith("mentions: more rows than one sheet holds (3)"))
    assert note in [c.value for c in book["notes"]["A"]]
    assert not list(out.glob("*.csv"))  # only the formats asked for


@pytest.mark.parametrize("text, formats", [("csv", ["csv"]), ("CSV, Parquet", ["csv", "parquet"]),
                                           ("xlsx,csv,xlsx", ["csv", "xlsx"])])
def test_formats_are_case_insensitive(text, formats):
    assert parse_formats(text) == formats


@pytest.mark.parametrize("text, message", [("json", "unknown format 'json'"), ("csv,xls", "unknown format 'xls'"),
                                           (" , ", "no format named")])
def test_unknown_formats_are_rejected(text, message):
    with pytest.raises(InputError, match=message):
        parse_formats(text)


def test_files_follow_the_umask(hostile, tmp_path):
    out = tmp_path / "out"
    previous = os.umask(0o027)
    try:
        run_batch(collect([hostile]), out, output=Output(ALL))
    finally:
        os.umask(previous)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir() if not p.name.startswith(".")}
    assert modes and set(modes.values()) == {0o640}, modes


def test_typed_copies_do_not_depend_on_how_rows_were_blocked(hostile, tmp_path, monkeypatch):
    """Rows are parsed a block at a time while documents arrive; tiny blocks give the same tables."""
    import pipeline.writing

    whole, blocked = tmp_path / "whole", tmp_path / "blocked"
    run_batch(collect([hostile, ARTICLES]), whole, output=Output(ALL))
    monkeypatch.setattr(pipeline.writing, "BLOCK_CHARS", 200)
    run_batch(collect([hostile, ARTICLES]), blocked, output=Output(ALL))
    for table in COLUMNS:
        pd.testing.assert_frame_equal(pd.read_parquet(whole / f"{table}.parquet"),
                                      pd.read_parquet(blocked / f"{table}.parquet"))
    sheets = [pd.read_excel(folder / "tables.xlsx", sheet_name=None) for folder in (whole, blocked)]
    assert sheets[0].keys() == sheets[1].keys()
    for name in sheets[0]:
        pd.testing.assert_frame_equal(sheets[0][name], sheets[1][name])
