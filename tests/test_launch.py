"""The ``journeys`` command runs in a process that allocates with mimalloc (journeys/launch.py,
journeys/allocator.py, ADR 0010): it starts itself once more with the library preloaded, the
same process and arguments; a user's own ``LD_PRELOAD`` or a missing library leaves it as it
is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeys import allocator

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="LD_PRELOAD: Linux only"
)

STUB = """
import os, sys
import journeys.allocator as allocator, journeys.cli as cli, journeys.launch as launch
print("start", os.getpid(), flush=True)
if os.environ.get("NO_LIBRARY"):
    allocator.library = lambda: None
cli.command_line = lambda: print(
    "run", os.getpid(), os.environ.get("LD_PRELOAD", "-"),
    "libmimalloc" in open("/proc/self/maps").read(), sys.argv[1:],
)
launch.command_line()
"""
"""A process that starts the command as the installed script does, with the command replaced by
one that says which process it runs in, what is preloaded and mapped, and its arguments."""


def launched(**environ: str) -> list[list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "MIMALLOC_ALLOW_THP")}
    done = subprocess.run(
        [sys.executable, "-c", STUB, "build", "--full"],
        env=env | environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line.split(" ", 4) for line in done.stdout.splitlines()]


def test_the_environment_preloads_mimalloc_unless_something_is_preloaded(monkeypatch):
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    monkeypatch.delenv("MIMALLOC_ALLOW_THP", raising=False)
    env = allocator.preloaded()
    assert env is not None and Path(env["LD_PRELOAD"]).is_file()
    assert env["MIMALLOC_ALLOW_THP"] == "0" and env["PATH"] == os.environ["PATH"]
    maps = subprocess.run(
        [sys.executable, "-c", "print(open('/proc/self/maps').read())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert env["LD_PRELOAD"] in maps  # loaded into a process started so, not only named
    monkeypatch.setenv("MIMALLOC_ALLOW_THP", "1")
    assert allocator.preloaded()["MIMALLOC_ALLOW_THP"] == "1"  # type: ignore[index]
    monkeypatch.setenv("LD_PRELOAD", "libsomething.so")
    assert allocator.preloaded() is None
    assert allocator.preloaded({"PATH": "/bin"}) is not None


def test_the_command_starts_itself_once_more_with_mimalloc():
    """One start more, not a loop: the same process id, the same arguments, mimalloc mapped."""
    (start, first), (again, second), (run, pid, preload, mapped, argv) = launched()
    assert (start, again, run) == ("start", "start", "run")
    assert first == second == pid  # the process replaced itself (exec), not a child
    assert preload == allocator.library() and mapped == "True"
    assert argv == "['build', '--full']"


def test_a_users_preload_or_no_library_runs_the_command_as_it_is():
    library = allocator.library()
    assert library is not None
    (_, first), (_, pid, preload, mapped, _) = launched(LD_PRELOAD=library)
    assert first == pid and preload == library and mapped == "True"
    (_, first), (_, pid, preload, mapped, _) = launched(NO_LIBRARY="1")
    assert first == pid and preload == "-" and mapped == "False"


def test_python_dash_m_journeys_is_the_command(tmp_path: Path):
    """``python -m journeys`` runs the command (through the start with mimalloc), and a user
    error still ends with exit code 1 and its one line."""
    done = subprocess.run(
        [sys.executable, "-m", "journeys", "--warehouse", str(tmp_path / "wh.duckdb"), "build"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "nothing is loaded yet" in done.stderr, done.stderr
