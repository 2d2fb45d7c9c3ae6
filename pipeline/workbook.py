"""``tables.xlsx``: a workbook written row by row, safe to open whatever the articles contain.

XlsxWriter in constant-memory mode (measured faster and leaner than openpyxl's
write-only mode, see README): each row goes to disk when the next one starts, and
sheets may be fed in any interleaving, so a run can write its workbook while
documents are still being extracted. Cells are typed (numbers, booleans, text);
characters XML cannot hold are removed; text that a spreadsheet would take for a
formula is stored as text with Excel's own quote-prefix flag (the value is kept as
written). A table longer than a sheet continues on ``name (2)``, ``name (3)``...,
and a ``notes`` sheet says so.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

EXCEL_MAX_ROWS = 1_048_575  # data rows of one sheet: Excel's 1,048,576 rows less the header
XLSX_MAX_CHARS = 32_767  # Excel's limit for one cell
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0, so not in XLSX
FORMULA_START = frozenset("=+-@\t\r")  # what spreadsheets read as the start of a formula
WIDTH_SAMPLE = 200  # rows whose text sets a column's width


def looks_like_formula(text: str) -> bool:
    """``=HYPERLINK(...)``, ``+1``, ``@SUM``: yes; ``-0.5`` or ``+3`` as a plain number: no."""
    if not text or text[0] not in FORMULA_START:
        return False
    try:
        float(text)
        return False
    except ValueError:
        return True


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass
class _Table:
    """Where one table's rows go: its current sheet and row, and every sheet it has used."""

    name: str
    columns: list[str]
    sheet: object = None
    row: int = 0
    sized: bool = False
    sheets: list[str] = field(default_factory=list)


class Workbook:
    """Typed cells, a frozen header row, an autofilter and widths from each table's first rows."""

    def __init__(self, path: Path, tables: dict[str, list[str]], max_rows: int = EXCEL_MAX_ROWS):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": str(path.parent),
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
        self.as_text = self.book.add_format({"quote_prefix": True})
        self.bold = self.book.add_format({"bold": True})
        self.max_rows = max_rows
        self.notes: list[str] = []
        self.tables = {name: _Table(name, columns) for name, columns in tables.items()}
        for table in self.tables.values():  # sheets in table order, even if rows come in another
            self._new_sheet(table)

    def _new_sheet(self, table: _Table) -> None:
        self._finish_sheet(table)
        suffix = "" if not table.sheets else f" ({len(table.sheets) + 1})"
        sheet = self.book.add_worksheet(table.name[:31 - len(suffix)] + suffix)
        for j, name in enumerate(table.columns):
            sheet.write_string(0, j, name, self.bold)
        sheet.freeze_panes(1, 0)
        table.sheet, table.row, table.sized = sheet, 0, False
        table.sheets.append(sheet.name)

    @staticmethod
    def _finish_sheet(table: _Table) -> None:
        if table.sheet is not None:
            table.sheet.autofilter(0, 0, max(table.row, 1), len(table.columns) - 1)

    def _size(self, table: _Table, columns: list[list]) -> None:
        for j, name in enumerate(table.columns):
            sample = [_display_width(str(v)) for v in columns[j][:WIDTH_SAMPLE] if v is not None]
            table.sheet.set_column(j, j, min(60, max([_display_width(name) + 3, *sample]) + 1))
        table.sized = True

    def append(self, name: str, batch) -> None:
        """A batch of typed rows (an Arrow record batch with the table's columns) at the end of a table."""
        import pyarrow as pa

        table = self.tables[name]
        columns = [column.to_pylist() for column in batch.columns]
        writers = [self._text if f.type == pa.string() else self._bool if f.type == pa.bool_() else self._number
                   for f in batch.schema]
        for i in range(batch.num_rows):
            if table.row >= self.max_rows:
                self._new_sheet(table)
            if not table.sized:
                self._size(table, [c[i:i + WIDTH_SAMPLE] for c in columns])
            table.row += 1
            sheet, row = table.sheet, table.row
            for j, write in enumerate(writers):
                value = columns[j][i]
                if value is not None:
                    write(sheet, row, j, value)

    @staticmethod
    def _number(sheet, row: int, col: int, value) -> None:
        sheet.write_number(row, col, value)

    @staticmethod
    def _bool(sheet, row: int, col: int, value) -> None:
        sheet.write_boolean(row, col, value)

    def _text(self, sheet, row: int, col: int, value: str) -> None:
        if CONTROL.search(value):
            value = CONTROL.sub("", value)
        if len(value) > XLSX_MAX_CHARS:
            value = value[:XLSX_MAX_CHARS]
            self.notes.append(f"{sheet.name}!row {row + 1}: a cell longer than Excel's {XLSX_MAX_CHARS:,} "
                              "characters was cut (the CSV has it whole)")
        if looks_like_formula(value):
            sheet.write_string(row, col, value, self.as_text)
        else:
            sheet.write_string(row, col, value)

    def close(self, notes: list[str]) -> list[str]:
        """Finish every sheet, add a ``notes`` sheet (what was split, cut or left out), write the file;
        returns every note, for the run's summary."""
        for table in self.tables.values():
            self._finish_sheet(table)
            if len(table.sheets) > 1:
                self.notes.append(f"{table.name}: more rows than one sheet holds ({self.max_rows:,}): "
                                  f"continued on sheets {', '.join(table.sheets)}")
        notes = notes + self.notes
        if notes:
            sheet = self.book.add_worksheet("notes")
            sheet.set_column(0, 0, 120)
            sheet.write_string(0, 0, "note", self.bold)
            for i, note in enumerate(notes, 1):
                sheet.write_string(i, 0, CONTROL.sub("", note))
        self.book.close()
        return notes
