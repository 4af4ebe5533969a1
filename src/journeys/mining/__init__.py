"""mining stage of the pipeline: touchpoints, transitions and variants marts (SQL), and the
analyst's helpers over polars frames: selections and label tidying (filters), the networkx
journey graph (graph), loops, sub-paths and drop-offs (patterns), group comparison (segments).

Names are imported when first used (PEP 562): ``journeys build`` needs only ``build_mining``,
and importing networkx for the graph helpers would add about 0.1 s to every build command.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES = {
    "filters": (
        "LabelRule",
        "Selection",
        "filter_selection",
        "group_rare_touchpoints",
        "load_selection",
        "relabel",
    ),
    "graph": (
        "build_graph",
        "find_bottlenecks",
        "graph_edges",
        "likely_paths",
        "load_graph",
        "paths_covering",
        "top_paths",
    ),
    "marts": ("MiningResult", "build_mining"),
    "patterns": ("common_subpaths", "find_dropoffs", "find_loops"),
    "segments": ("compare_periods", "compare_segments", "compare_selections", "group_profiles"),
    "stats": ("journeys_from_events", "touchpoint_stats", "transition_stats", "variant_stats"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'journeys.mining' has no attribute {name!r}")
    value = getattr(import_module(f"journeys.mining.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
