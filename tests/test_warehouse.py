from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from journeys.errors import WarehouseError
from journeys.ingest.raw import ensure_raw
from journeys.warehouse import Warehouse, quote_ident


def test_quote_ident_escapes_quotes_and_splits_schema():
    assert quote_ident("marts.events") == '"marts"."events"'
    assert quote_ident('we"ird') == '"we""ird"'


def test_enum_texts_and_casts_keep_every_text_as_written() -> None:
    """The values an ENUM is made of: sorted by code point, a column of none, of too many or
    of a NUL left as text; cast and read back, every text (quotes, accents, an emoji, case,
    NULL) is the same, in a list too, and sorts as text sorts."""
    from journeys.warehouse.sqltext import ENUM_VALUES, enum_replace, enum_texts

    awkward = ["O'Brien's call", "b", "B", "a", "Ünterschrift", "📞 call", "x, y", "A"]
    found = enum_texts(
        {
            "t": awkward + ["a"],
            "empty": [],
            "many": [str(i) for i in range(ENUM_VALUES + 1)],
            "nul": ["ok", "bad\0"],
        }
    )
    assert list(found) == ["t"] and found["t"] == sorted(set(awkward))
    con = duckdb.connect()
    con.execute("CREATE TABLE s (t VARCHAR, l VARCHAR[])")
    rows = [(v, [v, "a"]) for v in awkward] + [(None, None), (None, [None, "b"])]
    con.executemany("INSERT INTO s VALUES (?, ?)", rows)
    casts = enum_replace({"t": found["t"], "l": found["t"]}, lists=("l",))
    cast = con.sql(f"SELECT {casts} FROM s")
    kind, listed = (str(t) for t in cast.types)
    assert kind.startswith("ENUM(") and listed == f"{kind}[]"
    back = con.sql(f"SELECT t::VARCHAR, l::VARCHAR[] FROM ({cast.sql_query()})").fetchall()
    assert sorted(back, key=repr) == sorted(rows, key=repr)
    ordered = con.sql(f"SELECT t FROM ({cast.sql_query()}) WHERE t IS NOT NULL ORDER BY t")
    assert [r[0] for r in ordered.fetchall()] == sorted(awkward)


def test_write_and_read_roundtrip(wh: Warehouse):
    frame = pl.DataFrame({"a": [3, 1, 2], "b": ["x", "y", "z"]})
    wh.write_table("staging.t", frame)
    wh.write_table("staging.t", frame.head(1), mode="append")
    out = wh.read_table("staging.t", order_by=["a"])
    assert out["a"].to_list() == [1, 2, 3, 3]
    assert wh.count("staging.t") == 4
    assert wh.columns("staging.t") == ["a", "b"]


def test_schemas_exist(wh: Warehouse):
    for schema in ("raw", "staging", "intermediate", "marts"):
        wh.write_table(f"{schema}.probe", pl.DataFrame({"x": [1]}))
        assert wh.table_exists(f"{schema}.probe")


