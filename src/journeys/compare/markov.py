"""Removal-effect attribution on a first-order Markov chain, as in marketing attribution
(Anderl et al. 2016; the ``ChannelAttribution`` package's ``markov_model``).

The chain is built from **transition counts**, not from journeys: each journey is the walk
``(start) -> t1 -> ... -> tn -> (conversion)`` when it reached the outcome (its touchpoints up to
the first outcome touchpoint, which is the conversion itself), else ``... -> tn -> (null)``;
``transition_counts`` adds up the walks of distinct paths, each weighted by its journeys, so the
matrix has one row per touchpoint whatever the number of journeys.

- ``P(conversion)``: the probability that a walk from ``(start)`` is absorbed in
  ``(conversion)``, from the linear system ``(I - Q) x = b`` (Q: transitions between transient
  states, b: transition into conversion), solved exactly with numpy, not simulated. On a chain
  estimated from the walks it equals conversions / journeys.
- **Removal effect** of a touchpoint: ``1 - P(conversion without it) / P(conversion)``, where
  removing it sends every transition into it to ``(null)`` (its absorption probability is 0).
- **Attribution**: the removal effects normalised to sum to 1, times the conversions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
COUNTS_SCHEMA = pl.Schema({"from_state": pl.String, "to_state": pl.String, "count": pl.Float64})


def transition_counts(walks: pl.DataFrame) -> pl.DataFrame:
    """from_state, to_state, count: the chain's transitions, summed over ``walks``.

    ``walks``: path (list of touchpoints before the outcome), converted (bool), journeys (how
    many journeys walked it). A walk with an empty path goes from ``(start)`` straight to its
    end state."""
    states = walks.select(
        pl.concat_list(
            pl.lit([START], dtype=pl.List(pl.String)),
            pl.col("path").cast(pl.List(pl.String)),
            pl.when(pl.col("converted"))
            .then(pl.lit([CONVERSION], dtype=pl.List(pl.String)))
            .otherwise(pl.lit([NULL], dtype=pl.List(pl.String))),
        ).alias("walk"),
        pl.col("journeys").cast(pl.Float64).alias("count"),
    )
    pairs = states.select(
        pl.col("walk").list.slice(0, pl.col("walk").list.len() - 1).alias("from_state"),
        pl.col("walk").list.slice(1).alias("to_state"),
        "count",
    ).explode("from_state", "to_state")
    return (
        pairs.group_by("from_state", "to_state")
        .agg(pl.col("count").sum())
        .filter(pl.col("count") > 0)
        .sort("from_state", "to_state")
        .cast(dict(COUNTS_SCHEMA))  # type: ignore[arg-type]
    )


def _system(counts: pl.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The touchpoints (transient states after ``(start)``, index 1..n), I - Q and b."""
    named = set(counts["from_state"]) | set(counts["to_state"])
    touchpoints = sorted(named - {START, CONVERSION, NULL})
    index = {START: 0, **{t: i + 1 for i, t in enumerate(touchpoints)}}
    n = len(index)
    totals = counts.group_by("from_state").agg(pl.col("count").sum().alias("total"))
    rows = counts.join(totals, on="from_state").with_columns(p=pl.col("count") / pl.col("total"))
    a = np.eye(n)
    b = np.zeros(n)
    for source, target, p in rows.select("from_state", "to_state", "p").iter_rows():
        if target == CONVERSION:
            b[index[source]] += p
        elif target != NULL:
            a[index[source], index[target]] -= p
    return touchpoints, a, b


def conversion_probability(counts: pl.DataFrame, *, removed: str | None = None) -> float:
    """P(a walk from ``(start)`` ends in ``(conversion)``), with ``removed`` sent to null."""
    touchpoints, a, b = _system(counts)
    if not b.any():
        return 0.0
    if removed is not None and removed in touchpoints:
        return _without(a, b, touchpoints.index(removed) + 1)
    return float(np.linalg.solve(a, b)[0])


def removal_effects(counts: pl.DataFrame, *, conversions: float) -> pl.DataFrame:
    """touchpoint, removal_effect, attributed_outcomes: one row per touchpoint of the chain.

    ``conversions``: the outcomes to share out (the journeys that converted)."""
    touchpoints, a, b = _system(counts)
    schema = {"touchpoint": pl.String, "removal_effect": pl.Float64}
    if not touchpoints or not b.any():
        effects = pl.DataFrame(
            {"touchpoint": touchpoints, "removal_effect": [0.0] * len(touchpoints)}, schema=schema
        )
    else:
        base, without = _with_and_without(a, b)
        values = [min(1.0, max(0.0, 1.0 - p / base)) if base > 0 else 0.0 for p in without]
        effects = pl.DataFrame({"touchpoint": touchpoints, "removal_effect": values}, schema=schema)
    total = effects["removal_effect"].sum()
    return effects.with_columns(
        attributed_outcomes=(pl.col("removal_effect") / total * conversions)
        if total > 0
        else pl.lit(0.0)
    )


def _with_and_without(a: np.ndarray, b: np.ndarray) -> tuple[float, list[float]]:
    """P(conversion) from ``(start)``, and without each touchpoint k = 1..n, from one inverse:
    with N = (I - Q)^-1 and x = N b, a walk from start converts without visiting k with
    x_0 - (N_0k / N_kk) x_k (it converts, less the walks that reach k, N_0k / N_kk of them, and
    convert from there). One inverse of the n x n system, where solving it again for each
    touchpoint took n solves: 128 of them for a log with 128 touchpoints in a map's scope."""
    n = np.linalg.inv(a)
    x = n @ b
    base = float(x[0])
    k = np.arange(1, len(b))
    without = x[0] - n[0, k] / n[k, k] * x[k]
    return base, [float(p) for p in without]


def _without(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """P(conversion) when state ``k`` absorbs into null: its row becomes x_k = 0."""
    a = a.copy()
    b = b.copy()
    a[k, :] = 0.0
    a[k, k] = 1.0
    b[k] = 0.0
    return float(np.linalg.solve(a, b)[0])


def walks_of(paths: Sequence[Sequence[str]], converted: Sequence[bool]) -> pl.DataFrame:
    """A walks frame (path, converted, journeys = 1 each) from plain lists, for small inputs."""
    return pl.DataFrame(
        {
            "path": [list(p) for p in paths],
            "converted": list(converted),
            "journeys": [1] * len(paths),
        },
        schema={"path": pl.List(pl.String), "converted": pl.Boolean, "journeys": pl.Int64},
    )
