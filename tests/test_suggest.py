from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from builders import Journey, write_journey_marts
from journeys.compare.conformance import compare_maps
from journeys.compare.maps import load_map, parse_map
from journeys.compare.suggest import suggest_map
from journeys.config import Settings
from journeys.errors import CompareError
from journeys.warehouse import Warehouse

SETTINGS = Settings(min_support=1)
MAP = """\
name: shop
description: How we think people buy.
owner: CX team
goal: Paid
ignore: [Newsletter]
stages:
  - name: Browse
    steps:
      - name: Visit
        channel: web
      - View
  - name: Buy
    steps:
      - name: Cart
      - name: Paid
        within: 2h
        team: payments
  - name: After
    steps:
      - Review
"""

# (path, journeys, status); the assumed map says Visit View Cart Paid Review.
OBSERVED = [
    (["Visit", "View", "Cart", "Paid"], 40, "completed"),
    (["Visit", "Cart", "Paid"], 25, "completed"),
    (["Visit", "View", "Cart", "Chat", "Paid"], 15, "completed"),
    (["Visit", "Newsletter", "View", "Cart", "Paid"], 5, "completed"),
    (["Visit", "View", "View", "Cart"], 6, "abandoned"),
    (["Visit", "View"], 4, "in_flight"),
    (["Visit", "Coupon", "Promo", "Paid"], 3, "completed"),
    (["Call"], 10, "completed"),
    (["Visit", "Call", "Survey", "Paid"], 2, "completed"),
]


def load(wh: Warehouse, observed=OBSERVED) -> None:
    write_journey_marts(
        wh,
        [
            Journey(id=f"v{v}j{k:02d}", path=path, status=status)
            for v, (path, count, status) in enumerate(observed)
            for k in range(count)
        ],
    )


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(MAP, encoding="utf-8")
    return path


