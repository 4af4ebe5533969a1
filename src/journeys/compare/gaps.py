"""Typed, measured and ranked gaps between a map and the journeys in its scope (marts.map_gaps).

Gap types (the step sequence, scope, outcome and finished are defined in ``scope.py``):

- ``skipped_step`` (to_step): a model move on the step in the journey's optimal alignment
  (except, for an ``abandoned`` journey, the model moves after its last touchpoint: the steps
  it never got to are its ``dropoff``, not skips);
- ``unexpected_step`` (touchpoint, between from_step and to_step): a log move; from/to are the
  map steps the journey did just before and after it (sync moves; NULL at the start or end);
- ``unexpected_transition`` (from_step, to_step): consecutive steps of the step sequence that
  are not a designed edge (a step following itself is a ``loop`` instead);
- ``unused_transition`` (from_step, to_step): a designed edge no journey in scope took;
- ``loop`` (to_step): a step that is not ``repeatable`` occurs more than once;
- ``sla_breach`` (to_step): the step came more than its ``within`` after the previous step of
  the step sequence;
- ``channel_switch`` (from_step, to_step, detail ``web → phone``): consecutive steps on different
  channels where the map names a channel for one of them and the observed channels differ from
  the designed ones (a designed switch, web step then store step, is not a gap);
- ``dropoff`` (from_step): an ``abandoned`` journey that did not reach the outcome; from_step is
  its last map step. ``in_flight`` journeys are never drop-offs.

Measures, per gap: journeys and customers affected, share of the journeys in scope, outcome
rate with and without the gap (finished journeys only), the 95% confidence interval of their
difference (Newcombe's hybrid score interval from two Wilson intervals), ``missed_outcomes`` =
max(0, rate_without - rate_with) x finished journeys with the gap (the outcomes lost if those
journeys had converted like the others), and ``value_at_risk`` = missed_outcomes x the average
value of finished journeys in scope that reached the outcome (0 when that average is negative,
as refunds can make it). Ranked by value_at_risk, then
missed_outcomes, then journeys; a gap affecting fewer than ``min_support`` journeys is kept with
rank NULL, as are unused transitions (they affect no journey).
"""

from __future__ import annotations

import math

import polars as pl

from journeys.compare.maps import JourneyMap, format_duration
from journeys.compare.timing import StepTiming

GAP_TYPES = (
    "skipped_step",
    "unexpected_step",
    "unexpected_transition",
    "unused_transition",
    "loop",
    "sla_breach",
    "channel_switch",
    "dropoff",
)
KEY = ("gap_type", "from_step", "to_step", "touchpoint", "detail")
_KEY_SCHEMA = {k: pl.String for k in KEY}
Z95 = 1.959963984540054


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