def test_table_exists_for_tables_views_temp_tables_and_missing_names(tmp_path: Path):
    """Tables, views and temp tables exist, a name or schema that is not there does not, a view
    whose own table is gone still exists; asked inside a transaction, a missing name leaves the
    transaction usable; and the connection's "did you mean" still looks in every schema."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh._run(
            "CREATE TABLE staging.t (a INTEGER); CREATE VIEW staging.v AS SELECT * FROM staging.t;"
            "CREATE TEMP TABLE tt (a INTEGER); CREATE TABLE raw.gone (a INTEGER);"
            "CREATE VIEW intermediate.over_gone AS SELECT * FROM raw.gone; DROP TABLE raw.gone"
        )
    with Warehouse(tmp_path / "w.duckdb") as wh:  # nothing listed or remembered yet
        wh._run("CREATE TEMP TABLE tt (a INTEGER)")
        listed: list[str] = []
        run = wh._run

        def spy(sql: str, *args: object, **kwargs: object) -> object:
            if "information_schema.tables" in sql:
                listed.append("all")
            return run(sql, *args, **kwargs)  # type: ignore[arg-type]

        wh._run = spy  # type: ignore[method-assign]
        found = {
            name: wh.table_exists(name)
            for name in ("staging.t", "staging.v", "tt", "intermediate.over_gone",
                         "staging.nope", "nope", "noschema.t", "gone")
        }  # fmt: skip
        assert found == {
            "staging.t": True, "staging.v": True, "tt": True, "intermediate.over_gone": True,
            "staging.nope": False, "nope": False, "noschema.t": False, "gone": False,
        }  # fmt: skip
        # each name looked up alone (a listing reads the catalog entry of every table and view),
        # but for the view missing its own table, which only the listing can tell apart
        assert listed == ["all"]
        assert wh.columns("staging.v") == ["a"] and wh.columns("staging.nope") == []
        with wh.transaction():
            assert not wh.table_exists("staging.missing")
            assert wh.table_exists("staging.t")
            assert wh.columns("staging.t") == ["a"] and wh.columns("staging.missing") == []
            wh._run("CREATE TABLE staging.missing (b INTEGER)")  # after the listing
            assert wh.table_exists("staging.missing")
            wh._run("INSERT INTO staging.t VALUES (1)")  # the transaction was not aborted
        assert wh._run("SELECT count(*) FROM staging.t") == [(1,)]
        with pytest.raises(duckdb.CatalogException, match='Did you mean "staging.t"'):
            wh._con.execute("SELECT * FROM t")


def test_missing_model_names_the_file(wh: Warehouse):
    with pytest.raises(WarehouseError, match="sql/marts/nope.sql"):
        wh.run_model("marts/nope")


def test_parameters_in_comments_and_strings_are_not_parameters():
    from journeys.warehouse.sqltext import _PARAM, _without_comments

    sql = "-- the row's $nope\nSELECT '$x it''s' AS a, $yes /* $no */ FROM t -- $gone"
    assert _PARAM.findall(_without_comments(sql)) == ["yes"]


def test_scan_table_is_lazy_and_filters_per_batch(wh: Warehouse):
    wh.write_table("marts.t", pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
    lazy = wh.scan_table("marts.t", columns=["a"])
    wh.write_table("marts.u", pl.DataFrame({"a": [1]}))  # other statements in between are fine
    assert lazy.filter(pl.col("a") > 1).collect()["a"].to_list() == [2, 3]
    assert lazy.collect().columns == ["a"]


def test_run_view_replaces_a_table_left_by_an_earlier_build(wh: Warehouse):
    ensure_raw(wh)
    wh.write_table("staging.stg_web", pl.DataFrame({"stale": [1]}))  # an older build's table
    wh._run(
        "INSERT INTO raw.web (event_id, event_type, occurred_at_utc, _seq, _is_duplicate) "
        "VALUES (' e1 ', 'page_view', TIMESTAMPTZ '2026-03-01 10:00:00+00', 1, false), "
        "('e1', 'page_view', TIMESTAMPTZ '2026-03-01 10:00:00+00', 2, true)"
    )
    wh.run_view("staging/stg_web")
    wh.run_view("staging/stg_web")  # again: the view replaces itself
    assert wh.read_table("staging.stg_web")["event_id"].to_list() == ["e1"]
    with pytest.raises(WarehouseError, match="models live in"):
        wh.run_view("stg_web")
    with pytest.raises(WarehouseError, match=r"parameter \$salt was not given"):
        wh.run_view("staging/stg_customers")


def _stored(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "work.duckdb", data=tmp_path / "data")


def _history(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=["map_name", "grain", "gap_id"], orient="row")
    return frame.with_columns(timezone=pl.lit("UTC"))


def test_replace_rows_keeps_one_file_per_map_and_rewrites_only_that_one(tmp_path: Path):
    with _stored(tmp_path) as wh:
        for name in ("a", "b"):
            frame = _history([(name, "week", "g1")])
            wh.replace_rows("marts.m", frame, column="map_name", value=name)
        before = {f.label: f.file for f in wh.stored_files("marts.m")["marts.m"]}
        wh.replace_rows("marts.m", _history([("a", "week", "g2")]), column="map_name", value="a")
        after = {f.label: f.file for f in wh.stored_files("marts.m")["marts.m"]}
        assert after["b"] == before["b"] and after["a"] != before["a"]
        assert sorted(wh.read_table("marts.m")["gap_id"]) == ["g1", "g2"]
        kept = wh.stored_files()
    with _stored(tmp_path) as again:  # what this writer kept in memory is what the file holds
        assert again.stored_files() == kept


def test_a_delete_file_on_a_stored_table_rewrites_only_the_files_with_its_rows(tmp_path: Path):
    """queries/compare/drop_history on a stored marts.map_gap_history: a file whose rows
    all go is dropped, a file with rows left keeps its map label, others stay as they are. Its
    one pass drops a map's rows at another grain, and its version's rows of the periods given
    (every period: None), and keeps its other versions' rows at the grain."""
    import datetime as dt

    def history(rows: list[tuple[str, str, str]], version: str = "v1") -> pl.DataFrame:
        frame = _history(rows).with_columns(map_version=pl.lit(version))
        return frame.with_columns(period=pl.lit(dt.date(2026, 1, 5)))

    with _stored(tmp_path) as wh:
        wh.write_table("marts.map_gap_history", history([("x", "day", "g0")]))
        old, new = [("a", "week", "g4")], [("a", "day", "g1"), ("a", "week", "g2")]
        frame = pl.concat([history(old, "v0"), history(new)])
        wh.replace_rows("marts.map_gap_history", frame, column="map_name", value="a")
        frame = history([("b", "day", "g3")])
        wh.replace_rows("marts.map_gap_history", frame, column="map_name", value="b")
        for name in ("x", "a"):
            wh.execute(
                "queries/compare/drop_history",
                map_name=name,
                map_version="v1",
                grain="week",
                timezone="UTC",
                periods=[dt.date(2026, 1, 12)],  # not g2's period: g2 stays
            )
        files = wh.stored_files("marts.map_gap_history")["marts.map_gap_history"]
        assert [f.label for f in files] == ["a", "b"]  # x's only file went whole
        assert sorted(wh.read_table("marts.map_gap_history")["gap_id"]) == ["g2", "g3", "g4"]
        wh.execute(
            "queries/compare/drop_history", map_name="a", map_version="v1", grain="week",
            timezone="UTC", periods=None,
        )  # fmt: skip
        assert sorted(wh.read_table("marts.map_gap_history")["gap_id"]) == ["g3", "g4"]


