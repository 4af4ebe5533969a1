"""Ingest: every delivered row is accepted or kept in raw.rejects; batches reconcile."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from pathlib import Path

import polars as pl
import pytest

from journeys import steps
from journeys.cli import main
from journeys.config import Settings, SourceSettings, validate_settings
from journeys.errors import IngestError
from journeys.ingest.hashing import ContentHashes
from journeys.ingest.load import load_file, load_source
from journeys.publish import open_published, open_work, work_path
from journeys.warehouse import Warehouse

TX_HEADER = "event_id,customer_id,order_id,event_type,occurred_at,amount,currency,sales_channel\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def manifest(wh: Warehouse) -> pl.DataFrame:
    return wh.read_table("raw.manifest")


def test_batch_reconciles_and_keeps_every_bad_row(wh: Warehouse, tmp_path: Path):
    path = write(
        tmp_path,
        "tx.csv",
        TX_HEADER
        + "t1,c1,o1,order_placed,2026-03-01T10:00:00+01:00,19.90,EUR,web\n"
        + "t2,c1,o1,payment_captured,yesterday,19.90,EUR,web\n"
        + "t3,c1,o1\n"
        + "t1,c1,o1,order_placed,2026-03-01T10:00:00+01:00,19.90,EUR,web\n"
        + "t4,c1,o1,payment_captured,2026-03-01T10:05:00+01:00,abc,EUR,web\n"
        + "t5,c1,o1,payment_captured,2026-03-01T10:06:00+01:00,19.90,EUR,web\n",
    )
    [batch] = load_source(wh, Settings(), "transactions", [path])
    assert (batch.rows_read, batch.rows_accepted, batch.rows_rejected, batch.duplicates) == (
        6,
        2,
        3,
        1,
    )
    rejects = wh.read_table("raw.rejects", order_by=["row_number"])
    assert rejects["row_number"].to_list() == [3, 4, 6]
    reasons = rejects["reason"].to_list()
    assert "occurred_at is not a timestamp" in reasons[0]
    assert "could not be parsed" in reasons[1]
    assert "amount is not a number" in reasons[2]
    assert rejects["raw"][1] == "t3,c1,o1"
    accepted = wh.read_table("raw.transactions", order_by=["_seq"])
    assert accepted.filter(~pl.col("_is_duplicate"))["event_id"].to_list() == ["t1", "t5"]
    # timestamps are normalised to UTC; extra columns are kept as attributes
    assert str(accepted["occurred_at_utc"][0]) == "2026-03-01 09:00:00+00:00"
    assert '"sales_channel":"web"' in accepted["attributes"][0]


def test_same_file_twice_changes_nothing(wh: Warehouse, tmp_path: Path):
    path = write(
        tmp_path, "tx.csv", TX_HEADER + "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,1,EUR,web\n"
    )
    load_source(wh, Settings(), "transactions", [path])
    before = {t: wh.count(f"raw.{t}") for t in ("transactions", "rejects", "manifest")}
    [again] = load_source(wh, Settings(), "transactions", [tmp_path])
    assert again.skipped and "already loaded" in again.note
    assert {t: wh.count(f"raw.{t}") for t in before} == before


def test_manifest_holds_each_files_sha256_and_a_changed_file_loads_again(
    wh: Warehouse, tmp_path: Path
):
    """A new path's hash is taken on a thread while the file is read (ingest/hashing.py); a
    path loaded before is hashed first and skipped when its bytes are the same."""
    row = "t{},c1,o1,order_placed,2026-03-01T10:00:00Z,1,EUR,web\n"
    path = write(tmp_path, "tx.csv", TX_HEADER + row.format(1))
    empty = write(tmp_path, "empty.csv", "")
    first = load_source(wh, Settings(), "transactions", [path, empty])
    path.write_text(TX_HEADER + row.format(1) + row.format(2), encoding="utf-8")
    [changed] = load_source(wh, Settings(), "transactions", [path])
    [same] = load_source(wh, Settings(), "transactions", [path])
    assert [b.skipped for b in [*first, changed, same]] == [False, False, False, True]
    assert changed.rows_read == 2 and same.note == f"already loaded in batch {changed.batch_id}"
    recorded = manifest(wh).sort("file_seq")
    assert recorded["content_hash"].to_list() == [
        hashlib.sha256((TX_HEADER + row.format(1)).encode()).hexdigest(),
        hashlib.sha256(b"").hexdigest(),
        hashlib.sha256(path.read_bytes()).hexdigest(),
    ]


def test_only_a_path_loaded_before_is_hashed_before_its_reading(wh: Warehouse, tmp_path: Path):
    old = write(tmp_path, "old.csv", TX_HEADER + "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,,,\n")
    load_source(wh, Settings(), "transactions", [old])
    new = write(tmp_path, "new.csv", "whatever")
    hashes = ContentHashes(wh, [old.resolve(), new.resolve()])
    assert hashes.known(old.resolve()) == hashlib.sha256(old.read_bytes()).hexdigest()
    assert hashes.known(new.resolve()) is None
    assert hashes.of(new.resolve()) == hashlib.sha256(b"whatever").hexdigest()


def test_a_cut_off_jsonl_gz_is_refused_naming_the_gzip_stream(wh: Warehouse, tmp_path: Path):
    """The lines are counted on a thread while DuckDB reads the file: the count's error (the
    stream ends early) is the one reported, as when it was counted first."""
    line = (
        '{{"event_id":"w{}","anonymous_id":"a1","event_type":"page_view",'
        '"occurred_at":"2026-03-01T09:00:00Z"}}\n'
    )
    body = gzip.compress("".join(line.format(i) for i in range(3000)).encode())
    path = write(tmp_path, "web.jsonl.gz", body[: len(body) // 2])
    [batch] = load_source(wh, Settings(), "web", [path])
    assert batch.refused and batch.rows_read == 0
    assert "not readable (Compressed file ended before the end-of-stream marker" in batch.note
    assert wh.count("raw.web") == 0


def test_unique_text_columns_are_stored_with_zstd(tmp_path: Path):
    """sql/ddl/raw_events.sql: ids, keys and delivered timestamps are written with zstd (twice as
    fast as DuckDB's automatic dictionary + FSST for unique text); columns of few values keep
    the automatic choice."""
    rows = "".join(
        f"t{i},c{i % 3},o{i},order_placed,2026-03-01T10:{i % 60:02d}:00Z,1,EUR,web\n"
        for i in range(500)
    )
    with Warehouse(tmp_path / "w.duckdb") as wh:  # in memory DuckDB compresses nothing
        load_source(wh, Settings(), "transactions", [write(tmp_path, "tx.csv", TX_HEADER + rows)])
        wh._run("CHECKPOINT")
        found = dict(
            wh._run(
                "SELECT column_name, any_value(compression) FROM "
                "pragma_storage_info('raw.transactions') WHERE segment_type = 'VARCHAR' "
                "GROUP BY column_name"
            )
        )
    assert {found["event_id"], found["occurred_at"]} == {"ZSTD"}
    assert found["event_type"] != "ZSTD" and found["currency"] != "ZSTD"


def test_raw_keeps_a_key_only_where_it_is_not_the_event_id(wh: Warehouse, tmp_path: Path):
    """ingest/append_events.sql: an event's duplicate key is its trimmed event_id, stored in
    raw only for an id delivered with spaces around it; a later delivery of either spelling is
    a duplicate all the same (ingest/raw_keys_events.sql)."""
    rows = ["t1,c1,o1,order_placed,2026-03-01T10:01:00Z,1,EUR,web\n",
            " t2 ,c1,o1,order_placed,2026-03-01T10:02:00Z,1,EUR,web\n"]  # fmt: skip
    load_source(
        wh, Settings(), "transactions", [write(tmp_path, "a.csv", TX_HEADER + "".join(rows))]
    )
    stored = dict(wh._run("SELECT event_id, _key FROM raw.transactions ORDER BY _seq"))
    assert stored == {"t1": None, " t2 ": "t2"}
    again = [" t1 ,c1,o1,order_placed,2026-03-01T10:01:00Z,1,EUR,web\n",
             "t2,c1,o1,order_placed,2026-03-01T10:02:00Z,1,EUR,web\n",
             "t3,c1,o1,order_placed,2026-03-01T10:03:00Z,1,EUR,web\n"]  # fmt: skip
    [batch] = load_source(
        wh, Settings(), "transactions", [write(tmp_path, "b.csv", TX_HEADER + "".join(again))]
    )
    assert (batch.rows_read, batch.rows_accepted, batch.duplicates) == (3, 1, 2)


def test_redelivery_under_another_name_is_all_duplicates(wh: Warehouse, tmp_path: Path):
    rows = [f"t{i},c1,o1,order_placed,2026-03-01T10:0{i}:00Z,1,EUR,web\n" for i in range(5)]
    first = write(tmp_path, "a.csv", TX_HEADER + "".join(rows))
    second = write(tmp_path, "b.csv", TX_HEADER + "".join(reversed(rows)))
    load_source(wh, Settings(), "transactions", [first])
    [batch] = load_source(wh, Settings(), "transactions", [second])
    assert (batch.rows_read, batch.rows_accepted, batch.duplicates) == (5, 0, 5)


def test_a_key_is_a_duplicate_by_its_text_not_by_its_hash(wh: Warehouse, tmp_path: Path):
    """ingest/landing_key_hits.sql finds the stored rows by the hash of a file's keys; only
    their key texts decide (landing_dups.sql). A stored row given the hash of t9 (as a collision
    of two keys would) leaves t9 new, and t1 delivered again is still found."""
    rows = [f"t{i},c1,o1,order_placed,2026-03-01T10:0{i}:00Z,1,EUR,web\n" for i in (1, 2)]
    load_source(
        wh, Settings(), "transactions", [write(tmp_path, "a.csv", TX_HEADER + "".join(rows))]
    )
    wh._run("UPDATE raw.transactions SET _key_hash = hash('t9') WHERE event_id = 't2'")
    again = ["t9,c1,o1,order_placed,2026-03-01T10:09:00Z,1,EUR,web\n", rows[0]]
    [batch] = load_source(
        wh, Settings(), "transactions", [write(tmp_path, "b.csv", TX_HEADER + "".join(again))]
    )
    assert (batch.rows_read, batch.rows_accepted, batch.duplicates) == (2, 1, 1)
    accepted = wh._run("SELECT event_id FROM raw.transactions WHERE NOT _is_duplicate ORDER BY 1")
    assert [r[0] for r in accepted] == ["t1", "t2", "t9"]


def test_key_hashes_of_another_engine_are_written_again_when_the_work_file_opens(tmp_path: Path):
    """publish._rehash_raw_keys: raw's _key_hash as a DuckDB with another hash() would have
    written them (and the probe's hash it recorded) are written again when the work file opens,
    so a file delivered again is still all duplicates. Without it none of its keys would be
    found (their hashes match no stored row)."""
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    rows = "".join(f"t{i},c1,o1,order_placed,2026-03-01T10:0{i}:00Z,1,EUR,web\n" for i in range(4))
    with open_work(settings, step="ingest", publish=False) as work:
        load_source(work, settings, "transactions", [write(tmp_path, "a.csv", TX_HEADER + rows)])
        work._run("UPDATE raw.transactions SET _key_hash = _key_hash // 2")  # another hash()
        work._run("UPDATE raw.warehouse_format SET key_hash = key_hash // 2")
    with open_work(settings, step="ingest", publish=False) as work:
        moved = work._run("SELECT count(*) FROM raw.transactions WHERE _key_hash <> hash(event_id)")
        assert moved == [(0,)]
        [batch] = load_source(
            work, settings, "transactions", [write(tmp_path, "b.csv", TX_HEADER + rows)]
        )
    assert (batch.rows_read, batch.rows_accepted, batch.duplicates) == (4, 0, 4)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("wrong.csv", "id,cust,when\n1,2,3\n", r"missing column\(s\) event_id"),
        ("binary.csv", b"\x00\x01PAR1\x00\xff\xfe" * 50, "not a readable csv file"),
        ("notjson.jsonl", "this is not json\nneither is this\n", "not a JSON-lines file"),
        ("x.parquet", "event_id,customer_id\n", "not a readable parquet file"),
    ],
)
def test_file_that_is_not_its_format_fails_and_loads_nothing(
    wh: Warehouse, tmp_path: Path, name: str, content: str | bytes, message: str
):
    path = write(tmp_path, name, content)
    source = "web" if name.endswith("jsonl") else "transactions"
    with pytest.raises(IngestError, match=message) as info:
        load_file(wh, Settings(), source, path)
    assert name in str(info.value) and "Nothing was loaded" in str(info.value)
    assert wh.count("raw.manifest") == 0 and wh.count(f"raw.{source}") == 0
    # in a folder or glob the file is refused, recorded with its reason, and the others load
    [refused] = load_source(wh, Settings(), source, [path])
    assert refused.refused and re.search(message, refused.note)
    [row] = manifest(wh).rows(named=True)
    assert row["note"] == f"refused: {refused.note}" and row["rows_read"] == 0
    assert wh.count(f"raw.{source}") == 0


def test_one_bad_file_in_a_folder_is_refused_and_the_others_load(wh: Warehouse, tmp_path: Path):
    """Issue #23: one bad file under a source's glob failed every scheduled run."""
    folder = tmp_path / "landing"
    folder.mkdir()
    write(
        folder, "2026-03-01.csv", TX_HEADER + "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,1,EUR,w\n"
    )
    write(folder, "2026-03-02.csv", "id,cust,when\nt2,c1,2026-03-02T10:00:00Z\n")
    write(
        folder, "2026-03-03.csv", TX_HEADER + "t3,c1,o1,order_placed,2026-03-03T10:00:00Z,1,EUR,w\n"
    )
    first = load_source(wh, Settings(), "transactions", [folder])
    assert [b.refused for b in first] == [False, True, False]
    assert "missing column(s) event_id" in first[1].summary()
    assert sorted(wh.read_table("raw.transactions")["event_id"].to_list()) == ["t1", "t3"]
    # the next run tries the refused file again, but records its refusal only once
    again = load_source(wh, Settings(), "transactions", [folder])
    assert [(b.skipped, b.refused) for b in again] == [(True, False), (False, True), (True, False)]
    assert again[1].batch_id == first[1].batch_id and wh.count("raw.manifest") == 3
    # mapped in the configuration, the same file loads
    mapped = validate_settings(
        {"sources": {"transactions": {"column_map": {
            "event_id": "id", "customer_id": "cust", "occurred_at": "when", "event_type": "id",
        }}}}
    )  # fmt: skip
    [_, fixed, _] = load_source(wh, mapped, "transactions", [folder])
    assert not fixed.refused and fixed.rows_accepted == 1


def test_column_map_loads_a_real_export_without_editing_it(wh: Warehouse, tmp_path: Path):
    path = write(
        tmp_path,
        "orders.csv",
        "id,cust,order,type,ts,amt,cur\nt1,c1,o1,order_placed,2026-03-01 10:00:00,5,EUR\n",
    )
    column_map = {
        "event_id": "id",
        "customer_id": "cust",
        "order_id": "order",
        "event_type": "type",
        "occurred_at": "ts",
        "amount": "amt",
        "currency": "cur",
    }
    batch = load_file(
        wh, Settings(), "transactions", path, column_map=column_map, timezone="Europe/Berlin"
    )
    assert batch.rows_accepted == 1
    # a naive timestamp takes the source's timezone: 10:00 in Berlin is 09:00 UTC
    assert (
        str(wh.read_table("raw.transactions")["occurred_at_utc"][0]) == "2026-03-01 09:00:00+00:00"
    )


def test_wrong_encoding_rejects_the_bad_rows_and_keeps_the_rest(wh: Warehouse, tmp_path: Path):
    body = (
        TX_HEADER.encode()
        + "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,1,EUR,café\n".encode("latin-1")
        + b"t2,c1,o1,order_placed,2026-03-01T10:01:00Z,1,EUR,web\n"
    )
    [batch] = load_source(wh, Settings(), "transactions", [write(tmp_path, "l1.csv", body)])
    assert (batch.rows_accepted, batch.rows_rejected) == (1, 1)
    assert "encoding" in wh.read_table("raw.rejects")["reason"][0].lower()


def test_truncated_and_empty_files(wh: Warehouse, tmp_path: Path):
    truncated = write(
        tmp_path,
        "t.csv",
        TX_HEADER + "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,1,EUR,web\nt2,c1,o",
    )
    empty = write(tmp_path, "e.csv", "")
    [cut] = load_source(wh, Settings(), "transactions", [truncated])
    assert (cut.rows_read, cut.rows_accepted, cut.rows_rejected) == (2, 1, 1)
    [nothing] = load_source(wh, Settings(), "transactions", [empty])
    assert nothing.rows_read == 0 and "empty file" in nothing.note


def test_jsonl_gz_with_a_bad_line(wh: Warehouse, tmp_path: Path):
    lines = [
        '{"event_id":"w1","anonymous_id":"a1","user_id":null,"event_type":"page_view",'
        '"occurred_at":"2026-03-01T09:00:00.000Z","page_path":"/","referrer":"","device":"m"}',
        "{not json",
        '{"event_id":"w2","anonymous_id":"a1","user_id":"c1","event_type":"login",'
        '"occurred_at":"2026-03-01T09:01:00.000Z","page_path":"/login","referrer":"","device":"m"}',
    ]
    path = tmp_path / "web.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    [batch] = load_source(wh, Settings(), "web", [path])
    assert (batch.rows_read, batch.rows_accepted, batch.rows_rejected) == (3, 2, 1)
    reject = wh.read_table("raw.rejects").row(0, named=True)
    assert reject["row_number"] == 2 and reject["raw"] == "{not json"
    assert "not valid JSON" in reject["reason"]


def test_parquet_source(wh: Warehouse, tmp_path: Path):
    frame = pl.DataFrame(
        {
            "event_id": ["s1", "s2"],
            "ticket_id": ["k1", "k1"],
            "email": ["A@x.io ", ""],
            "phone": ["", "+49 30 1"],
            "channel": ["phone", "email"],
            "team": ["T1", "T1"],
            "system": ["Zendesk", "Zendesk"],
            "category": ["billing", "billing"],
            "event_type": ["ticket_opened", "ticket_resolved"],
            "occurred_at": ["2026-03-01 10:00:00", "2026-03-01 11:00:00"],
        }
    )
    frame.write_parquet(tmp_path / "support.parquet")
    [batch] = load_source(wh, Settings(), "support", [tmp_path / "support.parquet"])
    assert batch.rows_accepted == 2


def test_nested_parquet_columns_are_kept_as_json(wh: Warehouse, tmp_path: Path):
    """A Zendesk-style export's struct and list columns (via, custom_fields) reached the
    attributes as DuckDB's display text ({'channel': email}: a string no JSON reader parses,
    and '42' and 42 the same); they are JSON now, as a JSON lines file's objects are. A contract
    column mapped to a nested one is refused, naming it."""
    path = tmp_path / "support.parquet"
    wh._run(
        "COPY (SELECT 's1' AS event_id, 'k1' AS ticket_id, 'a@x.io' AS email, '' AS phone, "
        "'email' AS channel, 'T1' AS team, 'Zendesk' AS system, 'billing' AS category, "
        "'ticket_opened' AS event_type, '2026-03-01 10:00:00' AS occurred_at, "
        "{'channel': 'email', 'source': {'rel': NULL}} AS via, "
        "[{'id': 42, 'value': '42'}] AS custom_fields) "
        f"TO '{path}' (FORMAT parquet)"
    )
    [batch] = load_source(wh, Settings(), "support", [path])
    assert batch.rows_accepted == 1
    attributes = json.loads(wh.read_table("raw.support")["attributes"][0])
    assert attributes == {
        "via": {"channel": "email", "source": {"rel": None}},
        "custom_fields": [{"id": 42, "value": "42"}],
    }
    mapped = Settings(sources={"support": SourceSettings(column_map={"channel": "via"})})
    with Warehouse() as other:
        [refused] = load_source(other, mapped, "support", [path])
    assert refused.refused and "channel ('via') holds nested values" in refused.note


def test_a_dotted_name_maps_a_value_inside_a_parquet_struct(wh: Warehouse, tmp_path: Path):
    """A Segment or Snowplow export to Parquet nests the device under context: mapped as
    context.device.type it was refused as a missing column (JSON lines read it). It reads the
    nested value now (NULL where the struct holds none); the struct stays an attribute. A
    dotted name into a column of plain values is refused, naming it."""
    path = tmp_path / "web.parquet"
    wh._run(
        "COPY (SELECT * FROM (VALUES "
        "('w1', 'u1', NULL, 'page_view', '2026-03-01T10:00:00Z', '/pricing', '', "
        "{'device': {'type': 'mobile'}, 'page': {'referrer': 'https://google.com'}}), "
        "('w2', 'u1', NULL, 'page_view', '2026-03-01T10:05:00Z', '/login', '', "
        "{'device': {'type': NULL}, 'page': {'referrer': NULL}})"
        ") AS t(event_id, user_id, anonymous_id, event_type, occurred_at, page_path, device, "
        f"context)) TO '{path}' (FORMAT parquet)"
    )
    mapped = {"device": "context.device.type", "referrer": "context.page.referrer"}
    [batch] = load_source(wh, _web_map(mapped), "web", [path])
    assert batch.rows_accepted == 2
    web = wh.read_table("raw.web", order_by=["_seq"])
    assert web["device"].to_list() == ["mobile", None]
    assert web["referrer"].to_list() == ["https://google.com", None]
    kept = json.loads(web["attributes"][0])
    assert kept["context"]["device"] == {"type": "mobile"} and kept["device"] == ""
    with Warehouse() as other:
        [refused] = load_source(other, _web_map({"device": "page_path.kind"}), "web", [path])
    assert (
        refused.refused
        and ("'page_path.kind' names a value inside 'page_path', which holds plain values")
        in refused.note
    )


def test_a_json_array_of_events_is_read_as_its_elements(wh: Warehouse, tmp_path: Path):
    """An API export written as one pretty-printed JSON array (not JSON lines) was refused as
    not JSON lines, with no format that reads it. Each element is a record now, numbered by its
    place in the array; one that is not an object is rejected there."""
    event = {
        "ticket_id": "k1", "email": "a@x.io", "phone": "", "channel": "email", "team": "T1",
        "system": "Zendesk", "category": "billing", "occurred_at": "2026-03-01 10:00:00",
    }  # fmt: skip
    records = [
        {**event, "event_id": "s1", "event_type": "ticket_opened", "via": {"source": "web"}},
        42,
        {**event, "event_id": "s2", "event_type": "ticket_resolved"},
    ]
    path = tmp_path / "support.json.gz"
    path.write_bytes(gzip.compress(json.dumps(records, indent=2).encode()))
    [batch] = load_source(wh, Settings(), "support", [path])
    assert (batch.rows_read, batch.rows_accepted, batch.rows_rejected) == (3, 2, 1)
    loaded = wh.read_table("raw.support").sort("_row_number")
    assert loaded["_row_number"].to_list() == [1, 3]
    assert json.loads(loaded["attributes"][0]) == {"via": {"source": "web"}}
    reject = wh.read_table("raw.rejects").row(0, named=True)
    assert (reject["row_number"], reject["raw"]) == (2, "42")


def test_rows_read_always_reconciles(wh: Warehouse, tmp_path: Path):
    path = write(tmp_path, "tx.csv", TX_HEADER + "t1,c1,o1,order_placed,bad,1,EUR,web\n" * 3)
    load_source(wh, Settings(), "transactions", [path])
    m = manifest(wh).row(0, named=True)
    assert m["rows_read"] == m["rows_accepted"] + m["rows_rejected"] + m["duplicates"] == 3


def test_amounts_too_large_to_add_up_are_rejected(tmp_path: Path):
    """Issue #23: 1.7e308 is a finite double, but two of them (or one times an exchange rate)
    are inf, and inf reached the marts' journey and customer values."""
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    rows = [
        "t1,c1,o1,payment_captured,2026-03-01T10:00:00Z,1.7e308,EUR,web",
        "t2,c1,o1,payment_captured,2026-03-01T10:01:00Z,1.7e308,EUR,web",
        "t3,c1,o1,payment_captured,2026-03-01T10:02:00Z,1e16,EUR,web",
        "t4,c1,o1,payment_captured,2026-03-01T10:03:00Z,999999999999999,EUR,web",
    ]
    path = write(tmp_path, "tx.csv", TX_HEADER + "\n".join(rows) + "\n")
    steps.ingest_files(settings, "transactions", [path])
    steps.build_marts(settings)
    with open_published(settings) as wh:
        reasons = wh.read_table("raw.rejects", order_by=["row_number"])["reason"].to_list()
        values = [
            *wh.read_table("marts.journeys")["value"].to_list(),
            *wh.read_table("marts.customers")["total_value"].to_list(),
        ]
    assert len(reasons) == 3 and all(r.startswith("amount is beyond 10^15") for r in reasons)
    assert values and all(math.isfinite(v) for v in values) and max(values) == 999999999999999


def test_ingest_and_the_scheduled_load_go_on_past_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    folder = tmp_path / "landing"
    folder.mkdir()
    write(folder, "a.csv", TX_HEADER + "t1,c1,o1,order_placed,2026-03-01T10:00:00Z,1,EUR,w\n")
    write(folder, "b.csv", b"PK\x03\x04 a zip, not a csv")
    write(folder, "c.csv", TX_HEADER + "t3,c1,o1,order_placed,2026-03-03T10:00:00Z,1,EUR,w\n")
    config = write(tmp_path, "journeys.yaml", "warehouse: wh/journeys.duckdb\n")
    assert main(["ingest", "transactions", str(folder), "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and "a.csv: 1 read, 1 accepted" in out
    refused, total = err.splitlines()
    assert refused.startswith("transactions b.csv: refused, not a readable csv file")
    assert total == "[ingest] 1 of 3 file(s) refused (above); fix, rerun"
    # the scheduled run (journeys run) loads what is configured the same way, then builds
    scheduled = validate_settings(
        {"warehouse": tmp_path / "wh2" / "journeys.duckdb",
         "sources": {"transactions": {"path": str(folder / "*.csv")}}}
    )  # fmt: skip
    batches = steps.ingest_landing(scheduled)
    assert [b.refused for b in batches] == [False, True, False]
    steps.build_marts(scheduled)
    with open_published(scheduled) as wh:
        quality = wh.read_table("marts.data_quality").rows(named=True)
    assert [q["file"] for q in quality] == ["a.csv", "b.csv", "c.csv"]
    assert quality[1]["note"].startswith("refused: not a readable csv file")
    assert [q["rows_accepted"] for q in quality] == [1, 0, 1]


EU_TX = (
    "event_id;customer_id;order_id;event_type;occurred_at;amount;currency;sales_channel\n"
    "t1;c1;o1;order_placed;2026-03-01T10:00:00+01:00;49,70;EUR;web\n"
    "t2;c1;o1;payment_captured;2026-03-01T10:01:00+01:00;1.249,70;EUR;web\n"
    "t3;c1;o1;payment_captured;2026-03-01T10:02:00+01:00;1,249.70;EUR;web\n"
)


def _decimal(settings: Settings, separator: str) -> Settings:
    source = settings.source("transactions").replace(decimal=separator)
    return settings.replace(sources={**settings.sources, "transactions": source})


def test_a_european_export_reads_its_decimal_commas(tmp_path: Path):
    """A German shop's export (semicolons, 49,70 and 1.249,70): every row was rejected as "not
    a number; use a plain decimal", and the file then counted as loaded. The reasons name the
    source's decimal setting; with it the same file is read again (the read that accepted
    nothing is superseded, its rejects gone) and the payment is worth 1,249.70. A US-grouped
    1,249.70 is read under neither: under ',' it would be 1.24970."""
    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    path = write(tmp_path, "bestellungen.csv", EU_TX)
    [first] = steps.ingest_files(settings, "transactions", [path])
    assert first.summary().endswith(f"rejected: 2 × {EU_COMMA}; 1 × {US_GROUPED}")
    with Warehouse(path=work_path(settings), read_only=True) as wh:  # before any build
        reasons = wh.read_table("raw.rejects", order_by=["row_number"])["reason"].to_list()
    assert reasons == [EU_COMMA] * 2 + [US_GROUPED]
    [batch] = steps.ingest_files(_decimal(settings, ","), "transactions", [path])
    assert (batch.skipped, batch.rows_accepted, batch.rows_rejected) == (False, 2, 1)
    steps.build_marts(_decimal(settings, ","))
    with open_published(settings) as wh:
        rejects = wh.read_table("raw.rejects")
        value = wh.read_table("marts.journeys")["value"].to_list()
    assert rejects["reason"].to_list() == [NOT_EU] and rejects["batch_id"][0] == batch.batch_id
    assert value == [pytest.approx(1249.70)]


def test_file_jobs_read_the_sources_decimal_comma(wh: Warehouse, tmp_path: Path):
    """The same through the partitioned ingest's file jobs (the Prefect flow's path)."""
    from journeys.ingest.jobs import load_as_jobs
    from journeys.runner import run_here

    settings = Settings(warehouse=tmp_path / "wh" / "journeys.duckdb")
    path = write(tmp_path, "bestellungen.csv", EU_TX)
    load_as_jobs(wh, settings, [("transactions", path)], run_tasks=run_here)
    assert wh.read_table("raw.rejects")["reason"].to_list().count(EU_COMMA) == 2
    load_as_jobs(wh, _decimal(settings, ","), [("transactions", path)], run_tasks=run_here)
    values = wh.read_table("raw.transactions", order_by=["_seq"])["amount_value"].to_list()
    assert values == [49.7, 1249.7]
    assert wh.read_table("raw.rejects")["reason"].to_list() == [NOT_EU]


EU_COMMA = (
    "amount is written with a decimal comma (19,90); set decimal: ',' for this source in the "
    "configuration"
)
US_GROUPED = "amount has thousands separators; write it without them, such as 1249.70"
NOT_EU = "amount is not a number written with a decimal comma, such as 19,90 or 1.249,70"


def test_ingest_fails_when_a_file_had_every_row_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """A scheduled `journeys ingest` of an export whose every amount has a decimal comma loaded
    nothing and exited 0. It exits 1 with the reasons on stderr; with the setting fixed the
    same command loads the file."""
    path = write(tmp_path, "bestellungen.csv", EU_TX)
    config = write(tmp_path, "journeys.yaml", "warehouse: wh/journeys.duckdb\n")
    assert main(["ingest", "transactions", str(path), "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    summary, total = err.splitlines()
    assert out == "" and f"rejected: 2 × {EU_COMMA}; 1 × {US_GROUPED}" in summary
    assert total == (
        "[ingest] 1 of 1 file(s) had every row rejected (the reasons above); fix the source's "
        "settings or the files and run `journeys ingest` again"
    )
    config.write_text(
        "warehouse: wh/journeys.duckdb\nsources:\n  transactions:\n    decimal: ','\n"
    )
    assert main(["ingest", "transactions", str(path), "--config", str(config)]) == 0
    assert "2 accepted, 1 rejected" in capsys.readouterr().out


SEGMENT = (
    '{"messageId":"m1","anonymousId":"a1","userId":null,"event":"Page Viewed",'
    '"timestamp":"2026-03-25T09:00:00.123Z","properties":{"path":"/pricing",'
    '"referrer":"https://google.com"},"context":{"device":{"type":"mobile"}}}\n'
    '{"messageId":"m2","anonymousId":"a1","userId":"C1","event":"Signed In",'
    '"timestamp":"2026-03-25T09:05:00Z","properties":{"path":"/login"},'
    '"context":{"device":{"type":"mobile"}}}\n'
)
SEGMENT_MAP = {
    "event_id": "messageId",
    "anonymous_id": "anonymousId",
    "user_id": "userId",
    "event_type": "event",
    "occurred_at": "timestamp",
    "page_path": "properties.path",
    "referrer": "properties.referrer",
    "device": "context.device.type",
}


def _web_map(column_map: dict[str, str]) -> Settings:
    settings = Settings()
    web = settings.source("web").replace(column_map=column_map)
    return settings.replace(sources={**settings.sources, "web": web})


def test_a_segment_export_maps_its_nested_page_path(wh: Warehouse, tmp_path: Path):
    """A Segment (RudderStack, PostHog) export keeps the page path under properties: mapped as
    properties.path it loaded as NULL, silently, so no touchpoint rule on page paths matched.
    A dotted name now reads the nested value; a mapped name the file lacks refuses the file
    instead of loading the column empty."""
    path = write(tmp_path, "segment.jsonl", SEGMENT)
    [batch] = load_source(wh, _web_map(SEGMENT_MAP), "web", [path])
    assert batch.rows_accepted == 2
    web = wh.read_table("raw.web", order_by=["_seq"])
    assert web["page_path"].to_list() == ["/pricing", "/login"]
    assert web["referrer"].to_list() == ["https://google.com", None]
    assert web["device"].to_list() == ["mobile", "mobile"]
    typo = write(tmp_path, "segment-2.jsonl", SEGMENT.replace("m1", "m3").replace("m2", "m4"))
    [refused] = load_source(
        wh, _web_map({**SEGMENT_MAP, "device": "ctx.device.type"}), "web", [typo]
    )
    assert refused.refused and "missing column(s) device (mapped to 'ctx.device.type')" in (
        refused.note
    )


def test_a_file_the_reader_read_whole_does_not_plan_the_search_for_its_rejects(
    wh: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Finding the records the reader could not parse took 4 ms of every file's load; a file
    without one gets the empty table, and a file with one still keeps it in raw.rejects."""
    planned: list[str] = []
    materialize = Warehouse.materialize_temp

    def spy(self: Warehouse, name: str, model: str, **kwargs: object) -> int:
        planned.append(model)
        return materialize(self, name, model, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Warehouse, "materialize_temp", spy)
    good = "t1,c1,o1,order_placed,2026-03-01T10:00:00+01:00,19.90,EUR,web\n"
    [clean] = load_source(
        wh, Settings(), "transactions", [write(tmp_path, "a.csv", TX_HEADER + good)]
    )
    assert (clean.rows_read, clean.rows_rejected) == (1, 0)
    assert "ingest/parse_rejects" not in planned
    broken = TX_HEADER + good.replace("t1", "t2") + "t3,c1,o1\n"
    [batch] = load_source(wh, Settings(), "transactions", [write(tmp_path, "b.csv", broken)])
    assert planned.count("ingest/parse_rejects") == 1
    assert (batch.rows_read, batch.rows_accepted, batch.rows_rejected) == (2, 1, 1)
    assert wh.read_table("raw.rejects")["raw"].to_list() == ["t3,c1,o1"]
