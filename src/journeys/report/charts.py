"""Pure chart data: frames in, frames out. Figures (figures.py) and pages (pages.py) draw these.

The observed-journeys Sankey (:func:`sankey_data`) has one node per (step position, touchpoint),
labelled ``"1 · Visit site"``, so the graph is acyclic and every node reconciles exactly:
``inflow = outflow + dropoff`` where ``dropoff`` counts journeys that end right after the node
(they flow into an ``End: <status>`` node). A ``Start`` node feeds position 1. The ``top_k`` most
frequent paths are drawn in full; every other journey follows the drawn nodes while its path is a
prefix of a drawn path, then flows into one ``Other paths`` node. So the ``End`` nodes receive
exactly the top-k journeys and ``Other paths`` exactly the rest, and together the total.

Every function taking ``journeys`` accepts one row per journey, or one row per group of
identical journeys with a ``journeys`` column counting them (what the report reads from DuckDB:
one row per path, status, segment and start month, so its memory follows the distinct paths,
not the journeys). A Sankey of groups takes its link medians from ``link_seconds``.

Labels here are raw (redaction and escaping happen at render time, in text.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from journeys.compare.deviations import GAP_LABELS, GapType
from journeys.errors import ReportError

SEP = "\x1f"
WEIGHT = "journeys"
"""Column of a grouped journeys frame: how many identical journeys the row stands for."""
START, OTHER, END = "\x00start", "\x00other", "\x00end" + SEP
END_LABELS = {
    "completed": "End: completed",
    "abandoned": "End: abandoned",
    "in_flight": "End: in flight",
}
END_ORDER = ("completed", "abandoned", "in_flight", "")
LINK_KINDS = ("designed", "off_map", "entry", "exit", "other")
NODE_COLUMNS = (
    "node", "key", "label", "kind", "position", "touchpoint", "is_designed",
    "journeys", "inflow", "outflow", "dropoff", "share",
)  # fmt: skip
LINK_COLUMNS = (
    "source", "target", "source_label", "target_label", "from_touchpoint", "to_touchpoint",
    "kind", "journeys", "share", "median_seconds",
)  # fmt: skip


@dataclass(frozen=True)
class SankeyData:
    """Nodes and links of one observed-journeys Sankey, with the paths it draws.

    nodes: node (0-based index), key, label, kind (start/step/end/other), position, touchpoint,
    is_designed, journeys, inflow, outflow, dropoff, share.
    links: source, target, source_label, target_label, from_touchpoint, to_touchpoint, kind
    (designed/off_map/entry/exit/other), journeys, share, median_seconds.
    paths: rank, path, journeys, share (the top-k paths).
    """

    nodes: pl.DataFrame
    links: pl.DataFrame
    paths: pl.DataFrame
    unreached: tuple[str, ...]
    total_journeys: int
    other_journeys: int


def journey_weight(journeys: pl.DataFrame | pl.LazyFrame) -> pl.Expr:
    """How many journeys a row stands for: its ``journeys`` count, else 1."""
    columns = journeys.collect_schema().names()
    return pl.col(WEIGHT).cast(pl.Int64) if WEIGHT in columns else pl.lit(1, dtype=pl.Int64)


def _weight_sum(journeys: pl.DataFrame) -> pl.Expr:
    """Inside an aggregation: the journeys the group's rows stand for."""
    if WEIGHT in journeys.columns:
        return pl.col(WEIGHT).sum().cast(pl.Int64)
    return pl.len().cast(pl.Int64)


def count_journeys(journeys: pl.DataFrame) -> int:
    """Journeys in a per-journey or grouped frame."""
    if WEIGHT in journeys.columns:
        return int(journeys[WEIGHT].sum())
    return journeys.height