def test_appended_files_are_merged_beyond_a_few(tmp_path: Path):
    from journeys.warehouse import LOOSE_FILES

    with _stored(tmp_path) as wh:
        for i in range(3 * LOOSE_FILES):
            wh.write_table("marts.log", pl.DataFrame({"i": [i]}), mode="append")
        assert len(wh.stored_files("marts.log")["marts.log"]) <= LOOSE_FILES
        assert sorted(wh.read_table("marts.log")["i"]) == list(range(3 * LOOSE_FILES))


def test_a_large_file_stays_as_it_is_while_small_appends_merge_in_tiers(tmp_path: Path):
    """A table of one large file (a map's kept step seconds of a big warehouse) and a long run
    of small appends of varied sizes (a micro-batch each): the small files merge among
    themselves, never into the large one, so it is never written again; a merged file takes
    the place of the files it holds (some runs are not the newest files), so every row is read
    back in the order appended; the files stay few, and no row is rewritten more than a few
    times."""
    from journeys.warehouse import LOOSE_FILES

    large, sizes = 5_000, [2, 40, 3, 1, 60, 2, 2, 25] * 8
    written: list[int] = []
    middle = 0
    with _stored(tmp_path) as wh:
        run = wh._run

        def counted(sql, params=None, **kw):  # type: ignore[no-untyped-def]
            found = run(sql, params, **kw)
            if kw.get("what") == "merge the files of marts.log":
                written.append(found[0][0])
            return found

        wh._run = counted  # type: ignore[method-assign]
        wh.write_table("marts.log", pl.DataFrame({"i": range(large)}), label="m", mode="append")
        first = wh.stored_files("marts.log")["marts.log"][0]
        at = large
        for size in sizes:
            frame = pl.DataFrame({"i": range(at, at + size)})
            at += size
            before = {f.file for f in wh.stored_files("marts.log")["marts.log"]}
            wh.write_table("marts.log", frame, mode="append", label="m")
            files = wh.stored_files("marts.log")["marts.log"]
            assert files[0] == first  # the large file, as it was written
            assert len(files) <= LOOSE_FILES
            if len([f for f in files if f.file not in before]) == 2:
                middle += 1  # a merged file and the new one beside it: older files merged
        assert len(written) >= len(sizes) // LOOSE_FILES  # merges did happen
        assert middle  # and some of them were not the newest files
        assert sum(written) < 6 * sum(sizes)  # each small row a few times; the large never
        assert wh.read_table("marts.log")["i"].to_list() == list(range(at))


def test_the_merge_rule_rewrites_a_row_a_bounded_number_of_times_over_a_long_run():
    """A year of five-minute micro-batches (100,000 appends of one row each) after a table's
    large file, then a hundred 1,500-row batches after a full compare's five files of a map:
    the files stay at most eight, the large file is merged only once the newer ones
    hold half its rows, and each appended row is written again a bounded number of times
    (merging every loose file: 1.26 million and 83 times; taking the newest two files and the
    older ones holding no more than them, as this change first did: 73 and 10 times)."""
    from journeys.warehouse import LOOSE_FILES
    from journeys.warehouse.storage import _merge_run

    def run(files: list[int], appends: int, size: int) -> int:
        written = 0
        for _ in range(appends):
            files.append(size)
            if len(files) > LOOSE_FILES:
                first, end = _merge_run(files)
                assert 0 <= first < end - 1 < len(files)
                written += sum(files[first:end])
                files[first:end] = [sum(files[first:end])]
            assert len(files) <= LOOSE_FILES
        return written

    large = [10_000_000]
    assert run(large, 100_000, 1) < 20 * 100_000
    assert large[0] == 10_000_000  # the newer files hold less than half its rows
    five = [175_000] * 5  # a 10M-event compare's step seconds of one map
    assert run(five, 100, 1_500) < 9.5 * 100 * 1_500
    assert sum(five) == 5 * 175_000 + 100 * 1_500


