"""Reads an uploaded CSV or Excel sheet into rows of text keyed by normalised header."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict[str, object]


def _header(name: object) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # Excel's "CSV" on Windows
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            "This file could not be opened as an Excel workbook (.xlsx). Save it again from "
            "Excel, or export the sheet as CSV."
        ) from error
    sheet = book.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def read_table(*, filename: str, data: bytes, required: list[str]) -> list[Row]:
    """Rows of the first sheet; refuses files with missing columns or too many rows."""
    name = filename.lower()
    if name.endswith(".csv"):
        raw = _csv_rows(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raw = _xlsx_rows(data)
    else:
        raise ImportFileError("Upload a .csv or .xlsx file (older .xls files: save as .xlsx).")
    raw = [row for row in raw if any(cell not in (None, "") for cell in row)]
    if not raw:
        raise ImportFileError("The file is empty: the first row should name the columns.")
    headers = [_header(cell) for cell in raw[0]]
    missing = [column for column in required if column not in headers]
    if missing:
        raise ImportFileError(
            f"Column(s) missing from the first row: {', '.join(missing)}. "
            f"The first row should read: {', '.join(required)} (others optional)."
        )
    if len(raw) - 1 > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            f"The file has {len(raw) - 1} rows; import at most {settings.IMPORT_MAX_ROWS} "
            "at a time."
        )
    rows = []
    for offset, cells in enumerate(raw[1:], start=2):
        values = {}
        for header, cell in zip(headers, cells, strict=False):
            if header:
                values[header] = cell.strip() if isinstance(cell, str) else cell
        rows.append(Row(number=offset, values=values))
    return rows


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores SAP numbers typed as numbers as floats
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
