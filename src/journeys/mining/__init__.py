"""mining stage of the pipeline: touchpoints, transitions and variants marts (SQL), and the
analyst's helpers over polars frames: selections and label tidying (filters), the networkx
journey graph (graph), loops, sub-paths and drop-offs (patterns), group comparison (segments).
"""

from __future__ import annotations

from journeys.mining.filters import (
    LabelRule,
    Selection,
    filter_selection,
    group_rare_touchpoints,
    load_selection,
    relabel,
)
from journeys.mining.graph import (
    build_graph,
    find_bottlenecks,
    graph_edges,
    likely_paths,
    load_graph,
    paths_covering,
    top_paths,
)
from journeys.mining.marts import MiningResult, build_mining
from journeys.mining.patterns import common_subpaths, find_dropoffs, find_loops
from journeys.mining.segments import (
    compare_periods,
    compare_segments,
    compare_selections,
    group_profiles,
)
from journeys.mining.stats import (
    journeys_from_events,
    touchpoint_stats,
    transition_stats,
    variant_stats,
)

__all__ = [
    "LabelRule",
    "MiningResult",
    "Selection",
    "build_graph",
    "build_mining",
    "common_subpaths",
    "compare_periods",
    "compare_segments",
    "compare_selections",
    "filter_selection",
    "find_bottlenecks",
    "find_dropoffs",
    "find_loops",
    "graph_edges",
    "group_profiles",
    "group_rare_touchpoints",
    "journeys_from_events",
    "likely_paths",
    "load_graph",
    "load_selection",
    "paths_covering",
    "relabel",
    "top_paths",
    "touchpoint_stats",
    "transition_stats",
    "variant_stats",
]
