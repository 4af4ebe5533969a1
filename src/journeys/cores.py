"""Small work on one core: every thread of this process on the core the caller runs on (and a
small build's DuckDB on one thread: ``ONE_THREAD_ROWS``).

compare runs about 700 small polars operations per map, and polars hands each one to its thread
pool and waits for it. When the pool's threads sleep on another core, each hand-off wakes that
core: on this project's machine (a VM, 2 cores) a 50-row filter then takes 90-100 µs against
28 µs with the pool on the caller's core, so that a compare of a small warehouse spends a
fifth of its time waking the other core (``compare --full`` of 1,000 events 0.86 → 0.70 s,
of 40,000 journeys 0.92 → 0.82 s, CPU-seconds lower too). A large compare needs both cores
(161,000 journeys: 1.52 → 1.66 s on one), so ``one_core`` is used below ``ONE_CORE_JOURNEYS``.

Linux only (``os.sched_setaffinity`` with thread ids); elsewhere, and on one core, it does
nothing. Every thread's affinity is put back when the block ends; a thread started inside the
block is given the caller's.

NumPy's BLAS (OpenBLAS) starts its worker threads when it is first used, one per core it may
run on. Put on the caller's core with it, they spin waiting for work beside the thread that
hands it to them, and a 130 x 130 ``numpy.linalg.solve`` took 128 ms instead of 0.13 ms: a
purchase-to-pay log with 128 touchpoints in a map's scope spent 13.8 s of `journeys analyze`'s
compare (15.1 s; 0.7 s in a `compare` of its own, where NumPy is first used inside the block
and so starts one thread). Inside the block a BLAS already started runs on one thread
(threadpoolctl, ADR 0006).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path

ONE_CORE_JOURNEYS = 50_000
"""Below this many journeys compare runs on one core (measured: see the module's text)."""
ONE_THREAD_ROWS = 100_000
"""Below this many loaded rows a build runs DuckDB on one thread (``Connection.threads``, and
one thread in each partition's DuckDB): its ~125 statements each hand tasks to DuckDB's
threads, and waking them costs more than they save on so few rows (``build --full`` of 1,186
rows 0.54 → 0.51 s, of 50,000 events 0.77 → 0.67 s; of 250,000 events 1.12 → 1.19 s, so
not there)."""

_TASKS = Path("/proc/self/task")


@contextmanager
def one_core(enabled: bool = True) -> Iterator[None]:
    """Run the block with every thread of this process on the caller's current core."""
    allowed = _affinity(0)
    if not enabled or allowed is None or len(allowed) < 2 or not _TASKS.is_dir():
        yield
        return
    core = _current_core(allowed)
    before = {tid: mask for tid in _threads() if (mask := _affinity(tid)) is not None}
    for tid in before:
        _set(tid, {core})
    _set(0, {core})
    try:
        with _one_blas_thread():
            yield
    finally:
        for tid in _threads():
            _set(tid, before.get(tid, allowed))
        _set(0, allowed)


def _one_blas_thread() -> AbstractContextManager[object]:
    """NumPy's BLAS on one thread for the block, when NumPy is loaded (its threads may have
    started on every core); nothing to limit otherwise (it starts inside the block, on one)."""
    if "numpy" not in sys.modules:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    limits: AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def _threads() -> list[int]:
    try:
        return [int(name) for name in os.listdir(_TASKS)]
    except OSError:
        return []


def _affinity(tid: int) -> set[int] | None:
    try:
        return os.sched_getaffinity(tid)
    except (AttributeError, OSError):  # not Linux; a thread that has ended
        return None


def _set(tid: int, cores: set[int]) -> None:
    with suppress(OSError):  # a thread that has ended meanwhile
        os.sched_setaffinity(tid, cores)


def _current_core(allowed: set[int]) -> int:
    """The core the calling thread runs on (field 39 of its stat), if it may run there."""
    try:
        fields = Path("/proc/thread-self/stat").read_text().rpartition(")")[2].split()
        core = int(fields[36])
    except (OSError, IndexError, ValueError):
        return min(allowed)
    return core if core in allowed else min(allowed)
