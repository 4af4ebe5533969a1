"""marts.map_gap_history measured in one pass (history.measure_history, gaps.gaps_by) gives the
rows the per-period loop gave: find_gaps once per period over that period's journeys. The loop is
kept here, and only here, as the reference (``reference_history``)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from builders import T0, journey_marts
from journeys.compare.conformance import compare_map
from journeys.compare.deviations import GapType
from journeys.compare.gaps import find_gaps, variant_gaps
from journeys.compare.history import (
    UNWEIGHTED,
    GapInputs,
    _history_rows,
    empty_history,
    measure_history,
    period_of,
    periods_of,
)
from journeys.compare.impact import goal_value, goal_values
from journeys.compare.maps import JourneyMap, load_map, parse_map
from journeys.compare.reads import read_variants
from journeys.compare.scope import BREAKDOWN_COLUMNS, JOURNEY_COLUMNS, prepare_journeys
from journeys.compare.state import FINGERPRINT
from journeys.compare.timing import StepTiming
from journeys.compare.value import SCHEMA as VALUES_SCHEMA
from journeys.compare.value import journey_values
from journeys.demo import demo_settings
from journeys.warehouse import Warehouse
from sample_fixtures import sample_warehouse
from sample_truth import SAMPLE


def reference_history(
    journey_map: JourneyMap,
    inputs: GapInputs,
    *,
    version: str,
    periods: Iterable[date],
    grain: str,
    min_support: int,
) -> pl.DataFrame:
    """The history as it was measured before the one-pass version: find_gaps per period."""
    scoped = inputs.scoped.with_columns(_period=period_of("started_at", grain))
    rows = []
    for period in periods:
        sub = scoped.filter(pl.col("_period") == period)
        if sub.is_empty():
            continue
        found = _one_period(journey_map, inputs, sub, min_support=min_support)
        if found.height:
            rows.append(
                found.with_columns(
                    period=pl.lit(period, pl.Date),
                    journeys_in_scope=pl.lit(sub.height, pl.Int64),
                    finished_in_scope=pl.lit(int(sub["finished"].sum()), pl.Int64),
                )
            )
    if not rows:
        return empty_history()
    return _history_rows(
        pl.concat(rows), name=journey_map.name, version=version, grain=grain, timezone="UTC"
    )


def _one_period(
    journey_map: JourneyMap, inputs: GapInputs, sub: pl.DataFrame, *, min_support: int
) -> pl.DataFrame:
    """find_gaps over one period's journeys (renumbered, unweighted), with the variants,
    alignments and timing rows of those journeys only."""
    journeys = sub.drop("_period", *UNWEIGHTED, strict=False).rename({"jx": "_all"})
    journeys = journeys.with_row_index("jx")
    renumber = journeys.select("_all", "jx")
    variants = inputs.variants.join(journeys.select("vx").unique(), on="vx", how="semi")
    aligned = inputs.aligned.join(variants.select("variant_id"), on="variant_id", how="semi")

    def local(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.rename({"jx": "_all"}).join(renumber, on="_all").drop("_all")

    found = find_gaps(
        journey_map,
        variants=variants,
        aligned=aligned,
        journeys=journeys.drop("_all"),
        timing=StepTiming(
            seconds=inputs.timing.seconds.clear(),
            breaches=local(inputs.timing.breaches).select("jx", "step", "seconds"),
            switches=local(inputs.timing.switches).select(
                "jx", "prev_step", "step", "prev_channel", "channel"
            ),
        ),
        min_support=min_support,
    )
    return found.table.filter(
        (pl.col("journeys") > 0) & (pl.col("gap_type") != GapType.UNUSED_TRANSITION)
    )


def both(
    journey_map: JourneyMap,
    inputs: GapInputs,
    *,
    grain: str,
    min_support: int,
    periods: list[date] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(one pass, reference) over ``periods`` (default: every period of the journeys)."""
    wanted = periods_of(inputs.scoped, grain) if periods is None else periods
    options = {"version": "v1", "periods": wanted, "grain": grain, "min_support": min_support}
    return (
        measure_history(journey_map, inputs, **options),  # type: ignore[arg-type]
        reference_history(journey_map, inputs, **options),  # type: ignore[arg-type]
    )


