from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from journeys.compare.alignment import Alignment, align_trace, align_variants
from journeys.compare.maps import JourneyMap, MapValidationError, load_map, parse_map

MAPS = Path(__file__).parent / "maps"


def make_map(*steps: object, **top: object) -> JourneyMap:
    data = {"name": "t", **top, "stages": [{"name": "S", "steps": list(steps)}]}
    return parse_map(data, source="t.yaml")


def moves(a: Alignment) -> list[tuple[str, str | None]]:
    return [(m.kind, m.step if m.kind != "log" else m.touchpoint) for m in a.moves]


ABC = make_map("A", "B", "C")


def test_perfect_trace_costs_nothing():
    a = align_trace(ABC, ["A", "B", "C"])
    assert (a.cost, a.fitness, a.is_conforming) == (0, 1.0, True)
    assert moves(a) == [("sync", "A"), ("sync", "B"), ("sync", "C")]


def test_skipped_step_is_one_model_move():
    a = align_trace(ABC, ["A", "C"])
    assert a.cost == 1
    assert a.fitness == pytest.approx(1 - 1 / (2 + 3))
    assert moves(a) == [("sync", "A"), ("model", "B"), ("sync", "C")]
    assert a.deviations() == ("skipped 'B'",)


def test_extra_step_is_one_log_move_with_its_position():
    a = align_trace(ABC, ["A", "X", "B", "C"])
    assert a.cost == 1
    assert a.fitness == pytest.approx(1 - 1 / (4 + 3))
    assert a.moves[1].kind == "log" and a.moves[1].position == 1
    assert a.deviations() == ("unexpected 'X' after 'A'",)


def test_swapped_order_costs_two_and_prefers_the_log_move_first():
    a = align_trace(ABC, ["A", "C", "B"])
    assert a.cost == 2
    # tie-break: sync, then log, then model -> C is out of place where it happened
    assert moves(a) == [("sync", "A"), ("log", "C"), ("sync", "B"), ("model", "C")]


def test_loop_on_a_step_that_is_not_repeatable():
    a = align_trace(ABC, ["A", "B", "B", "C"])
    assert a.cost == 1
    assert moves(a) == [("sync", "A"), ("sync", "B"), ("log", "B"), ("sync", "C")]
    looping = make_map("A", {"name": "B", "repeatable": True}, "C")
    assert align_trace(looping, ["A", "B", "B", "B", "C"]).cost == 0


def test_empty_journey_is_the_shortest_walk_of_model_moves():
    a = align_trace(ABC, [])
    assert a.cost == 3
    assert a.fitness == 0.0
    assert moves(a) == [("model", "A"), ("model", "B"), ("model", "C")]


def test_start_and_end_outside_the_map():
    a = align_trace(ABC, ["X", "A", "B", "C", "Y"])
    assert a.cost == 2
    assert a.deviations() == ("unexpected 'X' at the start", "unexpected 'Y' after 'C'")


def test_branches_and_optional_steps():
    m = load_map(MAPS / "online_purchase.yaml")
    happy = [
        "Visit site",
        "View product",
        "View product",
        "Add to cart",
        "Payment captured",
        "Order shipped",
        "Order delivered",
    ]
    assert align_trace(m, happy).cost == 0
    cancelled = ["Visit site", "View product", "Add to cart", "Apply coupon"]
    cancelled += ["Payment captured", "Order cancelled"]
    assert align_trace(m, cancelled).cost == 0
    # both branches taken: the cheapest explanation drops the cancellation (one log move)
    both = happy[:5] + ["Order cancelled", "Order shipped", "Order delivered"]
    a = align_trace(m, both)
    assert a.cost == 1
    assert [mv for mv in moves(a) if mv[0] != "sync"] == [("log", "Order cancelled")]
    # skipping a mandatory step after the optional one
    a = align_trace(m, ["Visit site", "View product", "Apply coupon", "Payment captured"])
    assert moves(a)[2] == ("model", "Add to cart")
    assert a.cost == 2  # Add to cart skipped, and an exit must still be reached
    assert moves(a)[-1] == ("model", "Order cancelled")


