"""``marts.map_drift``: the gaps whose share or effect changed beyond chance, period by period.

Each period of ``marts.map_gap_history`` (the map's current version) is compared with its
**baseline**: the ``drift.baseline_periods`` periods just before it, pooled (those with
journeys). Per gap, up to two tests, and one per expected share:

- ``share``: the share of the period's journeys in scope with the gap against the baseline's,
  a two-proportion z-test (pooled). ``new`` when the baseline had none, ``gone`` when the period
  has none, else ``grew`` or ``shrank``; ``size`` is the difference in share, with Newcombe's
  95% interval.
- ``effect``: the outcome difference of the gap (outcome_rate_with - outcome_rate_without, over
  finished journeys) against the baseline's, a z-test of the difference of the two
  differences (variances from rates with half a journey added either way, so a rate of 0 or 1
  still has one); ``grew`` or ``shrank`` as that difference went up or down.
- ``expected_share`` (kind ``share_drift``): a share_drift gap of the period, its observed share
  against the map's ``expected_share:``.

A period whose journeys are not all finished (the newest, typically) is **open**: its journeys
may not have got to a gap yet, nor finished, so an open period is tested for growth of a share
only (``grew``, ``new``); decreases, effects and expected shares are judged once it has closed.
``dropoff`` is never tested (a drop-off is only known a journey horizon after it happened), nor
``unused_transition`` (no journeys), nor a gap that re-describes the journeys of another in the
period (``same_behaviour_as`` in the history, as in marts.map_gaps: one behaviour, one event).
Tests with fewer than ``MIN_JOURNEYS`` journeys with the gap
in the period and baseline together, or an effect group of fewer than ``MIN_FINISHED`` finished
journeys, are not run. The false discovery rate is controlled at ``drift.fdr`` across the tests
of one map and period (Benjamini-Hochberg): a drift event is a test whose adjusted p-value
(``q_value``) is at most that rate. Every period is judged, so the table is a function of the
history, and a full rebuild writes the same events.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.gapkey import KEY
from journeys.compare.impact import Z95, newcombe_interval, wilson_interval
from journeys.errors import CompareError
from journeys.warehouse import Warehouse

TABLE = "marts.map_drift"
MIN_JOURNEYS = 5
MIN_FINISHED = 10
STEP = {"day": timedelta(days=1), "week": timedelta(weeks=1)}
NOT_TESTED = (GapType.DROPOFF.value, GapType.UNUSED_TRANSITION.value)
LABEL = ("gap_id", "gap_key", "gap_type", *KEY[1:], "description")
DRIFT_SCHEMA = {
    "map_name": pl.String,
    "map_version": pl.String,
    "grain": pl.String,
    "period": pl.Date,
    "baseline_period": pl.Date,
    "baseline_periods": pl.Int64,
    "gap_id": pl.Int64,
    "gap_key": pl.String,
    **dict.fromkeys(KEY, pl.String),
    "description": pl.String,
    "kind": pl.String,
    "measure": pl.String,
    "size": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "value": pl.Float64,
    "baseline_value": pl.Float64,
    "p_value": pl.Float64,
    "q_value": pl.Float64,
}


def empty_drift() -> pl.DataFrame:
    """A drift table without events."""
    return pl.DataFrame(schema=DRIFT_SCHEMA)


@dataclass(frozen=True)
class Test:
    """One test of one gap in one period (a drift event when its q-value passes)."""

    label: dict[str, Any]
    kind: str
    measure: str
    size: float
    interval: tuple[float, float]
    value: float
    baseline_value: float
    p_value: float


def find_drift(
    history: pl.DataFrame, *, grain: str, baseline_periods: int, fdr: float
) -> pl.DataFrame:
    """The drift events of one map version's history (marts.map_gap_history rows)."""
    if history.is_empty():
        return empty_drift()
    totals = history.group_by("period").agg(
        pl.col("journeys_in_scope").max(), pl.col("finished_in_scope").max()
    )
    closed = {
        p: n == f for p, n, f in totals.select("period", "journeys_in_scope",
                                               "finished_in_scope").iter_rows()
    }  # fmt: skip
    in_scope = dict(totals.select("period", "journeys_in_scope").iter_rows())
    baselines = {}
    for period in sorted(in_scope):
        baseline = [period - k * STEP[grain] for k in range(1, baseline_periods + 1)]
        baseline = [b for b in baseline if b in in_scope]
        if baseline:
            baselines[period] = baseline
    if not baselines:
        return empty_drift()
    compared: dict[date, list[dict[str, Any]]] = {}
    for row in _compared(history, baselines).iter_rows(named=True):  # no frame per period
        compared.setdefault(row["period"], []).append(row)
    rows = []
    for period, baseline in baselines.items():
        tests = _period_tests(
            compared[period], n1=in_scope[period], n0=sum(in_scope[b] for b in baseline),
            closed=closed[period] and all(closed[b] for b in baseline),
        )  # fmt: skip
        for test, q in zip(tests, adjust(t.p_value for t in tests), strict=True):
            if q <= fdr:
                rows.append(_event(history, test, q, period=period, baseline=baseline))
    frame = pl.DataFrame(rows, schema=DRIFT_SCHEMA, orient="row")
    return frame.sort("period", "q_value", "gap_id", "measure")


