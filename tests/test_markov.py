"""Removal-effect attribution on the first-order Markov chain: the linear-system solution equals
a brute-force computation (every walk through the chain enumerated with exact fractions, or the
probability mass pushed through the chain until it is absorbed), the textbook example gives the
textbook numbers, and the attribution shares out exactly the conversions."""

from __future__ import annotations

import random
from collections import defaultdict
from fractions import Fraction

import numpy as np
import polars as pl
import pytest

from journeys.compare.markov import (
    CONVERSION,
    NULL,
    START,
    conversion_probability,
    removal_effects,
    transition_counts,
    walks_of,
)


def _chain(counts: pl.DataFrame, removed: str | None = None) -> dict[str, dict[str, Fraction]]:
    """Exact transition probabilities; ``removed`` goes to null (every edge into it does)."""
    totals: dict[str, Fraction] = defaultdict(Fraction)
    for source, _, count in counts.iter_rows():
        totals[source] += Fraction(count)
    chain: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for source, target, count in counts.iter_rows():
        chain[source][NULL if target == removed else target] += Fraction(count) / totals[source]
    return chain


def _enumerate(counts: pl.DataFrame, removed: str | None = None) -> Fraction:
    """P(conversion) by walking every path of an acyclic chain, multiplying exact fractions."""
    chain = _chain(counts, removed)

    def walk(state: str) -> Fraction:
        if state == CONVERSION:
            return Fraction(1)
        if state == NULL:
            return Fraction(0)
        return sum((p * walk(nxt) for nxt, p in chain[state].items()), Fraction(0))

    return walk(START)


def _push(counts: pl.DataFrame, removed: str | None = None, steps: int = 20_000) -> float:
    """P(conversion) by pushing the probability mass from (start) through the chain, step by
    step, until (almost) all of it is absorbed: no linear algebra."""
    chain = _chain(counts, removed)
    mass: dict[str, float] = {START: 1.0}
    converted = 0.0
    for _ in range(steps):
        nxt: dict[str, float] = defaultdict(float)
        for state, m in mass.items():
            for target, p in chain[state].items():
                nxt[target] += m * float(p)
        converted += nxt.pop(CONVERSION, 0.0)
        nxt.pop(NULL, None)
        mass = nxt
        if sum(mass.values()) < 1e-15:
            break
    return converted


def _effects(counts: pl.DataFrame, probability) -> dict[str, float]:
    base = probability(counts)
    names = sorted(set(counts["from_state"]) - {START})
    return {t: 1 - float(probability(counts, t)) / float(base) for t in names}


def test_the_textbook_example():
    """C1 > C2 > C3 > conversion, C1 > null, C2 > C3 > null: P(conversion) = 1/3; removal
    effects 0.5, 1, 1; attribution 0.2, 0.4, 0.4 of one conversion."""
    counts = transition_counts(
        walks_of([["C1", "C2", "C3"], ["C1"], ["C2", "C3"]], [True, False, False])
    )
    assert conversion_probability(counts) == pytest.approx(1 / 3)
    effects = removal_effects(counts, conversions=1)
    assert effects.rows() == [
        ("C1", pytest.approx(0.5), pytest.approx(0.2)),
        ("C2", pytest.approx(1.0), pytest.approx(0.4)),
        ("C3", pytest.approx(1.0), pytest.approx(0.4)),
    ]


ACYCLIC = (
    [["A", "B", "D"], ["A", "C", "D"], ["A", "C"], ["B", "D"], ["B"], ["C", "D"], ["A"], []],
    [True, True, False, True, False, False, False, True],
)


def test_removal_effects_equal_exact_enumeration_on_an_acyclic_chain():
    counts = transition_counts(walks_of(*ACYCLIC))
    expected = _effects(counts, _enumerate)
    got = dict(removal_effects(counts, conversions=4).select("touchpoint", "removal_effect").rows())
    assert got == pytest.approx(expected, abs=1e-12)
    assert conversion_probability(counts) == pytest.approx(float(_enumerate(counts)), abs=1e-12)
    assert got["D"] > got["A"] > 0  # D is on most converting walks


def _random_walks(seed: int) -> tuple[list[list[str]], list[bool]]:
    """Walks over six touchpoints with repeats and back-and-forth (a cyclic chain)."""
    rng = random.Random(seed)
    names = list("ABCDEF")
    paths = [[rng.choice(names) for _ in range(rng.randint(0, 7))] for _ in range(60)]
    return paths, [rng.random() < 0.4 for _ in paths]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_removal_effects_equal_pushing_the_mass_through_a_cyclic_chain(seed: int):
    paths, converted = _random_walks(seed)
    counts = transition_counts(walks_of(paths, converted))
    expected = _effects(counts, _push)
    got = dict(
        removal_effects(counts, conversions=sum(converted))
        .select("touchpoint", "removal_effect")
        .rows()
    )
    assert got == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_chain_reproduces_the_conversion_rate_and_shares_out_every_conversion(seed: int):
    """On a chain estimated from the walks, P(conversion) = conversions / walks; the attributed
    outcomes add up to the conversions, in proportion to the removal effects."""
    paths, converted = _random_walks(seed)
    walks = walks_of(paths, converted).with_columns(journeys=pl.Series(range(1, 61)))
    conversions = float(walks.filter("converted")["journeys"].sum())
    counts = transition_counts(walks)
    assert conversion_probability(counts) == pytest.approx(conversions / walks["journeys"].sum())
    effects = removal_effects(counts, conversions=conversions)
    assert effects["attributed_outcomes"].sum() == pytest.approx(conversions)
    shares = effects["attributed_outcomes"] / conversions
    assert np.allclose(shares, effects["removal_effect"] / effects["removal_effect"].sum())
    assert ((effects["removal_effect"] >= 0) & (effects["removal_effect"] <= 1)).all()


def test_a_touchpoint_only_on_lost_walks_carries_nothing():
    counts = transition_counts(walks_of([["A", "B"], ["A", "X"], ["X"]], [True, False, False]))
    effects = dict(
        removal_effects(counts, conversions=1).select("touchpoint", "removal_effect").rows()
    )
    assert effects == {"A": 1.0, "B": 1.0, "X": 0.0}


def test_no_conversion_no_effect():
    counts = transition_counts(walks_of([["A"], ["B"]], [False, False]))
    effects = removal_effects(counts, conversions=0)
    assert effects["removal_effect"].to_list() == [0.0, 0.0]
    assert effects["attributed_outcomes"].to_list() == [0.0, 0.0]


def test_many_touchpoints_from_one_inverse_equal_one_solve_each():
    """The removal effects come from one inverse of the chain's system (x_0 - N_0k / N_kk x_k),
    not one solve per touchpoint: 128 solves for a log with 128 touchpoints in a map's scope.
    Each equals the chain solved again with that touchpoint sent to null."""
    rng = random.Random(7)
    names = [f"T{i:03d}" for i in range(150)]
    paths = [[rng.choice(names) for _ in range(rng.randint(1, 9))] for _ in range(2_000)]
    converted = [rng.random() < 0.3 for _ in paths]
    counts = transition_counts(walks_of(paths, converted))
    base = conversion_probability(counts)
    got = dict(
        removal_effects(counts, conversions=sum(converted))
        .select("touchpoint", "removal_effect")
        .rows()
    )
    assert len(got) == 150
    for name in names[::10]:
        alone = conversion_probability(counts, removed=name)
        assert got[name] == pytest.approx(1 - alone / base, abs=1e-9)
