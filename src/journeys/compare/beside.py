"""Work beside this thread: a one-thread pool where the work is large enough to win back a
thread, else the same work done at once in this thread.

compare runs a map's gap history beside the writing of its rows, and the alignment of its new
variants beside the reading of its step timing: at 10M events each side is seconds of polars or
NumPy that lets go of the interpreter's lock, so two cores share them. For a small map each side
is milliseconds of Python that holds the lock, so the two threads take turns at it and the
thread's start is not won back: in one process, a compare of 1,000 events (two maps of 135 and
30 journeys) took 0.483 s with the work done in turn against 0.501 s beside (medians of six
alternated runs); at 250,000 events (40,249 journeys) beside was as fast or faster (0.529
against 0.554 s)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

BESIDE_JOURNEYS = 10_000
"""A map with at least this many journeys in scope does its side work on a second thread."""


class _InTurn(Executor):
    """An executor that runs each submitted call at once, in the calling thread."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:  # noqa: ANN401
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # raised where the thread's result would raise it
            future.set_exception(exc)
        return future


def beside(journeys: int, name: str) -> Executor:
    """A one-thread pool named ``name`` for side work on a map of ``journeys`` journeys in scope
    (at least ``BESIDE_JOURNEYS``), else an executor that runs it in turn in this thread. Use it
    as a context manager, as a ``ThreadPoolExecutor``."""
    if journeys >= BESIDE_JOURNEYS:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    return _InTurn()
