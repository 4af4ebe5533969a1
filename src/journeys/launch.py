"""The ``journeys`` command's start (``[project.scripts]``, ``python -m journeys``): the process
that runs a command allocates with mimalloc (``journeys/allocator.py``, ADR 0010).

An allocator is chosen when a process starts, so before it loads anything the command starts
itself again, the same interpreter with the same arguments (``sys.orig_argv``), with mimalloc
preloaded: the interpreter's second start costs about 20 ms, and every command runs faster for
it (the interpreter's imports, DuckDB's planning, rustxes' parse; measured in ADR 0010). Where
mimalloc cannot be preloaded (another system, no library, an ``LD_PRELOAD`` of the user's, a
start that fails) the command runs in this process, as it is. The process started with it has
``LD_PRELOAD`` set, so it does not start itself again.

``python -m journeys.cli`` runs the command in the process as it is (the library's entry, and
the way to time a command without the second start).
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress

from journeys.allocator import preloaded


def command_line() -> None:  # pragma: no cover - it ends the process
    """Run the command in a process that allocates with mimalloc: this one started again with
    it preloaded, or this one as it is (``restart`` found no way to)."""
    restart()
    from journeys.cli import command_line as run

    run()


def restart() -> None:
    """Replace this process by the same command with mimalloc preloaded (``os.execve``: the same
    process id, its open files and terminal kept); return where it cannot be preloaded or the
    start fails."""
    environment = preloaded()
    if environment is None:
        return
    with suppress(OSError):
        os.execve(sys.executable, sys.orig_argv, environment)
