"""Read one delivered file into the temp table ``landing_raw`` and say how to read its records.

``landing_raw`` holds what the reader returned (the delivered columns as text, or a JSON-lines
file's lines); ``Landing.std`` the models that turn it into ``landing_std``, one row per record
with the contract columns, ``attributes`` (every other column), ``_rowid`` (its row in
``landing_raw``) and ``_line``, which the checks read in the same statement (``landing_std``
is never copied into a table of its own); ``landing_parse_rejects`` the records the reader
could not parse. The lines are counted apart
from the reader (ingest/records.py): a file whose reader returns another number of records
than its lines hold is refused, naming the line where they part, so no row can vanish
unnoticed. A file that is not its declared format, or lacks contract columns, raises
``IngestError`` and nothing is kept.
"""

from __future__ import annotations

import codecs
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys.errors import GZIP_ERRORS, IngestError, WarehouseError, unreadable
from journeys.ingest import ga4
from journeys.ingest.columns import (
    Spec,
    jsonl_params,
    milestone_params,
    nested_path,
    refuse_repeated,
    resolve,
    table_params,
    unnamed_columns,
)
from journeys.ingest.contracts import (
    is_packed,
    open_delivered,
    open_gzip,
    opens_json_array,
    read_head,
)
from journeys.ingest.encodings import first_not_utf8, is_utf8, not_utf8, text_encoding
from journeys.warehouse import Warehouse

if TYPE_CHECKING:  # the line scans import numpy (about 0.1 s): only CSV and JSONL need them
    import polars as pl

    from journeys.ingest.lines import LineCount
    from journeys.ingest.records import Layout

TEMP_TABLES = (
    "landing_raw",
    "landing_rejects",
    "landing_scans",
    "landing_offsets",
    "landing_checked",
    "landing_batch",
    "landing_key_hits",
    "landing_dups",
    "landing_marked",
    "landing_appended",
    "landing_reject_text",
    "landing_parse_rejects",
    "raw_keys",
    "raw_source",
)


@dataclass(frozen=True)
class Landing:
    """What ``read_landing`` left in the temp tables, for the load to check and record."""

    text_model: str
    """The model that turns rejected rows back into their delivered text, by ``_line``."""
    parse_rejects: int
    """Rows of ``landing_parse_rejects``."""
    std: dict[str, str] = field(default_factory=dict)
    """``landing_std`` as models to run as one statement with the model reading it: relation ->
    model, in order (the values read, numbered by line, the contract columns named)."""
    params: dict[str, Any] = field(default_factory=dict)
    """The parameters of the ``std`` models."""


def read_landing(wh: Warehouse, path: Path, *, fmt: str, spec: Spec, encoding: str) -> Landing:
    """Fill ``landing_raw`` (and ``landing_parse_rejects``) from ``path``; the ``Landing`` says how
    to read ``landing_std`` from it."""
    wh.drop_temp(*TEMP_TABLES)
    if fmt == "csv":
        return _read_csv(wh, path, spec, text_encoding(path, encoding))
    if fmt == "jsonl":
        return _read_jsonl(wh, path, spec, text_encoding(path, encoding))
    if fmt == "parquet":
        return _read_parquet(wh, path, spec)
    if fmt == ga4.FORMAT:
        return _read_ga4(wh, path, spec, encoding)
    raise IngestError(
        f"{path.name}: format '{fmt}' is not supported here; use csv, jsonl or parquet"
    )


def ga4_without_events(wh: Warehouse, path: Path) -> bool:
    """Whether ``path`` is a GA4 export in Parquet without a row (a day without events: an
    empty delivery, as a JSON-lines file without lines is)."""
    if ga4.file_kind(path) != "parquet":
        return False
    try:
        with _plain_parquet(path) as plain:
            return not wh.scalar("ingest/parquet_rows", path=str(plain))
    except WarehouseError as exc:
        raise _fail_unreadable(path, "parquet", exc) from exc


def _read_ga4(wh: Warehouse, path: Path, spec: Spec, encoding: str) -> Landing:
    """Google Analytics 4's BigQuery export (ingest/ga4.py): its JSON lines, or its Parquet
    rows written as JSON lines (numbered by row), each event read by ``ingest/ga4_lines``."""
    if ga4.file_kind(path) == "jsonl":
        return _read_jsonl(wh, path, spec, text_encoding(path, encoding), ga4_events=True)
    with _plain_parquet(path) as plain, tempfile.TemporaryDirectory(prefix="journeys-") as tmp:
        rows = Path(tmp) / "rows.jsonl"
        try:
            wh.export_model_lines("ingest/ga4_parquet_rows", rows, path=str(plain))
        except WarehouseError as exc:
            raise _fail_unreadable(path, "parquet", exc) from exc
        return _read_jsonl(wh, path, spec, "utf-8", ga4_events=True, rows=rows)


