from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from builders import write_journey_marts
from journeys.compare.conformance import compare_maps
from journeys.config import Settings
from journeys.errors import CompareError
from journeys.warehouse import Warehouse

MAPS = Path(__file__).parent / "maps"


def load(wh: Warehouse, rows: list[dict]) -> None:
    """rows: dicts with id, path and optional status, customer, value, seconds, channels."""
    write_journey_marts(wh, rows)


def write_map(tmp_path: Path, name: str, steps: str, **top: str) -> Path:
    head = "".join(f"{k}: {v}\n" for k, v in {"name": name, **top}.items())
    body = "stages:\n  - name: S\n    steps:\n" + textwrap.indent(textwrap.dedent(steps), "      ")
    path = tmp_path / f"{name}.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path


SETTINGS = Settings(min_support=1)


def test_a_map_that_fits_the_log_gives_fitness_one_everywhere(wh: Warehouse):
    walks = [
        ["Visit site", "View product", "Add to cart", "Payment captured", "Order cancelled"],
        ["Visit site", "View product", "View product", "Add to cart", "Apply coupon"]
        + ["Payment captured", "Order shipped", "Order delivered"],
        ["Visit site", "Newsletter opened", "View product", "Add to cart", "Payment captured"]
        + ["Order shipped", "Order delivered"],
    ]
    load(wh, [{"id": f"j{i}", "path": p} for i, p in enumerate(walks * 3)])
    result = compare_maps(wh, SETTINGS, [MAPS / "online_purchase.yaml"])
    rows = wh.read_table("marts.map_conformance")
    assert rows.height == 9
    assert rows["fitness"].to_list() == [1.0] * 9
    assert rows["is_conforming"].all()
    assert rows["deviations"].to_list() == [[]] * 9
    assert result.maps[0].conforming == 9
    assert "9 conforming (100.0%)" in result.summary()


def test_writes_the_three_marts_with_the_contract_columns(wh: Warehouse, tmp_path: Path):
    load(wh, [{"id": "j1", "path": ["A", "B", "C"]}, {"id": "j2", "path": ["A", "C"]}])
    compare_maps(wh, SETTINGS, [write_map(tmp_path, "abc", "- A\n- B\n- C\n")])
    conformance = wh.read_table("marts.map_conformance", order_by=["journey_id"])
    assert {"map_name", "journey_id", "cost", "fitness", "is_conforming", "deviations"} <= set(
        conformance.columns
    )
    assert conformance.select("journey_id", "cost", "deviations").rows() == [
        ("j1", 0, []),
        ("j2", 1, ["skipped 'B'"]),
    ]
    assert conformance["fitness"].to_list() == [1.0, pytest.approx(0.8)]
    steps = wh.read_table("marts.map_steps")
    assert {
        "map_name",
        "step",
        "journeys_reached",
        "conversion_from_previous",
        "median_seconds_from_previous",
        "sla_breaches",
    } <= set(steps.columns)
    gaps = wh.read_table("marts.map_gaps")
    for column in ("map_name", "rank", "gap_type", "from_step", "to_step", "journeys"):
        assert column in gaps.columns
    for column in ("customers", "share", "value_at_risk", "outcome_rate_with"):
        assert column in gaps.columns
    for column in ("outcome_rate_without", "ci_low", "ci_high", "example_journey_ids"):
        assert column in gaps.columns


def test_journeys_that_never_touch_the_map_are_out_of_scope(wh: Warehouse, tmp_path: Path):
    load(wh, [{"id": "j1", "path": ["A", "B"]}, {"id": "j2", "path": ["Support call"]}])
    result = compare_maps(wh, SETTINGS, [write_map(tmp_path, "ab", "- A\n- B\n")])
    assert wh.read_table("marts.map_conformance")["journey_id"].to_list() == ["j1"]
    assert (result.maps[0].journeys, result.maps[0].out_of_scope) == (1, 1)


def test_rerun_replaces_only_that_maps_rows(wh: Warehouse, tmp_path: Path):
    load(wh, [{"id": "j1", "path": ["A", "B"]}, {"id": "j2", "path": ["A", "X"]}])
    ab = write_map(tmp_path, "ab", "- A\n- B\n")
    ax = write_map(tmp_path, "ax", "- A\n- X\n")
    compare_maps(wh, SETTINGS, [ab, ax])
    compare_maps(wh, SETTINGS, [ab])
    counts = wh.read_table("marts.map_conformance").group_by("map_name").len().sort("map_name")
    assert counts.rows() == [("ab", 2), ("ax", 2)]
    steps = wh.read_table("marts.map_steps").group_by("map_name").len().sort("map_name")
    assert steps.rows() == [("ab", 2), ("ax", 2)]