def assert_same_rows(found: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Row for row (in order) and value for value, floats to the last bit."""
    assert_frame_equal(found, expected, check_exact=True)
    assert found.equals(expected)


# A -> B -> C (the goal, within 1h of B) or D; B -> D expected of 10% of finished journeys;
# the map names the web channel for A and B.
WEEKLY = parse_map(
    {
        "name": "weekly",
        "goal": "C",
        "exit": ["C", "D"],
        "stages": [
            {
                "name": "S",
                "steps": [
                    {"name": "A", "channel": "web"},
                    {
                        "name": "B",
                        "channel": "web",
                        "next": ["C", {"step": "D", "expected_share": 0.1}],
                    },
                    {"name": "C", "within": "1h", "next": []},
                    "D",
                ],
            }
        ],
    },
    source="weekly.yaml",
)
WEEK = [T0 + timedelta(days=7 * k) for k in range(3)]  # T0 is a Monday


def journey(id_: str, week: int, path: list[str], **fields: object) -> dict:
    """One journey starting in ``week`` (0..2), a few hours into it so days differ too."""
    start = WEEK[week] + timedelta(hours=13 * int(id_[-1]))
    return {"id": id_, "path": path, "start": start, "value": 10.0, **fields}


WEEKLY_ROWS = [
    # week 1: detours through X and abandoned at B; one late goal; one skipping B
    *[journey(f"w1ok{i}", 0, ["A", "B", "C"], segment="vip" if i < 2 else None) for i in range(6)],
    *[journey(f"w1x{i}", 0, ["A", "X", "B"], status="abandoned", value=0.0) for i in range(3)],
    journey("w1late0", 0, ["A", "B", "C"], seconds=[60, 60, 7200]),
    journey("w1skip0", 0, ["A", "C"]),
    # week 2: many go B -> D (10% expected), a loop, a switch to the phone
    *[journey(f"w2ok{i}", 1, ["A", "B", "C"], value=30.0) for i in range(3)],
    *[journey(f"w2d{i}", 1, ["A", "B", "D"], value=0.0, segment="vip") for i in range(5)],
    journey("w2loop0", 1, ["A", "B", "B", "C"]),
    journey("w2phone0", 1, ["A", "B", "C"], channels=["web", "phone", "phone"]),
    # week 3: one detour through X only (below min_support 2), one journey still in flight
    *[journey(f"w3ok{i}", 2, ["A", "B", "C"]) for i in range(4)],
    journey("w3x0", 2, ["A", "X", "B"], status="abandoned", value=0.0),
    journey("w3open0", 2, ["A", "B"], status="in_flight", value=0.0),
]


def weekly_inputs(*, value_weighted: bool) -> GapInputs:
    journeys, events = journey_marts(WEEKLY_ROWS)
    weights = {"vip": 4.0}
    values = journeys.select(
        pl.col("journey_id"),
        pl.col("segment"),
        raw_weight=pl.col("segment").replace_strict(weights, default=1.0, return_dtype=pl.Float64),
    ).cast(VALUES_SCHEMA)  # type: ignore[arg-type]
    result = compare_map(
        WEEKLY,
        journeys=journeys,
        events=events,
        min_support=2,
        values=values,
        value_weighted=value_weighted,
    )
    assert result.inputs is not None
    return result.inputs


def gaps_in(history: pl.DataFrame, week: int) -> dict[tuple, dict]:
    rows = history.filter(pl.col("period") == WEEK[week].date()).iter_rows(named=True)
    return {(r["gap_type"], r["from_step"], r["to_step"], r["touchpoint"]): r for r in rows}


@pytest.mark.parametrize("value_weighted", [False, True], ids=["unweighted", "value_weighted"])
def test_one_pass_equals_find_gaps_per_week_on_hand_made_weeks(value_weighted: bool):
    inputs = weekly_inputs(value_weighted=value_weighted)
    assert ("rank_weight" in inputs.scoped.columns) is value_weighted
    found, expected = both(WEEKLY, inputs, grain="week", min_support=2)
    assert_same_rows(found, expected)
    assert found["period"].unique().sort().to_list() == [w.date() for w in WEEK]

    # the weeks differ in which gaps occur
    first, second, third = (gaps_in(found, k) for k in range(3))
    x_after_a = ("unexpected_step", "A", None, "X")  # to_step/detail NULL: the stable key
    assert first[x_after_a]["journeys"] == 3 and first[x_after_a]["rank"] is not None
    assert ("dropoff", "B", None, None) in first and ("dropoff", "B", None, None) not in second
    late = first[("sla_breach", None, "C", None)]
    assert (late["ranking"], late["outcome_rate_with"]) == ("late_outcomes", None)
    assert "a median 2h" in late["description"]
    drift = second[("share_drift", "B", "D", None)]
    assert (drift["expected_share"], drift["observed_share"]) == (0.1, 0.5)
    assert drift["journeys"] == 5 and drift["rank"] is not None
    assert ("share_drift", "B", "D", None) not in first
    assert {("loop", None, "B", None), ("channel_switch", "A", "B", None)} <= set(second)
    # week 3: the detour is present, on one journey, below min_support: a row, rank NULL
    below = third[x_after_a]
    assert (below["journeys"], below["rank"], below["same_behaviour_as"]) == (1, None, None)
    assert (below["journeys_in_scope"], below["finished_in_scope"]) == (6, 5)
    assert below["share"] == 1 / 6
    assert found.filter(pl.col("gap_type") == "unused_transition").is_empty()
    assert found.filter(pl.col("gap_type") == "unexpected_step")["detail"].is_null().all()


def test_the_history_is_unweighted_whatever_the_ranking():
    unweighted = measure_history(
        WEEKLY, weekly_inputs(value_weighted=False), version="v1",
        periods=[w.date() for w in WEEK], grain="week", min_support=2,
    )  # fmt: skip
    weighted = measure_history(
        WEEKLY, weekly_inputs(value_weighted=True), version="v1",
        periods=[w.date() for w in WEEK], grain="week", min_support=2,
    )  # fmt: skip
    assert_same_rows(weighted, unweighted)
    assert weighted.filter(pl.col("impact_unit") == "value").height > 0


def test_one_pass_equals_find_gaps_per_day_and_for_some_periods_only():
    inputs = weekly_inputs(value_weighted=True)
    found, expected = both(WEEKLY, inputs, grain="day", min_support=1)
    assert_same_rows(found, expected)
    assert found["period"].n_unique() >= 6  # journeys start on several days of each week
    # a micro-batch's periods alone: the rows do not depend on the periods measured with them
    some = [WEEK[1].date(), WEEK[2].date(), date(2030, 1, 7)]  # the last has no journey
    found, expected = both(WEEKLY, inputs, grain="week", min_support=2, periods=some)
    assert_same_rows(found, expected)
    every, _ = both(WEEKLY, inputs, grain="week", min_support=2)
    assert_same_rows(found, every.filter(pl.col("period").is_in(some)))
    nothing, _ = both(WEEKLY, inputs, grain="week", min_support=2, periods=[date(2030, 1, 7)])
    assert nothing.is_empty() and nothing.schema == empty_history().schema


def test_goal_values_per_group_are_goal_value_of_each_group_to_the_last_bit():
    rng = random.Random(17)
    n = 20_000
    journeys = pl.DataFrame(
        {
            "g": [rng.randrange(40) for _ in range(n)],
            "value": [rng.gauss(100, 80) * rng.choice([1e-3, 1.0, 1e6]) for _ in range(n)],
            "finished": [rng.random() < 0.9 for _ in range(n)],
            "outcome": [rng.random() < 0.7 for _ in range(n)],
        }
    )
    units = dict(goal_values(journeys, ["g"]).iter_rows())
    for (g,), group in journeys.partition_by("g", as_dict=True).items():
        assert units.get(g, 0.0) == goal_value(group)


# the sample shop (data/sample): both maps, each period's history against the reference


def sample_inputs(warehouse: Path, map_file: Path, *, value_weighted: bool) -> GapInputs:
    settings = demo_settings(warehouse=warehouse, reports=warehouse.parent / "reports")
    with Warehouse(warehouse, read_only=True) as wh:
        present = wh.columns("marts.journeys")
        wanted = [c for c in JOURNEY_COLUMNS if c != "path"]
        wanted += [c for c in (*BREAKDOWN_COLUMNS, *FINGERPRINT) if c in present]
        read = wh.read_table(
            "marts.journeys", columns=list(dict.fromkeys(wanted)), order_by=["journey_id"]
        )
        result = compare_map(
            load_map(map_file),
            journeys=prepare_journeys(read),
            events=wh,
            variants=read_variants(wh),
            values=journey_values(wh, settings),
            min_support=settings.min_support,
            value_weighted=value_weighted,
        )
    assert result.inputs is not None
    return result.inputs


@pytest.mark.slow
@pytest.mark.parametrize("grain", ["week", "day"])
@pytest.mark.parametrize("name", ["online_purchase", "support_resolution"])
def test_one_pass_equals_find_gaps_per_period_on_the_sample(name: str, grain: str):
    map_file = SAMPLE / "maps" / f"{name}.yaml"
    inputs = sample_inputs(sample_warehouse(), map_file, value_weighted=grain == "day")
    found, expected = both(load_map(map_file), inputs, grain=grain, min_support=5)
    assert_same_rows(found, expected)
    assert found["period"].n_unique() > 8 and found.height > 100
    assert found["rank"].is_null().any() and found["rank"].is_not_null().any()


@pytest.mark.slow
def test_the_variants_gaps_of_some_variants_are_those_found_from_them_alone():
    """VariantGaps.of (the history's periods take the map's gaps of their variants) holds
    the rows variant_gaps finds from those variants and alignments alone."""
    map_file = SAMPLE / "maps" / "online_purchase.yaml"
    inputs = sample_inputs(sample_warehouse(), map_file, value_weighted=False)
    assert inputs.per_variant is not None
    journey_map = load_map(map_file)
    some = inputs.variants.filter(pl.col("vx") % 3 == 0)
    aligned = inputs.aligned.join(some.select("variant_id"), on="variant_id", how="semi")
    assert 0 < some.height < inputs.variants.height
    kept = inputs.per_variant.of(some, aligned)
    alone = variant_gaps(journey_map, variants=some, aligned=aligned)
    for part in ("moves", "sequences"):
        found, expected = getattr(kept, part), getattr(alone, part)
        assert found.height > 0 and found.height < getattr(inputs.per_variant, part).height
        assert_frame_equal(found, expected, check_row_order=False, check_exact=True)
    # all the variants (a full compare's history): the gaps as found, not joined again
    assert inputs.per_variant.of(inputs.variants, inputs.aligned) is inputs.per_variant


def test_a_map_finds_its_variants_gaps_once_for_its_gaps_and_their_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The moves and step sequences of each variant are the same for the map's gaps and for
    every period of its history: compare finds them once (at 10M events 0.5 s a map)."""
    import journeys.compare.gaps as gaps

    calls: list[int] = []
    real = gaps.move_members

    def counted(aligned: pl.DataFrame) -> pl.DataFrame:
        calls.append(aligned.height)
        return real(aligned)

    monkeypatch.setattr(gaps, "move_members", counted)
    inputs = weekly_inputs(value_weighted=False)
    history = measure_history(
        WEEKLY, inputs, version="v1", periods=periods_of(inputs.scoped, "week"), grain="week",
        min_support=2,
    )  # fmt: skip
    assert history.height > 0
    assert len(calls) == 1


def _utc(*instants: str) -> pl.DataFrame:
    times = [pl.Series([t]).str.to_datetime(time_zone="UTC")[0] for t in instants]
    return pl.DataFrame({"started_at": times}, schema={"started_at": pl.Datetime("us", "UTC")})


def test_periods_are_days_and_weeks_of_the_configured_time_zone():
    """Sunday 1 March 2026, 22:30 in New York is Monday 03:30 UTC: in UTC periods it was
    Monday's and the next week's; in New York's it is Sunday's, of the week before. A midnight
    the clocks skip (Santiago, 6 September 2026) is no error."""
    frame = _utc("2026-03-02 03:30:00")
    assert periods_of(frame, "day") == [date(2026, 3, 2)]
    assert periods_of(frame, "week") == [date(2026, 3, 2)]
    assert periods_of(frame, "day", "America/New_York") == [date(2026, 3, 1)]
    assert periods_of(frame, "week", "America/New_York") == [date(2026, 2, 23)]
    assert periods_of(frame, "day", "Asia/Tokyo") == [date(2026, 3, 2)]
    skipped = _utc("2026-09-06 04:30:00", "2026-09-06 02:30:00")  # 01:30 and 22:30 the day before
    assert periods_of(skipped, "day", "America/Santiago") == [date(2026, 9, 5), date(2026, 9, 6)]


def test_the_month_of_a_journey_is_the_configured_time_zone_s():
    journeys = _utc("2026-04-01 02:00:00").with_columns(
        journey_id=pl.lit("j1"), customer_key=pl.lit("c1"), variant_id=pl.lit(1),
        status=pl.lit("completed"), value=pl.lit(0.0),
    )  # fmt: skip
    assert prepare_journeys(journeys)["period"].to_list() == ["2026-04"]
    assert prepare_journeys(journeys, "America/New_York")["period"].to_list() == ["2026-03"]