def test_a_labelled_append_is_deleted_by_its_value_without_reading_a_file(tmp_path: Path):
    """compare's kept step timing (compare/cache.py): appended with the map's name as label, a
    map's rows go with its files when it is compared whole, no file read; the other map's stay.
    Merged beyond a few appends, a value's files keep their label; replace_rows' parts do not
    merge (a large map is written in many parts; merging them would rewrite them again)."""
    from journeys.warehouse import LOOSE_FILES

    with _stored(tmp_path) as wh:
        for i in range(LOOSE_FILES + 2):
            for name in ("a", "b"):
                frame = _history([(name, "week", f"g{i}")])
                wh.write_table("marts.t", frame, mode="append", label=name)
        files = wh.stored_files("marts.t")["marts.t"]
        assert sorted({f.label for f in files}) == ["a", "b"]  # merged, each value on its own
        assert sum(f.label == "a" for f in files) <= LOOSE_FILES
        for f in files:
            if f.label == "a":
                Path(f.file).write_bytes(b"not parquet")  # read, it would fail
        wh.delete_where("marts.t", column="map_name", value="a")
        assert wh.read_table("marts.t")["map_name"].unique().to_list() == ["b"]
        assert wh.read_table("marts.t").height == LOOSE_FILES + 2
        wh.delete_where("marts.t", column="map_name", value="b")  # the last value: rows read
        assert wh.read_table("marts.t").height == 0
        assert wh.described("marts.t")[0] == ("map_name", "VARCHAR")  # the columns stay
        left = wh.stored_files("marts.t")["marts.t"]
        assert [(f.label, f.rows) for f in left] == [("b", 0)]  # kept for the columns
        # an unlabelled file emptied so (appended before labels) goes at the next delete; a
        # value's empty file (a map without rows in this table) is that value's and stays
        wh.write_table("marts.u", _history([("x", "week", "g0")]), mode="append")
        wh.delete_where("marts.u", column="map_name", value="x")
        for name, rows in (("d", [("d", "week", "g1")]), ("e", [])):
            frame = _history(rows) if rows else _history([("e", "week", "g")]).clear()
            wh.write_table("marts.u", frame, mode="append", label=name)
        empty = [f for f in wh.stored_files("marts.u")["marts.u"] if f.label is None]
        assert len(empty) == 1 and empty[0].rows == 0
        Path(empty[0].file).write_bytes(b"not parquet")  # read, it would fail
        wh.delete_where("marts.u", column="map_name", value="d")
        assert [f.label for f in wh.stored_files("marts.u")["marts.u"]] == ["e"]
        described = [(r[0], r[1]) for r in wh._run('DESCRIBE "marts"."u"')]
        assert wh.described("marts.u") == described  # the view's columns, as remembered
        parts = (_history([("c", "week", f"g{i}")]) for i in range(LOOSE_FILES + 2))
        wh.replace_rows("marts.t", parts, column="map_name", value="c")
        labels = [f.label for f in wh.stored_files("marts.t")["marts.t"]]
        assert labels.count("c") == LOOSE_FILES + 2


def test_a_stored_tables_columns_stay_as_described_after_appends_and_merges(tmp_path: Path):
    """A file appended to a stored table is cast to the columns the table was described with,
    so they are not described again (the view reads them from its first file); a merge of the
    appended files, or files that replace every other, describe it afresh."""
    from journeys.warehouse import LOOSE_FILES

    def fresh(wh: Warehouse, table: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in wh._run(f"DESCRIBE {table}")]

    with _stored(tmp_path) as wh:
        first = pl.DataFrame({"map_name": ["a"], "n": [1]})
        wh.replace_rows("marts.m", first, column="map_name", value="a")
        assert wh.described("marts.m") == fresh(wh, "marts.m")
        other = pl.DataFrame({"n": pl.Series([2], dtype=pl.Int8), "map_name": ["b"]})
        wh.replace_rows("marts.m", other, column="map_name", value="b")  # order, type: cast
        assert wh.described("marts.m") == fresh(wh, "marts.m")
        assert wh.described("marts.m") == [("map_name", "VARCHAR"), ("n", "BIGINT")]
        for i in range(2 * LOOSE_FILES):
            wh.write_table("marts.log", pl.DataFrame({"i": [i]}), mode="append")
            assert wh.described("marts.log") == fresh(wh, "marts.log")
        wh.write_table("marts.log", pl.DataFrame({"i": ["x"], "j": [1]}))  # replaced whole
        assert (
            wh.described("marts.log")
            == fresh(wh, "marts.log")
            == [
                ("i", "VARCHAR"),
                ("j", "BIGINT"),
            ]
        )
        assert wh.read_table("marts.m", order_by=["n"]).rows() == [("a", 1), ("b", 2)]