def find_gaps(
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    aligned: pl.DataFrame,
    journeys: pl.DataFrame,
    timing: StepTiming,
    min_support: int,
) -> pl.DataFrame:
    """All gaps of one map, measured and ranked (the rows of marts.map_gaps for this map).

    ``variants``: scope_variants(). ``aligned``: align_variants() of the (variant_id, complete)
    pairs of the journeys. ``journeys``: scope_journeys(). ``timing``: time_steps().
    Gaps are found per variant where they depend on the path only, and
    spread to journeys through compact integer keys, so the journey-level work is a few joins.
    """
    vx = variants.select("variant_id", "vx")
    moves = _move_members(aligned).join(vx, on="variant_id")
    sequences = _sequence_members(journey_map, variants).join(vx, on="variant_id")
    drops = _key(variants, gap_type="dropoff", from_step=pl.col("last_step"))
    events = _event_members(timing)
    catalog = (
        pl.concat([f.select(KEY) for f in (moves, sequences, drops, events)])
        .unique()
        .sort(KEY, nulls_last=True)
        .with_row_index("gap_id")
    )

    def ids(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.join(catalog, on=list(KEY), nulls_equal=True).drop(KEY)

    keys = journeys.select("jx", "vx", "finished", "status", "outcome")
    abandoned = pl.col("status") == "abandoned"
    members = pl.concat(
        [
            ids(moves)
            .join(keys, left_on=["vx", "complete"], right_on=["vx", "finished"])
            # the steps an abandoned journey never got to are its drop-off, not skipped steps
            .filter(~(pl.col("trailing") & abandoned))
            .select("gap_id", "jx"),
            ids(sequences).join(keys, on="vx").select("gap_id", "jx"),
            ids(drops)
            .join(keys.filter(abandoned & ~pl.col("outcome")), on="vx")
            .select("gap_id", "jx"),
            ids(events).select("gap_id", "jx"),
        ]
    ).unique()
    measured = _measure(members, journeys).join(catalog, on="gap_id").drop("gap_id")
    frame = pl.concat([measured, _unused(journey_map, variants)], how="diagonal_relaxed")
    return _finish(journey_map, frame, journeys.height, min_support)


def _key(frame: pl.DataFrame, **values: pl.Expr | str | None) -> pl.DataFrame:
    cols = []
    for name in KEY:
        value = values.get(name)
        expr = value if isinstance(value, pl.Expr) else pl.lit(value, dtype=pl.String)
        cols.append(expr.cast(pl.String).alias(name))
    keep = [c for c in ("variant_id", "vx", "complete", "jx", "trailing") if c in frame.columns]
    return frame.select(*keep, *cols)


def _move_members(aligned: pl.DataFrame) -> pl.DataFrame:
    """skipped_step and unexpected_step, per aligned (variant_id, complete), with a flag for
    model moves after the last touchpoint (``trailing``)."""
    moves = (
        aligned.select("variant_id", "complete", "moves")
        .with_row_index("_row")
        .explode("moves")
        .drop_nulls("moves")
        .unnest("moves")
        .with_columns(
            anchor=pl.when(pl.col("kind") == "sync").then(pl.col("step")),
            observed=(pl.col("kind") != "model").cast(pl.Int32),
        )
        .with_columns(
            before=pl.col("anchor").forward_fill().over("_row"),
            after=pl.col("anchor").backward_fill().over("_row"),
            # a model move after the journey's last touchpoint
            trailing=pl.col("observed").cum_sum(reverse=True).over("_row") == 0,
        )
    )
    skipped = _key(
        moves.filter(pl.col("kind") == "model"), gap_type="skipped_step", to_step=pl.col("step")
    )
    unexpected = _key(
        moves.filter(pl.col("kind") == "log"),
        gap_type="unexpected_step",
        from_step=pl.col("before"),
        to_step=pl.col("after"),
        touchpoint=pl.col("touchpoint"),
    )
    return pl.concat([skipped, unexpected], how="vertical_relaxed").unique()


def _sequence_members(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """unexpected_transition and loop, per variant (from its step sequence)."""
    seq = (
        variants.select("variant_id", "seq")
        .explode("seq")
        .rename({"seq": "step"})
        .with_columns(next_step=pl.col("step").shift(-1).over("variant_id"))
    )
    designed = journey_map.edges_frame().rename({"from_step": "step", "to_step": "next_step"})
    transitions = _key(
        seq.filter(
            pl.col("next_step").is_not_null() & (pl.col("step") != pl.col("next_step"))
        ).join(designed, on=["step", "next_step"], how="anti"),
        gap_type="unexpected_transition",
        from_step=pl.col("step"),
        to_step=pl.col("next_step"),
    )
    repeatable = [s.name for s in journey_map.steps if s.repeatable]
    loops = _key(
        seq.filter(~pl.col("step").is_in(repeatable))
        .group_by("variant_id", "step")
        .agg(pl.len().alias("times"))
        .filter(pl.col("times") > 1),
        gap_type="loop",
        to_step=pl.col("step"),
    )
    return pl.concat([transitions, loops], how="vertical_relaxed").unique()


def _event_members(timing: StepTiming) -> pl.DataFrame:
    """sla_breach and channel_switch, per journey (jx)."""
    sla = _key(timing.breaches, gap_type="sla_breach", to_step=pl.col("step"))
    switches = _key(
        timing.switches,
        gap_type="channel_switch",
        from_step=pl.col("prev_step"),
        to_step=pl.col("step"),
        detail=pl.col("prev_channel") + " → " + pl.col("channel"),
    )
    return pl.concat([sla, switches], how="vertical_relaxed")


def _measure(members: pl.DataFrame, journeys: pl.DataFrame) -> pl.DataFrame:
    """Per gap_id: journeys, customers, outcome rates, interval, missed outcomes, value."""
    finished = journeys.filter(pl.col("finished"))
    n_fin, k_fin = finished.height, int(finished["outcome"].sum())
    goal_values = finished.filter(pl.col("outcome"))["value"]
    # refunds can make journeys' value negative; a gap never puts negative value at risk
    mean_value = goal_values.mean() if goal_values.len() else None
    goal_value = max(0.0, float(mean_value or 0.0))  # type: ignore[arg-type]
    stats = (
        members.join(journeys.select("jx", "cx", "finished", "outcome"), on="jx")
        .group_by("gap_id")
        .agg(
            pl.len().alias("journeys"),
            pl.col("cx").n_unique().alias("customers"),
            pl.col("finished").sum().alias("n_with"),
            (pl.col("finished") & pl.col("outcome")).sum().alias("k_with"),
            pl.col("jx").bottom_k(5).sort().alias("examples"),
        )
        .sort("gap_id")
    )
    journey_ids = journeys["journey_id"].cast(pl.String)
    examples = [journey_ids.gather(jx).to_list() for jx in stats["examples"].to_list()]
    rows = []
    for n_with, k_with in stats.select("n_with", "k_with").iter_rows():
        n_without, k_without = n_fin - n_with, k_fin - k_with
        with_rate = k_with / n_with if n_with else None
        without_rate = k_without / n_without if n_without else None
        ci = newcombe_interval(k_with, n_with, k_without, n_without)
        missed = (
            max(0.0, without_rate - with_rate) * n_with
            if with_rate is not None and without_rate is not None
            else 0.0
        )
        rows.append((with_rate, without_rate, *(ci or (None, None)), missed, missed * goal_value))
    extra = pl.DataFrame(
        rows,
        schema={
            "outcome_rate_with": pl.Float64,
            "outcome_rate_without": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "missed_outcomes": pl.Float64,
            "value_at_risk": pl.Float64,
        },
        orient="row",
    )
    return pl.concat(
        [
            stats.drop("n_with", "k_with", "examples"),
            extra,
            pl.DataFrame(
                {"example_journey_ids": examples},
                schema={"example_journey_ids": pl.List(pl.String)},
            ),
        ],
        how="horizontal",
    )


def _unused(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    taken = (
        variants.select(
            pl.col("seq").alias("from_step"), pl.col("seq").list.shift(-1).alias("to_step")
        )
        .explode("from_step", "to_step")
        .drop_nulls()
        .unique()
    )
    unused = journey_map.edges_frame().join(taken, on=["from_step", "to_step"], how="anti")
    return _key(
        unused,
        gap_type="unused_transition",
        from_step=pl.col("from_step"),
        to_step=pl.col("to_step"),
    ).with_columns(
        journeys=pl.lit(0, pl.UInt32),
        customers=pl.lit(0, pl.UInt32),
        missed_outcomes=pl.lit(0.0),
        value_at_risk=pl.lit(0.0),
        example_journey_ids=pl.lit([], dtype=pl.List(pl.String)),
    )


_DESCRIBE = {
    "skipped_step": "'{to_step}' skipped",
    "unexpected_step": "unexpected '{touchpoint}' {where}",
    "unexpected_transition": "'{from_step}' → '{to_step}' is not a designed transition",
    "unused_transition": "designed '{from_step}' → '{to_step}' never taken",
    "loop": "'{to_step}' repeated",
    "sla_breach": "'{to_step}' later than {detail} after the previous step",
    "channel_switch": "channel switch {detail} from '{from_step}' to '{to_step}'",
    "dropoff": "abandoned after '{from_step}'",
}


def _describe(row: dict[str, object]) -> str:
    before, after = row["from_step"], row["to_step"]
    if before and after:
        where = f"between '{before}' and '{after}'"
    elif before:
        where = f"after '{before}', at the end"
    elif after:
        where = f"at the start, before '{after}'"
    else:
        where = "with no map step around it"
    return _DESCRIBE[str(row["gap_type"])].format(where=where, **row)


def _finish(
    journey_map: JourneyMap, frame: pl.DataFrame, in_scope: int, min_support: int
) -> pl.DataFrame:
    within = {
        s.name: format_duration(s.within_seconds)
        for s in journey_map.steps
        if s.within_seconds is not None
    }
    if within:
        frame = frame.with_columns(
            detail=pl.when(pl.col("gap_type") == "sla_breach")
            .then(pl.col("to_step").replace_strict(within, default=None, return_dtype=pl.String))
            .otherwise(pl.col("detail"))
        )
    ranked = (
        frame.with_columns(
            share=(pl.col("journeys") / in_scope) if in_scope else pl.lit(0.0),
            _eligible=(pl.col("journeys") >= max(min_support, 1))
            & (pl.col("gap_type") != "unused_transition"),
        )
        .sort(
            ["_eligible", "value_at_risk", "missed_outcomes", "journeys", *KEY],
            descending=[True, True, True, True, False, False, False, False, False],
            nulls_last=True,
        )
        .with_columns(
            rank=pl.when(pl.col("_eligible")).then(pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
        )
    )
    description = [_describe(r) for r in ranked.select(*KEY).iter_rows(named=True)]
    return ranked.with_columns(
        map_name=pl.lit(journey_map.name),
        description=pl.Series(description, dtype=pl.String),
        journeys=pl.col("journeys").cast(pl.Int64),
        customers=pl.col("customers").cast(pl.Int64),
    ).select(
        "map_name",
        "rank",
        "gap_type",
        "from_step",
        "to_step",
        "touchpoint",
        "detail",
        "description",
        "journeys",
        "customers",
        "share",
        "value_at_risk",
        "missed_outcomes",
        "outcome_rate_with",
        "outcome_rate_without",
        "ci_low",
        "ci_high",
        pl.col("example_journey_ids").cast(pl.List(pl.String)),
    )
