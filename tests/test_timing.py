from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from journeys.compare.maps import parse_map
from journeys.compare.scope import distinct_variants, scope_journeys, scope_variants
from journeys.compare.timing import time_steps
from journeys.warehouse import Warehouse

MAP = parse_map(
    {
        "name": "t",
        "stages": [
            {
                "name": "S",
                "steps": [
                    {"name": "A", "channel": "web"},
                    {"name": "B", "within": "1h", "channel": "web"},
                    "C",
                ],
            }
        ],
    },
    source="t.yaml",
)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """j1 is on time; j2 has B 2h after A and switches channel; events arrive out of order."""
    events = [
        ("j2", 3, "C", T0 + timedelta(hours=3), "web"),
        ("j1", 1, "A", T0, "web"),
        ("j1", 2, "X", T0 + timedelta(minutes=1), "web"),
        ("j1", 3, "B", T0 + timedelta(minutes=10), "web"),
        ("j2", 1, "A", T0, "web"),
        ("j2", 2, "B", T0 + timedelta(hours=2), "phone"),
        ("j3", 1, "Z", T0, "web"),
    ]
    e = pl.DataFrame(
        events,
        schema=["journey_id", "step_index", "touchpoint", "occurred_at", "channel"],
        orient="row",
    )
    j = pl.DataFrame(
        {
            "journey_id": ["j1", "j2", "j3"],
            "customer_key": ["c1", "c2", "c3"],
            "variant_id": ["A|X|B", "A|B|C", "Z"],
            "path": [["A", "X", "B"], ["A", "B", "C"], ["Z"]],
            "status": ["completed"] * 3,
            "value": [0.0] * 3,
        }
    )
    return j, e


def test_seconds_breaches_and_switches_follow_step_order():
    j, e = frames()
    scoped = scope_journeys(j, scope_variants(MAP, distinct_variants(j)))
    timing = time_steps(MAP, e, scoped)
    jx = dict(zip(scoped["journey_id"], scoped["jx"], strict=True))
    seconds = timing.seconds.with_columns(pl.col("step").cast(pl.String)).sort(pl.all())
    assert seconds.rows() == [("B", 600.0), ("B", 7200.0), ("C", 3600.0)]
    breaches = timing.breaches.with_columns(pl.col("step").cast(pl.String))
    assert breaches.rows() == [(jx["j2"], "B", 7200.0)]  # and how long it took
    switches = timing.switches.with_columns(pl.col("prev_step", "step").cast(pl.String))
    # B is designed on web: the journey left it for the phone, and came back for C
    assert switches.sort("prev_step").rows() == [
        (jx["j2"], "A", "B", "web", "phone"),
        (jx["j2"], "B", "C", "phone", "web"),
    ]


def test_several_passes_give_the_same_result_as_one():
    j, e = frames()
    scoped = scope_journeys(j, scope_variants(MAP, distinct_variants(j)))
    one = time_steps(MAP, e, scoped)
    many = time_steps(MAP, e.lazy(), scoped, part_journeys=1)
    for name in ("seconds", "breaches", "switches"):
        a, b = getattr(one, name), getattr(many, name)
        assert a.sort(pl.all()).equals(b.sort(pl.all())), name


def test_events_out_of_step_order_inside_a_journey_are_put_in_order():
    """The same journeys with each journey's events together but backwards: sorted first."""
    j, e = frames()
    scoped = scope_journeys(j, scope_variants(MAP, distinct_variants(j)))
    backwards = e.sort("journey_id", "step_index", descending=[False, True])
    a, b = time_steps(MAP, e, scoped), time_steps(MAP, backwards, scoped)
    for name in ("seconds", "breaches", "switches"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.height and x.sort(pl.all()).equals(y.sort(pl.all())), name


def test_events_read_from_the_warehouse_give_the_same_result_as_a_frame():
    j, e = frames()
    scoped = scope_journeys(j, scope_variants(MAP, distinct_variants(j)))
    wh = Warehouse()
    wh.write_table("marts.events", e)
    one = time_steps(MAP, e, scoped)
    for part_journeys in (1, 10):
        read = time_steps(MAP, wh, scoped, part_journeys=part_journeys)
        for name in ("seconds", "breaches", "switches"):
            a, b = getattr(one, name), getattr(read, name)
            assert a.height and a.sort(pl.all()).equals(b.sort(pl.all())), name
