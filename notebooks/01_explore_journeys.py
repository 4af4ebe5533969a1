# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore the observed journeys
#
# The paths customers really take (`marts.variants`), the steps between touchpoints
# (`marts.transitions`) and the journey graph in networkx (`journeys.mining`).
# Every table and column is described in `docs/marts.md`.
#
# The warehouse is read-only here: set `JOURNEYS_WAREHOUSE` (or edit the parameters cell) to point
# at another published warehouse.

# %%
import os
from pathlib import Path

import duckdb
import networkx as nx
import polars as pl
from IPython.display import display

from journeys.mining import (
    find_bottlenecks,
    likely_paths,
    load_graph,
    paths_covering,
    top_paths,
)
from journeys.warehouse import Warehouse

# %% tags=["parameters"]
WAREHOUSE = os.environ.get("JOURNEYS_WAREHOUSE", "warehouse/journeys.duckdb")

# %%
path = Path(WAREHOUSE)
if not path.is_absolute() and not path.exists() and (Path("..") / path).exists():
    path = Path("..") / path  # Jupyter starts in notebooks/, the default is relative to the repo
con = duckdb.connect(str(path), read_only=True)
con.execute("SET TimeZone = 'UTC'")
wh = Warehouse(path, read_only=True)  # for the journeys.mining helpers
pl.Config.set_tbl_rows(15)
pl.Config.set_fmt_str_lengths(120)


def scalar(sql: str) -> object:
    """The one value of a one-row, one-column query (fetchall drains the result)."""
    return con.execute(sql).fetchall()[0][0]


# %% [markdown]
# ## The most common journeys
#
# A variant is a journey's exact touchpoint sequence. `share` is its part of all journeys;
# `cumulative_share` how much the variants up to its rank cover together.

# %%
variants = con.sql("SELECT * FROM marts.variants ORDER BY rank").pl()
top = top_paths(variants, k=10).with_columns(pl.col("path").list.join(" → "))
top.select("rank", "journeys", "share", "cumulative_share", "path")

# %%
covering = paths_covering(variants, share=0.8)
n_journeys = int(variants["journeys"].sum())
print(
    f"{variants.height} distinct paths over {n_journeys} journeys; "
    f"the top {covering.height} cover 80% of them"
)

# %%
assert abs(variants["share"].sum() - 1.0) < 1e-9, "variant shares must sum to 1"
assert variants["rank"].to_list() == list(range(1, variants.height + 1))
assert abs(variants["cumulative_share"][-1] - 1.0) < 1e-9
assert covering["cumulative_share"][-1] >= 0.8 - 1e-12, "the covering paths reach 80%"
assert covering.height == 1 or covering["cumulative_share"][-2] < 0.8, "and no fewer would"
journey_count = scalar("SELECT count(*) FROM marts.journeys")
assert n_journeys == journey_count, "every journey has exactly one variant"

# %% [markdown]
# ## Transitions: who goes where next, and how long it takes
#
# A transition is a pair of consecutive events of one journey. `transitions` counts the pairs,
# `journeys` the journeys containing the pair at least once.

# %%
transitions = con.sql("SELECT * FROM marts.transitions ORDER BY transitions DESC").pl()
transitions.head(10)

# %% [markdown]
# The slowest transitions (median time) among those seen at least 20 times; `waiting_hours`
# weighs slowness by volume.

# %%
slowest = find_bottlenecks(transitions, min_transitions=20, top=10)
slowest.select(
    "from_touchpoint",
    "to_touchpoint",
    "transitions",
    (pl.col("median_seconds") / 3600).round(1).alias("median_hours"),
    pl.col("waiting_hours").round(0),
)

# %%
non_final = "SELECT count(*) FROM marts.events WHERE next_touchpoint IS NOT NULL"
assert transitions["transitions"].sum() == scalar(non_final), (
    "one transition per step that is not a journey's last"
)
assert (transitions["journeys"] <= transitions["transitions"]).all()
assert slowest["median_seconds"].is_sorted(descending=True)

# %% [markdown]
# ## The journey graph
#
# Nodes are touchpoints (with their `marts.touchpoints` counts), edges are transitions (with
# their `marts.transitions` counts and times). Every event either starts a journey or is
# reached by a transition, and either ends a journey or leaves by one: the graph's flow is
# conserved at every node.

# %%
graph = load_graph(wh)
print(f"{graph.number_of_nodes()} touchpoints, {graph.number_of_edges()} transitions")
for node, data in graph.nodes(data=True):
    inflow = sum(d["transitions"] for _, _, d in graph.in_edges(node, data=True))
    outflow = sum(d["transitions"] for _, _, d in graph.out_edges(node, data=True))
    assert data["events"] == data["starts"] + inflow == outflow + data["ends"], node
assert graph.number_of_edges() == transitions.height

# %% [markdown]
# Which touchpoints sit between the others? Betweenness centrality: the share of shortest
# routes between two touchpoints that pass through it. And from which touchpoints can a
# journey still reach a delivered order at all?

# %%
between = nx.betweenness_centrality(graph)
hubs = pl.DataFrame(
    [
        {
            "touchpoint": node,
            "betweenness": between[node],
            "events": data["events"],
            "starts": data["starts"],
            "ends": data["ends"],
        }
        for node, data in graph.nodes(data=True)
    ]
).sort("betweenness", "events", descending=True)
display(hubs.head(10))
goal = "Order delivered"
if goal in graph:
    cannot_reach = sorted(set(graph) - nx.ancestors(graph, goal) - {goal})
    print(f"no observed route to '{goal}' from: {', '.join(cannot_reach) or 'nowhere'}")

# %%
assert all(0.0 <= b <= 1.0 for b in between.values())

# %% [markdown]
# The most likely ways from a first visit to a delivered order, by a first-order model of the
# graph (each step's probability is its share of everything leaving the previous touchpoint).

# %%
source, target = "Visit site", "Order delivered"
if source in graph and target in graph:
    likely = likely_paths(graph, source=source, target=target, k=5)
    likely = likely.with_columns(pl.col("path").list.join(" → "))
    assert likely["probability"].is_sorted(descending=True)
    assert ((likely["probability"] > 0) & (likely["probability"] <= 1)).all()
else:
    likely = pl.DataFrame()
    print(f"'{source}' or '{target}' is not a touchpoint of this warehouse")
display(likely)

# %%
wh.close()
con.close()
