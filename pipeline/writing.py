"""Typed copies of the finished CSV tables: Parquet files and a streaming XLSX workbook.

The CSVs are the contract (cells as written); Parquet and XLSX are derived from them
in one pass per table, one block of rows in memory at a time, so memory does not grow
with the corpus. Types come from ``tables.TYPES``: numbers are numbers, ``True`` is a
boolean and an empty cell is null. The workbook is written by XlsxWriter in
constant-memory mode (measured faster and smaller than openpyxl's write-only mode, see
README); text that Excel would take for a formula is stored as text with Excel's own
quote-prefix flag, and characters XML cannot hold are removed.
"""
from __future__ import annotations

import csv
import os
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError
from .tables import COLUMNS, TYPES, XLSX_LEFT_OUT

FORMATS = ("csv", "parquet", "xlsx")
EXCEL_MAX_ROWS = 1_048_575  # data rows of one sheet: Excel's 1,048,576 rows less the header
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell
WORKBOOK = "tables.xlsx"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0, so not in XLSX
FORMULA_START = frozenset("=+-@\t\r")  # what spreadsheets read as the start of a formula
WIDTH_SAMPLE = 200  # rows whose text sets a column's width


def parse_formats(text: str) -> list[str]:
    """``--formats csv,Parquet`` -> ``["csv", "parquet"]``; case-insensitive, unknown names rejected."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise InputError(f"--formats {text!r}: unknown format {unknown[0]!r}" if unknown else
                         f"--formats {text!r}: no format named", hint="choose from csv, parquet, xlsx, comma-separated")
    return [f for f in FORMATS if f in names]


def looks_like_formula(text: str) -> bool:
    """``=HYPERLINK(...)``, ``+1``, ``@SUM``: yes; ``-0.5`` or ``+3`` as a plain number: no."""
    if not text or text[0] not in FORMULA_START:
        return False
    try:
        float(text)
        return False
    except ValueError:
        return True


def csv_safe_cell(cell: str) -> str:
    """A leading apostrophe, which spreadsheets read as "this is text", for formula-like cells."""
    return "'" + cell if looks_like_formula(cell) else cell


def make_csv_safe(path: Path) -> None:
    """Rewrite one CSV with formula-like cells neutralised (``--csv-safe``), streaming."""
    tmp = path.with_name(path.name + ".safe")
    with open(path, encoding="utf-8", newline="") as source, open(tmp, "w", encoding="utf-8", newline="") as target:
        rows, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        writer.writerow(next(rows, []))
        writer.writerows([csv_safe_cell(c) for c in row] for row in rows)
    os.replace(tmp, path)


# --- typed Arrow batches from a CSV ---------------------------------------------------------------

def arrow_schema(columns: list[str]):
    import pyarrow as pa

    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    return pa.schema([(c, types.get(TYPES.get(c, ""), pa.string())) for c in columns])


def _cast(array, type_, where: str, notes: list[str]):
    """Cast a text column; a value that is not of the type becomes null, with a note (never a crash)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(array, type_)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parse = {pa.int64(): int, pa.float64(): float, pa.bool_(): {"True": True, "False": False}.__getitem__}[type_]
        values, bad = [], 0
        for value in array.to_pylist():
            try:
                values.append(None if value is None else parse(value))
            except (ValueError, KeyError):
                values.append(None)
                bad += 1
        notes.append(f"{where}: {bad} value(s) are not {type_}: null in Parquet/XLSX, as written in the CSV")
        return pa.array(values, type_)


def typed_batches(source, table: str, notes: list[str]) -> Iterator:
    """Record batches of a CSV (a path or a binary file object) with the table's types.

    Read as text first (an empty cell is null, and no word such as ``NA`` is), then
    cast, so one odd value costs a note instead of the whole run. Yields at least one
    (maybe empty) batch, so the schema is always known.
    """
    import pyarrow as pa
    from pyarrow import csv as pacsv

    reader = pacsv.open_csv(
        source, read_options=pacsv.ReadOptions(block_size=8 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in _header(source, table)},
                                             null_values=[""], strings_can_be_null=True,
                                             quoted_strings_can_be_null=True))
    schema = arrow_schema(reader.schema.names)
    empty = True
    for batch in reader:
        arrays = [column if field.type == pa.string() else _cast(column, field.type, f"{table}.{field.name}", notes)
                  for column, field in zip(batch.columns, schema)]
        empty = False
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)
    if empty:
        yield pa.RecordBatch.from_pylist([], schema=schema)


def _header(source, table: str) -> list[str]:
    if isinstance(source, (str, Path)):
        with open(source, encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle), COLUMNS.get(table, []))
    return COLUMNS.get(table, [])


class ParquetFile:
    """One Parquet file written from a stream of batches (a row group per batch)."""

    def __init__(self, path: Path):
        self.path, self.writer = path, None

    def write(self, batch) -> None:
        import pyarrow.parquet as pq

        self.writer = self.writer or pq.ParquetWriter(str(self.path), batch.schema)
        self.writer.write_batch(batch)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


# --- the workbook ---------------------------------------------------------------------------------