def test_the_columns_foreseen_for_a_polars_file_are_those_duckdb_reads(tmp_path: Path):
    """A stored table's new file is checked against the table's columns without a DESCRIBE of
    the file when its types are ones storage._READ_AS knows: every one of them, and a list of
    each, reads back from polars' file as foreseen; a type it does not know is not foreseen."""
    import datetime as dt

    from journeys.warehouse.storage import _READ_AS, _parquet_columns

    values = {"String": "x", "Boolean": True, "Date": dt.date(2026, 1, 2)}
    frame = pl.DataFrame(
        {
            **{n: pl.Series([values.get(n, 1)], dtype=getattr(pl, n)) for n in _READ_AS},
            **{
                f"{n}_list": pl.Series([[values.get(n, 1)]], dtype=pl.List(getattr(pl, n)))
                for n in _READ_AS
            },
        }
    )
    file = tmp_path / "f.parquet"
    frame.write_parquet(file, compression="snappy")
    with _stored(tmp_path) as wh:
        read = [
            (r[0], r[1])
            for r in wh._run("DESCRIBE SELECT * FROM read_parquet($f)", {"f": str(file)})
        ]
    assert _parquet_columns(frame.schema) == read
    moment = pl.DataFrame({"t": [dt.datetime(2026, 1, 2, tzinfo=dt.UTC)]})
    assert _parquet_columns(moment.schema) is None


def test_a_frame_stored_by_polars_reads_back_with_the_types_duckdb_writes(tmp_path: Path):
    """A polars frame of a stored table is written by polars itself; every column reads back
    with the type DuckDB's own COPY of the frame gives. A Duration (polars writes an integer)
    goes through DuckDB, an INTERVAL as before."""
    import datetime as dt

    frame = pl.DataFrame(
        {
            "s": ["x", None],
            "e": pl.Series(["a", "b"], dtype=pl.Enum(["a", "b", "c"])),
            "c": pl.Series(["x", "y"], dtype=pl.Categorical),
            "i8": pl.Series([1, None], dtype=pl.Int8),
            "u16": pl.Series([1, 2], dtype=pl.UInt16),
            "u64": pl.Series([1, 2], dtype=pl.UInt64),
            "f32": pl.Series([1.5, None], dtype=pl.Float32),
            "dec": pl.Series(["1.5", "2.25"]).cast(pl.Decimal(10, 2)),
            "b": [True, None],
            "d": [dt.date(2026, 3, 1), None],
            "t": [dt.datetime(2026, 3, 1, 9), None],
            "tz": pl.Series([dt.datetime(2026, 3, 1, 9), None]).dt.replace_time_zone("UTC"),
            "ms": pl.Series([dt.datetime(2026, 3, 1), None]).cast(pl.Datetime("ms")),
            "l": [["a"], []],
            "steps": pl.Series([[1, 2], None], dtype=pl.List(pl.UInt16)),
            "st": [{"a": 1, "b": "x"}, None],
            "blob": [b"x", None],
        }
    )
    with _stored(tmp_path) as wh:
        wh.write_table("marts.by_polars", frame)
        with wh._registered(frame) as view:  # DuckDB's own COPY, as every frame was written
            wh._store("marts.by_duckdb", f"SELECT * FROM {view}", None, "write")
        assert wh.described("marts.by_polars") == wh.described("marts.by_duckdb")
        assert wh.read_table("marts.by_polars").equals(wh.read_table("marts.by_duckdb"))
        wh.write_table("marts.waits", pl.DataFrame({"w": [dt.timedelta(seconds=90)]}))
        assert wh.described("marts.waits") == [("w", "INTERVAL")]
        assert wh._run("SELECT w FROM marts.waits") == [(dt.timedelta(seconds=90),)]


def test_a_table_sharing_files_keeps_their_rows_after_the_source_moves_on(tmp_path: Path):
    """compare's snapshot reads the files marts.journeys read when it was taken: a later write
    of marts.journeys makes new files, the snapshot keeps its rows, and the garbage collector
    keeps the files it lists (``referenced_files``)."""
    with _stored(tmp_path) as wh:
        wh.write_table("marts.journeys", pl.DataFrame({"journey_id": ["j1", "j2"]}))
        assert wh.share_files("intermediate.compare_journeys", "marts.journeys")
        shared = [f.file for f in wh.stored_files("marts.journeys")["marts.journeys"]]
        wh.write_table("marts.journeys", pl.DataFrame({"journey_id": ["j3"]}))
        assert wh.read_table("marts.journeys")["journey_id"].to_list() == ["j3"]
        snapshot = wh.read_table("intermediate.compare_journeys")
        assert sorted(snapshot["journey_id"]) == ["j1", "j2"]
        assert set(shared) <= set(wh.referenced_files())
        assert not wh.share_files("intermediate.compare_journeys", "marts.nothing_written")
    with Warehouse(tmp_path / "tables.duckdb") as tables:  # no data folder: nothing to share
        tables.write_table("marts.journeys", pl.DataFrame({"journey_id": ["j1"]}))
        assert not tables.share_files("intermediate.compare_journeys", "marts.journeys")


