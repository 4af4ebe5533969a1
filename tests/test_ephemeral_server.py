"""``kill -9`` of ``journeys run`` takes Prefect's temporary server along (issue #23: it ran on,
4 times out of 4). See pipelines/ephemeral.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from conftest import SAMPLE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux parent-death signal"),
]

T = TypeVar("T")


def poll(check: Callable[[], T], *, seconds: float) -> T:
    """``check()`` every 0.1 s until it is truthy, at most ``seconds``; its last value."""
    deadline = time.monotonic() + seconds
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def server_of(pid: int) -> int | None:
    """The temporary Prefect server (``python -m uvicorn ... prefect.server...``) ``pid`` runs."""
    for child in children(pid):
        try:
            cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"uvicorn" in cmdline and any(b"prefect.server" in part for part in cmdline):
            return child
    return None


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it has ended)."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_kill_9_of_journeys_run_takes_the_temporary_server_along(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")  # a server of its own, not the harness's
    run = subprocess.Popen(
        [sys.executable, "-m", "journeys", "--warehouse", str(tmp_path / "wh.duckdb")]
        + ["run", "--config", str(SAMPLE / "journeys.yaml")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        server = poll(lambda: server_of(run.pid), seconds=180)
        assert server, "journeys run started no temporary Prefect server"
        assert alive(server)
        run.send_signal(signal.SIGKILL)
        run.wait()
        started = time.monotonic()
        assert poll(lambda: not alive(server), seconds=20), "the server outlived journeys run"
        assert time.monotonic() - started < 20
    finally:
        run.kill()
        run.wait()
        if server and alive(server):
            os.kill(server, signal.SIGKILL)
