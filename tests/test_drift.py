"""Drift (compare/drift.py): a batch with a new behaviour flags exactly its gap; batches drawn
from the same distribution flag nothing; and the tests behind it, one by one."""

from __future__ import annotations

import math
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from feed import Mix, journey_rows, sample_feed, write_feed
from journeys.compare.drift import adjust, drift_line, find_drift
from journeys.compare.history import HISTORY_SCHEMA
from test_micro import FIRST, land, shop_settings

WEEKS = 6
PER_DAY = 15
SURGE = Mix(fail_then_call=0.35)
"""A payment outage: a third of the orders fail and the customer phones before paying."""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six weeks of journeys drawn from ``Mix()``, landed and compared (built once)."""
    root = tmp_path_factory.mktemp("shop")
    journeys = sample_feed(random.Random(21), first=FIRST, days=7 * WEEKS, per_day=PER_DAY,
                           mix=Mix(), prefix="c")  # fmt: skip
    write_feed(root / "landing", journey_rows(journeys), name="history")
    land(shop_settings(root))
    return root


def land_week(shop: Path, root: Path, *, mix: Mix, seed: int) -> pl.DataFrame:
    """A copy of the shop's warehouse, and one more week of journeys drawn from ``mix``
    delivered as a micro-batch: the new drift events it brings."""
    shutil.copytree(shop / "warehouse", root / "warehouse")
    week = FIRST + timedelta(weeks=WEEKS)
    journeys = sample_feed(random.Random(seed), first=week, days=7, per_day=PER_DAY, mix=mix,
                           prefix=f"n{seed}-")  # fmt: skip
    write_feed(root / "landing", journey_rows(journeys), name="week")
    result = land(shop_settings(root))
    assert result.changed is not None  # compared as a micro-batch
    return result.drift


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_week_from_the_same_distribution_flags_no_drift(shop: Path, tmp_path: Path, seed):
    assert land_week(shop, tmp_path, mix=Mix(), seed=seed).is_empty()


def test_a_surge_of_failed_payments_followed_by_calls_flags_exactly_that_gap(
    shop: Path, tmp_path: Path
):
    events = land_week(shop, tmp_path, mix=SURGE, seed=4)
    assert events.select("gap_type", "from_step", "touchpoint", "kind", "measure").rows() == [
        ("unexpected_step", "Payment failed", "Phone support", "grew", "share")
    ]
    [event] = events.iter_rows(named=True)
    assert event["period"] == (FIRST + timedelta(weeks=WEEKS)).date()
    assert (event["baseline_period"], event["baseline_periods"]) == (
        (FIRST + timedelta(weeks=WEEKS - 4)).date(),
        4,
    )
    assert event["value"] > 0.15 > 0.05 > event["baseline_value"]
    assert event["ci_low"] > 0 and event["q_value"] <= 0.01
    line = drift_line(event)
    assert line.startswith(f"checkout, {event['period']}: unexpected 'Phone support'")
    assert "grew:" in line and "pts" in line


def test_journeys_drift_prints_the_events_of_the_latest_periods(shop: Path, tmp_path: Path, capsys):
    from journeys.cli import main

    land_week(shop, tmp_path, mix=SURGE, seed=4)
    published = str(tmp_path / "warehouse" / "journeys.duckdb")
    assert main(["drift", "--since", "30d", "--warehouse", published]) == 0
    head, *lines = capsys.readouterr().out.splitlines()
    assert head.startswith("drift: 1 event(s) in the periods that ended within 30 days")
    assert len(lines) == 1 and "unexpected 'Phone support' between 'Payment failed'" in lines[0]
    assert main(["drift", "--since", "soon", "--warehouse", published]) == 2


# -- the tests, one by one -----------------------------------------------------------------------


def history_rows(rows: list[dict]) -> pl.DataFrame:
    """History rows with defaults: one gap (a call), weekly periods."""
    base = {
        "map_name": "m", "map_version": "v", "grain": "week", "gap_id": 7,
        "gap_key": '["unexpected_step", "A", null, "Call", null]', "gap_type": "unexpected_step",
        "from_step": "A", "to_step": None, "touchpoint": "Call", "detail": None,
        "description": "unexpected 'Call' after 'A'", "finished_with": None,
        "outcomes_with": None, "finished_without": None, "outcomes_without": None,
        "outcome_rate_with": None, "expected_share": None, "observed_share": None,
        "same_behaviour_as": None,
    }  # fmt: skip
    full = [{**base, **r} for r in rows]
    return pl.DataFrame(full, schema_overrides=HISTORY_SCHEMA).select(
        [c for c in HISTORY_SCHEMA if c in full[0]]
    )


def weeks(*counts: tuple[int, int], finished: bool = True, **extra: object) -> list[dict]:
    """One row per week from 2024-01-01: (journeys with the gap, journeys in scope)."""
    start = date(2024, 1, 1)
    return [
        {"period": start + timedelta(weeks=i), "journeys": x, "journeys_in_scope": n,
         "finished_in_scope": n if finished else n - 1, **extra}
        for i, (x, n) in enumerate(counts)
    ]  # fmt: skip


def drift_of(rows: list[dict], **kwargs: object) -> pl.DataFrame:
    options = {"grain": "week", "baseline_periods": 4, "fdr": 0.01, **kwargs}
    return find_drift(history_rows(rows), **options)  # type: ignore[arg-type]


def test_a_share_that_grew_beyond_chance_is_an_event_with_its_interval():
    found = drift_of(weeks((5, 100), (4, 100), (6, 100), (5, 100), (30, 100)))
    [event] = found.iter_rows(named=True)
    assert (event["kind"], event["measure"]) == ("grew", "share")
    assert event["period"] == date(2024, 1, 29)
    assert event["size"] == pytest.approx(0.30 - 0.05)
    assert event["ci_low"] < event["size"] < event["ci_high"]
    # the pooled two-proportion z-test, Benjamini-Hochberg over one test
    p = 35 / 500
    z = 0.25 / math.sqrt(p * (1 - p) * (1 / 100 + 1 / 400))
    assert event["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert event["q_value"] == event["p_value"]


def test_chance_variation_new_and_gone():
    assert drift_of(weeks((5, 100), (4, 100), (6, 100), (5, 100), (8, 100))).is_empty()
    new = drift_of(weeks((0, 100), (0, 100), (0, 100), (0, 100), (12, 100)))
    assert new["kind"].to_list() == ["new"]
    gone = drift_of(weeks((12, 100), (10, 100), (14, 100), (11, 100), (0, 100)))
    assert gone["kind"].to_list() == ["gone"]


def test_an_open_period_is_tested_for_growth_only():
    """Its journeys may not have got to the gap yet: a fall is judged once it has closed."""
    rows = weeks((12, 100), (10, 100), (14, 100), (11, 100))
    falling = weeks((0, 100), finished=False)[0] | {"period": date(2024, 1, 29)}
    assert drift_of([*rows, falling]).is_empty()
    rising = falling | {"journeys": 40}
    assert drift_of([*rows, rising])["kind"].to_list() == ["grew"]


def test_drop_offs_are_never_tested():
    rows = weeks((5, 100), (4, 100), (6, 100), (5, 100), (60, 100), gap_type="dropoff")
    assert drift_of(rows).is_empty()


def test_no_baseline_no_test():
    assert drift_of(weeks((1, 100), (60, 100)), baseline_periods=1)["period"].to_list() == [
        date(2024, 1, 8)
    ]
    assert drift_of(weeks((60, 100))).is_empty()


def test_an_effect_that_changed_is_tested_on_closed_periods():
    def effect(x: int, rate_with: float) -> dict:
        return {
            "journeys": 40, "finished_with": 40, "outcomes_with": x, "finished_without": 60,
            "outcomes_without": 54, "outcome_rate_with": rate_with,
        }  # fmt: skip

    rows = weeks((40, 100), (40, 100), (40, 100), (40, 100), (40, 100))
    for row, x in zip(rows, (34, 35, 33, 34, 8), strict=True):
        row.update(effect(x, x / 40))
    [event] = drift_of(rows).iter_rows(named=True)
    assert (event["kind"], event["measure"]) == ("shrank", "effect")
    assert event["value"] == pytest.approx(8 / 40 - 0.9)
    assert event["baseline_value"] == pytest.approx(136 / 160 - 0.9)


def test_benjamini_hochberg_adjusts_like_the_published_procedure():
    # the example of Benjamini & Hochberg (1995), first five of the fifteen p-values
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201]
    assert adjust(p) == pytest.approx([0.0005, 0.001, 0.0031667, 0.011875, 0.0201], rel=1e-4)
    assert adjust([0.5, 0.01]) == pytest.approx([0.5, 0.02])
    assert adjust([]) == []


def test_a_gap_that_re_describes_another_is_not_tested_again():
    """One behaviour, one event: the period's history says which gap re-describes which."""
    rows = weeks((5, 100), (4, 100), (6, 100), (5, 100), (30, 100))
    copy = [r | {"gap_id": 8, "gap_key": "[]", "same_behaviour_as": 1} for r in rows]
    found = drift_of([*rows, *copy])
    assert found["gap_id"].to_list() == [7]


