"""How an event log's rows are read beyond its columns, and what the import says about them:
the checks of ``import-log``'s ``--date-format``, ``--encoding`` and ``--lifecycle-col`` (each
refused before anything is loaded when it cannot apply), the lifecycle column a file has, and
the summary's notes on its timestamps (the layout the rejected ones ask for, the local times a
clock change makes uncertain). ``ingest/eventlog.py`` imports the log with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from journeys.config import Settings
from journeys.errors import IngestError, WarehouseError
from journeys.ingest.columns import json_path
from journeys.warehouse import Warehouse
from journeys.words import listed

DATE_FORMAT_EXAMPLE = "'%d/%m/%Y %H:%M'"
EXCEL = "excel"
"""``--date-format excel``: Excel serial dates (days since 1899-12-30, the time as a fraction)."""


LIFECYCLE_KEY = "lifecycle:transition"
"""The XES standard's key of an event's transition; a CSV exported from XES keeps it."""


def lifecycle_path(path: Path, names: list[str], given: str | None) -> str | None:
    """The JSON path of the rows' lifecycle transition among their other columns (``names``:
    the file's): the column ``--lifecycle-col`` names (it must exist), else one named
    ``lifecycle:transition``, the XES key (any case); None when there is none. Only that exact
    key is taken unasked: a column called ``lifecycle`` may hold a customer's stage, not a
    transition."""
    if given is not None:
        if given not in names:
            shown = ", ".join(names[:15]) + (" …" if len(names) > 15 else "")
            raise IngestError(
                f"{path.name}: --lifecycle-col {given!r} is not a column; the file's columns: "
                f"{shown}. Nothing was loaded"
            )
        chosen = given
    else:
        found = [n for n in names if n.strip().lower() == LIFECYCLE_KEY]
        if not found:
            return None
        chosen = found[0]
    return json_path(chosen)


TABLE_FORMATS = ("csv", "parquet", "jsonl", "excel")
"""The log formats whose columns import-log's options name (XES and OCEL have standard keys)."""
_FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet", "jsonl": "JSONL", "excel": "workbook"}


def require_format(option: str, kind: str, formats: tuple[str, ...], why: str) -> None:
    """Refuse ``option`` for a log of ``kind`` outside ``formats``, saying ``why`` it does not
    apply there, before anything is loaded."""
    if kind in formats:
        return
    names = listed([_FORMAT_NAMES[f] for f in formats])
    raise IngestError(
        f"{option} is for {names} logs; {why}: leave the option out. Nothing was loaded"
    )


def check_lifecycle_col(kind: str) -> None:
    """Refuse ``--lifecycle-col`` for XES and OCEL, which name the transition themselves."""
    why = f"{kind.upper()} names the transition itself (lifecycle:transition)"
    require_format("--lifecycle-col", kind, TABLE_FORMATS, why)


def with_encoding(settings: Settings, encoding: str, kind: str, path: Path) -> Settings:
    """The settings with the log's text encoding (``import-log --encoding``); refused for a
    format that carries its own (XES and OCEL declare it, Parquet is binary) or a name that is
    not a text encoding."""
    require_format("--encoding", kind, ("csv", "jsonl"), f"{kind.upper()} files carry their own")
    from journeys.ingest.landing import text_codec

    try:
        text_codec(encoding, name=path.name)
    except IngestError:
        raise IngestError(
            f"--encoding {encoding!r}: not a text encoding Python knows; use e.g. cp1252 "
            "(Windows exports), latin-1 or utf-16. Nothing was loaded"
        ) from None
    log = settings.source("log").replace(encoding=encoding)
    return settings.replace(sources={**settings.sources, "log": log})


def check_date_format(wh: Warehouse, date_format: str, kind: str) -> None:
    """Refuse a ``--date-format`` that cannot apply: for XES and OCEL (their standards write
    timestamps in ISO-8601), without a directive, or with one DuckDB's strptime does not know."""
    why = f"{kind.upper()} timestamps are ISO-8601 by the standard"
    require_format("--date-format", kind, TABLE_FORMATS, why)
    check_layout(wh, date_format, "--date-format")


