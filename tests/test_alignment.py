from __future__ import annotations

import random
from collections.abc import Iterator
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


# -- optimality against brute force, on random small cases ------------------------------------
def brute_force_cost(m: JourneyMap, trace: tuple[str, ...], *, complete: bool = True) -> int:
    """Enumerate every alignment, cheapest bound first (iterative deepening): exact minimum. A
    prefix alignment (``complete=False``) may stop in any state, a complete one on an end step."""
    edges, starts, ends = m.edges(), set(m.start_steps), set(m.end_steps)
    names = m.step_names
    n = len(trace)

    def search(i: int, q: str | None, budget: int) -> bool:
        if i == n and (not complete or q in ends):
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


def random_cases(
    seed: int, n: int, *, longest: int = 5, extra: tuple[str, ...] = ("X",)
) -> Iterator[tuple[JourneyMap, tuple[str, ...], random.Random]]:
    """``n`` random (map, trace) cases, and the generator for anything else a test draws: small
    maps (``random_map``; invalid ones are drawn again), traces of 0..``longest`` touchpoints
    over the map's steps and ``extra`` names the map does not know."""
    rng = random.Random(seed)
    made = 0
    while made < n:
        m = random_map(rng)
        if m is None:
            continue
        alphabet = [*m.step_names, *extra]
        yield m, tuple(rng.choice(alphabet) for _ in range(rng.randint(0, longest))), rng
        made += 1


def test_alignment_is_optimal_on_random_small_cases():
    for m, trace, _ in random_cases(20240611, 600):
        a = align_trace(m, trace)
        assert a.cost == brute_force_cost(m, trace), (m.edges(), trace)
        assert replay_cost(m, trace, a) == a.cost


def test_alignment_is_deterministic():
    m = make_map("A", {"name": "B", "next": ["C", "D"]}, "C", "D")
    first = align_trace(m, ["A", "D", "C", "B"])
    assert all(align_trace(m, ["A", "D", "C", "B"]) == first for _ in range(5))


# -- prefix alignments, and many traces at once -----------------------------------------------
def test_prefix_alignment_is_optimal_on_random_small_cases():
    for m, trace, _ in random_cases(20261123, 300):
        a = align_trace(m, trace, complete=False)
        assert a.cost == brute_force_cost(m, trace, complete=False), (m.edges(), trace)
        assert a.cost <= align_trace(m, trace).cost


def test_unfinished_journey_may_stop_anywhere():
    a = align_trace(ABC, ["A", "B"], complete=False)
    assert (a.cost, moves(a)) == (0, [("sync", "A"), ("sync", "B")])
    assert align_trace(ABC, [], complete=False).moves == ()
    a = align_trace(ABC, ["B"], complete=False)
    # tie-break: the most synchronous moves (skipping A explains B), not B as unexpected
    assert (a.cost, moves(a)) == (1, [("model", "A"), ("sync", "B")])


def expected_rows(m: JourneyMap, variants: pl.DataFrame) -> list[dict[str, object]]:
    """align_variants' rows, built trace by trace with align_trace."""
    out = []
    flags = variants["complete"].to_list() if "complete" in variants.columns else None
    pairs = zip(variants["variant_id"].to_list(), variants["path"].to_list(), strict=True)
    for r, (vid, path) in enumerate(pairs):
        complete = flags[r] is not False if flags is not None else True
        a = align_trace(m, tuple(path or ()), complete=complete)
        row: dict[str, object] = {"variant_id": vid}
        if flags is not None:
            row["complete"] = flags[r]
        row |= {
            "cost": a.cost,
            "fitness": a.fitness,
            "is_conforming": a.is_conforming,
            "deviations": list(a.deviations()),
            "n_log_moves": sum(mv.kind == "log" for mv in a.moves),
            "n_model_moves": sum(mv.kind == "model" for mv in a.moves),
            "moves": [
                {"kind": mv.kind, "position": mv.position, "touchpoint": mv.touchpoint,
                 "step": mv.step}
                for mv in a.moves
            ],
        }  # fmt: skip
        out.append(row)
    return out


def test_align_variants_matches_align_trace_row_by_row():
    """The batch (a trie of the traces, vectorized) gives each row what align_trace gives it:
    cost, fitness, and the same moves under the same tie-break."""
    for m, _, rng in random_cases(7, 60):
        alphabet = [*m.step_names, "X", "Y"]
        paths: list[list[str] | None] = [
            [rng.choice(alphabet) for _ in range(rng.randint(0, 7))] for _ in range(25)
        ]
        paths += [paths[0], [], None]  # a repeated trace, an empty one, a missing one
        variants = pl.DataFrame(
            {
                "variant_id": [f"v{i}" for i in range(len(paths))],
                "path": paths,
                "complete": [rng.random() < 0.6 for _ in paths[:-1]] + [None],
            },
            schema_overrides={"path": pl.List(pl.String)},
        )
        out = align_variants(m, variants)
        assert out.to_dicts() == expected_rows(m, variants)
        whole = align_variants(m, variants.drop("complete"))
        assert whole.to_dicts() == expected_rows(m, variants.drop("complete"))


def test_align_variants_on_a_real_map_with_ignored_touchpoints():
    m = load_map(MAPS / "online_purchase.yaml")
    steps = list(m.step_names)
    rng = random.Random(3)
    alphabet = [*steps, *steps, "Newsletter opened", "Call centre", "Visit site"]
    paths = [[rng.choice(alphabet) for _ in range(rng.randint(0, 12))] for _ in range(300)]
    variants = pl.DataFrame(
        {
            "variant_id": [f"v{i:03d}" for i in range(len(paths))],
            "path": paths,
            "complete": [rng.random() < 0.8 for _ in paths],
        },
        schema_overrides={"path": pl.List(pl.String)},
    )
    assert any(m.is_ignored(t) for p in paths for t in p)
    assert align_variants(m, variants).to_dicts() == expected_rows(m, variants)