def test_ignored_touchpoints_make_no_move_and_do_not_count():
    m = make_map("A", "B", ignore=["News*"])
    a = align_trace(m, ["A", "Newsletter", "B"])
    assert (a.cost, a.trace_length, a.fitness) == (0, 2, 1.0)
    assert [mv.position for mv in a.moves] == [0, 2]


def test_align_variants_aligns_each_distinct_trace_once():
    variants = pl.DataFrame(
        {"variant_id": ["v1", "v2", "v3"], "path": [["A", "B", "C"], ["A", "C"], ["A", "C"]]}
    )
    out = align_variants(ABC, variants)
    assert out["variant_id"].to_list() == ["v1", "v2", "v3"]
    assert out["cost"].to_list() == [0, 1, 1]
    assert out["is_conforming"].to_list() == [True, False, False]
    assert out["deviations"].to_list()[1] == ["skipped 'B'"]
    assert out["moves"].to_list()[1][1] == {
        "kind": "model",
        "position": None,
        "touchpoint": None,
        "step": "B",
    }


# -- optimality against brute force ---------------------------------------------------------
def brute_force_cost(m: JourneyMap, trace: tuple[str, ...]) -> int:
    """Enumerate every alignment, cheapest bound first (iterative deepening): exact minimum."""
    edges, starts, ends = m.edges(), set(m.start_steps), set(m.end_steps)
    names = m.step_names
    n = len(trace)

    def search(i: int, q: str | None, budget: int) -> bool:
        if i == n and q in ends:
            return True
        if i < n:
            t = trace[i]
            can_sync = (q is None and t in starts) or (q is not None and (q, t) in edges)
            if can_sync and search(i + 1, t, budget):
                return True
            if budget and search(i + 1, q, budget - 1):
                return True
        if budget:
            for s in names:
                legal = (q is None and s in starts) or (q is not None and (q, s) in edges)
                if legal and search(i, s, budget - 1):
                    return True
        return False

    bound = 0
    while not search(0, None, bound):
        bound += 1
    return bound


def replay_cost(m: JourneyMap, trace: tuple[str, ...], a: Alignment) -> int:
    """Check the moves form a legal alignment; return their cost."""
    q, i, cost = None, 0, 0
    for mv in a.moves:
        if mv.kind == "log":
            assert mv.position == i and mv.touchpoint == trace[i]
            i, cost = i + 1, cost + 1
            continue
        assert (q is None and mv.step in m.start_steps) or (q, mv.step) in m.edges()
        if mv.kind == "sync":
            assert mv.position == i and trace[i] == mv.step
            i += 1
        else:
            cost += 1
        q = mv.step
    assert i == len(trace) and q in m.end_steps
    return cost


def random_map(rng: random.Random) -> JourneyMap | None:
    names = ["A", "B", "C", "D"][: rng.randint(2, 4)]
    steps = []
    for name in names:
        step: dict[str, object] = {"name": name}
        if rng.random() < 0.3:
            step["optional"] = True
        if rng.random() < 0.3:
            step["repeatable"] = True
        if rng.random() < 0.4:
            step["next"] = rng.sample(names, rng.randint(0, 2))
        steps.append(step)
    top = {"exit": rng.sample(names, rng.randint(1, 2))}
    if rng.random() < 0.3:
        top["entry"] = rng.sample(names, 2)
    try:
        return make_map(*steps, **top)
    except MapValidationError:
        return None


def test_alignment_is_optimal_on_random_small_cases():
    rng = random.Random(20240611)
    checked = 0
    while checked < 600:
        m = random_map(rng)
        if m is None:
            continue
        for _ in range(3):
            alphabet = [*m.step_names, "X"]
            trace = tuple(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))
            a = align_trace(m, trace)
            assert a.cost == brute_force_cost(m, trace), (m.edges(), trace)
            assert replay_cost(m, trace, a) == a.cost
            checked += 1


def test_alignment_is_deterministic():
    m = make_map("A", {"name": "B", "next": ["C", "D"]}, "C", "D")
    first = align_trace(m, ["A", "D", "C", "B"])
    assert all(align_trace(m, ["A", "D", "C", "B"]) == first for _ in range(5))