def require_columns(frame: pl.DataFrame, columns: Sequence[str], *, table: str) -> None:
    """Raise a ReportError naming the table and the missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(
            f"{table}: column '{missing[0]}' is missing (has {', '.join(frame.columns) or 'none'})"
            "; rebuild it with `journeys build` / `journeys compare`"
        )


def scoped_journeys(
    journeys: pl.DataFrame, *, ignored: Sequence[str] = (), steps: Sequence[str] | None = None
) -> pl.DataFrame:
    """The journeys a map is about, as compare scopes them: the ``ignored`` touchpoints (names,
    as ``JourneyMap.ignored`` resolves the map's globs) dropped from ``path``, then only
    journeys touching at least one of ``steps`` (when given)."""
    keys = ("path",) if WEIGHT in journeys.columns else ("journey_id", "path")
    require_columns(journeys, keys, table="marts.journeys")
    frame = journeys
    if ignored:
        frame = frame.with_columns(
            pl.col("path").list.eval(pl.element().filter(~pl.element().is_in(list(ignored))))
        )
    if "status" not in frame.columns:
        frame = frame.with_columns(status=pl.lit(None, dtype=pl.String))
    if steps is not None:
        touches = pl.col("path").list.eval(pl.element().is_in(list(steps))).list.any()
        return frame.filter(touches)
    return frame.filter(pl.col("path").list.len() > 0)


def _shown_lengths(variants: pl.DataFrame, top_k: int) -> pl.DataFrame:
    """Per variant: is_top and shown (how many of its steps the Sankey draws)."""
    paths = variants["path"].to_list()
    trie: dict[str, dict] = {}
    for path in paths[:top_k]:
        level = trie
        for step in path:
            level = level.setdefault(step, {})
    shown = []
    for i, path in enumerate(paths):
        if i < top_k:
            shown.append(len(path))
            continue
        level, depth = trie, 0
        for step in path:
            if step not in level:
                break
            level, depth = level[step], depth + 1
        shown.append(depth)
    return variants.with_columns(
        is_top=pl.Series([i < top_k for i in range(len(paths))], dtype=pl.Boolean),
        shown=pl.Series(shown, dtype=pl.Int64),
    )


def step_times(events: pl.DataFrame, *, ignored: Sequence[str] = ()) -> pl.DataFrame:
    """Per (journey_id, pos): seconds since the previous step, positions counted after dropping
    the ``ignored`` touchpoints (as ``sankey_data`` counts them). Compute once, pass to each view.
    """
    require_columns(
        events, ("journey_id", "step_index", "touchpoint", "occurred_at"), table="marts.events"
    )
    return (
        events.filter(~pl.col("touchpoint").is_in(list(ignored)))
        .sort(["journey_id", "step_index"])
        .with_columns(pos=pl.col("step_index").cum_count().over("journey_id").cast(pl.Int64))
        .with_columns(
            seconds=(
                pl.col("occurred_at") - pl.col("occurred_at").shift(1).over("journey_id")
            ).dt.total_milliseconds()
            / 1000.0
        )
        .select("journey_id", "pos", "seconds")
    )


def sankey_layout(
    journeys: pl.DataFrame,
    *,
    designed_steps: pl.DataFrame,
    top_k: int = 10,
    ignored: Sequence[str] = (),
) -> pl.DataFrame:
    """The distinct paths of the map's journeys, most frequent first: key (the path joined by
    ``SEP``), path, journeys, is_top (one of the ``top_k`` drawn in full) and shown (how many of
    its first steps the Sankey draws: the longest prefix it shares with a top path)."""
    if top_k < 1:
        raise ReportError(f"top_k={top_k}: draw at least one path; pass top_k >= 1")
    require_columns(designed_steps, ("step",), table="map steps")
    scope = designed_steps["step"].to_list()
    frame = scoped_journeys(journeys, ignored=ignored, steps=scope)
    variants = (
        frame.group_by(key=pl.col("path").list.join(SEP))
        .agg(journeys=_weight_sum(frame), path=pl.col("path").first())
        .sort(["journeys", "key"], descending=[True, False])
    )
    return _shown_lengths(variants, top_k).select("key", "path", "journeys", "is_top", "shown")


def sankey_data(
    journeys: pl.DataFrame,
    *,
    designed_steps: pl.DataFrame,
    designed_edges: pl.DataFrame,
    top_k: int = 10,
    ignored: Sequence[str] = (),
    step_seconds: pl.DataFrame | None = None,
    link_seconds: pl.DataFrame | None = None,
) -> SankeyData:
    """The observed Sankey of ``journeys`` with the map overlaid (see the module docstring).

    ``designed_steps`` needs ``step``; ``designed_edges`` needs ``from_step``, ``to_step``; a
    step-to-step link is ``designed`` exactly when its (from, to) touchpoints are a designed edge.
    ``step_seconds`` (from :func:`step_times`, same ``ignored``) adds median seconds per link;
    for grouped journeys ``link_seconds`` gives them ready-made: pos, from_touchpoint,
    to_touchpoint, median_seconds, over the journeys whose drawn steps include that link.
    """
    if top_k < 1:
        raise ReportError(f"top_k={top_k}: draw at least one path; pass top_k >= 1")
    require_columns(designed_steps, ("step",), table="map steps")
    require_columns(designed_edges, ("from_step", "to_step"), table="map edges")
    scope = designed_steps["step"].to_list()
    scoped = scoped_journeys(journeys, ignored=ignored, steps=scope)
    ids = ["journey_id"] if "journey_id" in scoped.columns else []
    frame = scoped.select(
        *ids, "path", pl.col("status").cast(pl.String).fill_null(""), _w=journey_weight(scoped)
    ).with_columns(key=pl.col("path").list.join(SEP))
    total = int(frame["_w"].sum())
    variants = sankey_layout(
        frame.select("path", "status", pl.col("_w").alias(WEIGHT)),
        designed_steps=designed_steps,
        top_k=top_k,
    )
    drawn = frame.join(variants.select("key", "is_top", "shown"), on="key").with_columns(
        pl.col("path").list.head(pl.col("shown"))
    )
    steps = _step_rows(drawn, step_seconds if ids else None)
    rows = pl.concat([steps, _terminal_rows(drawn).select(steps.columns)], how="vertical_relaxed")
    links = _links(rows, link_seconds)
    nodes = _nodes(links, designed_steps, total)
    reached = set(frame["path"].explode().unique().to_list()) if total else set()
    return SankeyData(
        nodes=nodes,
        links=_classify_links(links, designed_edges, nodes, total),
        paths=_top_paths(variants, total),
        unreached=tuple(s for s in scope if s not in reached),
        total_journeys=total,
        other_journeys=int(variants.filter(~pl.col("is_top"))["journeys"].sum()),
    )


def _node_key(pos: pl.Expr, touchpoint: pl.Expr) -> pl.Expr:
    return pos.cast(pl.String) + SEP + touchpoint


def _top_paths(variants: pl.DataFrame, total: int) -> pl.DataFrame:
    """rank, path, journeys, share of the paths drawn in full."""
    return (
        variants.filter("is_top")
        .with_row_index("rank", offset=1)
        .select(
            pl.col("rank").cast(pl.Int64),
            "path",
            "journeys",
            share=pl.col("journeys") / max(total, 1),
        )
    )


def _step_rows(drawn: pl.DataFrame, step_seconds: pl.DataFrame | None) -> pl.DataFrame:
    """One row per drawn step of each journey (or group): from_key -> to_key at position pos,
    with the seconds since the previous step when ``step_seconds`` gives them."""
    steps = (
        drawn.with_columns(
            pos=pl.int_ranges(1, pl.col("shown") + 1),
            from_touchpoint=pl.col("path").list.shift(1),
        )
        .explode(["path", "pos", "from_touchpoint"])
        .drop_nulls("pos")
        .rename({"path": "to_touchpoint"})
        .with_columns(
            to_key=_node_key(pl.col("pos"), pl.col("to_touchpoint")),
            from_key=pl.when(pl.col("pos") == 1)
            .then(pl.lit(START))
            .otherwise(_node_key(pl.col("pos") - 1, pl.col("from_touchpoint"))),
        )
    )
    if step_seconds is None:
        steps = steps.with_columns(seconds=pl.lit(None, dtype=pl.Float64))
    else:
        steps = steps.join(step_seconds, on=["journey_id", "pos"], how="left").with_columns(
            seconds=pl.when(pl.col("pos") > 1).then(pl.col("seconds")).otherwise(None)
        )
    return steps.select(
        "_w", "from_key", "from_touchpoint", "to_key", "to_touchpoint", "seconds", "pos"
    )


def _terminal_rows(drawn: pl.DataFrame) -> pl.DataFrame:
    """Where each journey leaves the drawing: its ``End: <status>`` node when its path is drawn
    in full, else ``Other paths``."""
    last = pl.col("path").list.last()
    return drawn.select(
        "_w",
        from_key=pl.when(pl.col("shown") > 0)
        .then(_node_key(pl.col("shown"), last))
        .otherwise(pl.lit(START)),
        from_touchpoint=last,
        to_key=pl.when("is_top").then(pl.lit(END) + pl.col("status")).otherwise(pl.lit(OTHER)),
        to_touchpoint=pl.lit(None, dtype=pl.String),
        seconds=pl.lit(None, dtype=pl.Float64),
        pos=pl.lit(None, dtype=pl.Int64),
    )


def _links(rows: pl.DataFrame, link_seconds: pl.DataFrame | None) -> pl.DataFrame:
    """from_key, to_key, from_touchpoint, to_touchpoint, journeys, median_seconds per link;
    the medians from ``link_seconds`` (grouped journeys) when given."""
    links = rows.group_by(["from_key", "to_key"]).agg(
        from_touchpoint=pl.col("from_touchpoint").first(),
        to_touchpoint=pl.col("to_touchpoint").first(),
        journeys=pl.col("_w").sum().cast(pl.Int64),
        median_seconds=pl.col("seconds").median(),
        pos=pl.col("pos").first(),
    )
    if link_seconds is not None:
        require_columns(
            link_seconds,
            ("pos", "from_touchpoint", "to_touchpoint", "median_seconds"),
            table="link seconds",
        )
        medians = link_seconds.select(
            pl.col("pos").cast(pl.Int64),
            pl.col("from_touchpoint").cast(pl.String),
            pl.col("to_touchpoint").cast(pl.String),
            pl.col("median_seconds").cast(pl.Float64).alias("_median"),
        )
        links = (
            links.join(medians, on=["pos", "from_touchpoint", "to_touchpoint"], how="left")
            .with_columns(
                median_seconds=pl.when(pl.col("pos") > 1).then(pl.col("_median")).otherwise(None)
            )
            .drop("_median")
        )
    return links.drop("pos")


def _node_row(key: str) -> tuple[str, str, int | None, str | None, int, int]:
    """(label, kind, position, touchpoint, group, rank) of a node key; groups order the nodes."""
    if key == START:
        return "Start", "start", 0, None, 0, 0
    if key == OTHER:
        return "Other paths", "other", None, None, 3, 0
    if key.startswith(END):
        status = key[len(END) :]
        label = END_LABELS.get(status, f"End: {status}" if status else "End")
        rank = END_ORDER.index(status) if status in END_ORDER else len(END_ORDER)
        return label, "end", None, None, 2, rank
    pos, touchpoint = key.split(SEP, 1)
    return f"{pos} · {touchpoint}", "step", int(pos), touchpoint, 1, int(pos)


def _node_frame(keys: list[str]) -> pl.DataFrame:
    rows = [_node_row(key) for key in keys]
    schema = {
        "label": pl.String, "kind": pl.String, "position": pl.Int64,
        "touchpoint": pl.String, "_group": pl.Int64, "_rank": pl.Int64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(
        key=pl.Series(keys, dtype=pl.String)
    )


def _nodes(links: pl.DataFrame, designed_steps: pl.DataFrame, total: int) -> pl.DataFrame:
    keys = sorted(set(links["from_key"].to_list()) | set(links["to_key"].to_list()))
    is_end = pl.col("to_key").str.starts_with(END)
    inflow = links.group_by(key="to_key").agg(inflow=pl.col("journeys").sum())
    outflow = links.group_by(key="from_key").agg(
        outflow=pl.col("journeys").filter(~is_end).sum(),
        dropoff=pl.col("journeys").filter(is_end).sum(),
    )
    designed = set(designed_steps["step"].to_list())
    nodes = (
        _node_frame(keys)
        .join(inflow, on="key", how="left")
        .join(outflow, on="key", how="left")
        .with_columns(pl.col("inflow", "outflow", "dropoff").fill_null(0).cast(pl.Int64))
        .with_columns(
            journeys=pl.max_horizontal("inflow", pl.col("outflow") + pl.col("dropoff")),
            is_designed=pl.col("touchpoint").is_in(list(designed)).fill_null(False),
        )
        .sort(["_group", "_rank", "journeys", "label"], descending=[False, False, True, False])
        .with_row_index("node")
        .with_columns(pl.col("node").cast(pl.Int64), share=pl.col("journeys") / max(total, 1))
    )
    return nodes.select(NODE_COLUMNS)


def _classify_links(
    links: pl.DataFrame, designed_edges: pl.DataFrame, nodes: pl.DataFrame, total: int
) -> pl.DataFrame:
    edges = designed_edges.select(
        from_touchpoint=pl.col("from_step").cast(pl.String),
        to_touchpoint=pl.col("to_step").cast(pl.String),
        _designed=pl.lit(True),
    ).unique()
    index = nodes.select("key", "node", "label")
    kind = (
        pl.when(pl.col("from_key") == START)
        .then(pl.lit("entry"))
        .when(pl.col("to_key") == OTHER)
        .then(pl.lit("other"))
        .when(pl.col("to_key").str.starts_with(END))
        .then(pl.lit("exit"))
        .when(pl.col("_designed"))
        .then(pl.lit("designed"))
        .otherwise(pl.lit("off_map"))
    )
    return (
        links.join(edges, on=["from_touchpoint", "to_touchpoint"], how="left", nulls_equal=False)
        .with_columns(pl.col("_designed").fill_null(False))
        .with_columns(kind=kind, share=pl.col("journeys") / max(total, 1))
        .join(
            index.rename({"key": "from_key", "node": "source", "label": "source_label"}),
            on="from_key",
        )
        .join(
            index.rename({"key": "to_key", "node": "target", "label": "target_label"}), on="to_key"
        )
        .sort(["source", "target"])
        .select(LINK_COLUMNS)
    )


# -- funnel and gaps --------------------------------------------------------------
FUNNEL_COLUMNS = (
    "step",
    "journeys_reached",
    "conversion_from_previous",
    "median_seconds_from_previous",
    "sla_breaches",
)
GAP_COLUMNS = (
    "ranking",
    "rank",
    "same_behaviour_as",
    "gap_type",
    "from_step",
    "to_step",
    "touchpoint",
    "description",
    "journeys",
    "customers",
    "share",
    "value_at_risk",
    "outcome_rate_with",
    "outcome_rate_without",
    "ci_low",
    "ci_high",
    "effect",
    "impact",
    "impact_unit",
    "example_journey_ids",
)
"""The columns of marts.map_gaps the gap table reads."""
MEASURES = ("journeys", "customers", "share", "value_at_risk", "outcome_rate_with",
            "outcome_rate_without", "ci_low", "ci_high")  # fmt: skip


def funnel_data(
    map_steps: pl.DataFrame, *, designed_steps: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The designed funnel in map order: step, stage, journeys_reached, share_of_entry, ...

    With ``designed_steps`` every designed step appears (0 reached when compare found none).
    """
    require_columns(map_steps, FUNNEL_COLUMNS, table="marts.map_steps")
    funnel = map_steps.select(FUNNEL_COLUMNS)
    if designed_steps is not None:
        order = designed_steps.with_row_index("_order").select(
            "_order", "step", *[c for c in ("stage", "optional") if c in designed_steps.columns]
        )
        funnel = order.join(funnel, on="step", how="left").sort("_order").drop("_order")
        funnel = funnel.with_columns(pl.col("journeys_reached").fill_null(0))
    first = funnel["journeys_reached"].head(1).to_list()
    entry = first[0] if first and first[0] else None
    return funnel.with_columns(
        pl.col("journeys_reached").cast(pl.Int64),
        share_of_entry=(pl.col("journeys_reached") / entry) if entry else pl.lit(None, pl.Float64),
    )


