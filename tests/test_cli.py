from __future__ import annotations

from journeys.cli import main


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
