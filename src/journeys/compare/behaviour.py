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

from collections.abc import Sequence

import numpy as np
import polars as pl

from journeys.compare.deviations import GapType
from journeys.compare.impact import HARMS, HELPS
from journeys.compare.slices import journey_slices

SAME_SHARE = 0.9
"""Two gaps are one behaviour when they share this much of their journeys."""
BITS = 62
"""Gaps per 64-bit word of a set's bit mask (a sum of distinct bits stays below 2**62)."""
CHUNK_CELLS = 1 << 22
"""Sets x gaps unpacked at a time (32 MB as float64)."""
SPARSE_PAIRS = 1 << 21
"""Pairs listed at a time at most; a chunk with more takes the dense matrix product."""


def same_behaviour(
    ordered: pl.DataFrame, members: pl.DataFrame, *, by: Sequence[str] = ()
) -> pl.DataFrame:
    """gap_id, _same_as: the ranked gap an eligible gap re-describes (see the module docstring).

    ``ordered``: the gaps in rank order with gap_id, ranking, gap_type, from_step, to_step,
    touchpoint, effect and ``_eligible``. ``members``: (gap_id, jx), one row per gap and journey.
    With ``by`` (columns of both), each group of gaps and journeys is judged on its own, all
    groups in one pass (compare/history.py): the result has the ``by`` columns too.
    """
    eligible = ordered.filter(pl.col("_eligible") & pl.col("gap_id").is_not_null()).select(
        *by,
        pl.col("gap_id").cast(pl.UInt32),
        "ranking",
        "effect",
        subject=pl.when(pl.col("gap_type") == GapType.UNEXPECTED_STEP)
        .then(pl.col("touchpoint"))
        .when(pl.col("gap_type") == GapType.DROPOFF)
        .then(pl.col("from_step"))
        .otherwise(pl.col("to_step")),
    )
    schema = pl.Schema(
        {**{c: ordered.schema[c] for c in by}, "gap_id": pl.UInt32(), "_same_as": pl.UInt32()}
    )
    if by:
        rows = _grouped(eligible, members, list(by))
    elif eligible.height < 2:
        rows = []
    else:
        ids = eligible["gap_id"]
        masks, n = gap_sets(members, ids)
        same = _judge(eligible, overlaps(masks, n, size=len(ids)))
        rows = list(same.items())
    return pl.DataFrame(rows, schema=schema, orient="row")


def _judge(eligible: pl.DataFrame, overlap: np.ndarray) -> dict[int, int]:
    """gap_id -> the gap_id it re-describes, for the ``eligible`` gaps (in rank order; their
    journeys' ``overlaps``)."""
    size = np.diagonal(overlap)
    ranking, subject = _codes(eligible["ranking"]), _codes(eligible["subject"])
    sign = {HARMS: -1, HELPS: 1}
    effect = np.array([sign.get(e, 0) for e in eligible["effect"].to_list()])
    id_list = eligible["gap_id"].to_list()
    kept = np.zeros(len(id_list), dtype=bool)
    same: dict[int, int] = {}
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
    return same


def _grouped(
    eligible: pl.DataFrame, members: pl.DataFrame, by: list[str]
) -> list[tuple[object, ...]]:
    """same_behaviour per group of ``by``: the sets of every group counted in one pass (a
    gap's bit is its place among its group's eligible gaps), then judged group by group."""
    place = pl.int_range(pl.len(), dtype=pl.Int64).over(by)
    eligible = eligible.with_columns(_i=place).filter(pl.len().over(by) >= 2)
    if eligible.is_empty():
        return []
    groups = eligible.select(by).unique(maintain_order=True).with_row_index("_g")
    eligible = eligible.join(groups, on=by, maintain_order="left")
    width = int(eligible["_i"].max()) + 1  # type: ignore[arg-type]
    position = eligible.select(
        "_g",
        "gap_id",
        _word=pl.col("_i") // BITS,
        # 2 ** (place % BITS) as an expression: a Series built from a NumPy array makes polars
        # import numpy.ma (8 ms of the command) to ask whether the array is masked
        _bit=pl.lit(2, dtype=pl.Int64).pow(pl.col("_i") % BITS),
    )
    words = [f"_w{k}" for k in range(-(-width // BITS))]
    position = position.join(groups, on="_g").drop("_g")  # by, gap_id, _word, _bit
    grouped = members.select(*by, pl.col("gap_id").cast(pl.UInt32), "jx")
    sets = _set_counts(grouped, position, words, by=by).join(groups, on=by).sort("_g")
    set_group = sets["_g"].to_numpy()
    masks = sets.select(words).to_numpy().astype(np.int64).reshape(-1, len(words))
    n = sets["n"].to_numpy().astype(np.int64)
    rows = []
    eligible = eligible.sort("_g", maintain_order=True)  # each group's rows in rank order
    starts = np.searchsorted(eligible["_g"].to_numpy(), np.arange(groups.height + 1))
    for g in range(groups.height):  # slices, not a frame built per group
        part = eligible.slice(int(starts[g]), int(starts[g + 1] - starts[g]))
        low, high = np.searchsorted(set_group, [g, g + 1])
        overlap = overlaps(masks[low:high], n[low:high], size=part.height)
        key = part.row(0, named=True)
        rows += [(*(key[c] for c in by), gap, to) for gap, to in _judge(part, overlap).items()]
    return rows


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
    per_journey = _set_counts(members, position, words, by=[])
    masks = per_journey.select(words).to_numpy().astype(np.int64).reshape(-1, len(words))
    return masks, per_journey["n"].to_numpy().astype(np.int64)


def _set_counts(
    members: pl.DataFrame, position: pl.DataFrame, words: list[str], *, by: list[str]
) -> pl.DataFrame:
    """by, the words, n: each distinct set of gaps journeys have (the bits of ``position``:
    gap_id, _word, _bit, and the ``by`` columns) and how many journeys have it. A slice of the
    journeys at a time (slices.py): each journey's set is whole in its slice, the counts add."""
    # one row per (gap, journey): the sums of the bits of a journey's gaps set them; each word
    # a column of its own first, as plain sums per journey are far cheaper than filtered ones
    bits = [
        pl.when(pl.col("_word") == k).then(pl.col("_bit")).otherwise(0).alias(w)
        for k, w in enumerate(words)
    ]
    per_slice = [
        part.join(position, on=[*by, "gap_id"])
        .select(*by, "jx", *bits)
        .group_by(*by, "jx")
        .agg(pl.col(words).sum())
        .group_by(*by, *words)
        .agg(pl.len().alias("n"))
        for part in journey_slices(members)
    ]
    if len(per_slice) == 1:
        return per_slice[0]
    return pl.concat(per_slice).group_by(*by, *words).agg(pl.col("n").sum())


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
