"""Vectorised event emission: one clock per episode, events appended in program order.

An *episode* is one stretch of a customer's life that the generator scripts as a whole (a
purchase, a browse, a support question). Every episode owns a clock (UTC epoch milliseconds).
``Timeline.emit`` advances the clocks of the episodes selected by a mask and records one event
for each of them, so a behaviour is written as a short program of emits, each one vectorised
over all the episodes that follow that program. No per-event Python loop anywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

LOCAL_TZ = "Europe/Berlin"
WINDOW_START = datetime(2026, 1, 1, tzinfo=UTC)
"""First instant of the generated data."""
WINDOW_END = datetime(2026, 5, 1, tzinfo=UTC)
"""The data's cut-off: events at or after it are dropped (their journeys stay in flight)."""
START_MS = int(WINDOW_START.timestamp() * 1000)
END_MS = int(WINDOW_END.timestamp() * 1000)

EVENT_SOURCES = ("transactions", "web", "support")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "transactions": {
        "ep": pl.Int32(),
        "t": pl.Int64(),
        "step": pl.Int32(),
        "event_type": pl.String(),
        "amount_cents": pl.Int64(),
        "sales_channel": pl.String(),
        "payment_method": pl.String(),
    },
    "web": {
        "ep": pl.Int32(),
        "t": pl.Int64(),
        "step": pl.Int32(),
        "event_type": pl.String(),
        "anon": pl.Int64(),
        "logged_in": pl.Boolean(),
        "page_path": pl.String(),
        "referrer": pl.String(),
    },
    "support": {
        "ep": pl.Int32(),
        "t": pl.Int64(),
        "step": pl.Int32(),
        "event_type": pl.String(),
        "slot": pl.Int8(),
        "channel": pl.String(),
        "team": pl.String(),
        "system": pl.String(),
        "category": pl.String(),
    },
}
"""Internal columns per source. ``ep`` is the episode, ``step`` the emit counter (tie-break)."""

Column = str | int | bool | None | np.ndarray


def to_local_ms(utc_ms: np.ndarray) -> np.ndarray:
    """UTC epoch ms -> Europe/Berlin wall-clock ms (naive, counted as if it were UTC)."""
    series = pl.Series(np.asarray(utc_ms, dtype=np.int64)).cast(pl.Datetime("ms", "UTC"))
    local = series.dt.convert_time_zone(LOCAL_TZ).dt.replace_time_zone(None)
    return local.cast(pl.Int64).to_numpy()


def from_local_ms(local_ms: np.ndarray) -> np.ndarray:
    """Europe/Berlin wall-clock ms -> UTC epoch ms (earliest instant on a repeated hour)."""
    series = pl.Series(np.asarray(local_ms, dtype=np.int64)).cast(pl.Datetime("ms"))
    aware = series.dt.replace_time_zone(LOCAL_TZ, ambiguous="earliest", non_existent="null")
    utc = aware.dt.convert_time_zone("UTC").cast(pl.Int64).to_numpy()
    # A wall-clock time skipped by the spring change does not exist: use one hour later.
    missing = np.isnan(utc) if utc.dtype.kind == "f" else np.zeros(len(utc), dtype=bool)
    if missing.any():
        utc = np.where(missing, np.asarray(local_ms) - HOUR, utc)
    return np.asarray(utc, dtype=np.int64)


