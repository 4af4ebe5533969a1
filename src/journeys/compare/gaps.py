"""Typed, measured and ranked gaps between a map and the journeys in its scope (marts.map_gaps).

Gap types (the step sequence, scope, outcome and finished are defined in ``scope.py``):

- ``skipped_step`` (to_step): a model move on the step in the journey's optimal alignment,
  except the model moves after the last touchpoint of a journey that **left** (finished, and
  reached no exit of the map): the steps it never got to. An ``abandoned`` journey's are its
  ``dropoff``; a journey ``completed`` elsewhere (a cancellation; an imported log's case, every
  one ``completed``, that stopped early) keeps only the outcome step among them (its goal, or
  its exit without one) as skipped: "journeys end without 'Closed'";
- ``unexpected_step`` (touchpoint, after from_step): a log move; from_step is the map step the
  journey did just before it (a sync move; NULL at the start). One behaviour is one gap: the
  gap is keyed by (touchpoint, from_step), whatever came next, because what came next is often
  the outcome itself (a call after a failed payment, then paid or cancelled). ``to_step`` is the
  map step most of its journeys did next (NULL: the end), ``detail`` lists where they went;
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

Measures (``impact.py`` computes them): journeys and customers affected, share of the journeys in
scope, and the outcome compared like with like, over finished journeys only: journeys *with* the
gap against journeys *without* it that reached the same point of the map, the gap's
**baseline steps** (``baseline_steps``; the journeys compared are ``baseline_journeys``):

- ``unexpected_step``, ``unexpected_transition``, ``channel_switch``: from_step, the step the
  deviation leaves from (every journey in scope for an unexpected step at the start);
- ``skipped_step``: the step's designed predecessors (any of them; every journey in scope for a
  step without one, such as the entry);
- ``sla_breach``, ``loop``: the step itself (only a journey that reached it can be late or
  repeat it; the previous step would count journeys that never got there as on time);
- ``dropoff``: from_step, the step the journeys were abandoned after.

``outcome_rate_with`` / ``outcome_rate_without``, ``ci_low``..``ci_high`` (95% interval of their
difference, Newcombe's hybrid score interval from two Wilson intervals), ``effect`` (``harms``
or ``helps`` when that interval excludes 0, else ``no clear effect``), ``missed_outcomes`` =
(rate_without - rate_with) x finished journeys with the gap (negative: outcomes gained),
``value_at_risk`` = max(0, missed_outcomes) x the average value of finished in-scope journeys
that reached the outcome (0 when that average is not positive), and ``impact`` = -missed_outcomes
in value (x that average, ``impact_unit`` = ``value``) when it is positive, else in outcomes
(``impact_unit`` = ``outcomes``): negative costs, positive helps.

Who: ``segments`` lists the CRM segments of a gap's journeys with their shares, and
``customer_weight`` the mean weight of its finished journeys' customers (``value.py``; with
``ranking: value_weighted`` those weights also weigh ``value_at_risk`` and ``impact``, and
``value_weighted`` says so).

Ranking: gaps with a clear effect first, then those whose interval crosses 0; inside each, by
``|impact|`` (harmful and helpful deviations alike: a frequent helpful one is a path the map
should adopt), then journeys. A gap affecting fewer than ``min_support`` journeys is kept with
rank NULL, as are unused transitions (they affect no journey). There are two rankings
(``ranking``): the ways of ending without the outcome (``dropoffs``: drop-offs, the goal step
skipped, an unexpected step its journeys ended after; their rate with is 0 by definition) apart
from the ``deviations``. One behaviour is one ranked gap: a gap re-describing a higher-ranked
one (``behaviour.same_behaviour``) has rank NULL and ``same_behaviour_as`` = that rank.

Each gap has a ``gap_id`` (its number in the map's catalog of gap keys); ``find_gaps`` also
returns which journeys have which gap, written as ``marts.map_journeys.gap_ids``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.gapkey import KEY, keyed, with_stable_keys
from journeys.compare.impact import (
    Z95,
    goal_value,
    measure_impact,
    newcombe_interval,
    wilson_interval,
)
from journeys.compare.maps import JourneyMap
from journeys.compare.moves import move_members, next_steps
from journeys.compare.ranking import finish_gaps
from journeys.compare.shares import share_members
from journeys.compare.slices import journey_slices
from journeys.compare.timing import StepTiming
from journeys.compare.value import SEGMENTS, affected_segments

__all__ = [
    "KEY",
    "MAP_GAPS_SCHEMA",
    "Z95",
    "Gaps",
    "VariantGaps",
    "find_gaps",
    "variant_gaps",
    "newcombe_interval",
    "wilson_interval",
]

MAP_GAPS_SCHEMA = pl.Schema(
    {
        "map_name": pl.String(),
        "gap_id": pl.Int64(),
        "gap_key": pl.String(),
        "ranking": pl.String(),
        "rank": pl.Int64(),
        "same_behaviour_as": pl.Int64(),
        "gap_type": pl.String(),
        "from_step": pl.String(),
        "to_step": pl.String(),
        "touchpoint": pl.String(),
        "detail": pl.String(),
        "description": pl.String(),
        "journeys": pl.Int64(),
        "customers": pl.Int64(),
        "share": pl.Float64(),
        "effect": pl.String(),
        "impact": pl.Float64(),
        "impact_unit": pl.String(),
        "value_at_risk": pl.Float64(),
        "missed_outcomes": pl.Float64(),
        "outcome_rate_with": pl.Float64(),
        "outcome_rate_without": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "delay_median_seconds": pl.Float64(),
        "delay_p90_seconds": pl.Float64(),
        "baseline_steps": pl.List(pl.String()),
        "baseline_journeys": pl.Int64(),
        "example_journey_ids": pl.List(pl.String()),
        "finished_with": pl.Int64(),
        "outcomes_with": pl.Int64(),
        "outcomes_without": pl.Int64(),
        "expected_share": pl.Float64(),
        "observed_share": pl.Float64(),
        "segments": SEGMENTS,
        "customer_weight": pl.Float64(),
        "value_weighted": pl.Boolean(),
    }
)
"""marts.map_gaps, its columns in order and their types (docs: sql/marts/schema.yml)."""


@dataclass(frozen=True)
class Gaps:
    """One map's gaps: the rows of marts.map_gaps, and which journeys have which gap."""

    table: pl.DataFrame
    """The rows of marts.map_gaps for the map; ``gap_id`` is the stable id (gapkey.py)."""
    members: pl.DataFrame
    """gap_id, jx: one row per (gap, journey with it); jx is scope_journeys()' row number and
    gap_id the stable id of marts.map_gaps."""


