"""Micro-batches (compare/state.py, cache.py, update.py): landing a shop's files in several
deliveries, each built and compared incrementally, gives the marts a full rebuild gives, gap
history and drift events included; and only the changed journeys are compared again."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from feed import MAP, TOUCHPOINTS, Mix, between, journey_rows, sample_feed, write_feed
from journeys import steps
from journeys.compare.cache import TIMING_TABLES
from journeys.compare.state import SNAPSHOT
from journeys.config import Settings, validate_settings
from journeys.publish import open_published, open_work, open_work_file

FIRST = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday


def shop_settings(
    root: Path, *, extra: Mapping[str, object] | None = None, **drift: object
) -> Settings:
    """The shop's configuration (the checkout map), ``drift`` settings and ``extra`` settings."""
    (root / "checkout.yaml").write_text(MAP, encoding="utf-8")
    return validate_settings(
        {
            "warehouse": root / "warehouse" / "journeys.duckdb",
            "reports": root / "reports",
            "sources": {
                s: {"path": str(root / "landing" / s)}
                for s in ("customers", "transactions", "web", "support")
            },
            "touchpoints": TOUCHPOINTS,
            "maps": [root / "checkout.yaml"],
            "min_support": 3,
            "journeys": {"end_touchpoints": ["Order delivered", "Order cancelled"]},
            "drift": {"grain": "week", **drift},
            "salt": "micro-test-salt",
            **(extra or {}),
        }
    )


def published_marts(settings: Settings) -> dict[str, pl.DataFrame]:
    """Every published table, its rows sorted on every column (tables are unordered)."""
    with open_published(settings) as wh:
        names = [f"marts.{t}" for t in wh.tables("marts")] + ["raw.rejects"]
        frames = {}
        for name in names:
            frame = wh.read_table(name)
            frames[name] = frame.sort(
                [c for c, t in frame.schema.items() if not isinstance(t, pl.List | pl.Struct)]
            )
    return frames


def land(settings: Settings, *, full: bool = False) -> steps.CompareResult:  # type: ignore[name-defined]
    """One delivery through the steps the flows run: ingest, build, compare, publish."""
    steps.ingest_landing(settings)
    steps.build_marts(settings, full=full, publish=False)
    result = steps.compare_maps(settings, publish=False, full=full)
    steps.publish(settings)
    return result


def landed_shop(root: Path, *, seed: int) -> tuple[Settings, dict[str, pl.DataFrame]]:
    """Two weeks of a shop's journeys landed in one delivery, built, compared and published;
    the settings and the published marts."""
    settings = shop_settings(root)
    journeys = sample_feed(random.Random(seed), first=FIRST, days=14, per_day=6, mix=Mix(),
                           prefix="c")  # fmt: skip
    write_feed(root / "landing", journey_rows(journeys), name="all")
    land(settings)
    return settings, published_marts(settings)


def test_micro_batches_then_a_full_rebuild_give_identical_marts(tmp_path: Path):
    settings = shop_settings(tmp_path)
    journeys = sample_feed(random.Random(11), first=FIRST, days=35, per_day=10, mix=Mix(),
                           prefix="c")  # fmt: skip
    cuts = [FIRST, FIRST + timedelta(days=24), FIRST + timedelta(days=31, hours=7),
            FIRST + timedelta(days=34, hours=12), FIRST + timedelta(days=60)]  # fmt: skip
    known: set[str] = set()
    changed = []
    for n, (first, last) in enumerate(zip(cuts, cuts[1:], strict=False)):
        files = journey_rows(between(journeys, first, last), known=known)
        write_feed(tmp_path / "landing", files, name=f"delivery-{n}")
        result = land(settings)
        changed.append(result.changed)
    # the first compare saw every journey; each later delivery only the journeys it changed
    assert changed[0] is None
    assert all(c is not None and 0 < c < 350 for c in changed[1:]), changed
    micro = published_marts(settings)
    history = micro["marts.map_gap_history"]
    assert history["period"].n_unique() == 5 and history.height >= 15
    # compare's snapshot, kept up by replacing its changed rows, is the journeys it last read
    with open_work(settings, step="test") as wh:
        kept = wh.read_table(SNAPSHOT).sort("journey_id")
        now = wh.read_table("marts.journeys", columns=kept.columns).sort("journey_id")
        # each map's rows, appended for its changed journeys, are in files of that map's name:
        # the next compare of a map whole drops them unread (Warehouse.delete_where)
        for table in ("marts.map_conformance", "marts.map_journeys", *TIMING_TABLES):
            files = wh.stored_files(table)[table]
            assert len(files) > 2 and all(f.label or not f.rows for f in files), table
    assert kept.height == micro["marts.journeys"].height and kept.equals(now)

    land(settings, full=True)
    rebuilt = published_marts(settings)
    assert rebuilt.keys() == micro.keys()
    for name, frame in rebuilt.items():
        assert frame.equals(micro[name]), f"{name} differs after a full rebuild"


