"""What a gap does to the map's outcome: like-with-like rates, their interval, effect and impact.

The definitions (the same words as in ``gaps.py`` and docs/maps.md, section *Gaps*):

- Only **finished** journeys are judged (an ``in_flight`` journey may still reach the goal).
- **With**: finished journeys that have the gap. **Without** (the baseline): finished journeys
  that do *not* have the gap but reached the gap's **baseline steps**, the same point of the map
  (any of them, when there are several; NULL = every journey in scope, as at the start).
- ``outcome_rate_with`` / ``outcome_rate_without``: the share of each group that reached the
  outcome; ``ci_low``..``ci_high``: the 95% interval of ``rate_with - rate_without`` (Newcombe's
  hybrid score interval from two Wilson intervals). ``effect`` is ``harms`` when the whole
  interval is below 0, ``helps`` when it is above 0, else ``no clear effect``.
- ``missed_outcomes`` = (rate_without - rate_with) x finished journeys with the gap: the
  outcomes lost (negative: gained) against journeys that reached the same point without it.
- ``value_at_risk`` = max(0, missed_outcomes) x the average value of the finished in-scope
  journeys that reached the outcome (0 when that average is not positive, as refunds can make
  it): gains never put value at risk.
- ``impact`` = -missed_outcomes, times that average value when it is positive
  (``impact_unit`` = ``value``), else in outcomes (``impact_unit`` = ``outcomes``). Negative:
  the gap costs; positive: it helps. It has the sign of the interval.
- With ``ranking: value_weighted`` the journeys with the gap count with their customers'
  weights in ``value_at_risk`` and ``impact`` (``value.py``); ``customer_weight`` is their mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from journeys.compare.counts import gap_counts

Z95 = 1.959963984540054
HARMS, HELPS, UNCLEAR = "harms", "helps", "no clear effect"
EFFECTS = (HARMS, HELPS, UNCLEAR)


def wilson_interval(successes: int, trials: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (trials > 0)."""
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(
    k1: int, n1: int, k2: int, n2: int, *, z: float = Z95
) -> tuple[float, float] | None:
    """95% interval of p1 - p2 (Newcombe 1998, method 10); None when a group is empty."""
    if n1 <= 0 or n2 <= 0:
        return None
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z=z)
    l2, u2 = wilson_interval(k2, n2, z=z)
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def effect_of(interval: tuple[float, float] | None) -> str:
    """``harms`` / ``helps`` when the 95% interval excludes 0, else ``no clear effect``."""
    if interval is None:
        return UNCLEAR
    low, high = interval
    if high < 0:
        return HARMS
    if low > 0:
        return HELPS
    return UNCLEAR


def goal_value(journeys: pl.DataFrame) -> float:
    """The average value of finished journeys that reached the outcome, or 0 when that is not
    positive (refunds can make it negative) or no journey reached it."""
    won = pl.col("finished") & pl.col("outcome")
    values = journeys.select(pl.col("value").filter(won))["value"]  # not every column filtered
    mean = values.mean() if values.len() else None
    return max(0.0, float(mean or 0.0))  # type: ignore[arg-type]