def test_in_flight_journeys_are_judged_on_what_they_did_so_far(wh: Warehouse, tmp_path: Path):
    load(
        wh,
        [
            {"id": "j1", "path": ["A", "B"], "status": "in_flight"},
            {"id": "j2", "path": ["A", "B"], "status": "abandoned"},
        ],
    )
    compare_maps(wh, SETTINGS, [write_map(tmp_path, "abc", "- A\n- B\n- C\n")])
    rows = wh.read_table("marts.map_conformance", order_by=["journey_id"])
    assert rows.select("journey_id", "is_conforming", "deviations").rows() == [
        ("j1", True, []),
        ("j2", False, ["skipped 'C'"]),
    ]


def test_map_steps_funnel_timing_and_sla(wh: Warehouse, tmp_path: Path):
    load(
        wh,
        [
            {"id": "j1", "path": ["A", "B", "C"], "seconds": [0, 100, 4000]},
            {"id": "j2", "path": ["A", "B", "C"], "seconds": [0, 300, 60]},
            {"id": "j3", "path": ["A", "B"], "seconds": [0, 200], "status": "abandoned"},
            {"id": "j4", "path": ["A"], "status": "abandoned"},
        ],
    )
    path = write_map(tmp_path, "abc", "- A\n- B\n- name: C\n  within: 1h\n")
    compare_maps(wh, SETTINGS, [path])
    steps = wh.read_table("marts.map_steps").sort("position")
    assert steps.select(
        "step",
        "journeys_reached",
        "conversion_from_previous",
        "median_seconds_from_previous",
        "sla_breaches",
    ).rows() == [
        ("A", 4, None, None, 0),
        ("B", 3, 0.75, 200.0, 0),
        ("C", 2, pytest.approx(2 / 3), 2030.0, 1),
    ]


def test_settings_maps_are_used_when_none_are_given(wh: Warehouse, tmp_path: Path):
    load(wh, [{"id": "j1", "path": ["A", "B"]}])
    settings = Settings(min_support=1, maps=(write_map(tmp_path, "ab", "- A\n- B\n"),))
    assert compare_maps(wh, settings, []).maps[0].map_name == "ab"


def test_no_maps_is_an_error_naming_the_fix(wh: Warehouse):
    with pytest.raises(CompareError, match="pass --map FILE or list maps:"):
        compare_maps(wh, Settings(), [])


def test_duplicate_map_names_are_an_error(wh: Warehouse, tmp_path: Path):
    load(wh, [{"id": "j1", "path": ["A", "B"]}])
    first = write_map(tmp_path, "ab", "- A\n- B\n")
    second = tmp_path / "copy.yaml"
    second.write_text(first.read_text(), encoding="utf-8")
    with pytest.raises(CompareError, match="copy.yaml: name 'ab' is also the name of"):
        compare_maps(wh, SETTINGS, [first, second])


def test_missing_marts_say_to_build_first(wh: Warehouse, tmp_path: Path):
    with pytest.raises(CompareError, match="marts.journeys not found; run `journeys build`"):
        compare_maps(wh, SETTINGS, [write_map(tmp_path, "ab", "- A\n- B\n")])


def test_distinct_variants_are_aligned_once(wh: Warehouse, tmp_path: Path, monkeypatch):
    from journeys.compare import cache

    calls = []
    real = cache.align_variants

    def counting(*args, **kwargs):
        calls.extend(tuple(p) for p in args[1]["path"].to_list())
        return real(*args, **kwargs)

    monkeypatch.setattr(cache, "align_variants", counting)
    paths = itertools.islice(itertools.cycle([["A", "B"], ["A"], ["B"]]), 30)
    load(wh, [{"id": f"j{i:02d}", "path": p} for i, p in enumerate(paths)])
    map_file = write_map(tmp_path, "ab", "- A\n- B\n")
    compare_maps(wh, SETTINGS, [map_file])
    # 30 journeys, 3 distinct paths (all finished): each is aligned once, in one batch
    assert sorted(calls) == [("A",), ("A", "B"), ("B",)]
    assert wh.count("marts.map_conformance") == 30
    # the alignments are kept per (map version, variant, complete): even a full compare of the
    # same map aligns nothing again
    compare_maps(wh, SETTINGS, [map_file], full=True)
    assert len(calls) == 3 and wh.count("marts.map_conformance") == 30


def test_paths_come_from_marts_variants_only_when_it_has_every_variant(
    wh: Warehouse, tmp_path: Path
):
    load(wh, [{"id": "j1", "path": ["A", "B"]}, {"id": "j2", "path": ["A"]}])
    path = write_map(tmp_path, "ab", "- A\n- B\n")
    compare_maps(wh, SETTINGS, [path])
    expected = wh.read_table("marts.map_conformance", order_by=["journey_id"])
    variants = wh.read_table("marts.journeys", columns=["variant_id", "path"])
    wh.write_table("marts.variants", variants)
    compare_maps(wh, SETTINGS, [path])
    assert wh.read_table("marts.map_conformance", order_by=["journey_id"]).equals(expected)
    wh.write_table("marts.variants", variants.head(1))  # stale: falls back to journeys' paths
    compare_maps(wh, SETTINGS, [path])
    assert wh.read_table("marts.map_conformance", order_by=["journey_id"]).equals(expected)