def find_gaps(
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    aligned: pl.DataFrame,
    journeys: pl.DataFrame,
    timing: StepTiming,
    min_support: int,
    per_variant: VariantGaps | None = None,
) -> Gaps:
    """All gaps of one map, measured and ranked (the rows of marts.map_gaps for this map), and
    their journeys.

    ``variants``: scope_variants(). ``aligned``: align_variants() of the (variant_id, complete)
    pairs of the journeys. ``journeys``: scope_journeys(). ``timing``: time_steps().
    ``per_variant``: variant_gaps() of these variants and alignments, when already found.
    Gaps are found per variant where they depend on the path only, and
    spread to journeys through compact integer keys, so the journey-level work is a few joins.
    """
    found = _measure(
        journey_map, variants=variants, aligned=aligned, journeys=journeys, timing=timing, by=(),
        per_variant=per_variant,
    )  # fmt: skip
    measured = found.measured.join(
        affected_segments(found.members, journeys), on="gap_id", how="left"
    )
    unit = "value" if goal_value(journeys) else "outcomes"
    frame = pl.concat([measured, _unused(journey_map, variants, unit)], how="diagonal_relaxed")
    # ranking: value_weighted gave the journeys a rank_weight (value.attach_values)
    frame = frame.with_columns(value_weighted=pl.lit("rank_weight" in journeys.columns))
    frame = frame.join(_delays(timing, journeys, by=()), on=["gap_type", "to_step"], how="left")
    # the unused transitions (no journey, not in the catalog) are numbered after it
    unnumbered = pl.col("gap_id").is_null().cum_sum().cast(pl.UInt32)
    frame = frame.with_columns(
        gap_id=pl.coalesce("gap_id", pl.lit(found.catalog.height, pl.UInt32) + unnumbered - 1)
    )
    ids = _stable_ids(found.catalog, frame)
    table = finish_gaps(
        journey_map, frame.join(ids, on="gap_id"), found.members, journeys=journeys,
        min_support=min_support,
    )  # fmt: skip
    stable = found.members.join(ids.select("gap_id", "stable_id"), on="gap_id")
    return Gaps(
        table=table.select(list(MAP_GAPS_SCHEMA)).cast(MAP_GAPS_SCHEMA),
        members=stable.select(gap_id="stable_id", jx="jx"),
    )


