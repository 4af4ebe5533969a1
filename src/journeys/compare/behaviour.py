"""One behaviour, one ranked gap: which ranked gap another eligible gap merely re-describes.

In rank order, a gap joins the first higher-ranked gap of its ranking, without the opposite
effect, when the two share ``SAME_SHARE`` of their journeys (Jaccard: one detour seen as a step,
a transition and a channel switch), or when ``SAME_SHARE`` of its journeys have that gap and both
are about the same step or touchpoint (a loop back to 'Visit site' and the transitions into it).
A gap nested in another about something else stays its own (the call after a failed payment is
not the failed payment). See docs/maps.md, *One behaviour, one ranked gap*.

Cost: the journeys sharing each pair of eligible gaps (``overlaps``) are counted per distinct
*set* of gaps journeys have, never per journey, into one gaps x gaps matrix. A set of k gaps
adds k² pairs; a big map skipped wholesale gives sets of hundreds of gaps, where one dense matrix
product over a chunk of sets is far cheaper than listing the pairs, so each chunk takes the
cheaper of the two. Memory: the matrix, and one bounded chunk (never the pairs of every set).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.impact import HARMS, HELPS

SAME_SHARE = 0.9
"""Two gaps are one behaviour when they share this much of their journeys."""
BITS = 62
"""Gaps per 64-bit word of a set's bit mask (a sum of distinct bits stays below 2**62)."""
CHUNK_CELLS = 1 << 22
"""Sets x gaps unpacked at a time (32 MB as float64)."""
SPARSE_PAIRS = 1 << 21
"""Pairs listed at a time at most; a chunk with more takes the dense matrix product."""


def same_behaviour(ordered: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """gap_id, _same_as: the ranked gap an eligible gap re-describes (see the module docstring).

    ``ordered``: the gaps in rank order with gap_id, ranking, gap_type, from_step, to_step,
    touchpoint, effect and ``_eligible``. ``members``: (gap_id, jx), one row per gap and journey.
    """
    empty = pl.DataFrame(schema={"gap_id": pl.UInt32, "_same_as": pl.UInt32})
    eligible = ordered.filter(pl.col("_eligible") & pl.col("gap_id").is_not_null()).select(
        "gap_id",
        "ranking",
        "effect",
        subject=pl.when(pl.col("gap_type") == GapType.UNEXPECTED_STEP)
        .then(pl.col("touchpoint"))
        .when(pl.col("gap_type") == GapType.DROPOFF)
        .then(pl.col("from_step"))
        .otherwise(pl.col("to_step")),
    )
    if eligible.height < 2:
        return empty
    ids = eligible["gap_id"].cast(pl.UInt32)
    masks, n = gap_sets(members, ids)
    overlap = overlaps(masks, n, size=len(ids))
    size = np.diagonal(overlap)
    ranking, subject = _codes(eligible["ranking"]), _codes(eligible["subject"])
    sign = {HARMS: -1, HELPS: 1}
    effect = np.array([sign.get(e, 0) for e in eligible["effect"].to_list()])
    kept = np.zeros(len(ids), dtype=bool)
    same: dict[int, int] = {}
    id_list = ids.to_list()
    for i, gap in enumerate(id_list):
        shared = overlap[i, :i]
        union = size[i] + size[:i] - shared
        fits = (
            kept[:i]
            & (ranking[:i] == ranking[i])
            & (shared > 0)
            & (effect[:i] * effect[i] != -1)  # never a harm with a help
            & (
                (shared >= SAME_SHARE * union)
                | ((shared >= SAME_SHARE * size[i]) & (subject[:i] == subject[i]))
            )
        )
        hit = np.flatnonzero(fits)
        if hit.size:
            same[gap] = id_list[int(hit[0])]
        else:
            kept[i] = True
    if not same:
        return empty
    return pl.DataFrame(
        {"gap_id": list(same), "_same_as": list(same.values())},
        schema={"gap_id": pl.UInt32, "_same_as": pl.UInt32},
    )


def _codes(values: pl.Series) -> np.ndarray:
    """Equal values, equal integers (None is a value of its own)."""
    seen: dict[object, int] = {}
    return np.array([seen.setdefault(v, len(seen)) for v in values.to_list()], dtype=np.int64)


def gap_sets(members: pl.DataFrame, gap_ids: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sets of ``gap_ids`` journeys have, and how many journeys have each.

    Returns ``masks`` (one row per set; bit ``i % BITS`` of word ``i // BITS`` says the set
    holds ``gap_ids[i]``) and ``n``. ``members``: (gap_id, jx), one row per gap and journey;
    the gaps not in ``gap_ids`` are left out. A journey's set is summed as a few integer words
    (cheaper than collecting lists), one (journey, word) at a time, never a word per member."""
    count = len(gap_ids)
    words = [f"_w{k}" for k in range(-(-count // BITS))]
    position = pl.DataFrame(
        {
            "gap_id": gap_ids,
            "_word": [i // BITS for i in range(count)],
            "_bit": [1 << (i % BITS) for i in range(count)],
        },
        schema={"gap_id": gap_ids.dtype, "_word": pl.Int64, "_bit": pl.Int64},
    )
    per_journey = (
        members.join(position, on="gap_id")
        .group_by("jx", "_word")
        .agg(pl.col("_bit").sum())  # one row per (gap, journey): the sum sets the bits
        .group_by("jx")
        .agg(
            pl.col("_bit").filter(pl.col("_word") == k).sum().alias(w) for k, w in enumerate(words)
        )
        .group_by(words)
        .agg(pl.len().alias("n"))
    )
    masks = per_journey.select(words).to_numpy().astype(np.int64).reshape(-1, len(words))
    return masks, per_journey["n"].to_numpy().astype(np.int64)


def unpack(masks: np.ndarray, size: int) -> np.ndarray:
    """The sets as rows of booleans, one column per gap (see ``gap_sets``)."""
    bits = (masks[:, :, None] >> np.arange(BITS, dtype=np.int64)) & 1
    return bits.reshape(len(masks), -1)[:, :size].astype(bool)


def overlaps(masks: np.ndarray, n: np.ndarray, *, size: int) -> np.ndarray:
    """overlap[i, j]: the journeys that have both gaps i and j (i == j: those with gap i),
    from the sets of ``gap_sets``; exact (integers in float64)."""
    out = np.zeros((size, size))
    rows = max(1, CHUNK_CELLS // max(size, 1))
    for low in range(0, len(n), rows):
        member = unpack(masks[low : low + rows], size)
        weight = n[low : low + rows].astype(np.float64)
        k = member.sum(axis=1)
        pairs = int((k * k).sum())
        if pairs <= SPARSE_PAIRS and pairs * 64 < member.shape[0] * size * size:
            _add_pairs(out, member, weight, k)
        else:
            dense = member.astype(np.float64)
            out += (dense * weight[:, None]).T @ dense
    return out


def _add_pairs(out: np.ndarray, member: np.ndarray, weight: np.ndarray, k: np.ndarray) -> None:
    """Add each set's weight to every pair of its gaps (k² pairs for a set of k)."""
    _, gap = np.nonzero(member)  # row by row, so set r's gaps are gap[first[r]:first[r] + k[r]]
    first = np.cumsum(k) - k
    count = k * k
    owner = np.repeat(np.arange(len(k)), count)
    t = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    width = k[owner]
    np.add.at(out, (gap[first[owner] + t // width], gap[first[owner] + t % width]), weight[owner])
