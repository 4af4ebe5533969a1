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
# # A map's gaps, down to the journeys behind them
#
# `journeys compare` aligns every journey with each assumptive map (`maps/*.yaml`) and writes
# three marts: `map_conformance` (one row per map and journey), `map_steps` (the map as a
# funnel) and `map_gaps` (where reality differs from the map, ranked by impact). This
# notebook reads one map's results and drills from a gap to the events of example journeys.
#
# Set `JOURNEYS_WAREHOUSE` to read another published warehouse, and `MAP_NAME` to pick a map
# (default: the first map by name).

# %%
import os
from pathlib import Path

import duckdb
import polars as pl
from IPython.display import display

# %% tags=["parameters"]
WAREHOUSE = os.environ.get("JOURNEYS_WAREHOUSE", "warehouse/journeys.duckdb")
MAP_NAME = None

# %%
path = Path(WAREHOUSE)
if not path.is_absolute() and not path.exists() and (Path("..") / path).exists():
    path = Path("..") / path  # Jupyter starts in notebooks/, the default is relative to the repo
con = duckdb.connect(str(path), read_only=True)
con.execute("SET TimeZone = 'UTC'")
pl.Config.set_tbl_rows(25)
pl.Config.set_fmt_str_lengths(120)


def query(sql: str, **params: object) -> pl.DataFrame:
    """Run SQL with $named parameters and return a polars frame."""
    return con.sql(sql, params=params or None).pl()


# %% [markdown]
# ## The maps, side by side
#
# A journey is in a map's scope when it touches at least one of the map's steps. It conforms
# when it follows the map exactly (alignment cost 0); fitness is 1 for a perfect fit.

# %%
maps = query("""
    SELECT map_name,
           count(*) AS journeys,
           avg(is_conforming::INTEGER) AS conforming_share,
           avg(fitness) AS mean_fitness,
           count(*) FILTER (WHERE status = 'in_flight') AS in_flight
    FROM marts.map_conformance
    GROUP BY map_name
    ORDER BY map_name
""")
MAP_NAME = MAP_NAME or maps["map_name"][0]
print(f"map: {MAP_NAME}")
display(maps)

# %%
in_scope = maps.filter(pl.col("map_name") == MAP_NAME)["journeys"].item()
assert ((maps["conforming_share"] >= 0) & (maps["conforming_share"] <= 1)).all()
assert ((maps["mean_fitness"] >= 0) & (maps["mean_fitness"] <= 1)).all()

# %% [markdown]
# ## The map as a funnel
#
# `journeys_reached`: journeys in scope with the step; `conversion_from_previous`: of those that
# reached one of the step's designed predecessors, the share that reached it afterwards;
# `sla_breaches`: journeys that reached it later than its `within:`.

# %%
steps = query(
    """
    SELECT position, stage, step, journeys_reached,
           round(conversion_from_previous, 3) AS conversion_from_previous,
           round(median_seconds_from_previous / 3600, 2) AS median_hours_from_previous,
           sla_breaches
    FROM marts.map_steps
    WHERE map_name = $map
    ORDER BY position
    """,
    map=MAP_NAME,
)
display(steps)

# %%
assert steps["position"].to_list() == list(range(1, steps.height + 1))
assert (steps["journeys_reached"] <= in_scope).all()
conversion = steps["conversion_from_previous"].drop_nulls()
assert ((conversion >= 0) & (conversion <= 1)).all()
assert (steps["sla_breaches"] <= steps["journeys_reached"]).all()

# %% [markdown]
# ## The gaps, ranked
#
# Each gap compares finished journeys with it against finished journeys without it that reached
# the same step of the map (`baseline_steps`). `effect` says whether the 95% interval of the
# difference is below 0 (`harms`), above 0 (`helps`) or crosses it; `impact` is the goal outcomes
# the gap costs (negative) or brings (positive), in value when the map's journeys carry value.
# Clear effects are ranked first, by the size of their impact, then the uncertain ones. There are
# two rankings (`ranking`): the `deviations` from the designed path, and the `dropoffs` (ways of
# ending without the goal, whose goal rate is 0 by definition). A gap that re-describes a ranked
# one (the same journeys) has no rank and points to it (`same_behaviour_as`); so do gaps seen in
# fewer than `min_support` journeys, and designed transitions nobody took.

