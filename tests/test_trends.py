"""report/trends.py: a gap's share per period as data, and as a small line."""

from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl

from journeys.report.trends import trend_data, trend_svg

WEEKS = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(4)]


def test_trend_data_orders_each_gaps_periods_and_drops_single_points():
    rows = pl.DataFrame(
        {
            "gap_id": [7, 7, 7, 7, 9],
            "period": [WEEKS[2], WEEKS[0], WEEKS[3], WEEKS[1], WEEKS[0]],
            "share": [0.3, 0.1, 0.4, 0.2, 0.5],
            "journeys": [3, 1, 4, 2, 5],
            "open": [False, False, True, False, False],
        }
    )
    [row] = trend_data(rows).iter_rows(named=True)
    assert row["gap_id"] == 7 and row["periods"] == WEEKS
    assert row["shares"] == [0.1, 0.2, 0.3, 0.4] and row["open"] == [False, False, False, True]


def test_the_line_is_scaled_to_the_gaps_largest_share_and_open_periods_are_dashed():
    svg = trend_svg(WEEKS, [0.1, 0.2, 0.4, 0.0], open_periods=[False, False, True, True])
    solid, dashed = re.findall(r'<polyline( class="open")? points="([^"]+)"', svg)
    assert solid[0] == "" and dashed[0] == ' class="open"'
    heights = [float(p.split(",")[1]) for p in (solid[1] + " " + dashed[1]).split()]
    assert min(heights) == 2.0 and max(heights) == 20.0  # 0.4 at the top, 0 at the bottom
    assert len(solid[1].split()) == 2 and len(dashed[1].split()) == 3  # they share a point
    assert "10.0% (week of 2024-01-01) to 0.0% (week of 2024-01-22), 4 weeks" in svg
    assert "the last 2 still open" in svg
    assert trend_svg(WEEKS[:1], [0.5]) == ""
    assert 'class="open"' not in trend_svg(WEEKS[:2], [0.1, 0.2])
