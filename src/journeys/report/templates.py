"""HTML building blocks: the page shell, cards, tables, the overlay legend. No data logic.

Callers pass text through ``html_text`` (redacted and escaped) before it reaches these helpers;
``Cell`` and ``table`` take HTML that is already safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from journeys.report.text import html_text

CSS = """
:root { --ink:#0f172a; --muted:#475569; --line:#e2e8f0; --designed:#1d4ed8; --offmap:#ea580c;
  --neutral:#94a3b8; --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
main { max-width:1360px; margin:0 auto; padding:24px 28px 48px; }
header.page { margin-bottom:16px; }
header.page h1 { font-size:28px; margin:4px 0 4px; }
.lead { font-size:17px; color:var(--ink); margin:4px 0; max-width:70em; }
.meta, .note { color:var(--muted); font-size:13px; }
a { color:var(--designed); }
nav a { font-size:14px; text-decoration:none; }
section { background:white; border:1px solid var(--line); border-radius:10px; padding:18px 22px;
  margin:18px 0; }
section h2 { font-size:20px; margin:0 0 4px; }
.explain { margin:0 0 10px; color:var(--muted); max-width:75em; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(210px,1fr)); gap:12px;
  background:none; border:none; padding:0; }
.card { background:white; border:1px solid var(--line); border-radius:10px; padding:12px 16px; }
.card .label { color:var(--muted); font-size:13px; }
.card .value { font-size:24px; font-weight:650; }
.card .value.small { font-size:16px; font-weight:600; }
.legend { display:flex; flex-wrap:wrap; align-items:center; gap:8px 18px; font-size:14px;
  margin:6px 0 8px; }
.swatch { display:inline-block; width:26px; height:12px; border-radius:3px; margin-right:6px;
  vertical-align:middle; }
.sw-designed { background:var(--designed); opacity:.7; }
.sw-offmap { background:var(--offmap); opacity:.8; }
.sw-neutral { background:var(--neutral); opacity:.6; }
.swatch.node { width:8px; height:16px; opacity:1; }
table { border-collapse:collapse; width:100%; font-size:14px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line);
  vertical-align:top; }
th { background:var(--bg); font-weight:600; position:sticky; top:0; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.bar { display:inline-block; height:8px; background:var(--offmap); border-radius:4px;
  margin-right:6px; vertical-align:middle; opacity:.75; }
.tag { display:inline-block; padding:0 6px; border-radius:4px; font-size:12px; background:#fff7ed;
  color:#9a3412; border:1px solid #fed7aa; white-space:nowrap; }
.tag.ok { background:#eff6ff; color:#1e3a8a; border-color:#bfdbfe; }
code { font-size:12px; background:var(--bg); padding:0 3px; border-radius:3px; }
details summary { cursor:pointer; color:var(--designed); margin:6px 0; }
.unreached { color:#9a3412; }
#gap-table td:nth-child(3), #unranked-gaps td:nth-child(3) { min-width:17em; }
footer { color:var(--muted); font-size:13px; margin-top:24px; }
"""


@dataclass(frozen=True)
class Cell:
    """One table cell of safe HTML; ``numeric`` right-aligns it."""

    html: str
    numeric: bool = False


def text_cell(value: object) -> Cell:
    return Cell(html_text(value))


def num_cell(formatted: str) -> Cell:
    return Cell(html_text(formatted), numeric=True)


def table(
    headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[Cell]], *, id: str = ""
) -> str:
    """``headers``: (title, numeric) pairs; every row has one Cell per header."""
    head = "".join(f'<th class="num">{t}</th>' if n else f"<th>{t}</th>" for t, n in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c.html}</td>' if c.numeric else f"<td>{c.html}</td>" for c in row
        )
        + "</tr>"
        for row in rows
    )
    ident = f' id="{id}"' if id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def card(label: str, value_html: str, *, small: bool = False) -> str:
    size = " small" if small else ""
    return (
        f'<div class="card"><div class="label">{label}</div>'
        f'<div class="value{size}">{value_html}</div></div>'
    )


def legend(top_k: int) -> str:
    return (
        '<div class="legend" aria-label="legend"><b>Bands:</b>'
        '<span><span class="swatch sw-designed"></span>designed transition (on the map)</span>'
        '<span><span class="swatch sw-offmap"></span>off-map flow (not designed)</span>'
        '<span><span class="swatch sw-neutral"></span>start, end, or leaving the top '
        f"{top_k} paths</span><b>Steps:</b>"
        '<span><span class="swatch sw-designed node"></span>a step of the map</span>'
        '<span><span class="swatch sw-offmap node"></span>a touchpoint the map lacks</span>'
        "</div>"
    )


def page(*, title: str, body: str, head_scripts: str = "") -> str:
    """A complete, self-contained HTML document."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style>{head_scripts}</head>"
        f"<body><main>{body}</main></body></html>\n"
    )
