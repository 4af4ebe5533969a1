"""Prefect's temporary server dies with the ``journeys run`` that started it.

Without ``PREFECT_API_URL``, Prefect 3.8 starts a temporary ("ephemeral") API server as a child
process on first use (``prefect.server.api.server.SubprocessASGIServer``: ``python -m uvicorn``)
and stops it at exit, from an ``atexit`` hook, which ``kill -9`` of ``journeys run`` skips: the
server then ran on, holding its port and its SQLite file, 4 times out of 4.

Here the child is spawned with a parent-death signal (Linux ``prctl(PR_SET_PDEATHSIG,
SIGTERM)``, set between fork and exec): the kernel sends it SIGTERM when its parent goes, however
the parent went. The signal follows the *thread* that spawned the child, so it is set only for a
server spawned from the main thread, which lives as long as the process (``journeys run``
spawns it there); elsewhere, and on other systems, Prefect's own stop at exit is all there is.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGTERM when this process ends, or None
    where the system has no such thing."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the child
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was set
            os._exit(1)

    return arm


class _DyingSubprocess:
    """The ``subprocess`` module as Prefect's server module sees it: ``Popen`` from the main
    thread arms the parent-death signal; everything else is the real module."""

    def __init__(self, arm: Callable[[], None]) -> None:
        self._arm = arm

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def Popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen[Any]:  # noqa: N802
        if threading.current_thread() is threading.main_thread():
            kwargs.setdefault("preexec_fn", self._arm)
        return subprocess.Popen(*args, **kwargs)


@contextmanager
def ephemeral_server_dies_with_us() -> Iterator[None]:
    """Inside the block, a temporary Prefect server this process starts ends with it."""
    from prefect.server.api import server

    arm = _parent_death_signal()
    if arm is None or getattr(server, "subprocess", None) is not subprocess:
        yield  # another Prefect, or another system: leave it as it is
        return
    # prefect's server module does not export its `subprocess` import; we patch that import
    server.subprocess = _DyingSubprocess(arm)  # type: ignore[attr-defined, assignment]
    try:
        yield
    finally:
        server.subprocess = subprocess  # type: ignore[attr-defined]
