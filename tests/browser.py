"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``):
no websocket client, no port, no network. One browser serves many pages; each page is loaded
at a given width, measured with a script (``MEASURE``) and photographed.

Used by tests/test_report_browser.py and scripts/report_screenshots.py.
"""

from __future__ import annotations

import base64
import json
import os
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--font-render-hinting=none",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
)
TIMEOUT = 60.0

MEASURE = r"""
(() => {
  const view = document.documentElement.clientWidth;
  const rects = [];
  const labels = [];
  const visible = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) {
        return false;
      }
    }
    return true;
  };
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    if (!visible(plot)) continue;
    const box = plot.getBoundingClientRect();
    for (const t of plot.querySelectorAll('svg text')) {
      const text = t.textContent.trim();
      if (!text || !visible(t)) continue;
      const r = t.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      labels.push({plot: plot.id, text, cls: t.getAttribute('class') || '',
                   x: r.left, y: r.top, w: r.width, h: r.height,
                   box: {x: box.left, y: box.top, w: box.width, h: box.height}});
    }
  }
  const wide = [];
  for (const el of document.querySelectorAll('main, section, table, .js-plotly-plot, header')) {
    if (!visible(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      wide.push({tag: el.tagName, id: el.id, cls: el.className && el.className.baseVal === undefined
                 ? el.className : '', scroll: el.scrollWidth, client: el.clientWidth});
    }
  }
  const coverage = (p) => {
    // the visible Sankey trace: 1 - journeys into "Other paths" / journeys out of "Start"
    const trace = (p.data || []).find((t) => t.type === 'sankey' && t.visible !== false);
    if (!trace) return null;
    const name = (i) => trace.node.customdata[i][0];
    let total = 0, other = 0;
    trace.link.value.forEach((v, k) => {
      if (name(trace.link.source[k]) === 'Start') total += v;
      if (name(trace.link.target[k]) === 'Other paths') other += v;
    });
    return total ? 1 - other / total : null;
  };
  const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(visible).map((p) => ({
    id: p.id,
    width: p.getBoundingClientRect().width,
    sankeyLinks: p.querySelectorAll('path.sankey-link').length,
    sankeyNodes: p.querySelectorAll('g.sankey-node').length,
    coverage: coverage(p),
    traces: p.querySelectorAll('g.trace').length,
    lines: p.querySelectorAll('g.trace path.js-line').length,
    strokes: [...p.querySelectorAll('g.trace path.js-line')].map(
      (l) => l.style.stroke.replace(/ /g, '')).reduce(
      (counts, c) => Object.assign(counts, {[c]: (counts[c] || 0) + 1}), {}),
    dashed: [...p.querySelectorAll('g.trace path.js-line')].filter(
      (l) => (l.style.strokeDasharray || 'none') !== 'none').length,
    markers: [...new Set([...p.querySelectorAll('g.trace path.point')].map(
      (m) => m.style.fill.replace(/ /g, '')))],
    sliders: p.querySelectorAll('g.slider-container').length,
  }));
  return {
    alerted: !!window.__alerted,
    viewport: view,
    pageWidth: document.documentElement.scrollWidth,
    bodyWidth: document.body.scrollWidth,
    height: document.documentElement.scrollHeight,
    labels, wide, plots,
    text: document.body.innerText,
  };
})()
"""


@dataclass(frozen=True)
class Label:
    plot: str
    text: str
    cls: str
    x: float
    y: float
    w: float
    h: float
    box: dict[str, float]

    def overlaps(self, other: Label, *, slack: float = 1.0) -> bool:
        return (
            self.x + slack < other.x + other.w
            and other.x + slack < self.x + self.w
            and self.y + slack < other.y + other.h
            and other.y + slack < self.y + self.h
        )

    def clipped(self, *, slack: float = 1.0) -> bool:
        b = self.box
        return (
            self.x < b["x"] - slack
            or self.y < b["y"] - slack
            or self.x + self.w > b["x"] + b["w"] + slack
            or self.y + self.h > b["y"] + b["h"] + slack
        )


@dataclass(frozen=True)
class Measured:
    """What the page looks like at one width."""

    width: int
    viewport: int
    page_width: int
    height: int
    labels: tuple[Label, ...]
    wide: tuple[dict[str, Any], ...]
    plots: tuple[dict[str, Any], ...]
    text: str
    requests: tuple[str, ...]
    alerted: bool

    def overlapping(self) -> list[tuple[str, str]]:
        """Pairs of label texts of one plot drawn over each other."""
        found = []
        for i, a in enumerate(self.labels):
            for b in self.labels[i + 1 :]:
                if a.plot == b.plot and a.overlaps(b):
                    found.append((a.text, b.text))
        return found

    def clipped(self) -> list[str]:
        return [label.text for label in self.labels if label.clipped()]

    def plot(self, div_id: str) -> dict[str, Any]:
        return next(p for p in self.plots if p["id"] == div_id)


class Browser:
    """One headless Chromium; ``measure(page, width)`` loads a page at a width."""

    def __init__(self, chromium: Path = CHROMIUM, *, profile: Path) -> None:
        ours_in, theirs_out = os.pipe()  # chromium writes fd 4, we read
        theirs_in, ours_out = os.pipe()  # we write, chromium reads fd 3
        null = os.open(os.devnull, os.O_RDWR)
        argv = [str(chromium), *FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self.pid = os.posix_spawn(
            str(chromium),
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, theirs_in, 3),
                (os.POSIX_SPAWN_DUP2, theirs_out, 4),
                (os.POSIX_SPAWN_DUP2, null, 1),
                (os.POSIX_SPAWN_DUP2, null, 2),
            ],
        )
        for fd in (theirs_in, theirs_out, null):
            os.close(fd)
        self._in, self._out = ours_in, ours_out
        self._buffer = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable", session=True)
        # a page that ran injected markup would call alert(): remember it instead of blocking
        self.send(
            "Page.addScriptToEvaluateOnNewDocument",
            session=True,
            source="window.alert = () => { window.__alerted = true; };",
        )

    # -- protocol -----------------------------------------------------------------------------
    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method:
                    return self._events.pop(i)
            self._events.append(self._read(deadline))

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    # -- pages --------------------------------------------------------------------------------
    def load(self, page: Path, *, width: int, height: int = 900) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self._events.clear()
        self.send("Page.navigate", session=True, url=page.resolve().as_uri())
        self._wait_for("Page.loadEventFired")
        # plotly draws on load; wait until every figure has drawn once
        self.evaluate(
            "new Promise((done) => { const t0 = Date.now(); const check = () => {"
            " const plots = [...document.querySelectorAll('.js-plotly-plot')];"
            " if (plots.every((p) => p._fullLayout) || Date.now() - t0 > 20000) {"
            " requestAnimationFrame(() => requestAnimationFrame(done)); }"
            " else { setTimeout(check, 50); } }; check(); })"
        )

    def measure(self, page: Path, *, width: int) -> Measured:
        self.load(page, width=width)
        return self.inspect(width=width)

    def slide(self, div_id: str, step: int) -> None:
        """Move the slider of the figure ``div_id`` to ``step``, as a click on it would."""
        self.evaluate(
            f"(() => {{ const gd = document.getElementById({json.dumps(div_id)});"
            f" const s = gd.layout.sliders[0].steps[{step}];"
            " return Plotly.update(gd, s.args[0], s.args[1]).then(() => new Promise("
            "(done) => requestAnimationFrame(() => requestAnimationFrame(done)))); })()"
        )

    def inspect(self, *, width: int) -> Measured:
        """The page as it is now (after ``load``, and any ``slide``)."""
        found = self.evaluate(MEASURE)
        requests = tuple(
            e["params"]["request"]["url"]
            for e in self._events
            if e.get("method") == "Network.requestWillBeSent"
        )
        return Measured(
            width=width,
            viewport=found["viewport"],
            page_width=max(found["pageWidth"], found["bodyWidth"]),
            height=found["height"],
            labels=tuple(Label(**label) for label in found["labels"]),
            wide=tuple(found["wide"]),
            plots=tuple(found["plots"]),
            text=found["text"],
            requests=requests,
            alerted=found["alerted"],
        )

    def screenshot(
        self, path: Path, *, width: int, height: int, top: int = 0, scale: float = 1.0
    ) -> Path:
        """The page as loaded last, ``height`` px from ``top``, as a PNG (``scale`` < 1 for a
        small file)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=top + height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        clip = {"x": 0, "y": top, "width": width, "height": height, "scale": scale}
        shot = self.send("Page.captureScreenshot", session=True, format="png", clip=clip)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def element_screenshot(
        self, path: Path, selector: str, *, width: int, scale: float = 1.0, most: int = 4000
    ) -> Path:
        """The element ``selector`` of the page as loaded last (at most ``most`` px tall)."""
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, "
            "r.height]; })()"
        )
        height = self.evaluate("document.documentElement.scrollHeight")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=int(height),
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        clip = {"x": box[0], "y": box[1], "width": box[2], "height": min(box[3], most),
                "scale": scale}  # fmt: skip
        shot = self.send("Page.captureScreenshot", session=True, format="png", clip=clip)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        with suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        for fd in (self._in, self._out):
            os.close(fd)
        os.waitpid(self.pid, 0)


@contextmanager
def browser(profile: Path, chromium: Path = CHROMIUM) -> Iterator[Browser]:
    session = Browser(chromium, profile=profile)
    try:
        yield session
    finally:
        session.close()