def _fail_unreadable(path: Path, fmt: str, exc: WarehouseError) -> IngestError:
    detail = str(exc).split(": ", 2)[-1][:200]
    return IngestError(
        f"{path.name}: not a readable {fmt} file ({detail}); check the file is complete and "
        f"really {fmt}, or set the source's format in the configuration. Nothing was loaded from it"
    )


def _not_text(path: Path, readable: Path, encoding: str) -> IngestError | None:
    """The refusal of a file read as UTF-8 that is not: the reader's sniffer fails on it
    (DuckDB: "Error when sniffing file") without saying why."""
    found = first_not_utf8(readable) if is_utf8(encoding) else None
    if found is None:
        return None
    line, position, byte = found
    return not_utf8(path.name, f"line {line}", position, byte)


def _read_csv(wh: Warehouse, path: Path, spec: Spec, encoding: str) -> Landing:
    from journeys.ingest.lines import scan_lines
    from journeys.ingest.records import KEPT_REASONS, layout, mixed_line_ends, returned_runs

    with _text_file(path, encoding, plain=True) as (readable, tmp):
        scan = scan_lines(readable)
        found = layout(readable, scan, name=path.name)
        try:
            parsed = _parse_csv(wh, readable, found, tmp)
        except WarehouseError:
            parsed = -1  # the reader (its sniffer) refused the file
        if parsed != found.records:  # a stray quote on a line whose quotes balance: look closer
            found = layout(readable, scan, name=path.name, exhaustive=True)
            try:
                parsed = _parse_csv(wh, readable, found, tmp)
            except WarehouseError as exc:
                refusal = _not_text(path, readable, encoding)
                lf = None if refusal else mixed_line_ends(readable, scan, found)
                if lf is None:
                    raise refusal or _fail_unreadable(path, "csv", exc) from exc
                found, parsed = lf, _parse_csv(wh, readable, lf, tmp)
        delivered = wh.columns_of("landing_raw")
        chosen = resolve(path.name, delivered, spec)
        refuse_repeated(path.name, found.names, delivered, chosen)
    if parsed != found.records:
        raise _records_differ(path, parsed, found.records, found.suspect, "records")
    rejected = [line - 1 for line in _reader_rejects(wh)]  # line 1: the header
    kept = found.kept
    parse_rejects = _parse_rejects(
        wh,
        found.offsets,
        any_rejected=bool(rejected or kept),
        header_lines=1,
        delim=found.delimiter,
        header_open=bool(found.names) and not found.names[-1].strip(),
        kept_lines=[k.line for k in kept],
        kept_texts=[k.text for k in kept],
        kept_reasons=[KEPT_REASONS[k.reason] for k in kept],
    )
    runs = returned_runs(found.offsets, found.records, rejected)
    params = table_params(delivered, chosen, empty=_empty(wh, found.names, delivered, chosen))
    std, params = _standardise("ingest/landing_table", runs, spec, params)
    return Landing("ingest/reject_text_table", parse_rejects, std, params)


def _empty(
    wh: Warehouse, written: Sequence[str], delivered: list[str], chosen: dict[str, str | None]
) -> list[str]:
    """The unnamed columns that hold no value in any record (``columns.unnamed_columns``)."""
    unnamed = unnamed_columns(written, delivered, chosen)
    if not unnamed:
        return []
    held = wh.row("ingest/blank_columns", names=unnamed) or ()
    return [name for name, value in zip(unnamed, held, strict=True) if not value]


def _parse_csv(wh: Warehouse, readable: Path, found: Layout, tmp: Path) -> int:
    """Read the CSV into ``landing_raw`` without the lines ``found`` drops; return the records
    the reader returned or rejected."""
    wh.drop_temp("landing_raw", "landing_rejects", "landing_scans")
    if found.drop:
        from journeys.ingest.records import write_without

        trimmed = tmp / "records.csv"
        write_without(readable, found.drop, trimmed)
        readable = trimmed
    delim = found.delimiter
    wh.materialize_temp(
        "landing_raw", "ingest/read_csv", path=str(readable), encoding="utf-8", delim=delim
    )
    counts = wh.record("ingest/reader_counts")
    return int(counts["parsed"]) + int(counts["rejected"])