def check_layout(wh: Warehouse, date_format: str, setting: str) -> None:
    """Refuse a timestamp layout without a strptime directive, or with one DuckDB's strptime
    does not know (``%Q``: it would fail every row's check); ``setting`` names where it was
    given (import-log's ``--date-format``, a source's ``date_format``)."""
    if date_format == EXCEL:
        return
    if "%" not in date_format:
        raise IngestError(
            f"{setting} {date_format!r}: no strptime directive such as %d or %Y; write the "
            f"layout of the timestamps, e.g. {DATE_FORMAT_EXAMPLE}, or 'excel' for Excel "
            "serial dates. Nothing was loaded"
        )
    try:
        wh.scalar("queries/check_date_format", date_format=date_format)
    except WarehouseError as exc:
        detail = str(exc.__cause__ or exc).split("Error: ", 1)[-1]
        raise IngestError(
            f"{setting} {date_format!r}: {detail}; use strptime directives (%d day, %m "
            f"month, %Y year, %H:%M:%S time, %z offset), e.g. {DATE_FORMAT_EXAMPLE}. Nothing "
            "was loaded"
        ) from None


_LAYOUT_REASON = re.compile(
    r"is (day first|month first|written in a layout of its own|written as Excel day numbers "
    r"\(days since 1899-12-30\)); (?:pass --date-format|set date_format:) ('[^']*')"
)
"""The layout a rejected timestamp's reason asks for: import-log's ``--date-format``, or a shop
source's ``date_format`` setting (``journeys_source_ts_reason``)."""


def clock_change_note(timezone: str | None, back: int, skipped: int) -> str:
    """``; 2 local times fall in the hour Europe/Amsterdam's clocks went back (...)``: naive
    times a clock change makes uncertain, or an empty string."""
    hours = [
        f"the hour {timezone}'s clocks went back (two instants each: read as the later)",
        f"the hour {timezone}'s clocks skipped (no such time: read an hour later)",
    ]
    parts = [f"{n} in {hour}" for n, hour in zip((back, skipped), hours, strict=True) if n]
    if not parts:
        return ""
    return f"; {back + skipped} local times fall in a clock change: " + " and ".join(parts)


def date_layout(reasons: Sequence[tuple[str, int]]) -> tuple[str, str] | None:
    """("day first", "'%d/%m/%Y %H:%M'") when every rejected timestamp whose layout is certain
    asks for one and the same --date-format (a day above 12 decides day first; 25-Mar-2026 09:00
    names its own layout); None otherwise (then each reason names its layouts)."""
    found = {m.group(2): m.group(1) for why, _ in reasons if (m := _LAYOUT_REASON.search(why))}
    if len(found) != 1:
        return None
    date_format, order = next(iter(found.items()))
    return order.replace("written ", "").replace("its own", "their own"), date_format


def swapped(date_format: str) -> str:
    """``date_format`` with its day and month directives the other way round."""
    return date_format.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def check_day_month(
    wh: Warehouse, date_format: str, file: str, *, setting: str = "--date-format"
) -> None:
    """Refuse a file read with a ``--date-format`` whose day and month are the wrong way round:
    the rows that layout does not read (a day above 12 in the month's place) are written with
    day and month the other way, so the rows it did read (every day up to 12) would have them
    swapped: 1 April loaded as 4 January, journeys and gaps that never happened. pandas refuses
    such a file at its first such value; this names the layout that reads all of it."""
    rows = wh.rows("ingest/landing_reasons")
    accepted = sum(int(n) for reason, n in rows if reason is None)
    layout = date_layout([(str(r), int(n)) for r, n in rows if r is not None])
    if not accepted or layout is None or layout[1] != f"'{swapped(date_format)}'":
        return
    refused = sum(int(n) for r, n in rows if r is not None and layout[1] in str(r))
    again = (
        f"import the file again with --date-format {layout[1]}"
        if setting == "--date-format"
        else f"set {setting}: {layout[1]} and load the file again"
    )
    raise IngestError(
        f"{Path(file).name}: {refused} row(s) do not match {setting} {date_format!r} and "
        f"are written {layout[0]}, so the {accepted} row(s) it read would have day and month "
        f"swapped. Nothing was loaded; {again}"
    )