def gaps_by(
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    aligned: pl.DataFrame,
    journeys: pl.DataFrame,
    timing: StepTiming,
    min_support: int,
    by: Sequence[str],
    per_variant: VariantGaps | None = None,
) -> pl.DataFrame:
    """The gaps ``find_gaps`` finds among each group of ``journeys`` (the same values of the
    ``by`` columns), measured and ranked among that group's journeys only, every group in one
    pass: one row per (group, gap its journeys have) with, among working columns, the ``by``
    columns, gap_id (the stable id), gap_key, the published ``KEY`` columns, the measures,
    ranking, rank, same_behaviour_as and description, each as marts.map_gaps has it for a map
    compared on that group's journeys alone. Left out (the gap history keeps none of them):
    unused transitions, customers, segments, examples, customer weights, value_weighted. For
    the history ``journeys`` carry no weights: it is measured unweighted (history.py says why).

    The variant-level parts (moves, step sequences, drop-offs) are found once for every group;
    the groups are columns of the journey-level joins and aggregations, so the work does not
    grow with the number of groups. ``per_variant``: as find_gaps' (the gap history passes
    the map's, found once for find_gaps, VariantGaps.of its variants)."""
    found = _measure(
        journey_map, variants=variants, aligned=aligned, journeys=journeys, timing=timing, by=by,
        per_variant=per_variant,
    )  # fmt: skip
    delays = _delays(timing, journeys, by=by)
    frame = found.measured.join(delays, on=[*by, "gap_type", "to_step"], how="left")
    ids = _stable_ids(found.catalog, frame)
    return finish_gaps(
        journey_map, frame.join(ids, on="gap_id"), found.members, journeys=journeys,
        min_support=min_support, by=by,
    )  # fmt: skip


@dataclass(frozen=True)
class VariantGaps:
    """The gaps found from each variant's path alone, whatever its journeys and their groups:
    the same for a map's gaps and for its gap history, so found once for both (at 10M events
    about 0.5 s of each)."""

    moves: pl.DataFrame
    """move_members() of the alignments: per aligned (variant_id, complete)."""
    sequences: pl.DataFrame
    """_sequence_members() of the variants: per variant_id."""
    found_from: tuple[int, int]
    """How many variants and alignments they were found from."""

    def of(self, variants: pl.DataFrame, aligned: pl.DataFrame) -> VariantGaps:
        """These gaps of ``variants`` and ``aligned`` only, a part of the variants and
        alignments they were found from (each row is one variant's, so the part's rows are
        the rows found from the part); all of them for a part that is the whole."""
        if (variants.height, aligned.height) == self.found_from:
            return self
        return VariantGaps(
            moves=self.moves.join(
                aligned.select("variant_id", "complete"), on=["variant_id", "complete"],
                how="semi",
            ),
            sequences=self.sequences.join(variants.select("variant_id"), on="variant_id",
                                          how="semi"),
            found_from=(variants.height, aligned.height),
        )  # fmt: skip


