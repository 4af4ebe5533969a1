"""Read one delivered file into the temp table ``landing_std``: contract columns as text.

Every delivered row ends up in ``landing_std`` (with its ``_line``) or, when the reader cannot
parse it at all, in ``landing_parse_rejects``. The row as delivered is not copied along: the
``RawText`` that ``read_landing`` returns selects it by ``_line``, for the rows that are rejected.
A file that is not its declared format, or lacks contract columns, raises ``IngestError`` and
nothing is kept.
"""

from __future__ import annotations

import codecs
import gzip
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journeys.errors import IngestError, WarehouseError
from journeys.warehouse import Warehouse, quote_ident

PARSE_REJECT_TABLES = ("landing_rejects", "landing_scans")
TEMP_TABLES = (
    "landing_raw",
    "landing",
    "landing_lines",
    "landing_std",
    "landing_marked",
    "landing_reject_text",
    "landing_parse_rejects",
    "raw_keys",
    *PARSE_REJECT_TABLES,
)


MISSING_FIX = (
    "rename them in the export or map them under sources.<source>.column_map (e.g. occurred_at: ts)"
)


@dataclass(frozen=True)
class RawText:
    """How to read a delivered row as text (the JSON line, or a JSON object of a CSV/Parquet
    row's fields): the expression ``text`` over the temp relation ``source``, with ``params``."""

    text: str
    source: str
    params: dict[str, Any]

    def select(self, lines: str) -> str:
        """``_line, _raw`` of the rows whose ``_line`` the SELECT ``lines`` returns; the filter
        comes first, so only those rows are turned into text."""
        return (
            f"SELECT _line, CAST({self.text} AS VARCHAR) AS _raw FROM {self.source} "
            f"WHERE _line IN ({lines})"
        )


@dataclass(frozen=True)
class _Spec:
    columns: tuple[str, ...]
    column_map: dict[str, str]
    optional: tuple[str, ...]
    missing_fix: str


def read_landing(
    wh: Warehouse,
    path: Path,
    *,
    fmt: str,
    columns: Sequence[str],
    column_map: dict[str, str],
    encoding: str = "utf-8",
    optional: Sequence[str] = (),
    missing_fix: str = MISSING_FIX,
) -> RawText:
    """Fill ``landing_std`` (and ``landing_parse_rejects``) from ``path``; return how to select
    a row's delivered text by its ``_line``."""
    wh.drop_temp(*TEMP_TABLES)
    spec = _Spec(tuple(columns), column_map, tuple(optional), missing_fix)
    if fmt == "jsonl":
        return _read_jsonl(wh, path, spec, encoding)
    if fmt in ("csv", "parquet"):
        return _read_table(wh, path, fmt, spec, encoding)
    raise IngestError(
        f"{path.name}: format '{fmt}' is not supported here; use csv, jsonl or parquet"
    )


def _fail_unreadable(path: Path, fmt: str, exc: WarehouseError) -> IngestError:
    detail = str(exc).split(": ", 2)[-1][:200]
    return IngestError(
        f"{path.name}: not a readable {fmt} file ({detail}); check the file is complete and "
        f"really {fmt}, or set the source's format in the configuration. Nothing was loaded from it"
    )


def _resolve_columns(path: Path, delivered: Sequence[str], spec: _Spec) -> dict[str, str | None]:
    """Contract column -> delivered column (exact name, else case/space-insensitive)."""
    loose = {c.strip().lower(): c for c in delivered}
    chosen: dict[str, str | None] = {}
    missing: list[str] = []
    for column in spec.columns:
        wanted = spec.column_map.get(column, column)
        if wanted in delivered:
            chosen[column] = wanted
        elif wanted.strip().lower() in loose:
            chosen[column] = loose[wanted.strip().lower()]
        elif column in spec.optional:
            chosen[column] = None
        else:
            missing.append(column if wanted == column else f"{column} (mapped to '{wanted}')")
    if missing:
        seen = ", ".join(delivered[:12]) + (" …" if len(delivered) > 12 else "")
        raise IngestError(
            f"{path.name}: missing column(s) {', '.join(missing)}; the file has {seen}. "
            f"To fix, {spec.missing_fix}. Nothing was loaded from it"
        )
    return chosen


def _read_table(wh: Warehouse, path: Path, fmt: str, spec: _Spec, encoding: str) -> RawText:
    try:
        if fmt == "csv":
            with _utf8_text(path, encoding) as (readable, enc):
                wh.materialize_temp(
                    "landing_raw", "ingest/read_csv", path=str(readable), encoding=enc
                )
            wh.materialize_temp("landing_parse_rejects", "ingest/parse_rejects")
            wh.view_temp("landing", "ingest/number_csv_rows")  # read once, by landing_std
        else:
            with _plain_parquet(path) as plain:
                wh.materialize_temp("landing", "ingest/read_parquet", path=str(plain))
    except WarehouseError as exc:
        raise _fail_unreadable(path, fmt, exc) from exc
    delivered = [c for c in wh.columns_of("landing") if c != "_line"]
    chosen = _resolve_columns(path, delivered, spec)
    used = {c for c in chosen.values() if c}
    extras = [c for c in delivered if c not in used]
    params: dict[str, str] = {}
    select = [
        (f"CAST({quote_ident(src)} AS VARCHAR)" if src else "CAST(NULL AS VARCHAR)")
        + f" AS {quote_ident(col)}"
        for col, src in chosen.items()
    ]
    select.append(_json_object(extras, params, "a") + " AS attributes")
    select.append("_line")
    select.append("CAST(NULL AS VARCHAR) AS _parse_error")
    wh.materialize_temp("landing_std", select=f"SELECT {', '.join(select)} FROM landing", **params)
    raw: dict[str, Any] = {}
    text = _json_object(delivered, raw, "r")
    return RawText(text, "landing", raw)


