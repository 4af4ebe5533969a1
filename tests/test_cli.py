from __future__ import annotations

from pathlib import Path

from journeys.cli import main

SAMPLE_MAP = Path(__file__).parents[1] / "data" / "sample" / "maps" / "online_purchase.yaml"


def test_help_lists_every_contract_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in (
        "demo",
        "run",
        "ingest",
        "import-log",
        "build",
        "compare",
        "drift",
        "report",
        "validate-map",
        "suggest-map",
        "generate",
        "serve",
    ):
        assert command in out


def test_unknown_source_is_a_usage_error(capsys):
    assert main(["ingest", "bogus", "x.csv"]) == 2
    assert "use one of" in capsys.readouterr().err


def test_every_command_has_an_example_in_its_help(capsys):
    from journeys.cli import app

    commands = app.commands
    assert len(commands) >= 12
    for name in commands:
        assert main([name, "--help"]) == 0
        assert "Example: journeys " + name in capsys.readouterr().out, name


def _missing_warehouse(capsys, args: list[str]) -> str:
    """The warehouse a read command looked for (the report of a warehouse that is not there)."""
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "warehouse not found" in err, err
    return err.split(":")[0].removeprefix("[warehouse] ")


def test_warehouse_before_or_after_the_command_and_from_the_environment(
    capsys, tmp_path, monkeypatch
):
    before, after, env = tmp_path / "before.duckdb", tmp_path / "after.duckdb", tmp_path / "e.db"
    out = ["--out", str(tmp_path / "r")]
    assert _missing_warehouse(capsys, ["--warehouse", str(before), "report", *out]) == str(before)
    assert _missing_warehouse(capsys, ["report", "--warehouse", str(after), *out]) == str(after)
    both = ["--warehouse", str(before), "report", "--warehouse", str(after), *out]
    assert _missing_warehouse(capsys, both) == str(after)  # the nearer one wins
    monkeypatch.setenv("JOURNEYS_WAREHOUSE", str(env))
    assert _missing_warehouse(capsys, ["report", *out]) == str(env)
    assert _missing_warehouse(capsys, ["report", "--warehouse", str(after), *out]) == str(after)


def test_the_default_warehouse_is_the_documented_one(capsys, tmp_path, monkeypatch):
    from journeys.config import DEFAULT_WAREHOUSE

    monkeypatch.delenv("JOURNEYS_WAREHOUSE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert str(DEFAULT_WAREHOUSE) == "warehouse/journeys.duckdb"  # DESIGN.md, command contract
    assert _missing_warehouse(capsys, ["report"]) == str(DEFAULT_WAREHOUSE)


def test_demo_refuses_a_warehouse_holding_other_data(capsys, tmp_path):
    import polars as pl

    from journeys.warehouse import Warehouse

    warehouse = tmp_path / "mine.duckdb"
    with Warehouse(warehouse) as wh:
        wh.write_table("marts.data_quality", pl.DataFrame({"file": ["web_events.jsonl", "x.csv"]}))
    assert main(["demo", "--warehouse", str(warehouse), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("[demo] ") and "'x.csv'" in err and "--warehouse" in err
    assert not (tmp_path / "r").exists()


def test_a_command_reads_its_configuration_without_pydantic(tmp_path):
    """Importing pydantic and building its models took 50-60 ms of every command; the settings
    are msgspec records (ADR 0001), and only the Prefect flows' parameters use pydantic."""
    import subprocess
    import sys

    config = tmp_path / "journeys.yaml"
    config.write_text("sessions: {gap_seconds: 45m}\nsources: {web: {timezone: Europe/Berlin}}\n")
    code = (
        "import sys; from journeys.cli import main; code = main(sys.argv[1:]); "
        "from journeys.config import load_settings; s = load_settings(sys.argv[-1]); "
        "print(code, s.sessions.gap_seconds, s.source('web').timezone, 'pydantic' in sys.modules)"
    )
    args = ["--warehouse", str(tmp_path / "wh.duckdb"), "build", "--config", str(config)]
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert out.stdout.splitlines()[-1] == "1 2700 Europe/Berlin False"  # nothing loaded: code 1
    assert "nothing" in out.stderr.lower()


def test_the_command_ends_with_its_exit_handlers_run_its_output_whole_and_its_code(tmp_path):
    """``journeys`` ends its process without the final garbage collection: the exit handlers
    still run, piped output arrives whole, the exit code is the command's, and DuckDB's
    bindings print nothing at the end."""
    import subprocess
    import sys

    marker = tmp_path / "atexit-ran"
    code = (
        "import atexit, pathlib, sys; from journeys.cli import command_line; "
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes'); "
        "sys.argv = ['journeys', *sys.argv[1:]]; command_line()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and marker.read_text() == "yes"
    assert "Usage: journeys" in done.stdout and done.stdout.rstrip().endswith(main_help_last_line())
    marker.unlink()
    wh = tmp_path / "w" / "journeys.duckdb"
    done = subprocess.run(
        [sys.executable, "-c", code, "--warehouse", str(wh), "build"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and marker.read_text() == "yes"
    assert "nothing is loaded yet" in done.stderr and "leak" not in done.stderr


def main_help_last_line() -> str:
    """The last line ``journeys --help`` prints, as ``main`` prints it in this process."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--help"])
    return out.getvalue().rstrip().splitlines()[-1]


def test_build_and_compare_of_no_warehouse_say_so_and_make_nothing(capsys, tmp_path):
    """A build or compare pointed at a warehouse nothing was loaded into said so, but left a
    1.3 MB work file, a lock and the folders on the way behind; a folder given as the
    warehouse made ``<folder>.work.duckdb`` beside it. Now nothing is made, and the folder is
    named with the file to give instead."""
    missing = tmp_path / "typo" / "journeys.duckdb"
    assert main(["--warehouse", str(missing), "build"]) == 1
    assert "nothing is loaded yet" in capsys.readouterr().err
    assert main(["--warehouse", str(missing), "compare", "--map", str(SAMPLE_MAP)]) == 1
    assert f"{missing}: nothing is loaded yet" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()
    assert main(["--warehouse", str(tmp_path), "build"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"[config] warehouse {tmp_path}: is a folder; name the warehouse file in it, e.g. "
        f"--warehouse {tmp_path / 'journeys.duckdb'}"
    )
    assert sorted(p.name for p in tmp_path.parent.glob(f"{tmp_path.name}*")) == [tmp_path.name]
