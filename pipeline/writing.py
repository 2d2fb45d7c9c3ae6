"""Typed copies of the CSV tables: Parquet files and the workbook, fed as rows arrive.

The CSVs are the contract (cells as written). Parquet and XLSX get the same columns
with types from ``tables.TYPES``: numbers are numbers, ``True`` is a boolean and an
empty cell is null. A run feeds each document's CSV text to ``TypedTables``, which
parses a few megabytes of a table at a time with pyarrow's CSV reader (so the typed
copies are exactly the CSV read back) and appends them to ``<table>.parquet`` (a row
group per block) and to ``tables.xlsx``: memory does not grow with the corpus, and
with worker processes the writing overlaps the extraction.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError
from .tables import COLUMNS, TYPES, XLSX_LEFT_OUT
from .workbook import EXCEL_MAX_ROWS, Workbook, looks_like_formula

FORMATS = ("csv", "parquet", "xlsx")
WORKBOOK = "tables.xlsx"
BLOCK_CHARS = 1_000_000  # CSV text of one table parsed and written at a time (~10,000 mention rows)


def parse_formats(text: str) -> list[str]:
    """``--formats csv,Parquet`` -> ``["csv", "parquet"]``; case-insensitive, unknown names rejected."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise InputError(f"--formats {text!r}: unknown format {unknown[0]!r}" if unknown else
                         f"--formats {text!r}: no format named", hint="choose from csv, parquet, xlsx, comma-separated")
    return [f for f in FORMATS if f in names]


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


# --- Parquet and XLSX, fed by table ---------------------------------------------------------------

class TypedTables:
    """``<table>.parquet`` files and ``tables.xlsx`` in ``folder``, fed a table's rows in any order:
    as CSV text (``add_csv``, parsed a block at a time) or as typed batches (``add_batch``)."""

    def __init__(self, folder: Path, formats: Iterable[str], xlsx_tables: Iterable[str] | None = None,
                 max_rows: int = EXCEL_MAX_ROWS):
        formats = set(formats)
        self.in_book = [t for t in COLUMNS if t not in XLSX_LEFT_OUT] if xlsx_tables is None else \
            [t for t in COLUMNS if t in set(xlsx_tables)]
        self.parquet = {t: ParquetFile(folder / f"{t}.parquet") for t in COLUMNS} if "parquet" in formats else {}
        self.book = Workbook(folder / WORKBOOK, {t: COLUMNS[t] for t in self.in_book}, max_rows) \
            if "xlsx" in formats else None
        self.pending: dict[str, list[str]] = {t: [] for t in COLUMNS}
        self.sizes: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.notes: list[str] = []

    def wants(self, table: str) -> bool:
        return table in self.parquet or (self.book is not None and table in self.in_book)

    def add_csv(self, table: str, text: str) -> None:
        """CSV rows (no header) of one table; parsed once a block has gathered."""
        if text and self.wants(table):
            self.pending[table].append(text)
            self.sizes[table] += len(text)
            if self.sizes[table] >= BLOCK_CHARS:
                self._flush(table)

    def _flush(self, table: str) -> None:
        text = ",".join(COLUMNS[table]) + "\n" + "".join(self.pending[table])
        self.pending[table], self.sizes[table] = [], 0
        for batch in typed_batches(io.BytesIO(text.encode("utf-8")), table, self.notes):
            self.add_batch(table, batch)

    def add_batch(self, table: str, batch) -> None:
        if batch.num_rows or table in self.parquet and self.parquet[table].writer is None:
            if table in self.parquet:
                self.parquet[table].write(batch)
            if self.book is not None and table in self.in_book:
                self.book.append(table, batch)

    def close(self, rows: dict[str, int], on_table: Callable[[str], None] | None = None) -> list[str]:
        """Write what is pending, close every file; returns notes (tables left out of the workbook or
        split over sheets, values not of their column's type, cells cut)."""
        for table in COLUMNS:
            if not self.wants(table):
                continue
            if on_table:
                on_table(table)
            if self.pending[table] or table in self.parquet and self.parquet[table].writer is None:
                self._flush(table)
            if table in self.parquet:
                self.parquet[table].close()
        notes = self.notes
        if self.book is not None:
            left_out = [f"{t}: not in {WORKBOOK} ({rows.get(t, 0):,} rows, see {t}.csv or {t}.parquet; "
                        "--xlsx-mentions adds it)" for t in COLUMNS if t not in self.in_book]
            notes = self.book.close(left_out + notes)
        return notes


def write_formats(folder: Path, formats: Iterable[str], rows: dict[str, int], *, xlsx_tables: Iterable[str] | None = None,
                  max_rows: int = EXCEL_MAX_ROWS, on_table: Callable[[str], None] | None = None) -> list[str]:
    """``<table>.parquet`` and ``tables.xlsx`` from the finished ``<table>.csv`` files of ``folder``,
    one block of rows in memory at a time. Returns notes for the summary."""
    typed = TypedTables(folder, formats, xlsx_tables, max_rows)
    for table in COLUMNS:
        if typed.wants(table):
            for batch in typed_batches(folder / f"{table}.csv", table, typed.notes):
                typed.add_batch(table, batch)
    return typed.close(rows, on_table)