def _records_differ(path: Path, read: int, counted: int, suspect: int, what: str) -> IngestError:
    where = f" (they part from line {suspect} on)" if suspect else ""
    return IngestError(
        f"{path.name}: the reader found {read} {what} where the file's lines hold {counted}"
        f"{where}; a quote or a carriage return inside a field is read differently. Fix the "
        "quoting (fields with quotes, delimiters or line breaks in double quotes, quotes inside "
        "doubled; line breaks as LF or CRLF). Nothing was loaded from it"
    )


def _reader_rejects(wh: Warehouse) -> list[int]:
    return [int(line) for (line,) in wh.rows("ingest/reader_rejects")]


def _parse_rejects(
    wh: Warehouse, offsets: tuple[tuple[int, int], ...], *, any_rejected: bool, **params: Any
) -> int:
    """``landing_parse_rejects`` (``parse_rejects.sql``), its row count returned; a file whose
    records the reader read every one of and none was kept apart gets the empty table without
    planning the statement that finds them (4 ms of each file's load)."""
    if not any_rejected:
        wh.execute("ingest/no_parse_rejects")
        return 0
    # where the reader's records lie, for its rejects' lines
    wh.materialize_temp(
        "landing_offsets",
        "ingest/landing_offsets",
        recs=[rec for rec, _ in offsets],
        offsets=[offset for _, offset in offsets],
    )
    return wh.materialize_temp("landing_parse_rejects", "ingest/parse_rejects", **params)