def variant_gaps(
    journey_map: JourneyMap, *, variants: pl.DataFrame, aligned: pl.DataFrame
) -> VariantGaps:
    """The gaps of each variant (``variants``: scope_variants()) and of each aligned
    (variant_id, complete) (``aligned``: align_variants())."""
    return VariantGaps(
        moves=move_members(aligned),
        sequences=_sequence_members(journey_map, variants),
        found_from=(variants.height, aligned.height),
    )


@dataclass(frozen=True)
class _Measured:
    measured: pl.DataFrame
    """Per (by, gap_id): the measures (impact.py), the KEY columns as published, baseline_steps,
    _mixed and _via (an unexpected step's next steps), the share_drift shares."""
    catalog: pl.DataFrame
    """gap_id and KEY: every gap found (_Found.catalog)."""
    members: pl.DataFrame
    """gap_id, jx (and the by columns): one row per (gap, journey with it)."""


def _measure(
    journey_map: JourneyMap,
    *,
    variants: pl.DataFrame,
    aligned: pl.DataFrame,
    journeys: pl.DataFrame,
    timing: StepTiming,
    by: Sequence[str],
    per_variant: VariantGaps | None,
) -> _Measured:
    """Find the gaps and measure them (per group of ``by``): what find_gaps and gaps_by share."""
    if per_variant is None:
        per_variant = variant_gaps(journey_map, variants=variants, aligned=aligned)
    vx = variants.select("variant_id", "vx")
    # a journey that ended before the map's end left after its last step: abandoned, or
    # completed elsewhere (a cancellation, an imported log's case that stopped)
    keys = (
        journeys.select("jx", "vx", "finished", "outcome", *by, status="status")
        .join(variants.select("vx", "reached_exit"), on="vx", maintain_order="left")
        .with_columns(
            abandoned=pl.col("status") == "abandoned",
            left=pl.col("finished") & ~pl.col("reached_exit"),
        )
        .drop("reached_exit", "status")
    )
    shares, share_info = share_members(journey_map, variants, keys, by=by)
    found = _Found(
        moves=per_variant.moves.join(vx, on="variant_id"),
        sequences=per_variant.sequences.join(vx, on="variant_id"),
        drops=keyed(variants, gap_type=GapType.DROPOFF, from_step=pl.col("last_step")),
        events=_event_members(timing),
        shares=shares,
    )
    catalog = found.catalog()
    moved = _ids(found.moves, catalog)
    outcome_skips = catalog.filter(
        (pl.col("gap_type") == GapType.SKIPPED_STEP) & pl.col("to_step").is_in(journey_map.outcomes)
    )["gap_id"]
    members = _gap_members(found, catalog, moved=moved, keys=keys, outcome_skips=outcome_skips)
    if by:  # each journey's group, for the grouped aggregations
        members = members.with_columns(journeys.select(by)[members["jx"]])
    baselines = _baselines(journey_map, catalog)
    measured = (
        measure_impact(members, journeys, variants=variants, baselines=baselines, by=by, who=not by)
        .join(catalog, on="gap_id")
        .join(baselines, on="gap_id")
        .join(next_steps(moved, catalog, keys, by=by), on=[*by, "gap_id"], how="left")
        .join(share_info, on=[*by, *KEY], how="left", nulls_equal=True)
    )
    measured = measured.with_columns(
        to_step=pl.coalesce("next_step", "to_step"),
        detail=pl.coalesce("next_detail", "share_detail", "detail"),
        _mixed=pl.col("_mixed").fill_null(False),
    ).drop("next_step", "next_detail", "share_detail")
    return _Measured(measured=measured, catalog=catalog, members=members)


