"""share_drift (compare/shares.py): a step or transition taken by a share of the finished
journeys whose 95% interval excludes the map's ``expected_share:``; and the stable gap key
(compare/gapkey.py) that keeps a gap's id from one run to the next."""

from __future__ import annotations

import polars as pl
import pytest

from journeys.compare.gapkey import gap_id_of, gap_key_text
from journeys.compare.impact import wilson_interval
from journeys.compare.maps import parse_map
from test_gaps import MAP, ROWS, gaps_of


def share_map(c_share: float, d_share: float | None = None) -> object:
    """A -> B -> C (goal) or D, C expected to be reached by ``c_share`` of the finished
    journeys and (optionally) B -> D taken by ``d_share``."""
    to_d: object = "D" if d_share is None else {"step": "D", "expected_share": d_share}
    return parse_map(
        {
            "name": "shares",
            "goal": "C",
            "exit": ["C", "D"],
            "stages": [
                {
                    "name": "S",
                    "steps": [
                        "A",
                        {"name": "B", "next": ["C", to_d]},
                        {"name": "C", "expected_share": c_share, "next": []},
                        "D",
                    ],
                }
            ],
        },
        source="shares.yaml",
    )


SHARE_MAP = parse_map(
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
                    {"name": "C", "within": "1h", "next": [], "expected_share": 0.2},
                    "D",
                ],
            }
        ],
    },
    source="abcd.yaml",
)
"""MAP of test_gaps with C expected at 20%: ROWS reach it in 9 of 11 finished journeys."""

SIXTEEN_C_FOUR_D = [
    *[{"id": f"c{i:02}", "path": ["A", "B", "C"], "value": 10.0} for i in range(16)],
    *[{"id": f"d{i:02}", "path": ["A", "B", "D"]} for i in range(4)],
    {"id": "f00", "path": ["A", "B"], "status": "in_flight"},  # not counted: may still get there
]


def share_gaps(rows: list[dict], journey_map: object) -> pl.DataFrame:
    gaps = gaps_of(rows, journey_map=journey_map)  # type: ignore[arg-type]
    return gaps.filter(pl.col("gap_type") == "share_drift")


def test_a_step_reached_more_often_than_expected_is_a_gap_of_those_who_reach_it():
    [row] = share_gaps(SIXTEEN_C_FOUR_D, share_map(0.5)).iter_rows(named=True)
    low, high = wilson_interval(16, 20)
    assert high < 1 and low > 0.5  # 0.5 is outside the interval of 16 of 20
    assert (row["from_step"], row["to_step"], row["touchpoint"]) == (None, "C", None)
    assert (row["expected_share"], row["observed_share"]) == (0.5, 0.8)
    assert row["journeys"] == 16 and row["finished_with"] == 16
    assert row["detail"] == f"80% of finished journeys ({low:.0%}–{high:.0%}), expected 50%"
    assert row["description"] == f"'C' taken by {row['detail']}"
    # compared with the other finished journeys in scope: the four that went to D
    assert (row["outcome_rate_with"], row["outcome_rate_without"]) == (1.0, 0.0)
    assert (row["baseline_steps"], row["baseline_journeys"]) == (None, 4)
    assert row["ranking"] == "deviations"


def test_fewer_than_expected_reaching_the_goal_ranks_with_the_ways_of_leaving():
    [row] = share_gaps(SIXTEEN_C_FOUR_D, share_map(0.95)).iter_rows(named=True)
    assert row["journeys"] == 4  # the finished journeys that did not reach C
    assert row["example_journey_ids"] == ["d00", "d01", "d02", "d03"]
    assert row["outcome_rate_with"] == 0.0 and row["ranking"] == "dropoffs"


def test_a_transition_is_judged_on_the_two_steps_one_right_after_the_other():
    gaps = share_gaps(SIXTEEN_C_FOUR_D, share_map(0.8, d_share=0.5))
    [row] = gaps.iter_rows(named=True)  # C at 80% is as expected
    assert (row["from_step"], row["to_step"], row["journeys"]) == ("B", "D", 16)
    assert row["description"].startswith("'B' → 'D' taken by 20% of finished journeys")
    assert share_gaps(SIXTEEN_C_FOUR_D, share_map(0.8, d_share=0.2)).is_empty()


def test_share_drift_journeys_are_not_listed_in_map_journeys():
    """Which side a journey is on depends on every other journey: listing it would rewrite the
    rows of journeys that did not change whenever the observed share crossed the expected."""
    from builders import journey_marts
    from journeys.compare.conformance import compare_map

    rows = [*SIXTEEN_C_FOUR_D, {"id": "x00", "path": ["A", "X", "B", "C"]}]
    j, e = journey_marts({"customer": r["id"], **r} for r in rows)
    result = compare_map(share_map(0.5), journeys=j, events=e, min_support=1)
    drift = result.gaps.filter(pl.col("gap_type") == "share_drift")["gap_id"].item()
    listed = result.journeys.explode("gap_ids")["gap_ids"].drop_nulls().to_list()
    assert drift not in listed and listed  # other gaps are listed


def test_expected_shares_are_validated():
    from journeys.compare.maps import MapValidationError

    bad = {
        "name": "m",
        "stages": [
            {
                "name": "S",
                "steps": [
                    {"name": "A", "expected_share": 1.5, "next": [{"step": "B", "share": 1}]},
                    {"name": "B", "expected_share": True},
                ],
            }
        ],
    }
    with pytest.raises(MapValidationError) as found:
        parse_map(bad, source="m.yaml")
    problems = found.value.problems
    assert any("steps[0].expected_share: 1.5 is not a share" in p for p in problems)
    assert any("next[0].share: unknown key 'share'" in p for p in problems)
    assert any("steps[1].expected_share: True is not a share" in p for p in problems)


def test_a_gap_keeps_its_id_when_where_its_journeys_went_changes():
    """unexpected_step's to_step and detail (where its journeys went next) change from run to
    run; its id does not. The stable key is the gap as found."""
    first = gaps_of(ROWS)
    more = gaps_of([*ROWS, {"id": "j13", "path": ["A", "X", "C"], "value": 10.0}])

    def call(gaps: pl.DataFrame) -> dict:
        found = gaps.filter((pl.col("touchpoint") == "X") & (pl.col("from_step") == "A"))
        return found.row(0, named=True)

    before, after = call(first), call(more)
    assert before["detail"] != after["detail"]
    assert before["gap_id"] == after["gap_id"]
    assert before["gap_key"] == gap_key_text(("unexpected_step", "A", None, "X", None))
    assert before["gap_id"] == gap_id_of(before["gap_key"])
    ids = first["gap_id"]
    assert ids.n_unique() == first.height and ids.min() > 0  # positive in a BIGINT
    assert set(ids) <= set(more["gap_id"])  # every gap of the first run has its id again
    assert MAP.name == SHARE_MAP.name