def _standardise(
    values_model: str, runs: tuple[tuple[int, int], ...], spec: Spec, params: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """``landing_std`` as models and their parameters: the values model's records numbered by
    line (one stretch: without a join), their contract columns named (``contract_<source>``)."""
    numbering: dict[str, Any]
    if len(runs) == 1:
        model, numbering = "ingest/number_records_one_run", {"shift": runs[0][1]}
    else:
        model = "ingest/number_records"
        numbering = {"firsts": [r for r, _ in runs], "shifts": [s for _, s in runs]}
    if spec.milestones:  # a row per ticket or order: an event per filled time column
        width = len(params["keys"] if "keys" in params else params["paths"])
        params = milestone_params(spec, params, width)
        std = {"landing_values": values_model, "landing_rows": model,
               "landing_numbered": "ingest/milestones"}  # fmt: skip
    else:
        std = {"landing_values": values_model, "landing_numbered": model}
    return std | {"landing_std": f"ingest/contract_{spec.source}"}, {**numbering, **params}


def _read_jsonl(
    wh: Warehouse,
    path: Path,
    spec: Spec,
    encoding: str,
    *,
    ga4_events: bool = False,
    rows: Path | None = None,
) -> Landing:
    """``ga4_events``: each line is read as a GA4 event (``_read_ga4``); ``rows``: the lines to
    read in place of ``path``'s (a Parquet file's rows), named by ``path``."""
    from journeys.ingest.lines import count_lines
    from journeys.ingest.records import returned_runs

    reading = {"inputs": {"ga4_raw": "ingest/read_jsonl"}} if ga4_events else {}
    try:
        with (
            _text_file(rows or path, encoding, plain=False) as (readable, tmp),
            ThreadPoolExecutor(1, thread_name_prefix="journeys-lines") as pool,
        ):
            readable = _array_as_lines(wh, path, readable, tmp)
            # the lines are counted on a thread while DuckDB reads them (it lets go of the
            # interpreter lock): 0.9 s of 1.4 GB at 10M events, once before the read
            counting = pool.submit(count_lines, readable)
            try:
                wh.materialize_temp(
                    "landing_raw",
                    "ingest/ga4_lines" if ga4_events else "ingest/read_jsonl",
                    path=str(readable),
                    encoding="utf-8",
                    **reading,
                )
            finally:
                count = counting.result()  # a damaged gzip stream: its error names the file
    except WarehouseError as exc:
        raise _fail_unreadable(path, "jsonl", exc) from exc
    _check_lines(wh, path, count)
    keys = [key for (key,) in wh.rows("ingest/jsonl_keys")]
    if not keys:
        raise IngestError(
            f"{path.name}: no line is a JSON object, so this is not a JSON-lines file; export "
            "one JSON object per line, or set the source's format. Nothing was loaded from it"
        )
    chosen = resolve(path.name, keys, ga4.hinted(spec, keys), nested=True)
    rejected = _reader_rejects(wh)
    parse_rejects = _parse_rejects(
        wh,
        ((1, 0),),
        any_rejected=bool(rejected),
        header_lines=0,
        delim=None,
        header_open=False,
        kept_lines=[],
        kept_texts=[],
        kept_reasons=[],
    )
    runs = returned_runs(((1, 0),), count.lines, rejected)
    std, params = _standardise("ingest/landing_jsonl", runs, spec, jsonl_params(keys, chosen))
    return Landing("ingest/reject_text_jsonl", parse_rejects, std, params)


def _array_as_lines(wh: Warehouse, path: Path, readable: Path, tmp: Path) -> Path:
    """A file that is one JSON array (of objects) as JSON lines, its elements one per line
    (``ingest/json_array_lines``); any other file as it is. A file starting with ``[`` that is
    no single array is JSON lines whose first line is an array (rejected there), unless it
    opens with a line of ``[`` alone: an array cut off or damaged, refused."""
    try:
        head = read_head(readable, 1 << 12)
    except IngestError:  # a damaged gzip stream: the reader names it
        return readable
    if not opens_json_array(head):
        return readable
    lines = tmp / "array.jsonl"
    try:
        wh.export_model_lines("ingest/json_array_lines", lines, path=str(readable))
    except WarehouseError as exc:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip() == b"[":
            raise _fail_unreadable(path, "JSON array", exc) from exc
        return readable
    return lines


def _check_lines(wh: Warehouse, path: Path, count: LineCount) -> None:
    """The line reader must return (or reject) every line of the file, blank ones too."""
    counts = wh.record("ingest/reader_counts")
    read = int(counts["parsed"]) + int(counts["rejected"])
    if read != count.lines:
        raise _records_differ(path, read, count.lines, count.bare_cr, "lines")


def read_frame(
    wh: Warehouse, frame: pl.DataFrame, *, name: str, spec: Spec, first_line: int = 1
) -> Landing:
    """Fill ``landing_raw`` from the rows a parser read (XES, OCEL, a workbook's sheet: every
    column text; ``name``: the delivered file's), as ``_read_parquet`` fills it from a Parquet
    file: DuckDB scans the frame where it is (a 250,000-event log's Parquet file took 20-40 ms
    to write). ``first_line``: the first row's number (2 in a sheet, below its column names)."""
    wh.drop_temp(*TEMP_TABLES)
    wh.temp_from_frame("landing_raw", "ingest/read_frame", "landing_frame", frame)
    delivered = wh.columns_of("landing_raw")
    chosen = resolve(name, delivered, spec)
    delivered += _nested_values(wh, Path(name), delivered, [], chosen)
    params = table_params(delivered, chosen)
    std, params = _standardise("ingest/landing_table", ((0, first_line),), spec, params)
    return Landing("ingest/reject_text_table", 0, std, params)


def _read_parquet(wh: Warehouse, path: Path, spec: Spec) -> Landing:
    try:
        with _plain_parquet(path) as plain:
            nested = [r[0] for r in wh.rows("ingest/parquet_nested_columns", path=str(plain))]
            if nested:  # kept as JSON (ingest/read_parquet_nested.sql)
                wh.materialize_temp(
                    "landing_raw", "ingest/read_parquet_nested", path=str(plain), nested=nested
                )
            else:
                wh.materialize_temp("landing_raw", "ingest/read_parquet", path=str(plain))
    except WarehouseError as exc:
        raise _fail_unreadable(path, "parquet", exc) from exc
    delivered = wh.columns_of("landing_raw")
    chosen = resolve(path.name, delivered, ga4.hinted(spec, delivered), nested=bool(nested))
    structured = {c: key for c, key in chosen.items() if key in nested}
    if structured:  # an id, a name or a time cannot be a struct or a list
        named = ", ".join(f"{c} ('{key}')" for c, key in structured.items())
        raise IngestError(
            f"{path.name}: {named} holds nested values (a struct, list or map), not one value "
            "per row; name one of its values with a dotted name (via.channel), or a column "
            "of plain values. Nothing was loaded from it"
        )
    delivered += _nested_values(wh, path, delivered, nested, chosen)
    params = table_params(delivered, chosen)
    std, params = _standardise("ingest/landing_table", ((0, 1),), spec, params)
    return Landing("ingest/reject_text_table", 0, std, params)


def _nested_values(
    wh: Warehouse,
    path: Path,
    delivered: list[str],
    nested: list[str],
    chosen: dict[str, str | None],
) -> list[str]:
    """Contract columns mapped to a value inside a nested column by a dotted name
    (``context.device.type``, as Segment and Snowplow exports nest them), added to
    ``landing_raw`` as columns of that name, read from the column's JSON as a JSON lines
    file's nested values are (``columns.nested_path``); returns their names. A dotted name
    whose first part is a column of plain values fails the file, naming it."""
    dotted = sorted({key for key in chosen.values() if key is not None and key not in delivered})
    plain = [key for key in dotted if key.split(".", 1)[0] not in nested]
    if plain:
        raise IngestError(
            f"{path.name}: {', '.join(repr(k) for k in plain)} names a value inside "
            f"'{plain[0].split('.', 1)[0]}', which holds plain values, not a struct; map the "
            "column itself. Nothing was loaded from it"
        )
    if dotted:
        parts = {key: key.split(".", 1) for key in dotted}  # the column, the path inside it
        wh.add_json_values("landing_raw", {k: (c, nested_path(p)) for k, (c, p) in parts.items()})
    return dotted


def text_codec(encoding: str, *, name: str) -> codecs.CodecInfo:
    """The codec of a configured text encoding; an unknown name, or a codec that is not a
    text encoding (``rot13``, ``base64``), fails naming the file."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        codec = None
    if codec is None or not getattr(codec, "_is_text_encoding", True):
        raise IngestError(
            f"{name}: encoding '{encoding}' is not a known text encoding; set the source's "
            "encoding to utf-8, utf-16 or latin-1"
        )
    return codec


@contextmanager
def _text_file(path: Path, encoding: str, *, plain: bool) -> Iterator[tuple[Path, Path]]:
    """(the file as UTF-8 text, a temporary folder). UTF-8 files are read as they are (and
    gzipped ones, unless ``plain`` asks for a file ingest/records.py can map); any other
    encoding is decoded by Python into a temporary UTF-8 copy first, because DuckDB's own
    decoders refuse whole files for one character: UTF-16 with any character outside the
    basic plane (an emoji), latin-1 with any byte from 0x80 to 0x9F."""
    codec = text_codec(encoding, name=path.name)
    packed = is_packed(path)
    with tempfile.TemporaryDirectory(prefix="journeys-landing-") as tmp:
        if codec.name == "utf-8" and not (packed and plain):
            yield path, Path(tmp)
            return
        copy = Path(tmp) / "landing.txt"
        try:
            with open_delivered(path) as raw, copy.open("wb") as out:
                if codec.name == "utf-8":
                    shutil.copyfileobj(raw, out, 1 << 20)
                else:
                    _decode(raw, out, codec)
        except UnicodeError as exc:
            raise IngestError(
                f"{path.name}: not readable as {encoding} ({exc}); check the file is complete "
                "and set the source's encoding. Nothing was loaded from it"
            ) from exc
        except GZIP_ERRORS as exc:  # a damaged or cut-off gzip stream
            raise unreadable(path, exc) from exc
        yield copy, Path(tmp)


def _decode(raw: Any, out: Any, codec: codecs.CodecInfo) -> None:
    if codec.name == "utf-16" and raw.peek(2)[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        codec = codecs.lookup("utf-16-le")  # no byte-order mark: little-endian
    reader = codec.streamreader(raw, "strict")
    while text := reader.read(1 << 20):
        out.write(text.encode("utf-8"))


@contextmanager
def _plain_parquet(path: Path) -> Iterator[Path]:
    """The Parquet file itself, or a temporary gunzipped copy of a ``.parquet.gz`` delivery
    (DuckDB reads gzipped CSV and JSON lines, but not gzipped Parquet)."""
    if not is_packed(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="journeys-landing-") as tmp:
        plain = Path(tmp) / "landing.parquet"
        try:
            with open_gzip(path) as packed, plain.open("wb") as out:
                shutil.copyfileobj(packed, out, 1 << 20)
        except GZIP_ERRORS as exc:
            raise IngestError(
                f"{path.name}: not a readable gzipped parquet file ({exc}); check the file is "
                "complete. Nothing was loaded from it"
            ) from exc
        yield plain
