from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow.dataset as ds

from journeys.export import export_marts
from journeys.warehouse import Warehouse


def test_every_mart_exported_and_large_ones_partitioned(wh: Warehouse, tmp_path: Path):
    start = datetime(2026, 1, 30, tzinfo=UTC)
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(6)],
            "occurred_at": [start + timedelta(days=i) for i in range(6)],
        }
    )
    wh.write_table("marts.events", events)
    wh.write_table("marts.variants", pl.DataFrame({"variant_id": ["v1"], "journeys": [3]}))
    result = export_marts(wh, tmp_path, partition_rows=5)
    assert {t for t, _, _ in result.tables} == {"events", "variants"}
    assert pl.read_parquet(tmp_path / "variants.parquet")["journeys"].to_list() == [3]
    months = sorted(p.name for p in (tmp_path / "events").iterdir())
    assert months == ["month=2026-01", "month=2026-02"]
    table = ds.dataset(tmp_path / "events", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 6


def test_exports_are_parquet_version_1_and_the_warehouse_keeps_version_2(
    wh: Warehouse, tmp_path: Path
):
    # the warehouse's own files are Parquet version 2 (deltas: faster to write, a quarter
    # smaller); an export is read by other tools, some of which read only version 1's pages
    start = datetime(2026, 1, 30, tzinfo=UTC)
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(6)],
            "seq": list(range(6)),
            "occurred_at": [start + timedelta(days=i) for i in range(6)],
        }
    )
    wh._run("CREATE TABLE scratch AS SELECT * FROM range(5000) AS r(seq)")
    wh.write_table("marts.events", events)
    export_marts(wh, tmp_path / "one", partition_rows=100)
    export_marts(wh, tmp_path / "months", partition_rows=5)

    def encodings(files: list[str]) -> set[str]:
        rows = wh._run("SELECT DISTINCT encodings FROM parquet_metadata($f)", {"f": files})
        return {r[0] for r in rows}

    exported = [str(tmp_path / "one" / "events.parquet")]
    exported += [str(p) for p in (tmp_path / "months" / "events").rglob("*.parquet")]
    assert len(exported) == 3
    assert not any(e.startswith("DELTA") for e in encodings(exported))
    wh.export_parquet("scratch", tmp_path / "own.parquet")
    assert "DELTA_BINARY_PACKED" in encodings([str(tmp_path / "own.parquet")])


def test_the_warehouse_writes_keys_without_a_dictionary_and_few_valued_texts_with_one(
    wh: Warehouse, tmp_path: Path
):
    # a column of more than 2,048 distinct values in a row group (a key: 3,000 customers, ten
    # events each) is written as it is: DuckDB's default built a dictionary of it, as it does
    # of up to some 30,000 values, which cost a tenth of a 10M-event build; a few-valued text (a
    # touchpoint) keeps its dictionary
    wh._run(
        "CREATE TABLE scratch AS SELECT 'customer-' || (i % 3000) AS customer_key, "
        "'touchpoint ' || (i % 5) AS touchpoint FROM range(30000) AS r(i)"
    )
    own = tmp_path / "own.parquet"
    wh.export_parquet("scratch", own)
    rows = wh._run(
        "SELECT path_in_schema, string_agg(DISTINCT encodings, ',') FROM parquet_metadata($f) "
        "GROUP BY ALL",
        {"f": str(own)},
    )
    assert dict(rows) == {
        "customer_key": "DELTA_LENGTH_BYTE_ARRAY",
        "touchpoint": "RLE_DICTIONARY",
    }