@dataclass(frozen=True)
class _Found:
    """The gaps found, by where they were found, each keyed by KEY (plus vx or jx)."""

    moves: pl.DataFrame  # per aligned (variant, complete), with trailing
    sequences: pl.DataFrame  # per variant: loops, channel switches
    drops: pl.DataFrame  # per variant: where an abandoned journey stopped
    events: pl.DataFrame  # per journey: SLA breaches
    shares: pl.DataFrame  # per journey: share_drift

    def catalog(self) -> pl.DataFrame:
        """gap_id and KEY: every gap found, numbered in key order (this run's numbers)."""
        parts = (self.moves, self.sequences, self.drops, self.events, self.shares)
        return (
            pl.concat([f.select(KEY) for f in parts])
            .unique()
            .sort(KEY, nulls_last=True)
            .with_row_index("gap_id")
        )


def _ids(frame: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its KEY columns replaced by the catalog's gap_id."""
    return frame.join(catalog, on=list(KEY), nulls_equal=True).drop(KEY)


def _gap_members(
    found: _Found,
    catalog: pl.DataFrame,
    *,
    moved: pl.DataFrame,
    keys: pl.DataFrame,
    outcome_skips: pl.Series,
) -> pl.DataFrame:
    """gap_id, jx: one row per (gap, journey). Each part is made unique on its own (the gap
    types of the parts differ), at the variant level where it can, not over the millions of
    rows; the moves (``moved``, per aligned variant) spread to journeys as integers only, each
    join given only the journey columns it needs, a slice of the journeys at a time.
    ``outcome_skips``: the gap_ids of the outcome steps skipped."""
    moves = moved.group_by("gap_id", "vx", "complete").agg(pl.col("trailing").all())
    sequences = _ids(found.sequences, catalog).select("gap_id", "vx")
    drops = _ids(found.drops, catalog).select("gap_id", "vx")
    abandoned = pl.col("abandoned")
    # the steps a journey that left never got to are not skipped steps: an abandoned journey's
    # are its drop-off; one completed elsewhere keeps only its outcome step skipped ("journeys
    # end without 'Closed'"), the one row that holds its loss whatever step it stopped at
    never_got_to = pl.col("trailing") & (
        abandoned | (pl.col("left") & ~pl.col("gap_id").is_in(outcome_skips.implode()))
    )
    spread = [
        part
        for journeys in journey_slices(keys)  # keys: one row per journey, jx its row number
        for part in (
            moves.join(
                journeys.select("jx", "vx", "finished", "left", "abandoned"),
                left_on=["vx", "complete"],
                right_on=["vx", "finished"],
            )
            .filter(~never_got_to)
            .select("gap_id", "jx"),
            sequences.join(journeys.select("jx", "vx"), on="vx").select("gap_id", "jx"),
            drops.join(
                journeys.filter(abandoned & ~pl.col("outcome")).select("jx", "vx"), on="vx"
            ).select("gap_id", "jx"),
        )
    ]
    return pl.concat(
        [
            *spread,
            _ids(found.events, catalog).select("gap_id", "jx").unique(),
            _ids(found.shares, catalog).select("gap_id", "jx"),
        ]
    )


def _stable_ids(catalog: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """gap_id (this run's number), gap_key, stable_id: the catalog's keys as found, and the
    unused transitions' (gapkey.py)."""
    unused = frame.filter(pl.col("gap_type") == GapType.UNUSED_TRANSITION)
    keys = pl.concat([catalog, unused.select("gap_id", *KEY)], how="diagonal_relaxed")
    return with_stable_keys(keys).select("gap_id", "gap_key", "stable_id")


def _delays(timing: StepTiming, journeys: pl.DataFrame, *, by: Sequence[str]) -> pl.DataFrame:
    """Per sla_breach gap (to_step; and group of ``by``): the median and 90th percentile of
    how long its journeys took from the previous step (the longest wait, when a journey was
    late more than once)."""
    breaches = timing.breaches
    if by:
        breaches = breaches.with_columns(journeys.select(by)[breaches["jx"]])
    return breaches.group_by(*by, pl.col("step").cast(pl.String).alias("to_step")).agg(
        gap_type=pl.lit(GapType.SLA_BREACH.value),
        delay_median_seconds=pl.col("seconds").median(),
        delay_p90_seconds=pl.col("seconds").quantile(0.9, interpolation="linear"),
    )


def _sequence_members(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """unexpected_transition and loop, per variant (from its step sequence)."""
    seq = variants.select(
        "variant_id", step=pl.col("seq"), next_step=pl.col("seq").list.shift(-1)
    ).explode("step", "next_step")
    designed = journey_map.edges_frame().rename({"from_step": "step", "to_step": "next_step"})
    transitions = keyed(
        seq.filter(
            pl.col("next_step").is_not_null() & (pl.col("step") != pl.col("next_step"))
        ).join(designed, on=["step", "next_step"], how="anti"),
        gap_type=GapType.UNEXPECTED_TRANSITION,
        from_step=pl.col("step"),
        to_step=pl.col("next_step"),
    )
    repeatable = [s.name for s in journey_map.steps if s.repeatable]
    loops = keyed(
        seq.filter(~pl.col("step").is_in(repeatable))
        .group_by("variant_id", "step")
        .agg(pl.len().alias("times"))
        .filter(pl.col("times") > 1),
        gap_type=GapType.LOOP,
        to_step=pl.col("step"),
    )
    return pl.concat([transitions, loops], how="vertical_relaxed").unique()


def _event_members(timing: StepTiming) -> pl.DataFrame:
    """sla_breach and channel_switch, per journey (jx)."""
    sla = keyed(timing.breaches, gap_type=GapType.SLA_BREACH, to_step=pl.col("step"))
    switches = keyed(
        timing.switches,
        gap_type=GapType.CHANNEL_SWITCH,
        from_step=pl.col("prev_step"),
        to_step=pl.col("step"),
        detail=pl.col("prev_channel") + " → " + pl.col("channel"),
    )
    return pl.concat([sla, switches], how="vertical_relaxed")


def _baselines(journey_map: JourneyMap, catalog: pl.DataFrame) -> pl.DataFrame:
    """gap_id, baseline_steps: the map steps the gap's baseline journeys reached (any of them;
    NULL = every journey in scope). See the module docstring for the rule per gap type."""
    predecessors: dict[str, list[str]] = {name: [] for name in journey_map.step_names}
    for a, targets in journey_map.graph.successors.items():  # in file order: one pass
        for b in targets:
            if b != a:
                predecessors[b].append(a)
    steps: list[list[str] | None] = []
    for gap_type, before, after in catalog.select("gap_type", "from_step", "to_step").iter_rows():
        if gap_type == GapType.SKIPPED_STEP:
            found = predecessors.get(after, [])
        elif gap_type in (GapType.SLA_BREACH, GapType.LOOP):
            found = [after]
        elif gap_type == GapType.SHARE_DRIFT:
            found = []  # against the other finished journeys in scope
        else:  # unexpected_step, unexpected_transition, channel_switch, dropoff
            found = [before] if before is not None else []
        steps.append(found or None)
    return catalog.select("gap_id", pl.Series("baseline_steps", steps, dtype=pl.List(pl.String)))


def _unused(journey_map: JourneyMap, variants: pl.DataFrame, unit: str) -> pl.DataFrame:
    taken = (
        variants.select(
            pl.col("seq").alias("from_step"), pl.col("seq").list.shift(-1).alias("to_step")
        )
        .explode("from_step", "to_step")
        .drop_nulls()
        .unique()
    )
    unused = journey_map.edges_frame().join(taken, on=["from_step", "to_step"], how="anti")
    return keyed(
        unused,
        gap_type=GapType.UNUSED_TRANSITION,
        from_step=pl.col("from_step"),
        to_step=pl.col("to_step"),
    ).with_columns(
        journeys=pl.lit(0, pl.UInt32),
        customers=pl.lit(0, pl.UInt32),
        missed_outcomes=pl.lit(0.0),
        value_at_risk=pl.lit(0.0),
        impact=pl.lit(0.0),
        impact_unit=pl.lit(unit),
        example_journey_ids=pl.lit([], dtype=pl.List(pl.String)),
    )
