"""Every line of a delivered file is counted apart from the reader: nothing lost, nothing merged.

A quote that never closes used to swallow the rest of a CSV file into one reject (issue #23:
25,000 of 50,000 rows gone, exit 0, the manifest reconciling); a delivered column named like an
internal one corrupted the load. The big files are generated into tmp_path by the tests.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from unittest.mock import patch

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.config import Settings, validate_settings
from journeys.errors import IngestError
from journeys.ingest import lines as line_scan
from journeys.ingest.load import load_file
from journeys.warehouse import Warehouse

TX_HEADER = "event_id,customer_id,order_id,event_type,occurred_at,amount,currency\n"
CRM_HEADER = "customer_id,email,phone,segment,created_at\n"


def tx_row(i: int, order: str | None = None) -> str:
    return f"e{i},c1,{order or f'O{i}'},order_placed,2026-03-01T10:00:00Z,1,EUR\n"


def write_rows(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def manifest(wh: Warehouse) -> dict[str, object]:
    [row] = wh.read_table("raw.manifest").rows(named=True)
    assert row["rows_read"] == row["rows_accepted"] + row["rows_rejected"] + row["duplicates"]
    return row


def rejects(wh: Warehouse) -> list[tuple[int, str, str]]:
    frame = wh.read_table("raw.rejects", order_by=["row_number"])
    return list(zip(frame["row_number"], frame["raw"], frame["reason"], strict=True))


@pytest.mark.parametrize("rows", [50_000, 100])
def test_an_unterminated_quote_rejects_its_line_and_the_rest_loads(tmp_path: Path, rows: int):
    bad = rows // 2
    lines = [tx_row(i) for i in range(1, rows + 1)]
    lines[bad - 1] = tx_row(bad, f'"O{bad} unterminated')
    path = write_rows(tmp_path / "tx.csv", TX_HEADER, lines)
    with Warehouse() as wh:
        load_file(wh, Settings(), "transactions", path)
        batch = manifest(wh)
        assert (batch["rows_read"], batch["rows_accepted"], batch["rows_rejected"]) == (
            rows,
            rows - 1,
            1,
        )
        [(line, raw, reason)] = rejects(wh)
        assert line == bad + 1 and raw == tx_row(bad, f'"O{bad} unterminated').strip()
        assert "quote" in reason
        loaded = wh.read_table(
            "raw.transactions", columns=["event_id", "_row_number"], order_by=["_row_number"]
        )
        assert loaded.height == rows - 1
        assert loaded["event_id"].to_list()[-1] == f"e{rows}"
        # every row keeps its own line: event e<i> sits on line i + 1
        numbers = loaded["event_id"].str.slice(1).cast(pl.Int64) + 1
        assert (numbers == loaded["_row_number"]).all()


def test_an_unterminated_quote_in_a_crm_export_loses_no_customer(tmp_path: Path):
    rows = [f"c{i},c{i}@x.example,,retail,2026-01-01\n" for i in range(1, 5001)]
    rows[2499] = 'c2500,"c2500@x.example,,retail,2026-01-01\n'
    path = write_rows(tmp_path / "crm.csv", CRM_HEADER, rows)
    with Warehouse() as wh:
        load_file(wh, Settings(), "customers", path)
        assert manifest(wh)["rows_accepted"] == 4999
        assert [line for line, _, _ in rejects(wh)] == [2501]
        assert wh.count("raw.customers") == 4999


def test_a_quote_closing_lines_later_does_not_merge_the_lines_between(tmp_path: Path):
    """The quote opened on one line pairs with the first quote of a later line: the reader made
    one bad record of the eleven lines."""
    lines = [tx_row(i) for i in range(1, 40)]
    lines[9] = tx_row(10, '"O10 unterminated')
    lines[19] = tx_row(20, '"O, 20"')
    path = write_rows(tmp_path / "tx.csv", TX_HEADER, lines)
    with Warehouse() as wh:
        load_file(wh, Settings(), "transactions", path)
        assert (manifest(wh)["rows_read"], manifest(wh)["rows_accepted"]) == (39, 38)
        assert [line for line, _, _ in rejects(wh)] == [11]
        orders = dict(wh.read_table("raw.transactions", columns=["event_id", "order_id"]).rows())
        assert orders["e20"] == "O, 20" and "e11" in orders


def test_records_over_several_lines_and_blank_lines_keep_exact_line_numbers(tmp_path: Path):
    body = (
        TX_HEADER
        + "\n"
        + tx_row(1, '"two\nlines"')
        + "\n\n"
        + tx_row(2, '"three\n\nlines"')
        + "e3,c1,O3\n"  # too few columns: rejected on its own line
        + tx_row(4)
    )
    path = tmp_path / "tx.csv"
    path.write_text(body, encoding="utf-8")
    with Warehouse() as wh:
        load_file(wh, Settings(), "transactions", path)
        assert (manifest(wh)["rows_read"], manifest(wh)["rows_rejected"]) == (4, 1)
        assert [line for line, _, _ in rejects(wh)] == [10]
        columns = ["event_id", "order_id", "_row_number"]
        loaded = wh.read_table("raw.transactions", columns=columns, order_by=["_row_number"])
        assert loaded.rows() == [
            ("e1", "two\nlines", 3),
            ("e2", "three\n\nlines", 7),
            ("e4", "O4", 11),
        ]


def test_a_record_over_lines_with_the_wrong_field_count_is_read_line_by_line(tmp_path: Path):
    lines = [tx_row(1), 'e2,c1,"O2\n', 'still O2",order_placed\n', tx_row(3)]
    path = write_rows(tmp_path / "tx.csv", TX_HEADER, lines)
    with Warehouse() as wh:
        load_file(wh, Settings(), "transactions", path)
        batch = manifest(wh)
        assert (batch["rows_read"], batch["rows_accepted"], batch["rows_rejected"]) == (4, 2, 2)
        assert [line for line, _, _ in rejects(wh)] == [3, 4]


def test_gzipped_and_utf16_files_are_counted_the_same(tmp_path: Path):
    lines = [tx_row(i, '"x' if i == 3 else None) for i in range(1, 8)]
    text = TX_HEADER + "".join(lines)
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "b.csv").write_bytes(text.encode("utf-16"))
    for name, encoding in (("a.csv.gz", "utf-8"), ("b.csv", "utf-16")):
        settings = validate_settings({"sources": {"transactions": {"encoding": encoding}}})
        with Warehouse() as wh:
            load_file(wh, settings, "transactions", tmp_path / name)
            assert (manifest(wh)["rows_read"], manifest(wh)["rows_accepted"]) == (7, 6)
            assert [line for line, _, _ in rejects(wh)] == [4]


def test_a_jsonl_line_the_reader_rejects_does_not_shift_the_lines_after_it(tmp_path: Path):
    good = [
        {"event_id": f"w{i}", "anonymous_id": "a", "event_type": "page_view",
         "occurred_at": "2026-03-01T10:00:00Z"}
        for i in range(1, 5)
    ]  # fmt: skip
    body = (
        (json.dumps(good[0]) + "\n").encode()
        + '{"event_id": "café"}\n'.encode("latin-1")  # not UTF-8: the reader rejects it
        + "".join(json.dumps(g) + "\n" for g in good[1:]).encode()
    )
    path = tmp_path / "web.jsonl"
    path.write_bytes(body)
    with Warehouse() as wh:
        load_file(wh, Settings(), "web", path)
        assert (manifest(wh)["rows_read"], manifest(wh)["rows_rejected"]) == (5, 1)
        assert [line for line, _, _ in rejects(wh)] == [2]
        lines = dict(wh.read_table("raw.web", columns=["event_id", "_row_number"]).rows())
        assert lines == {"w1": 1, "w2": 3, "w3": 4, "w4": 5}


def test_a_jsonl_line_split_by_a_bare_carriage_return_fails_the_file_naming_it(tmp_path: Path):
    path = tmp_path / "web.jsonl"
    path.write_bytes(b'{"event_id": "w1"}\n{"event_id":\r"w2"}\n{"event_id": "w3"}\n')
    with Warehouse() as wh, pytest.raises(IngestError, match=r"web\.jsonl: .* from line 2 on"):
        load_file(wh, Settings(), "web", path)


INTERNAL = ["_line", "_v", "_rowid", "_skip", "attributes", "_parse_error", "file_row_number"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_delivered_columns_named_like_internal_ones_are_attributes(tmp_path: Path, fmt: str):
    rows = [
        {"event_id": "w1", "anonymous_id": "a1", "event_type": "page_view",
         "occurred_at": "2026-03-01T10:00:00Z"},
        {"event_id": "w2", "anonymous_id": "", "event_type": "page_view",
         "occurred_at": "2026-03-01T10:01:00Z"},  # no visitor: rejected
    ]  # fmt: skip
    rows = [row | {name: f"{name}-{i}" for name in INTERNAL} for i, row in enumerate(rows)]
    frame = pl.DataFrame(rows)
    path = tmp_path / f"web.{fmt}"
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "jsonl":
        frame.write_ndjson(path)
    else:
        frame.write_parquet(path)
    with Warehouse() as wh:
        load_file(wh, Settings(), "web", path)
        assert (manifest(wh)["rows_accepted"], manifest(wh)["rows_rejected"]) == (1, 1)
        [row] = wh.read_table("raw.web").rows(named=True)
        assert (row["event_id"], row["_row_number"]) == ("w1", 2 if fmt == "csv" else 1)
        assert json.loads(row["attributes"]) == {name: f"{name}-0" for name in INTERNAL}
        [(line, raw, _)] = rejects(wh)
        assert line == (3 if fmt == "csv" else 2)
        assert json.loads(raw)["_line"] == "_line-1"


def reference_lines(data: bytes, head: int) -> tuple[int, list[int], list[int], list[int]]:
    """(lines, blank, odd-quote, bare-CR line numbers) the slow way."""
    newline = b"\r" if b"\n" not in data[:head] and b"\r" in data[:head] else b"\n"
    lines = data.split(newline)
    if lines[-1] == b"":
        lines.pop()
    empty = (b"", b"\r") if newline == b"\n" else (b"",)  # a lone CR before the LF is blank
    blank = [n for n, line in enumerate(lines, 1) if line in empty]
    odd = [n for n, line in enumerate(lines, 1) if line.count(b'"') % 2]
    bare = []
    if newline == b"\n":
        for n, line in enumerate(lines, 1):
            ended = n < len(lines) or data.endswith(b"\n")
            body = line[:-1] if ended and line.endswith(b"\r") else line
            if b"\r" in body:
                bare.append(n)
    return len(lines), blank, odd, bare


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b",", b'"', b"\n", b"\r", b"\r\n", b" "]), max_size=60),
    chunk=st.sampled_from([1, 2, 3, 7, 64]),
    head=st.sampled_from([1, 2, 5, 100]),
)
def test_the_line_scan_counts_like_splitting_the_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: list[bytes], chunk: int, head: int
):
    """numpy reads the file in chunks; a line (its quotes, its CRLF) may straddle two."""
    body = b"".join(data) or b"a"
    path = tmp_path_factory.mktemp("scan") / "f.csv"
    path.write_bytes(body)
    with patch.object(line_scan, "_CHUNK", chunk), patch.object(line_scan, "_HEAD", head):
        scan = line_scan.scan_lines(path)
        count = line_scan.count_lines(path)
    lines, blank, odd, bare = reference_lines(body, head)
    got = (scan.lines, scan.blank.tolist(), scan.odd.tolist(), scan.bare_cr.tolist())
    assert got == (lines, blank, odd, bare)
    assert (count.lines, count.bare_cr) == (lines, bare[0] if bare else 0)


@pytest.mark.parametrize(
    "bad",
    [
        'e5,c1,"O5"x,order_placed,2026-03-01T10:00:00Z,1,EUR\n',  # text after a closing quote
        'e5,c1,5" x,"order_placed,2026-03-01T10:00:00Z,1,EUR\n',  # its quotes balance
    ],
    ids=["text-after-quote", "balanced-but-open"],
)
def test_a_quote_the_sniffer_trips_on_is_rejected_alone(tmp_path: Path, bad: str):
    """Lines whose quotes balance are not looked at first; the reader's sniffer refused the
    whole file for them, so every quoted line is matched and the bad one kept apart."""
    lines = [tx_row(i) for i in range(1, 10)]
    lines[4] = bad
    path = write_rows(tmp_path / "tx.csv", TX_HEADER, lines)
    with Warehouse() as wh:
        load_file(wh, Settings(), "transactions", path)
        assert (manifest(wh)["rows_read"], manifest(wh)["rows_accepted"]) == (9, 8)
        assert [line for line, _, _ in rejects(wh)] == [6]


def test_a_file_whose_lines_end_both_in_crlf_and_lf_is_read_whole(wh: Warehouse, tmp_path: Path):
    """A header written with LF and rows with CRLF (files joined from two systems): DuckDB's
    sniffer refused the file whole ("Error when sniffing file"; run again, report this line).
    Every row is read now, no value ends in a CR, and a CRLF inside a quoted field is kept as
    the field's value."""
    body = (
        b"event_id,customer_id,order_id,event_type,occurred_at,amount,currency,note\n"
        b'e1,c1,O1,order_placed,2026-03-01T10:00:00Z,1,EUR,"two\r\nlines"\r\n'
        b"e2,c1,O1,order_paid,2026-03-01T11:00:00Z,1,EUR,plain\r\n"
        b"e3,c2,O2,order_placed,2026-03-02T10:00:00Z,2,EUR,last\r\n"
    )
    path = tmp_path / "joined.csv"
    path.write_bytes(body)
    result = load_file(wh, Settings(), "transactions", path)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 3, 0)
    raw = wh.read_table("raw.transactions").sort("event_id")
    assert raw["currency"].to_list() == ["EUR", "EUR", "EUR"]
    notes = [json.loads(a)["note"] for a in raw["attributes"].to_list()]
    assert notes == ["two\r\nlines", "plain", "last"]


def test_a_report_title_above_the_column_names_is_named_with_the_fix(wh: Warehouse, tmp_path: Path):
    """A BI tool's export with its title first: the title was read as the file's only column
    ('missing column(s) event_id, ...; the file has Order export 2024-03')."""
    path = tmp_path / "orders.csv"
    path.write_text("Order export 2024-03\n\n" + TX_HEADER + tx_row(1))
    with pytest.raises(IngestError) as refused:
        load_file(wh, Settings(), "transactions", path)
    assert str(refused.value) == (
        "[ingest] orders.csv: line 1 ('Order export 2024-03') holds no delimiter, but line 3 "
        "('event_id,customer_id,order_id,event_type,occurred_at,amou...') does: the column "
        "names must come first; delete the 2 lines above them (a report's title?). Nothing was "
        "loaded from it"
    )
    path.write_text(TX_HEADER + tx_row(1))
    assert load_file(wh, Settings(), "transactions", path).rows_accepted == 1
