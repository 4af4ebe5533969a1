"""Compare works through a large map in parts (compare/comparison.py, slices.py, history.py):
the per-journey marts written in parts of journeys, the gap members counted a slice of journeys
or customers at a time, the gap history measured in batches of periods. The parts are only a
way to bound memory: with parts of a few dozen journeys the marts are the ones a compare in one
part writes, row for row, and the per-journey marts are really written in several files."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import journeys.compare.comparison as comparison
import journeys.compare.history as history
import journeys.compare.slices as slices
from feed import Mix, journey_rows, sample_feed, write_feed
from journeys import steps
from journeys.config import Settings
from journeys.publish import open_work
from test_micro import FIRST, published_marts, shop_settings


def compared(root: Path) -> dict[str, object]:
    root.mkdir()
    settings = shop_settings(root, extra={"customer_value": {"segments": {"vip": 3}}})
    feed = sample_feed(random.Random(7), first=FIRST, days=28, per_day=12, mix=Mix(), prefix="p")
    write_feed(root / "landing", journey_rows(feed, known=set()), name="delivery-0")
    steps.ingest_landing(settings)
    steps.build_marts(settings, publish=False)
    steps.compare_maps(settings)
    with open_work(settings, step="test") as wh:
        files = len(wh.stored_files("marts.map_journeys")["marts.map_journeys"])
    return {"marts": published_marts(settings), "files": files}


def built_shop(tmp_path: Path) -> Settings:
    """The generated shop of 40 customers (about 1,200 events) with the sample's configuration
    and maps, ingested and built: its maps have steps with `within:` and channels."""
    import shutil

    from journeys.config import load_settings
    from journeys.generate import generate_sources

    landing = tmp_path / "landing"
    generate_sources(landing, customers=40, seed=3)
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    shutil.copy(sample / "journeys.yaml", landing / "journeys.yaml")
    shutil.copytree(sample / "maps", landing / "maps")
    settings = load_settings(landing / "journeys.yaml", warehouse=tmp_path / "wh" / "j.duckdb")
    steps.ingest_landing(settings)
    steps.build_marts(settings)
    return settings


def test_a_map_compared_in_small_parts_writes_the_same_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = compared(tmp_path / "whole")
    monkeypatch.setattr(comparison, "WRITE_JOURNEYS", 40)
    monkeypatch.setattr(slices, "MEMBER_JOURNEYS", 25)
    monkeypatch.setattr(history, "HISTORY_JOURNEYS", 60)
    parts = compared(tmp_path / "parts")
    assert whole["files"] == 1 and parts["files"] > 3  # the parts were really taken
    assert whole["marts"].keys() == parts["marts"].keys()  # type: ignore[attr-defined]
    compare_marts = [
        name
        for name in whole["marts"]  # type: ignore[attr-defined]
        if name.startswith("marts.map_") or name == "marts.touchpoint_impact"
    ]
    assert len(compare_marts) == 7, compare_marts  # the build's marts name their run
    for name in compare_marts:
        frame = whole["marts"][name]  # type: ignore[index]
        assert frame.height > 0 or name == "marts.map_drift", name
        assert frame.equals(parts["marts"][name]), f"{name} differs when compared in parts"  # type: ignore[index]


def test_a_map_summary_writes_one_journey_variant_and_gap_in_the_singular():
    """'20 journeys (1 variants), ... 1 gaps': the console's counts are in number."""
    from journeys.compare.results import MapSummary

    one = MapSummary("m", "m.yaml", 1, 0, 1, 1, 1.0, 1, 0, None, 0.1)
    assert one.line().startswith("m: 1 journey (1 variant), 1 conforming (100.0%), mean fitness ")
    assert one.line().endswith(", 1 gap (0 ranked)")
    many = MapSummary("m", "m.yaml", 20, 0, 2, 18, 0.9, 3, 1, "x", 0.1)
    assert many.line().startswith("m: 20 journeys (2 variants), 18 conforming (90.0%)")
    assert "3 gaps (1 ranked); top gap: x" in many.line()