def gap_table_data(map_gaps: pl.DataFrame, *, top_n: int | None = None) -> pl.DataFrame:
    """Gaps in rank order, the deviations then the drop-offs (marts.map_gaps ``ranking``; the
    unranked ones, rank NULL, last in each, those re-describing a ranked gap first, by
    ``same_behaviour_as``), with a readable ``gap`` label, ``also`` (what the gaps that
    re-describe a ranked one say, on that one's row), a ``what`` text (compare's
    ``description``, else where the gap is), ``impact`` = outcome rate with minus without
    (``ci_low``..``ci_high`` is its 95% interval), ``effect`` (harms, helps, no clear effect),
    ``net_impact`` / ``impact_unit`` (marts.map_gaps ``impact``: the outcomes, or their value,
    the gap costs, negative, or brings, positive) and up to three ``examples``."""
    require_columns(map_gaps, GAP_COLUMNS, table="marts.map_gaps")
    frame = (
        map_gaps.rename({"impact": "net_impact"})
        .sort(
            ["ranking", "rank", "same_behaviour_as", "journeys"],
            descending=[False, False, False, True],
            nulls_last=True,
        )
        .with_columns(
            ranked=pl.col("rank").is_not_null(),
            gap=pl.col("gap_type").replace_strict(GAP_LABELS, default=pl.col("gap_type")),
            where=_gap_where(),
        )
        .with_columns(
            what=pl.coalesce("description", "where"),
            impact=pl.col("outcome_rate_with") - pl.col("outcome_rate_without"),
            examples=pl.col("example_journey_ids").list.head(3),
        )
    )
    also = (
        frame.filter(pl.col("same_behaviour_as").is_not_null())
        .group_by("ranking", "same_behaviour_as", maintain_order=True)
        .agg(pl.col("what").alias("also"))
        .rename({"same_behaviour_as": "rank"})
    )
    frame = (
        frame.join(also, on=["ranking", "rank"], how="left", maintain_order="left")
        .select("rank", "ranked", "ranking", "same_behaviour_as", "gap_type", "gap", "where",
                "what", "also", *MEASURES, "impact", "effect", "net_impact", "impact_unit",
                "examples")
    )  # fmt: skip
    return frame.head(top_n) if top_n is not None else frame


def _gap_where() -> pl.Expr:
    """Where a gap is: the unexpected touchpoint, the transition, or the step it names."""
    unexpected = pl.col("gap_type") == GapType.UNEXPECTED_STEP
    return (
        pl.when(unexpected & pl.col("touchpoint").is_not_null())
        .then(pl.col("touchpoint"))
        .when(pl.col("from_step").is_not_null() & pl.col("to_step").is_not_null())
        .then(pl.col("from_step") + " → " + pl.col("to_step"))
        .otherwise(pl.coalesce("from_step", "to_step").fill_null(""))
    )
