"""Every report page in headless Chromium with no network, at 1440 px and at 390 px wide: no
label drawn over another or cut off, no sideways scrolling, the process map drawn with the map
overlaid, the Sankey's drawn paths covering at least 80% of the journeys, a hostile label shown
as text, nothing loaded from the network, and each page under 500 KB. Screenshots are saved
under the test's tmp_path (scripts/report_screenshots.py writes the ones docs/reports.md shows).

On the sample shop, the real help-desk log (imported with import-log) and a hostile report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import CHROMIUM, Browser, Measured, browser
from journeys.report.cx import touchpoint_chart_data
from journeys.warehouse import Warehouse
from report_fixtures import (
    HOSTILE,
    Report,
    helpdesk_report,
    hostile_report,
    rework_report,
    sample_report,
)

pytestmark = pytest.mark.browser

WIDTHS = (1440, 390)
MAX_PAGE = 500_000
DESIGNED, OFF_MAP = "rgb(29,78,216)", "rgb(234,88,12)"
"""The strokes of designed transitions and off-map moves (plotly keeps the alpha apart)."""
UNREACHED = "rgb(203,213,225)"
PAGES = [
    ("sample", "online-purchase"),
    ("sample", "support-resolution"),
    ("sample", "index"),
    ("helpdesk", "helpdesk-ticket"),
    # a discovered map of a log whose orders take hundreds of paths through 60 rare reworks:
    # on a phone its process map gave each rework a lane of 5 px, and its Sankey cut a label
    ("rework", "p2p"),
    ("helpdesk", "index"),
    ("hostile", "online-purchase"),
]


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> Browser:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install it with `apt-get install -y chromium`")
    with browser(tmp_path_factory.mktemp("profile")) as session:
        yield session


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Report]:
    return {
        "sample": sample_report(),
        "helpdesk": helpdesk_report(),
        "hostile": hostile_report(tmp_path_factory.mktemp("hostile")),
        "rework": rework_report(),
    }


def measured(chromium: Browser, page: Path, width: int, shots: Path) -> Measured:
    found = chromium.measure(page, width=width)
    shot = shots / f"{page.parent.parent.name}-{page.stem}-{width}.png"
    chromium.screenshot(shot, width=width, height=min(found.height, 12000), scale=0.5)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("report", "name"), PAGES, ids=[f"{r}-{n}" for r, n in PAGES])
def test_a_page_reads_well_offline_at_this_width(chromium, reports, tmp_path, report, name, width):
    path = reports[report].page(name)
    assert path.stat().st_size < MAX_PAGE
    found = measured(chromium, path, width, tmp_path)
    assert found.viewport == width
    assert found.page_width <= width, "the page scrolls sideways"
    assert found.wide == (), "an element is wider than its box"
    assert found.overlapping() == [], "labels drawn over each other"
    assert found.clipped() == [], "labels cut off at the chart's edge"
    assert all(url.startswith("file:") for url in found.requests), found.requests
    assert not found.alerted
    if name == "index":
        assert found.plots == ()
        return
    size = "wide" if width >= 1200 else "narrow"
    process = found.plot(f"process-map-{size}")
    assert process["lines"] >= 5 and process["sliders"] == 1, "the process map was not drawn"
    assert process["strokes"].get(DESIGNED, 0) >= 3, "the map's transitions are not overlaid"
    sankey = found.plot(f"sankey-{size}")
    assert sankey["sankeyLinks"] >= 3 and sankey["sankeyNodes"] >= 4
    if report in ("sample", "helpdesk"):
        assert sankey["coverage"] >= 0.8, f"the drawn paths cover {sankey['coverage']:.1%}"


CX_PAGES = [("sample", "online-purchase"), ("sample", "support-resolution"),
            ("helpdesk", "helpdesk-ticket")]  # fmt: skip
CX_BOXES = ("effort", "touchpoints", "handoff-table", "touchpoint-table")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("report", "name"), CX_PAGES, ids=[f"{r}-{n}" for r, n in CX_PAGES])
def test_effort_and_touchpoint_sections_fit_at_this_width(
    chromium, reports, tmp_path, report, name, width
):
    """*Effort and handoffs* and *Touchpoints that matter*: shown, no box wider than the
    screen, the removal-effect chart drawn at the size for the screen with every touchpoint
    named (the largest first) and no label over another or cut off."""
    found = measured(chromium, reports[report].page(name), width, tmp_path)
    assert "Effort and handoffs" in found.text and "Touchpoints that matter" in found.text
    assert "carries the most of the goal" in found.text
    assert "The worst handoff:" in found.text  # the help-desk log: between its agents
    assert [w for w in found.wide if w["id"] in CX_BOXES] == []
    size = "wide" if width >= 1200 else "narrow"
    chart = found.plot(f"touchpoint-chart-{size}")
    assert chart["traces"] == 1 and chart["width"] <= width
    with Warehouse(reports[report].warehouse, read_only=True) as wh:
        ranked = touchpoint_chart_data(wh.query("queries/report/touchpoint_impact", map_name=name))[
            "touchpoint"
        ].to_list()
    labels = [label for label in found.labels if label.plot == chart["id"]]
    named = {t.replace(" ", ""): t for t in ranked}  # a wrapped label reads without spaces
    ticks = [label for label in labels if label.text.replace(" ", "") in named]
    top_down = [named[t.text.replace(" ", "")] for t in sorted(ticks, key=lambda t: t.y)]
    assert top_down == ranked and len(ranked) >= 5  # every touchpoint, rank 1 on top
    texts = {label.text for label in labels}
    assert not [pair for pair in found.overlapping() if pair[0] in texts]
    assert not [text for text in found.clipped() if text in texts]


def test_off_map_moves_and_unused_transitions_are_drawn_apart(chromium, reports, tmp_path):
    found = measured(chromium, reports["sample"].page("support-resolution"), 1440, tmp_path)
    process = found.plot("process-map-wide")
    assert process["strokes"].get(OFF_MAP, 0) >= 3 and process["dashed"] == 0
    purchase = measured(chromium, reports["sample"].page("online-purchase"), 1440, tmp_path)
    assert purchase.plot("process-map-wide")["strokes"].get(OFF_MAP, 0) >= 3


def test_a_hostile_label_is_shown_as_text(chromium, reports, tmp_path):
    found = measured(chromium, reports["hostile"].page("online-purchase"), 1440, tmp_path)
    assert HOSTILE in found.text  # the fix-first list and the timelines, as typed
    assert any(label.text.startswith("<script>alert(1") for label in found.labels)
    assert not found.alerted


def test_designed_moves_nobody_takes_are_dashed_and_steps_nobody_reaches_grey(
    chromium, reports, tmp_path
):
    """The hostile map has an optional 'Apply coupon' no journey takes."""
    for width, size in ((1440, "wide"), (390, "narrow")):
        found = measured(chromium, reports["hostile"].page("online-purchase"), width, tmp_path)
        process = found.plot(f"process-map-{size}")
        assert process["dashed"] == 2  # into and out of 'Apply coupon'
        assert UNREACHED in process["markers"]
        assert any(label.text.startswith("Apply coupon") for label in found.labels)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_slider_position_keeps_the_labels_apart(chromium, reports, width):
    """From every move (all) to the busiest ones only: still no label over another."""
    size = "wide" if width >= 1200 else "narrow"
    for report, name in (("sample", "online-purchase"), ("helpdesk", "helpdesk-ticket")):
        chromium.load(reports[report].page(name), width=width)
        for step in range(6):
            chromium.slide(f"process-map-{size}", step)
            found = chromium.inspect(width=width)
            assert found.overlapping() == [] and found.clipped() == [], (name, step)
            assert found.page_width <= width
