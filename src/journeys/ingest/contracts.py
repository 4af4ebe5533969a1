"""Source contracts: the columns each source must deliver, and how files are recognised."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

from isal import igzip

from journeys.errors import GZIP_ERRORS, IngestError, unreadable


@dataclass(frozen=True)
class SourceContract:
    name: str
    columns: tuple[str, ...]
    """Contract columns, in order; every other delivered column is kept in ``attributes``."""
    is_event_source: bool = True


CONTRACTS: dict[str, SourceContract] = {
    "customers": SourceContract(
        "customers", ("customer_id", "email", "phone", "segment", "created_at"), False
    ),
    "transactions": SourceContract(
        "transactions",
        ("event_id", "customer_id", "order_id", "event_type", "occurred_at", "amount", "currency"),
    ),
    "web": SourceContract(
        "web",
        (
            "event_id",
            "anonymous_id",
            "user_id",
            "event_type",
            "occurred_at",
            "page_path",
            "referrer",
            "device",
            "order_id",
        ),
    ),
    "support": SourceContract(
        "support",
        (
            "event_id",
            "ticket_id",
            "email",
            "phone",
            "channel",
            "team",
            "system",
            "category",
            "event_type",
            "occurred_at",
        ),
    ),
    "log": SourceContract(
        "log",
        ("event_id", "case_id", "activity", "occurred_at", "channel", "team", "occurred_time"),
    ),
}

_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xes": "xes",
}


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def open_gzip(source: Path | IO[bytes]) -> IO[bytes]:
    """A gzip file (or stream) for reading, inflated with ISA-L: the bytes and errors of the
    standard library's ``gzip.open``, four to five times faster (ADR 0009; its damaged-block
    error is in ``errors.GZIP_ERRORS``)."""
    opened: IO[bytes] = igzip.open(source, "rb")  # type: ignore[no-untyped-call]
    return opened


PACKED = (".gz", ".gzip")
"""How a gzipped delivery is named (``web_events.jsonl.gz``); its format is the name before."""


def is_packed(path: Path) -> bool:
    """Whether a delivery's name says it is gzipped (``PACKED``)."""
    return path.name.lower().endswith(PACKED)


def unpacked_suffixes(path: Path) -> list[str]:
    """The name's suffixes, lower case, without the gzip ones (``.CSV.gz``: ``[".csv"]``)."""
    return [s.lower() for s in path.suffixes if s.lower() not in PACKED]


def open_delivered(path: Path) -> IO[bytes]:
    """A delivered file for reading, inflated when its name says it is gzipped."""
    return open_gzip(path) if is_packed(path) else path.open("rb")


def read_head(path: Path, size: int = 1 << 16) -> bytes:
    """The first ``size`` bytes of the file, decompressed when it is gzip."""
    try:
        if is_gzip(path):
            with open_gzip(path) as packed:
                return packed.read(size)
        with path.open("rb") as handle:
            return handle.read(size)
    except GZIP_ERRORS as exc:  # a damaged gzip stream too
        raise unreadable(path, exc) from exc


def opens_json_array(head: bytes) -> bool:
    """Whether a text file's first bytes (``read_head``) open a JSON array (``[`` after white
    space and a byte-order mark), not JSON lines."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


WORKBOOKS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
"""Workbooks import-log reads (``ingest/workbook.py``), the commonest export of a business log."""
SPREADSHEETS = (*WORKBOOKS, ".numbers")
"""Spreadsheet files by name: a workbook is read (``excel``: ingest/workbook.py), Apple's
Numbers file is not."""


def is_workbook(path: Path, declared: str = "auto") -> bool:
    """Whether the file is read as a spreadsheet workbook (declared ``excel``, or by its name)."""
    if declared != "auto":
        return declared == "excel"
    suffixes = unpacked_suffixes(path)
    return bool(suffixes) and suffixes[-1] in WORKBOOKS


def detect_format(
    path: Path, declared: str = "auto", *, fix: str = "set the source's format in the configuration"
) -> str:
    """The file's format from its declared setting or its name (``.csv.gz`` is csv); ``fix``:
    what the refusal of a name that does not say tells the user to do instead."""
    if declared != "auto":
        return declared
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in PACKED:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in WORKBOOKS:
        return "excel"
    if suffixes and suffixes[-1] in SPREADSHEETS:
        raise IngestError(
            f"{path.name}: a Numbers file, which no library here reads; export its sheet as "
            "CSV or Excel (in Numbers: File > Export To) and load that file. Nothing was loaded"
        )
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise IngestError(
            f"{path.name}: cannot tell the format from the name; use .csv, .jsonl, .parquet "
            f"(optionally .gz) or {fix}"
        )
    return fmt


def contract_for(source: str) -> SourceContract:
    try:
        return CONTRACTS[source]
    except KeyError:
        raise IngestError(
            f"'{source}' is not a source; use one of {', '.join(CONTRACTS)}"
        ) from None
