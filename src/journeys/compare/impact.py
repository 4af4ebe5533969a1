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

from journeys.compare.slices import journey_slices
from journeys.compare.value import weight_columns

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


def _fixed_sum(values: pl.Expr, exact: bool) -> pl.Expr:
    """The sum of a group's ``values``. The members' rows come in the order of parallel joins,
    and a float sum depends on its order in the last bit: unless every value is the same
    (``exact``), they are added in sorted order, so a micro-batch and a full rebuild agree."""
    return values.sum() if exact else values.sort().sum()


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
    stats = _gap_counts(
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


def _gap_counts(
    members: pl.DataFrame,
    journeys: pl.DataFrame,
    *,
    variants: pl.DataFrame,
    gap_sets: pl.DataFrame,
    reach: pl.DataFrame,
    by: Sequence[str],
    who: bool,
) -> pl.DataFrame:
    """Per (by, gap_id, bx), sorted by (by, gap_id): journeys, customers, finished journeys with
    the gap (n_with) and their outcomes (k_with), the same at the baseline (n_with_base,
    k_with_base), every finished journey at the baseline (n_base, k_base), weight sums and five
    examples (customers and examples only with ``who``)."""
    finished = journeys.select(*by, "vx", "finished", "outcome").filter(pl.col("finished"))
    per_variant = finished.group_by(*by, "vx").agg(
        pl.len().alias("n"), pl.col("outcome").sum().alias("k")
    )
    reached = (
        reach.join(per_variant, on="vx")
        .group_by(*by, "bx")
        .agg(pl.col("n").sum().alias("n_base"), pl.col("k").sum().alias("k_base"))
    )
    # jx is the journeys' row number (scope_journeys()): a gather, and one integer key per
    # (baseline, variant), rather than joins of the millions of members
    radix = int(variants["vx"].max() or 0) + 1  # type: ignore[arg-type]
    at_base = pl.col("bx").cast(pl.Int64) * radix + pl.col("vx")
    reached_keys = reach.select(at_base.alias("key"))["key"]
    gap = [*by, "gap_id"]
    counted = (
        _cells(members, journeys, by=by)
        .join(gap_sets, on="gap_id")
        .with_columns(at_base=at_base.is_in(reached_keys))
        .with_columns(
            fin=pl.col("finished"),
            won=pl.col("finished") & pl.col("outcome"),
            fin_base=pl.col("finished") & pl.col("at_base"),
            won_base=pl.col("finished") & pl.col("outcome") & pl.col("at_base"),
        )
        .group_by(*gap, "bx")  # one bx per gap
        .agg(
            pl.col("n").sum().alias("journeys"),
            *(pl.col("n").filter(c).sum().alias(a) for c, a in _COUNTED),
        )
        .with_columns(pl.exclude(*gap, "bx").cast(pl.get_index_type()))
    )
    if who:
        counted = counted.join(_who(members, journeys, by=by), on=gap)
    if _all_ones(journeys):  # each weight 1: its sum is the count, as adding ones gives it
        weighed = counted.with_columns(
            w_with=pl.col("n_with").cast(pl.Float64), rw_with=pl.col("n_with").cast(pl.Float64)
        )
    else:
        weighed = counted.join(_weight_sums(members, journeys, by=by), on=gap)
    return weighed.join(reached, on=[*by, "bx"], how="left").sort(gap)


FLAGS = ("finished", "outcome")
_COUNTED = (
    ("fin", "n_with"),
    ("won", "k_with"),
    ("fin_base", "n_with_base"),
    ("won_base", "k_with_base"),
)


def _cells(members: pl.DataFrame, journeys: pl.DataFrame, *, by: Sequence[str]) -> pl.DataFrame:
    """by, gap_id, vx, finished, outcome, n: the members counted per group, gap and kind of
    journey (variant, finished, outcome): everything the counts of a gap depend on, in a few
    rows per gap and variant instead of a wide row per member. Group, gap and kind are packed
    into one integer key, which groups far cheaper than several columns."""
    finished, outcome = (pl.col(c).fill_null(False).cast(pl.UInt64) for c in FLAGS)
    kind = journeys.select(pl.col("vx").cast(pl.UInt64) * 4 + finished * 2 + outcome)["vx"]
    span = int(kind.max() or 0) + 1  # type: ignore[arg-type]
    gaps = int(members["gap_id"].max() or 0) + 1  # type: ignore[arg-type]
    group, groups = _group_codes(journeys, by)

    def counted(part: pl.DataFrame) -> pl.DataFrame:
        jx, gap = part["jx"], part["gap_id"].cast(pl.UInt64)
        key = (group.gather(jx) * gaps + gap) * span + kind.gather(jx)
        return key.alias("_key").value_counts(name="n")

    found = pl.concat([counted(part) for part in journey_slices(members)])
    if found["_key"].is_duplicated().any():  # a key in several slices: its counts added
        found = found.group_by("_key").agg(pl.col("n").sum())
    kinds = pl.col("_key") % span
    return (
        found.select(
            (pl.col("_key") // span // gaps).alias("_group"),
            (pl.col("_key") // span % gaps).cast(members.schema["gap_id"]).alias("gap_id"),
            (kinds // 4).cast(journeys.schema["vx"]).alias("vx"),
            ((kinds // 2) % 2 == 1).alias("finished"),
            (kinds % 2 == 1).alias("outcome"),
            pl.col("n").cast(pl.get_index_type()),
        )
        .join(groups, on="_group")
        .select(*by, "gap_id", "vx", "finished", "outcome", "n")
    )


def _group_codes(journeys: pl.DataFrame, by: Sequence[str]) -> tuple[pl.Series, pl.DataFrame]:
    """A code of each journey's group of the ``by`` columns (UInt64; all 0 without them), and
    the groups by code (_group and the by columns)."""
    if not by:
        return pl.zeros(journeys.height, pl.UInt64, eager=True), pl.DataFrame(
            {"_group": [0]}, schema={"_group": pl.UInt64}
        )
    code = pl.lit(0, pl.UInt64)
    for column in by:  # each column's dense rank (0: NULL), as digits of one number
        rank = pl.col(column).rank("dense").fill_null(0).cast(pl.UInt64)
        code = code * (rank.max() + 1) + rank
    coded = journeys.select(*by, code.alias("_group"))
    return coded["_group"], coded.unique("_group")


def _who(members: pl.DataFrame, journeys: pl.DataFrame, *, by: Sequence[str]) -> pl.DataFrame:
    """by, gap_id, customers (distinct), examples (the five lowest jx, sorted) of each gap.
    Taken a slice of customers at a time (each customer in one slice: the distinct counts add
    up), the examples the lowest five of the slices' lowest five."""
    cx = journeys["cx"]
    gap = [*by, "gap_id"]
    parts = [
        part.group_by(gap).agg(
            pl.col("cx").n_unique().alias("customers"),
            pl.col("jx").bottom_k(5).alias("examples"),
        )
        for part in journey_slices(
            pl.DataFrame([*members.select(*gap, "jx"), cx.gather(members["jx"])]), column="cx"
        )
    ]
    return (
        pl.concat(parts)
        .group_by(gap)
        .agg(
            pl.col("customers").sum().cast(pl.get_index_type()),
            pl.col("examples")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .bottom_k(5)
            .sort(),
        )
    )


def _all_ones(journeys: pl.DataFrame) -> bool:
    """Whether every journey weighs 1 in both weights (value.weight_columns): no customer
    value configured, or the unweighted history."""
    weights = [c for c in ("weight", "rank_weight") if c in journeys.columns]
    return all((journeys[c] == 1.0).all() for c in weights)


def _weight_sums(
    members: pl.DataFrame, journeys: pl.DataFrame, *, by: Sequence[str]
) -> pl.DataFrame:
    """by, gap_id, w_with, rw_with: the sums of the weights (value.weight_columns) of each gap's
    finished journeys, added in sorted order unless they are all one weight (_fixed_sum)."""
    gap = [*by, "gap_id"]
    weighed = members.select(*gap).hstack(
        journeys.select("finished", *weight_columns(journeys))[members["jx"]]
    )
    exact = all(weighed[c].n_unique() <= 1 for c in ("w", "rw"))  # sums of one weight
    return weighed.group_by(gap).agg(
        _fixed_sum(pl.col("w") * pl.col("finished"), exact).alias("w_with"),
        _fixed_sum(pl.col("rw") * pl.col("finished"), exact).alias("rw_with"),
    )
