"""A generated report rendered in headless Chromium with no network: the Sankey is drawn and a
hostile label shows as text. The screenshot is kept under the test's tmp_path."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from test_pages import build_marts, write

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE_TEXT = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; "Q"'


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install it with `apt-get install -y chromium`")
    return CHROMIUM


def render(chromium: Path, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Headless Chromium, offline: every host name resolves to nothing."""
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--window-size=1400,1800",
        "--virtual-time-budget=5000",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_report_renders_offline_in_headless_chromium(wh, tmp_path, chromium):
    build_marts(wh)
    index = write(wh, tmp_path / "reports")
    page = index.parent / "online-purchase.html"

    dom = render(chromium, page, tmp_path / "profile", "--dump-dom").stdout
    links = re.findall(r'<path class="sankey-link"', dom)
    assert len(links) >= 8, "the Sankey was not drawn"
    assert 'class="updatemenu-' in dom, "the segment/period menu was not drawn"
    assert re.search(
        r'<text class="node-label"[^>]*>\d+ · ' + re.escape(HOSTILE_TEXT) + "</text>", dom
    )
    assert f"<td>{HOSTILE_TEXT}</td>" in dom
    assert "<script>alert(1)" not in dom
    assert 'class="funnel' in dom or "funnellayer" in dom

    shot = tmp_path / "shot.png"
    render(chromium, page, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
