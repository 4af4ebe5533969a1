"""Delivered text in the encodings real exports use: a UTF-16 file with its byte-order mark (Excel's
"Unicode Text", tab-separated) read without being told, and a Windows export read as UTF-8
refused naming the line, the byte and the option, never "not a readable csv file"."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest import encodings
from journeys.ingest.eventlog import import_log
from journeys.ingest.load import load_source
from journeys.warehouse import Warehouse

UNICODE_TEXT = (
    "Case ID\tActivity\tComplete Timestamp\tResource\r\n"
    "000017\tPrüfung\t2024/03/02 18:34:00.000\tSøren\r\n"
    "000017\tFreigabe 5 €\t2024/03/04 03:18:00.000\tZoë\r\n"
)
"""Excel's "Save as Unicode Text": UTF-16 little-endian with its mark, tabs, CRLF."""
COLUMNS = {"case_col": "Case ID", "activity_col": "Activity", "timestamp_col": "Complete Timestamp"}
GERMAN_EXPORT = (
    "case;activity;time;amount;who\n"
    "000001;Auftrag angelegt;02.03.2024 00:40;583,97;Müller\r\n"
    "000001;Prüfung;02.03.2024 18:34;121,63;Søren\r\n"
)
"""A German export on Windows (cp1252, semicolons, decimal commas), its header written with LF:
DuckDB's sniffer refuses it whole ("Error when sniffing file"), where a file of one kind of line
end has its rows rejected one by one, each naming the encoding (tests/test_eventlog.py)."""


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_file_with_a_utf16_or_utf32_mark_is_read_without_encoding(
    wh: Warehouse, tmp_path: Path, codec: str
):
    """Was: the column names read as 'C\\x00a\\x00s\\x00e…' (UTF-16 read as UTF-8) and every
    flag "missing"; the mark says which encoding it is (0xFF and 0xFE never occur in UTF-8)."""
    path = tmp_path / "export.txt"
    mark = {"utf-16": b"", "utf-16-be": b"\xfe\xff", "utf-32": b""}[codec]
    path.write_bytes(mark + UNICODE_TEXT.encode(codec))
    with pytest.raises(IngestError) as missing:
        import_log(wh, Settings(), path)
    assert "The file's columns: Case ID, Activity, Complete Timestamp, Resource." in str(
        missing.value
    )
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (2, 0)
    activities = sorted(wh.read_table("raw.log")["activity"].to_list())
    assert activities == ["Freigabe 5 €", "Prüfung"]
    assert sorted(wh.read_table("raw.log")["case_id"].to_list()) == ["000017", "000017"]


def test_a_source_file_with_a_utf16_mark_loads_under_the_default_encoding(
    wh: Warehouse, tmp_path: Path
):
    header = "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
    rows = "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,19.90,EUR\n"
    path = tmp_path / "orders.csv"
    path.write_bytes((header + rows).encode("utf-16"))
    [batch] = load_source(wh, Settings(), "transactions", [path])
    assert (batch.rows_accepted, batch.rows_rejected) == (1, 0)


def test_a_windows_export_the_reader_cannot_sniff_names_the_encoding(wh: Warehouse, tmp_path: Path):
    """Was: "not a readable csv file (Error when sniffing file …; run again; if it fails again,
    report this line)". Nothing is loaded; with the encoding named every row is."""
    path = tmp_path / "vorgaenge.csv"
    path.write_bytes(GERMAN_EXPORT.encode("cp1252"))
    columns = {"case_col": "case", "activity_col": "activity", "timestamp_col": "time"}
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), path, date_format="%d.%m.%Y %H:%M", **columns)
    assert str(refused.value) == (
        "[ingest] vorgaenge.csv: line 2 is not UTF-8 text (byte 0xfc at position 50, 'ü' in "
        "cp1252); the file is in another encoding, e.g. cp1252 from Excel on Windows: name it "
        "with --encoding cp1252 (import-log) or `encoding: cp1252` under the source in "
        "journeys.yaml. Nothing was loaded from it"
    )
    assert wh.count("raw.manifest") == 0
    again = import_log(
        wh, Settings(), path, date_format="%d.%m.%Y %H:%M", encoding="cp1252", **columns
    )
    assert (again.batch.rows_accepted, again.batch.rows_rejected) == (2, 0)


def test_json_lines_in_cp1252_are_refused_by_line_and_read_when_named(
    wh: Warehouse, tmp_path: Path
):
    """Was: "cannot read the column names (stream did not contain valid UTF-8 at line 0)";
    UTF-16 JSON lines with their mark were refused the same way."""
    lines = (
        '{"case": "1", "activity": "Anlage", "time": "2024-03-01T10:00:00Z"}\n'
        '{"case": "1", "activity": "Prüfung", "time": "2024-03-02T10:00:00Z"}\n'
    )
    columns = {"case_col": "case", "activity_col": "activity", "timestamp_col": "time"}
    windows = tmp_path / "windows.jsonl"
    windows.write_bytes(lines.encode("cp1252"))
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), windows, **columns)
    assert "windows.jsonl: line 2 is not UTF-8 text (byte 0xfc at position 30, 'ü' in" in str(
        refused.value
    )
    assert import_log(wh, Settings(), windows, encoding="cp1252", **columns).batch.rows_accepted
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(lines.replace('"1"', '"2"').encode("utf-16"))  # other events
    assert import_log(wh, Settings(), wide, **columns).batch.rows_accepted == 2


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_the_first_byte_not_utf8_is_found_across_read_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
):
    """A character cut by a chunk's end, a byte that opens a three-byte character (cp1252's
    'ë', 0xEB) followed by a line end: the line and position are the byte's own."""
    path = tmp_path / "mixed.csv"
    path.write_bytes("a;b\nPrüfung;x\n".encode() + "Zoë;y\n".encode("cp1252"))
    monkeypatch.setattr(encodings, "_CHUNK", chunk)
    assert encodings.first_not_utf8(path) == (3, 3, 0xEB)
    path.write_bytes("a;b\nPrüfung;x\n".encode())
    assert encodings.first_not_utf8(path) is None