@contextmanager
def _utf8_text(path: Path, encoding: str) -> Iterator[tuple[Path, str]]:
    """The text file and the encoding DuckDB reads it in: UTF-8 files as they are; any other
    encoding is decoded by Python into a temporary UTF-8 copy first, because DuckDB's own
    decoders refuse whole files for one character: UTF-16 with any character outside the
    basic plane (an emoji), latin-1 with any byte from 0x80 to 0x9F."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise IngestError(
            f"{path.name}: encoding '{encoding}' is not known; set the source's encoding to "
            "utf-8, utf-16 or latin-1"
        ) from None
    if codec.name == "utf-8":
        yield path, "utf-8"
        return
    opener = gzip.open if path.name.lower().endswith((".gz", ".gzip")) else open
    with tempfile.TemporaryDirectory(prefix="journeys-landing-") as tmp:
        plain = Path(tmp) / "landing.txt"
        try:
            with opener(path, "rb") as raw, plain.open("w", encoding="utf-8", newline="") as out:
                if codec.name == "utf-16" and raw.peek(2)[:2] not in (b"\xff\xfe", b"\xfe\xff"):
                    codec = codecs.lookup("utf-16-le")  # no byte-order mark: little-endian
                shutil.copyfileobj(codec.streamreader(raw, errors="strict"), out, 1 << 20)
        except (OSError, EOFError, UnicodeError) as exc:
            raise IngestError(
                f"{path.name}: not readable as {encoding} ({exc}); check the file is complete "
                "and set the source's encoding. Nothing was loaded from it"
            ) from exc
        yield plain, "utf-8"


@contextmanager
def _plain_parquet(path: Path) -> Iterator[Path]:
    """The Parquet file itself, or a temporary gunzipped copy of a ``.parquet.gz`` delivery
    (DuckDB reads gzipped CSV and JSON lines, but not gzipped Parquet)."""
    if not path.name.lower().endswith((".gz", ".gzip")):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="journeys-landing-") as tmp:
        plain = Path(tmp) / "landing.parquet"
        try:
            with gzip.open(path, "rb") as packed, plain.open("wb") as out:
                shutil.copyfileobj(packed, out, 1 << 20)
        except (OSError, EOFError) as exc:
            raise IngestError(
                f"{path.name}: not a readable gzipped parquet file ({exc}); check the file is "
                "complete. Nothing was loaded from it"
            ) from exc
        yield plain


def _json_object(names: Sequence[str], params: dict[str, str], prefix: str) -> str:
    if not names:
        return "CAST(NULL AS JSON)"
    parts = []
    for i, name in enumerate(names):
        key = f"{prefix}{i}"
        params[key] = name
        parts.append(f"${key}, CAST({quote_ident(name)} AS VARCHAR)")
    return f"json_object({', '.join(parts)})"


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_jsonl(wh: Warehouse, path: Path, spec: _Spec, encoding: str) -> RawText:
    try:
        with _utf8_text(path, encoding) as (readable, enc):
            lines = wh.materialize_temp(
                "landing_lines", "ingest/read_jsonl", path=str(readable), encoding=enc
            )
        wh.materialize_temp("landing_parse_rejects", "ingest/parse_rejects")
    except WarehouseError as exc:
        raise _fail_unreadable(path, "jsonl", exc) from exc
    keys = wh.query("ingest/jsonl_keys")["key"].to_list()
    if lines and not keys:
        raise IngestError(
            f"{path.name}: no line is a JSON object, so this is not a JSON-lines file; export "
            "one JSON object per line, or set the source's format. Nothing was loaded from it"
        )
    chosen = _resolve_columns(path, keys, spec)
    # Every wanted key is read in one parse of the line (a list of paths), not one per column.
    present = [key for key in chosen.values() if key is not None]
    params: dict[str, Any] = {"paths": [_json_path(key) for key in present]}
    select = []
    for col, key in chosen.items():
        value = f"_values[{present.index(key) + 1}]" if key is not None else "NULL"
        select.append(f"CAST({value} AS VARCHAR) AS {quote_ident(col)}")
    extras = [key for key in keys if key not in set(present)]
    if extras:
        params["extra_paths"] = [_json_path(key) for key in extras]
        pairs = []
        for i, key in enumerate(extras):
            params[f"k{i}"] = key
            pairs.append(f"$k{i}, _extras[{i + 1}]")
        select.append(f"CASE WHEN _object THEN json_object({', '.join(pairs)}) END AS attributes")
        extract_extras = ", CASE WHEN _object THEN json_extract(line, $extra_paths) END AS _extras"
    else:
        select.append("CAST(NULL AS JSON) AS attributes")
        extract_extras = ""
    select += [
        "_line",
        "CASE WHEN NOT _valid THEN 'line is not valid JSON; each line must be one JSON object' "
        "WHEN NOT _object THEN 'line is JSON but not an object; each line must be one JSON "
        "object' END AS _parse_error",
    ]
    wh.materialize_temp(
        "landing_std",
        select=(
            f"SELECT {', '.join(select)} FROM ("
            "SELECT *, CASE WHEN _object THEN json_extract_string(line, $paths) END AS _values"
            f"{extract_extras} FROM ("
            "SELECT line, _line, _valid, "
            "CASE WHEN _valid THEN json_type(line) = 'OBJECT' ELSE false END AS _object "
            "FROM (SELECT *, json_valid(line) AS _valid FROM landing_lines)))"
        ),
        **params,
    )
    return RawText("line", "landing_lines", {})
