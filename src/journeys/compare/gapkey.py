"""A gap's identity across runs: its stable key and the id derived from it.

A gap is found under a key of five columns (``KEY``: gap_type, from_step, to_step, touchpoint,
detail) before it is measured. Measuring then fills in what varies from run to run: an
``unexpected_step`` gets the step most of its journeys did next (``to_step``) and where they went
(``detail``, with percentages), an ``sla_breach`` the map's limit (``detail``), a
``share_drift`` the observed share (``detail``). The **stable key** is the key as found, before
that: for ``unexpected_step`` (gap_type, from_step, touchpoint) with to_step and detail NULL; for
``sla_breach`` and ``share_drift`` detail NULL; for every other type the five columns as
published (``channel_switch`` keeps its ``web → phone``: a different switch is a different
gap). ``gap_key`` writes it as a JSON array; ``gap_id`` is a 60-bit number from its SHA-256, so
the same gap of the same map has the same id in every run, in ``marts.map_gaps``,
``map_journeys.gap_ids``, ``map_gap_history`` and ``map_drift``.
"""

from __future__ import annotations

import hashlib
import json

import polars as pl

KEY = ("gap_type", "from_step", "to_step", "touchpoint", "detail")
"""The columns a gap is found under (its stable key; see the module docstring)."""


def gap_key_text(values: tuple[object, ...]) -> str:
    """The stable key of a gap as text: its ``KEY`` values as a JSON array (NULL as null)."""
    return json.dumps(list(values), ensure_ascii=False)


def gap_id_of(key: str) -> int:
    """The stable id of a gap key (60 bits of its SHA-256: positive in a BIGINT)."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:15], 16)


def with_stable_keys(catalog: pl.DataFrame) -> pl.DataFrame:
    """``catalog`` (one row per gap, with the ``KEY`` columns as found) with ``gap_key`` and
    ``stable_id`` added."""
    keys = [gap_key_text(row) for row in catalog.select(KEY).iter_rows()]
    return catalog.with_columns(
        gap_key=pl.Series(keys, dtype=pl.String),
        stable_id=pl.Series([gap_id_of(k) for k in keys], dtype=pl.Int64),
    )


def keyed(frame: pl.DataFrame, **values: pl.Expr | str | None) -> pl.DataFrame:
    """``frame``'s KEY columns (as strings: the given values, NULL for the others) with the
    columns that place its rows (variant, journey, moves)."""
    cols = []
    for name in KEY:
        value = values.get(name)
        expr = value if isinstance(value, pl.Expr) else pl.lit(value, dtype=pl.String)
        cols.append(expr.cast(pl.String).alias(name))
    keep = [
        c
        for c in ("variant_id", "vx", "complete", "jx", "trailing", "position", "after", "prior")
        if c in frame.columns
    ]
    return frame.select(*keep, *cols)
