"""Deliveries as a real company sends them: a main drop, a late drop, duplicates, bad rows.

The main files hold every event except the few held back for ``late/``; ``late/`` holds those
late events plus some re-sent copies of main rows. A few main rows are written twice, and a few
are damaged on purpose. Every one of them is listed (by event id, and bad rows by line) so tests
and the ingest step can check they were caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from journeys.generate.episodes import PAY_OK, PURCHASE_WEB, SHIP_NORMAL, SUPPORT
from journeys.generate.sources import (
    SUPPORT_COLUMNS,
    TRANSACTION_COLUMNS,
    WEB_COLUMNS,
    Sources,
)

TX_FILE = "transactions.csv"
WEB_FILE = "web_events.jsonl"
SUPPORT_FILE = "support_interactions.csv"
LATE_TX_FILE = "late/transactions.csv"
LATE_SUPPORT_FILE = "late/support_interactions.csv"
LATE_SHARE = 0.01
REDELIVERED_SHARE = 0.003
DUPLICATE_SHARE = 0.002


@dataclass(frozen=True)
class BadRow:
    """One damaged row: where it is and what an ingest step should say about it."""

    file: str
    event_id: str
    reason: str
    line: int = 0
    """1-based physical line (the CSV header is line 1); filled in when the file is rendered."""

    def as_dict(self) -> dict[str, object]:
        row = self.line - 1 if self.file.endswith(".csv") else self.line
        return {
            "file": self.file,
            "line": self.line,
            "row_number": row,
            "event_id": self.event_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Delivery:
    """What goes into each file, and the ids of everything special in them."""

    files: dict[str, pl.DataFrame]
    """File name (relative to the output folder) -> its rows, public columns only."""
    damage: dict[str, dict[int, str]]
    """File name -> {0-based row: 'cut' (last field dropped) or 'truncate' (half a line)}."""
    rows: dict[str, int]
    late_events: dict[str, list[str]]
    redelivered: dict[str, list[str]]
    duplicates: dict[str, list[str]]
    bad_rows: list[BadRow]


def _happy_episodes(sources: Sources) -> pl.Series:
    return sources.episodes.filter(
        (pl.col("_kind") == PURCHASE_WEB)
        & (pl.col("_payment") == PAY_OK)
        & (pl.col("_fulfil") == SHIP_NORMAL)
        & ~pl.col("_research")
    )["_ep"]


def _sample(rng: np.random.Generator, frame: pl.DataFrame, k: int) -> pl.DataFrame:
    """``k`` rows of ``frame`` (fewer if it is short), deterministic for a given generator."""
    k = min(k, frame.height)
    if k <= 0:
        return frame.head(0)
    picked = np.sort(rng.choice(frame.height, size=k, replace=False))
    return frame[picked]


def _one_per_episode(rng: np.random.Generator, frame: pl.DataFrame, used: set[int]) -> str | None:
    """The event id of one random row whose episode is not in ``used``; marks it used."""
    free = frame.filter(~pl.col("_ep").is_in(sorted(used)))
    if free.is_empty():
        return None
    row = free.row(int(rng.integers(0, free.height)), named=True)
    used.add(row["_ep"])
    event_id: str = row["event_id"]
    return event_id


@dataclass(frozen=True)
class Damage:
    """One kind of damaged row: which file, which event type to pick it from, and how."""

    file: str
    event_type: str
    column: str | None
    """The value replaced; None: the whole line is damaged on output (``how``)."""
    how: str
    """The new value, or 'negative' / 'comma' (the amount rewritten), or 'cut' / 'truncate'."""
    reason: str


DAMAGES = (
    Damage(
        TX_FILE,
        "order_delivered",
        "occurred_at",
        "31.02.2026 10:00",
        "occurred_at '31.02.2026 10:00' is not a timestamp",
    ),
    Damage(TX_FILE, "payment_captured", "amount", "negative", "amount is negative"),
    Damage(TX_FILE, "order_placed", "amount", "comma", "amount is not a number"),
    Damage(
        TX_FILE,
        "order_shipped",
        None,
        "cut",
        "row has fewer columns than the header (payment_method missing)",
    ),
    Damage(
        WEB_FILE,
        "page_view",
        "occurred_at",
        "yesterday 14:03",
        "occurred_at 'yesterday 14:03' is not a timestamp",
    ),
    Damage(WEB_FILE, "page_view", None, "truncate", "line is not valid JSON (truncated)"),
    Damage(
        SUPPORT_FILE,
        "contact",
        "occurred_at",
        "2026-02-30 09:15:00",
        "occurred_at '2026-02-30 09:15:00' is not a valid date",
    ),
    Damage(
        SUPPORT_FILE,
        "ticket_opened",
        None,
        "cut",
        "row has fewer columns than the header (occurred_at missing)",
    ),
)
"""The damaged rows of every delivery, in the order they are drawn."""


def _select_damage_pools(sources: Sources) -> dict[str, pl.DataFrame]:
    """Per file, the rows a damaged row may come from: happy purchases, known support."""
    happy = _happy_episodes(sources).implode()
    return {
        TX_FILE: sources.transactions.filter(pl.col("_ep").is_in(happy)),
        WEB_FILE: sources.web.filter(pl.col("_ep").is_in(happy)),
        SUPPORT_FILE: sources.support.filter(
            (pl.col("_kind") == SUPPORT) & pl.col("_cust").is_not_null()
        ),
    }


def _replace_value(frame: pl.DataFrame, event_id: str, column: str, how: str) -> pl.DataFrame:
    """``frame`` with ``column`` of the row ``event_id`` damaged as ``how`` says."""
    if how == "negative":
        new = pl.lit("-") + pl.col("amount")
    elif how == "comma":
        new = pl.col("amount").str.replace(".", ",", literal=True) + " " + pl.col("currency")
    else:
        new = pl.lit(how)
    hit = pl.col("event_id") == event_id
    return frame.with_columns(pl.when(hit).then(new).otherwise(pl.col(column)).alias(column))


def _damage_values(
    rng: np.random.Generator, sources: Sources, used: set[int]
) -> tuple[dict[str, pl.DataFrame], list[BadRow], dict[str, str]]:
    """Pick the rows to damage; returns patched frames, the bad rows and row-level cuts."""
    pools = _select_damage_pools(sources)
    frames = {TX_FILE: sources.transactions, WEB_FILE: sources.web, SUPPORT_FILE: sources.support}
    bad: list[BadRow] = []
    cuts: dict[str, str] = {}
    for damage in DAMAGES:
        pool = pools[damage.file].filter(pl.col("event_type") == damage.event_type)
        event_id = _one_per_episode(rng, pool, used)
        if event_id is None:
            continue
        bad.append(BadRow(file=damage.file, event_id=event_id, reason=damage.reason))
        if damage.column is None:
            cuts[event_id] = damage.how
        else:
            frames[damage.file] = _replace_value(
                frames[damage.file], event_id, damage.column, damage.how
            )
    return frames, bad, cuts


def _late_pools(sources: Sources, used: set[int]) -> dict[str, pl.DataFrame]:
    """Events that can arrive late: the customer has a later event in the main drop."""
    happy = _happy_episodes(sources).implode()
    tx = sources.transactions
    delivered = tx.filter(pl.col("event_type") == "order_delivered")["_ep"].implode()
    tx_pool = tx.filter(
        (pl.col("event_type") == "order_shipped")
        & pl.col("_ep").is_in(happy)
        & pl.col("_ep").is_in(delivered)
        & ~pl.col("_ep").is_in(sorted(used))
    )
    sup = sources.support
    contacts = sup.filter(pl.col("event_type") == "contact").group_by("ticket_id").len()
    calm = contacts.filter(pl.col("len") < 3)["ticket_id"].implode()
    resolved = (
        sup.filter(pl.col("event_type") == "ticket_resolved")
        .group_by("ticket_id")
        .agg(pl.col("_t").max().alias("_resolved"))
    )
    sup_pool = (
        sup.filter(
            (pl.col("event_type") == "contact")
            & (pl.col("_kind") == SUPPORT)
            & pl.col("_cust").is_not_null()
            & pl.col("ticket_id").is_in(calm)
            & ~pl.col("_ep").is_in(sorted(used))
        )
        .join(resolved, on="ticket_id", how="inner", maintain_order="left")
        .filter(pl.col("_t") < pl.col("_resolved"))
        .unique("ticket_id", keep="first", maintain_order=True)
        .select(sup.columns)
    )
    return {TX_FILE: tx_pool, SUPPORT_FILE: sup_pool}


def _with_duplicates(frame: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """Each listed row written twice, the copy right after the original."""
    hit = np.flatnonzero(frame["event_id"].is_in(ids).to_numpy())
    order = np.sort(np.concatenate([np.arange(frame.height), hit]), kind="stable")
    return frame[order]


def _damage_rows(frame: pl.DataFrame, cuts: dict[str, str]) -> dict[int, str]:
    """Row index (0-based, in the final frame) -> how that row is damaged on output."""
    found = frame.with_row_index("_row").filter(pl.col("event_id").is_in(list(cuts)))
    return {row: cuts[event_id] for row, event_id in found.select("_row", "event_id").rows()}


def _write_rows(handle: BinaryIO, frame: pl.DataFrame, jsonl: bool) -> None:
    if frame.height == 0:
        return
    if jsonl:
        frame.write_ndjson(handle)
    else:
        frame.write_csv(handle, include_header=False)


def _damaged(frame: pl.DataFrame, kind: str, jsonl: bool) -> bytes:
    line = (frame.write_ndjson() if jsonl else frame.write_csv(include_header=False)).rstrip("\n")
    if kind == "truncate":
        line = line[: len(line) // 2]
    elif kind == "cut":
        line = line[: line.rfind(",")]
    return (line + "\n").encode("utf-8")


def write_file(path: Path, frame: pl.DataFrame, damage: dict[int, str]) -> None:
    """Write one delivered file in slices, so the damaged rows never need a second copy."""
    jsonl = path.suffix == ".jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        if not jsonl:
            frame.head(0).write_csv(handle)
        begin = 0
        for row in sorted(damage):
            _write_rows(handle, frame.slice(begin, row - begin), jsonl)
            handle.write(_damaged(frame.slice(row, 1), damage[row], jsonl))
            begin = row + 1
        _write_rows(handle, frame.slice(begin), jsonl)


def plan_delivery(rng: np.random.Generator, sources: Sources) -> Delivery:
    """Split, duplicate and damage the sources into the files to write."""
    used: set[int] = set()
    frames, bad, cuts = _damage_values(rng, sources, used)
    bad_ids = {row.event_id for row in bad}
    late: dict[str, pl.DataFrame] = {}
    for file, pool in _late_pools(sources, used).items():
        k = max(1, round(LATE_SHARE * frames[file].height))
        late[file] = _sample(rng, pool, k)
    late_ids = {f: late[f]["event_id"].to_list() for f in late}
    main: dict[str, pl.DataFrame] = {}
    redelivered: dict[str, list[str]] = {}
    duplicates: dict[str, list[str]] = {}
    for file, frame in frames.items():
        held = set(late_ids.get(file, []))
        kept = frame.filter(~pl.col("event_id").is_in(sorted(held)))
        clean = kept.filter(~pl.col("event_id").is_in(sorted(bad_ids)))
        dups = _sample(rng, clean, max(1, round(DUPLICATE_SHARE * kept.height)))
        duplicates[file] = dups["event_id"].to_list()
        main[file] = _with_duplicates(kept, duplicates[file])
        if file in late:
            again = _sample(rng, clean, max(1, round(REDELIVERED_SHARE * kept.height)))
            redelivered[file] = again["event_id"].to_list()
            late[file] = pl.concat([late[file], again]).sort("_t", "event_id")
    columns = {TX_FILE: TRANSACTION_COLUMNS, WEB_FILE: WEB_COLUMNS, SUPPORT_FILE: SUPPORT_COLUMNS}
    files = {name: main[name].select(columns[name]) for name in main}
    files[LATE_TX_FILE] = late[TX_FILE].select(TRANSACTION_COLUMNS)
    files[LATE_SUPPORT_FILE] = late[SUPPORT_FILE].select(SUPPORT_COLUMNS)
    damage = {name: _damage_rows(files[name], cuts) for name in main}
    header = {name: 0 if name.endswith(".jsonl") else 1 for name in files}
    lines: dict[str, int] = {}
    for name in main:
        wanted = [row.event_id for row in bad if row.file == name]
        found = files[name].with_row_index("i").filter(pl.col("event_id").is_in(wanted))
        lines.update({eid: header[name] + 1 + i for i, eid in found.select("i", "event_id").rows()})
    return Delivery(
        files=files,
        damage=damage,
        rows={name: frame.height for name, frame in files.items()},
        late_events={"late/" + f: ids for f, ids in late_ids.items()},
        redelivered={"late/" + f: ids for f, ids in redelivered.items()},
        duplicates=duplicates,
        bad_rows=[
            BadRow(file=r.file, event_id=r.event_id, reason=r.reason, line=lines[r.event_id])
            for r in bad
        ],
    )


def write_delivery(out: Path, delivery: Delivery) -> None:
    """Write every delivered file (UTF-8, ``\\n`` line ends) under ``out``."""
    for name, frame in delivery.files.items():
        write_file(out / name, frame, delivery.damage.get(name, {}))