def _event(
    history: pl.DataFrame, test: Test, q: float, *, period: date, baseline: list[date]
) -> tuple[object, ...]:
    label = test.label
    return (
        history["map_name"][0],
        history["map_version"][0],
        history["grain"][0],
        period,
        min(baseline),
        len(baseline),
        label["gap_id"],
        label["gap_key"],
        *(label[c] for c in KEY),
        label["description"],
        test.kind,
        test.measure,
        test.size,
        *test.interval,
        test.value,
        test.baseline_value,
        test.p_value,
        q,
    )


def _compared(history: pl.DataFrame, baselines: dict[date, list[date]]) -> pl.DataFrame:
    """Every period with a baseline, in one frame: per (period, gap) the period's row and its
    baseline's pooled counts (suffix ``_base``; labels of the latest baseline period with the
    gap), a gap of only one side with the other's columns NULL. One join for all periods, not
    five polars operations per period (a year of days: 1,800)."""
    pairs = pl.DataFrame(
        {
            "period": [p for p, bases in baselines.items() for _ in bases],
            "base": [b for bases in baselines.values() for b in bases],
        },
        schema={"period": pl.Date, "base": pl.Date},
    )
    now = history.join(pairs.select("period").unique(), on="period", how="semi").select(
        "period", *LABEL, *COUNTS, "outcome_rate_with", "expected_share", "observed_share",
        pl.col("same_behaviour_as").is_not_null().alias("folded"),
    )  # fmt: skip
    before = (
        pairs.join(history.rename({"period": "base"}), on="base")
        .sort("period", "base", descending=[False, True])
        .group_by("period", "gap_id", maintain_order=True)
        .agg(
            *(pl.col(c).first() for c in LABEL[1:]),
            *(pl.col(c).sum() for c in COUNTS),
            pl.col("same_behaviour_as").is_not_null().first().alias("folded"),
        )
    )
    return now.join(before, on=["period", "gap_id"], how="full", coalesce=True, suffix="_base")


def _period_tests(both: list[dict[str, Any]], *, n1: int, n0: int, closed: bool) -> list[Test]:
    """Every test of one period against its baseline (see the module docstring); ``both``:
    the period's rows of ``_compared``."""
    tests = []
    for row in both:
        label = {c: row[c] if row[c] is not None else row.get(f"{c}_base") for c in LABEL}
        folded = row["folded"] if row["folded"] is not None else row["folded_base"]
        if label["gap_type"] in NOT_TESTED or folded:
            continue  # a gap re-describing another's journeys: that one is tested
        if label["gap_type"] == GapType.SHARE_DRIFT:
            if closed and row["observed_share"] is not None:
                tests.append(_expected_test(label, row))
            continue
        share = _share_test(label, row, n1=n1, n0=n0, closed=closed)
        tests += [share] if share else []
        effect = (
            _effect_test(label, row) if closed and row["outcome_rate_with"] is not None else None
        )
        tests += [effect] if effect else []
    return tests


COUNTS = ("journeys", "finished_with", "outcomes_with", "finished_without", "outcomes_without")