def conforming_share(wh: Warehouse, path: Path, among: pl.Series | None = None) -> float:
    """The map's conforming share, over ``among`` (journey ids) when given."""
    compare_maps(wh, SETTINGS, [path])
    rows = wh.read_table("marts.map_conformance")
    if among is not None:
        rows = rows.filter(pl.col("journey_id").is_in(among.implode()))
    return float(rows["is_conforming"].mean() or 0.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("coverage", [0.5, 0.8, 0.95, 1.0])
def test_recomparing_with_the_suggestion_reaches_the_coverage(
    wh: Warehouse, shop: Path, tmp_path: Path, coverage: float
):
    load(wh)
    original = conforming_share(wh, shop)
    assert original < 0.5
    scope = wh.read_table("marts.map_conformance")["journey_id"]
    out = tmp_path / "suggested.yaml"
    head = suggest_map(wh, SETTINGS, shop, coverage=coverage, out=out).splitlines()[0]
    # on the same journeys as the original; the 6 abandoned of its 100 are never adopted
    share = conforming_share(wh, out, among=scope)
    assert share >= min(coverage, 0.94)
    assert f"on the {scope.len()} journeys in the original's scope" in head
    assert f"explains {share:.1%} (the original: {original:.1%};" in head


def test_keeps_names_stages_and_metadata_and_explains_the_diff(
    wh: Warehouse, shop: Path, tmp_path: Path
):
    load(wh)
    out = tmp_path / "suggested.yaml"
    diff = suggest_map(wh, SETTINGS, shop, coverage=0.8, out=out)
    revised = load_map(out)
    assert (revised.name, revised.description, revised.owner, revised.goal) == (
        "shop",
        "How we think people buy.",
        "CX team",
        "Paid",
    )
    assert revised.ignore == ("Newsletter",)
    assert revised.step("Visit").channel == "web"
    assert (revised.step("Paid").within_seconds, revised.step("Paid").team) == (7200, "payments")
    assert revised.step("Chat").stage == "Buy"  # beside its most frequent neighbour, Cart
    assert revised.step("View").optional  # Visit -> Cart skips it, and that adds nothing else
    assert revised.step("View").repeatable is False  # the View loop is below the coverage cut
    assert "Review" not in revised.step_names
    lines = diff.splitlines()
    assert lines[0].startswith("suggest-map 'shop'")
    assert "steps added: 'Chat' (Buy)" in lines
    assert "steps removed: 'Review'" in lines
    assert "made optional: 'View'" in lines
    assert "transitions removed: 'Paid' → 'Review'" in lines
    assert any(
        line.startswith("transitions added: ") and "'Cart' → 'Chat'" in line for line in lines
    )
    assert "exit: 'Review' -> 'Paid'" in lines
    assert lines[-1] == f"written to {out}"


def test_new_steps_go_beside_their_neighbours(wh: Warehouse, shop: Path):
    load(wh)
    text = suggest_map(wh, SETTINGS, shop, coverage=1.0, out=None)
    document = yaml.safe_load(text.split("\n\n", 1)[1])
    revised = parse_map(document, source="suggested")
    assert revised.step("Coupon").stage == "Browse"  # after Visit
    assert revised.step("Promo").stage == "Browse"  # after Coupon
    assert revised.step("Call").stage == "Browse"  # after Visit in the 1.0 cut
    assert [s for s in revised.stages] == ["Browse", "Buy"]


def test_a_chain_of_new_steps_is_placed_from_its_known_end(wh: Warehouse, shop: Path):
    happy = (["Visit", "View", "Cart", "Paid"], 5, "completed")
    load(wh, [happy, (["Ping", "Pong", "Visit", "View", "Cart", "Paid"], 5, "completed")])
    text = suggest_map(wh, SETTINGS, shop, coverage=1.0, out=None)
    revised = parse_map(yaml.safe_load(text.split("\n\n", 1)[1]), source="s")
    assert revised.step_names[:3] == ("Ping", "Pong", "Visit")
    assert revised.step("Ping").stage == revised.step("Pong").stage == "Browse"
    assert revised.start_steps == ("Ping", "Visit")


def test_coverage_out_of_range(wh: Warehouse, shop: Path):
    with pytest.raises(CompareError, match="between 0 and 1"):
        suggest_map(wh, SETTINGS, shop, coverage=1.5, out=None)


def test_in_flight_journeys_shape_the_revision_without_making_exits(wh: Warehouse, shop: Path):
    happy = (["Visit", "View", "Cart", "Paid"], 5, "completed")
    load(wh, [happy, (["Visit", "Chat", "View"], 10, "in_flight")])
    text = suggest_map(wh, SETTINGS, shop, coverage=0.9, out=None)
    revised = parse_map(yaml.safe_load(text.split("\n\n", 1)[1]), source="s")
    assert ("Visit", "Chat") in revised.edges() and ("Chat", "View") in revised.edges()
    assert revised.end_steps == ("Paid",)
    assert "on the 15 journeys in the original's scope, the revision explains 100.0%" in text


def test_a_new_step_only_an_in_flight_journey_reached_is_left_out(wh: Warehouse, tmp_path: Path):
    """An in-flight journey's last step is no exit; a new step there, with no way on to an exit,
    would make the revision invalid, so it is left out (the journey still conforms as a prefix)."""
    write_journey_marts(wh, [Journey(id="j1", path=["A", "B", "X"], status="in_flight")])
    original = tmp_path / "abc.yaml"
    original.write_text(
        "name: abc\nstages:\n  - name: S\n    steps:\n      - name: A\n"
        "      - name: B\n      - name: C\n"
    )
    out = tmp_path / "abc.suggested.yaml"
    suggest_map(wh, SETTINGS, original, coverage=1.0, out=out)
    assert load_map(out).step_names == ("A", "B", "C")


def test_abandoned_journeys_are_drop_offs_not_exits_to_adopt(wh: Warehouse, shop: Path):
    """Most journeys leave after browsing; the revision must not make browsing an exit."""
    happy = (["Visit", "View", "Cart", "Paid"], 30, "completed")
    left = [(["Visit", "View"], 40, "abandoned"), (["Visit", "View", "Cart"], 20, "abandoned")]
    load(wh, [happy, *left, (["Visit", "Chat", "Cart", "Paid"], 10, "completed")])
    text = suggest_map(wh, SETTINGS, shop, coverage=0.9, out=None)
    revised = parse_map(yaml.safe_load(text.split("\n\n", 1)[1]), source="s")
    assert set(revised.exit) == {"Paid"} and "View" not in revised.end_steps
    assert ("Visit", "Chat") in revised.edges()  # the adoptable detour is adopted
    # the target cannot be met without adopting drop-offs: the share says so, same journeys
    assert "on the 100 journeys in the original's scope, the revision explains 40.0%" in text