def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Workbook:
    """``tables.xlsx`` written row by row (XlsxWriter, constant memory): typed cells, a frozen header
    row, an autofilter and widths from the first rows of each column. A table longer than
    ``max_rows`` continues on ``name (2)``, ``name (3)``... sheets, with a note."""

    def __init__(self, path: Path, max_rows: int = EXCEL_MAX_ROWS):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": str(path.parent),
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        self.as_text = self.book.add_format({"quote_prefix": True})
        self.bold = self.book.add_format({"bold": True})
        self.max_rows = max_rows
        self.notes: list[str] = []
        self.sheet, self.row, self.sheets = None, 0, []

    def _new_sheet(self, table: str, batch, columns: list[list]) -> None:
        self._finish_sheet()
        number = len(self.sheets) + 1
        suffix = "" if number == 1 else f" ({number})"
        sheet = self.book.add_worksheet(table[:31 - len(suffix)] + suffix)
        names = batch.schema.names
        for j, name in enumerate(names):
            sample = [_display_width(str(v)) for v in columns[j][:WIDTH_SAMPLE] if v is not None]
            sheet.set_column(j, j, min(60, max([_display_width(name) + 3, *sample]) + 1))
            sheet.write_string(0, j, name, self.bold)
        sheet.freeze_panes(1, 0)
        self.sheet, self.row, self.width = sheet, 0, len(names)
        self.sheets.append(sheet.name)

    def _finish_sheet(self) -> None:
        if self.sheet is not None:
            self.sheet.autofilter(0, 0, max(self.row, 1), self.width - 1)
            self.sheet = None

    def add_table(self, table: str, batches: Iterable) -> None:
        """Every row of one table; sheets are added as the row limit is reached."""
        import pyarrow as pa

        self.sheets = []
        for batch in batches:
            columns = [column.to_pylist() for column in batch.columns]
            writers = [self._text if f.type == pa.string() else
                       self._bool if f.type == pa.bool_() else self._number for f in batch.schema]
            if self.sheet is None:
                self._new_sheet(table, batch, columns)
            for i in range(batch.num_rows):
                if self.row >= self.max_rows:
                    self._new_sheet(table, batch, [c[i:] for c in columns])
                self.row += 1
                for j, write in enumerate(writers):
                    value = columns[j][i]
                    if value is not None:
                        write(self.row, j, value)
        self._finish_sheet()
        if len(self.sheets) > 1:
            self.notes.append(f"{table}: more rows than one sheet holds ({self.max_rows:,}): "
                              f"continued on sheets {', '.join(self.sheets)}")

    def _number(self, row: int, col: int, value) -> None:
        self.sheet.write_number(row, col, value)

    def _bool(self, row: int, col: int, value) -> None:
        self.sheet.write_boolean(row, col, value)

    def _text(self, row: int, col: int, value: str) -> None:
        if CONTROL.search(value):
            value = CONTROL.sub("", value)
        if len(value) > XLSX_MAX_CHARS:
            value = value[:XLSX_MAX_CHARS]
            self.notes.append(f"{self.sheet.name}!row {row + 1}: a cell longer than Excel's {XLSX_MAX_CHARS:,} "
                              "characters was cut (the CSV has it whole)")
        if looks_like_formula(value):
            self.sheet.write_string(row, col, value, self.as_text)
        else:
            self.sheet.write_string(row, col, value)

    def close(self, notes: list[str]) -> None:
        """A ``notes`` sheet (what was split, cut or left out), then the file itself."""
        notes = notes + self.notes
        if notes:
            sheet = self.book.add_worksheet("notes")
            sheet.set_column(0, 0, 120)
            sheet.write_string(0, 0, "note", self.bold)
            for i, note in enumerate(notes, 1):
                sheet.write_string(i, 0, CONTROL.sub("", note))
        self.book.close()


# --- every derived format of a run ----------------------------------------------------------------

def write_formats(folder: Path, formats: Iterable[str], rows: dict[str, int], *, xlsx_tables: Iterable[str] | None = None,
                  max_rows: int = EXCEL_MAX_ROWS, on_table: Callable[[str], None] | None = None) -> list[str]:
    """``<table>.parquet`` and ``tables.xlsx`` beside the finished ``<table>.csv`` files of ``folder``.

    One pass per table feeds both, a block of rows at a time. Returns notes for the
    summary (tables split over sheets or left out of the workbook, values that are
    not of their column's type).
    """
    formats = set(formats)
    wanted = [t for t in COLUMNS if t not in XLSX_LEFT_OUT] if xlsx_tables is None else list(xlsx_tables)
    book = Workbook(folder / WORKBOOK, max_rows) if "xlsx" in formats else None
    notes: list[str] = []
    for table in COLUMNS:
        in_book = book is not None and table in wanted
        parquet = ParquetFile(folder / f"{table}.parquet") if "parquet" in formats else None
        if not in_book and parquet is None:
            continue
        if on_table:
            on_table(table)
        batches = _copied(typed_batches(folder / f"{table}.csv", table, notes), parquet)
        try:
            if in_book:
                book.add_table(table, batches)
            else:
                for _ in batches:
                    pass
        finally:
            if parquet is not None:
                parquet.close()
    if book is not None:
        left_out = [f"{t}: not in {WORKBOOK} ({rows.get(t, 0):,} rows, see {t}.csv or {t}.parquet; "
                    "--xlsx-mentions adds it)" for t in COLUMNS if t not in wanted]
        book.close(left_out + notes)
        notes = notes + left_out + book.notes
    return notes


def _copied(batches: Iterator, parquet: ParquetFile | None) -> Iterator:
    """The batches, each written to the Parquet file (when there is one) as it passes."""
    for batch in batches:
        if parquet is not None:
            parquet.write(batch)
        yield batch
