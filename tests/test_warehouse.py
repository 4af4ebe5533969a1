from __future__ import annotations

import polars as pl
import pytest

from journeys.errors import WarehouseError
from journeys.warehouse import Warehouse, quote_ident


def test_quote_ident_escapes_quotes_and_splits_schema():
    assert quote_ident("marts.events") == '"marts"."events"'
    assert quote_ident('we"ird') == '"we""ird"'


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


def test_missing_model_names_the_file(wh: Warehouse):
    with pytest.raises(WarehouseError, match="sql/marts/nope.sql"):
        wh.run_model("marts/nope")


def test_parameters_in_comments_and_strings_are_not_parameters():
    from journeys.warehouse import _PARAM, _without_comments

    sql = "-- the row's $nope\nSELECT '$x it''s' AS a, $yes /* $no */ FROM t -- $gone"
    assert _PARAM.findall(_without_comments(sql)) == ["yes"]


def test_scan_table_is_lazy_and_filters_per_batch(wh: Warehouse):
    wh.write_table("marts.t", pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
    lazy = wh.scan_table("marts.t", columns=["a"])
    wh.write_table("marts.u", pl.DataFrame({"a": [1]}))  # other statements in between are fine
    assert lazy.filter(pl.col("a") > 1).collect()["a"].to_list() == [2, 3]
    assert lazy.collect().columns == ["a"]


def test_run_view_replaces_a_table_left_by_an_earlier_build(wh: Warehouse):
    wh.run_script("ddl/raw")
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
    with pytest.raises(WarehouseError, match=r"parameter \$salt"):
        wh.run_view("staging/stg_customers")
