"""HTML building blocks: the page shell, cards, tables, legends, bars. No data logic.

Callers pass text through ``html_text`` (redacted and escaped) before it reaches these helpers;
``Cell`` and ``table`` take HTML that is already safe. Pages never scroll sideways: tables wrap
their text and, below 700 px, turn each row into a card; charts come in a wide and a narrow
drawing, one shown per screen width (``NARROW_BELOW`` in figures.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from journeys.report.text import html_text

CSS = """
:root { --ink:#0f172a; --muted:#475569; --line:#e2e8f0; --designed:#1d4ed8; --offmap:#ea580c;
  --neutral:#94a3b8; --bg:#f8fafc; --good:#15803d; --bad:#b91c1c; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); overflow-wrap:anywhere; }
main { max-width:1360px; margin:0 auto; padding:24px 28px 48px; }
header.page { margin-bottom:12px; }
header.page h1 { font-size:28px; margin:4px 0 4px; line-height:1.2; }
.lead { font-size:17px; margin:4px 0; max-width:70em; }
.meta, .note { color:var(--muted); font-size:13px; }
a { color:var(--designed); }
nav.top a { font-size:14px; text-decoration:none; }
nav.toc { display:flex; flex-wrap:wrap; gap:4px 16px; font-size:14px; margin:8px 0 0; }
section { background:white; border:1px solid var(--line); border-radius:10px; padding:18px 22px;
  margin:18px 0; min-width:0; }
section h2 { font-size:20px; margin:0 0 4px; }
section h3 { font-size:16px; margin:18px 0 4px; }
.explain { margin:0 0 10px; color:var(--muted); max-width:75em; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(160px,1fr)); gap:12px;
  background:none; border:none; padding:0; }