def test_a_map_compared_with_its_side_work_beside_or_in_turn_writes_the_same_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compare/beside.py: a small map does its gap history, new alignments and touchpoints in
    turn, a large one on a second thread; the marts are the same either way (here the threads
    forced on)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import journeys.compare.beside as beside

    in_turn = compared(tmp_path / "in_turn")
    seen: set[str] = set()

    class Watched(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            def run(*a, **k):  # type: ignore[no-untyped-def]
                seen.add(threading.current_thread().name.rsplit("_", 1)[0])
                return fn(*a, **k)

            return super().submit(run, *args, **kwargs)

    monkeypatch.setattr(beside, "BESIDE_JOURNEYS", 0)
    monkeypatch.setattr(beside, "ThreadPoolExecutor", Watched)
    threaded = compared(tmp_path / "threaded")
    # each really ran beside
    assert seen == {"journeys-history", "journeys-align", "journeys-touchpoints"}
    for name, frame in in_turn["marts"].items():  # type: ignore[attr-defined]
        if name.startswith("marts.map_") or name == "marts.touchpoint_impact":
            assert frame.equals(threaded["marts"][name]), name  # type: ignore[index]


def test_work_in_turn_returns_and_raises_as_a_thread_would() -> None:
    from journeys.compare.beside import BESIDE_JOURNEYS, beside

    with beside(BESIDE_JOURNEYS - 1, "t") as pool:
        assert pool.submit(lambda x: x + 1, 1).result() == 2
        failed = pool.submit(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failed.result()
    with beside(BESIDE_JOURNEYS, "t") as pool:
        assert type(pool).__name__ == "ThreadPoolExecutor"


def test_a_full_compare_finds_drift_in_the_history_the_mart_then_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A map compared whole looks for drift in the gap history it has just measured, not in the
    rows read back from marts.map_gap_history (compare/update.py): they are the same rows, in the
    order the query gives them (period, gap_id), with the same types."""
    import journeys.compare.update as update

    looked_at: list[pl.DataFrame] = []
    find = update.find_drift

    def watched(history: pl.DataFrame, **kwargs: object) -> pl.DataFrame:
        looked_at.append(history)
        return find(history, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(update, "find_drift", watched)
    root = tmp_path / "shop"
    compared(root)
    settings = shop_settings(root)
    assert looked_at and all(h.height > 0 for h in looked_at)
    with open_work(settings, step="test") as wh:
        for history in looked_at:
            name, version = history["map_name"][0], history["map_version"][0]
            stored = wh.query("queries/compare/map_history", map_name=name, map_version=version)
            assert_frame_equal(history.select(stored.columns), stored)


def test_a_full_compare_times_the_steps_as_the_kept_rows_then_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A map compared whole measures its gaps with the SLA breaches and channel switches it has
    just timed, not with the rows read back from the kept step timing (compare/cache.py): the
    same rows and types (in another order: they are only counted and grouped). The generated
    shop with the sample's maps has both (their steps have `within:` and channels)."""
    import journeys.compare.cache as cache

    settings = built_shop(tmp_path)
    pairs = []
    time = cache.MapCache.time

    def watched(self, journey_map, scoped):  # type: ignore[no-untyped-def]
        timing, medians = time(self, journey_map, scoped)
        if not self.incremental:
            pairs.append((timing, self._kept_timing(journey_map, scoped)))
        return timing, medians

    monkeypatch.setattr(cache.MapCache, "time", watched)
    steps.compare_maps(settings, full=True)
    assert len(pairs) == 2
    assert any(kept.breaches.height for _, kept in pairs)
    assert any(kept.switches.height for _, kept in pairs)
    for now, kept in pairs:
        for part in ("seconds", "breaches", "switches"):
            found, read = getattr(now, part), getattr(kept, part)
            assert_frame_equal(found.sort(found.columns), read.sort(read.columns))


def test_a_map_timed_in_many_passes_keeps_its_seconds_in_a_few_files_merged_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pass of the step timing hands its seconds to the kept table (compare/cache.py); they
    are held and written as at most LOOSE_FILES files of the map, so the table's appends are
    never merged (at 100M events a map's 44 passes were merged five times over as they grew):
    the same rows as a compare timing the map in one pass."""
    import journeys.compare.cache as cache
    import journeys.compare.timing as timing
    from journeys.warehouse import LOOSE_FILES
    from journeys.warehouse.storage import StoredTables

    settings = built_shop(tmp_path)

    def kept() -> tuple[pl.DataFrame, dict[str, int]]:
        with open_work(settings, step="test") as wh:
            rows = wh.read_table(cache.SECONDS)
            files: dict[str, int] = {}
            for stored in wh.stored_files(cache.SECONDS)[cache.SECONDS]:
                files[str(stored.label)] = files.get(str(stored.label), 0) + 1
        return rows.sort("map_name", "journey_id"), files

    steps.compare_maps(settings, full=True)
    one_pass, _ = kept()
    merged = []
    compacted = StoredTables._compacted

    def watched(self, table, files, *, merge=True):  # type: ignore[no-untyped-def]
        found = compacted(self, table, files, merge=merge)
        if table == cache.SECONDS and found != files:
            merged.append(len(files))
        return found

    monkeypatch.setattr(StoredTables, "_compacted", watched)
    monkeypatch.setitem(timing.time_steps.__kwdefaults__, "part_journeys", 3)
    passes = []
    time_part = timing._time_part
    monkeypatch.setattr(timing, "_time_part", lambda *a: (passes.append(1), time_part(*a))[1])
    steps.compare_maps(settings, full=True)
    many_passes, files = kept()
    assert len(passes) > 3 * LOOSE_FILES  # the passes were really taken
    assert merged == []
    assert set(files) == set(one_pass["map_name"].unique()) and len(files) == 2
    assert all(1 < n <= LOOSE_FILES for n in files.values()), files
    assert one_pass.height > 0
    assert_frame_equal(one_pass, many_passes)
