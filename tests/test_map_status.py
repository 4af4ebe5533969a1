"""Status for a map: a journey that reached one of the map's exits is finished for it, whatever
its horizon says; identical journeys with identical status get identical alignments and gaps."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from journeys.compare.conformance import compare_maps
from journeys.config import Settings
from journeys.warehouse import Warehouse
from test_conformance import load, write_map

STEPS = """\
- name: Assign seriousness
- name: Take in charge ticket
- name: Resolve ticket
- name: Closed
"""
DONE = ["Assign seriousness", "Take in charge ticket", "Resolve ticket", "Closed"]


def _compare(wh: Warehouse, tmp_path: Path, rows: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    load(wh, rows)
    path = write_map(tmp_path, "helpdesk", STEPS, goal="Closed", exit="[Closed]")
    compare_maps(wh, Settings(min_support=1), [path])
    return wh.read_table("marts.map_conformance"), wh.read_table("marts.map_gaps")


def test_a_journey_that_reached_an_exit_is_completed_for_the_map(wh: Warehouse, tmp_path: Path):
    rows = [
        # closed yesterday: the journey's horizon has not passed, the map's process has ended
        {"id": "c1", "path": DONE, "status": "in_flight"},
        # closed, then the customer wrote again: finished for this map, the extra step judged
        {"id": "c2", "path": [*DONE, "Take in charge ticket"], "status": "in_flight"},
        {"id": "c3", "path": DONE[:2], "status": "in_flight"},  # still open
        {"id": "c4", "path": DONE[:2], "status": "abandoned"},
    ]
    conformance, gaps = _compare(wh, tmp_path, rows)
    status = dict(conformance.select("journey_id", "status").iter_rows())
    assert status == {"c1": "completed", "c2": "completed", "c3": "in_flight", "c4": "abandoned"}
    cost = dict(conformance.select("journey_id", "cost").iter_rows())
    assert cost == {"c1": 0, "c2": 1, "c3": 0, "c4": 2}  # c3: a prefix; c2: one log move
    dropoff = gaps.filter(pl.col("gap_type") == "dropoff")
    assert dropoff["example_journey_ids"].to_list() == [["c4"]]
    # the closed journeys count as finished ones that reached the goal
    again = pl.col("touchpoint") == "Take in charge ticket"
    late = gaps.filter((pl.col("gap_type") == "unexpected_step") & again).row(0, named=True)
    assert late["outcome_rate_with"] == 1.0 and late["journeys"] == 1


def test_identical_journeys_with_identical_status_get_identical_alignments_and_gaps(
    wh: Warehouse, tmp_path: Path
):
    detour = ["Take in charge ticket", "Assign seriousness", "Resolve ticket", "Wait", "Closed"]
    twins = [{"id": f"t{i}", "path": detour, "status": "completed"} for i in range(3)]
    open_twins = [{"id": f"o{i}", "path": detour[:3], "status": "in_flight"} for i in range(2)]
    others = [{"id": f"x{i}", "path": DONE, "status": "completed"} for i in range(4)]
    conformance, gaps = _compare(wh, tmp_path, twins + open_twins + others)
    columns = ["status", "cost", "fitness", "is_conforming", "deviations"]
    for group in (["t0", "t1", "t2"], ["o0", "o1"]):
        rows = conformance.filter(pl.col("journey_id").is_in(group)).select(columns)
        assert rows.n_unique() == 1, rows
    examples = [set(ids) for ids in gaps["example_journey_ids"].to_list()]
    for group in ({"t0", "t1", "t2"}, {"o0", "o1"}):
        assert all(len(group & ids) in (0, len(group)) for ids in examples)
        assert any(group <= ids for ids in examples)  # the twins do have gaps