def test_align_variants_of_no_rows_keeps_the_schema():
    empty = pl.DataFrame(
        {"variant_id": [], "path": []}, schema={"variant_id": pl.String, "path": pl.List(pl.String)}
    )
    out = align_variants(ABC, empty)
    assert out.height == 0
    assert (
        out.schema
        == align_variants(ABC, pl.DataFrame({"variant_id": ["v"], "path": [["A"]]})).schema
    )


def reference_moves(
    m: JourneyMap, trace: tuple[str, ...], complete: bool
) -> tuple[int, list[tuple[str, int | None, str | None, str | None]]]:
    """The documented algorithm, plainly: cost-to-go per trace position by relaxing model moves
    until nothing changes, on weights that prefer the most sync moves among optimal alignments
    (K per model move, K + 1 per log move, K > the trace length), then a forward reading with
    the tie-break sync, log, earliest step."""
    inf = float("inf")
    states: list[str | None] = [None, *m.step_names]

    def succ(q: str | None) -> list[str]:
        if q is None:
            return [s for s in m.step_names if s in m.start_steps]
        return [s for s in m.step_names if (q, s) in m.edges()]

    kept = [(i, t) for i, t in enumerate(trace) if not m.is_ignored(t)]
    n = len(kept)
    k = n + 1
    h: list[dict[str | None, float]] = [{} for _ in range(n + 1)]
    for i in range(n, -1, -1):
        row = {q: (0.0 if not complete or q in m.end_steps else inf) for q in states}
        if i < n:
            t = kept[i][1]
            row = {q: h[i + 1][q] + k + 1 for q in states}
            for q in states:
                if t in succ(q):
                    row[q] = min(row[q], h[i + 1][t])
        changed = True
        while changed:  # model moves: Bellman-Ford on the map graph
            changed = False
            for q in states:
                best = min([row[q]] + [row[s] + k for s in succ(q)])
                if best < row[q]:
                    row[q], changed = best, True
        h[i] = row
    out: list[tuple[str, int | None, str | None, str | None]] = []
    i, q = 0, None
    while not (i == n and (not complete or q in m.end_steps)):
        here = h[i][q]
        if i < n:
            pos, t = kept[i]
            if t in succ(q) and h[i + 1][t] == here:
                out.append(("sync", pos, t, t))
                i, q = i + 1, t
                continue
            if h[i + 1][q] + k + 1 == here:
                out.append(("log", pos, t, None))
                i += 1
                continue
        s = next(s for s in succ(q) if h[i][s] + k == here)
        out.append(("model", None, None, s))
        q = s
    return int(h[0][None] // k), out


def test_moves_follow_the_documented_tie_break_on_random_cases():
    for m, trace, rng in random_cases(99, 400, longest=6):
        complete = rng.random() < 0.7
        a = align_trace(m, trace, complete=complete)
        got = [(mv.kind, mv.position, mv.touchpoint, mv.step) for mv in a.moves]
        assert (a.cost, got) == reference_moves(m, trace, complete), (m.edges(), trace)


def test_align_variants_solves_each_distinct_trace_once(monkeypatch):
    from journeys.compare import alignment

    solved: list[tuple[tuple[str, ...], bool]] = []
    real = alignment._code_traces

    def spy(journey_map, ix, traces):
        solved.extend((tuple(p or ()), c) for p, c in traces.iter_rows())
        return real(journey_map, ix, traces)

    monkeypatch.setattr(alignment, "_code_traces", spy)
    variants = pl.DataFrame(
        {
            "variant_id": ["v1", "v2", "v3", "v4", "v5"],
            "path": [["A", "B"], ["A"], ["A", "B"], ["A"], ["B"]],
            "complete": [True, True, True, False, True],
        }
    )
    out = align_variants(ABC, variants)
    assert sorted(solved) == [(("A",), False), (("A",), True), (("A", "B"), True), (("B",), True)]
    assert out["variant_id"].to_list() == ["v1", "v2", "v3", "v4", "v5"]
    assert out["cost"].to_list() == [1, 2, 1, 0, 2]


def test_ties_prefer_the_most_synchronous_moves_for_an_in_flight_journey():
    """Same cost, two explanations: five unexpected steps, or one unexpected contact and the
    browsing steps skipped. The second explains what the journey did on the map."""
    m = load_map(MAPS / "online_purchase.yaml")
    trace = ["Phone support", "Payment captured", "Order shipped", "Order delivered"]
    a = align_trace(m, trace, complete=False)
    assert a.cost == len(trace)  # as much as four unexpected steps: a tie
    assert moves(a) == [
        ("log", "Phone support"),
        ("model", "Visit site"),
        ("model", "View product"),
        ("model", "Add to cart"),
        ("sync", "Payment captured"),
        ("sync", "Order shipped"),
        ("sync", "Order delivered"),
    ]
    assert a.deviations() == (
        "unexpected 'Phone support' at the start",
        "skipped 'Visit site'",
        "skipped 'View product'",
        "skipped 'Add to cart'",
    )
    # the same trace aligned among others, in any company, gets the same moves
    others = [["Visit site"], trace[:2], [*trace, "Order shipped"], trace]
    rows = align_variants(
        m,
        pl.DataFrame(
            {"variant_id": [str(i) for i in range(4)], "path": others, "complete": [False] * 4}
        ),
    )
    got = [(mv["kind"], mv["step"] or mv["touchpoint"]) for mv in rows["moves"][3]]
    assert got == moves(a)
