"""The observed-journeys Sankey: the bands of sql/queries/report/sankey_links.sql, drawn.

Each journey's path (after the map's ``ignore:``), with consecutive repeats collapsed, is cut
after ``depth`` steps; the most common cut paths are drawn in full until they cover
``coverage`` of the journeys. A node is a touchpoint at a position (the column); ``Start`` feeds
the first column. A journey follows the drawn nodes while its cut path is the start of a drawn
path, then flows into ``End: <status>`` (a drawn path ending there), ``Continues`` (a drawn path
that goes on after ``depth`` steps) or ``Other paths``. So at every step node journeys in =
journeys going on + journeys ending there, and End + Continues + Other = every journey.

The depth is the deepest (up to ``max_depth``) whose drawing stays readable: at most
``max_column`` nodes in a column. Numbers come from the query as they are; this module only
names, colours and places them. Labels are raw here (text.py escapes them at render time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from journeys.errors import ReportError

END_LABELS = {
    "completed": "End: completed",
    "abandoned": "End: abandoned",
    "in_flight": "End: in flight",
}
TERMINAL_ORDER = ("end", "more", "other")


@dataclass(frozen=True)
class SankeyData:
    """Nodes and bands of one Sankey, with what it covers.

    nodes: node (0-based), key, kind (start/step/end/more/other), position, touchpoint, status,
    label, is_designed, journeys (through the node), ending (of those, journeys that leave the
    drawing there). links: source, target, source_label, target_label, kind
    (designed/off_map/entry/exit/more/other), journeys, share (of every journey).
    """

    nodes: pl.DataFrame
    links: pl.DataFrame
    depth: int
    coverage_target: float
    total_journeys: int
    other_journeys: int

    @property
    def covered(self) -> float:
        """The share of journeys whose cut path is drawn in full (not in Other paths)."""
        if not self.total_journeys:
            return 0.0
        return 1 - self.other_journeys / self.total_journeys

    @property
    def drawn_depth(self) -> int:
        """The deepest step drawn (``depth``, unless no drawn path is that long)."""
        steps = self.nodes.filter(pl.col("kind") == "step")["position"]
        return int(steps.max() or 0)  # type: ignore[arg-type]

    @property
    def continues(self) -> bool:
        """Some drawn paths go on after the last column."""
        return bool(self.nodes.filter(pl.col("kind") == "more").height)


def _key(target: str, position: object, touchpoint: object, status: object) -> str:
    if target == "step":
        return f"{position}\x1f{touchpoint}"
    if target == "end":
        return f"end\x1f{status or ''}"
    return target


def _node_rows(links: pl.DataFrame) -> dict[str, dict[str, object]]:
    """Every node the bands touch, keyed: kind, position, touchpoint, status."""
    nodes: dict[str, dict[str, object]] = {
        "start": {"kind": "start", "position": 0, "touchpoint": None, "status": None}
    }
    for row in links.iter_rows(named=True):
        if row["source_position"] > 0:
            key = _key("step", row["source_position"], row["source_touchpoint"], None)
            nodes.setdefault(
                key,
                {
                    "kind": "step",
                    "position": row["source_position"],
                    "touchpoint": row["source_touchpoint"],
                    "status": None,
                },
            )
        key = _key(row["target"], row["target_position"], row["target_touchpoint"], row["status"])
        nodes.setdefault(
            key,
            {
                "kind": row["target"],
                "position": row["target_position"],
                "touchpoint": row["target_touchpoint"],
                "status": row["status"],
            },
        )
    return nodes


def _label(kind: str, touchpoint: object, status: object, depth: int) -> str:
    if kind == "start":
        return "Start"
    if kind == "end":
        return END_LABELS.get(str(status), f"End: {status}" if status else "End")
    if kind == "more":
        return f"Continues after step {depth}"
    if kind == "other":
        return "Other paths"
    return str(touchpoint)


def _terminal_rank(row: dict[str, object]) -> int:
    """End: completed, abandoned, in flight, then Continues, then Other paths."""
    if row["kind"] == "end":
        status = str(row["status"])
        return list(END_LABELS).index(status) if status in END_LABELS else len(END_LABELS)
    if row["kind"] in TERMINAL_ORDER:
        return len(END_LABELS) + 1 + TERMINAL_ORDER.index(str(row["kind"]))
    return -1


def _flows(
    links: pl.DataFrame,
) -> tuple[list[tuple[str, str, dict[str, Any], int]], dict[str, int]]:
    """Each band keyed (source key, target key, row, journeys), and the journeys through each
    node (the larger of in and out; Start: out)."""
    inflow: dict[str, int] = {}
    outflow: dict[str, int] = {}
    keyed = []
    for row in links.iter_rows(named=True):
        source = _key("step", row["source_position"], row["source_touchpoint"], None)
        source = source if row["source_position"] > 0 else "start"
        target = _key(
            row["target"], row["target_position"], row["target_touchpoint"], row["status"]
        )
        n = int(row["journeys"])
        keyed.append((source, target, row, n))
        inflow[target] = inflow.get(target, 0) + n
        outflow[source] = outflow.get(source, 0) + n
    through = {k: max(inflow.get(k, 0), outflow.get(k, 0)) for k in inflow.keys() | outflow}
    return keyed, through


NODE_SCHEMA = {
    "node": pl.Int64, "key": pl.String, "kind": pl.String, "position": pl.Int64,
    "touchpoint": pl.String, "status": pl.String, "label": pl.String,
    "is_designed": pl.Boolean, "journeys": pl.Int64, "ending": pl.Int64,
}  # fmt: skip
LINK_SCHEMA = {
    "source": pl.Int64, "target": pl.Int64, "source_label": pl.String,
    "target_label": pl.String, "kind": pl.String, "journeys": pl.Int64, "share": pl.Float64,
}  # fmt: skip


def sankey_data(
    links: pl.DataFrame,
    *,
    designed_steps: frozenset[str],
    designed_edges: frozenset[tuple[str, str]],
    depth: int,
    coverage: float,
) -> SankeyData:
    """Name, colour and number the nodes of the bands of sankey_links.sql (for one view)."""
    rows = _node_rows(links)
    keyed, through = _flows(links)
    ending: dict[str, int] = {}
    for source, _, row, n in keyed:
        if row["target"] != "step":
            ending[source] = ending.get(source, 0) + n
    order = sorted(
        rows,
        key=lambda k: (
            0 if rows[k]["kind"] in ("start", "step") else 1,
            rows[k]["position"] or 0,
            _terminal_rank(rows[k]),
            -through.get(k, 0),
            k,
        ),
    )
    index = {k: i for i, k in enumerate(order)}
    nodes = pl.DataFrame(
        [
            {
                "node": index[k],
                "key": k,
                **rows[k],
                "label": _label(
                    str(rows[k]["kind"]), rows[k]["touchpoint"], rows[k]["status"], depth
                ),
                "is_designed": rows[k]["touchpoint"] in designed_steps,
                "journeys": through.get(k, 0),
                "ending": ending.get(k, 0),
            }
            for k in order
        ],
        schema=NODE_SCHEMA,
    )
    total = through.get("start", 0)
    labels = dict(zip(nodes["key"], nodes["label"], strict=True))
    bands = [
        (index[s], index[t], labels[s], labels[t], _link_kind(row, designed_edges), n,
         n / total if total else 0.0)
        for s, t, row, n in keyed
    ]  # fmt: skip
    frame = pl.DataFrame(bands, schema=LINK_SCHEMA, orient="row").sort("source", "target")
    return SankeyData(
        nodes=nodes,
        links=frame,
        depth=depth,
        coverage_target=coverage,
        total_journeys=total,
        other_journeys=int(frame.filter(pl.col("kind") == "other")["journeys"].sum()),
    )


def _link_kind(row: dict[str, object], designed_edges: frozenset[tuple[str, str]]) -> str:
    if row["target"] == "other":
        return "other"
    if row["target"] == "more":
        return "more"
    if row["target"] == "end":
        return "exit"
    if row["source_position"] == 0:
        return "entry"
    pair = (str(row["source_touchpoint"]), str(row["target_touchpoint"]))
    return "designed" if pair in designed_edges else "off_map"


def busiest_column(links: pl.DataFrame) -> int:
    """The most step nodes of one column (position) of the bands."""
    steps = links.filter(pl.col("target") == "step").select("target_position", "target_touchpoint")
    if steps.is_empty():
        return 0
    return int(steps.unique().group_by("target_position").len()["len"].max())  # type: ignore[arg-type]


def terminals(links: pl.DataFrame) -> int:
    """The nodes of the last column (End, Continues, Other)."""
    return links.filter(pl.col("target") != "step").select("target", "status").unique().height


MIN_DEPTH = 3
"""A Sankey of fewer steps says little: Start, a first step and a second."""
LOWEST_COVERAGE = 0.5
"""The least share the drawn paths may cover when the coverage asked for fits only a Sankey of
fewer than MIN_DEPTH steps."""


def choose_depth(
    query: Callable[[int, float], pl.DataFrame],
    *,
    max_depth: int,
    max_column: int,
    coverage: float,
) -> tuple[int, float, pl.DataFrame]:
    """The deepest depth up to ``max_depth`` whose bands (``query(depth, coverage)``) have at
    most ``max_column`` nodes in any column (depth 1 at least), the coverage drawn and those
    bands. When ``coverage`` fits only fewer than MIN_DEPTH steps, as in a log whose journeys
    take thousands of different paths (a purchase-to-pay log's Sankey drew Start, 'Create
    Purchase Requisition', 'Approve Requisition' and nothing more), the paths are drawn
    MIN_DEPTH steps deep or more covering less: the highest share, in steps of 0.1 down to
    LOWEST_COVERAGE, that fits at some such depth (the deepest); the page says what they
    cover."""
    if max_depth < 1:
        raise ReportError(f"depth={max_depth}: draw at least one step; pass depth >= 1")

    def fits(links: pl.DataFrame) -> bool:
        return max(busiest_column(links), terminals(links)) <= max_column

    for depth in range(max_depth, 0, -1):
        links = query(depth, coverage)
        if depth == 1 or fits(links):
            break
    if depth >= min(MIN_DEPTH, max_depth):
        return depth, coverage, links
    lower = [coverage - 0.1 * k for k in range(1, 10)]
    for share in (round(c, 2) for c in lower if c >= LOWEST_COVERAGE - 1e-9):
        for deeper in range(max_depth, MIN_DEPTH - 1, -1):
            found = query(deeper, share)
            if fits(found):
                return deeper, share, found
    return depth, coverage, links