def test_value_weighted_micro_batches_then_a_full_rebuild_give_identical_marts(tmp_path: Path):
    """A customer's weight is relative to all the map's finished journeys, so a batch that
    brings more VIPs moves every weight; the gap history is measured unweighted, else the
    periods the batch did not touch would keep weights a full rebuild no longer gives."""
    weighted = {"customer_value": {"segments": {"vip": 3}}, "ranking": "value_weighted"}
    settings = shop_settings(tmp_path, extra=weighted)
    journeys = sample_feed(random.Random(5), first=FIRST, days=42, per_day=8, mix=Mix(),
                           prefix="c")  # fmt: skip
    known: set[str] = set()
    cut, end = FIRST + timedelta(days=35), FIRST + timedelta(days=60)
    # a tenth of the first delivery's new customers are VIPs, every one of the second's
    for n, (first, last, vips) in enumerate([(FIRST, cut, "7"), (cut, end, "0123456789")]):
        files = journey_rows(
            between(journeys, first, last),
            known=known,
            segment_of=lambda c, v=vips: "vip" if c[-1] in v else "new",
        )
        write_feed(tmp_path / "landing", files, name=f"delivery-{n}")
        changed = land(settings).changed
    assert changed is not None and changed > 0  # the second delivery compared incrementally
    micro = published_marts(settings)
    gaps = micro["marts.map_gaps"]
    assert gaps["value_weighted"].all() and gaps["customer_weight"].drop_nulls().n_unique() > 1
    assert micro["marts.map_gap_history"]["period"].n_unique() == 6

    land(settings, full=True)
    rebuilt = published_marts(settings)
    for name, frame in rebuilt.items():
        assert frame.equals(micro[name]), f"{name} differs after a full rebuild"


def test_a_compare_with_nothing_new_changes_nothing_and_reads_no_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    settings, before = landed_shop(tmp_path, seed=3)

    from journeys.compare import timing

    read = []
    real = timing._read_events

    def counting(*args, **kwargs):
        found = real(*args, **kwargs)
        read.append(found.height)
        return found

    monkeypatch.setattr(timing, "_read_events", counting)
    result = land(settings)  # the same inputs: the last compare is reported, nothing is read
    assert result.changed == 0 and result.drift.is_empty() and read == []
    # another reports folder: inputs that differ, so compare runs, on no changed journey
    result = land(settings.replace(reports=tmp_path / "elsewhere"))
    assert result.changed == 0 and result.drift.is_empty()
    assert read == [0]  # the one map read the events of no journey
    after = published_marts(settings)
    for name, frame in before.items():
        assert frame.equals(after[name]), name


def test_a_full_compare_and_a_compare_after_a_full_build_do_not_diff_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Nothing kept can be used then, so every journey is compared (and listed as changed)
    without the diff, whose rows would go unused (1.2 s of a compare at 10M events)."""
    settings, before = landed_shop(tmp_path, seed=5)

    from journeys.warehouse import Warehouse

    asked: list[str] = []
    real = Warehouse.query

    def listing(self: Warehouse, model: str, **params: object) -> pl.DataFrame:
        asked.append(model)
        return real(self, model, **params)

    monkeypatch.setattr(Warehouse, "query", listing)
    elsewhere = settings.replace(reports=tmp_path / "elsewhere")  # inputs differ: compare runs
    land(elsewhere)  # an incremental compare diffs the snapshot: the test can see a diff
    assert "queries/compare/journey_changes" in asked
    for full in (True, False):  # a full rebuild and compare; then a compare after one
        asked.clear()
        steps.ingest_landing(settings)
        steps.build_marts(settings, full=True, publish=False)
        result = steps.compare_maps(
            settings.replace(reports=tmp_path / f"full-{full}"), publish=False, full=full
        )
        steps.publish(settings)
        assert "queries/compare/journey_changes" not in asked
        assert result.changed is None  # every journey compared
        with open_work_file(settings) as wh:
            assert wh.count("intermediate.compare_changed") == wh.count("marts.journeys") > 0
    after = published_marts(settings)
    for name, frame in before.items():
        assert frame.equals(after[name]), name