.card { background:white; border:1px solid var(--line); border-radius:10px; padding:12px 16px; }
.card .label { color:var(--muted); font-size:13px; }
.card .value { font-size:24px; font-weight:650; }
.card .value.small { font-size:16px; font-weight:600; }
.card .sub { color:var(--muted); font-size:13px; }
.card.fix { border-color:#fed7aa; background:#fff7ed; }
.legend { display:flex; flex-wrap:wrap; align-items:center; gap:6px 18px; font-size:14px;
  margin:6px 0 8px; }
.swatch { display:inline-block; width:26px; height:12px; border-radius:3px; margin-right:6px;
  vertical-align:middle; }
.sw-designed { background:var(--designed); opacity:.7; }
.sw-offmap { background:var(--offmap); opacity:.8; }
.sw-neutral { background:var(--neutral); opacity:.6; }
.sw-unused { background:repeating-linear-gradient(90deg,#475569 0 6px,transparent 6px 10px);
  height:3px; }
.sw-unreached { background:#cbd5e1; border-radius:50%; width:12px; }
.swatch.node { width:10px; height:16px; }
table { border-collapse:collapse; width:100%; font-size:14px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line);
  vertical-align:top; }
th { background:var(--bg); font-weight:600; overflow-wrap:normal; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
td.num { white-space:nowrap; }
.tag { display:inline-block; padding:0 6px; border-radius:4px; font-size:12px; background:#fff7ed;
  color:#9a3412; border:1px solid #fed7aa; white-space:nowrap; }
.tag.k-dropoff { background:#fef2f2; color:#991b1b; border-color:#fecaca; }
.tag.k-delay { background:#fefce8; color:#854d0e; border-color:#fde68a; }
.tag.k-rework, .tag.k-skip { background:#f5f3ff; color:#5b21b6; border-color:#ddd6fe; }
.tag.ok { background:#eff6ff; color:#1e3a8a; border-color:#bfdbfe; }
.cost { font-weight:650; }
a.example { white-space:nowrap; }
#map-table td:first-child { min-width:9em; overflow-wrap:normal; }
.cost.neg { color:var(--bad); }
.cost.pos { color:var(--good); }
small, .small { font-size:12px; color:var(--muted); }
code { font-size:.85em; background:var(--bg); padding:0 3px; border-radius:3px; }
details summary { cursor:pointer; color:var(--designed); margin:6px 0; }
.bars { display:grid; grid-template-columns:minmax(8em,14em) 1fr; gap:4px 10px;
  align-items:center; }
.bar { height:14px; background:var(--designed); border-radius:3px; opacity:.75; min-width:2px; }
.bar.off { background:var(--offmap); }
.bar.grey { background:var(--neutral); }
.stage { border-top:1px solid var(--line); padding:10px 0; }
.stage:first-of-type { border-top:none; }
.stage .head { display:flex; flex-wrap:wrap; justify-content:space-between; gap:2px 16px; }
.stage .name { font-weight:650; }
.stage .fig { color:var(--muted); font-size:14px; }
.stage .steps { margin:6px 0 0 0; font-size:14px; }
.dist { display:flex; height:10px; border-radius:3px; overflow:hidden; margin:3px 0;
  max-width:16em; }
.dist span { display:block; height:100%; }
.d1 { background:#fde68a; } .d2 { background:#fbbf24; } .d3 { background:#f97316; }
.d4 { background:#b91c1c; }
svg.trend { display:inline-block; margin-top:3px; }
svg.trend polyline { fill:none; stroke:var(--designed); stroke-width:1.5; stroke-linejoin:round; }
svg.trend polyline.open { stroke:var(--neutral); stroke-dasharray:2 2; }
svg.trend line { stroke:var(--line); stroke-width:1; }
svg.trend circle { fill:var(--offmap); }
ol.timeline { list-style:none; padding:0; margin:8px 0; }
ol.timeline li { display:grid; grid-template-columns:7.5em 1fr; gap:0 12px; padding:3px 0;
  border-left:3px solid var(--designed); padding-left:10px; margin-left:4px; }
ol.timeline li.off { border-left-color:var(--offmap); }
ol.timeline li.ignored { border-left-color:var(--line); color:var(--muted); }
ol.timeline li.hit { background:#fff7ed; }
ol.timeline .when { color:var(--muted); font-size:13px; font-variant-numeric:tabular-nums; }
ol.timeline .wait { display:block; font-size:12px; color:var(--muted); }
.only-narrow { display:none; }
.js-plotly-plot .textpoint text { paint-order:stroke; stroke:white; stroke-width:3px;
  stroke-linejoin:round; }
footer { color:var(--muted); font-size:13px; margin-top:24px; }
@media (max-width: 1199px) {
  .only-wide { display:none; }
  .only-narrow { display:block; }
}
@media (max-width: 700px) {
  main { padding:12px 10px 32px; }
  section { padding:14px 12px; }
  header.page h1 { font-size:23px; }
  .lead { font-size:16px; }
  table.stack thead { display:none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display:block; width:100%; }
  table.stack tr { border-bottom:2px solid var(--line); padding:6px 0; }
  table.stack td { border:none; padding:2px 4px; text-align:left; white-space:normal; }
  table.stack td[data-label]::before { content:attr(data-label) ": "; color:var(--muted);
    font-size:12px; }
  .bars { grid-template-columns:1fr; gap:2px; }
  ol.timeline li { grid-template-columns:1fr; }
}
"""


@dataclass(frozen=True)
class Cell:
    """One table cell of safe HTML; ``numeric`` right-aligns it."""

    html: str
    numeric: bool = False


def text_cell(value: object) -> Cell:
    return Cell(html_text(value))


def own(formatted: str) -> str:
    """Text the report formatted itself (counts, amounts, dates, durations): escaped, never
    redacted, so a date or a large count is never taken for a phone number."""
    return escape(formatted, quote=True)


def num_cell(formatted: str) -> Cell:
    return Cell(own(formatted), numeric=True)


def table(
    headers: Sequence[tuple[str, bool]],
    rows: Sequence[Sequence[Cell]],
    *,
    id: str = "",
    stack: bool = True,
) -> str:
    """``headers``: (title, numeric) pairs; every row has one Cell per header. A ``stack``
    table turns each row into a card on a phone, each cell labelled with its header."""
    head = "".join(f'<th class="num">{t}</th>' if n else f"<th>{t}</th>" for t, n in headers)
    numeric = ' class="num"'
    body = "".join(
        "<tr>"
        + "".join(
            f'<td{numeric if c.numeric else ""} data-label="{title}">{c.html}</td>'
            for c, (title, _) in zip(row, headers, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    ident = f' id="{id}"' if id else ""
    classes = ' class="stack"' if stack else ""
    return f"<table{ident}{classes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def card(label: str, value_html: str, *, small: bool = False, sub: str = "", cls: str = "") -> str:
    size = " small" if small else ""
    extra = f'<div class="sub">{sub}</div>' if sub else ""
    return (
        f'<div class="card {cls}"><div class="label">{label}</div>'
        f'<div class="value{size}">{value_html}</div>{extra}</div>'
    )


def bar(share: float, *, cls: str = "", label: str = "") -> str:
    """A horizontal bar ``share`` (0..1) of its cell wide."""
    width = max(0.0, min(1.0, share)) * 100
    title = f' title="{label}"' if label else ""
    return f'<div class="bar {cls}" style="width:{width:.1f}%"{title}></div>'


def page(*, title: str, body: str, head_scripts: str = "") -> str:
    """A complete HTML document; nothing it loads comes from the network."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style>{head_scripts}</head>"
        f"<body><main>{body}</main></body></html>\n"
    )
