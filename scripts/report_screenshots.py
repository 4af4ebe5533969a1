"""Write the screenshots docs/reports.md shows (docs/img/report-*.png): the sample shop's and the
real help-desk log's report pages in headless Chromium, offline, at 1440 and 390 px wide.

    .venv/bin/python scripts/report_screenshots.py [--out docs/img]

It builds the reports exactly as the browser test does (tests/report_fixtures.py) and
photographs one section at a time, half size, so each file stays small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import browser  # noqa: E402
from report_fixtures import helpdesk_report, sample_report  # noqa: E402

SHOTS = [
    # (file, report, page, width, css selector, most px tall)
    ("report-index-1440.png", "sample", "index", 1440, "main", 1200),
    ("report-top-1440.png", "sample", "online-purchase", 1440, "main", 560),
    ("report-fix-first-1440.png", "sample", "online-purchase", 1440, "#fix-first", 1500),
    ("report-process-map-1440.png", "sample", "online-purchase", 1440, "#process-map", 1200),
    ("report-paths-1440.png", "sample", "online-purchase", 1440, "#paths", 1200),
    ("report-example-1440.png", "sample", "online-purchase", 1440, "#examples", 900),
    ("report-support-process-map-1440.png", "sample", "support-resolution", 1440,
     "#process-map", 1200),
    ("report-support-funnel-1440.png", "sample", "support-resolution", 1440, "#funnel", 1200),
    ("report-support-effort-1440.png", "sample", "support-resolution", 1440, "#effort", 1400),
    ("report-touchpoints-1440.png", "sample", "online-purchase", 1440, "#touchpoints", 1800),
    ("report-helpdesk-fix-first-1440.png", "helpdesk", "helpdesk-ticket", 1440, "#fix-first",
     1200),
    ("report-helpdesk-process-map-1440.png", "helpdesk", "helpdesk-ticket", 1440,
     "#process-map", 1200),
    ("report-phone-top-390.png", "sample", "online-purchase", 390, "main", 1800),
    ("report-phone-process-map-390.png", "sample", "online-purchase", 390, "#process-map",
     2400),
    ("report-phone-paths-390.png", "sample", "online-purchase", 390, "#paths", 1600),
    ("report-phone-effort-390.png", "sample", "support-resolution", 390, "#effort", 2400),
    ("report-phone-touchpoints-390.png", "sample", "online-purchase", 390, "#touchpoints",
     2400),
]  # fmt: skip
SCALE = {1440: 0.7, 390: 0.8}
OPEN_FIRST_EXAMPLE = "document.querySelector('#examples details').open = true"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    reports = {"sample": sample_report(), "helpdesk": helpdesk_report()}
    profile = Path(tempfile.mkdtemp(prefix="journeys-chromium-"))
    with browser(profile) as chromium:
        for file, report, page, width, selector, most in SHOTS:
            path = reports[report].index if page == "index" else reports[report].page(page)
            found = chromium.measure(path, width=width)
            assert not found.overlapping() and found.page_width <= width, (file, found.wide)
            if selector == "#examples":
                chromium.evaluate(OPEN_FIRST_EXAMPLE)
            shot = chromium.element_screenshot(
                args.out / file, selector, width=width, scale=SCALE[width], most=most
            )
            shown = shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot
            print(f"{shown}: {shot.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
