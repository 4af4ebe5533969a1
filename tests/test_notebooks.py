"""Every notebook in notebooks/ (jupytext percent format) runs top to bottom against the sample
warehouse in a kernel of this interpreter; the notebooks assert facts, so a broken one fails."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import jupytext
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import ROOT
from sample_fixtures import sample_warehouse

NOTEBOOKS = ROOT / "notebooks"
EXPECTED = ("01_explore_journeys.py", "02_map_gaps.py", "03_segments_and_periods.py")
KERNEL = "python3"
CELL_TIMEOUT = 120
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_every_expected_notebook_is_there():
    found = {p.name for p in NOTEBOOKS.glob("*.py")}
    assert set(EXPECTED) <= found


def test_the_kernel_runs_this_interpreter():
    """The "python3" kernel spec says `python`; jupyter_client starts it as sys.executable, so
    the notebooks import this venv's journeys."""
    try:
        manager = KernelManager(kernel_name=KERNEL)
        command = manager.format_kernel_cmd()
    except NoSuchKernel:  # pragma: no cover - ipykernel is a dev dependency
        pytest.fail(f"no '{KERNEL}' kernel; install ipykernel in this environment")
    assert Path(command[0]).resolve() == Path(sys.executable).resolve()


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_on_the_sample(name: str, monkeypatch: pytest.MonkeyPatch):
    warehouse = sample_warehouse()
    notebook = jupytext.read(NOTEBOOKS / name)
    assert notebook.metadata["kernelspec"]["name"] == KERNEL
    assert any(c.cell_type == "code" and "assert " in c.source for c in notebook.cells)
    monkeypatch.setenv("JOURNEYS_WAREHOUSE", str(warehouse))  # the kernel inherits it
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"notebooks/{name} failed:\n{ANSI.sub('', str(exc))}")
    seconds = time.perf_counter() - started
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    ran = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in ran if c.source.strip())
    print(f"notebooks/{name}: {seconds:.1f}s")
