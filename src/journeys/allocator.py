"""mimalloc as a process's allocator: where its library is, and the environment that preloads it.

glibc's allocator is slow at what journeys does most in Python and in its native libraries'
C and C++ code: many small strings and objects made and freed (a fifth of rustxes' XES parse;
DuckDB's planning and binding; the interpreter's objects above 512 bytes). mimalloc, from the
``cmeel-mimalloc`` wheel (ADR 0010), is preloaded (``LD_PRELOAD``) into the ``journeys``
command's own process (``journeys/launch.py``) and into the children that parse a large XES
file's parts (``ingest/xes_parts.py``). An allocator is chosen when a process starts, so only
a new process can have it. Only on Linux, where the wheel installs the library; an
``LD_PRELOAD`` already set (the user's own, or mimalloc's in a process this started) is left as
it is, and whatever runs then runs with the allocator it has.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from functools import cache

LIBRARY = os.path.join("cmeel.prefix", "lib", "libmimalloc.so")
"""mimalloc's library as the ``cmeel-mimalloc`` wheel installs it, under site-packages."""


def preloaded(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """``environ`` (default: this process's) with mimalloc preloaded (``LD_PRELOAD``) and its
    transparent huge pages off (``MIMALLOC_ALLOW_THP=0``, unless set: with them on, this
    machine's kernel compacted memory at fault time, ADR 0010). None: another system, no
    library, or an ``LD_PRELOAD`` already set. A preload that fails is not an error: the
    loader says so and the process runs with the system's allocator."""
    environ = os.environ if environ is None else environ
    if environ.get("LD_PRELOAD"):  # first: the process the command started again stops here
        return None
    found = library()
    if found is None:
        return None
    return {"MIMALLOC_ALLOW_THP": "0", **environ, "LD_PRELOAD": found}


@cache
def library() -> str | None:
    """mimalloc's library, looked for once (the site-packages folders are on ``sys.path``):
    a few ``stat`` calls, no import."""
    if not sys.platform.startswith("linux"):
        return None
    for entry in filter(None, sys.path):
        found = os.path.join(entry, LIBRARY)
        if os.path.isfile(found):
            return found
    return None
