"""The text encoding of a delivered CSV or JSON-lines file: the configured one (``--encoding``,
a source's ``encoding:``), a byte-order mark that says otherwise, and the refusal that names the
fix when a file read as UTF-8 is not (a Windows export in cp1252 is the common case)."""

from __future__ import annotations

import codecs
from pathlib import Path

from journeys.errors import IngestError
from journeys.ingest.contracts import read_head

_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte-order marks no UTF-8 text opens with (0xFF and 0xFE never occur in UTF-8), longest
first: UTF-32 LE's mark begins with UTF-16 LE's."""
_UTF8 = ("utf-8", "utf-8-sig")
_CHUNK = 1 << 20


def is_utf8(encoding: str) -> bool:
    """Whether ``encoding`` names UTF-8 (any spelling; with or without a byte-order mark)."""
    try:
        return codecs.lookup(encoding).name in _UTF8
    except LookupError:
        return False


def is_wide(encoding: str) -> bool:
    """Whether ``encoding`` writes two or four bytes a character (UTF-16, UTF-32)."""
    try:
        return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


def marked_encoding(head: bytes, configured: str) -> str:
    """The encoding to read a file whose first bytes are ``head`` in: ``configured``, unless
    that is UTF-8 (the default) and the file opens with a UTF-16 or UTF-32 byte-order mark, as
    Excel's "Unicode Text" export and many Windows tools write it; the mark then decides, as
    Excel and LibreOffice read it."""
    if not is_utf8(configured):
        return configured
    return next((name for mark, name in _MARKS if head.startswith(mark)), configured)


def text_encoding(path: Path, configured: str) -> str:
    """``marked_encoding`` of ``path``, for a caller that has not read its first bytes."""
    if not is_utf8(configured):
        return configured  # no need to read the file
    return marked_encoding(read_head(path, 4), configured)


def first_not_utf8(path: Path) -> tuple[int, int, int] | None:
    """(line, position in it from 1, byte) of the first byte of ``path`` that is not UTF-8
    text; None when it all is. Read in chunks; only a file its reader has refused pays it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, position = 1, 0  # position: of the chunk's first byte in its line
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:  # its object: the chunk after any bytes held
                bad = exc.object  # back from the one before (a character cut in two)
                start = exc.start
                held = len(bad) - len(chunk)  # counted in position already
                newline = bad.rfind(b"\n", 0, start)
                at = start - newline if newline >= 0 else position - held + start + 1
                return line + bad.count(b"\n", 0, start), at, bad[start]
            if not chunk:
                return None
            line += chunk.count(b"\n")
            newline = chunk.rfind(b"\n")
            position = len(chunk) - newline - 1 if newline >= 0 else position + len(chunk)


def check_header(path: Path, head: bytes, encoding: str) -> None:
    """Refuse a CSV whose column names are not in ``encoding`` (UTF-8 unless configured): the
    reader then takes the header for a row of data, and the file's columns would be reported
    missing. (A row in another encoding is rejected with its reason; the header is every row's.)
    """
    if not is_utf8(encoding):  # decoded by Python into UTF-8 before the reader sees it (or
        return  # not an encoding: the reader names the setting, landing.text_codec)
    line, newline, _ = head.removeprefix(codecs.BOM_UTF8).partition(b"\n")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not newline and exc.start >= len(line) - 3:
            return  # the head cut a character of a long header in two
        raise _refusal(path.name, line, exc, "line 1 (the column names)") from None


def utf8_lines(name: str, head: bytes, encoding: str) -> bytes:
    """The complete lines of a text file's first bytes (``read_head``) as UTF-8, for a reader
    that takes UTF-8 only (polars' JSON lines); a file read as UTF-8 that is not is refused
    naming its line."""
    if is_utf8(encoding):
        lines = head[: head.rfind(b"\n") + 1] or head
        try:
            lines.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _refusal(name, lines, exc) from None
        return lines
    text = head.decode(encoding, errors="replace")
    return text[: text.rfind("\n") + 1].encode("utf-8") or text.encode("utf-8")


def _refusal(name: str, data: bytes, exc: UnicodeDecodeError, where: str = "") -> IngestError:
    """``not_utf8`` of the byte ``exc`` found in ``data`` (text from its first line on): its
    line (``where`` names it otherwise) and its position in that line."""
    start = exc.start
    line = data.count(b"\n", 0, start) + 1
    at = start - data.rfind(b"\n", 0, start)
    return not_utf8(name, where or f"line {line}", at, data[start])


def not_utf8(name: str, where: str, position: int, byte: int) -> IngestError:
    """The refusal of a file that is not UTF-8 text: where (the line; the byte's position in it
    from 1), the byte, what it reads as in cp1252 (Windows) and how to name the encoding."""
    shown = bytes([byte]).decode("cp1252", errors="replace")
    as_cp1252 = f", '{shown}' in cp1252" if shown.isprintable() and shown != "\ufffd" else ""
    return IngestError(
        f"{name}: {where} is not UTF-8 text (byte 0x{byte:02x} at position {position}"
        f"{as_cp1252}); the file is in "
        "another encoding, e.g. cp1252 from Excel on Windows: name it with --encoding cp1252 "
        "(import-log) or `encoding: cp1252` under the source in journeys.yaml. Nothing was "
        "loaded from it"
    )