def test_the_history_names_the_zone_of_its_periods(shop: Path, tmp_path: Path):
    """With drift.timezone set, the periods are that zone's days and weeks, and nothing said
    so: marts.map_gap_history had no zone, and the report's trend read "week of 2024-…". Each
    row names its zone now, the trend line's label says it, and a change of zone starts the
    history again (the rows of the other zone go, as at a change of grain)."""
    from journeys import steps
    from journeys.warehouse import Warehouse

    shutil.copytree(shop / "warehouse", tmp_path / "warehouse")
    zones = {}
    for zone in ("America/New_York", "UTC"):
        settings = shop_settings(tmp_path, timezone=zone)
        steps.compare_maps(settings, full=True)
        with Warehouse(settings.warehouse, read_only=True) as wh:
            zones[zone] = wh.read_table("marts.map_gap_history").select("timezone", "period")
        if zone == "America/New_York":
            page = steps.write_reports(settings)
            text = "".join(p.read_text() for p in page.parent.glob("*.html"))
            assert "Share of journeys with this gap per week in America/New_York" in text
    assert set(zones["America/New_York"]["timezone"]) == {"America/New_York"}
    assert set(zones["UTC"]["timezone"]) == {"UTC"}  # New York's rows went
    assert zones["UTC"].height > 0 and zones["America/New_York"].height > 0