def test_load_parquet_returns_the_rows_it_read(tmp_path: Path):
    path = tmp_path / "rows.parquet"
    pl.DataFrame({"v": [1, 2, 3]}).write_parquet(path)
    with _stored(tmp_path) as wh:
        assert wh.load_parquet("intermediate.t", [path]) == 3
        assert wh.load_parquet("intermediate.t", [path, path], mode="append") == 6
        assert wh.count("intermediate.t") == 9


def test_a_rolled_back_transaction_leaves_the_catalog_as_it_was(tmp_path: Path):
    with _stored(tmp_path) as wh:
        wh.write_table("marts.t", pl.DataFrame({"v": [1]}))
        before = wh.stored_files()
        with pytest.raises(RuntimeError), wh.transaction():
            wh.write_table("marts.t", pl.DataFrame({"v": [2]}))
            wh.write_table("marts.u", pl.DataFrame({"v": [3]}))
            raise RuntimeError("stop")
        assert wh.stored_files() == before
        assert not wh.table_exists("marts.u")
        assert wh.read_table("marts.t")["v"].to_list() == [1]


def test_a_transaction_records_its_stored_files_once_and_before_any_read(tmp_path: Path):
    """Inside a transaction raw.data_files is written once, before the commit (or before a
    read of it); what it holds then is every table's last files, none of a dropped table."""
    recorded: list[str] = []
    with _stored(tmp_path) as wh:
        run = wh._run

        def counted(sql: str, *args: object, **kwargs: object) -> object:
            if "INTO raw.data_files" in sql:
                recorded.append(str(kwargs.get("what")))
            return run(sql, *args, **kwargs)  # type: ignore[arg-type]

        wh._run = counted  # type: ignore[method-assign]
        with wh.transaction():
            for name, value in (("marts.t", 1), ("marts.u", 2), ("marts.t", 3), ("marts.gone", 4)):
                wh.write_table(name, pl.DataFrame({"v": [value]}))
            wh.drop_table("marts.gone")
            assert recorded == []
            wh._files = None  # a read of raw.data_files writes the pending records first
            assert sorted(wh.stored_files()) == ["marts.t", "marts.u"]
            assert recorded == ["record the files of marts.t, marts.u"]
            wh.write_table("marts.u", pl.DataFrame({"v": [5]}))
        assert recorded[1:] == ["record the files of marts.u"]  # before the commit
        listed = dict(wh._run("SELECT table_name, files FROM raw.data_files"))
        assert sorted(listed) == ["marts.t", "marts.u"]
        assert listed["marts.u"] == [f.file for f in wh.stored_files()["marts.u"]]
    with _stored(tmp_path) as wh:  # as committed
        assert wh.read_table("marts.t")["v"].to_list() == [3]
        assert wh.read_table("marts.u")["v"].to_list() == [5]
        assert not wh.table_exists("marts.gone")
    assert len(recorded) == 2


def test_a_frame_written_inside_a_transaction_is_let_go_before_the_commit(tmp_path: Path):
    """DuckDB holds a frame registered inside a transaction until the commit, even once
    unregistered; the warehouse lets go of it itself, so a long transaction (compare's) does
    not keep every frame it wrote."""
    import gc
    import weakref

    with _stored(tmp_path) as wh, wh.transaction():
        frame = pl.DataFrame({"map_name": ["a"] * 3, "v": [1, 2, 3]})
        gone = weakref.ref(frame)
        wh.replace_rows("marts.m", frame, column="map_name", value="a")
        wh.write_table("intermediate.t", frame)
        del frame
        gc.collect()
        assert gone() is None
        assert wh.read_table("marts.m")["v"].to_list() == [1, 2, 3]
        assert wh.read_table("intermediate.t", order_by=["v"])["v"].to_list() == [1, 2, 3]


def test_a_write_through_a_file_lands_the_rows_and_leaves_no_file(tmp_path: Path):
    with _stored(tmp_path) as wh:
        with pytest.raises(RuntimeError), wh.transaction():
            wh.write_table("intermediate.t", pl.DataFrame({"v": [9]}), through_file=True)
            raise RuntimeError("stop")
        assert not wh.table_exists("intermediate.t")  # rolled back with the rest
        with wh.transaction():
            frame = pl.DataFrame({"v": [1, 2], "s": [["x"], ["y", None]]})
            wh.write_table("intermediate.t", frame, through_file=True)
            wh.write_table("intermediate.t", frame.head(1), mode="append", through_file=True)
        out = wh.read_table("intermediate.t", order_by=["v"])
        assert out["v"].to_list() == [1, 1, 2] and out["s"].to_list() == [["x"], ["x"], ["y", None]]
        assert not list((tmp_path / "data").glob(".stage-*"))