def goal_values(journeys: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """by, _unit: ``goal_value`` of each group of journeys (a group without an outcome: none).
    Sorted by group first: each group's values are then one slice, added up as a Series of
    them would be, so a group's mean is the very number goal_value gives its journeys."""
    return (
        journeys.select(*by, "value", "finished", "outcome")
        .filter(pl.col("finished") & pl.col("outcome"))
        .select(*by, "value")
        .sort(by, maintain_order=True)
        .group_by(by, maintain_order=True)
        .agg(pl.col("value").mean())
        .select(*by, _unit=pl.max_horizontal(pl.lit(0.0), pl.col("value").fill_null(0.0)))
    )


def measure_impact(
    members: pl.DataFrame,
    journeys: pl.DataFrame,
    *,
    variants: pl.DataFrame,
    baselines: pl.DataFrame,
    by: Sequence[str] = (),
    who: bool = True,
) -> pl.DataFrame:
    """Per gap_id: journeys, customers, the rates with and without, their interval, effect,
    missed_outcomes, value_at_risk, impact, impact_unit, baseline_journeys (the finished
    journeys without the gap), examples, finished_with, outcomes_with, outcomes_without.

    ``members``: (gap_id, jx), one row per journey with the gap. ``journeys``: scope_journeys().
    ``variants``: scope_variants(). ``baselines``: (gap_id, baseline_steps) with
    baseline_steps a list of map steps, NULL for every journey in scope. With ``by`` (columns
    of ``journeys`` and ``members``), per (group, gap_id), each group's gaps measured among
    its journeys only. ``who``: False leaves out customers, customer_weight and the examples.
    """
    gap_sets, reach = _baseline_reach(baselines, variants)
    stats = gap_counts(
        members, journeys, variants=variants, gap_sets=gap_sets, reach=reach, by=by, who=who
    )
    counts = _counts(stats, by=by, who=who)
    rated, unit = _with_unit(
        pl.concat([counts, outcome_rates(counts)], how="horizontal"), journeys, by
    )
    gap = pl.col("outcome_rate_without") - pl.col("outcome_rate_with")
    # the same outcomes lost, each journey counting with its weight (1 unless value_weighted)
    weighted = gap.fill_null(0.0) * pl.col("rw_with")
    measured = rated.select(
        *by,
        "gap_id",
        "journeys",
        *(["customers"] if who else []),
        "outcome_rate_with",
        "outcome_rate_without",
        "ci_low",
        "ci_high",
        "effect",
        missed_outcomes=(gap * pl.col("finished_with")).fill_null(0.0),
        value_at_risk=pl.max_horizontal(pl.lit(0.0), weighted) * unit + 0.0,
        impact=-weighted * pl.when(unit > 0).then(unit).otherwise(1.0) + 0.0,  # + 0.0: no -0
        impact_unit=pl.when(unit > 0).then(pl.lit("value")).otherwise(pl.lit("outcomes")),
        baseline_journeys="baseline_journeys",
        finished_with="finished_with",
        outcomes_with="k_with",
        outcomes_without="k_without",
        customer_weight="customer_weight",
    )
    if not who:
        return measured
    journey_ids = journeys["journey_id"].cast(pl.String)
    examples = [journey_ids.gather(e).to_list() for e in counts["examples"]]
    return measured.with_columns(example_journey_ids=pl.Series(examples, dtype=pl.List(pl.String)))


def _counts(stats: pl.DataFrame, *, by: Sequence[str], who: bool) -> pl.DataFrame:
    """The counts of ``_gap_counts`` as measured: with and without the gap, as integers."""
    return stats.select(
        *by,
        "gap_id",
        "journeys",
        *(["customers"] if who else []),
        finished_with=pl.col("n_with").cast(pl.Int64),
        k_with=pl.col("k_with").cast(pl.Int64),
        baseline_journeys=pl.col("n_base").fill_null(0).cast(pl.Int64)
        - pl.col("n_with_base").cast(pl.Int64),
        k_without=pl.col("k_base").fill_null(0).cast(pl.Int64)
        - pl.col("k_with_base").cast(pl.Int64),
        rw_with=pl.col("rw_with"),
        customer_weight=pl.when(pl.col("n_with") > 0).then(pl.col("w_with") / pl.col("n_with")),
        examples=pl.col("examples") if who else pl.lit(None),
    )


def _with_unit(
    rated: pl.DataFrame, journeys: pl.DataFrame, by: Sequence[str]
) -> tuple[pl.DataFrame, pl.Expr]:
    """``rated`` and the goal value its impact is counted in (goal_value; with ``by``, each
    group's own, as a column _unit)."""
    if not by:
        return rated, pl.lit(goal_value(journeys))
    units = goal_values(journeys, by)
    rated = rated.join(units, on=list(by), how="left", maintain_order="left")
    return rated, pl.col("_unit").fill_null(0.0)


def outcome_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """outcome_rate_with, outcome_rate_without, ci_low, ci_high, effect, per row of ``frame``
    (finished_with, k_with, baseline_journeys, k_without: the finished journeys with the gap or
    touchpoint and those of them that reached the outcome, the same for the baseline)."""
    rows = []
    counts = frame.select("finished_with", "k_with", "baseline_journeys", "k_without")
    for n1, k1, n2, k2 in counts.fill_null(0).iter_rows():
        interval = newcombe_interval(k1, n1, k2, n2)
        rows.append(
            (
                k1 / n1 if n1 else None,
                k2 / n2 if n2 else None,
                *(interval or (None, None)),
                effect_of(interval),
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "outcome_rate_with": pl.Float64,
            "outcome_rate_without": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "effect": pl.String,
        },
        orient="row",
    )


def _baseline_reach(
    baselines: pl.DataFrame, variants: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(gap_id, bx): each gap's distinct set of baseline steps, numbered; and (bx, vx): which
    variants reached each set (a NULL set is every variant)."""
    sets = (
        baselines.select("baseline_steps")
        .unique()
        .sort("baseline_steps", nulls_last=True)
        .with_row_index("bx")
    )
    gap_sets = baselines.join(sets, on="baseline_steps", nulls_equal=True).select("gap_id", "bx")
    steps_of = variants.select("vx", pl.col("seq").alias("step")).explode("step").unique()
    everyone = sets.filter(pl.col("baseline_steps").is_null()).select("bx")
    reach = pl.concat(
        [
            sets.explode("baseline_steps")
            .drop_nulls("baseline_steps")
            .join(steps_of, left_on="baseline_steps", right_on="step")
            .select("bx", "vx"),
            everyone.join(variants.select("vx"), how="cross"),
        ]
    ).unique()
    return gap_sets, reach
