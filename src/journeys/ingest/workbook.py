"""Event logs and source files in a spreadsheet workbook (``contracts.WORKBOOKS``: ``.xlsx``,
``.xls``, ``.ods``…), read with fastexcel (calamine, a maintained Rust reader; ADR 0007), one
sheet, every cell as text: a date cell as ``2026-03-01 10:30:00`` (a naive local time: the
importer's ``--timezone`` or the source's ``timezone`` applies), a whole number as
``4500000111`` (an order number stays an id, not ``4.5e9``).

An export's commonest form: Disco reads workbooks, SAP or Celonis exports often arrive so, and
CRMs (HubSpot, Salesforce reports) export them. The sheet is ``--sheet NAME`` for import-log or
``sources.<source>.sheet`` (or its number from 1), else the first; a workbook of several sheets
names them in the import's summary, so a log on the second is one flag away.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from journeys.errors import IngestError


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its rows (every column text), its name and the workbook's
    sheet names."""

    events: pl.DataFrame
    name: str
    sheets: tuple[str, ...]

    def listing(self) -> str:
        """``'Events' of 3 (Events, Cases, Lookup``: the sheet read and the workbook's sheets
        (the first six), the opening of the notes below."""
        listed = ", ".join(self.sheets[:6]) + (" …" if len(self.sheets) > 6 else "")
        return f"'{self.name}' of {len(self.sheets)} ({listed}"

    def note(self) -> str:
        """``; sheet 'Events' of 3 (Events, Cases, Lookup: --sheet NAME reads another)``, or ''
        for a workbook of one sheet."""
        if len(self.sheets) < 2:
            return ""
        return f"; sheet {self.listing()}: --sheet NAME reads another)"


@contextmanager
def sheet_named(book: Sheet | None) -> Iterator[None]:
    """A refusal of a workbook's rows (no such column) names the sheet read when the workbook
    has several: the events may be on another (a 'Read me' sheet first is common)."""
    try:
        yield
    except IngestError as exc:
        if book is None or len(book.sheets) < 2:
            raise
        text = str(exc.args[0]).rstrip(". ")
        raise IngestError(
            f"{text}. That was sheet {book.listing()}): --sheet NAME reads another"
        ) from None


def read_sheet(
    path: Path, sheet: str | None = None, *, flag: str = "--sheet", rows_needed: bool = True
) -> Sheet:
    """The rows of ``sheet`` (a name, or a number from 1; default the first) of the workbook at
    ``path``, every column as text; a sheet that is not there is refused with the sheets, naming
    how to choose another (``flag``: import-log's ``--sheet``, a source's ``sheet`` setting).
    ``rows_needed``: a sheet of column names alone is refused (an event log without events);
    else it is an empty delivery, as a CSV file of its header alone is."""
    import fastexcel  # the Rust reader: only for a workbook

    try:
        book = fastexcel.read_excel(path)
        names = tuple(book.sheet_names)
        chosen = _chosen(path, sheet, names, flag)
        frame = book.load_sheet(chosen, dtypes="string").to_polars()
    except IngestError:
        raise
    except Exception as exc:  # fastexcel's own errors: a damaged or password-protected file
        detail = " ".join(str(exc).replace(str(path), path.name).split())[:200]
        raise IngestError(
            f"{path.name}: not a readable workbook ({detail}); open it in its spreadsheet "
            "program and save it again, or save its sheet of events as CSV. Nothing was loaded"
        ) from None
    if frame.is_empty() and rows_needed:
        raise IngestError(
            f"{path.name}: sheet '{chosen}' holds no rows below its column names; choose the "
            f"sheet of events with {flag} ({', '.join(names)}). Nothing was loaded"
        )
    frame = frame.select(pl.all().cast(pl.String))  # an empty column comes as null, not text
    return Sheet(events=frame, name=chosen, sheets=names)


def _chosen(path: Path, sheet: str | None, names: tuple[str, ...], flag: str) -> str:
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    raise IngestError(
        f"{path.name}: {flag} {sheet!r} is not a sheet of the workbook; its sheets: "
        f"{', '.join(names)}. Nothing was loaded"
    )