def test_replace_rows_writes_parts_one_after_another_and_replaces_them_all(tmp_path: Path):
    with _stored(tmp_path) as wh:
        wh.replace_rows("marts.m", _history([("b", "week", "g0")]), column="map_name", value="b")
        parts = (_history([("a", "week", f"g{i}")]) for i in range(1, 4))
        wh.replace_rows("marts.m", parts, column="map_name", value="a")
        labels = [f.label for f in wh.stored_files("marts.m")["marts.m"]]
        assert sorted(labels) == ["a", "a", "a", "b"]
        assert sorted(wh.read_table("marts.m")["gap_id"]) == ["g0", "g1", "g2", "g3"]
        wh.replace_rows("marts.m", _history([("a", "day", "g9")]), column="map_name", value="a")
        assert sorted(wh.read_table("marts.m")["gap_id"]) == ["g0", "g9"]


def test_a_stored_tables_files_are_recorded_whole_or_not_at_all(tmp_path: Path):
    """Outside a transaction the old record of a table's files goes only with the new one: a
    failed write of the new record leaves the old one, and the table still reads its rows."""
    with _stored(tmp_path) as wh:
        wh.write_table("marts.t", pl.DataFrame({"v": [1]}))
        before = wh._run("SELECT table_name, files FROM raw.data_files")
        run = wh._run

        def failing(sql: str, *args: object, **kwargs: object) -> object:
            if sql.startswith("INSERT INTO raw.data_files"):
                raise WarehouseError("record the files: failed on purpose")
            return run(sql, *args, **kwargs)  # type: ignore[arg-type]

        wh._run = failing  # type: ignore[method-assign]
        with pytest.raises(WarehouseError, match="on purpose"):
            wh.write_table("marts.t", pl.DataFrame({"v": [2]}))
        wh._run = run  # type: ignore[method-assign]
        assert wh._run("SELECT table_name, files FROM raw.data_files") == before
    with _stored(tmp_path) as wh:
        assert wh.read_table("marts.t")["v"].to_list() == [1]


