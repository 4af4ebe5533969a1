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
# # Two segments, two months: what differs?
#
# `journeys.mining` compares two groups of journeys item by item: for every touchpoint,
# transition, variant and status, the share of each group's journeys that contain it. A
# difference is flagged when it is large (5 points by default), supported by enough journeys
# (20) and unlikely to be chance (two-proportion z-test, Benjamini-Hochberg adjusted, q < 0.05).
#
# Parameters: `JOURNEYS_WAREHOUSE`, `SEGMENTS` (default: the two largest segments) and `MONTHS`
# (default: the first month of the data and the last month before the newest one, which is
# still full of journeys in flight).

# %%
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
from IPython.display import display

from journeys.mining import compare_periods, compare_segments, group_profiles, load_selection
from journeys.warehouse import Warehouse

# %% tags=["parameters"]
WAREHOUSE = os.environ.get("JOURNEYS_WAREHOUSE", "warehouse/journeys.duckdb")
SEGMENTS = None  # e.g. ("consumer", "business")
MONTHS = None  # e.g. ("2026-01", "2026-03")

# %%
path = Path(WAREHOUSE)
if not path.is_absolute() and not path.exists() and (Path("..") / path).exists():
    path = Path("..") / path  # Jupyter starts in notebooks/, the default is relative to the repo
con = duckdb.connect(str(path), read_only=True)
con.execute("SET TimeZone = 'UTC'")
wh = Warehouse(path, read_only=True)  # for the journeys.mining helpers
pl.Config.set_tbl_rows(20)
pl.Config.set_fmt_str_lengths(100)


def query(sql: str, **params: object) -> pl.DataFrame:
    """Run SQL with $named parameters and return a polars frame."""
    return con.sql(sql, params=params or None).pl()


def month_range(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a 'YYYY-MM' month, in UTC."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    return start, (start + timedelta(days=32)).replace(day=1)


# %% [markdown]
# ## Every journey, with its events
#
# `load_selection` reads journeys and their events from the marts (it can filter by segment,
# status, channel and start date while reading). `group_profiles` gives the headline measures
# per group.

# %%
selection = load_selection(wh)
profiles = group_profiles(selection.journeys, by="segment")
display(profiles)

# %%
total = query("SELECT count(*) AS n FROM marts.journeys")["n"].item()
assert selection.n_journeys == total == profiles["journeys"].sum()
status_sum = profiles["completed_share"] + profiles["in_flight_share"] + profiles["abandoned_share"]
assert ((status_sum - 1.0).abs() < 1e-9).all(), "every journey has one of the three statuses"

# %% [markdown]
# ## Two segments

# %%
if SEGMENTS is None:
    largest = profiles.drop_nulls("segment").sort("journeys", descending=True)
    SEGMENTS = tuple(largest["segment"].head(2))
segment_a, segment_b = SEGMENTS
by_segment = compare_segments(selection, segment_a, segment_b)
print(f"a = {segment_a}, b = {segment_b}: {by_segment['flagged'].sum()} flagged differences")
by_segment.filter("flagged").select(
    "kind",
    "item",
    "journeys_a",
    pl.col("share_a").round(3),
    "journeys_b",
    pl.col("share_b").round(3),
    pl.col("difference").round(3),
    pl.col("q_value").round(4),
)


# %%
def check_comparison(comparison: pl.DataFrame, n_a: int, n_b: int) -> None:
    """Facts every comparison must satisfy, whatever the data."""
    statuses = comparison.filter(pl.col("kind") == "status")
    variants = comparison.filter(pl.col("kind") == "variant")
    for side, n in (("a", n_a), ("b", n_b)):
        assert statuses[f"journeys_{side}"].sum() == n, "one status per journey"
        assert variants[f"journeys_{side}"].sum() == n, "one variant per journey"
        assert abs(variants[f"share_{side}"].sum() - 1.0) < 1e-9, "variant shares sum to 1"
        shares = comparison[f"share_{side}"]
        assert ((shares >= 0) & (shares <= 1)).all()
    flagged = comparison.filter("flagged")
    assert (flagged["q_value"] < 0.05).all() and (flagged["difference"].abs() >= 0.05).all()
    assert (
        (comparison["share_b"] - comparison["share_a"] - comparison["difference"]).abs() < 1e-12
    ).all()


def count_journeys(where: str, **params: object) -> int:
    return query(f"SELECT count(*) AS n FROM marts.journeys WHERE {where}", **params)["n"].item()


check_comparison(
    by_segment,
    count_journeys("segment = $s", s=segment_a),
    count_journeys("segment = $s", s=segment_b),
)

# %% [markdown]
# ## Two months
#
# Journeys are assigned to the month they started in. The newest month of the data is still
# full of journeys in flight, so by default it is left out.

# %%
months = selection.journeys["started_at"].dt.strftime("%Y-%m").unique().sort().to_list()
if MONTHS is None:
    MONTHS = (months[0], months[-2] if len(months) > 2 else months[-1])
month_a, month_b = MONTHS
by_period = compare_periods(selection, month_range(month_a), month_range(month_b))
print(f"a = {month_a}, b = {month_b}: {by_period['flagged'].sum()} flagged differences")
# flagged differences first, then the largest ones: nothing flagged means the months look alike
display(
    by_period.head(10).select(
        "kind",
        "item",
        pl.col("share_a").round(3),
        pl.col("share_b").round(3),
        pl.col("difference").round(3),
        pl.col("q_value").round(4),
        "flagged",
    )
)
month_profiles = group_profiles(
    selection.journeys.with_columns(month=pl.col("started_at").dt.strftime("%Y-%m")), by="month"
)
display(month_profiles)

# %%
between = "started_at >= $since AND started_at < $until"
check_comparison(
    by_period,
    count_journeys(between, **dict(zip(("since", "until"), month_range(month_a), strict=True))),
    count_journeys(between, **dict(zip(("since", "until"), month_range(month_b), strict=True))),
)
assert month_profiles["journeys"].sum() == total

# %%
wh.close()
con.close()
