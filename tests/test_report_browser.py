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
from report_fixtures import HOSTILE, Report, helpdesk_report, hostile_report, sample_report

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
