from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from journeys.compare.conformance import compare_map
from journeys.compare.gaps import newcombe_interval, wilson_interval
from journeys.compare.maps import JourneyMap, parse_map

T0 = datetime(2024, 1, 1, tzinfo=UTC)

# A -> B -> C (goal) or D; the map names a web channel for A and B; C within 1h of B.
MAP = parse_map(
    {
        "name": "abcd",
        "goal": "C",
        "exit": ["C", "D"],
        "stages": [
            {
                "name": "S",
                "steps": [
                    {"name": "A", "channel": "web"},
                    {"name": "B", "channel": "web", "next": ["C", "D"]},
                    {"name": "C", "within": "1h", "next": []},
                    "D",
                ],
            }
        ],
    },
    source="abcd.yaml",
)


def frames(rows: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """rows: id, path, and optional status, customer, value, seconds, channels."""
    journeys, events = [], []
    for r in rows:
        at, n = T0, len(r["path"])
        for i, touchpoint in enumerate(r["path"]):
            at += timedelta(seconds=(r.get("seconds") or [60] * n)[i])
            events.append((r["id"], i + 1, touchpoint, at, (r.get("channels") or ["web"] * n)[i]))
        journeys.append(
            (
                r["id"],
                r.get("customer", r["id"]),
                "|".join(r["path"]),
                r["path"],
                r.get("status", "completed"),
                r.get("value", 0.0),
            )
        )
    j = pl.DataFrame(
        journeys,
        schema=["journey_id", "customer_key", "variant_id", "path", "status", "value"],
        orient="row",
    )
    e = pl.DataFrame(
        events,
        schema={
            "journey_id": pl.String,
            "step_index": pl.Int64,
            "touchpoint": pl.String,
            "occurred_at": pl.Datetime("us", "UTC"),
            "channel": pl.String,
        },
        orient="row",
    )
    return j, e


def gaps_of(rows: list[dict], *, journey_map: JourneyMap = MAP, min_support: int = 1):
    j, e = frames(rows)
    return compare_map(journey_map, journeys=j, events=e, min_support=min_support).gaps


def key(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("gap_type", "from_step", "to_step", "touchpoint", "journeys").rows()


ROWS = [
    *[{"id": f"j0{i}", "path": ["A", "B", "C"], "value": 10.0} for i in range(1, 5)],
    {"id": "j05", "path": ["A", "C"], "value": 10.0},
    {"id": "j06", "path": ["A", "C"], "value": 10.0},
    {"id": "j07", "path": ["A", "X", "B"], "status": "abandoned", "customer": "c78"},
    {"id": "j08", "path": ["A", "X", "B"], "status": "abandoned", "customer": "c78"},
    {"id": "j09", "path": ["A", "B", "B", "C"], "value": 10.0},
    {"id": "j10", "path": ["A", "B"], "status": "in_flight"},
    {"id": "j11", "path": ["A", "B", "C"], "value": 10.0, "seconds": [0, 60, 7200]},
    {"id": "j12", "path": ["A", "B", "C"], "value": 10.0, "channels": ["web", "phone", "phone"]},
]


def test_every_gap_is_typed_from_moves_and_events():
    gaps = gaps_of(ROWS).sort("gap_type", "from_step", "to_step", nulls_last=True)
    assert key(gaps) == [
        ("channel_switch", "A", "B", None, 1),
        ("dropoff", "B", None, None, 2),
        ("loop", None, "B", None, 1),
        ("skipped_step", None, "B", None, 2),
        ("sla_breach", None, "C", None, 1),
        ("unexpected_step", "A", "B", "X", 2),
        ("unexpected_step", "B", "C", "B", 1),
        ("unexpected_transition", "A", "C", None, 2),
        ("unused_transition", "B", "D", None, 0),
    ]
    details = dict(zip(gaps["gap_type"], gaps["detail"], strict=True))
    assert details["channel_switch"] == "web → phone"
    assert details["sla_breach"] == "1h"


def test_impact_measures_of_a_dropoff():
    gaps = gaps_of(ROWS)
    drop = gaps.filter(pl.col("gap_type") == "dropoff").row(0, named=True)
    # 11 finished journeys in scope (j10 is in flight); 9 reached the goal C, the 2 drop-offs not
    assert drop["customers"] == 1
    assert drop["share"] == pytest.approx(2 / 12)
    assert (drop["outcome_rate_with"], drop["outcome_rate_without"]) == (0.0, 1.0)
    assert drop["missed_outcomes"] == 2.0
    assert drop["value_at_risk"] == 20.0  # 2 missed outcomes x 10 average goal value
    assert (drop["ci_low"], drop["ci_high"]) == pytest.approx(newcombe_interval(0, 2, 9, 9))
    assert drop["example_journey_ids"] == ["j07", "j08"]
    assert drop["description"] == "abandoned after 'B'"


def test_ranking_by_impact_with_minimum_support():
    gaps = gaps_of(ROWS, min_support=2)
    ranked = gaps.filter(pl.col("rank").is_not_null()).sort("rank")
    assert ranked.select("rank", "gap_type", "to_step", "touchpoint").rows() == [
        (1, "dropoff", None, None),
        (2, "unexpected_step", "B", "X"),
        (3, "skipped_step", "B", None),
        (4, "unexpected_transition", "C", None),
    ]
    unranked = gaps.filter(pl.col("rank").is_null())
    assert set(unranked["journeys"].to_list()) == {0, 1}  # below support, and the unused edge


def test_value_at_risk_is_never_negative():
    rows = [
        {"id": "j1", "path": ["A", "B", "C"], "value": -30.0},  # a refund
        {"id": "j2", "path": ["A"], "status": "abandoned"},
    ]
    drop = gaps_of(rows).filter(pl.col("gap_type") == "dropoff").row(0, named=True)
    assert (drop["missed_outcomes"], drop["value_at_risk"]) == (1.0, 0.0)


def test_in_flight_journeys_are_never_dropoffs():
    rows = [
        {"id": "j1", "path": ["A", "B"], "status": "in_flight"},
        {"id": "j2", "path": ["A"], "status": "in_flight"},
        {"id": "j3", "path": ["A", "B", "C"]},
    ]
    gaps = gaps_of(rows)
    assert gaps.filter(pl.col("gap_type") == "dropoff").height == 0
    assert gaps.filter(pl.col("gap_type") == "skipped_step").height == 0


def test_steps_an_abandoned_journey_never_got_to_are_its_dropoff_not_skips():
    rows = [
        {"id": "j1", "path": ["A"], "status": "abandoned"},
        {"id": "j2", "path": ["A"], "status": "completed"},
        {"id": "j3", "path": ["B", "C"], "status": "abandoned"},
    ]
    gaps = gaps_of(rows).filter(pl.col("journeys") > 0)
    assert key(gaps.sort("gap_type", "to_step", nulls_last=True)) == [
        ("dropoff", "A", None, None, 1),
        ("skipped_step", None, "A", None, 1),  # j3 skipped the entry A, then went on
        ("skipped_step", None, "B", None, 1),  # j2 completed without ever reaching B, C
        ("skipped_step", None, "C", None, 1),
    ]


def test_designed_channel_switch_is_not_a_gap():
    m = parse_map(
        {
            "name": "store",
            "stages": [
                {
                    "name": "S",
                    "steps": [{"name": "A", "channel": "web"}, {"name": "B", "channel": "store"}],
                }
            ],
        },
        source="store.yaml",
    )
    gaps = gaps_of(
        [
            {"id": "j1", "path": ["A", "B"], "channels": ["web", "store"]},
            {"id": "j2", "path": ["A", "B"], "channels": ["web", "phone"]},
        ],
        journey_map=m,
    )
    switches = gaps.filter(pl.col("gap_type") == "channel_switch")
    assert switches.select("detail", "journeys", "example_journey_ids").rows() == [
        ("web → phone", 1, ["j2"])
    ]


def test_example_ids_are_at_most_five():
    rows = [{"id": f"j{i:02d}", "path": ["A", "C"]} for i in range(8)]
    gaps = gaps_of(rows)
    skipped = gaps.filter(pl.col("gap_type") == "skipped_step").row(0, named=True)
    assert skipped["journeys"] == 8
    assert skipped["example_journey_ids"] == ["j00", "j01", "j02", "j03", "j04"]


def test_wilson_and_newcombe_match_published_values():
    low, high = wilson_interval(0, 10)
    assert (low, round(high, 4)) == (0.0, 0.2775)
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    assert newcombe_interval(1, 0, 1, 2) is None
