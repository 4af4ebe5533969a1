"""Touchpoints that matter (marts.touchpoint_impact): like-with-like outcome rates at the map
stage, the removal effect on the chain of the map's finished journeys (ignored touchpoints left
out, cut at the goal), costs and return, on hand-made journeys with known answers."""

from __future__ import annotations

import polars as pl
import pytest

from builders import journey_marts
from journeys.compare.conformance import compare_map
from journeys.compare.maps import parse_map
from journeys.compare.markov import removal_effects, transition_counts, walks_of

MAP = parse_map(
    {
        "name": "shop",
        "goal": "Delivered",
        "ignore": ["Help"],
        "stages": [
            {"name": "Discover", "steps": ["Visit"]},
            {"name": "Buy", "steps": ["Cart", "Pay"]},
            {"name": "Done", "steps": ["Delivered"]},
        ],
    },
    source="shop.yaml",
)
GROUPS = [
    # (journeys, path, status, value)
    (10, ["Visit", "Cart", "Pay", "Delivered"], "completed", 100.0),
    (5, ["Visit", "Cart", "Call", "Pay", "Delivered"], "completed", 100.0),
    (5, ["Visit", "Cart", "Call"], "abandoned", 0.0),
    (4, ["Visit", "Cart"], "abandoned", 0.0),
    (6, ["Visit", "Help", "Visit"], "abandoned", 0.0),
    (2, ["Visit", "Cart", "Pay"], "in_flight", 0.0),  # not finished: no rate, no walk
]


def _impact(**costs: float) -> dict[str, dict]:
    rows = [
        {"id": f"g{g}-{i:02}", "path": path, "status": status, "value": value}
        for g, (n, path, status, value) in enumerate(GROUPS)
        for i in range(n)
    ]
    journeys, events = journey_marts(rows)
    result = compare_map(MAP, journeys=journeys, events=events, min_support=1, costs=costs)
    return {r["touchpoint"]: r for r in result.touchpoints.iter_rows(named=True)}


def test_every_touchpoint_but_the_ignored_ones():
    impact = _impact()
    assert sorted(impact) == ["Call", "Cart", "Delivered", "Pay", "Visit"]
    assert {t: r["designed"] for t, r in impact.items()} == {
        "Call": False, "Cart": True, "Delivered": True, "Pay": True, "Visit": True,
    }  # fmt: skip
    assert impact["Visit"]["journeys_with"] == 32  # in-flight journeys count here
    assert impact["Visit"]["events"] == 36  # events in finished journeys (Visit twice for 6)


def test_like_with_like_at_the_touchpoints_stage():
    """A call comes after 'Cart' (stage Buy): 10 finished journeys with it, 5 delivered,
    against the 14 that reached Buy without a call, 10 delivered."""
    call = _impact()["Call"]
    assert call["stage"] == "Buy"
    assert (call["finished_with"], call["outcome_rate_with"]) == (10, 0.5)
    assert (call["baseline_journeys"], call["outcome_rate_without"]) == (14, pytest.approx(10 / 14))
    assert call["ci_low"] < 0.5 - 10 / 14 < call["ci_high"]
    pay = _impact()["Pay"]
    assert (pay["stage"], pay["finished_with"], pay["outcome_rate_with"]) == ("Buy", 15, 1.0)
    assert (pay["baseline_journeys"], pay["outcome_rate_without"]) == (9, 0.0)
    assert pay["effect"] == "helps"


def test_removal_effects_come_from_the_walks_of_the_finished_journeys():
    """Ignored touchpoints are left out and each walk stops at the goal; the in-flight journeys
    are not walks."""
    walks = walks_of(
        [["Visit", "Cart", "Pay"]] * 10
        + [["Visit", "Cart", "Call", "Pay"]] * 5
        + [["Visit", "Cart", "Call"]] * 5
        + [["Visit", "Cart"]] * 4
        + [["Visit", "Visit"]] * 6,
        [True] * 15 + [False] * 15,
    )
    expected = removal_effects(transition_counts(walks), conversions=15)
    impact = _impact()
    for touchpoint, effect, attributed in expected.iter_rows():
        assert impact[touchpoint]["removal_effect"] == pytest.approx(effect)
        assert impact[touchpoint]["attributed_outcomes"] == pytest.approx(attributed)
    assert sum(r["attributed_outcomes"] or 0 for r in impact.values()) == pytest.approx(15)


def test_the_goal_is_the_conversion_and_the_rest_is_ranked_by_removal_effect():
    impact = _impact()
    goal = impact.pop("Delivered")
    assert (goal["rank"], goal["removal_effect"], goal["attributed_outcomes"]) == (None, None, None)
    ranked = sorted(impact.values(), key=lambda r: r["rank"])
    assert [r["rank"] for r in ranked] == [1, 2, 3, 4]
    effects = [r["removal_effect"] for r in ranked]
    assert effects == sorted(effects, reverse=True)
    assert ranked[-1]["touchpoint"] == "Call"  # on fewer converting walks than the map's steps


def test_cost_and_return():
    """A call costs 4.5 each: 10 calls in finished journeys; its attributed outcomes are worth
    the goal value (100, the mean value of the delivered journeys) each."""
    impact = _impact(Call=4.5)
    call = impact["Call"]
    assert (call["cost"], call["events"], call["total_cost"]) == (4.5, 10, 45.0)
    assert call["attributed_value"] == pytest.approx(call["attributed_outcomes"] * 100.0)
    assert call["return_on_cost"] == pytest.approx(call["attributed_value"] / 45.0)
    assert impact["Cart"]["cost"] is None and impact["Cart"]["return_on_cost"] is None


def test_a_map_without_money_has_no_attributed_value():
    rows = [{"id": f"j{i}", "path": ["Visit", "Cart", "Pay", "Delivered"]} for i in range(3)]
    journeys, events = journey_marts(rows)
    result = compare_map(MAP, journeys=journeys, events=events, min_support=1, costs={"Pay": 1.0})
    frame = result.touchpoints
    assert frame["attributed_value"].null_count() == frame.height
    assert frame.filter(pl.col("touchpoint") == "Pay")["return_on_cost"].to_list() == [None]
