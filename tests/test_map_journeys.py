"""marts.map_journeys, the contract the report reads: one row per (map, journey in scope) with
the path after the map's ignore globs, status, segment, period, conformance and gap ids."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from builders import Journey, write_journey_marts
from journeys.compare.conformance import compare_maps
from journeys.config import Settings
from journeys.warehouse import Warehouse

MAP = """\
name: shop
goal: Paid
ignore: ["Newsletter *"]
stages:
  - name: Buy
    steps:
      - name: Visit
      - name: Cart
      - name: Paid
"""


def _journeys() -> list[Journey]:
    march, april = datetime(2026, 3, 31, 23, 0, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
    return [
        Journey("j1", ["Visit", "Cart", "Paid"], segment="retail", start=march),
        Journey("j2", ["Visit", "Newsletter opened", "Cart", "Paid"], segment="retail"),
        Journey("j3", ["Visit", "Call", "Cart"], status="abandoned", start=april),
        Journey("j4", ["Visit", "Call", "Cart", "Paid"], segment="b2b", start=april),
        Journey("j5", ["Newsletter opened", "Call"]),  # no map step: out of scope
        Journey("j6", ["Cart", "Cart", "Paid"], status="in_flight", segment="b2b"),
    ]


def test_map_journeys_holds_the_scope_as_compare_saw_it(wh: Warehouse, tmp_path: Path):
    write_journey_marts(wh, _journeys())
    path = tmp_path / "shop.yaml"
    path.write_text(MAP, encoding="utf-8")
    compare_maps(wh, Settings(min_support=1), [path])
    rows = wh.read_table("marts.map_journeys", order_by=["journey_id"])
    assert rows["journey_id"].to_list() == ["j1", "j2", "j3", "j4", "j6"]
    assert rows["path"].to_list()[1] == ["Visit", "Cart", "Paid"]  # the newsletter ignored
    assert rows["path"].to_list()[2] == ["Visit", "Call", "Cart"]  # an unknown step stays
    assert rows["period"].to_list()[0] == "2026-03"  # 23:00 UTC on the 31st is still March
    assert rows["period"].to_list()[2] == "2026-04"
    assert rows["segment"].to_list() == ["retail", "retail", None, "b2b", "b2b"]
    assert rows["reached_outcome"].to_list() == [True, True, False, True, True]
    # j6 is in flight in marts.journeys but reached the map's exit (Paid): finished for the map
    assert rows["status"].to_list() == ["completed"] * 2 + ["abandoned", "completed", "completed"]
    assert rows["map_version"].n_unique() == 1 and len(rows["map_version"][0]) == 16
    conformance = wh.read_table("marts.map_conformance", order_by=["journey_id"])
    assert rows["is_conforming"].to_list() == conformance["is_conforming"].to_list()
    assert rows["is_conforming"].to_list() == [True, True, False, False, False]


def test_gap_ids_name_exactly_the_journeys_each_gap_counts(wh: Warehouse, tmp_path: Path):
    write_journey_marts(wh, _journeys())
    path = tmp_path / "shop.yaml"
    path.write_text(MAP, encoding="utf-8")
    compare_maps(wh, Settings(min_support=1), [path])
    gaps = wh.read_table("marts.map_gaps")
    rows = wh.read_table("marts.map_journeys")
    assert gaps["gap_id"].n_unique() == gaps.height
    members = rows.explode("gap_ids").drop_nulls("gap_ids")
    counted = members.group_by(gap_id="gap_ids").agg(
        pl.len().alias("n"), pl.col("journey_id").sort().alias("ids")
    )
    joined = gaps.join(counted, on="gap_id", how="left").with_columns(pl.col("n").fill_null(0))
    assert joined["journeys"].to_list() == joined["n"].to_list()
    call = joined.filter(
        (pl.col("gap_type") == "unexpected_step") & (pl.col("touchpoint") == "Call")
    )
    assert call["ids"].to_list() == [["j3", "j4"]]
    assert rows.filter(pl.col("journey_id") == "j1")["gap_ids"].to_list() == [[]]


def test_a_second_map_keeps_the_first_maps_rows(wh: Warehouse, tmp_path: Path):
    write_journey_marts(wh, _journeys())
    first, second = tmp_path / "shop.yaml", tmp_path / "calls.yaml"
    first.write_text(MAP, encoding="utf-8")
    second.write_text(
        textwrap.dedent("""\
            name: calls
            stages:
              - name: S
                steps: [Call, Cart]
            """),
        encoding="utf-8",
    )
    compare_maps(wh, Settings(min_support=1), [first])
    compare_maps(wh, Settings(min_support=1), [second])
    counts = dict(
        wh.read_table("marts.map_journeys").group_by("map_name").len().sort("map_name").rows()
    )
    assert counts == {"calls": 6, "shop": 5}