def test_drop_temp_drops_temp_tables_and_views_that_exist(tmp_path: Path):
    """Temp views made here, temp tables made here or by DuckDB itself (a CSV's rejects) and
    names that are not there: each gone afterwards, in a transaction or not, and the
    transaction still usable."""
    csv = tmp_path / "x.csv"
    csv.write_text("a,b\n1,2\n3\n", encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:

        def made() -> None:
            wh._run("CREATE OR REPLACE TEMP TABLE t_table AS SELECT 1 AS a")
            wh.create_temp_view("t_view", "t_table")
            wh._run(
                "CREATE OR REPLACE TEMP TABLE t_read AS SELECT * FROM read_csv("
                f"'{csv}', store_rejects = true, rejects_table = 't_rejects', "
                "rejects_scan = 't_scans')"
            )

        def temps() -> set[str]:
            rows = wh._run("SELECT table_name FROM duckdb_tables() WHERE database_name = 'temp'")
            views = wh._run("SELECT view_name FROM duckdb_views() WHERE database_name = 'temp'")
            return {r[0] for r in rows + views}

        names = ("t_table", "t_view", "t_read", "t_rejects", "t_scans", "t_never")
        made()
        assert temps() >= set(names) - {"t_never"}
        wh.drop_temp(*names)
        assert not temps() & set(names)
        made()
        with wh.transaction():
            wh.drop_temp(*names)
            assert not temps() & set(names)
            wh._run("CREATE TABLE staging.after (a INTEGER)")  # not aborted
        assert wh.table_exists("staging.after")


def test_a_frame_read_from_the_arrow_stream_has_the_types_pyarrow_gave(wh: Warehouse):
    """Frames are read by polars from DuckDB's Arrow stream, not through pyarrow (``.pl()``):
    the same columns, types and values, whether the result has rows or none."""
    wh._con.execute("CREATE TYPE mood AS ENUM ('ok', 'sad')")
    query = (
        "SELECT 1::INT AS i, 2::HUGEINT AS h, 1.5::DECIMAL(10, 2) AS d, 'x' AS s, 'ok'::mood AS e, "
        "DATE '2024-01-02' AS day, TIME '10:00' AS t, TIMESTAMP '2024-01-02 03:04:05' AS ts, "
        "TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tstz, 'ab'::BLOB AS b, [1, 2] AS l, "
        "{'x': 1, 'y': 'z'} AS st, MAP {'k': 1} AS m, NULL::VARCHAR AS n"
    )
    for where in ("", " WHERE false"):
        frame = wh._fetch(query + where, None, "queries/types")
        expected = wh._con.sql(query + where).pl()
        assert frame.schema == expected.schema
        assert frame.equals(expected)
        assert frame.height == (0 if where else 1)
    # an INTERVAL, which polars' stream reader cannot hold, is read as .pl() reads it
    with pytest.raises(pl.exceptions.ComputeError, match="interval"):
        wh._fetch("SELECT INTERVAL 3 DAY AS gap", None, "queries/gap")


def test_a_process_that_read_frames_loads_no_pyarrow_and_ends_without_leak_warnings(tmp_path):
    """pyarrow's import was 30 ms of every command that read a frame; and a process that read
    one and ended normally (a notebook, a flow's worker) must not print DuckDB's "leaked
    instances" warning at its end."""
    import subprocess
    import sys

    code = (
        "import sys; from journeys.warehouse import Warehouse; "
        f"wh = Warehouse({str(tmp_path / 'w.duckdb')!r}); "
        "wh._con.execute('CREATE TABLE t AS SELECT range AS a, concat(chr(120), range) AS b "
        "FROM range(5)'); "
        "frame = wh.read_table('t', order_by=['a']); "
        "print(frame.height, frame['b'][4], 'pyarrow' in sys.modules); wh.close()"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5", "x4", "False"]
    assert "leaked" not in out.stderr and "nanobind" not in out.stderr, out.stderr


def test_an_error_in_a_later_batch_of_a_frame_is_the_warehouse_error_with_its_fix(wh: Warehouse):
    """DuckDB raises an error found in a later batch while polars reads the stream; it reaches
    the caller as DuckDB's own error, so as the one-line failure naming the query, as before."""
    from journeys.warehouse.connection import _streamed_failure

    wh._con.execute(
        "CREATE TABLE t AS SELECT range::VARCHAR AS v FROM range(200000) UNION ALL SELECT 'x'"
    )
    with pytest.raises(WarehouseError, match=r"queries/numbers: Conversion Error.*'x'"):
        wh._fetch("SELECT CAST(v AS INTEGER) AS n FROM t", None, "queries/numbers")
    streamed = pl.exceptions.ComputeError("got external error: Out of Memory Error: 16 MiB")
    assert isinstance(_streamed_failure(streamed), duckdb.OutOfMemoryException)
    other = pl.exceptions.ComputeError("a polars error of its own")
    assert _streamed_failure(other) is other


def test_a_lane_on_the_hosts_duckdb_keeps_its_tables_apart(tmp_path: Path):
    """A small build's path job ran in a DuckDB of its own: 13 ms to build its catalog of
    built-in functions, a few per cent of a 1,000-event build. It is now an in-memory database
    attached to the writer's DuckDB, on a connection of its own: its tables must stay its own
    both ways (a look-up of information_schema lists every attached catalog), its settings
    the host's, and it must be gone from the host when closed."""
    with Warehouse(tmp_path / "w.duckdb") as host:
        host.write_table("marts.journeys", pl.DataFrame({"journey_id": ["j1", "j2"]}))
        with host.insertion_order(preserve=False):
            with Warehouse(host=host) as lane:
                assert not lane.table_exists("marts.journeys")
                assert lane.tables("marts") == []
                lane.write_table("marts.sessions", pl.DataFrame({"session_id": ["s1"]}))
                lane.write_table("marts.journeys", pl.DataFrame({"journey_id": ["x"]}))
                assert lane.count("marts.journeys") == 1
                with lane.insertion_order(preserve=False):  # the host's setting: no change
                    pass
                order = lane._run("SELECT current_setting('preserve_insertion_order')")
                assert order == [(False,)]
            assert host._run("SELECT current_setting('preserve_insertion_order')") == [(False,)]
        assert not host.table_exists("marts.sessions") and host.tables("marts") == ["journeys"]
        assert host.count("marts.journeys") == 2
        databases = {r[0] for r in host._run("SELECT database_name FROM duckdb_databases()")}
        assert not any(name.startswith("lane_") for name in databases)


def test_a_partitioned_write_hands_each_partitions_rows_on_in_small_runs(tmp_path, monkeypatch):
    """DuckDB's default holds up to 524,288 rows of every partition on every thread before it
    writes them (2.3 GiB for 10M events in 16 buckets): every connection of the warehouse, the
    writer's and a read-only one, lowers it, and every row lands in its bucket's file."""
    from journeys.warehouse import connection, storage

    monkeypatch.setattr(
        storage,
        "read_sql",
        lambda model: "select range as customer_key, 'v' || range as v from range(5000)",
    )
    setting = "select current_setting('partitioned_write_flush_threshold')"
    assert duckdb.sql(setting).fetchall()[0][0] > connection.PARTITION_FLUSH_ROWS  # the default
    with _stored(tmp_path) as wh:
        used = wh._con.execute(setting).fetchall()[0][0]
        found = wh.export_parts("test/parts", tmp_path / "out", parts=4, key="customer_key")
        rows = duckdb.sql(
            "select journeys_part, count(*), count(distinct customer_key) "
            f"from read_parquet({[str(f) for f, _ in found]!r}, hive_partitioning = true) "
            "group by all order by 1"
        ).fetchall()
    with Warehouse(tmp_path / "work.duckdb", read_only=True) as reader:  # a partition job's
        assert reader._con.execute(setting).fetchall()[0][0] == connection.PARTITION_FLUSH_ROWS
    assert used == connection.PARTITION_FLUSH_ROWS
    assert sorted(part for _, part in found) == [0, 1, 2, 3]
    assert sum(n for _, n, _ in rows) == 5000 and all(n == d for _, n, d in rows)