class Timeline:
    """Per-episode clocks plus the events emitted so far, per source."""

    def __init__(self, rng: np.random.Generator, start_ms: np.ndarray) -> None:
        self.rng = rng
        self.clock = np.asarray(start_ms, dtype=np.int64).copy()
        self.size = len(self.clock)
        self._chunks: dict[str, list[pl.DataFrame]] = {name: [] for name in EVENT_SOURCES}
        self._step = 0

    # -- random helpers, always full length so masks can pick from them ---------------------
    def uniform_ms(self, low: float, high: float) -> np.ndarray:
        """A gap per episode, uniform in [low, high) milliseconds, at least one second."""
        gaps = self.rng.integers(int(low), int(high), size=self.size, endpoint=False)
        return np.maximum(gaps, SECOND).astype(np.int64)

    def lognormal_ms(self, median: float, sigma: float, *, low: float, high: float) -> np.ndarray:
        """A right-skewed gap per episode with the given median, clipped to [low, high]."""
        gaps = median * np.exp(sigma * self.rng.standard_normal(self.size))
        return np.clip(gaps, max(low, SECOND), high).astype(np.int64)

    def chance(self, p: float | np.ndarray) -> np.ndarray:
        return self.rng.random(self.size) < p

    def pick(self, options: tuple[str, ...], p: tuple[float, ...] | None = None) -> np.ndarray:
        return np.asarray(options)[self.rng.choice(len(options), size=self.size, p=p)]

    # -- clock moves --------------------------------------------------------------------------
    def wait(self, mask: np.ndarray, gap_ms: np.ndarray | int) -> None:
        """Advance the clocks of the masked episodes without emitting anything."""
        gap = gap_ms[mask] if isinstance(gap_ms, np.ndarray) else gap_ms
        self.clock[mask] += gap

    def open_hours(self, mask: np.ndarray, *, opens: int = 8, closes: int = 20) -> None:
        """Move masked clocks into the support desk's local opening hours (same or next day)."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        local = to_local_ms(self.clock[idx])
        day = local - local % DAY
        hour = (local - day) // HOUR
        jitter = self.rng.integers(1 * MINUTE, 50 * MINUTE, size=idx.size)
        moved = np.where(hour < opens, day, day + DAY) + opens * HOUR + jitter
        inside = (hour >= opens) & (hour < closes)
        self.clock[idx] = np.where(inside, self.clock[idx], from_local_ms(moved))

    # -- the one way events come into being -----------------------------------------------------
    def emit(
        self,
        source: str,
        mask: np.ndarray,
        event_type: str,
        gap_ms: np.ndarray | int,
        **columns: Column,
    ) -> None:
        """Advance masked clocks by ``gap_ms`` and record one ``event_type`` event for each.

        ``columns`` are scalars (same value for every event) or full-length arrays indexed by
        episode. Unknown column names are refused so a typo cannot silently drop data.
        """
        schema = SCHEMAS[source]
        unknown = set(columns) - set(schema)
        if unknown:
            raise KeyError(f"emit({source}): unknown column {sorted(unknown)[0]}")
        self._step += 1
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        self.clock[idx] += gap_ms[idx] if isinstance(gap_ms, np.ndarray) else gap_ms
        data: dict[str, pl.Series] = {
            "ep": pl.Series(idx, dtype=pl.Int32),
            "t": pl.Series(self.clock[idx]),
            "step": pl.Series(np.full(idx.size, self._step, dtype=np.int32)),
        }
        frame = pl.DataFrame(data)
        lits = [pl.lit(event_type, dtype=pl.String).alias("event_type")]
        for name, value in columns.items():
            if isinstance(value, np.ndarray):
                frame = frame.with_columns(pl.Series(name, value[idx]).cast(schema[name]))
            else:
                lits.append(pl.lit(value, dtype=schema[name]).alias(name))
        self._chunks[source].append(frame.with_columns(lits))

    def frames(self) -> dict[str, pl.DataFrame]:
        """All events per source, before the cut-off, in (time, episode, step) order."""
        out: dict[str, pl.DataFrame] = {}
        for source, chunks in self._chunks.items():
            schema = SCHEMAS[source]
            if chunks:
                frame = pl.concat(chunks, how="diagonal_relaxed")
            else:
                frame = pl.DataFrame(schema=schema)
            frame = frame.select(
                [
                    pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                    for c, t in schema.items()
                ]
            )
            out[source] = frame.filter(pl.col("t") < END_MS).sort(["t", "ep", "step"])
        return out
