"""What goes wrong around the data: a full disk, a folder without write permission, a bad setting,
``--out`` naming a file. Each is one line naming the path and the fix, exit 1, no traceback
(issue #23; before, each was a Python traceback).

The full disk is real: the command runs in a process whose file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored) makes every write past it fail with EFBIG, as a full disk fails with ENOSPC.
Missing write permission is simulated at the OS boundary: these tests may run as root, whom
file modes do not stop.
"""

from __future__ import annotations

import errno
import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from journeys.cli import main
from journeys.errors import WarehouseError
from journeys.warehouse import Warehouse

LOG = """case_id,activity,timestamp
c1,Open,2024-01-01T10:00:00Z
c1,Answer,2024-01-01T11:00:00Z
c1,Close,2024-01-01T12:00:00Z
c2,Open,2024-01-02T10:00:00Z
c2,Close,2024-01-02T12:00:00Z
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small published warehouse: a hand-written event log, imported and built."""
    root = tmp_path_factory.mktemp("built")
    (root / "log.csv").write_text(LOG, encoding="utf-8")
    warehouse = root / "wh" / "journeys.duckdb"
    for args in (
        ["import-log", str(root / "log.csv"), "--case-col", "case_id"]
        + ["--activity-col", "activity", "--timestamp-col", "timestamp"],
        ["build"],
    ):
        assert main(["--warehouse", str(warehouse), *args]) == 0
    return warehouse


def run_with_file_limit(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """``journeys ARGS`` in a process that cannot write a file past ``limit`` bytes."""

    def limit_writes() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "journeys", *args],
        preexec_fn=limit_writes,
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err.rstrip("\n")


def test_a_full_disk_while_ingesting_names_the_folder(tmp_path: Path):
    log = tmp_path / "log.csv"
    rows = (f"c{i // 5},Step {i % 5},2024-01-01T{i % 24:02d}:00:00Z" for i in range(20_000))
    log.write_text("case_id,activity,timestamp\n" + "\n".join(rows) + "\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    done = run_with_file_limit(
        100_000,
        *("--warehouse", str(warehouse), "import-log", str(log), "--case-col", "case_id"),
        *("--activity-col", "activity", "--timestamp-col", "timestamp"),
    )
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith("[warehouse] ") and "File too large" in line
    assert line.endswith(
        f"no room left to write in {warehouse.parent}; free disk space there and run again"
    )


def test_a_full_disk_while_writing_the_report_names_the_page(built: Path, tmp_path: Path):
    out = tmp_path / "reports"
    done = run_with_file_limit(2_000, "--warehouse", str(built), "report", "--out", str(out))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith(f"[report] {out}/index.html: cannot write the page (File too large); ")
    assert line.endswith(f"free disk space in {out} and run again")
    assert not list(out.glob("*.tmp"))  # no half page left behind


def test_a_full_disk_while_exporting_names_the_file(built: Path, tmp_path: Path):
    out = tmp_path / "export"
    done = run_with_file_limit(1_000, "--warehouse", str(built), "export", "--out", str(out))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith("[warehouse] export marts.")
    assert line.endswith(f"no room left to write in {out}; free disk space there and run again")


@pytest.mark.parametrize("command", ["report", "export"])
def test_out_naming_a_file(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
):
    out = tmp_path / "taken.txt"
    out.write_text("not a folder", encoding="utf-8")
    assert main(["--warehouse", str(built), command, "--out", str(out)]) == 1
    _, err = capsys.readouterr()
    assert one_line(err) == (
        f"[{command}] {out}: is a file, not a folder; pass --out a folder (made if missing)"
    )
    assert main(["--warehouse", str(built), command, "--out", str(out / "sub")]) == 1
    _, err = capsys.readouterr()
    assert one_line(err).startswith(f"[{command}] {out / 'sub'}: cannot make the ")


def test_a_bad_memory_limit_names_the_file_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    config = tmp_path / "journeys.yaml"
    config.write_text("memory_limit: lots\n", encoding="utf-8")
    assert main(["--warehouse", str(tmp_path / "wh.duckdb"), "build", "--config", str(config)]) == 1
    _, err = capsys.readouterr()
    assert one_line(err) == (
        f"[config] {config}: field 'memory_limit': 'lots' is not a memory size; "
        "write e.g. 8GB, 512MB or 80%; see docs/configuration.md"
    )
    with pytest.raises(WarehouseError, match=r"with memory_limit: lots \(Parser Error"):
        Warehouse(tmp_path / "direct.duckdb", memory_limit="lots")  # without the configuration


def test_a_read_only_warehouse_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    folder = tmp_path / "wh"
    folder.mkdir()
    warehouse = folder / "journeys.duckdb"
    args = ["--warehouse", str(warehouse), "import-log", str(log), "--case-col", "case_id"]
    args += ["--activity-col", "activity", "--timestamp-col", "timestamp"]
    opened = Path.open

    def no_new_files(self: Path, mode: str = "r", *rest: object, **kw: object) -> object:
        if self.parent == folder and set(mode) & set("wax+"):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return opened(self, mode, *rest, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", no_new_files)
    assert main(args) == 1
    _, err = capsys.readouterr()
    assert one_line(err) == (
        f"[import-log] {warehouse}.lock: cannot take the writer lock (Permission denied); "
        f"make {folder} writable, or choose a folder you can write"
    )
    monkeypatch.undo()

    real_connect = duckdb.connect

    def denied(database: str = ":memory:", *rest: object, **kw: object) -> object:
        if str(database).startswith(str(folder)):  # as DuckDB says it (seen as a non-root user)
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Permission denied')
        return real_connect(database, *rest, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", denied)
    assert main(args) == 1
    _, err = capsys.readouterr()
    line = one_line(err)
    assert line.startswith(f"[warehouse] {folder}/journeys.work.duckdb: cannot open the warehouse")
    assert line.endswith(f"no permission to write in {folder}; make the folder writable")


def test_errors_name_what_ran_not_a_file_that_does_not_exist():
    """'sql/delete from marts.nope.sql' named a file that never existed."""
    with Warehouse() as wh:
        for run, what in (
            (lambda: wh.delete_where("marts.nope", column="x", value=1), "delete from marts.nope"),
            (lambda: wh.count("marts.nope"), "count marts.nope"),
            (lambda: wh.read_table("marts.nope"), "read marts.nope"),
        ):
            with pytest.raises(WarehouseError) as failed:
                run()
            message = str(failed.value)
            assert message.startswith(f"[warehouse] {what}: Catalog Error: ")
            assert (
                message.endswith("rebuild with `journeys build --full`") and "sql/" not in message
            )
        with pytest.raises(WarehouseError, match=r"^\[warehouse\] sql/marts/events\.sql: param"):
            wh.run_model("marts/events")
