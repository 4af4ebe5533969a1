"""A map's gap members a slice of journeys at a time.

The members of a map's gaps (one row per gap and journey: 2M rows at 10M events, 20M at 100M)
are small themselves, but grouping them by journey, customer or segment builds hash tables
many times their size (+2 GiB for 20M members). The counts those groupings give add up across
slices of the journeys, so they are taken a slice at a time and added: the memory follows
``MEMBER_JOURNEYS``, not the map's journeys, and the counts are the same integers.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

MEMBER_JOURNEYS = 1_000_000
"""Journeys per slice (jx ranges); a map with fewer is worked through in one."""


def journey_slices(members: pl.DataFrame, *, column: str = "jx") -> Iterator[pl.DataFrame]:
    """``members`` in slices of MEMBER_JOURNEYS values of ``column`` (jx: journeys; cx:
    customers), each value's rows all in one slice; the frame itself when one slice holds it."""
    top = members[column].max() if members.height else None
    size = MEMBER_JOURNEYS
    if top is None or int(top) < size:  # type: ignore[arg-type]
        yield members
        return
    for low in range(0, int(top) + 1, size):  # type: ignore[arg-type]
        yield members.filter(pl.col(column).is_between(low, low + size - 1))