def _share_test(
    label: dict[str, Any], row: dict[str, Any], *, n1: int, n0: int, closed: bool
) -> Test | None:
    x1, x0 = int(row["journeys"] or 0), int(row["journeys_base"] or 0)
    if x1 + x0 < MIN_JOURNEYS or not n1 or not n0:
        return None
    p1, p0 = x1 / n1, x0 / n0
    if not closed and p1 <= p0:
        return None  # an open period: its journeys may not have got to the gap yet
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    kind = "new" if x0 == 0 else "gone" if x1 == 0 else "grew" if p1 > p0 else "shrank"
    interval = newcombe_interval(x1, n1, x0, n0) or (math.nan, math.nan)
    return Test(label, kind, "share", p1 - p0, interval, p1, p0, _p_value(p1 - p0, se))


def _effect_test(label: dict[str, Any], row: dict[str, Any]) -> Test | None:
    groups = []
    for suffix in ("", "_base"):
        fw, ow = row[f"finished_with{suffix}"], row[f"outcomes_with{suffix}"]
        fo, oo = row[f"finished_without{suffix}"], row[f"outcomes_without{suffix}"]
        if None in (fw, ow, fo, oo) or min(fw, fo) < MIN_FINISHED:
            return None
        groups.append(((ow, fw), (oo, fo)))
    diffs, variance = [], 0.0
    for (ow, fw), (oo, fo) in groups:
        diffs.append(ow / fw - oo / fo)
        for k, n in ((ow, fw), (oo, fo)):
            rate = (k + 0.5) / (n + 1)
            variance += rate * (1 - rate) / n
    size, se = diffs[0] - diffs[1], math.sqrt(variance)
    interval = (size - Z95 * se, size + Z95 * se)
    kind = "grew" if size > 0 else "shrank"
    return Test(label, kind, "effect", size, interval, diffs[0], diffs[1], _p_value(size, se))


def _expected_test(label: dict[str, Any], row: dict[str, Any]) -> Test:
    n = int(row["finished_with"] or 0) + int(row["finished_without"] or 0)
    observed, expected = float(row["observed_share"]), float(row["expected_share"])
    low, high = wilson_interval(round(observed * n), n) if n else (math.nan, math.nan)
    se = math.sqrt(expected * (1 - expected) / n) if n else 0.0
    return Test(
        label, "share_drift", "expected_share", observed - expected,
        (low - expected, high - expected), observed, expected, _p_value(observed - expected, se),
    )  # fmt: skip


def _p_value(difference: float, se: float) -> float:
    """Two-sided p-value of a normal test statistic difference / se."""
    if se <= 0:
        return 0.0 if difference else 1.0
    return math.erfc(abs(difference / se) / math.sqrt(2))


def adjust(p_values: Iterable[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values), in the order given."""
    values = list(p_values)
    m = len(values)
    order = sorted(range(m), key=lambda i: values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, values[i] * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


def drift_line(event: Mapping[str, Any]) -> str:
    """One drift event in words (for ``journeys drift`` and the alerts): the map, the period,
    the gap and what changed, with its 95% interval and q-value."""
    measure, size = event["measure"], float(event["size"])
    interval = f"95% {_points(event['ci_low'])} to {_points(event['ci_high'])}"
    now, before = float(event["value"]), float(event["baseline_value"])
    if measure == "share":
        what = f"{event['kind']}: {now:.1%} of journeys against {before:.1%} before"
    elif measure == "effect":
        what = (
            f"its goal-rate difference {event['kind']}: {_points(now)} against "
            f"{_points(before)} before"
        )
    else:
        what = f"share off expectation: {now:.1%} of finished journeys, expected {before:.1%}"
    return (
        f"{event['map_name']}, {event['period']}: {event['description']} — {what} "
        f"({_points(size)}, {interval}; q {float(event['q_value']):.2g})"
    )


def _points(value: object) -> str:
    """A difference of shares in percentage points: ``+21.9 pts``."""
    number = 100 * float(value)  # type: ignore[arg-type]
    return f"{'+' if number > 0 else '−' if number < 0 else ''}{abs(number):.1f} pts"


def read_drift(wh: Warehouse, *, since_seconds: int) -> tuple[pl.DataFrame, object]:
    """The published drift events of the periods that ended less than ``since_seconds`` before
    the newest event of the warehouse (not the clock: a replayed extract reads the same), most
    recent first; and that newest event's time."""
    if not wh.table_exists(TABLE):
        raise CompareError(f"{TABLE} not found; run `journeys compare` (or journeys-micro) first")
    found = wh.query("queries/drift_since", seconds=since_seconds)
    newest = wh.scalar("queries/newest_event")
    return found, newest