# %%
gaps = query(
    """
    SELECT ranking, rank, same_behaviour_as, gap_type, description, journeys, customers, share,
           outcome_rate_with, outcome_rate_without, ci_low, ci_high, effect, impact,
           missed_outcomes, value_at_risk, from_step, to_step, example_journey_ids
    FROM marts.map_gaps
    WHERE map_name = $map
    ORDER BY ranking, rank NULLS LAST, journeys DESC, description
    """,
    map=MAP_NAME,
)
ranked = gaps.filter(pl.col("rank").is_not_null() & (pl.col("ranking") == "deviations"))
display(
    ranked.head(10).select(
        "rank",
        "gap_type",
        "description",
        "journeys",
        pl.col("share").round(3),
        pl.col("outcome_rate_with").round(3),
        pl.col("outcome_rate_without").round(3),
        "effect",
        pl.col("impact").round(2),
    )
)
gaps.group_by("gap_type").agg(
    gaps=pl.len(),
    ranked=pl.col("rank").is_not_null().sum(),
    journeys=pl.col("journeys").sum(),
    value_at_risk=pl.col("value_at_risk").sum().round(2),
).sort("value_at_risk", descending=True)

# %%
assert ranked["rank"].to_list() == list(range(1, ranked.height + 1))
same = gaps.drop_nulls("same_behaviour_as")
assert same["rank"].is_null().all(), "a gap re-describing a ranked one has no rank of its own"
assert ((gaps["share"] - gaps["journeys"] / in_scope).abs() < 1e-9).all(), "share of the scope"
assert (gaps["customers"] <= gaps["journeys"]).all()
examples = gaps["example_journey_ids"].list.len()
assert (examples == gaps["journeys"].clip(upper_bound=5)).all(), "up to 5 examples per gap"
with_ci = ranked.drop_nulls("ci_low")
difference = with_ci["outcome_rate_with"] - with_ci["outcome_rate_without"]
assert ((with_ci["ci_low"] <= difference + 1e-9) & (difference <= with_ci["ci_high"] + 1e-9)).all()

# %% [markdown]
# ## Drill down: from the top gap to its journeys
#
# `example_journey_ids` lists up to five journeys with the gap; `marts.events` holds their
# steps (`step_index` follows the ordering rule: occurred_at, then arrival order) and
# `marts.map_conformance` what the alignment made of them.

# %%
top = ranked.row(0, named=True) if ranked.height else gaps.row(0, named=True)
journey_id = top["example_journey_ids"][0]
print(f"gap #{top['rank']}: {top['description']} ({top['journeys']} journeys)")
print(f"example journey: {journey_id}")
events = query(
    """
    SELECT step_index, occurred_at, touchpoint, channel, team, system, value
    FROM marts.events
    WHERE journey_id = $journey
    ORDER BY step_index
    """,
    journey=journey_id,
)
display(events)

# %%
alignment = query(
    """
    SELECT c.status, c.cost, round(c.fitness, 3) AS fitness, c.deviations, j.path
    FROM marts.map_conformance AS c
    JOIN marts.journeys AS j USING (journey_id)
    WHERE c.map_name = $map AND c.journey_id = $journey
    """,
    map=MAP_NAME,
    journey=journey_id,
)
display(alignment.row(0, named=True))

# %%
assert events["step_index"].to_list() == list(range(1, events.height + 1))
assert events["occurred_at"].is_sorted()
assert alignment.height == 1, "an example journey is in the map's scope"
assert alignment["path"][0].to_list() == events["touchpoint"].to_list()
if top["gap_type"] == "skipped_step":
    assert f"skipped '{top['to_step']}'" in alignment["deviations"][0].to_list()
if top["gap_type"] == "dropoff":
    assert alignment["status"][0] == "abandoned"

# %% [markdown]
# Every example of the top three gaps at once, as paths: one SQL query from the gaps to the
# events.

# %%
example_paths = query(
    """
    WITH examples AS (
        SELECT rank, description, unnest(example_journey_ids) AS journey_id
        FROM marts.map_gaps
        WHERE map_name = $map AND ranking = 'deviations' AND rank <= 3
    )
    SELECT x.rank, x.description, x.journey_id,
           array_to_string(list(e.touchpoint ORDER BY e.step_index), ' → ') AS path
    FROM examples AS x
    JOIN marts.events AS e USING (journey_id)
    GROUP BY ALL
    ORDER BY x.rank, x.journey_id
    """,
    map=MAP_NAME,
)
display(example_paths)

# %%
expected = int(ranked.head(3)["example_journey_ids"].list.len().sum())
assert example_paths.height == expected, "every example journey has its events"

# %%
con.close()
